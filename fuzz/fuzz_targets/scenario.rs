//! Scenario loading and lint: any text loads or fails with positioned errors, never
//! panics; a loaded scenario's steps label, lint and write back without panicking.
#![no_main]

use kdrill::scenario::load_str;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match load_str(Path::new("fuzz/scenario.yaml"), text) {
        Ok(s) => {
            let _ = kdrill::lint::warnings(&s);
            let _ = s.snapshot_files();
            for step in &s.steps {
                let _ = step.label();
                let _ = serde_yaml::to_string(&step.spec());
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a failed load says why");
            let _ = errors.to_string();
        }
    }
});
