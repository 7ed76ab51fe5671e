//! Finding scenario files (in directories, or named), reading them, and attaching
//! each scenario to the suite above it.

use super::load::{load_str, LoadError, LoadErrors};
use super::{Location, Scenario, API_VERSION, KIND};
use std::path::{Path, PathBuf};

/// Load one scenario file from disk.
pub fn load_file(path: &Path) -> Result<Scenario, LoadErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(path, &text),
        Err(e) => Err(LoadErrors(vec![LoadError {
            location: Location {
                file: path.to_path_buf(),
                line: 0,
                col: 0,
            },
            message: format!("cannot read file: {e}"),
        }])),
    }
}

/// Load every scenario under `paths`; all problems of all files, not just the first.
/// Suite files (`suite.yaml`, `kind: Suite`) are not scenarios: each scenario is
/// attached to the nearest suite file in its directory or above.
pub fn load_all(paths: &[PathBuf]) -> (Vec<Scenario>, Vec<LoadError>) {
    let (files, mut errors) = discover(paths);
    let mut scenarios = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(s) if s.is_suite => {}
            Ok(s) => scenarios.push(s),
            Err(e) => errors.extend(e.0),
        }
    }
    let mut suites: std::collections::HashMap<PathBuf, Option<std::sync::Arc<Scenario>>> =
        Default::default();
    for s in &mut scenarios {
        for dir in s.dir.ancestors() {
            let file = dir.join(super::SUITE_FILE);
            if !suites.contains_key(&file) {
                let loaded = if file.is_file() {
                    match load_file(&file) {
                        Ok(x) if x.is_suite => Some(std::sync::Arc::new(x)),
                        Ok(_) => None,
                        Err(e) => {
                            errors.extend(e.0);
                            None
                        }
                    }
                } else {
                    None
                };
                suites.insert(file.clone(), loaded);
            }
            if let Some(Some(suite)) = suites.get(&file) {
                s.suite = Some(std::sync::Arc::clone(suite));
                break;
            }
        }
    }
    (scenarios, errors)
}

/// True when the text declares itself a kdrill scenario. Checked on the text so that
/// a scenario with broken YAML is still recognised, and reported.
fn declares_scenario(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start_matches(['-', ' ']);
        l.strip_prefix("apiVersion:")
            .map(|v| {
                v.trim()
                    .trim_matches(['"', '\''])
                    .starts_with("kdrill.dev/")
            })
            .unwrap_or(false)
    })
}

/// Expand files and directories into the scenario files they hold (sorted, recursive).
/// Files named explicitly must be scenarios; in directories, other YAML (manifests) is skipped.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<LoadError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let at0 = |p: &Path, message: String| LoadError {
        location: Location {
            file: p.to_path_buf(),
            line: 0,
            col: 0,
        },
        message,
    };
    for p in paths {
        if p.is_dir() {
            walk(p, &mut found);
        } else if p.is_file() {
            match std::fs::read_to_string(p) {
                Ok(t) if declares_scenario(&t) => found.push(p.clone()),
                Ok(_) => errors.push(at0(p, format!("not a kdrill scenario: expected `apiVersion: {API_VERSION}` and `kind: {KIND}`"))),
                Err(e) => errors.push(at0(p, format!("cannot read file: {e}"))),
            }
        } else {
            errors.push(at0(p, "no such file or directory".into()));
        }
    }
    found.dedup();
    (found, errors)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            if let Ok(t) = std::fs::read_to_string(&p) {
                if declares_scenario(&t) {
                    out.push(p);
                }
            }
        }
    }
}
