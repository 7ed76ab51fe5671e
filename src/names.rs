//! Names kdrill derives from what people write: one slug rule for namespaces,
//! snapshot names, imported snapshots and artefact directories.

/// Lower-case ASCII letters and digits, other runs of characters as one `-`, at most
/// `max` characters, no leading or trailing `-` (a DNS label when `max` ≤ 63).
pub fn slug(text: &str, max: usize) -> String {
    let mut s = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    s.truncate(max);
    s.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Two containers, one port!", 63),
            "two-containers-one-port"
        );
        assert_eq!(slug("  --x--  ", 63), "x");
        assert_eq!(slug("kubectl get pods webapps", 12), "kubectl-get");
        assert_eq!(slug("!!!", 10), "");
    }
}
