//! The text pattern language: `pattern NUL actual`. Never panics; a text without
//! wildcards matches itself; a snapshot updated with `keep_wildcards` matches the
//! output it was updated from.
#![no_main]

use kdrill::pattern::{has_wildcards, keep_wildcards, line_matches, matches};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, actual) = text.split_once('\0').unwrap_or((text, ""));
    let _ = matches(pattern, actual);
    for (p, a) in pattern.lines().zip(actual.lines()) {
        let _ = line_matches(p, a);
    }
    if !has_wildcards(actual) {
        assert!(matches(actual, actual), "a literal text matches itself");
    }
    let kept = keep_wildcards(pattern, actual);
    assert!(
        matches(&kept, actual),
        "the updated snapshot {kept:?} does not match the output {actual:?} it was updated from"
    );
});
