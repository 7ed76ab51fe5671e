//! Scenario variables: `${NAME}` in manifests, patches and exec commands, from the
//! scenario's `vars:`, `--set NAME=VALUE`, and the built-ins `NAMESPACE`, `RUN_ID`.
//! Host commands get the same variables in their environment instead, so the shell's
//! own `${...}` keeps its meaning there. `$${` writes a literal `${`.

use std::collections::BTreeMap;

pub type Vars = BTreeMap<String, String>;

/// Replace every `${NAME}` in `text`; an unknown name is an error that lists the known ones.
pub fn expand(text: &str, vars: &Vars) -> Result<String, String> {
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
            return Err(format!(
                "`${{` without a closing `}}` in `{}`",
                text.lines().next().unwrap_or(text)
            ));
        };
        let name = &after[..end];
        check_name(name)?;
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => {
                let known = vars.keys().cloned().collect::<Vec<_>>().join(", ");
                return Err(format!("unknown variable `${{{name}}}`: define it in the scenario's `vars:` or with --set {name}=VALUE (known: {known})"));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A variable name: a letter or `_`, then letters, digits and `_`.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`${{{name}}}` is not a variable name (letters, digits and `_`)"
        ))
    }
}

/// Expand inside a YAML value by way of its text (so keys and values alike can vary).
pub fn expand_yaml(value: &serde_yaml::Value, vars: &Vars) -> Result<serde_yaml::Value, String> {
    let text = serde_yaml::to_string(value).map_err(|e| e.to_string())?;
    if !text.contains("${") {
        return Ok(value.clone());
    }
    let expanded = expand(&text, vars)?;
    serde_yaml::from_str(&expanded)
        .map_err(|e| format!("after substituting variables the YAML is invalid: {e}"))
}

/// Parse `NAME=VALUE` (for `--set`).
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if check_name(k).is_ok() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
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
    fn unknown_and_malformed_names_are_errors() {
        let e = expand("${NOPE}", &vars()).unwrap_err();
        assert!(
            e.contains("unknown variable `${NOPE}`") && e.contains("known: IMAGE, NAMESPACE"),
            "{e}"
        );
        assert!(expand("${", &vars())
            .unwrap_err()
            .contains("without a closing"));
        assert!(expand("${a-b}", &vars())
            .unwrap_err()
            .contains("not a variable name"));
    }

    #[test]
    fn yaml_values_and_sets() {
        let v: serde_yaml::Value =
            serde_yaml::from_str("{metadata: {namespace: '${NAMESPACE}'}, image: '${IMAGE}'}")
                .unwrap();
        let e = expand_yaml(&v, &vars()).unwrap();
        assert_eq!(e["metadata"]["namespace"].as_str(), Some("kdrill-x-abcde"));
        assert_eq!(parse_set("A_1=x=y").unwrap(), ("A_1".into(), "x=y".into()));
        assert!(parse_set("=x").is_err() && parse_set("novalue").is_err());
    }
}
