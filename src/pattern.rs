//! The one text pattern language of kdrill, used by expectations and snapshots alike
//! (in the spirit of trycmd/snapbox):
//!
//! * `[..]` inside a line matches any text within that line (possibly empty);
//! * a line that is exactly `...` matches any number of whole lines (possibly none);
//! * everything else matches literally.
//!
//! A single trailing newline on either side is ignored, so `echo hi` matches `hi`.

/// True when `actual` matches `pattern` as a whole.
pub fn matches(pattern: &str, actual: &str) -> bool {
    let p: Vec<&str> = split_lines(pattern);
    let a: Vec<&str> = split_lines(actual);
    match_lines(&p, &a)
}

/// True when `pattern` uses any wildcard, i.e. is more than a literal.
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains("[..]") || pattern.lines().any(|l| l.trim_end() == "...")
}

fn split_lines(text: &str) -> Vec<&str> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    let t = t.strip_suffix('\r').unwrap_or(t);
    if t.is_empty() {
        return Vec::new();
    }
    t.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// Line-level matching with `...` lines; dynamic programming keeps it linear in
/// the product of line counts, never exponential.
fn match_lines(p: &[&str], a: &[&str]) -> bool {
    // reach[j] = pattern prefix of length i can match actual prefix of length j
    let mut reach = vec![false; a.len() + 1];
    reach[0] = true;
    for pl in p {
        let mut next = vec![false; a.len() + 1];
        if pl.trim_end() == "..." {
            let mut any = false;
            for j in 0..=a.len() {
                any |= reach[j];
                next[j] = any;
            }
        } else {
            for j in 0..a.len() {
                if reach[j] && line_matches(pl, a[j]) {
                    next[j + 1] = true;
                }
            }
        }
        reach = next;
    }
    reach[a.len()]
}

/// One line against one pattern line with `[..]` fragments.
pub fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    // Leftmost matching of the middle fragments is optimal for `*`-only patterns.
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The new text to store when a snapshot is updated, keeping the author's wildcards:
/// a stored line with `[..]` that still matches its counterpart in `new` (lines
/// aligned by a diff) stays as written; everything else comes from `new`.
pub fn keep_wildcards(stored: &str, new: &str) -> String {
    use similar::{DiffOp, TextDiff};
    let diff = TextDiff::from_lines(stored, new);
    // The diff's own lines, with their endings: it also ends a line at a lone `\r`,
    // which `str::lines` does not, so its indexes only fit its own slices.
    let old = diff.old_slices();
    let fresh = diff.new_slices();
    let mut out = String::with_capacity(new.len());
    for op in diff.ops() {
        match *op {
            DiffOp::Equal { new_index, len, .. }
            | DiffOp::Insert {
                new_index,
                new_len: len,
                ..
            } => {
                out.extend(fresh[new_index..new_index + len].iter().copied());
            }
            DiffOp::Delete { .. } => {}
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for i in 0..new_len {
                    let (line, ending) = split_ending(fresh[new_index + i]);
                    let kept = (i < old_len)
                        .then(|| split_ending(old[old_index + i]).0)
                        .filter(|p| p.contains("[..]") && line_matches(p, line));
                    out.push_str(kept.unwrap_or(line));
                    out.push_str(ending);
                }
            }
        }
    }
    out
}

/// A line of the diff and its ending: `\r\n`, `\n`, `\r` or none (the last line).
fn split_ending(line: &str) -> (&str, &str) {
    let cut = if line.ends_with("\r\n") {
        2
    } else if line.ends_with(['\n', '\r']) {
        1
    } else {
        0
    };
    line.split_at(line.len() - cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_text_matches_itself_ignoring_one_trailing_newline() {
        assert!(matches("hello", "hello\n"));
        assert!(matches("a\nb\n", "a\nb"));
        assert!(!matches("hello", "hello world"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn fragment_wildcard_matches_within_a_line() {
        assert!(matches("nginx-[..]", "nginx-7d9c5-x8k2p"));
        assert!(matches(
            "[..]Forbidden: pod updates[..]",
            "Pod \"x\" is invalid: spec: Forbidden: pod updates may not change fields"
        ));
        assert!(matches("a[..]b[..]c", "a1b2c"));
        assert!(matches("a[..]b[..]c", "abc"));
        assert!(!matches("a[..]b[..]c", "acb"));
        assert!(
            !matches("ab[..]ba", "aba"),
            "prefix and suffix may not overlap"
        );
        assert!(!matches("x[..]", "x\ny"), "[..] never crosses a line");
    }

    #[test]
    fn ellipsis_line_matches_any_lines() {
        let actual = "<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n</html>\n";
        assert!(matches(
            "...\n<title>Welcome to nginx!</title>\n...",
            actual
        ));
        assert!(matches("<html>\n...\n</html>", actual));
        assert!(matches("...", ""));
        assert!(matches("a\n...\nb", "a\nb"));
        assert!(!matches("...\n<title>Other</title>\n...", actual));
    }

    #[test]
    fn wildcard_detection() {
        assert!(has_wildcards("a[..]"));
        assert!(has_wildcards("a\n...\n"));
        assert!(!has_wildcards("a..b"));
    }

    #[test]
    fn updates_keep_the_wildcards_that_still_match() {
        let stored = "NAME   READY   AGE\nweb    1/1     [..]\ndb     1/1     [..]\n";
        let new = "NAME   READY   AGE\nweb    1/1     5s\ndb     0/1     7s\ncache  1/1     2s\n";
        assert_eq!(
            keep_wildcards(stored, new),
            "NAME   READY   AGE\nweb    1/1     [..]\ndb     0/1     7s\ncache  1/1     2s\n"
        );
        assert_eq!(keep_wildcards("a\nb\n", "a\nc\n"), "a\nc\n");
    }

    #[test]
    fn updates_survive_a_lone_carriage_return() {
        // found by fuzzing (fuzz/seeds/pattern/crash-*): the diff ends a line at a lone
        // `\r`, `str::lines` does not, and indexing one by the other panicked
        for (stored, new) in [
            ("x[..]\n", "x1\ry\n"),
            ("a\rb[..]\r", "a\rb2\rc"),
            ("", "\r\r"),
        ] {
            let kept = keep_wildcards(stored, new);
            assert!(
                matches(&kept, new),
                "{stored:?} updated by {new:?}: {kept:?}"
            );
        }
        assert_eq!(
            keep_wildcards("a\r\nb[..]\r\n", "a\r\nb7\r\n"),
            "a\r\nb[..]\r\n"
        );
    }
}
