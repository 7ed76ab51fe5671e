//! Partial-object matching on arbitrary JSON pairs (`expected NUL actual`): never
//! panics, and every value matches itself, in order or in any order.
#![no_main]

use kdrill::subset::diff;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (e, a) = text.split_once('\0').unwrap_or((text, "null"));
    let (Ok(expected), Ok(actual)) = (
        serde_json::from_str::<Value>(e),
        serde_json::from_str::<Value>(a),
    ) else {
        return;
    };
    for any_order in [false, true] {
        for m in diff(&expected, &actual, any_order) {
            let _ = m.to_string();
        }
        for v in [&expected, &actual] {
            let d = diff(v, v, any_order);
            assert!(
                d.is_empty(),
                "{v} does not match itself (any_order {any_order}): {d:?}"
            );
        }
    }
});
