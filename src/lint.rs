//! `kdrill lint`: every structural error of every file (from loading), what loading
//! one file cannot see (the files a scenario reads, the variables it uses), plus
//! warnings about scenarios that work but will hurt: fixed sleeps, long waits
//! without their own timeout, manifests pinned to another namespace.

use crate::scenario::{Action, LoadError, Location, Scenario, Section};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Variables kdrill defines itself.
const BUILT_INS: [&str; 2] = ["NAMESPACE", "RUN_ID"];

/// The nearest directory at or above `dir` with `.kdrill.yaml` or `.git`: files a
/// scenario reads must be inside it.
pub fn project_root(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let abs = std::fs::canonicalize(dir).ok()?;
    abs.ancestors()
        .find(|d| d.join(".kdrill.yaml").is_file() || d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Errors that loading one file cannot find: files the scenario reads (missing, not
/// a file, not manifests, outside the project) and `${VARS}` nothing defines
/// (`sets`: names given with `--set`).
pub fn problems(s: &Scenario, sets: &BTreeSet<String>) -> Vec<LoadError> {
    let mut out = Vec::new();
    let root = project_root(&s.dir);
    let err = |location: &Location, message: String| LoadError {
        location: location.clone(),
        message,
    };
    let mut defined: BTreeSet<String> = BUILT_INS
        .iter()
        .chain(crate::scenario::VERSION_VARS.iter())
        .map(|b| b.to_string())
        .collect();
    defined.extend(s.vars.keys().cloned());
    defined.extend(s.computed.iter().map(|v| v.name.clone()));
    defined.extend(s.inputs.iter().cloned());
    defined.extend(sets.iter().cloned());
    if let Some(suite) = &s.suite {
        defined.insert("SUITE_NAMESPACE".into());
        defined.extend(suite.vars.keys().cloned());
        defined.extend(suite.computed.iter().map(|v| v.name.clone()));
        defined.extend(suite.inputs.iter().cloned());
        for st in suite.section(Section::Setup) {
            defined.extend(st.save.iter().map(|(n, _)| n.clone()));
        }
    }
    // a computed variable reads variables by name: each must be defined
    for v in &s.computed {
        for name in v.expr.names() {
            if !defined.contains(&name) {
                out.push(err(
                    &v.location,
                    format!(
                        "vars.{}: the expression reads `{name}`, which no variable defines (known: {})",
                        v.name,
                        defined.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    for step in &s.steps {
        for (what, path, dir) in referenced_paths(&step.action) {
            if path.contains("${") {
                continue;
            }
            let full = s.dir.join(&path);
            if let Some(m) = check_path(&full, dir, root.as_deref(), s.outside_files) {
                out.push(err(&step.location, format!("{what} `{path}`: {m}")));
            } else if !dir && what == "apply file" {
                out.extend(
                    check_manifest_file(&full, &path)
                        .into_iter()
                        .map(|m| err(&step.location, m)),
                );
            }
            if what == "apply file" {
                for name in manifest_var_names(&full) {
                    if !defined.contains(&name) {
                        out.push(err(&step.location, undefined(&name, &path)));
                    }
                }
            }
        }
        if let Some(t) = &step.template {
            let verbatim = Action::verbatim(step.action.keyword());
            let mut used = Vec::new();
            let mut bad = None;
            if let serde_yaml::Value::Mapping(m) = &t.action {
                for (k, v) in m {
                    if verbatim.contains(&k.as_str().unwrap_or_default()) {
                        continue;
                    }
                    match crate::vars::names_in_value(v) {
                        Ok(n) => used.extend(n),
                        Err(e) => bad = Some(e),
                    }
                }
            } else if let Ok(n) = crate::vars::names_in_value(&t.action) {
                used.extend(n);
            }
            if let Some(e) = &t.expect {
                match crate::vars::names_in_value(e) {
                    Ok(n) => used.extend(n),
                    Err(e) => bad = Some(e),
                }
            }
            if let Some(e) = bad {
                out.push(err(&step.location, e.to_string()));
            }
            for name in used {
                if !defined.contains(&name) {
                    out.push(err(&step.location, undefined(&name, "this step")));
                }
            }
        }
        defined.extend(step.save.iter().map(|(n, _)| n.clone()));
    }
    out
}

fn undefined(name: &str, place: &str) -> String {
    format!("`${{{name}}}` in {place} is not defined: define it in `vars:`, save it in an earlier step, declare it in `inputs:` (given with --set {name}=VALUE), or write `$${{` for a literal `${{`")
}

/// The files and directories a step reads: (what, path as written, is a directory).
fn referenced_paths(action: &Action) -> Vec<(&'static str, String, bool)> {
    match action {
        Action::Apply(a) => {
            let mut out = Vec::new();
            if let Some(f) = &a.file {
                // a directory of manifests is allowed too
                out.push(("apply file", f.clone(), false));
            }
            if let Some(k) = &a.kustomize {
                out.push(("kustomization", k.clone(), true));
            }
            if let Some(h) = &a.helm {
                out.push(("helm chart", h.chart.clone(), false));
                for v in &h.values {
                    out.push(("helm values", v.clone(), false));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// What is wrong with a path a scenario reads, if anything.
fn check_path(
    full: &Path,
    want_dir: bool,
    root: Option<&Path>,
    outside_ok: bool,
) -> Option<String> {
    let Ok(abs) = std::fs::canonicalize(full) else {
        return Some("no such file or directory".into());
    };
    if want_dir && !abs.is_dir() {
        return Some("is not a directory".into());
    }
    if let Some(root) = root {
        if !outside_ok && !abs.starts_with(root) {
            return Some(format!(
                "is outside the project ({}); a scenario that reads files elsewhere says so with `outsideFiles: true`",
                root.display()
            ));
        }
    }
    None
}

/// A manifest file (or each `.yaml` of a directory) must be manifests.
fn check_manifest_file(full: &Path, shown: &str) -> Vec<String> {
    let files: Vec<PathBuf> = if full.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(full)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                    })
                    .collect()
            })
            .unwrap_or_default();
        f.sort();
        f
    } else {
        vec![full.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            out.push(format!(
                "apply file `{shown}`: {} is not readable text",
                f.display()
            ));
            continue;
        };
        // an imported draft's placeholder is a warning (see `warnings`), not an error
        if text.starts_with(crate::manifest::TODO_MARKER) {
            continue;
        }
        // ${VARS} are replaced before the text is read as YAML
        let probe = text.replace("${", "x{");
        match crate::manifest::documents_of_text(&probe) {
            Ok(docs) if docs.is_empty() => out.push(format!(
                "apply file `{shown}`: {} holds no object",
                f.display()
            )),
            Ok(docs) => {
                for d in docs {
                    if let Err(e) = crate::manifest::check_doc(&d) {
                        out.push(format!("apply file `{shown}`: {}: {e}", f.display()));
                    }
                }
            }
            Err(e) => out.push(format!("apply file `{shown}`: {}: {e}", f.display())),
        }
    }
    out
}

/// The `${VARS}` a manifest file (or directory of them) uses.
fn manifest_var_names(full: &Path) -> Vec<String> {
    let texts: Vec<String> = if full.is_dir() {
        std::fs::read_dir(full)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                    .filter_map(|p| std::fs::read_to_string(p).ok())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        std::fs::read_to_string(full).into_iter().collect()
    };
    texts
        .iter()
        .filter_map(|t| crate::vars::names_in(t).ok())
        .flatten()
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "warning: {}: {}", self.location, self.message)
    }
}

/// Snapshot files that no scenario under `paths` uses.
pub fn unused_snapshots(paths: &[std::path::PathBuf], scenarios: &[Scenario]) -> Vec<String> {
    let used = scenarios
        .iter()
        .flat_map(Scenario::snapshot_files)
        .collect();
    crate::snapshot::unused(paths, &used, None)
        .into_iter()
        .map(|p| format!("warning: {}: no scenario uses this snapshot (`kdrill snapshots --unused --prune` removes it)", p.display()))
        .collect()
}

/// Warnings for one loaded scenario.
pub fn warnings(s: &Scenario) -> Vec<Warning> {
    let mut out = Vec::new();
    for step in &s.steps {
        let w = |message: String| Warning {
            location: step.location.clone(),
            message,
        };
        for (_, path, _) in referenced_paths(&step.action) {
            let text = std::fs::read_to_string(s.dir.join(&path)).unwrap_or_default();
            if let Some(first) = text
                .lines()
                .next()
                .filter(|l| l.starts_with(crate::manifest::TODO_MARKER))
            {
                out.push(w(format!("`{path}` is still a placeholder from kdrill import ({first}): `run` refuses it until it holds the manifest")));
            }
        }
        match &step.action {
            Action::Sleep(d) => out.push(w(format!(
                "fixed sleep of {}: prefer `wait` for the state you need (waits end as soon as it is reached)",
                crate::duration::format_duration(d.0 .0)
            ))),
            Action::Apply(a) => {
                if let Some(m) = &a.manifest {
                    let docs = crate::manifest::documents_of_value(m).unwrap_or_default();
                    // `${NAMESPACE}` is the scenario's own namespace
                    let pinned = docs.iter().any(|d| {
                        d.pointer("/metadata/namespace")
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|ns| ns != "${NAMESPACE}")
                    });
                    if pinned && a.namespace.is_none() {
                        out.push(w("an inline manifest names its own namespace: objects outside the scenario's namespace are shared with other runs".into()));
                    }
                }
            }
            _ => {}
        }
        // restarts come after back-offs of 10s, 20s, 40s...: the default timeout is a guess
        if let Action::Wait(spec) = &step.action {
            let backoff = spec.until.container.as_ref().is_some_and(|c| {
                // only waits that need a restart to happen: `restartCount: 0` needs none
                c.restart_count.is_some_and(|n| !n.holds(0))
                    || c.reason.as_deref() == Some("CrashLoopBackOff")
            });
            if backoff && step.timeout.is_none() && s.timeout.is_none() {
                out.push(w("waits for restarts or CrashLoopBackOff without a `timeout` of its own: back-offs grow (10s, 20s, 40s...), so set one".into()));
            }
        }
        if let Some(t) = step.timeout.or(s.timeout) {
            if t > Duration::from_secs(600) {
                out.push(w(format!(
                    "timeout of {} is long: a hung step holds the whole run",
                    crate::duration::format_duration(t)
                )));
            }
        }
    }
    out
}
