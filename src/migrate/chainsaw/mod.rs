//! Reading Kyverno Chainsaw tests: `chainsaw-test.yaml` files (`kind: Test`) whose
//! steps have `try`, `catch`, `finally` and `cleanup` operations. kdrill has catch and
//! finally per scenario, so each step's catch/finally/cleanup operations join the
//! scenario's (in order).
//!
//! This module walks tests and steps; `bindings` folds bindings and inlines step
//! templates, `operation` converts one operation (`script` and `collectors` the
//! host and evidence ones) in the context of `ctx`, and `expressions` turns the
//! JMESPath keys of assertions into CEL, listing what has no mechanical form.

mod bindings;
mod collectors;
mod ctx;
mod expressions;
mod operation;
mod script;

use super::jmespath::{Known, Part, Scope};
use super::ledger::{Fate, Ledger};
use super::{documents, input_error, str_of, MigrateError, Migration, Note, Test};
use crate::import::translate::{map, s};
use bindings::{bind, use_template};
use ctx::Ctx;
use operation::operation;
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
    let mut computed = Vec::new();
    bind(
        spec.get("bindings"),
        &mut scope,
        &at.child("spec").child("bindings"),
        ledger,
        notes,
        &mut computed,
        &mut t,
    );
    t.steps.extend(computed);
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
        let mut computed = Vec::new();
        bind(
            step.get("bindings"),
            &mut step_scope,
            &step_at.child("bindings"),
            env.ledger,
            env.notes,
            &mut computed,
            env.test,
        );
        env.test.steps.extend(computed);
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
            if matches!(v, Known::Saved(_) | Known::Cel { .. }) {
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
            let mut computed = Vec::new();
            bind(
                body.get("bindings"),
                &mut op_scope,
                &op_at.child(kind).child("bindings"),
                env.ledger,
                env.notes,
                &mut computed,
                env.test,
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
                test_vars: &mut env.test.vars,
            };
            let mut steps = computed;
            steps.extend(operation(&mut ctx, kind, &body, op));
            // what an operation outputs, the operations and steps after it see
            for (name, k) in std::mem::take(&mut ctx.outputs) {
                scope.insert(name, k);
            }
            match target {
                0 => env.test.steps.extend(steps),
                1 => env.test.catch.extend(steps),
                _ => env.test.finally.extend(steps),
            }
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

/// A step with its timeout: the operation's own, else the test's for its kind, else
/// Chainsaw's default for its kind (apply 5 s, assert/error 30 s, delete 15 s, exec 5 s).
fn with_timeout(mut step: Vec<(&str, Value)>, t: Option<String>) -> Value {
    if let Some(t) = t {
        step.push(("timeout", s(&t)));
    }
    map(step)
}
