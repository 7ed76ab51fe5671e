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
        let line = self.ledger.line(file, doc, &p);
        self.notes.push(Note {
            file: file.to_path_buf(),
            line,
            text: text.into(),
        });
        self.ledger.account(file, doc, &p, Fate::Listed);
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
                            .map(|d| path.join(super::shell::normalise(Path::new(d))))
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

/// A TestSuite's `crdDir`, `manifestDirs` and `commands` as the setup of a kdrill
/// Suite around the migrated tests: the CRDs applied and waited for until Established
/// (as KUTTL waits), the manifests applied, the commands run in order (a `background`
/// one left running, its output discarded, until the suite ends).
#[allow(clippy::too_many_arguments)]
fn suite_setup(
    doc: &Value,
    i: usize,
    f: &Path,
    root: &Path,
    timeout: &str,
    r: &mut Reader<'_>,
    setup: &mut Vec<Value>,
    files: &mut Vec<(String, String)>,
) {
    let apply_dir = |dir: &str,
                     crds: bool,
                     r: &mut Reader<'_>,
                     setup: &mut Vec<Value>,
                     files: &mut Vec<(String, String)>| {
        for file in yaml_files(&root.join(dir), false) {
            let rel = super::shell::normalise(file.strip_prefix(root).unwrap_or(&file));
            let name = rel.display().to_string();
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            r.ledger.walk_file(&file);
            r.ledger.account_file(&file, Fate::Converted);
            files.push((name.clone(), text.replace("${", "$${")));
            setup.push(map(vec![(
                "apply",
                map(vec![("mode", s("merge")), ("file", s(&name))]),
            )]));
            if crds {
                for d in read_docs(&file).unwrap_or_default() {
                    if str_of(&d.value, "kind") == Some("CustomResourceDefinition") {
                        if let Some(n) = super::name_of(&d.value) {
                            setup.push(map(vec![
                                ("wait", map(vec![
                                    ("for", s(&format!("apiextensions.k8s.io/v1/CustomResourceDefinition/{n}"))),
                                    ("until", map(vec![("condition", s("Established"))])),
                                ])),
                                ("timeout", s(timeout)),
                            ]));
                        }
                    }
                }
            }
        }
    };
    if let Some(dir) = str_of(doc, "crdDir") {
        r.acc(f, i, &["crdDir"], Fate::Converted);
        apply_dir(dir, true, r, setup, files);
    }
    if let Some(dirs) = doc.get("manifestDirs").and_then(Value::as_sequence) {
        r.acc(f, i, &["manifestDirs"], Fate::Converted);
        for d in dirs.iter().filter_map(Value::as_str) {
            apply_dir(d, false, r, setup, files);
        }
    }
    if let Some(cmds) = doc.get("commands").and_then(Value::as_sequence) {
        r.key(f, i, &["commands"]);
        for (ci, c) in cmds.iter().enumerate() {
            let at = ["commands".to_string(), format!("[{ci}]")];
            let (mut st, note) = command_step(c, timeout, root, files, r);
            if c.get("background").and_then(Value::as_bool) == Some(true) {
                // left running until the suite ends; its output must not hold the step
                if let Some(Value::Mapping(cmd)) = st.get_mut("command") {
                    if let Some(Value::String(run)) = cmd.get("run").cloned() {
                        cmd.insert(
                            s("run"),
                            s(&format!("( {} ) >/dev/null 2>&1 &", run.trim_end())),
                        );
                    }
                }
                r.ledger.account(f, i, &at, Fate::Converted);
            } else if let Some(n) = note {
                let line = r.ledger.line(f, i, &at);
                r.notes.push(Note {
                    file: f.to_path_buf(),
                    line,
                    text: n,
                });
                r.ledger.account(f, i, &at, Fate::Listed);
            } else {
                r.ledger.account(f, i, &at, Fate::Converted);
            }
            setup.push(st);
        }
    }
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

fn read_test(dir: &Path, timeout: &str, r: &mut Reader<'_>) -> Result<Test, MigrateError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut steps: BTreeMap<u32, Step> = BTreeMap::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input_error(dir, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for f in entries {
        let fname = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((index, rest)) = step_index(&fname) else {
            continue;
        };
        if f.is_dir() {
            // a step directory `NN-name/`: every file in it belongs to step NN
            for inner in yaml_files(&f, false) {
                let iname = inner
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let docs = read_docs(&inner)?;
                let rel = format!("{fname}/{iname}");
                add_file(steps.entry(index).or_default(), &inner, &iname, docs, &rel);
            }
            continue;
        }
        if !fname.ends_with(".yaml") {
            continue;
        }
        let docs = read_docs(&f)?;
        add_file(steps.entry(index).or_default(), &f, rest, docs, &fname);
    }
    let mut t = Test {
        name: name.clone(),
        source: dir.to_path_buf(),
        ..Default::default()
    };
    for (index, mut step) in steps {
        let mut step_timeout = timeout.to_string();
        let mut before = Vec::new();
        let mut after = Vec::new();
        let configs = std::mem::take(&mut step.configs);
        for c in &configs {
            if let Some(tm) = c.value.get("timeout").and_then(duration) {
                step_timeout = tm;
            }
        }
        for c in &configs {
            let (f, d) = (&c.file, c.index);
            let assert_kind = is_kuttl(&c.value, "TestAssert");
            for (k, _) in c.value.as_mapping().into_iter().flatten() {
                let key = k.as_str().unwrap_or_default();
                match key {
                    "apiVersion" | "kind" | "timeout" => r.acc(f, d, &[key], Fate::Converted),
                    "metadata" => {
                        r.key(f, d, &[key]);
                        r.acc(f, d, &[key, "name"], Fate::Converted);
                    }
                    "delete" => r.key(f, d, &[key]),
                    "commands" => r.key(f, d, &[key]),
                    "apply" | "assert" | "error" => {
                        // files listed by a TestStep: read as if they were the step's own
                        r.key(f, d, &[key]);
                        for (i, p) in c.value[key].as_sequence().into_iter().flatten().enumerate() {
                            let Some(rel) = p.as_str() else { continue };
                            let at = [key, &format!("[{i}]")].map(|x| x.to_string());
                            let listed = dir.join(rel);
                            match read_docs(&listed) {
                                Ok(docs) => {
                                    r.ledger.walk_file(&listed);
                                    r.ledger.account_file(&listed, Fate::Converted);
                                    r.ledger.account(f, d, &at, Fate::Converted);
                                    let objects: Vec<Doc> = docs.into_iter().filter(|x| !x.value.is_null()).collect();
                                    match key {
                                        "apply" => step.apply.push((rel.to_string(), objects)),
                                        "assert" => step.asserts.extend(objects),
                                        _ => step.errors.extend(objects),
                                    }
                                }
                                Err(e) => {
                                    let line = r.ledger.line(f, d, &at);
                                    r.notes.push(Note { file: f.clone(), line, text: format!("`{rel}` cannot be read ({e}): not converted") });
                                    r.ledger.account(f, d, &at, Fate::Listed);
                                }
                            }
                        }
                    }
                    "resourceRefs" | "assertAll" | "assertAny" if assert_kind => {}
                    "collectors" if assert_kind => r.note(f, d, &[key], "`collectors`: kdrill's report of a failed step shows the object, its events and its pods' log tails; not converted"),
                    _ => r.note(f, d, &[key], format!("`{key}` of a {}: not converted", str_of(&c.value, "kind").unwrap_or("TestStep"))),
                }
            }
            for (i, del) in c
                .value
                .get("delete")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = ["delete".to_string(), format!("[{i}]")];
                match delete_step(del, &step_timeout) {
                    Some(st) => {
                        r.ledger.account(f, d, &at, Fate::Converted);
                        before.push(st);
                    }
                    None => {
                        let line = r.ledger.line(f, d, &at);
                        r.notes.push(Note {
                            file: f.clone(),
                            line,
                            text: if super::kind_of(del).is_some() {
                                "a TestStep delete of every object of a kind (no name, no labels): kdrill refuses to delete a whole kind; not converted (give the objects a label and delete by `labels`)".into()
                            } else {
                                "a TestStep delete without apiVersion/kind: not converted".into()
                            },
                        });
                        r.ledger.account(f, d, &at, Fate::Listed);
                    }
                }
            }
            for (i, cmd) in c
                .value
                .get("commands")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = ["commands".to_string(), format!("[{i}]")];
                let (mut st, note) = command_step(cmd, &step_timeout, dir, &mut t.files, r);
                r.ledger.account(f, d, &at, Fate::Converted);
                if let Some(n) = note {
                    let line = r.ledger.line(f, d, &at);
                    r.notes.push(Note {
                        file: f.clone(),
                        line,
                        text: n,
                    });
                    r.ledger.account(f, d, &at, Fate::Listed);
                }
                // a TestAssert's commands check, after the objects, again every second
                // until the step's time is up (as KUTTL does); a TestStep's run first
                if assert_kind {
                    if let Value::Mapping(m) = &mut st {
                        let secs = crate::duration::parse_duration(&step_timeout)
                            .map(|d| d.as_secs().max(1))
                            .unwrap_or(30);
                        m.insert(
                            s("retry"),
                            map(vec![
                                ("attempts", Value::Number(secs.into())),
                                ("backoff", s("1s")),
                            ]),
                        );
                    }
                    after.push(st);
                } else {
                    before.push(st);
                }
            }
            if assert_kind {
                after.extend(cel_asserts(c, &step_timeout, r));
            }
        }
        t.steps.extend(before);
        for (fname, objects) in &step.apply {
            let text = objects
                .iter()
                .map(|d| serde_yaml::to_string(&r.local(&d.value)).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("---\n");
            for o in objects {
                r.acc(&o.file, o.index, &[], Fate::Converted);
            }
            // `${` of the source is the source's: kdrill would read it as a variable
            t.files.push((fname.clone(), text.replace("${", "$${")));
            let mut st = vec![("apply", map(vec![("mode", s("merge")), ("file", s(fname))]))];
            st.insert(0, ("name", s(&format!("step {index}: apply {fname}"))));
            t.steps.push(map(st));
        }
        // NN-assert.yaml documents must hold, NN-errors.yaml documents must not
        for (docs, absent, what) in [
            (&step.asserts, false, "assert"),
            (&step.errors, true, "errors"),
        ] {
            for doc in docs {
                match assert_step(&r.local(&doc.value), absent, Some(&step_timeout)) {
                    Some(st) => {
                        r.acc(&doc.file, doc.index, &[], Fate::Converted);
                        t.steps.push(st);
                    }
                    None => r.note(
                        &doc.file,
                        doc.index,
                        &[],
                        format!("an {what} document without apiVersion/kind: not converted"),
                    ),
                }
            }
        }
        t.steps.extend(after);
        let _ = &step.configs;
    }
    Ok(t)
}

