//! `kdrill migrate chainsaw|kuttl PATH`: convert a directory of Kyverno Chainsaw or
//! KUTTL tests into kdrill scenarios. Each source format has its reader
//! ([`chainsaw`], [`kuttl`]); both produce the same [`Test`]s, which this module
//! writes: one directory per test with its scenario and the manifests it uses, and
//! `MIGRATION.md` listing, with file:line, every construct that had no exact
//! equivalent and was converted to the closest one (nothing is dropped silently).

pub mod chainsaw;
pub mod jmespath;
pub mod kuttl;
pub mod ledger;
pub mod shell;

use crate::import::translate::{map, s};
use serde::Deserialize;
use serde_yaml::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One converted test.
#[derive(Debug, Clone, Default)]
pub struct Test {
    pub name: String,
    /// Where it came from, for the scenario's description.
    pub source: PathBuf,
    pub timeout: Option<String>,
    pub serial: bool,
    pub skip: Option<String>,
    /// The source test's labels, kept as the scenario's.
    pub labels: Vec<(String, String)>,
    /// Variables computed when the scenario starts: (name, CEL), in the order written.
    pub vars: Vec<(String, String)>,
    pub steps: Vec<Value>,
    pub catch: Vec<Value>,
    pub finally: Vec<Value>,
    /// Files written beside the scenario: (name, content).
    pub files: Vec<(String, String)>,
}

/// A variable the scenario computes when it starts (`vars`: name, CEL), named after
/// `wish` (made a variable name, numbered when taken by another expression); the
/// name used.
pub fn computed_var(vars: &mut Vec<(String, String)>, wish: &str, cel: &str) -> String {
    let mut base: String = wish
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base = format!("v_{base}");
    }
    let mut name = base.clone();
    let mut n = 1;
    loop {
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, c)) if c == cel => return name,
            // kdrill's own variables are not the source's
            None if !["NAMESPACE", "RUN_ID", "SUITE_NAMESPACE"]
                .iter()
                .chain(crate::scenario::VERSION_VARS.iter())
                .any(|b| *b == name) =>
            {
                vars.push((name.clone(), cel.to_string()));
                return name;
            }
            _ => {
                n += 1;
                name = format!("{base}_{n}");
            }
        }
    }
}

/// Something a human should look at: where, and what was done instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub file: PathBuf,
    pub line: usize,
    pub text: String,
}

