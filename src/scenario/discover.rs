//! Finding scenario files (in directories, or named), reading them, and attaching
//! each scenario to the suite above it.

use super::context::{LoadError, LoadErrors};
use super::load::load_str;
use super::{Location, Scenario, API_VERSION, KIND};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file's text without the byte order mark some editors write.
fn read_text(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Load one scenario file from disk.
pub fn load_file(path: &Path) -> Result<Scenario, LoadErrors> {
    match read_text(path) {
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

/// Load every scenario under `paths`; all problems of all files, each once.
/// Suite files (`suite.yaml`, `kind: Suite`) are not scenarios: each scenario is
/// attached to the nearest suite file in its directory or above (up to the
/// project's root), however its path was written.
pub fn load_all(paths: &[PathBuf]) -> (Vec<Scenario>, Vec<LoadError>) {
    let (files, mut errors) = discover(paths);
    let mut scenarios = Vec::new();
    // suites by canonical path: loaded (and their errors reported) once
    let mut suites: HashMap<PathBuf, Option<Arc<Scenario>>> = HashMap::new();
    for f in files {
        let loaded = load_file(&f);
        let key = canonical(&f);
        match loaded {
            Ok(s) if s.is_suite => {
                suites.insert(key, Some(Arc::new(s)));
            }
            Ok(s) => scenarios.push(s),
            Err(e) => {
                if f.file_name().is_some_and(|n| n == super::SUITE_FILE) {
                    suites.insert(key, None);
                }
                errors.extend(e.0);
            }
        }
    }
    for s in &mut scenarios {
        for dir in suite_dirs(&s.file) {
            let file = dir.join(super::SUITE_FILE);
            let key = canonical(&file);
            if !suites.contains_key(&key) {
                let loaded = if file.is_file() {
                    match load_file(&file) {
                        Ok(x) if x.is_suite => Some(Arc::new(x)),
                        Ok(_) => None,
                        Err(e) => {
                            errors.extend(e.0);
                            None
                        }
                    }
                } else {
                    None
                };
                suites.insert(key.clone(), loaded);
            }
            if let Some(Some(suite)) = suites.get(&key) {
                s.suite = Some(Arc::clone(suite));
                break;
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert((e.location.clone(), e.message.clone())));
    (scenarios, errors)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Where a scenario's suite may be: its directory and those above it, up to the
/// project's root (the nearest with `.kdrill.yaml` or `.git`), written relative to
/// the current directory when they are below it.
fn suite_dirs(file: &Path) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(abs) = std::fs::canonicalize(dir) else {
        return dir.ancestors().map(Path::to_path_buf).collect();
    };
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok());
    let mut out = Vec::new();
    for d in abs.ancestors() {
        let shown = match cwd.as_deref().and_then(|c| d.strip_prefix(c).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Some(rel) => rel.to_path_buf(),
            None => d.to_path_buf(),
        };
        out.push(shown);
        if d.join(".kdrill.yaml").is_file() || d.join(".git").exists() {
            break;
        }
    }
    out
}

/// True when the text declares itself a kdrill scenario. Checked on the text so that
/// a scenario with broken YAML is still recognised, and reported.
fn declares_scenario(text: &str) -> bool {
    // step templates are used by scenarios, not run on their own
    let template = text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("kind:")
            .is_some_and(|k| k.trim().trim_matches(['"', '\'']) == super::template::TEMPLATE_KIND)
    });
    !template
        && text.lines().any(|l| {
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
            match read_text(p) {
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
            if let Ok(t) = read_text(&p) {
                if declares_scenario(&t) {
                    out.push(p);
                }
            }
        }
    }
}
