//! Reading KUTTL suites: a `kuttl-test.yaml` (TestSuite) and test directories whose
//! files `NN-<name>.yaml` are step NN: objects to apply (merged into existing ones,
//! as KUTTL does), `NN-assert.yaml` (objects that must match, by name or any of a
//! kind), `NN-errors.yaml` (objects that must not exist or match), and `TestStep` /
//! `TestAssert` documents (commands, deletes, timeouts).

use super::{
    assert_step, delete_target, documents, duration, input_error, str_of, MigrateError, Migration,
    Note, Test,
};
use crate::import::translate::{map, s};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// KUTTL's default assert timeout.
const DEFAULT_TIMEOUT: &str = "30s";

/// A file's documents, each with its line.
type Docs = Vec<(usize, Value)>;

#[derive(Default)]
struct Step {
    /// Files of objects to apply: name and documents.
    apply: Vec<(String, Docs)>,
    asserts: Vec<(PathBuf, usize, Value)>,
    errors: Vec<(PathBuf, usize, Value)>,
    /// TestStep / TestAssert documents, with their file and line.
    configs: Vec<(PathBuf, usize, Value)>,
}

fn is_kuttl(doc: &Value, kind: &str) -> bool {
    str_of(doc, "apiVersion").is_some_and(|v| v.starts_with("kuttl.dev/"))
        && str_of(doc, "kind") == Some(kind)
}

/// Convert the suite at `path` (a directory with `kuttl-test.yaml`, or a directory of
/// test directories).
pub fn read(path: &Path) -> Result<Migration, MigrateError> {
    let mut m = Migration {
        format: "kuttl",
        ..Default::default()
    };
    let suite_file = path.join("kuttl-test.yaml");
    let mut test_dirs = vec![path.to_path_buf()];
    let mut timeout = DEFAULT_TIMEOUT.to_string();
    if let Ok(text) = std::fs::read_to_string(&suite_file) {
        for (line, doc) in documents(&suite_file, &text)? {
            if !is_kuttl(&doc, "TestSuite") {
                continue;
            }
            if let Some(dirs) = doc.get("testDirs").and_then(Value::as_sequence) {
                test_dirs = dirs
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|d| path.join(d))
                    .collect();
            }
            if let Some(t) = doc.get("timeout").and_then(duration) {
                timeout = t;
            }
            for key in [
                "commands",
                "startKIND",
                "crdDir",
                "manifestDirs",
                "kindConfig",
            ] {
                if doc.get(key).is_some() {
                    m.notes.push(Note {
                        file: suite_file.clone(),
                        line,
                        text: format!("TestSuite `{key}` has no per-suite equivalent in kdrill: run it before the suite (a setup scenario, or your CI)"),
                    });
                }
            }
        }
    }
    for dir in test_dirs {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| input_error(&dir, e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for test_dir in entries {
            let t = read_test(&test_dir, &timeout, &mut m.notes)?;
            if !t.steps.is_empty() {
                m.tests.push(t);
            }
        }
    }
    Ok(m)
}

fn read_test(dir: &Path, timeout: &str, notes: &mut Vec<Note>) -> Result<Test, MigrateError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut steps: BTreeMap<u32, Step> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input_error(dir, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    for f in files {
        let fname = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((index, rest)) = fname.split_once('-') else {
            continue;
        };
        let Ok(index) = index.parse::<u32>() else {
            continue;
        };
        let text = std::fs::read_to_string(&f).map_err(|e| input_error(&f, e.to_string()))?;
        let docs = documents(&f, &text)?;
        let step = steps.entry(index).or_default();
        let (configs, objects): (Vec<_>, Vec<_>) = docs
            .into_iter()
            .partition(|(_, d)| is_kuttl(d, "TestStep") || is_kuttl(d, "TestAssert"));
        step.configs
            .extend(configs.into_iter().map(|(l, d)| (f.clone(), l, d)));
        if rest.starts_with("assert") {
            step.asserts
                .extend(objects.into_iter().map(|(l, d)| (f.clone(), l, d)));
        } else if rest.starts_with("errors") {
            step.errors
                .extend(objects.into_iter().map(|(l, d)| (f.clone(), l, d)));
        } else if !objects.is_empty() {
            step.apply.push((fname.clone(), objects));
        }
    }
    let mut t = Test {
        name: name.clone(),
        source: dir.to_path_buf(),
        ..Default::default()
    };
    for (index, step) in steps {
        let mut step_timeout = timeout.to_string();
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (file, line, c) in &step.configs {
            if let Some(tm) = c.get("timeout").and_then(duration) {
                step_timeout = tm;
            }
            for key in ["apply", "assert", "error"] {
                if c.get(key).is_some() {
                    notes.push(Note { file: file.clone(), line: *line, text: format!("TestStep `{key}` lists extra files: apply/assert them with steps of their own (not converted)") });
                }
            }
            for d in c
                .get("delete")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                match delete_step(d) {
                    Some(st) => before.push(st),
                    None => notes.push(Note {
                        file: file.clone(),
                        line: *line,
                        text: "a TestStep delete without kind: not converted".into(),
                    }),
                }
            }
            for cmd in c
                .get("commands")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let (st, note) = command_step(cmd);
                if let Some(n) = note {
                    notes.push(Note {
                        file: file.clone(),
                        line: *line,
                        text: n,
                    });
                }
                // a TestAssert's commands check, after the objects; a TestStep's run first
                if is_kuttl(c, "TestAssert") {
                    after.push(st);
                } else {
                    before.push(st);
                }
            }
        }
        t.steps.extend(before);
        for (fname, objects) in &step.apply {
            let text = objects
                .iter()
                .map(|(_, d)| serde_yaml::to_string(d).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("---\n");
            t.files.push((fname.clone(), text));
            let mut st = vec![("apply", map(vec![("mode", s("merge")), ("file", s(fname))]))];
            st.insert(0, ("name", s(&format!("step {index}: apply {fname}"))));
            t.steps.push(map(st));
        }
        // NN-assert.yaml documents must hold, NN-errors.yaml documents must not
        for (docs, absent, what) in [
            (&step.asserts, false, "assert"),
            (&step.errors, true, "errors"),
        ] {
            for (file, line, doc) in docs {
                match assert_step(doc, absent, Some(&step_timeout)) {
                    Some(st) => t.steps.push(st),
                    None => notes.push(Note {
                        file: file.clone(),
                        line: *line,
                        text: format!("an {what} document without apiVersion/kind: not converted"),
                    }),
                }
            }
        }
        t.steps.extend(after);
    }
    Ok(t)
}

