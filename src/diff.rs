//! Readable diffs (crate `similar`): unified, line-based, with context; rendered
//! into a string so the caller decides where it goes. Colour only when asked.

use similar::{ChangeTag, TextDiff};

/// `-` lines are the stored expectation, `+` lines what came back.
pub fn unified(
    expected: &str,
    actual: &str,
    expected_name: &str,
    actual_name: &str,
    colour: bool,
) -> String {
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(expected, actual);
    let mut out = format!("--- {expected_name}\n+++ {actual_name}\n");
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ('-', "\x1b[31m"),
                    ChangeTag::Insert => ('+', "\x1b[32m"),
                    ChangeTag::Equal => (' ', ""),
                };
                let line = change.value().trim_end_matches('\n');
                if colour && !code.is_empty() {
                    out.push_str(&format!("{code}{sign}{line}\x1b[0m\n"));
                } else {
                    out.push_str(&format!("{sign}{line}\n"));
                }
                if change.missing_newline() {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changed_lines_with_context() {
        let d = unified("a\nb\nc\n", "a\nB\nc\n", "stored", "actual", false);
        insta::assert_snapshot!(d, @r"
        --- stored
        +++ actual
        @@ -1,3 +1,3 @@
         a
        -b
        +B
         c
        ");
    }

    #[test]
    fn colour_is_opt_in() {
        assert!(!unified("a\n", "b\n", "x", "y", false).contains('\x1b'));
        assert!(unified("a\n", "b\n", "x", "y", true).contains("\x1b[31m-a"));
    }
}
