//! Chainsaw's `script` and `command` operations as kdrill `command` steps: the argv or
//! the script, its `env` from bindings, `outputs` saved, and `check` on `$error`,
//! `$stdout` and `$stderr` as the command's exit rule and `expect` text rules.

use super::ctx::Ctx;
use super::with_timeout;
use crate::import::translate::{map, s};
use crate::migrate::jmespath::{self, Known, Part};
use crate::migrate::ledger::Fate;
use crate::migrate::shell;
use crate::migrate::str_of;
use serde_yaml::Value;

/// A `script` or `command` operation (`kind`) with the body `body`, as one step with
/// the exec timeout `timeout`.
pub(super) fn convert(
    ctx: &mut Ctx<'_>,
    kind: &str,
    body: &Value,
    timeout: Option<String>,
) -> Vec<Value> {
    let run = if kind == "script" {
        ctx.acc(&["content"], Fate::Converted);
        s(str_of(body, "content").unwrap_or_default())
    } else {
        ctx.acc(&["entrypoint"], Fate::Converted);
        ctx.acc(&["args"], Fate::Converted);
        let mut argv = vec![str_of(body, "entrypoint").unwrap_or_default().to_string()];
        argv.extend(
            body.get("args")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|a| match a {
                    Value::String(t) => Some(t.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                }),
        );
        if argv.iter().any(|a| a.contains('$')) {
            // Chainsaw expands `$NAMESPACE` and its env in the argv itself: a
            // shell line with the same expansion
            s(&argv
                .iter()
                .map(|a| shell::word(&shell::expand_parts(a)))
                .collect::<Vec<_>>()
                .join(" "))
        } else {
            Value::Sequence(argv.iter().map(|a| s(a)).collect())
        }
    };
    // files the script names travel with the test
    if let Some(text) = run.as_str() {
        crate::migrate::copy_referenced(
            text,
            ctx.dir,
            std::path::Path::new(""),
            ctx.files,
            ctx.ledger,
        );
    }
    let mut run = run;
    let mut cmd = Vec::new();
    if let Some(env) = body.get("env").and_then(Value::as_sequence) {
        let mut vars = Vec::new();
        // values that hold the scenario's variables: kdrill passes `env` verbatim, so
        // the shell sets them from its environment, where the variables are
        let mut exports = Vec::new();
        for (i, e) in env.iter().enumerate() {
            let (Some(n), Some(v)) = (str_of(e, "name"), e.get("value")) else {
                continue;
            };
            let at = ctx.at.child("env").child(&format!("[{i}]"));
            let folded = ctx.fold_values(v, &at);
            match folded {
                Value::String(t) if jmespath::expression_of(&t).is_none() => {
                    ctx.ledger
                        .account(&at.file, at.doc, &at.path, Fate::Converted);
                    let parts = var_parts(&t);
                    if parts.iter().any(|p| matches!(p, Part::Var(_))) {
                        exports.push(format!("export {n}={}", shell::word(&parts)));
                    } else {
                        vars.push((n.to_string(), s(&t)));
                    }
                }
                Value::Number(_) | Value::Bool(_) => {
                    ctx.ledger
                        .account(&at.file, at.doc, &at.path, Fate::Converted);
                    let t = serde_yaml::to_string(&folded).unwrap_or_default();
                    vars.push((n.to_string(), s(t.trim())));
                }
                _ => {}
            }
        }
        ctx.ledger.account_key(
            &ctx.at.file,
            ctx.at.doc,
            &ctx.at.child("env").path,
            Fate::Converted,
        );
        if !exports.is_empty() {
            let text = match &run {
                Value::Sequence(argv) => argv
                    .iter()
                    .filter_map(Value::as_str)
                    .map(shell::quote)
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            run = s(&format!("{}\n{text}", exports.join("\n")));
        }
        if !vars.is_empty() {
            cmd.push((
                "env",
                Value::Mapping(vars.into_iter().map(|(k, v)| (s(&k), v)).collect()),
            ));
        }
    }
    cmd.insert(0, ("run", run));
    let mut step = vec![("command", map(cmd))];
    let mut save = Vec::new();
    for (i, o) in body
        .get("outputs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let here = ctx.at.child("outputs").child(&format!("[{i}]"));
        let name = str_of(o, "name").unwrap_or_default();
        let value = str_of(o, "value").unwrap_or_default().replace(' ', "");
        let source = match value.as_str() {
            "($stdout)" | "(json_parse($stdout))" => Some("stdout"),
            "($stderr)" | "(json_parse($stderr))" => Some("stderr"),
            _ => None,
        };
        match source {
            Some(src) if crate::vars::check_name(name).is_ok() => {
                ctx.ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
                save.push((s(name), s(src)));
                ctx.outputs
                    .push((name.to_string(), Known::Saved(name.to_string())));
            }
            _ => ctx.note_place(&here, true, format!("the output `{name}` ({value}) is not the command's output as it is: not converted")),
        }
    }
    if body.get("outputs").is_some() {
        ctx.ledger.account_key(
            &ctx.at.file,
            ctx.at.doc,
            &ctx.at.child("outputs").path,
            Fate::Converted,
        );
    }
    if !save.is_empty() {
        step.push(("save", Value::Mapping(save.into_iter().collect())));
    }
    // where the command must fail before Chainsaw's timeout: that timeout, for the shell
    let mut deadline = None;
    if let Some(check) = body.get("check").and_then(Value::as_mapping) {
        ctx.acc(&["check"], Fate::Converted);
        let mut expect = Vec::new();
        // text rules of each stream: `contains`, `equals`, `regex`, `json`
        let mut rules: [Vec<(&str, Value)>; 2] = [Vec::new(), Vec::new()];
        let mut contains: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
        // CEL on each stream parsed as JSON, joined into one `expr`
        let mut cel: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        let mut error_key = false;
        let mut must_fail = false;
        for (k, v) in check {
            let k = k.as_str().unwrap_or_default();
            let truth = v.as_bool() == Some(true);
            let compact = k.replace(' ', "");
            let stream = |name: &str| match name {
                "stdout" => Some(0),
                "stderr" => Some(1),
                _ => None,
            };
            // the expected text: as written, or an expression folded at migration time
            // (literal parts, and `${NAMESPACE}` for the test's namespace)
            let plain_text: Option<Vec<Part>> = match v {
                Value::String(t) => match jmespath::expression_of(t) {
                    None => Some(vec![Part::Lit(t.clone())]),
                    Some(e) => jmespath::parse(e)
                        .ok()
                        .and_then(|j| jmespath::fold(&j, &ctx.scope).ok().flatten())
                        .and_then(|k| k.as_text_parts())
                        .filter(|parts| {
                            parts.iter().all(|p| {
                                matches!(p, Part::Lit(_)) || *p == Part::Var("NAMESPACE".into())
                            })
                        }),
                },
                Value::Number(n) => Some(vec![Part::Lit(n.to_string())]),
                Value::Bool(b) => Some(vec![Part::Lit(b.to_string())]),
                _ => None,
            };
            if compact == "($error!=null)" && truth {
                // any non-zero exit: the script negated by the shell (`! (...)`)
                error_key = true;
                must_fail = true;
            } else if (compact == "($error==null)" && truth)
                || (compact == "($error)" && v.is_null())
            {
                error_key = true;
            } else if let Some((which, inner)) = ["stdout", "stderr"].iter().find_map(|st| {
                k.strip_prefix(&format!("(contains(${st}, '"))
                    .and_then(|r| r.strip_suffix("'))"))
                    .filter(|_| truth)
                    .map(|i| (stream(st), i))
            }) {
                if let Some(i) = which {
                    contains[i].push(s(inner));
                }
            } else if let (Some(i), Some(t)) = (
                compact
                    .strip_prefix("($")
                    .and_then(|r| r.strip_suffix(')'))
                    .and_then(stream),
                plain_text.clone(),
            ) {
                // `($stdout): text`: the whole output
                rules[i].push(("equals", s(&Known::Text(t).text().unwrap_or_default())));
            } else if let (Some(i), Some(t)) = (
                compact
                    .strip_prefix("(trim_space($")
                    .and_then(|r| r.strip_suffix("))"))
                    .and_then(stream),
                plain_text,
            ) {
                // a regex is checked before variables are known: the namespace in it is
                // any word, and the exact text is also required (`contains`)
                let pattern: String = t
                    .iter()
                    .map(|p| match p {
                        Part::Lit(l) => regex::escape(l),
                        Part::Var(_) => "\\S+".into(),
                    })
                    .collect();
                rules[i].push(("regex", s(&format!("^\\s*{pattern}\\s*$"))));
                if t.iter().any(|p| matches!(p, Part::Var(_))) {
                    contains[i].push(s(&Known::Text(t).text().unwrap_or_default()));
                }
            } else if let (Some(i), Value::Mapping(_)) = (
                compact
                    .strip_prefix("(json_parse($")
                    .and_then(|r| r.strip_suffix("))"))
                    .and_then(stream),
                v,
            ) {
                // a partial object, matched as `assert` matches; its JMESPath keys
                // (`(length(items)): 1`) as CEL on the parsed output
                let at = ctx.at.child("check").child(k);
                ctx.exprs.clear();
                let clean = ctx.without_expressions(v, &at, Some("self"));
                if clean.as_mapping().is_some_and(|m| !m.is_empty()) {
                    rules[i].push(("json", clean));
                }
                cel[i].append(&mut ctx.exprs);
            } else if let Some((i, e)) =
                ["stdout", "stderr"].iter().enumerate().find_map(|(i, st)| {
                    // a function of the parsed output, `(f(json_parse($stdout).x)): value`:
                    // CEL on the output (`self`)
                    let whole = format!("json_parse(${st})");
                    let inner = jmespath::expression_of(k)?;
                    inner
                        .contains(&whole)
                        .then(|| (i, inner.replace(&whole, "@")))
                })
            {
                match ctx.key_to_cel(&e, v, Some("self")) {
                    Ok(c) => cel[i].push(c),
                    Err(why) => ctx.note_at(&["check", k], format!("the check `{k}` {why}: not converted; write it as `expect.stdout` / `expect.stderr` rules")),
                }
            } else {
                ctx.note_at(&["check", k], format!("the check `{k}` is a JMESPath expression: not converted; write it as `expect.stdout` / `expect.stderr` rules"));
            }
        }
        // without an `$error` key Chainsaw's check replaces "the command must
        // succeed": any exit code is fine, the output rules still hold. A
        // subshell keeps the script's own `exit` from ending the wrapper.
        // Chainsaw's timeout is one more way to fail: where the command must fail, the
        // shell stops it at that timeout (a failure the negation accepts), and kdrill's
        // step timeout leaves it the time to
        deadline = timeout
            .as_deref()
            .and_then(|t| crate::duration::parse_duration(t).ok())
            .filter(|_| must_fail);
        let timed = deadline.map(|d| d.as_secs_f64());
        let wrap = if let Some(secs) = timed {
            Some((format!("! timeout {secs} sh -c "), "\n".to_string()))
        } else if must_fail {
            Some(("! (\n".into(), "\n)\n".into()))
        } else if !error_key {
            Some(("(\n".into(), "\n) || :\n".into()))
        } else {
            None
        };
        if let Some((pre, post)) = wrap {
            if let Some(Value::Mapping(c)) = step.first_mut().map(|(_, v)| v) {
                let text = match c.get("run") {
                    Some(Value::String(t)) => Some(t.clone()),
                    Some(Value::Sequence(argv)) => Some(
                        argv.iter()
                            .filter_map(Value::as_str)
                            .map(shell::quote)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    _ => None,
                };
                if let Some(t) = text {
                    let body = match timed {
                        Some(_) => shell::quote(t.trim_end()),
                        None => t.trim_end().to_string(),
                    };
                    c.insert(s("run"), s(&format!("{pre}{body}{post}")));
                }
            }
        }
        for (i, name) in ["stdout", "stderr"].into_iter().enumerate() {
            let mut r = std::mem::take(&mut rules[i]);
            if !cel[i].is_empty() {
                r.push(("expr", s(&cel[i].join(" && "))));
            }
            if !contains[i].is_empty() {
                r.push((
                    "contains",
                    Value::Sequence(std::mem::take(&mut contains[i])),
                ));
            }
            if !r.is_empty() {
                expect.push((name, map(r)));
            }
        }
        if !expect.is_empty() {
            step.push(("expect", map(expect)));
        }
    }
    // with the shell's own deadline, kdrill's is a little later
    let timeout = match deadline {
        Some(d) => Some(crate::duration::spec_text(
            d + std::time::Duration::from_secs(5),
        )),
        None => timeout,
    };
    vec![with_timeout(step, timeout)]
}

/// Scenario text (`lit ${VAR} $${lit}`) as literal parts and variables.
fn var_parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        lit.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("$${") {
            lit.push_str("${");
            rest = r;
        } else if let Some((name, r)) = after.strip_prefix("${").and_then(|r| r.split_once('}')) {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Var(name.to_string()));
            rest = r;
        } else {
            lit.push('$');
            rest = &after[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_text_splits_into_literals_and_variables() {
        assert_eq!(
            var_parts("a=${subnet}-$${HOME}-$x"),
            vec![
                Part::Lit("a=".into()),
                Part::Var("subnet".into()),
                Part::Lit("-${HOME}-$x".into())
            ]
        );
        assert_eq!(
            shell::word(&var_parts("ns=${NAMESPACE}")),
            "\"ns=${NAMESPACE}\""
        );
    }
}
