//! `kdrill import` on arbitrary markdown: never panics, and never reaches the two
//! errors that say "this is a bug of kdrill import" (a line of a code block left
//! unaccounted for, a draft that would not load, a step that would not serialize).
#![no_main]

use kdrill::import::{import, ImportError};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn scratch() -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("kdrill-fuzz-import-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(post) = std::str::from_utf8(data) else {
        return;
    };
    let out = scratch();
    let _ = std::fs::remove_dir_all(&out);
    let result = import("post.md", post, &out);
    let _ = std::fs::remove_dir_all(&out);
    match result {
        Err(
            e @ (ImportError::Unaccounted { .. }
            | ImportError::Invalid { .. }
            | ImportError::StepYaml { .. }),
        ) => {
            panic!("{e}")
        }
        Err(ImportError::Io { path, source }) => {
            panic!("cannot write the draft {}: {source}", path.display())
        }
        Ok(_) | Err(_) => {}
    }
});
