//! The migrate readers on arbitrary YAML: the input is one Chainsaw test file, and
//! (split at lines `#FILE NAME`) the files of one KUTTL test directory. Never panics;
//! what a migration writes loads as kdrill scenarios or fails with positioned errors.
#![no_main]

use kdrill::migrate::{chainsaw, kuttl, write};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

fn scratch() -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("kdrill-fuzz-migrate-{}", std::process::id()))
}

/// Write the files, migrate them, write the result, load what was written.
fn migrate(root: &Path, files: &[(String, &str)], kuttl_format: bool) {
    let _ = std::fs::remove_dir_all(root);
    let input = root.join("in");
    let test = if kuttl_format {
        input.join("t")
    } else {
        input.clone()
    };
    if std::fs::create_dir_all(&test).is_err() {
        return;
    }
    for (name, text) in files {
        let at = if name == "kuttl-test.yaml" {
            &input
        } else {
            &test
        };
        if std::fs::write(at.join(name), text).is_err() {
            return;
        }
    }
    let read = if kuttl_format {
        kuttl::read(&input)
    } else {
        chainsaw::read(&input)
    };
    if let Ok(m) = read {
        let out = root.join("out");
        if let Ok(summary) = write(&m, &out) {
            for s in &summary.scenarios {
                let _ = kdrill::scenario::load_file(s);
            }
        }
    }
}

/// `#FILE 00-assert.yaml` lines start the next file (a plain name, nothing else).
fn split(text: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut name = "00-install.yaml".to_string();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(n) = line.trim_end().strip_prefix("#FILE ") {
            out.push((name, &text[start..at]));
            let ok = !n.is_empty()
                && n.len() < 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !n.starts_with('.');
            name = if ok {
                n.to_string()
            } else {
                "99-x.yaml".into()
            };
            start = at + line.len();
        }
        at += line.len();
    }
    out.push((name, &text[start..]));
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = scratch();
    if text.contains("#FILE ") {
        migrate(&root, &split(text), true);
    } else {
        migrate(&root, &[("chainsaw-test.yaml".into(), text)], false);
        migrate(&root, &[("00-install.yaml".into(), text)], true);
    }
    let _ = std::fs::remove_dir_all(&root);
});
