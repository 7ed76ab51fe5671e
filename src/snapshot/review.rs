//! Reviewing pending snapshots (`kdrill review`): accept (the pending file replaces
//! the stored one), reject (it is deleted) or skip, one at a time with the diff shown,
//! or all at once for scripts.

use super::file::{SnapshotFile, EXT, PENDING_EXT};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
    Skip,
}

/// Every pending snapshot under `roots`, sorted.
pub fn pending(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for r in roots {
        walk(r, &mut |p| {
            if p.to_string_lossy().ends_with(&format!(".{PENDING_EXT}")) {
                out.push(p.to_path_buf());
            }
        });
    }
    out.sort();
    out
}

/// Every stored snapshot under `roots`, sorted.
pub fn stored(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for r in roots {
        walk(r, &mut |p| {
            if p.extension().is_some_and(|e| e == EXT) {
                out.push(p.to_path_buf());
            }
        });
    }
    out.sort();
    out
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    if dir.is_file() {
        f(dir);
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

/// The stored snapshot a pending file would replace.
pub fn target_of(pending: &Path) -> PathBuf {
    let s = pending.to_string_lossy();
    PathBuf::from(
        s.strip_suffix(&format!(".{PENDING_EXT}"))
            .map_or_else(|| s.to_string(), |b| format!("{b}.{EXT}")),
    )
}

/// Carry out a decision on one pending file.
pub fn apply(pending: &Path, decision: Decision) -> std::io::Result<()> {
    match decision {
        Decision::Accept => std::fs::rename(pending, target_of(pending)),
        Decision::Reject => std::fs::remove_file(pending),
        Decision::Skip => Ok(()),
    }
}

/// The diff a reviewer sees: stored (or nothing, when new) against pending.
pub fn describe(pending: &Path, colour: bool) -> String {
    let target = target_of(pending);
    let new = std::fs::read_to_string(pending)
        .ok()
        .and_then(|t| SnapshotFile::parse(&t).ok())
        .unwrap_or_default();
    let old = std::fs::read_to_string(&target)
        .ok()
        .and_then(|t| SnapshotFile::parse(&t).ok());
    let mut out = String::new();
    for key in ["scenario", "step", "source", "captured"] {
        if let Some(v) = new.header.get(key) {
            out.push_str(&format!("{key}: {v}\n"));
        }
    }
    match old {
        Some(o) => out.push_str(&crate::diff::unified(
            &o.body,
            &new.body,
            &target.display().to_string(),
            &pending.display().to_string(),
            colour,
        )),
        None => {
            out.push_str(&format!("new snapshot {}:\n", target.display()));
            out.push_str(&crate::text::indent(&new.body, "  | "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_replaces_reject_deletes_skip_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("a.ksnap"), SnapshotFile::new(&[], "old\n").render()).unwrap();
        std::fs::write(
            p("a.ksnap.pending"),
            SnapshotFile::new(&[("step", "1 (x)".into())], "new\n").render(),
        )
        .unwrap();
        std::fs::write(p("b.ksnap.pending"), SnapshotFile::new(&[], "b\n").render()).unwrap();
        std::fs::write(p("c.ksnap.pending"), SnapshotFile::new(&[], "c\n").render()).unwrap();
        let found = pending(&[dir.path().to_path_buf()]);
        assert_eq!(found.len(), 3);
        let shown = describe(&found[0], false);
        assert!(shown.contains("-old\n+new\n"), "{shown}");
        assert!(shown.contains("step: 1 (x)"), "{shown}");
        apply(&found[0], Decision::Accept).unwrap();
        apply(&found[1], Decision::Reject).unwrap();
        apply(&found[2], Decision::Skip).unwrap();
        assert_eq!(
            SnapshotFile::parse(&std::fs::read_to_string(p("a.ksnap")).unwrap())
                .unwrap()
                .body,
            "new\n"
        );
        assert!(!p("a.ksnap.pending").exists());
        assert!(!p("b.ksnap.pending").exists() && !p("b.ksnap").exists());
        assert!(p("c.ksnap.pending").exists());
        assert_eq!(stored(&[dir.path().to_path_buf()]), vec![p("a.ksnap")]);
    }
}
