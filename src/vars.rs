//! Scenario variables: `${NAME}` in manifests, patches and exec commands, from the
//! scenario's `vars:`, `--set NAME=VALUE`, and the built-ins `NAMESPACE`, `RUN_ID`.
//! Host commands get the same variables in their environment instead, so the shell's
//! own `${...}` keeps its meaning there. `$${` writes a literal `${`.

use std::collections::BTreeMap;

pub type Vars = BTreeMap<String, String>;

/// Why a text's `${VARS}` could not be replaced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarsError {
    #[error("`${{` without a closing `}}` in `{line}`")]
    Unclosed { line: String },
    #[error("`${{{0}}}` is not a variable name (letters, digits and `_`)")]
    BadName(String),
    #[error("unknown variable `${{{name}}}`: define it in the scenario's `vars:` or with --set {name}=VALUE (known: {known})")]
    Unknown { name: String, known: String },
    #[error("`{0}` is not NAME=VALUE")]
    NotASetting(String),
}

/// Replace every `${NAME}` in `text`; an unknown name is an error that lists the known ones.
pub fn expand(text: &str, vars: &Vars) -> Result<String, VarsError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if i > 0 && rest.as_bytes()[i - 1] == b'$' {
            // `$${` is a literal `${`
            out.push_str(&rest[..i - 1]);
            out.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(VarsError::Unclosed {
                line: text.lines().next().unwrap_or(text).to_string(),
            });
        };
        let name = &after[..end];
        check_name(name)?;
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => {
                return Err(VarsError::Unknown {
                    name: name.to_string(),
                    known: vars.keys().cloned().collect::<Vec<_>>().join(", "),
                })
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Replace `${NAME}` only for the names in `vars`, leaving every other `${...}` and
/// every `$${` as written (templates and loops are expanded at load time, the
/// scenario's variables when the step runs).
pub fn expand_known(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let escaped = i > 0 && rest.as_bytes()[i - 1] == b'$';
        let after = &rest[i + 2..];
        let end = after.find('}');
        match (escaped, end.map(|e| &after[..e])) {
            (false, Some(name)) if vars.contains_key(name) => {
                out.push_str(&rest[..i]);
                out.push_str(&vars[name]);
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push_str(&rest[..i + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The variable names `text` uses (`$${` is a literal, not a use).
pub fn names_in(text: &str) -> Result<Vec<String>, VarsError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if i > 0 && rest.as_bytes()[i - 1] == b'$' {
            rest = &rest[i + 2..];
            continue;
        }
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(VarsError::Unclosed {
                line: text.lines().next().unwrap_or(text).to_string(),
            });
        };
        let name = &after[..end];
        check_name(name)?;
        out.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(out)
}

/// The variable names used anywhere in a YAML value (keys too).
pub fn names_in_value(v: &serde_yaml::Value) -> Result<Vec<String>, VarsError> {
    use serde_yaml::Value;
    Ok(match v {
        Value::String(s) => names_in(s)?,
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(names_in_value(i)?);
            }
            out
        }
        Value::Mapping(m) => {
            let mut out = Vec::new();
            for (k, v) in m {
                out.extend(names_in_value(k)?);
                out.extend(names_in_value(v)?);
            }
            out
        }
        Value::Tagged(t) => names_in_value(&t.value)?,
        _ => Vec::new(),
    })
}

/// A variable name: a letter or `_`, then letters, digits and `_`.
pub fn check_name(name: &str) -> Result<(), VarsError> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(VarsError::BadName(name.to_string()))
    }
}

/// Which scalars were quoted in the file, by path (`wait.for`, `expect.stdout`).
pub trait Quoted {
    fn is_quoted(&self, path: &str) -> bool;
}

/// A set of paths written out (what the unit tests give).
impl Quoted for std::collections::BTreeSet<String> {
    fn is_quoted(&self, path: &str) -> bool {
        self.contains(path)
    }
}

