//! Reading KUTTL suites: a `kuttl-test.yaml` (TestSuite) and test directories whose
//! files `NN-<name>.yaml` are step NN: objects to apply (merged into existing ones,
//! as KUTTL does), `NN-assert.yaml` (objects that must match, by name or any of a
//! kind), `NN-errors.yaml` (objects that must not exist or match), and `TestStep` /
//! `TestAssert` documents (commands, deletes, timeouts).

use super::ledger::{Fate, Ledger};
use super::{
    assert_step, delete_target, documents, duration, input_error, str_of, MigrateError, Migration,
    Note, Test,
};
use crate::import::translate::{map, s};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod steps;
mod suite;
mod test;

use steps::{cel_asserts, command_step, delete_step};
use suite::suite_setup;
use test::read_test;

/// KUTTL's default timeout (asserts, commands, deletes), in seconds.
const DEFAULT_TIMEOUT: &str = "30s";

/// A document of the input: file, index among the file's documents.
#[derive(Clone)]
struct Doc {
    file: PathBuf,
    index: usize,
    value: Value,
}

#[derive(Default)]
struct Step {
    /// Files of objects to apply: name and documents.
    apply: Vec<(String, Vec<Doc>)>,
    asserts: Vec<Doc>,
    errors: Vec<Doc>,
    /// TestStep / TestAssert documents.
    configs: Vec<Doc>,
}

fn is_kuttl(doc: &Value, kind: &str) -> bool {
    str_of(doc, "apiVersion").is_some_and(|v| v.starts_with("kuttl.dev/"))
        && str_of(doc, "kind") == Some(kind)
}

/// `NN-rest` → (NN, rest).
fn step_index(name: &str) -> Option<(u32, &str)> {
    let (index, rest) = name.split_once('-')?;
    Some((index.parse().ok()?, rest))
}

/// Whether a directory holds KUTTL steps (`NN-*.yaml` files or `NN-name/` directories).
fn is_test_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            step_index(&n).is_some() && (e.path().is_dir() || n.ends_with(".yaml"))
        })
}

struct Reader<'a> {
    notes: &'a mut Vec<Note>,
    ledger: &'a mut Ledger,
    /// The suite's `namespace`: every test ran in it; each scenario has its own.
    suite_ns: Option<String>,
}

impl Reader<'_> {
    /// A document with the suite's fixed namespace taken out: it lands in the
    /// scenario's namespace, where the suite's would have been.
    fn local(&self, v: &Value) -> Value {
        let mut v = v.clone();
        if let (Some(ns), Some(Value::Mapping(meta))) = (&self.suite_ns, v.get_mut("metadata")) {
            if meta.get("namespace").and_then(Value::as_str) == Some(ns.as_str()) {
                meta.remove("namespace");
            }
        }
        v
    }
}

impl Reader<'_> {
    fn note(&mut self, file: &Path, doc: usize, path: &[&str], text: impl Into<String>) {
        let p: Vec<String> = path.iter().map(|k| k.to_string()).collect();
        self.list(file, doc, &p, text);
    }

    /// A note at the key `path` of document `doc`, and the key accounted as listed.
    fn list(&mut self, file: &Path, doc: usize, path: &[String], text: impl Into<String>) {
        let line = self.ledger.line(file, doc, path);
        self.notes.push(Note {
            file: file.to_path_buf(),
            line,
            text: text.into(),
        });
        self.ledger.account(file, doc, path, Fate::Listed);
    }

    fn acc(&mut self, file: &Path, doc: usize, path: &[&str], fate: Fate) {
        let p: Vec<String> = path.iter().map(|k| k.to_string()).collect();
        self.ledger.account(file, doc, &p, fate);
    }

    fn key(&mut self, file: &Path, doc: usize, path: &[&str]) {
        let p: Vec<String> = path.iter().map(|k| k.to_string()).collect();
        self.ledger.account_key(file, doc, &p, Fate::Converted);
    }
}

