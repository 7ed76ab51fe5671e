//! Reading Kyverno Chainsaw tests: `chainsaw-test.yaml` files (`kind: Test`) whose
//! steps have `try`, `catch`, `finally` and `cleanup` operations. kdrill has catch and
//! finally per scenario, so each step's catch/finally/cleanup operations join the
//! scenario's (in order); JMESPath expressions in assertions have no equivalent and
//! are listed in MIGRATION.md.

use super::jmespath::{self, Known, Part, Scope};
use super::ledger::{Fate, Ledger};
use super::{
    assert_step, delete_target, documents, duration, input_error, kind_of, name_of, str_of,
    MigrateError, Migration, Note, Test,
};
use crate::import::translate::{map, s};
use serde_yaml::Value;
use std::path::{Path, PathBuf};

/// Where a document of the input is, for the ledger: file, document index, key path.
#[derive(Debug, Clone)]
struct Place {
    file: PathBuf,
    doc: usize,
    path: Vec<String>,
}

impl Place {
    fn child(&self, key: &str) -> Place {
        let mut p = self.clone();
        p.path.push(key.to_string());
        p
    }
}

/// Where notes point (the test file and the line of the operation) and where the
/// operation's keys are accounted for.
struct Ctx<'a> {
    file: &'a Path,
    dir: &'a Path,
    line: usize,
    notes: &'a mut Vec<Note>,
    files: &'a mut Vec<(String, String)>,
    timeouts: Option<&'a Value>,
    ledger: &'a mut Ledger,
    /// The operation's body (`spec.steps.[0].try.[1].apply`) in the test file.
    at: Place,
    /// The bindings in scope, as known at migration time.
    scope: Scope,
    /// CEL collected from JMESPath keys while an assertion's document is cleaned.
    exprs: Vec<String>,
    /// Variables the operation saves (Chainsaw `outputs`).
    outputs: Vec<String>,
    /// The test's `spec.namespace`: the scenario's own namespace stands for it.
    fixed_ns: Option<String>,
}

