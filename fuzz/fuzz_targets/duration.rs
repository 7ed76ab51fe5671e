//! Durations, as text and as YAML values: never panic, never exceed the bound, and
//! what kdrill writes back (`spec_text`) reads back as the same duration.
#![no_main]

use kdrill::duration::{format_duration, parse_duration, spec_text, HumanDuration, MAX};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fn check(d: Duration, from: &str) {
    assert!(d <= MAX, "{from:?} gave {d:?}, beyond the bound");
    let _ = format_duration(d);
    let text = spec_text(d);
    let again = parse_duration(&text).unwrap_or_else(|e| {
        panic!("{from:?} gave {d:?}, written as {text:?}, which does not read back: {e}")
    });
    assert_eq!(
        again.as_millis(),
        d.as_millis(),
        "{from:?} gave {d:?}, written as {text:?}, which reads back as {again:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = parse_duration(text) {
        check(d, text);
    }
    if let Ok(HumanDuration(d)) = serde_yaml::from_str::<HumanDuration>(text) {
        check(d, text);
    }
});
