//! An expression only the running scenario can evaluate (string functions over the
//! namespace or a saved output), as text its shell computes: a fragment of a
//! double-quoted word, printed by a `command` step whose output is saved.

use super::fold::{fold, Known, Part, Scope};
use super::parse::J;
use serde_json::Value;

/// `e` as the inside of a double-quoted shell word (`"..."`), the scenario's variables
/// read from the environment; None when it is not text the shell can compute
/// mechanically.
pub fn to_shell(e: &J, scope: &Scope) -> Option<String> {
    match e {
        J::Lit(v) => scalar(v),
        J::Var(name) => match scope.get(name)? {
            Known::Json(v) => scalar(v),
            Known::Text(parts) => Some(
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => dq(s),
                        Part::Var(v) => format!("${{{v}}}"),
                    })
                    .collect(),
            ),
            Known::Saved(v) | Known::Cel { var: v, .. } => Some(format!("${{{v}}}")),
            Known::ServerVersion => None,
        },
        J::Call(f, args) => match (f.as_str(), args.as_slice()) {
            ("join", [sep, J::List(items)]) => {
                let sep = text(sep, scope)?;
                let words: Option<Vec<String>> = items.iter().map(|i| to_shell(i, scope)).collect();
                Some(words?.join(&dq(&sep)))
            }
            ("to_string", [x]) => to_shell(x, scope),
            ("truncate", [x, n]) => {
                let n = match fold(n, scope).ok()?? {
                    Known::Json(Value::Number(n)) => n.as_u64()?,
                    _ => return None,
                };
                if n == 0 {
                    return Some(String::new());
                }
                Some(format!(
                    "$(printf '%s' \"{}\" | cut -c1-{n})",
                    to_shell(x, scope)?
                ))
            }
            ("trim", [x, cutset]) => {
                let set = bracket(&text(cutset, scope)?)?;
                Some(format!(
                    "$(printf '%s' \"{}\" | sed -e 's/^{set}*//' -e 's/{set}*$//')",
                    to_shell(x, scope)?
                ))
            }
            ("trim_space", [x]) => Some(format!(
                "$(printf '%s' \"{}\" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')",
                to_shell(x, scope)?
            )),
            ("lower" | "upper", [x]) => {
                let (a, b) = if f == "lower" {
                    ("[:upper:]", "[:lower:]")
                } else {
                    ("[:lower:]", "[:upper:]")
                };
                Some(format!(
                    "$(printf '%s' \"{}\" | tr '{a}' '{b}')",
                    to_shell(x, scope)?
                ))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A constant string argument (a separator, a cutset).
fn text(e: &J, scope: &Scope) -> Option<String> {
    match fold(e, scope).ok()?? {
        Known::Json(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(dq(s)),
        Value::Number(_) | Value::Bool(_) => Some(dq(&v.to_string())),
        _ => None,
    }
}

/// Text inside double quotes: `"`, `\`, `$` and `` ` `` escaped.
fn dq(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A sed bracket expression of the characters of a cutset (plain ones only).
fn bracket(cutset: &str) -> Option<String> {
    if cutset.is_empty()
        || !cutset
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_. :".contains(c))
    {
        return None;
    }
    // `-` last, where it is itself
    let mut chars: String = cutset.chars().filter(|c| *c != '-').collect();
    if cutset.contains('-') {
        chars.push('-');
    }
    Some(format!("[{chars}]"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::jmespath::parse;
    use serde_json::json;

    fn sh(e: &str) -> Option<String> {
        let scope: Scope = [
            (
                "run".to_string(),
                Known::Text(vec![
                    Part::Lit("e2e-".into()),
                    Part::Var("NAMESPACE".into()),
                ]),
            ),
            ("n".to_string(), Known::Json(json!(40))),
            ("out".to_string(), Known::Saved("out".into())),
        ]
        .into();
        to_shell(&parse(e).unwrap(), &scope)
    }

    /// Each translation, run by sh, prints what Chainsaw computes.
    #[test]
    fn the_shell_computes_what_chainsaw_would() {
        let run = |e: &str, env: &[(&str, &str)]| {
            let o = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s' \"{}\"", sh(e).unwrap()))
                .envs(env.iter().copied())
                .output()
                .unwrap();
            String::from_utf8(o.stdout).unwrap()
        };
        let ns = [("NAMESPACE", "kdrill-bindings-json-check-x7k2p")];
        assert_eq!(
            run("trim(truncate($run, `40`), '-')", &ns),
            "e2e-kdrill-bindings-json-check-x7k2p"
        );
        assert_eq!(run("truncate($run, `12`)", &ns), "e2e-kdrill-b");
        assert_eq!(
            run("trim(truncate($run, `11`), '-')", &ns),
            "e2e-kdrill",
            "the cut ends on a dash, which trim removes"
        );
        assert_eq!(
            run("join('=', ['example.com/subnet', $run])", &ns),
            "example.com/subnet=e2e-kdrill-bindings-json-check-x7k2p"
        );
        assert_eq!(
            run("upper(trim_space($out))", &[("out", "  a$b \"c\" \n")]),
            "A$B \"C\""
        );
        assert_eq!(sh("x_k8s_server_version($config)"), None);
        assert_eq!(sh("trim($run, '[')"), None, "a cutset sed would read");
    }
}