/// A TestAssert's `assertAll`/`assertAny` CEL checks on its `resourceRefs`: each
/// expression that reads one reference becomes an assert on that object with `expr`
/// (the reference's name read as `self`); `assertAny` is one `||` of them.
fn cel_asserts(c: &Doc, timeout: &str, r: &mut Reader<'_>) -> Vec<Value> {
    let (f, d) = (&c.file, c.index);
    let refs: Vec<(String, String)> = c
        .value
        .get("resourceRefs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|x| {
            let kind = super::kind_of(x)?;
            let name = str_of(x, "name")?;
            let alias = str_of(x, "ref")?.to_string();
            let mut target = format!("{kind}/{name}");
            if let Some(ns) = str_of(x, "namespace") {
                target.push_str(&format!("@{ns}"));
            }
            Some((alias, target))
        })
        .collect();
    if c.value.get("resourceRefs").is_some() {
        r.acc(f, d, &["resourceRefs"], Fate::Converted);
    }
    let uses = |e: &str, alias: &str| {
        e.match_indices(alias).any(|(i, _)| {
            let before = e[..i].chars().last();
            let after = e[i + alias.len()..].chars().next();
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '_' || b == '.' || b == '\'')
                && matches!(after, Some('.') | Some('['))
        })
    };
    let as_self = |e: &str, alias: &str| {
        let mut out = String::new();
        let mut rest = e;
        while let Some(i) = rest.find(alias) {
            let before = if out.is_empty() && i == 0 {
                None
            } else {
                rest[..i].chars().last().or(out.chars().last())
            };
            let after = rest[i + alias.len()..].chars().next();
            let word = !before
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == '_' || b == '.' || b == '\'')
                && matches!(after, Some('.') | Some('['));
            out.push_str(&rest[..i]);
            out.push_str(if word { "self" } else { alias });
            rest = &rest[i + alias.len()..];
        }
        out.push_str(rest);
        out
    };
    let mut out = Vec::new();
    for (key, join) in [("assertAll", None), ("assertAny", Some(" || "))] {
        let Some(list) = c.value.get(key).and_then(Value::as_sequence) else {
            continue;
        };
        r.key(f, d, &[key]);
        let mut any_parts: Vec<(String, String, usize)> = Vec::new();
        for (i, e) in list.iter().enumerate() {
            let at = [key.to_string(), format!("[{i}]")];
            let expr = str_of(e, "celExpr").unwrap_or_default();
            let used: Vec<&(String, String)> = refs.iter().filter(|(a, _)| uses(expr, a)).collect();
            let cel = match used.as_slice() {
                [(alias, target)] => {
                    let c = as_self(expr, alias);
                    crate::wait::Expr::parse(&c)
                        .ok()
                        .map(|_| (target.clone(), c))
                }
                _ => None,
            };
            match (cel, join) {
                (Some((target, c)), None) => {
                    r.ledger.account(f, d, &at, Fate::Converted);
                    out.push(ref_assert(&target, &c, timeout));
                }
                (Some((target, c)), Some(_)) => any_parts.push((target, c, i)),
                (None, _) => {
                    let line = r.ledger.line(f, d, &at);
                    r.notes.push(Note { file: f.clone(), line, text: format!("`{expr}` reads several (or no) resourceRefs: kdrill's `expr` sees one object; not converted") });
                    r.ledger.account(f, d, &at, Fate::Listed);
                }
            }
        }
        if let Some(sep) = join {
            let same = any_parts.windows(2).all(|w| w[0].0 == w[1].0);
            if !any_parts.is_empty() && same && any_parts.len() == list.len() {
                let e = any_parts
                    .iter()
                    .map(|(_, c, _)| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(sep);
                for (_, _, i) in &any_parts {
                    r.ledger
                        .account(f, d, &[key.to_string(), format!("[{i}]")], Fate::Converted);
                }
                out.push(ref_assert(&any_parts[0].0, &e, timeout));
            } else {
                for (_, c, i) in &any_parts {
                    let at = [key.to_string(), format!("[{i}]")];
                    let line = r.ledger.line(f, d, &at);
                    r.notes.push(Note { file: f.clone(), line, text: format!("`{c}`: an alternative of an assertAny over several objects: not converted") });
                    r.ledger.account(f, d, &at, Fate::Listed);
                }
            }
        }
    }
    out
}