impl Ctx<'_> {
    fn note(&mut self, text: impl Into<String>) {
        self.notes.push(Note {
            file: self.file.to_path_buf(),
            line: self.line,
            text: text.into(),
        });
    }

    /// Account for a key of the operation's body (and all below it).
    fn acc(&mut self, rel: &[&str], fate: Fate) {
        let mut path = self.at.path.clone();
        path.extend(rel.iter().map(|k| k.to_string()));
        self.ledger.account(&self.at.file, self.at.doc, &path, fate);
    }

    /// A note about a key of the body, which is then listed, not converted.
    fn note_at(&mut self, rel: &[&str], text: impl Into<String>) {
        self.note(text);
        self.acc(rel, Fate::Listed);
        if rel.is_empty() {
            // a note on the operation as a whole: its keyword is what is listed
            self.ledger
                .account_key(&self.at.file, self.at.doc, &self.at.path, Fate::Listed);
        }
    }

    fn note_place(&mut self, at: &Place, line_hint: bool, text: impl Into<String>) {
        let line = if line_hint {
            self.ledger.line(&at.file, at.doc, &at.path)
        } else {
            self.line
        };
        self.notes.push(Note {
            file: at.file.clone(),
            line,
            text: text.into(),
        });
        self.ledger
            .account(&at.file, at.doc, &at.path, Fate::Listed);
    }

    /// The test's timeout for an operation kind (`apply`, `assert`, `delete`, `error`, `exec`).
    fn timeout(&self, kind: &str) -> Option<String> {
        self.timeouts.and_then(|t| t.get(kind)).and_then(duration)
    }

    /// The documents an operation names, each with its place: its `file` (copied
    /// beside the scenario, with its expressions folded) or its inline `resource`.
    /// The `file` an operation names, its expression (`($manifest)`) evaluated.
    fn file_of(&self, op: &Value) -> Option<String> {
        let f = str_of(op, "file")?;
        match jmespath::expression_of(f) {
            Some(e) => match self.fold_text(e) {
                Some(Value::String(t)) => Some(t),
                _ => None,
            },
            None => Some(f.to_string()),
        }
    }

    fn docs(&mut self, op: &Value) -> Vec<(Place, Value)> {
        if op.get("file").is_some() && self.file_of(op).is_none() {
            self.note_at(
                &["file"],
                "the file is named by an expression only known when the test runs: not converted",
            );
            return Vec::new();
        }
        if let Some(f) = self.file_of(op) {
            let f = f.as_str();
            self.acc(&["file"], Fate::Converted);
            let path = self.dir.join(f);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    self.ledger.walk_file(&path);
                    self.ledger.account_file(&path, Fate::Converted);
                    let docs: Vec<(Place, Value)> = documents(&path, &text)
                        .map(|d| {
                            d.into_iter()
                                .enumerate()
                                .map(|(i, (_, v))| {
                                    let at = Place {
                                        file: path.clone(),
                                        doc: i,
                                        path: Vec::new(),
                                    };
                                    (at, self.local(v))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    docs
                }
                Err(e) => {
                    self.note_at(
                        &["file"],
                        format!("`{f}` cannot be read ({e}): not converted"),
                    );
                    Vec::new()
                }
            }
        } else if let Some(r) = op.get("resource") {
            self.acc(&["resource"], Fate::Converted);
            vec![(self.at.child("resource"), self.local(r.clone()))]
        } else {
            self.note_at(
                &[],
                "an operation without `file` or `resource`: not converted",
            );
            Vec::new()
        }
    }

    /// A document without the test's fixed namespace (`spec.namespace`): it lands in
    /// the scenario's namespace, which stands for it.
    fn local(&self, mut v: Value) -> Value {
        if let (Some(ns), Some(Value::Mapping(meta))) = (&self.fixed_ns, v.get_mut("metadata")) {
            if meta.get("namespace").and_then(Value::as_str) == Some(ns.as_str()) {
                meta.remove("namespace");
            }
        }
        v
    }

    /// Write the documents of a `file` beside the scenario (folded, so `($x)` became
    /// its value); the name the scenario uses.
    fn keep_file(&mut self, f: &str, docs: &[Value]) {
        if self.files.iter().any(|(n, _)| n == f) {
            return;
        }
        let text = docs
            .iter()
            .map(|d| serde_yaml::to_string(d).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("---\n");
        self.files.push((f.to_string(), text));
    }

    /// A value of a manifest with Chainsaw's expressions (`($x)`, `(join(...))`)
    /// evaluated at migration time (the test namespace stays `${NAMESPACE}`), and the
    /// source's own `${` escaped; what cannot be folded is listed.
    fn fold_values(&mut self, v: &Value, at: &Place) -> Value {
        match v {
            Value::Mapping(m) => {
                let mut out = serde_yaml::Mapping::new();
                for (k, val) in m {
                    let key = k.as_str().unwrap_or_default();
                    out.insert(k.clone(), self.fold_values(val, &at.child(key)));
                }
                Value::Mapping(out)
            }
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.fold_values(x, &at.child(&format!("[{i}]"))))
                    .collect(),
            ),
            Value::String(t) => match jmespath::expression_of(t) {
                Some(e) => match self.fold_text(e) {
                    Some(v) => v,
                    None => {
                        self.note_place(at, true, format!("the value `{t}` is a Chainsaw expression that cannot be computed before the test runs: left as written"));
                        v.clone()
                    }
                },
                None => s(&jmespath::escape_vars(t)),
            },
            other => other.clone(),
        }
    }

    /// An expression's value at migration time, as YAML.
    fn fold_text(&self, e: &str) -> Option<Value> {
        let j = jmespath::parse(e).ok()?;
        match jmespath::fold(&j, &self.scope).ok()?? {
            Known::Json(v) => serde_yaml::to_value(v).ok(),
            k => k.text().map(|t| s(&t)),
        }
    }

    /// The partial object of an assertion: JMESPath keys (`(length(x)): 2`) become CEL
    /// in `self.exprs` where the translation is mechanical, else are listed; values
    /// are folded. `cel` is the CEL of the current node (None inside lists).
    fn without_expressions(&mut self, v: &Value, at: &Place, cel: Option<&str>) -> Value {
        match v {
            Value::Mapping(m) => {
                let mut out = serde_yaml::Mapping::new();
                for (k, val) in m {
                    let key = k.as_str().unwrap_or_default();
                    let here = at.child(key);
                    if let Some(e) = jmespath::expression_of(key) {
                        match self.key_to_cel(e, val, cel) {
                            Ok(c) => self.exprs.push(c),
                            Err(why) => self.note_place(&here, true, format!("the assertion `{key}` {why}: not converted; write it as `expr:` (CEL) by hand")),
                        }
                        continue;
                    }
                    if key.starts_with('~') {
                        match self.each_to_cel(key, val, cel) {
                            Ok(c) => self.exprs.push(c),
                            Err(why) => self.note_place(&here, true, format!("`{key}` (Chainsaw's iteration over a list) {why}: not converted; write it as `expr:` (CEL) by hand")),
                        }
                        continue;
                    }
                    let inner = cel.map(|c| jmespath::cel_field(c, key));
                    let cleaned = self.without_expressions(val, &here, inner.as_deref());
                    // a map whose keys all became CEL says nothing more as a partial object
                    if cleaned.as_mapping().is_some_and(|m| m.is_empty())
                        && val.as_mapping().is_some_and(|m| !m.is_empty())
                    {
                        continue;
                    }
                    out.insert(k.clone(), cleaned);
                }
                Value::Mapping(out)
            }
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.without_expressions(x, &at.child(&format!("[{i}]")), None))
                    .collect(),
            ),
            Value::String(_) => self.fold_values(v, at),
            other => other.clone(),
        }
    }

    /// `~.(list): {partial}` (`~name.(list)`): every element of the list holds the
    /// partial object, as CEL `list.all(e, ...)`.
    fn each_to_cel(&self, key: &str, value: &Value, cel: Option<&str>) -> Result<String, String> {
        let cur = cel.ok_or("is inside a list")?;
        let rest = key.trim_start_matches('~');
        let rest = rest.split_once('.').map_or(rest, |(_, r)| r);
        let e = jmespath::expression_of(rest).ok_or("names no expression")?;
        let j = jmespath::parse(e).map_err(|e| e.to_string())?;
        let cx = jmespath::Cx {
            scope: &self.scope,
            depth: 0,
        };
        let list = jmespath::to_cel(&j, cur, &cx).map_err(|e| e.to_string())?;
        let var = format!("e{}", cur.matches(".all(").count());
        let conds = self.partial_to_cel(value, &var)?;
        if conds.is_empty() {
            return Err("checks nothing".into());
        }
        let c = format!("{list}.all({var}, {})", conds.join(" && "));
        crate::wait::Expr::parse(&c)
            .map_err(|e| format!("translates to `{c}`, which is not valid CEL ({e})"))?;
        Ok(c)
    }

    /// A partial object on the node `cur` as CEL conditions: plain values compared,
    /// maps followed, JMESPath keys translated; lists are not (element order).
    fn partial_to_cel(&self, v: &Value, cur: &str) -> Result<Vec<String>, String> {
        let Value::Mapping(m) = v else {
            return Err("is not a partial object".into());
        };
        let mut out = Vec::new();
        for (k, val) in m {
            let key = k.as_str().ok_or("has a key that is not text")?;
            if let Some(e) = jmespath::expression_of(key) {
                out.push(self.key_to_cel(e, val, Some(cur))?);
                continue;
            }
            let field = jmespath::cel_field(cur, key);
            match val {
                Value::Mapping(_) => out.extend(self.partial_to_cel(val, &field)?),
                Value::String(t) if jmespath::expression_of(t).is_none() => {
                    out.push(format!("{field} == {}", jmespath::cel_string(t)))
                }
                Value::Bool(b) => out.push(format!("{field} == {b}")),
                Value::Number(n) => out.push(format!("{field} == {n}")),
                _ => return Err(format!("compares `{key}` with a list or an expression")),
            }
        }
        Ok(out)
    }

    /// `c` if it compiles as CEL.
    fn valid(&self, c: String) -> Result<String, String> {
        if c.is_empty() {
            return Err("checks nothing".into());
        }
        crate::wait::Expr::parse(&c)
            .map_err(|e| format!("translates to `{c}`, which is not valid CEL ({e})"))?;
        Ok(c)
    }

    /// `(expr): value` on the node `cel` as one CEL condition.
    fn key_to_cel(&self, e: &str, value: &Value, cel: Option<&str>) -> Result<String, String> {
        let Some(cur) = cel else {
            return Err("is inside a list (kdrill matches list elements in order)".into());
        };
        let j = jmespath::parse(e).map_err(|e| e.to_string())?;
        let cx = jmespath::Cx {
            scope: &self.scope,
            depth: 0,
        };
        let left = jmespath::to_cel(&j, cur, &cx).map_err(|e| e.to_string())?;
        let right = match value {
            Value::String(t) => match jmespath::expression_of(t) {
                Some(inner) => {
                    let r = jmespath::parse(inner).map_err(|e| e.to_string())?;
                    jmespath::to_cel(&r, cur, &cx).map_err(|e| e.to_string())?
                }
                None => jmespath::cel_string(t),
            },
            Value::Bool(true) if jmespath::is_boolean(&j) => return Ok(left),
            Value::Bool(false) if jmespath::is_boolean(&j) => return Ok(format!("!({left})")),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => "null".into(),
            // a partial object: its fields on the result
            Value::Mapping(_) => {
                let conds = self.partial_to_cel(value, &left)?;
                return self.valid(conds.join(" && "));
            }
            // a list: as long, each element the partial object at its place (as
            // Chainsaw compares arrays)
            Value::Sequence(items) => {
                let mut conds = vec![format!("size({left}) == {}", items.len())];
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{left}[{i}]");
                    match item {
                        Value::Mapping(_) => conds.extend(self.partial_to_cel(item, &at)?),
                        Value::String(t) if jmespath::expression_of(t).is_none() => {
                            conds.push(format!("{at} == {}", jmespath::cel_string(t)))
                        }
                        Value::Number(n) => conds.push(format!("{at} == {n}")),
                        Value::Bool(b) => conds.push(format!("{at} == {b}")),
                        _ => return Err("compares with a list of lists or expressions".into()),
                    }
                }
                return self.valid(conds.join(" && "));
            }
            _ => return Err("compares with a value it cannot translate".into()),
        };
        let c = format!("{left} == {right}");
        crate::wait::Expr::parse(&c)
            .map_err(|e| format!("translates to `{c}`, which is not valid CEL ({e})"))?;
        Ok(c)
    }
}

