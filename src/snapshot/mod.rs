//! Snapshot assertions: a step's output, normalised ([`redact`]), compared with the
//! stored file under `snapshots/` ([`file`]), a readable diff on mismatch
//! ([`crate::diff`]), and an explicit update policy. A run never silently rewrites a
//! committed snapshot: it writes a pending file beside it, or nothing in CI.

pub mod file;
pub mod redact;
pub mod review;

use crate::expect::SnapshotName;
use crate::pattern;
use file::SnapshotFile;
use std::fmt;
use std::path::{Path, PathBuf};

/// When snapshot files may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Write new and changed snapshots (`--update`, `KDRILL_UPDATE=always`).
    Always,
    /// Write new snapshots, fail on changed ones (`KDRILL_UPDATE=new`).
    New,
    /// Write nothing (`KDRILL_UPDATE=no`, and always in CI).
    No,
    /// Default: new and changed snapshots become pending files for `kdrill review`.
    Pending,
    /// `kdrill check`: nothing is compared; each output is written as it came, to
    /// `<name>.captured` beside where its snapshot would be, for the check to read.
    Capture,
}

/// `KDRILL_UPDATE` set to something kdrill does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("KDRILL_UPDATE={0}: expected always, new, no or auto")]
pub struct BadUpdateMode(pub String);

impl UpdateMode {
    /// The mode from `--update`, `KDRILL_UPDATE` and `CI`. CI never writes snapshots.
    pub fn resolve(
        update_flag: bool,
        env_update: Option<&str>,
        ci: bool,
    ) -> Result<UpdateMode, BadUpdateMode> {
        let asked = if update_flag {
            UpdateMode::Always
        } else {
            match env_update.map(str::trim) {
                None | Some("") | Some("auto") => UpdateMode::Pending,
                Some("always") => UpdateMode::Always,
                Some("new") => UpdateMode::New,
                Some("no") => UpdateMode::No,
                Some(other) => return Err(BadUpdateMode(other.to_string())),
            }
        };
        Ok(if ci { UpdateMode::No } else { asked })
    }
}

/// The extension of an output a check run captured ([`UpdateMode::Capture`]): the raw
/// text, not normalised.
pub const CAPTURED_EXT: &str = "captured";

/// True when the `CI` variable says we run in CI.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Run-wide snapshot settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: UpdateMode,
    pub ci: bool,
    pub colour: bool,
}

/// A path as a reader of the repository sees it: from its `scenarios/` or `snapshots/`
/// directory on (absolute temporary directories stay out of committed files).
pub fn repo_relative(p: &Path) -> String {
    let shown = p.to_string_lossy().into_owned();
    ["scenarios/", "snapshots/"]
        .iter()
        .filter_map(|d| shown.find(d))
        .min()
        .map_or(shown.clone(), |i| shown[i..].to_string())
}

/// The directory holding a scenario's snapshots: `snapshots/<path under scenarios/>/<stem>/`
/// when the file lives under a `scenarios` directory, else `__snapshots__/<stem>/` beside it.
pub fn dir_for(scenario_file: &Path) -> PathBuf {
    let stem = scenario_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = scenario_file.parent().unwrap_or(Path::new(""));
    let mut rel = Vec::new();
    let mut cur = parent;
    loop {
        match cur.file_name() {
            Some(n) if n == "scenarios" => {
                let mut d = cur.parent().unwrap_or(Path::new("")).join("snapshots");
                for part in rel.iter().rev() {
                    d.push(part);
                }
                return d.join(stem);
            }
            Some(n) => {
                rel.push(n.to_os_string());
                cur = cur.parent().unwrap_or(Path::new(""));
            }
            None => return parent.join("__snapshots__").join(stem),
        }
    }
}

/// The step a snapshot belongs to, as snapshot files name and describe it.
#[derive(Debug, Clone)]
pub struct Site {
    /// The scenario file: snapshots live in the directory that mirrors it.
    pub scenario_file: PathBuf,
    pub step_number: usize,
    pub step_label: String,
    /// `file:line:col` of the step.
    pub location: String,
    /// What the step does, e.g. `exec pod/web -- curl -s localhost`.
    pub summary: String,
}

impl Site {
    /// The file name (without extension) of a snapshot of field `captured`.
    pub fn name_for(&self, captured: &str, name: &SnapshotName) -> String {
        match name {
            SnapshotName::Named(n) => n.clone(),
            SnapshotName::Auto => format!(
                "{:02}-{}-{captured}",
                self.step_number,
                crate::names::slug(&self.step_label, 40)
            ),
        }
    }