/// A whole converted suite.
#[derive(Debug, Clone, Default)]
pub struct Migration {
    pub format: &'static str,
    pub tests: Vec<Test>,
    pub notes: Vec<Note>,
    /// Every key of the input's YAML files and what accounts for it.
    pub ledger: ledger::Ledger,
    /// Steps a kdrill Suite runs once before the tests (KUTTL's suite `crdDir`,
    /// `manifestDirs`, `commands`), written as `suite.yaml` beside them.
    pub setup: Vec<Value>,
    /// Files the setup uses: (path relative to the output, content).
    pub setup_files: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(crate) fn input_error(path: &Path, message: impl Into<String>) -> MigrateError {
    MigrateError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// What a migration wrote.
#[derive(Debug, Default)]
pub struct Summary {
    pub scenarios: Vec<PathBuf>,
    pub steps: usize,
    pub files: usize,
    pub notes: usize,
    /// The input's keys: read, converted, listed, and those nothing accounts for.
    pub tally: ledger::Tally,
}

/// The documents of a YAML file, empty ones skipped.
pub(crate) fn documents(path: &Path, text: &str) -> Result<Vec<(usize, Value)>, MigrateError> {
    let mut out = Vec::new();
    let mut line = 1;
    for chunk in text.split("\n---") {
        let start = line;
        line += chunk.matches('\n').count() + 1;
        let v: Value = serde_yaml::from_str(chunk)
            .map_err(|e| input_error(path, format!("line {}: {e}", start)))?;
        if !v.is_null() {
            // the document starts after its `---` line
            let first = if start == 1 { 1 } else { start + 1 };
            out.push((first, v));
        }
    }
    Ok(out)
}

pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `apps/v1/Deployment`, `v1/Pod`: a kind as kdrill addresses it, from a manifest's
/// apiVersion and kind (exact, so CRDs resolve too).
pub(crate) fn kind_of(doc: &Value) -> Option<String> {
    Some(format!(
        "{}/{}",
        str_of(doc, "apiVersion")?,
        str_of(doc, "kind")?
    ))
}

pub(crate) fn name_of(doc: &Value) -> Option<&str> {
    doc.get("metadata").and_then(|m| str_of(m, "name"))
}

/// `k=v,k2=v2` from `metadata.labels` (or a `labels` map).
pub(crate) fn selector_of(labels: Option<&Value>) -> Option<String> {
    let m = labels?.as_mapping()?;
    let parts: Vec<String> = m
        .iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some(format!("{}={v}", k.as_str()?))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

/// What a delete entry addresses, in either format: `object: kind/name` when it
/// names one, else `kind` + `selector` from its labels (None without either).
pub(crate) fn delete_target(r: &Value) -> Option<Vec<(&'static str, Value)>> {
    let kind = kind_of(r)?;
    Some(match str_of(r, "name").or_else(|| name_of(r)) {
        Some(n) => vec![("object", s(&format!("{kind}/{n}")))],
        None => {
            let labels = r
                .get("labels")
                .or_else(|| r.get("metadata").and_then(|m| m.get("labels")));
            vec![("kind", s(&kind)), ("selector", s(&selector_of(labels)?))]
        }
    })
}

/// Copy the files shell text names (relative to `dir`, the script's directory; `rel`
/// is that directory relative to the test's) into `files`, and, for each copied file
/// that is not YAML (a script), the files it names in turn, relative to its own
/// directory: a script that sources `../_common/lib.sh` still finds it. YAML files
/// copied whole are converted as they are.
pub(crate) fn copy_referenced(
    text: &str,
    dir: &Path,
    rel: &Path,
    files: &mut Vec<(String, String)>,
    ledger: &mut ledger::Ledger,
) {
    for found in shell::referenced_files(text, dir) {
        let src = dir.join(&found);
        let name = shell::normalise(&rel.join(&found)).display().to_string();
        if !src.is_file() || files.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let Ok(t) = std::fs::read_to_string(&src) else {
            continue;
        };
        let yaml = src.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if yaml {
            ledger.walk_file(&src);
            ledger.account_file(&src, ledger::Fate::Converted);
        }
        files.push((name.clone(), t.clone()));
        if !yaml {
            let sub = found.parent().map(Path::to_path_buf).unwrap_or_default();
            copy_referenced(&t, &dir.join(&sub), &rel.join(&sub), files, ledger);
        }
    }
}

/// The partial object an assertion compares: the document without what names it
/// (apiVersion, kind, the namespace the test ran in).
pub(crate) fn partial(doc: &Value) -> Value {
    let mut d = doc.clone();
    if let Value::Mapping(m) = &mut d {
        m.remove("apiVersion");
        m.remove("kind");
        if let Some(Value::Mapping(meta)) = m.get_mut("metadata") {
            meta.remove("namespace");
            meta.remove("name");
            if meta.is_empty() {
                m.remove("metadata");
            }
        }
    }
    d
}

/// An assertion on one document: by name, or over its kind (with its labels) when it
/// names none; `none` turns it into an absence check.
pub(crate) fn assert_step(doc: &Value, none: bool, timeout: Option<&str>) -> Option<Value> {
    let kind = kind_of(doc)?;
    let mut a = match name_of(doc) {
        Some(n) => vec![("object", s(&format!("{kind}/{n}")))],
        None => {
            let mut v = vec![("kind", s(&kind))];
            let labels = doc.get("metadata").and_then(|m| m.get("labels"));
            if let Some(sel) = selector_of(labels) {
                v.push(("selector", s(&sel)));
            }
            v
        }
    };
    if let Some(ns) = doc.get("metadata").and_then(|m| str_of(m, "namespace")) {
        a.push(("namespace", s(ns)));
    }
    let body = partial(doc);
    if body.as_mapping().is_some_and(|m| !m.is_empty()) {
        a.push(("matches", body));
    }
    if none {
        a.push(("match", s("none")));
    }
    let mut step = vec![("assert", map(a))];
    if let Some(t) = timeout {
        step.push(("timeout", s(t)));
    }
    Some(map(step))
}

/// Chainsaw's and KUTTL's durations (`30s`, `1m`, a number of seconds) as kdrill's.
pub(crate) fn duration(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(format!("{n}s")),
        Value::String(t) => crate::duration::parse_duration(t).ok().map(|_| t.clone()),
        _ => None,
    }
}

/// A safe file and directory name.
pub(crate) fn file_name(text: &str) -> String {
    let n = crate::names::slug(text, 60);
    if n.is_empty() {
        "test".into()
    } else {
        n
    }
}

fn scenario_text(format: &str, t: &Test) -> String {
    let mut top = vec![
        ("apiVersion", s(crate::scenario::API_VERSION)),
        ("kind", s(crate::scenario::KIND)),
        ("name", s(&t.name)),
        (
            "description",
            s(&format!(
                "Migrated from {format} ({}) by kdrill migrate; see MIGRATION.md.",
                t.source.display()
            )),
        ),
        (
            "labels",
            Value::Mapping(
                std::iter::once((s("migrated-from"), s(format)))
                    .chain(t.labels.iter().map(|(k, v)| (s(k), s(v))))
                    .collect(),
            ),
        ),
    ];
    if let Some(d) = &t.timeout {
        top.push(("timeout", s(d)));
    }
    if t.serial {
        top.push(("serial", Value::Bool(true)));
    }
    if let Some(r) = &t.skip {
        top.push(("skip", s(r)));
    }
    if !t.vars.is_empty() {
        top.push((
            "vars",
            map(t
                .vars
                .iter()
                .map(|(k, cel)| (k.as_str(), map(vec![("expr", s(cel))])))
                .collect()),
        ));
    }
    top.push(("steps", Value::Sequence(t.steps.clone())));
    if !t.catch.is_empty() {
        top.push(("catch", Value::Sequence(t.catch.clone())));
    }
    if !t.finally.is_empty() {
        top.push(("finally", Value::Sequence(t.finally.clone())));
    }
    let body = serde_yaml::to_string(&map(top)).unwrap_or_default();
    let about = format!("kdrill migrate {format}: {}", t.source.display());
    format!("{}{body}", crate::text::yaml_comment(&about, ""))
}

/// Cluster-wide kinds the kubectl table does not name.
const CLUSTER_WIDE: &[&str] = &[
    "validatingadmissionpolicy",
    "validatingadmissionpolicybinding",
    "mutatingadmissionpolicy",
    "mutatingadmissionpolicybinding",
    "validatingwebhookconfiguration",
    "mutatingwebhookconfiguration",
    "apiservice",
    "ingressclass",
    "runtimeclass",
];

/// The first cluster-wide object with a fixed name (not made of `${NAMESPACE}`) that
/// the test applies, as `Kind/name`: two runs of the test at once, or two tests
/// (a test and its copy), would create, change and delete the same object.
fn shared_object(t: &Test) -> Option<String> {
    let docs = t
        .steps
        .iter()
        .chain(&t.catch)
        .chain(&t.finally)
        .filter_map(|st| st.get("apply"))
        .flat_map(|a| {
            let mut out: Vec<Value> = a.get("manifest").cloned().into_iter().collect();
            if let Some(f) = a.get("file").and_then(Value::as_str) {
                if let Some((_, text)) = t.files.iter().find(|(n, _)| n == f) {
                    out.extend(
                        serde_yaml::Deserializer::from_str(text)
                            .filter_map(|d| Value::deserialize(d).ok()),
                    );
                }
            }
            out
        });
    for d in docs {
        let (Some(kind), Some(name)) = (
            str_of(&d, "kind"),
            d.get("metadata").and_then(|m| str_of(m, "name")),
        ) else {
            continue;
        };
        let lower = kind.to_ascii_lowercase();
        let cluster_wide = CLUSTER_WIDE.contains(&lower.as_str())
            || !crate::import::kubectl::canonical_kind(kind).1;
        if cluster_wide && !name.contains("${") {
            return Some(format!("{kind}/{name}"));
        }
    }
    None
}

/// Write every test (scenario + files) under `out`, and `MIGRATION.md`.
pub fn write(m: &Migration, out: &Path) -> Result<Summary, MigrateError> {
    let w = |path: &Path, text: &str| -> Result<(), MigrateError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| MigrateError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(path, text).map_err(|source| MigrateError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut summary = Summary::default();
    let mut taken = std::collections::BTreeSet::new();
    let mut md_renamed = Vec::new();
    let mut md_serial = Vec::new();
    for t in &m.tests {
        // two tests with one name (Chainsaw allows it) become two scenarios
        let mut stem = file_name(&t.name);
        let mut n = 1;
        while !taken.insert(stem.clone()) {
            n += 1;
            stem = format!("{}-{n}", file_name(&t.name));
        }
        let mut t = t.clone();
        if n > 1 {
            md_renamed.push(format!(
                "`{}`: a second test named `{}`, written as `{stem}`",
                t.source.display(),
                t.name
            ));
            t.name = stem.clone();
        }
        if !t.serial {
            if let Some(o) = shared_object(&t) {
                md_serial.push(format!(
                    "`{stem}`: creates the cluster-wide `{o}`, which a second run (or another test) would share: runs alone (`serial: true`)"
                ));
                t.serial = true;
            }
        }
        let dir = out.join(&stem);
        let path = dir.join(format!("{stem}.yaml"));
        w(&path, &scenario_text(m.format, &t))?;
        for (name, text) in &t.files {
            let path = dir.join(name);
            w(&path, text)?;
            // a script with a `#!` line is run directly (`./check.sh`): keep it runnable
            if text.starts_with("#!") {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
            }
        }
        summary.scenarios.push(path);
        summary.steps += t.steps.len() + t.catch.len() + t.finally.len();
        summary.files += t.files.len();
    }
    if !m.setup.is_empty() {
        let suite = map(vec![
            ("apiVersion", s(crate::scenario::API_VERSION)),
            ("kind", s("Suite")),
            ("name", s(&format!("{} suite", m.format))),
            ("setup", Value::Sequence(m.setup.clone())),
        ]);
        let text = serde_yaml::to_string(&suite).unwrap_or_default();
        w(
            &out.join("suite.yaml"),
            &format!("# kdrill migrate {}: the suite's setup\n{text}", m.format),
        )?;
        for (name, text) in &m.setup_files {
            let path = out.join(name);
            w(&path, text)?;
            if text.starts_with("#!") {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
            }
        }
        summary.files += m.setup_files.len();
    }
    let mut md = format!(
        "# Migration from {}\n\nWritten by `kdrill migrate {}`: {} test(s), one directory each \
(scenario + the manifests it applies). Run them with `kdrill run` on this directory.\n\n",
        m.format,
        m.format,
        m.tests.len(),
    );
    if !md_renamed.is_empty() {
        md.push_str("## Renamed\n\n");
        for r in &md_renamed {
            let _ = writeln!(md, "- {r}");
        }
        md.push('\n');
    }
    if !md_serial.is_empty() {
        md.push_str("## Serial\n\n");
        for r in &md_serial {
            let _ = writeln!(md, "- {r}");
        }
        md.push('\n');
    }
    if m.notes.is_empty() {
        md.push_str("Every construct had an exact equivalent: nothing needs a human.\n");
    } else {
        md.push_str("## What needs a human\n\nEach of these had no exact equivalent and was converted to the closest one (or left as a comment); check it.\n\n");
        for n in &m.notes {
            let _ = writeln!(md, "- [ ] `{}:{}`: {}", n.file.display(), n.line, n.text);
        }
    }
    let tally = m.ledger.tally();
    let _ = write!(
        md,
        "\n## Tally\n\nEvery key of every YAML file of the input, found by walking the files (not by the converter): \
{} file(s), {} key(s) read, {} converted, {} listed above, {} not accounted for.\n",
        tally.files,
        tally.read,
        tally.converted,
        tally.listed,
        tally.lost.len()
    );
    if !tally.lost.is_empty() {
        md.push_str("\n## Not converted and not explained (a gap in `kdrill migrate`)\n\nThese keys were read but the converter neither converted them nor said why; the migrated tests may not mean what the source meant:\n\n");
        for l in &tally.lost {
            let _ = writeln!(md, "- [ ] {l}");
        }
    }
    w(&out.join("MIGRATION.md"), &md)?;
    summary.notes = m.notes.len();
    summary.tally = tally;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_by_name_by_kind_and_absence() {
        let doc: Value = serde_yaml::from_str(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nstatus: {readyReplicas: 2}\n",
        )
        .unwrap();
        let y = serde_yaml::to_string(&assert_step(&doc, false, Some("30s")).unwrap()).unwrap();
        assert_eq!(y, "assert:\n  object: apps/v1/Deployment/web\n  matches:\n    status:\n      readyReplicas: 2\ntimeout: 30s\n");
        let doc: Value =
            serde_yaml::from_str("apiVersion: v1\nkind: Pod\nmetadata: {labels: {app: web}}\n")
                .unwrap();
        let y = serde_yaml::to_string(&assert_step(&doc, true, None).unwrap()).unwrap();
        assert_eq!(
            y,
            "assert:\n  kind: v1/Pod\n  selector: app=web\n  matches:\n    metadata:\n      labels:\n        app: web\n  match: none\n"
        );
    }

    /// A cluster-wide object with a fixed name makes the test serial; one named after
    /// the namespace, or a namespaced one, does not.
    #[test]
    fn fixed_cluster_wide_objects_make_a_test_serial() {
        let apply_manifest = |kind: &str, name: &str| {
            serde_yaml::from_str::<Value>(&format!(
                "apply: {{manifest: {{apiVersion: v1, kind: {kind}, metadata: {{name: '{name}'}}}}}}"
            ))
            .unwrap()
        };
        let test = |steps: Vec<Value>, files: Vec<(String, String)>| Test {
            steps,
            files,
            ..Default::default()
        };
        let crd_file = (
            "crd.yaml".to_string(),
            "apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
"
            .to_string(),
        );
        let from_file: Value = serde_yaml::from_str("apply: {file: crd.yaml}").unwrap();
        assert_eq!(
            shared_object(&test(vec![from_file], vec![crd_file])).as_deref(),
            Some("CustomResourceDefinition/widgets.example.com")
        );
        assert_eq!(
            shared_object(&test(
                vec![apply_manifest("ValidatingAdmissionPolicy", "deny")],
                vec![]
            ))
            .as_deref(),
            Some("ValidatingAdmissionPolicy/deny")
        );
        assert_eq!(
            shared_object(&test(
                vec![
                    apply_manifest("ClusterRole", "reader-${NAMESPACE}"),
                    apply_manifest("ConfigMap", "x")
                ],
                vec![]
            )),
            None
        );
    }

    #[test]
    fn computed_variables_are_named_after_what_they_compute() {
        let mut vars = Vec::new();
        assert_eq!(computed_var(&mut vars, "minor", "int(A)"), "minor");
        assert_eq!(
            computed_var(&mut vars, "minor", "int(A)"),
            "minor",
            "the same one"
        );
        assert_eq!(computed_var(&mut vars, "minor", "int(B)"), "minor_2");
        assert_eq!(
            computed_var(&mut vars, "app.kubernetes.io/tier", "'x'"),
            "app_kubernetes_io_tier"
        );
        assert_eq!(computed_var(&mut vars, "NAMESPACE", "'x'"), "NAMESPACE_2");
        assert_eq!(computed_var(&mut vars, "0", "'y'"), "v_0");
        assert_eq!(vars.len(), 5);
    }

    #[test]
    fn documents_know_their_lines() {
        let d = documents(Path::new("x"), "a: 1\n---\nb: 2\n---\n\n---\nc: 3\n").unwrap();
        assert_eq!(d.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 3, 7]);
    }
}