/// Chainsaw bindings (`[{name, value}]`) added to `scope`: values known before the test
/// runs are folded; the rest are listed.
fn bind(
    list: Option<&Value>,
    scope: &mut Scope,
    at: &Place,
    ledger: &mut Ledger,
    notes: &mut Vec<Note>,
) {
    if list.is_some() {
        ledger.account_key(&at.file, at.doc, &at.path, Fate::Converted);
    }
    for (i, b) in list
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let here = at.child(&format!("[{i}]"));
        let Some(name) = str_of(b, "name") else {
            continue;
        };
        let known = match b.get("value") {
            Some(Value::String(t)) => match jmespath::expression_of(t) {
                Some(e) => jmespath::parse(e)
                    .ok()
                    .and_then(|j| jmespath::fold(&j, scope).ok().flatten()),
                None => Some(Known::Json(serde_json::Value::String(t.clone()))),
            },
            Some(v) => serde_json::to_value(v).ok().map(Known::Json),
            None => None,
        };
        match known {
            Some(k) => {
                scope.insert(name.to_string(), k);
                ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
            }
            None => {
                notes.push(Note {
                    file: here.file.clone(),
                    line: ledger.line(&here.file, here.doc, &here.path),
                    text: format!("the binding `{name}` is only known when the test runs: not converted; compute it in a `command` and `save` it"),
                });
                ledger.account(&here.file, here.doc, &here.path, Fate::Listed);
            }
        }
    }
}

/// Convert every `chainsaw-test.yaml` under `path` (a tree, a test directory or a
/// test file); every key of every YAML file under it is accounted for in the ledger.
pub fn read(path: &Path) -> Result<Migration, MigrateError> {
    let mut m = Migration {
        format: "chainsaw",
        ..Default::default()
    };
    let mut files = Vec::new();
    if path.is_file() {
        files.push(path.to_path_buf());
    } else {
        find_tests(path, &mut files);
    }
    files.sort();
    if files.is_empty() {
        return Err(input_error(path, "no chainsaw-test.yaml found"));
    }
    m.ledger.walk_tree(path);
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| input_error(&f, e.to_string()))?;
        m.ledger.walk_file(&f);
        for (i, (line, doc)) in documents(&f, &text)?.into_iter().enumerate() {
            let at = Place {
                file: f.clone(),
                doc: i,
                path: Vec::new(),
            };
            if str_of(&doc, "kind") != Some("Test") {
                continue;
            }
            let t = read_test(&f, &text, line, &doc, &at, &mut m.notes, &mut m.ledger);
            m.tests.push(t);
        }
    }
    Ok(m)
}

fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            find_tests(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n == "chainsaw-test.yaml" || n == "chainsaw-test.yml")
        {
            out.push(p);
        }
    }
}