/// Convert a suite (a directory with `kuttl-test.yaml`, or a directory of test
/// directories) or one test directory; every key of every YAML file under it is
/// accounted for.
pub fn read(path: &Path) -> Result<Migration, MigrateError> {
    let mut m = Migration {
        format: "kuttl",
        ..Default::default()
    };
    m.ledger.walk_tree(path);
    let mut setup = Vec::new();
    let mut setup_files = Vec::new();
    let mut r = Reader {
        notes: &mut m.notes,
        ledger: &mut m.ledger,
        suite_ns: None,
    };
    let suite_file = path.join("kuttl-test.yaml");
    let mut test_dirs = vec![path.to_path_buf()];
    let mut timeout = DEFAULT_TIMEOUT.to_string();
    if let Ok(text) = std::fs::read_to_string(&suite_file) {
        for (i, (_, doc)) in documents(&suite_file, &text)?.into_iter().enumerate() {
            if !is_kuttl(&doc, "TestSuite") {
                r.note(
                    &suite_file,
                    i,
                    &[],
                    "not a TestSuite: ignored, as KUTTL does",
                );
                continue;
            }
            for (k, _) in doc.as_mapping().into_iter().flatten() {
                let key = k.as_str().unwrap_or_default();
                let f = &suite_file;
                match key {
                    "apiVersion" | "kind" => r.acc(f, i, &[key], Fate::Converted),
                    "testDirs" => {
                        test_dirs = doc[key]
                            .as_sequence()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(|d| path.join(crate::migrate::shell::normalise(Path::new(d))))
                            .collect();
                        r.acc(f, i, &[key], Fate::Converted);
                    }
                    "timeout" => {
                        if let Some(t) = duration(&doc[key]) {
                            timeout = t;
                        }
                        r.acc(f, i, &[key], Fate::Converted);
                    }
                    "parallel" => r.note(f, i, &[key], "`parallel`: kdrill runs scenarios in parallel with `kdrill run --parallel N`"),
                    "namespace" => {
                        r.suite_ns = doc[key].as_str().map(str::to_string);
                        r.note(f, i, &[key], "`namespace`: every test ran in this one namespace; each scenario runs in a fresh one, and objects the tests placed in it go to the scenario's (`kdrill run --namespace` runs them all in one)");
                    }
                    "suppress" => r.note(f, i, &[key], "`suppress`: kdrill's report shows events only as evidence of a failure"),
                    // below, once the suite's timeout is known
                    "crdDir" | "manifestDirs" | "commands" => {}
                    _ => r.note(f, i, &[key], format!("TestSuite `{key}` has no per-suite equivalent in kdrill: run it before the suite (a setup scenario, or your CI)")),
                }
            }
            suite_setup(
                &doc,
                i,
                &suite_file,
                path,
                &timeout,
                &mut r,
                &mut setup,
                &mut setup_files,
            );
        }
    } else if is_test_dir(path) {
        // one test directory: that test alone
        test_dirs = Vec::new();
        let t = read_test(path, &timeout, &mut r)?;
        if !t.steps.is_empty() {
            m.tests.push(t);
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
            if !is_test_dir(&test_dir) {
                // a helper directory among the tests (`_common/`): KUTTL runs it as an
                // empty test; its files are what scripts use
                let files = yaml_files(&test_dir, true);
                for f in files {
                    if !r.ledger.touched(&f) {
                        r.ledger.walk_file(&f);
                        let n = r.ledger.line(&f, 0, &[]);
                        r.notes.push(Note {
                            file: f.clone(),
                            line: n,
                            text:
                                "a directory without steps among the tests (a helper): left alone"
                                    .into(),
                        });
                        r.ledger.account_file(&f, Fate::Listed);
                    }
                }
                continue;
            }
            let t = read_test(&test_dir, &timeout, &mut r)?;
            if !t.steps.is_empty() {
                m.tests.push(t);
            }
        }
    }
    // what no test read: files only scripts use (copied when a script names them)
    // or that KUTTL ignores too
    let rest: Vec<PathBuf> = r
        .ledger
        .files()
        .filter(|f| !r.ledger.touched(f))
        .cloned()
        .collect();
    for f in rest {
        let n = r.ledger.line(&f, 0, &[]);
        r.notes.push(Note {
            file: f.clone(),
            line: n,
            text: "KUTTL does not read this file itself (not `NN-*.yaml` of a test): left alone"
                .into(),
        });
        r.ledger.account_file(&f, Fate::Listed);
    }
    m.setup = setup;
    m.setup_files = setup_files;
    Ok(m)
}

/// `.yaml`/`.yml` files under `dir` (recursively when `deep`), sorted.
fn yaml_files(dir: &Path, deep: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            if deep {
                out.extend(yaml_files(&p, true));
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn read_docs(f: &Path) -> Result<Vec<Doc>, MigrateError> {
    let text = std::fs::read_to_string(f).map_err(|e| input_error(f, e.to_string()))?;
    Ok(documents(f, &text)?
        .into_iter()
        .enumerate()
        .map(|(index, (_, value))| Doc {
            file: f.to_path_buf(),
            index,
            value,
        })
        .collect())
}

/// Sort a file's documents into a step: TestStep/TestAssert, asserts, errors, objects.
fn add_file(step: &mut Step, f: &Path, rest: &str, docs: Vec<Doc>, name: &str) {
    let (configs, objects): (Vec<_>, Vec<_>) = docs
        .into_iter()
        .partition(|d| is_kuttl(&d.value, "TestStep") || is_kuttl(&d.value, "TestAssert"));
    step.configs.extend(configs);
    if rest.starts_with("assert") {
        step.asserts.extend(objects);
    } else if rest.starts_with("errors") {
        step.errors.extend(objects);
    } else if !objects.is_empty() {
        step.apply.push((name.to_string(), objects));
    }
    let _ = f;
}