/// Expand `${NAME}` in every string of a YAML value, keys included, the way YAML
/// would read the text had it been written there: a plain scalar is read again for
/// its type (`replicas: ${N}` becomes a number), a quoted one (its path, relative to
/// `at`, in `quoted`) stays a string (`value: "${PORT}"`).
pub fn expand_value(
    value: &serde_yaml::Value,
    vars: &Vars,
    at: &str,
    quoted: &impl Quoted,
) -> Result<serde_yaml::Value, VarsError> {
    use serde_yaml::Value;
    Ok(match value {
        Value::String(s) if s.contains("${") => {
            let text = expand(s, vars)?;
            if quoted.is_quoted(at) {
                Value::String(text)
            } else {
                plain_scalar(text)
            }
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| expand_value(v, vars, &format!("{at}[{i}]"), quoted))
                .collect::<Result<_, _>>()?,
        ),
        Value::Mapping(m) => {
            let mut out = serde_yaml::Mapping::new();
            for (k, v) in m {
                let path = match k.as_str() {
                    Some(k) if at.is_empty() => k.to_string(),
                    Some(k) => format!("{at}.{k}"),
                    None => at.to_string(),
                };
                let key = match k {
                    Value::String(s) if s.contains("${") => Value::String(expand(s, vars)?),
                    other => other.clone(),
                };
                out.insert(key, expand_value(v, vars, &path, quoted)?);
            }
            Value::Mapping(out)
        }
        Value::Tagged(t) => Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: t.tag.clone(),
            value: expand_value(&t.value, vars, at, quoted)?,
        })),
        other => other.clone(),
    })
}

/// Parse `NAME=VALUE` (for `--set`).
pub fn parse_set(s: &str) -> Result<(String, String), VarsError> {
    match s.split_once('=') {
        Some((k, v)) if check_name(k).is_ok() => Ok((k.to_string(), v.to_string())),
        _ => Err(VarsError::NotASetting(s.to_string())),
    }
}

/// A plain scalar's expanded text read again for its type, as YAML reads it: `3` is a
/// number and `true` a bool; anything else stays the string.
pub(crate) fn plain_scalar(text: String) -> serde_yaml::Value {
    use serde_yaml::Value;
    match serde_yaml::from_str::<Value>(&text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        _ => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        [("NAMESPACE", "kdrill-x-abcde"), ("IMAGE", "nginx:stable")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn substitutes_known_names() {
        assert_eq!(
            expand("ns=${NAMESPACE}, image ${IMAGE}", &vars()).unwrap(),
            "ns=kdrill-x-abcde, image nginx:stable"
        );
        assert_eq!(expand("no variables", &vars()).unwrap(), "no variables");
        assert_eq!(
            expand("$${NAMESPACE} stays", &vars()).unwrap(),
            "${NAMESPACE} stays"
        );
    }

    #[test]
    fn expand_known_leaves_the_rest_for_later() {
        let v: Vars = [("APP".to_string(), "web".to_string())].into();
        assert_eq!(
            expand_known("${APP}-${NAMESPACE} $${APP} ${", &v),
            "web-${NAMESPACE} $${APP} ${"
        );
    }

    #[test]
    fn unknown_and_malformed_names_are_errors() {
        let e = expand("${NOPE}", &vars()).unwrap_err().to_string();
        assert!(
            e.contains("unknown variable `${NOPE}`") && e.contains("known: IMAGE, NAMESPACE"),
            "{e}"
        );
        assert!(expand("${", &vars())
            .unwrap_err()
            .to_string()
            .contains("without a closing"));
        assert!(expand("${a-b}", &vars())
            .unwrap_err()
            .to_string()
            .contains("not a variable name"));
    }

    #[test]
    fn yaml_values_keep_quoted_strings_and_type_plain_ones() {
        let mut vars = vars();
        vars.insert("N".into(), "3".into());
        let v: serde_yaml::Value = serde_yaml::from_str(
            "metadata: {namespace: '${NAMESPACE}'}\nreplicas: ${N}\nport: '${N}'\nx-${N}: a\n",
        )
        .unwrap();
        let quoted: std::collections::BTreeSet<String> =
            ["metadata.namespace".to_string(), "port".to_string()].into();
        let e = expand_value(&v, &vars, "", &quoted).unwrap();
        assert_eq!(e["metadata"]["namespace"].as_str(), Some("kdrill-x-abcde"));
        assert_eq!(e["replicas"].as_u64(), Some(3));
        assert_eq!(e["port"].as_str(), Some("3"));
        assert_eq!(e["x-3"].as_str(), Some("a"));
        assert_eq!(parse_set("A_1=x=y").unwrap(), ("A_1".into(), "x=y".into()));
        assert!(parse_set("=x").is_err() && parse_set("novalue").is_err());
    }
}