fn read_test(
    file: &Path,
    text: &str,
    line: usize,
    doc: &Value,
    at: &Place,
    notes: &mut Vec<Note>,
    ledger: &mut Ledger,
) -> Test {
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = doc
        .get("metadata")
        .and_then(|m| str_of(m, "name"))
        .unwrap_or("chainsaw-test")
        .to_string();
    let acc = |ledger: &mut Ledger, path: &[&str], fate: Fate| {
        let p: Vec<String> = path.iter().map(|k| k.to_string()).collect();
        ledger.account(&at.file, at.doc, &p, fate);
    };
    for k in [&["apiVersion"][..], &["kind"], &["metadata", "name"]] {
        acc(ledger, k, Fate::Converted);
    }
    let spec = doc.get("spec").cloned().unwrap_or(Value::Null);
    let mut t = Test {
        name,
        source: file.to_path_buf(),
        ..Default::default()
    };
    if let Some(skip) = spec.get("skip").and_then(Value::as_bool) {
        if skip {
            t.skip = Some("skipped in the Chainsaw test (spec.skip)".into());
        }
        acc(ledger, &["spec", "skip"], Fate::Converted);
    }
    if let Some(c) = spec.get("concurrent").and_then(Value::as_bool) {
        t.serial = !c;
        acc(ledger, &["spec", "concurrent"], Fate::Converted);
    }
    let timeouts = spec.get("timeouts").cloned();
    for (k, _) in timeouts
        .as_ref()
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let name = k.as_str().unwrap_or_default();
        if TIMEOUT_KINDS.contains(&name) {
            acc(ledger, &["spec", "timeouts", name], Fate::Converted);
        } else {
            cleanup_timeout(
                ledger,
                notes,
                &at.child("spec").child("timeouts").child(name),
            );
        }
    }
    if let Some(labels) = doc
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_mapping)
    {
        acc(ledger, &["metadata", "labels"], Fate::Converted);
        for (k, v) in labels {
            let v = match v {
                Value::String(t) => t.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            t.labels
                .push((k.as_str().unwrap_or_default().to_string(), v));
        }
    }
    // `template: true` is Chainsaw's default: expressions in manifests are evaluated,
    // here at migration time
    if spec.get("template").is_some() {
        acc(ledger, &["spec", "template"], Fate::Converted);
    }
    let mut scope = Scope::new();
    scope.insert(
        "namespace".into(),
        Known::Text(vec![Part::Var("NAMESPACE".into())]),
    );
    bind(
        spec.get("bindings"),
        &mut scope,
        &at.child("spec").child("bindings"),
        ledger,
        notes,
    );
    // a fixed namespace: the scenario's fresh one stands for it (objects that name it
    // land in the scenario's), as every test of it ran alone in it
    let fixed_ns = str_of(&spec, "namespace").map(str::to_string);
    if fixed_ns.is_some() {
        acc(ledger, &["spec", "namespace"], Fate::Converted);
    }
    for key in ["clusters", "cluster"] {
        if spec.get(key).is_some() {
            notes.push(Note {
                file: file.to_path_buf(),
                line: ledger.line(&at.file, at.doc, &["spec".into(), key.into()]),
                text: format!("spec.{key} has no kdrill equivalent (kdrill: a fresh namespace per scenario, --context): not converted"),
            });
            acc(ledger, &["spec", key], Fate::Listed);
        }
    }
    let key = |ledger: &mut Ledger, p: &Place| {
        ledger.account_key(&p.file, p.doc, &p.path, Fate::Converted)
    };
    key(ledger, &at.child("spec"));
    key(ledger, &at.child("metadata"));
    if timeouts.is_some() {
        key(ledger, &at.child("spec").child("timeouts"));
    }
    let mut files = Vec::new();
    key(ledger, &at.child("spec").child("steps"));
    let mut env = Env {
        file,
        dir,
        notes,
        files: &mut files,
        timeouts: timeouts.clone(),
        ledger,
        test: &mut t,
        fixed_ns: fixed_ns.clone(),
    };
    for (si, step) in spec
        .get("steps")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let step_at = at.child("spec").child("steps").child(&format!("[{si}]"));
        let mut step_scope = scope.clone();
        // kdrill steps are named after what they do; a Chainsaw step's name is a title
        if step.get("name").is_some() {
            key(env.ledger, &step_at.child("name"));
        }
        bind(
            step.get("bindings"),
            &mut step_scope,
            &step_at.child("bindings"),
            env.ledger,
            env.notes,
        );
        // a step's own timeouts win over the test's, for its operations
        let merged = step.get("timeouts").map(|st| {
            key(env.ledger, &step_at.child("timeouts"));
            let mut m = timeouts
                .as_ref()
                .and_then(Value::as_mapping)
                .cloned()
                .unwrap_or_default();
            for (k, v) in st.as_mapping().into_iter().flatten() {
                let name = k.as_str().unwrap_or_default();
                let here = step_at.child("timeouts").child(name);
                if TIMEOUT_KINDS.contains(&name) {
                    env.ledger
                        .account(&here.file, here.doc, &here.path, Fate::Converted);
                    m.insert(k.clone(), v.clone());
                } else {
                    cleanup_timeout(env.ledger, env.notes, &here);
                }
            }
            Value::Mapping(m)
        });
        let test_timeouts = env.timeouts.clone();
        if merged.is_some() {
            env.timeouts = merged;
        }
        if let Some(u) = step.get("use") {
            use_template(&mut env, u, &step_at.child("use"), &mut step_scope);
        }
        sections(&mut env, step, &step_at, &mut step_scope);
        env.timeouts = test_timeouts;
        for (k, v) in step_scope {
            if matches!(v, Known::Saved(_)) {
                scope.insert(k, v);
            }
        }
    }
    // test-level `catch`: Chainsaw runs it when any step fails, as kdrill's catch
    if spec.get("catch").is_some() {
        let only: Value = Value::Mapping(
            [(
                s("catch"),
                spec.get("catch").cloned().unwrap_or(Value::Null),
            )]
            .into_iter()
            .collect(),
        );
        sections(&mut env, &only, &at.child("spec"), &mut scope);
    }
    let _ = text;
    let _ = line;
    t.files = files;
    t
}

/// What the operations of a test write into.
struct Env<'a> {
    file: &'a Path,
    dir: &'a Path,
    notes: &'a mut Vec<Note>,
    files: &'a mut Vec<(String, String)>,
    timeouts: Option<Value>,
    ledger: &'a mut Ledger,
    test: &'a mut Test,
    fixed_ns: Option<String>,
}

/// The `try`, `catch`, `finally` and `cleanup` operations of a step (or of a step
/// template), at `at`. kdrill has catch and finally per scenario: a step's join the
/// scenario's, in order.
fn sections(env: &mut Env<'_>, step: &Value, at: &Place, scope: &mut Scope) {
    for (section, target) in [("try", 0), ("catch", 1), ("finally", 2), ("cleanup", 2)] {
        if step.get(section).is_some() {
            env.ledger
                .account_key(&at.file, at.doc, &at.child(section).path, Fate::Converted);
        }
        for (oi, op) in step
            .get(section)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(kind) = op.as_mapping().and_then(|m| {
                m.keys()
                    .filter_map(Value::as_str)
                    .find(|k| *k != "description")
            }) else {
                continue;
            };
            let op_at = at.child(section).child(&format!("[{oi}]"));
            if op.get("description").is_some() {
                env.ledger.account_key(
                    &op_at.file,
                    op_at.doc,
                    &op_at.child("description").path,
                    Fate::Converted,
                );
            }
            let body = op.get(kind).cloned().unwrap_or(Value::Null);
            let mut op_scope = scope.clone();
            bind(
                body.get("bindings"),
                &mut op_scope,
                &op_at.child(kind).child("bindings"),
                env.ledger,
                env.notes,
            );
            let body_at = op_at.child(kind);
            env.ledger
                .account_key(&body_at.file, body_at.doc, &body_at.path, Fate::Converted);
            let line = env.ledger.line(&body_at.file, body_at.doc, &body_at.path);
            let mut ctx = Ctx {
                file: &body_at.file.clone(),
                dir: env.dir,
                line,
                notes: env.notes,
                files: env.files,
                timeouts: env.timeouts.as_ref(),
                ledger: env.ledger,
                at: body_at.clone(),
                scope: op_scope,
                exprs: Vec::new(),
                outputs: Vec::new(),
                fixed_ns: env.fixed_ns.clone(),
            };
            let steps = operation(&mut ctx, kind, &body, op);
            // what an operation outputs, the operations and steps after it see
            for o in std::mem::take(&mut ctx.outputs) {
                scope.insert(o.clone(), Known::Saved(o));
            }
            match target {
                0 => env.test.steps.extend(steps),
                1 => env.test.catch.extend(steps),
                _ => env.test.finally.extend(steps),
            }
        }
    }
}

