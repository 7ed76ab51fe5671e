//! Evaluating an expression at migration time, when it only combines constants and
//! bindings; the test namespace stays `${NAMESPACE}` in the text.

use super::parse::{JError, J};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a binding is known as at migration time.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// A constant.
    Json(Value),
    /// Text only known when the scenario runs: literal parts and `${VAR}`s.
    Text(Vec<Part>),
    /// A variable the scenario saves while it runs (an output, a computed binding),
    /// as CEL and as `${NAME}` text.
    Saved(String),
    /// A value the scenario computes when it starts (`vars: {NAME: {expr: CEL}}`):
    /// in CEL the expression itself (its type kept: a variable is text), as text
    /// `${NAME}`.
    Cel { var: String, cel: String },
    /// Chainsaw's `x_k8s_server_version(...)`: its fields `gitVersion`, `major` and
    /// `minor` are kdrill's built-in variables of the server's version.
    ServerVersion,
}

/// The built-in variable of a field of the server's version (`/version`), as
/// Chainsaw's `x_k8s_server_version` returns it.
pub fn server_version_field(field: &str) -> Option<&'static str> {
    let [version, major, minor] = crate::scenario::VERSION_VARS;
    match field {
        "gitVersion" => Some(version),
        "major" => Some(major),
        "minor" => Some(minor),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Var(String),
}

impl Known {
    /// As scenario text: constants as they are, variables as `${NAME}`, the source's own
    /// `${` escaped.
    pub fn text(&self) -> Option<String> {
        Some(match self {
            Known::Json(Value::String(s)) => escape_vars(s),
            Known::Json(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Known::Json(_) => return None,
            Known::Text(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => escape_vars(s),
                    Part::Var(v) => format!("${{{v}}}"),
                })
                .collect(),
            Known::Saved(v) | Known::Cel { var: v, .. } => format!("${{{v}}}"),
            Known::ServerVersion => return None,
        })
    }

    /// As text parts: constants as literal text, variables as themselves.
    pub fn as_text_parts(&self) -> Option<Vec<Part>> {
        match self {
            Known::Json(Value::String(s)) => Some(vec![Part::Lit(s.clone())]),
            Known::Json(v @ (Value::Number(_) | Value::Bool(_))) => {
                Some(vec![Part::Lit(v.to_string())])
            }
            Known::Text(p) => Some(p.clone()),
            Known::Saved(v) | Known::Cel { var: v, .. } => Some(vec![Part::Var(v.clone())]),
            Known::Json(_) | Known::ServerVersion => None,
        }
    }
}

/// kdrill reads `${` as a variable: the source's own is written `$${`.
pub fn escape_vars(s: &str) -> String {
    s.replace("${", "$${")
}

/// Bindings by name.
pub type Scope = BTreeMap<String, Known>;

/// Evaluate `e` at migration time with `scope`; None when it needs the object or
/// something only known at run time that is not plain text.
pub fn fold(e: &J, scope: &Scope) -> Result<Option<Known>, JError> {
    let json = |v: Value| Ok(Some(Known::Json(v)));
    match e {
        J::Lit(v) => json(v.clone()),
        J::Var(name) => match scope.get(name) {
            Some(k) => Ok(Some(k.clone())),
            None => Err(JError::UnknownBinding(name.clone())),
        },
        J::Sub(l, r) => match (fold(l, scope)?, r.as_ref()) {
            (Some(Known::Json(v)), J::Field(f)) => json(v.get(f).cloned().unwrap_or(Value::Null)),
            (Some(Known::ServerVersion), J::Field(f)) => {
                Ok(server_version_field(f).map(|v| Known::Text(vec![Part::Var(v.to_string())])))
            }
            _ => Ok(None),
        },
        J::List(items) => {
            let mut out = Vec::new();
            for i in items {
                match fold(i, scope)? {
                    Some(Known::Json(v)) => out.push(v),
                    _ => return Ok(None),
                }
            }
            json(Value::Array(out))
        }
        J::Arith(op, l, r) => match (fold(l, scope)?, fold(r, scope)?) {
            (Some(Known::Json(a)), Some(Known::Json(b))) => match (a.as_i64(), b.as_i64()) {
                (Some(a), Some(b)) => json(Value::from(match *op {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    _ if b != 0 => a % b,
                    _ => return Ok(None),
                })),
                _ => Ok(None),
            },
            _ => Ok(None),
        },
        J::Call(f, args) => fold_call(f, args, scope),
        _ => Ok(None),
    }
}

