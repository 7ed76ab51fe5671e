//! Small text helpers shared by reports, failures and snapshots.

/// `text` without one trailing newline.
pub fn trim_nl(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

/// Prefix every line of `text` with `prefix`.
pub fn indent(text: &str, prefix: &str) -> String {
    trim_nl(text)
        .lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn indents_every_line_and_drops_one_trailing_newline() {
        assert_eq!(super::indent("a\nb\n", "> "), "> a\n> b");
        assert_eq!(super::trim_nl("x\n\n"), "x\n");
    }
}