/// `use: {template: FILE, with: {bindings}}`: the StepTemplate's operations inlined,
/// with its own bindings as defaults that `with.bindings` override. Its `file`s are
/// read from the calling test's directory, as Chainsaw does.
fn use_template(env: &mut Env<'_>, u: &Value, at: &Place, scope: &mut Scope) {
    let line = env.ledger.line(&at.file, at.doc, &at.path);
    let Some(rel) = str_of(u, "template") else {
        env.notes.push(Note {
            file: at.file.clone(),
            line,
            text: "`use` without `template`: not converted".into(),
        });
        env.ledger.account(&at.file, at.doc, &at.path, Fate::Listed);
        return;
    };
    let path = env.file.parent().unwrap_or(Path::new(".")).join(rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            env.notes.push(Note {
                file: at.file.clone(),
                line,
                text: format!("the step template `{rel}` cannot be read ({e}): not converted"),
            });
            env.ledger.account(&at.file, at.doc, &at.path, Fate::Listed);
            return;
        }
    };
    env.ledger.walk_file(&path);
    let docs = documents(&path, &text).unwrap_or_default();
    let Some((i, (_, tpl))) = docs
        .iter()
        .enumerate()
        .find(|(_, (_, d))| str_of(d, "kind") == Some("StepTemplate"))
    else {
        env.notes.push(Note {
            file: at.file.clone(),
            line,
            text: format!("`{rel}` holds no StepTemplate: not converted"),
        });
        env.ledger.account(&at.file, at.doc, &at.path, Fate::Listed);
        return;
    };
    let key = |ledger: &mut Ledger, p: &Place| {
        ledger.account_key(&p.file, p.doc, &p.path, Fate::Converted)
    };
    key(env.ledger, at);
    key(env.ledger, &at.child("template"));
    let tpl_at = Place {
        file: path.clone(),
        doc: i,
        path: Vec::new(),
    };
    for k in ["apiVersion", "kind", "metadata", "spec"] {
        key(env.ledger, &tpl_at.child(k));
    }
    key(env.ledger, &tpl_at.child("metadata").child("name"));
    let spec = tpl.get("spec").cloned().unwrap_or(Value::Null);
    // the template's defaults first, then what the caller passes
    let mut tscope = scope.clone();
    bind(
        spec.get("bindings"),
        &mut tscope,
        &tpl_at.child("spec").child("bindings"),
        env.ledger,
        env.notes,
    );
    if let Some(w) = u.get("with") {
        key(env.ledger, &at.child("with"));
        bind(
            w.get("bindings"),
            &mut tscope,
            &at.child("with").child("bindings"),
            env.ledger,
            env.notes,
        );
    }
    sections(env, &spec, &tpl_at.child("spec"), &mut tscope);
    for (k, v) in tscope {
        if matches!(v, Known::Saved(_)) {
            scope.insert(k, v);
        }
    }
}

/// The operation kinds whose timeouts kdrill carries per step.
const TIMEOUT_KINDS: &[&str] = &["apply", "assert", "delete", "error", "exec"];

/// `timeouts.cleanup` (and any other kind): kdrill removes what a scenario created
/// with its own timeout, so it is listed.
fn cleanup_timeout(ledger: &mut Ledger, notes: &mut Vec<Note>, at: &Place) {
    let what = at.path.last().cloned().unwrap_or_default();
    notes.push(Note {
        file: at.file.clone(),
        line: ledger.line(&at.file, at.doc, &at.path),
        text: format!("`timeouts.{what}`: kdrill's cleanup of what a scenario created has its own timeout (`kdrill run --timeout`); not carried"),
    });
    ledger.account(&at.file, at.doc, &at.path, Fate::Listed);
}

/// `assert: {resource: {($name): {partial}}}` on a variable an earlier step saved (an
/// output such as `(json_parse($stdout))`): its JSON text, printed by a command, must
/// hold the partial object (`expect.stdout.json`, matched as `assert` matches); for
/// `error`, must not.
fn saved_assert(ctx: &Ctx<'_>, kind: &str, d: &Value, timeout: Option<&str>) -> Option<Value> {
    let m = d.as_mapping()?;
    if m.len() != 1 || kind != "assert" {
        return None;
    }
    let (k, partial) = m.iter().next()?;
    let e = jmespath::expression_of(k.as_str()?)?;
    let name = e.strip_prefix('$')?;
    if !matches!(ctx.scope.get(name), Some(Known::Saved(_))) || !partial.is_mapping() {
        return None;
    }
    let step = vec![
        (
            "command",
            map(vec![("run", s(&format!("printf '%s' \"${name}\"")))]),
        ),
        (
            "expect",
            map(vec![("stdout", map(vec![("json", partial.clone())]))]),
        ),
    ];
    Some(with_timeout(step, timeout.map(str::to_string)))
}

/// The keys of an operation's body every kind reads the same way.
fn common_keys(ctx: &mut Ctx<'_>, body: &Value) {
    if body.get("timeout").is_some() {
        ctx.acc(&["timeout"], Fate::Converted);
    }
}

/// A step with its timeout: the operation's own, else the test's for its kind, else
/// Chainsaw's default for its kind (apply 5 s, assert/error 30 s, delete 15 s, exec 5 s).
fn with_timeout(mut step: Vec<(&str, Value)>, t: Option<String>) -> Value {
    if let Some(t) = t {
        step.push(("timeout", s(&t)));
    }
    map(step)
}

fn chainsaw_default(kind: &str) -> &'static str {
    match kind {
        "apply" | "exec" => "5s",
        "delete" => "15s",
        _ => "30s",
    }
}