/// `assert` of one object (`kind/name`, `@namespace` when another) with a CEL `expr`.
fn ref_assert(target: &str, expr: &str, timeout: &str) -> Value {
    let (object, ns) = match target.split_once('@') {
        Some((o, n)) => (o, Some(n)),
        None => (target, None),
    };
    let mut a = vec![("object", s(object))];
    if let Some(n) = ns {
        a.push(("namespace", s(n)));
    }
    a.push(("expr", s(expr)));
    map(vec![("assert", map(a)), ("timeout", s(timeout))])
}

/// A TestStep `delete` entry: by name, or every object of a kind with labels.
fn delete_step(d: &Value, timeout: &str) -> Option<Value> {
    let mut del = delete_target(d)?;
    if let Some(ns) = str_of(d, "namespace") {
        del.push(("namespace", s(ns)));
    }
    // KUTTL's delete accepts an object that is already gone
    del.push(("ignoreNotFound", Value::Bool(true)));
    Some(map(vec![("delete", map(del)), ("timeout", s(timeout))]))
}

/// A TestStep/TestAssert command: `script` (a shell script, as it is) or `command`
/// (one command line KUTTL expands `$VAR` in and splits itself: written back for
/// `sh -c` with the same meaning, `$$` a dollar). The suite's timeout is every
/// command's unless it has its own. Files the command names are copied. Returns the
/// step and, when something differs, a note.
fn command_step(
    c: &Value,
    timeout: &str,
    dir: &Path,
    files: &mut Vec<(String, String)>,
    r: &mut Reader<'_>,
) -> (Value, Option<String>) {
    let (mut text, is_script) = match (str_of(c, "script"), str_of(c, "command")) {
        (Some(t), _) => (t.to_string(), true),
        (None, Some(t)) => (
            super::shell::split_command(t)
                .iter()
                .map(|w| super::shell::word(w))
                .collect::<Vec<_>>()
                .join(" "),
            false,
        ),
        _ => (String::new(), false),
    };
    let mut note = None;
    if c.get("namespaced").and_then(Value::as_bool) == Some(true) && !is_script {
        let words = super::shell::words(&text);
        let has_ns = words
            .iter()
            .any(|w| w == "-n" || w.starts_with("--namespace") || w.starts_with("-n="));
        if words.first().is_some_and(|w| w == "kubectl") && !has_ns {
            text.push_str(" --namespace \"${NAMESPACE}\"");
        }
    }
    super::copy_referenced(&text, dir, Path::new(""), files, r.ledger);
    let mut step = vec![("command", map(vec![("run", s(&text))]))];
    if c.get("ignoreFailure").and_then(Value::as_bool) == Some(true) {
        step.push(("allowFailure", Value::Bool(true)));
    }
    let t = c
        .get("timeout")
        .and_then(duration)
        .unwrap_or_else(|| timeout.to_string());
    step.push(("timeout", s(&t)));
    if c.get("background").and_then(Value::as_bool) == Some(true) {
        note = Some(format!("`{text}` ran in the background in KUTTL; kdrill runs host commands to completion: start it with `&` and a pid file if it must outlive the step"));
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
        let dir = tempfile::tempdir().unwrap();
        let (mut notes, mut ledger) = (Vec::new(), Ledger::default());
        let mut r = Reader {
            notes: &mut notes,
            ledger: &mut ledger,
            suite_ns: None,
        };
        let mut files = Vec::new();
        let (st, note) = command_step(&c, "30s", dir.path(), &mut files, &mut r);
        assert_eq!(
            serde_yaml::to_string(&st).unwrap(),
            "command:\n  run: kubectl get pods -n $NAMESPACE\nallowFailure: true\ntimeout: 20s\n"
        );
        assert!(note.is_none());
        let c: Value = serde_yaml::from_str("{command: 'sleep 100', background: true}").unwrap();
        assert!(command_step(&c, "30s", dir.path(), &mut files, &mut r)
            .1
            .unwrap()
            .contains("background"));
        // KUTTL expands $VARS in a command itself, `$$` is a dollar; `namespaced` adds
        // the namespace; the suite timeout is the command's
        let c: Value = serde_yaml::from_str(
            "{command: 'kubectl annotate cm x p=$$5 -l a=$NAMESPACE', namespaced: true}",
        )
        .unwrap();
        let (st, _) = command_step(&c, "45s", dir.path(), &mut files, &mut r);
        assert_eq!(
            serde_yaml::to_string(&st).unwrap(),
            "command:\n  run: kubectl annotate cm x 'p=$5' -l \"a=${NAMESPACE}\" --namespace \"${NAMESPACE}\"\ntimeout: 45s\n"
        );
    }

    #[test]
    fn deletes_by_name_and_labels() {
        let d: Value = serde_yaml::from_str("{apiVersion: v1, kind: Pod, name: a}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d, "30s").unwrap()).unwrap(),
            "delete:\n  object: v1/Pod/a\n  ignoreNotFound: true\ntimeout: 30s\n"
        );
        let d: Value =
            serde_yaml::from_str("{apiVersion: v1, kind: Pod, labels: {app: x}}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d, "30s").unwrap()).unwrap(),
            "delete:\n  kind: v1/Pod\n  selector: app=x\n  ignoreNotFound: true\ntimeout: 30s\n"
        );
    }
}