/// A TestStep `delete` entry: by name, or every object of a kind with labels.
fn delete_step(d: &Value) -> Option<Value> {
    let mut del = delete_target(d)?;
    if let Some(ns) = str_of(d, "namespace") {
        del.push(("namespace", s(ns)));
    }
    Some(map(vec![("delete", map(del))]))
}

/// A TestStep/TestAssert command: `script` (a shell script) or `command` (one command
/// line; KUTTL splits it itself, kdrill runs it with `sh -c`, which agrees for plain
/// commands). Returns the step and, when something differs, a note.
fn command_step(c: &Value) -> (Value, Option<String>) {
    let (text, is_script) = match (str_of(c, "script"), str_of(c, "command")) {
        (Some(t), _) => (t.to_string(), true),
        (None, Some(t)) => (t.to_string(), false),
        _ => (String::new(), false),
    };
    let mut step = vec![("command", map(vec![("run", s(&text))]))];
    let mut note = None;
    if c.get("ignoreFailure").and_then(Value::as_bool) == Some(true) {
        step.push(("allowFailure", Value::Bool(true)));
    }
    if let Some(t) = c.get("timeout").and_then(duration) {
        step.push(("timeout", s(&t)));
    }
    if c.get("background").and_then(Value::as_bool) == Some(true) {
        note = Some(format!("`{text}` ran in the background in KUTTL; kdrill runs host commands to completion: start it with `&` and a pid file if it must outlive the step"));
    }
    if c.get("namespaced").and_then(Value::as_bool) == Some(true) && !is_script {
        note = Some(format!(
            "`{text}`: KUTTL added `--namespace` to this kubectl command; kdrill sets $NAMESPACE and KUBECONFIG instead: add `-n \"$NAMESPACE\"` if it needs it"
        ));
    }
    if text.is_empty() {
        note = Some("a command without `command` or `script`: kept empty".into());
    }
    (map(step), note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_keep_failure_policy_and_timeouts() {
        let c: Value = serde_yaml::from_str(
            "{script: 'kubectl get pods -n $NAMESPACE', ignoreFailure: true, timeout: 20}",
        )
        .unwrap();
        let (st, note) = command_step(&c);
        assert_eq!(
            serde_yaml::to_string(&st).unwrap(),
            "command:\n  run: kubectl get pods -n $NAMESPACE\nallowFailure: true\ntimeout: 20s\n"
        );
        assert!(note.is_none());
        let c: Value = serde_yaml::from_str("{command: 'sleep 100', background: true}").unwrap();
        assert!(command_step(&c).1.unwrap().contains("background"));
    }

    #[test]
    fn deletes_by_name_and_labels() {
        let d: Value = serde_yaml::from_str("{apiVersion: v1, kind: Pod, name: a}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d).unwrap()).unwrap(),
            "delete:\n  object: v1/Pod/a\n"
        );
        let d: Value =
            serde_yaml::from_str("{apiVersion: v1, kind: Pod, labels: {app: x}}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d).unwrap()).unwrap(),
            "delete:\n  kind: v1/Pod\n  selector: app=x\n"
        );
    }
}