fn fold_call(f: &str, args: &[J], scope: &Scope) -> Result<Option<Known>, JError> {
    match (f, args) {
        // Chainsaw's `$config` and `$client` both name the cluster under test
        ("x_k8s_server_version", [J::Var(c)]) if c == "config" || c == "client" => {
            Ok(Some(Known::ServerVersion))
        }
        ("join", [sep, J::List(items)]) => {
            let Some(Known::Json(Value::String(sep))) = fold(sep, scope)? else {
                return Ok(None);
            };
            let mut parts: Vec<Part> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    parts.push(Part::Lit(sep.clone()));
                }
                match fold(item, scope)? {
                    Some(k) => match k.as_text_parts() {
                        Some(p) => parts.extend(p),
                        None => return Ok(None),
                    },
                    None => return Ok(None),
                }
            }
            Ok(Some(simplify(parts)))
        }
        ("to_string", [x]) => Ok(match fold(x, scope)? {
            Some(Known::Json(Value::String(s))) => Some(Known::Json(Value::String(s))),
            Some(Known::Json(v @ (Value::Number(_) | Value::Bool(_)))) => {
                Some(Known::Json(Value::String(v.to_string())))
            }
            Some(k @ (Known::Text(_) | Known::Saved(_))) => Some(k),
            // a computed number as text is its variable
            Some(Known::Cel { var, .. }) => Some(Known::Saved(var)),
            _ => None,
        }),
        ("to_number", [x]) => Ok(match fold(x, scope)? {
            Some(Known::Json(Value::String(s))) => {
                s.parse::<i64>().ok().map(|n| Known::Json(n.into()))
            }
            Some(k @ Known::Json(Value::Number(_))) => Some(k),
            _ => None,
        }),
        _ => Ok(None),
    }
}

/// Literal parts merged; all literal: a constant string.
fn simplify(parts: Vec<Part>) -> Known {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    match out.as_slice() {
        [] => Known::Json(Value::String(String::new())),
        [Part::Lit(s)] => Known::Json(Value::String(s.clone())),
        _ => Known::Text(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::jmespath::{expression_of, parse};
    use serde_json::json;

    #[test]
    fn folding_keeps_the_namespace_a_variable() {
        let scope: Scope = [
            (
                "namespace".to_string(),
                Known::Text(vec![Part::Var("NAMESPACE".into())]),
            ),
            ("basePort".to_string(), Known::Json(json!(8000))),
            ("offset".to_string(), Known::Json(json!(80))),
            ("service".to_string(), Known::Json(json!("inventory"))),
        ]
        .into();
        let f = |t: &str| {
            fold(&parse(t).unwrap(), &scope)
                .unwrap()
                .and_then(|k| k.text())
        };
        assert_eq!(
            f("join('-', ['replica-cap', $namespace])").as_deref(),
            Some("replica-cap-${NAMESPACE}")
        );
        assert_eq!(f("$basePort + $offset").as_deref(), Some("8080"));
        assert_eq!(
            f("join('', ['http://', $service, ':', to_string($basePort + $offset)])").as_deref(),
            Some("http://inventory:8080")
        );
        assert_eq!(
            f("truncate($service, `3`)"),
            None,
            "not folded: left for run time"
        );
        assert_eq!(expression_of("(length(x))"), Some("length(x)"));
        assert_eq!(expression_of("(a) && (b)"), None);
    }
}