/// One Chainsaw operation as kdrill steps; every key of its body accounted for.
fn operation(ctx: &mut Ctx<'_>, kind: &str, body: &Value, op: &Value) -> Vec<Value> {
    common_keys(ctx, body);
    let own_timeout = body.get("timeout").and_then(duration);
    let timeout_for = |ctx: &Ctx<'_>, k: &str| {
        own_timeout
            .clone()
            .or_else(|| ctx.timeout(k))
            .or_else(|| Some(chainsaw_default(k).to_string()))
    };
    match kind {
        "apply" | "create" | "update" => {
            let mode = match kind {
                "apply" => "merge",
                "create" => "create",
                _ => "replace",
            };
            if body.get("template").is_some() {
                ctx.acc(&["template"], Fate::Converted);
            }
            let mut expects_error = false;
            if let Some(e) = body.get("expect") {
                let text = serde_yaml::to_string(e)
                    .unwrap_or_default()
                    .replace(' ', "");
                // `check: {($error != null): true}` alone (with or without a `match`
                // on the applied object) is "the API refuses it", any reason: exactly
                // kdrill's `expect: {error: {}}`
                let only_error = e.as_sequence().is_some_and(|list| {
                    list.iter().all(|x| {
                        x.get("check").and_then(Value::as_mapping).is_some_and(|c| {
                            c.len() == 1
                                && c.iter().all(|(k, v)| {
                                    k.as_str().map(|k| k.replace(' ', ""))
                                        == Some("($error!=null)".into())
                                        && v.as_bool() == Some(true)
                                })
                        })
                    })
                });
                if only_error {
                    expects_error = true;
                    ctx.acc(&["expect"], Fate::Converted);
                } else if text.contains("$error!=null") {
                    expects_error = true;
                    ctx.note_at(&["expect"], format!("`{kind}` expected to fail (`$error != null`) with more checks: kdrill expects an API error of any reason; the other checks are not converted"));
                } else {
                    ctx.note_at(&["expect"], format!("`{kind}` with `expect` checks on the applied object: not converted; add an `assert` step"));
                }
            }
            if body.get("outputs").is_some() {
                ctx.note_at(&["outputs"], format!("`outputs` of `{kind}`: kdrill saves from a `get` or `command` step; not converted"));
            }
            let docs = ctx.docs(body);
            let folded: Vec<Value> = docs.iter().map(|(at, d)| ctx.fold_values(d, at)).collect();
            let unchanged = docs.iter().map(|(_, d)| d).eq(folded.iter());
            let source = match ctx.file_of(body) {
                Some(f) => {
                    let raw = std::fs::read_to_string(ctx.dir.join(&f)).ok();
                    match raw {
                        // nothing to fold or escape: the file as written, comments and all
                        Some(text)
                            if unchanged
                                && !text.contains("${")
                                && !ctx
                                    .fixed_ns
                                    .as_ref()
                                    .is_some_and(|n| text.contains(n.as_str())) =>
                        {
                            if !ctx.files.iter().any(|(n, _)| *n == f) {
                                ctx.files.push((f.clone(), text));
                            }
                        }
                        _ => ctx.keep_file(&f, &folded),
                    }
                    ("file", s(&f))
                }
                None => ("manifest", folded.into_iter().next().unwrap_or(Value::Null)),
            };
            let mut step = vec![("apply", map(vec![("mode", s(mode)), source]))];
            if expects_error {
                step.push(("expect", map(vec![("error", map(vec![]))])));
            }
            vec![with_timeout(step, timeout_for(ctx, "apply"))]
        }
        "patch" => {
            let subresource = str_of(body, "subresource").map(str::to_string);
            if subresource.is_some() {
                ctx.acc(&["subresource"], Fate::Converted);
            }
            let docs = ctx.docs(body);
            docs.iter()
                .filter_map(|(at, d)| {
                    let d = ctx.fold_values(d, at);
                    let target = format!("{}/{}", kind_of(&d)?, name_of(&d)?);
                    let mut p = d.clone();
                    if let Value::Mapping(m) = &mut p {
                        m.remove("apiVersion");
                        m.remove("kind");
                    }
                    let mut spec = vec![("object", s(&target)), ("type", s("merge")), ("patch", p)];
                    if let Some(sub) = &subresource {
                        spec.push(("subresource", s(sub)));
                    }
                    Some(with_timeout(
                        vec![("patch", map(spec))],
                        timeout_for(ctx, "apply"),
                    ))
                })
                .collect()
        }
        "assert" | "error" => {
            if body.get("template").is_some() {
                ctx.acc(&["template"], Fate::Converted);
            }
            let t = timeout_for(ctx, kind);
            let docs = ctx.docs(body);
            let mut out = Vec::new();
            for (at, d) in &docs {
                if d.get("apiVersion").is_none() || d.get("kind").is_none() {
                    if let Some(st) = saved_assert(ctx, kind, d, t.as_deref()) {
                        ctx.ledger
                            .account(&at.file, at.doc, &at.path, Fate::Converted);
                        out.push(st);
                    } else {
                        ctx.note_place(at, true, format!("`{kind}` on a value that is not an object (a binding, an output): not converted; check it with a `command`"));
                    }
                    continue;
                }
                ctx.exprs.clear();
                let clean = ctx.without_expressions(d, at, Some("self"));
                if name_of(&clean).is_some_and(|n| n.contains("($")) {
                    // its name is only known when the test runs: listed by the fold
                    continue;
                }
                let Some(mut step) = assert_step(&clean, kind == "error", t.as_deref()) else {
                    continue;
                };
                if !ctx.exprs.is_empty() {
                    let e = ctx.exprs.join(" && ");
                    if let Some(Value::Mapping(a)) = step.get_mut("assert") {
                        a.insert(s("expr"), s(&e));
                    }
                }
                out.push(step);
            }
            out
        }
        "delete" => {
            let t = timeout_for(ctx, "delete");
            let mut refs: Vec<Value> = Vec::new();
            match body.get("ref") {
                Some(r) => {
                    ctx.acc(&["ref"], Fate::Converted);
                    let at = ctx.at.child("ref");
                    refs.push(ctx.fold_values(r, &at));
                }
                None => {
                    for (at, d) in ctx.docs(body) {
                        refs.push(ctx.fold_values(&d, &at));
                    }
                }
            }
            let propagation = str_of(body, "deletionPropagationPolicy").map(str::to_string);
            if propagation.is_some() {
                ctx.acc(&["deletionPropagationPolicy"], Fate::Converted);
            }
            refs.iter()
                // a name only known when the test runs was listed by the fold
                .filter(|r| {
                    !str_of(r, "name")
                        .or_else(|| name_of(r))
                        .is_some_and(|n| n.contains("($"))
                })
                .filter_map(|r| {
                    let mut del = delete_target(r)?;
                    let ns = str_of(r, "namespace")
                        .or_else(|| r.get("metadata").and_then(|m| str_of(m, "namespace")));
                    if let Some(ns) = ns {
                        del.push(("namespace", s(ns)));
                    }
                    if let Some(p) = &propagation {
                        del.push(("propagation", s(p)));
                    }
                    // Chainsaw's delete accepts an object that is already gone
                    del.push(("ignoreNotFound", Value::Bool(true)));
                    Some(with_timeout(vec![("delete", map(del))], t.clone()))
                })
                .collect()
        }
        "script" | "command" => {
            let run = if kind == "script" {
                ctx.acc(&["content"], Fate::Converted);
                s(str_of(body, "content").unwrap_or_default())
            } else {
                ctx.acc(&["entrypoint"], Fate::Converted);
                ctx.acc(&["args"], Fate::Converted);
                let mut argv = vec![str_of(body, "entrypoint").unwrap_or_default().to_string()];
                argv.extend(
                    body.get("args")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .filter_map(|a| match a {
                            Value::String(t) => Some(t.clone()),
                            Value::Number(n) => Some(n.to_string()),
                            Value::Bool(b) => Some(b.to_string()),
                            _ => None,
                        }),
                );
                if argv.iter().any(|a| a.contains('$')) {
                    // Chainsaw expands `$NAMESPACE` and its env in the argv itself: a
                    // shell line with the same expansion
                    s(&argv
                        .iter()
                        .map(|a| super::shell::word(&super::shell::expand_parts(a)))
                        .collect::<Vec<_>>()
                        .join(" "))
                } else {
                    Value::Sequence(argv.iter().map(|a| s(a)).collect())
                }
            };
            // files the script names travel with the test
            if let Some(text) = run.as_str() {
                super::copy_referenced(
                    text,
                    ctx.dir,
                    std::path::Path::new(""),
                    ctx.files,
                    ctx.ledger,
                );
            }
            let mut cmd = vec![("run", run)];
            if let Some(env) = body.get("env").and_then(Value::as_sequence) {
                let mut vars = Vec::new();
                for (i, e) in env.iter().enumerate() {
                    let (Some(n), Some(v)) = (str_of(e, "name"), e.get("value")) else {
                        continue;
                    };
                    let at = ctx.at.child("env").child(&format!("[{i}]"));
                    let folded = ctx.fold_values(v, &at);
                    match folded {
                        Value::String(t) if jmespath::expression_of(&t).is_none() => {
                            ctx.ledger
                                .account(&at.file, at.doc, &at.path, Fate::Converted);
                            vars.push((n.to_string(), s(&t)));
                        }
                        Value::Number(_) | Value::Bool(_) => {
                            ctx.ledger
                                .account(&at.file, at.doc, &at.path, Fate::Converted);
                            let t = serde_yaml::to_string(&folded).unwrap_or_default();
                            vars.push((n.to_string(), s(t.trim())));
                        }
                        _ => {}
                    }
                }
                ctx.ledger.account_key(
                    &ctx.at.file,
                    ctx.at.doc,
                    &ctx.at.child("env").path,
                    Fate::Converted,
                );
                if !vars.is_empty() {
                    cmd.push((
                        "env",
                        Value::Mapping(vars.into_iter().map(|(k, v)| (s(&k), v)).collect()),
                    ));
                }
            }
            let mut step = vec![("command", map(cmd))];
            let mut save = Vec::new();
            for (i, o) in body
                .get("outputs")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let here = ctx.at.child("outputs").child(&format!("[{i}]"));
                let name = str_of(o, "name").unwrap_or_default();
                let value = str_of(o, "value").unwrap_or_default().replace(' ', "");
                let source = match value.as_str() {
                    "($stdout)" | "(json_parse($stdout))" => Some("stdout"),
                    "($stderr)" | "(json_parse($stderr))" => Some("stderr"),
                    _ => None,
                };
                match source {
                    Some(src) if crate::vars::check_name(name).is_ok() => {
                        ctx.ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
                        save.push((s(name), s(src)));
                        ctx.outputs.push(name.to_string());
                    }
                    _ => ctx.note_place(&here, true, format!("the output `{name}` ({value}) is not the command's output as it is: not converted")),
                }
            }
            if body.get("outputs").is_some() {
                ctx.ledger.account_key(
                    &ctx.at.file,
                    ctx.at.doc,
                    &ctx.at.child("outputs").path,
                    Fate::Converted,
                );
            }
            if !save.is_empty() {
                step.push(("save", Value::Mapping(save.into_iter().collect())));
            }
            if let Some(check) = body.get("check").and_then(Value::as_mapping) {
                ctx.acc(&["check"], Fate::Converted);
                let mut expect = Vec::new();
                // text rules of each stream: `contains`, `equals`, `regex`, `json`
                let mut rules: [Vec<(&str, Value)>; 2] = [Vec::new(), Vec::new()];
                let mut contains: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
                let mut error_key = false;
                let mut must_fail = false;
                for (k, v) in check {
                    let k = k.as_str().unwrap_or_default();
                    let truth = v.as_bool() == Some(true);
                    let compact = k.replace(' ', "");
                    let stream = |name: &str| match name {
                        "stdout" => Some(0),
                        "stderr" => Some(1),
                        _ => None,
                    };
                    let plain_text = match v {
                        Value::String(t) if jmespath::expression_of(t).is_none() => Some(t.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    };
                    if compact == "($error!=null)" && truth {
                        // any non-zero exit: the script negated by the shell (`! (...)`)
                        error_key = true;
                        must_fail = true;
                    } else if (compact == "($error==null)" && truth)
                        || (compact == "($error)" && v.is_null())
                    {
                        error_key = true;
                    } else if let Some((which, inner)) =
                        ["stdout", "stderr"].iter().find_map(|st| {
                            k.strip_prefix(&format!("(contains(${st}, '"))
                                .and_then(|r| r.strip_suffix("'))"))
                                .filter(|_| truth)
                                .map(|i| (stream(st), i))
                        })
                    {
                        if let Some(i) = which {
                            contains[i].push(s(inner));
                        }
                    } else if let (Some(i), Some(t)) = (
                        compact
                            .strip_prefix("($")
                            .and_then(|r| r.strip_suffix(')'))
                            .and_then(stream),
                        plain_text.clone(),
                    ) {
                        // `($stdout): text`: the whole output
                        rules[i].push(("equals", s(&t)));
                    } else if let (Some(i), Some(t)) = (
                        compact
                            .strip_prefix("(trim_space($")
                            .and_then(|r| r.strip_suffix("))"))
                            .and_then(stream),
                        plain_text,
                    ) {
                        rules[i].push(("regex", s(&format!("^\\s*{}\\s*$", regex::escape(&t)))));
                    } else if let (Some(i), Value::Mapping(_)) = (
                        compact
                            .strip_prefix("(json_parse($")
                            .and_then(|r| r.strip_suffix("))"))
                            .and_then(stream),
                        v,
                    ) {
                        // a partial object, matched as `assert` matches
                        let at = ctx.at.child("check").child(k);
                        let folded = ctx.fold_values(v, &at);
                        rules[i].push(("json", folded));
                    } else {
                        ctx.note_at(&["check", k], format!("the check `{k}` is a JMESPath expression: not converted; write it as `expect.stdout` / `expect.stderr` rules"));
                    }
                }
                // without an `$error` key Chainsaw's check replaces "the command must
                // succeed": any exit code is fine, the output rules still hold. A
                // subshell keeps the script's own `exit` from ending the wrapper.
                let wrap = if must_fail {
                    Some(("! (\n", "\n)\n"))
                } else if !error_key {
                    Some(("(\n", "\n) || :\n"))
                } else {
                    None
                };
                if let Some((pre, post)) = wrap {
                    if let Some(Value::Mapping(c)) = step.first_mut().map(|(_, v)| v) {
                        let text = match c.get("run") {
                            Some(Value::String(t)) => Some(t.clone()),
                            Some(Value::Sequence(argv)) => Some(
                                argv.iter()
                                    .filter_map(Value::as_str)
                                    .map(super::shell::quote)
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ),
                            _ => None,
                        };
                        if let Some(t) = text {
                            c.insert(s("run"), s(&format!("{pre}{}{post}", t.trim_end())));
                        }
                    }
                }
                for (i, name) in ["stdout", "stderr"].into_iter().enumerate() {
                    let mut r = std::mem::take(&mut rules[i]);
                    if !contains[i].is_empty() {
                        r.push((
                            "contains",
                            Value::Sequence(std::mem::take(&mut contains[i])),
                        ));
                    }
                    if !r.is_empty() {
                        expect.push((name, map(r)));
                    }
                }
                if !expect.is_empty() {
                    step.push(("expect", map(expect)));
                }
            }
            vec![with_timeout(step, timeout_for(ctx, "exec"))]
        }
        "sleep" => {
            ctx.acc(&["duration"], Fate::Converted);
            let d = body
                .get("duration")
                .and_then(duration)
                .unwrap_or("1s".into());
            vec![map(vec![("sleep", s(&d))])]
        }
        "wait" => {
            let Some(k) = kind_of(body) else {
                ctx.note_at(&[], "`wait` without apiVersion/kind: not converted");
                return Vec::new();
            };
            for key in ["apiVersion", "kind"] {
                ctx.acc(&[key], Fate::Converted);
            }
            let target = match str_of(body, "name") {
                Some(n) => {
                    ctx.acc(&["name"], Fate::Converted);
                    vec![("for", s(&format!("{k}/{n}")))]
                }
                None => match body.get("selector").and_then(Value::as_str) {
                    Some(sel) => {
                        ctx.acc(&["selector"], Fate::Converted);
                        vec![("kind", s(&k)), ("selector", s(sel))]
                    }
                    None => {
                        ctx.note_at(&[], "`wait` on a whole kind without selector: kdrill waits on a name or a label selector; not converted");
                        return Vec::new();
                    }
                },
            };
            let until = match body.get("for") {
                Some(f) if f.get("deletion").is_some() => {
                    ctx.acc(&["for"], Fate::Converted);
                    map(vec![("deleted", Value::Bool(true))])
                }
                Some(f) => match f.get("condition") {
                    Some(c) => {
                        ctx.acc(&["for"], Fate::Converted);
                        let name = str_of(c, "name").unwrap_or("Ready");
                        let value = c.get("value").map_or("True".to_string(), |v| match v {
                            Value::String(t) => t.clone(),
                            other => serde_yaml::to_string(other)
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                        });
                        let value = if value.eq_ignore_ascii_case("true") {
                            "True".into()
                        } else if value.eq_ignore_ascii_case("false") {
                            "False".into()
                        } else {
                            value
                        };
                        map(vec![("condition", s(&format!("{name}={value}")))])
                    }
                    None => {
                        ctx.note_at(&[], "`wait` for a JSONPath value: kdrill waits with `until.matches` (a partial object); not converted");
                        return Vec::new();
                    }
                },
                None => map(vec![]),
            };
            let mut w = target;
            w.push(("until", until));
            if let Some(ns) = str_of(body, "namespace") {
                ctx.acc(&["namespace"], Fate::Converted);
                w.push(("namespace", s(ns)));
            }
            // Chainsaw's wait has no default of its own: the test's assert timeout
            vec![with_timeout(
                vec![("wait", map(w))],
                timeout_for(ctx, "assert"),
            )]
        }
        "podLogs" => {
            let mut l = Vec::new();
            match (str_of(body, "name"), str_of(body, "selector")) {
                (Some(n), _) => {
                    ctx.acc(&["name"], Fate::Converted);
                    l.push(("pod", s(n)));
                }
                (None, Some(sel)) => {
                    ctx.acc(&["selector"], Fate::Converted);
                    l.push(("selector", s(sel)));
                }
                _ => {
                    ctx.note_at(&[], "`podLogs` of every pod: kdrill reads one pod's log (by name or selector); the evidence of a failed step already shows log tails");
                    return Vec::new();
                }
            }
            if let Some(c) = str_of(body, "container") {
                ctx.acc(&["container"], Fate::Converted);
                l.push(("container", s(c)));
            }
            if let Some(n) = body.get("tail").and_then(Value::as_i64) {
                ctx.acc(&["tail"], Fate::Converted);
                l.push(("tailLines", Value::Number(n.into())));
            }
            // Chainsaw's collectors (podLogs, events, describe, get) never fail a test
            vec![map(vec![
                ("logs", map(l)),
                ("allowFailure", Value::Bool(true)),
            ])]
        }
        "events" => vec![map(vec![
            ("get", map(vec![("kind", s("events"))])),
            ("allowFailure", Value::Bool(true)),
        ])],
        "describe" | "get" => {
            let Some(k) = kind_of(body) else {
                ctx.note_at(
                    &[],
                    format!("`{kind}` without apiVersion/kind: not converted"),
                );
                return Vec::new();
            };
            for key in ["apiVersion", "kind"] {
                ctx.acc(&[key], Fate::Converted);
            }
            let mut g = vec![("kind", s(&k))];
            if let Some(n) = str_of(body, "name") {
                ctx.acc(&["name"], Fate::Converted);
                g.push(("name", s(n)));
            }
            if kind == "describe" {
                ctx.note_at(
                    &[],
                    "`describe`: kdrill shows the object as YAML (`get ... output: yaml`) instead",
                );
                g.push(("output", s("yaml")));
            } else if let Some(f) = str_of(body, "format") {
                // Chainsaw prints json or yaml; kdrill's nearest is yaml
                ctx.acc(&["format"], Fate::Converted);
                g.push((
                    "output",
                    s(if f == "json" || f == "yaml" {
                        "yaml"
                    } else {
                        "table"
                    }),
                ));
            }
            vec![map(vec![
                ("get", map(g)),
                ("allowFailure", Value::Bool(true)),
            ])]
        }
        other => {
            ctx.note_at(
                &[],
                format!(
                    "the operation `{other}` has no kdrill equivalent: not converted ({})",
                    serde_yaml::to_string(op)
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or_default()
                ),
            );
            Vec::new()
        }
    }
}