    /// The stored snapshot file of field `captured`.
    pub fn path_for(&self, captured: &str, name: &SnapshotName) -> PathBuf {
        dir_for(&self.scenario_file).join(format!(
            "{}.{}",
            self.name_for(captured, name),
            file::EXT
        ))
    }
}

/// The snapshot directory that mirrors a scenario directory or file given on the
/// command line (`scenarios/x` → `snapshots/x`, a file → its own snapshot directory).
fn dir_for_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        // a directory is treated like a scenario file inside it, minus the stem
        dir_for(&p.join("x.yaml"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        dir_for(p)
    }
}

/// The stored snapshots under the snapshot directories of `paths` (plus `extra`)
/// that are not in `used`.
pub fn unused(
    paths: &[PathBuf],
    used: &std::collections::BTreeSet<PathBuf>,
    extra: Option<&Path>,
) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = paths.iter().map(|p| dir_for_path(p)).collect();
    roots.extend(extra.map(Path::to_path_buf));
    let mut unused: Vec<PathBuf> = review::stored(&roots)
        .into_iter()
        .filter(|p| !used.contains(p))
        .collect();
    unused.dedup();
    unused
}

/// What happened to a snapshot that did not fail the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Matched(PathBuf),
    Created(PathBuf),
    Updated(PathBuf),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Matched(p) => write!(f, "snapshot {} matches", p.display()),
            Outcome::Created(p) => write!(f, "snapshot {} written (new)", p.display()),
            Outcome::Updated(p) => write!(f, "snapshot {} updated (--update)", p.display()),
        }
    }
}

/// A snapshot that failed the step.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    pub diff: Option<String>,
}

/// Everything needed to check one step's snapshots.
pub struct Check<'a> {
    pub settings: &'a Settings,
    pub site: &'a Site,
    /// The scenario's own normalisation rules.
    pub rules: &'a [redact::RedactRule],
    pub redact: &'a redact::Context,
}

