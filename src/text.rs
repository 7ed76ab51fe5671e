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

/// `text` as YAML comment lines, each `{prefix}# {line}\n`. Text from outside (a
/// post, a file name) may hold what YAML refuses or reads as a line break (control
/// characters, a lone `\r`, NEL, LS, PS, a stray BOM): written raw, the file would not
/// load, or the rest of the line would become YAML. Those are written escaped (`\u{8}`).
pub fn yaml_comment(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() + 3);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push_str(prefix);
        out.push_str("# ");
        for c in line.chars() {
            let unsafe_in_yaml = (c.is_control() && c != '\t')
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                );
            if unsafe_in_yaml {
                out.extend(c.escape_unicode());
            } else {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_escape_what_yaml_refuses_or_reads_as_a_line_break() {
        let c = super::yaml_comment(
            "kubectl wait --for=conditio\u{8}\0n\ra: b\u{85}c\u{2028}\nnext\r\n",
            "  ",
        );
        assert_eq!(
            c,
            "  # kubectl wait --for=conditio\\u{8}\\u{0}n\\u{d}a: b\\u{85}c\\u{2028}\n  # next\n  # \n"
        );
        let doc = format!("{c}a: 1\n");
        let v: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
        assert_eq!(
            v,
            serde_yaml::from_str::<serde_yaml::Value>("a: 1").unwrap()
        );
        assert_eq!(super::yaml_comment("tab\there", ""), "# tab\there\n");
    }

    #[test]
    fn indents_every_line_and_drops_one_trailing_newline() {
        assert_eq!(super::indent("a\nb\n", "> "), "> a\n> b");
        assert_eq!(super::trim_nl("x\n\n"), "x\n");
    }
}
