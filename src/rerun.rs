//! Rerunning what failed. Every run keeps its JSON report in the project's
//! `.kdrill/last-run.json` (the project: the nearest directory with `.kdrill.yaml` or
//! `.git`, else the current one); `kdrill run --rerun-failed [REPORT.json]` reads a
//! report and keeps exactly the scenarios that failed or were interrupted.

use crate::scenario::Scenario;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where a project keeps the report of its last run.
pub fn last_run_path() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = crate::lint::project_root(&cwd).unwrap_or(cwd);
    root.join(".kdrill").join("last-run.json")
}

/// A report that cannot tell what failed.
#[derive(Debug, thiserror::Error)]
pub enum RerunError {
    #[error("cannot read {path}: {source} (run once without --rerun-failed, or name a report)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a kdrill JSON report: {source}")]
    NotAReport {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportFile {
    scenarios: Vec<ScenarioEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScenarioEntry {
    name: String,
    file: String,
    status: String,
    skip_reason: Option<String>,
}

/// The scenarios (file, name) a report says failed, or never ran because the run
/// was stopped.
pub fn failed_in(path: &Path) -> Result<BTreeSet<(PathBuf, String)>, RerunError> {
    let text = std::fs::read_to_string(path).map_err(|source| RerunError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let report: ReportFile =
        serde_json::from_str(&text).map_err(|source| RerunError::NotAReport {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(report
        .scenarios
        .into_iter()
        .filter(|s| {
            s.status == "failed"
                || (s.status == "skipped"
                    && s.skip_reason
                        .as_deref()
                        .is_some_and(|r| r.starts_with("run stopped")))
        })
        .map(|s| (canonical(Path::new(&s.file)), s.name))
        .collect())
}

/// The scenarios that are in `wanted`, by file and name.
pub fn keep(scenarios: Vec<Scenario>, wanted: &BTreeSet<(PathBuf, String)>) -> Vec<Scenario> {
    scenarios
        .into_iter()
        .filter(|s| wanted.contains(&(canonical(&s.file), s.name.clone())))
        .collect()
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_and_interrupted_scenarios_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        std::fs::write(
            &report,
            r#"{"reportVersion": "kdrill.dev/report/v1", "scenarios": [
                {"name": "a", "file": "x/a.yaml", "status": "passed", "skipReason": null},
                {"name": "b", "file": "x/b.yaml", "status": "failed", "skipReason": null},
                {"name": "c", "file": "x/c.yaml", "status": "skipped", "skipReason": "run stopped"},
                {"name": "d", "file": "x/d.yaml", "status": "skipped", "skipReason": "skip: not here"}
            ]}"#,
        )
        .unwrap();
        let names: Vec<String> = failed_in(&report)
            .unwrap()
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names, ["b", "c"]);
        std::fs::write(&report, "{not json").unwrap();
        assert!(failed_in(&report)
            .unwrap_err()
            .to_string()
            .contains("not a kdrill JSON report"));
        assert!(failed_in(&dir.path().join("none.json")).is_err());
    }
}
