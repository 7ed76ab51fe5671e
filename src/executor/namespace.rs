//! Names and labels of what a run makes: its id, its scenarios' namespaces.

use crate::manifest::{MANAGED_BY, RUN_LABEL};
use crate::scenario::Scenario;
use rand::Rng;
use std::collections::BTreeMap;

/// The default first part of scenario namespaces (`.kdrill.yaml`: `namespacePrefix`).
pub const NAMESPACE_PREFIX: &str = "kdrill";

/// A new random run id: short, DNS-label safe.
pub fn new_run_id() -> String {
    random_suffix(8)
}

fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `<prefix>-<slug>-<random>`, at most 63 characters.
pub fn namespace_name(prefix: &str, scenario_name: &str) -> String {
    let prefix = crate::names::slug(prefix, 16);
    let prefix = if prefix.is_empty() {
        NAMESPACE_PREFIX
    } else {
        prefix.as_str()
    };
    let slug = crate::names::slug(scenario_name, 40);
    if slug.is_empty() {
        format!("{prefix}-{}", random_suffix(5))
    } else {
        format!("{prefix}-{slug}-{}", random_suffix(5))
    }
}

/// The labels of a scenario's namespace: its own `namespaceLabels` and kdrill's.
pub fn namespace_labels(scenario: &Scenario, run_id: &str) -> BTreeMap<String, String> {
    let mut labels = scenario.namespace_labels.clone();
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    labels.insert(RUN_LABEL.into(), run_id.to_string());
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_dns_labels() {
        let n = namespace_name("kdrill", "Two containers, one port!");
        assert!(n.starts_with("kdrill-two-containers-one-port-"), "{n}");
        assert!(n.len() <= 63);
        assert!(n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        let long = namespace_name("kdrill", &"x".repeat(200));
        assert!(long.len() <= 63, "{long}");
        assert!(namespace_name("kdrill", "!!!").starts_with("kdrill-"));
        assert!(namespace_name("Team A", "web").starts_with("team-a-web-"));
        assert!(namespace_name(&"p".repeat(80), &"x".repeat(200)).len() <= 63);
        assert_ne!(
            namespace_name("kdrill", "a"),
            namespace_name("kdrill", "a"),
            "each run gets its own namespace"
        );
    }
}