impl Check<'_> {
    /// Compare `actual` (raw output of field `captured`) with the stored snapshot.
    pub fn assert(
        &self,
        captured: &str,
        name: &SnapshotName,
        actual: &str,
    ) -> Result<Outcome, Failure> {
        let name = self.site.name_for(captured, name);
        let dir = dir_for(&self.site.scenario_file);
        if self.settings.mode == UpdateMode::Capture {
            let path = dir.join(format!("{name}.{CAPTURED_EXT}"));
            std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(&path, actual))
                .map_err(|e| Failure {
                    message: format!("cannot write {}: {e}", path.display()),
                    diff: None,
                })?;
            return Ok(Outcome::Created(path));
        }
        let body = redact::normalise(actual, self.redact, self.rules);
        let path = dir.join(format!("{name}.{}", file::EXT));
        let pending = dir.join(format!("{name}.{}", file::PENDING_EXT));
        let fresh = SnapshotFile::new(
            &[
                ("scenario", repo_relative(&self.site.scenario_file)),
                (
                    "step",
                    format!("{} ({})", self.site.step_number, self.site.step_label),
                ),
                ("source", self.site.location.clone()),
                ("captured", format!("{captured} of `{}`", self.site.summary)),
            ],
            &body,
        );
        let stored = match std::fs::read_to_string(&path) {
            Ok(t) => Some(SnapshotFile::parse(&t).map_err(|e| Failure {
                message: format!("{}: not a kdrill snapshot: {e}", path.display()),
                diff: None,
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Failure {
                    message: format!("cannot read {}: {e}", path.display()),
                    diff: None,
                })
            }
        };
        // an update keeps the author's `[..]` where they still match
        let mut fresh = fresh;
        if let Some(s) = &stored {
            fresh.body = pattern::keep_wildcards(&s.body, &fresh.body);
        }
        let write = |p: &Path| -> Result<(), Failure> {
            std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(p, fresh.render()))
                .map_err(|e| Failure {
                    message: format!("cannot write {}: {e}", p.display()),
                    diff: None,
                })
        };
        let mode = self.settings.mode;
        match stored {
            Some(s) if pattern::matches(&s.body, &body) => {
                let _ = std::fs::remove_file(&pending);
                Ok(Outcome::Matched(path))
            }
            Some(s) => {
                if mode == UpdateMode::Always {
                    write(&path)?;
                    let _ = std::fs::remove_file(&pending);
                    return Ok(Outcome::Updated(path));
                }
                let diff = crate::diff::unified(
                    &s.body,
                    &body,
                    &format!("{} (stored)", path.display()),
                    &format!("{captured} (this run, normalised)"),
                    self.settings.colour,
                );
                let next = if mode == UpdateMode::Pending {
                    write(&pending)?;
                    format!("the new output is in {}: `kdrill review` to accept or reject it, or rerun with --update", pending.display())
                } else if self.settings.ci {
                    "CI writes no snapshots: rerun locally with --update and commit the change if it is right".to_string()
                } else {
                    "rerun with --update to accept it".to_string()
                };
                Err(Failure {
                    message: format!("snapshot {} does not match; {next}", path.display()),
                    diff: Some(diff),
                })
            }
            None => match mode {
                UpdateMode::Always | UpdateMode::New | UpdateMode::Capture => {
                    write(&path)?;
                    Ok(Outcome::Created(path))
                }
                UpdateMode::Pending => {
                    write(&pending)?;
                    Err(Failure {
                        message: format!("snapshot {} is new: written to {}; `kdrill review` to accept it, or rerun with --update", path.display(), pending.display()),
                        diff: Some(body),
                    })
                }
                UpdateMode::No => Err(Failure {
                    message: format!(
                        "snapshot {} is missing{}; run locally with --update and commit it",
                        path.display(),
                        if self.settings.ci {
                            " and CI writes no snapshots"
                        } else {
                            ""
                        }
                    ),
                    diff: Some(body),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_dirs_mirror_the_scenarios_tree() {
        assert_eq!(
            dir_for(Path::new("scenarios/working-with-pods/01-run.yaml")),
            PathBuf::from("snapshots/working-with-pods/01-run")
        );
        assert_eq!(
            dir_for(Path::new("/repo/scenarios/a.yaml")),
            PathBuf::from("/repo/snapshots/a")
        );
        assert_eq!(
            dir_for(Path::new("tests/fixtures/x.yaml")),
            PathBuf::from("tests/fixtures/__snapshots__/x")
        );
    }

    #[test]
    fn update_mode_resolution() {
        assert_eq!(
            UpdateMode::resolve(false, None, false),
            Ok(UpdateMode::Pending)
        );
        assert_eq!(
            UpdateMode::resolve(true, None, false),
            Ok(UpdateMode::Always)
        );
        assert_eq!(
            UpdateMode::resolve(false, Some("new"), false),
            Ok(UpdateMode::New)
        );
        assert_eq!(
            UpdateMode::resolve(false, Some("no"), false),
            Ok(UpdateMode::No)
        );
        assert_eq!(
            UpdateMode::resolve(true, None, true),
            Ok(UpdateMode::No),
            "CI never writes snapshots"
        );
        assert!(UpdateMode::resolve(false, Some("sometimes"), false).is_err());
    }

    #[test]
    fn capture_mode_writes_the_raw_output_and_compares_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let site = Site {
            scenario_file: dir.path().join("scenarios/p.yaml"),
            step_number: 3,
            step_label: "get".into(),
            location: "p.yaml:3:5".into(),
            summary: "get pod".into(),
        };
        let snaps = dir_for(&site.scenario_file);
        std::fs::create_dir_all(&snaps).unwrap();
        let stored = snaps.join("n.ksnap");
        std::fs::write(&stored, SnapshotFile::new(&[], "something else").render()).unwrap();
        let settings = Settings {
            mode: UpdateMode::Capture,
            ci: false,
            colour: false,
        };
        let ctx = redact::Context::default();
        let check = Check {
            settings: &settings,
            site: &site,
            rules: &[],
            redact: &ctx,
        };
        let out = check
            .assert(
                "output",
                &SnapshotName::Named("n".into()),
                "web   1/1   5s\n",
            )
            .unwrap();
        let p = snaps.join("n.captured");
        assert_eq!(out, Outcome::Created(p.clone()));
        assert_eq!(std::fs::read_to_string(p).unwrap(), "web   1/1   5s\n");
        assert!(!snaps.join("n.ksnap.pending").exists());
        assert!(std::fs::read_to_string(stored)
            .unwrap()
            .contains("something else"));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(
            serde_yaml::from_str::<SnapshotName>("welcome-page").unwrap(),
            SnapshotName::Named("welcome-page".into())
        );
        assert_eq!(
            serde_yaml::from_str::<SnapshotName>("true").unwrap(),
            SnapshotName::Auto
        );
        assert!(serde_yaml::from_str::<SnapshotName>("../escape").is_err());
        assert!(serde_yaml::from_str::<SnapshotName>("false").is_err());
    }
}
