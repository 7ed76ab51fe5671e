//! What keeps kdrill off clusters it was not meant for: the context allow-list.
//! A run (or `clean`) goes ahead only when the kubeconfig context is allowed by
//! `--allow-context`, `KDRILL_ALLOWED_CONTEXTS`, `allowedContexts` in `.kdrill.yaml`,
//! or the context's own `kdrill.dev/allowed` extension (the testbed sets it).

use crate::cluster::{Target, ALLOWED_EXTENSION};

/// Where allowed contexts come from, for the refusal message.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    pub flags: Vec<String>,
    pub env: Vec<String>,
    pub config: Vec<String>,
}

impl AllowList {
    /// From the command line, `KDRILL_ALLOWED_CONTEXTS` (comma separated) and the project file.
    pub fn gather(flags: &[String], config: &[String]) -> AllowList {
        let env = std::env::var("KDRILL_ALLOWED_CONTEXTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        AllowList {
            flags: flags.to_vec(),
            env,
            config: config.to_vec(),
        }
    }

    fn patterns(&self) -> impl Iterator<Item = &String> {
        self.flags.iter().chain(&self.env).chain(&self.config)
    }
}

/// `name` matches `pattern`: equal, or `prefix*`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// A context nobody allowed: kdrill touches nothing there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to run against context `{context}` ({server}): it is not in kdrill's allow-list ({listed}). \
kdrill creates and deletes objects; allow this cluster with `--allow-context {context}`, \
KDRILL_ALLOWED_CONTEXTS={context}, `allowedContexts: [{context}]` in .kdrill.yaml, or the `{ALLOWED_EXTENSION}` \
extension on the context in your kubeconfig. Nothing was touched.")]
pub struct Refused {
    pub context: String,
    pub server: String,
    /// What is allowed, said for people.
    pub listed: String,
}

/// Refuse, with a message naming the context and how to allow it, unless allowed.
pub fn check(target: &Target, allow: &AllowList) -> Result<(), Refused> {
    if target.marked_allowed || allow.patterns().any(|p| matches(p, &target.context)) {
        return Ok(());
    }
    let listed: Vec<&str> = allow.patterns().map(String::as_str).collect();
    let listed = if listed.is_empty() {
        "no context is allowed yet".to_string()
    } else {
        format!("allowed: {}", listed.join(", "))
    };
    Err(Refused {
        context: target.context.clone(),
        server: target.server.clone(),
        listed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, marked: bool) -> Target {
        Target {
            context: name.into(),
            server: "https://10.0.0.1:6443".into(),
            marked_allowed: marked,
        }
    }

    #[test]
    fn allowed_by_any_source_or_the_mark() {
        let none = AllowList::default();
        let err = check(&target("prod-eu", false), &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("context `prod-eu`") && err.contains("--allow-context prod-eu"));
        assert!(check(&target("kdrill-testbed", true), &none).is_ok());
        let list = AllowList {
            flags: vec!["dev".into()],
            env: vec!["kind-*".into()],
            config: vec!["staging".into()],
        };
        for ok in ["dev", "kind-ci", "staging"] {
            assert!(check(&target(ok, false), &list).is_ok(), "{ok}");
        }
        let err = check(&target("prod", false), &list)
            .unwrap_err()
            .to_string();
        assert!(err.contains("allowed: dev, kind-*, staging"), "{err}");
    }
}
