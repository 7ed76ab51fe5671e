//! Chainsaw's bindings (test, step, operation, a template's defaults and `with`) folded
//! into the scope at migration time, and step templates (`use:`) inlined.

use super::{sections, Env, Place};
use crate::import::translate::{map, s};
use crate::migrate::jmespath::{self, Known, Scope};
use crate::migrate::ledger::{Fate, Ledger};
use crate::migrate::{documents, str_of, Note, Test};
use serde_yaml::Value;
use std::path::Path;

/// Chainsaw bindings (`[{name, value}]`) added to `scope`: values known before the test
/// runs are folded; text only the running scenario knows (string functions of the
/// namespace) is computed by a step pushed to `computed`, which saves it; the rest
/// are listed.
pub(super) fn bind(
    list: Option<&Value>,
    scope: &mut Scope,
    at: &Place,
    ledger: &mut Ledger,
    notes: &mut Vec<Note>,
    computed: &mut Vec<Value>,
    test: &mut Test,
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
        let shell = match (&known, b.get("value")) {
            (None, Some(Value::String(t))) if crate::vars::check_name(name).is_ok() => {
                jmespath::expression_of(t)
                    .and_then(|e| jmespath::parse(e).ok())
                    .and_then(|j| jmespath::to_shell(&j, scope))
            }
            _ => None,
        };
        // neither a constant nor text: a value the scenario computes when it starts
        // (the server's version, a number, a choice), as a computed variable
        let cel = match (&known, &shell, b.get("value")) {
            (None, None, Some(Value::String(t))) => jmespath::expression_of(t)
                .and_then(|e| jmespath::parse(e).ok())
                .and_then(|j| jmespath::start_cel(&j, scope).ok()),
            _ => None,
        };
        match (known, shell) {
            (None, None) if cel.is_some() => {
                let cel = cel.unwrap_or_default();
                let var = crate::migrate::computed_var(&mut test.vars, name, &cel);
                scope.insert(name.to_string(), Known::Cel { var, cel });
                ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
            }
            (Some(k), _) => {
                scope.insert(name.to_string(), k);
                ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
            }
            (None, Some(sh)) => {
                computed.push(map(vec![
                    (
                        "command",
                        map(vec![("run", s(&format!("printf '%s' \"{sh}\"")))]),
                    ),
                    ("save", map(vec![(name, s("stdout"))])),
                ]));
                scope.insert(name.to_string(), Known::Saved(name.to_string()));
                ledger.account(&here.file, here.doc, &here.path, Fate::Converted);
            }
            (None, None) => {
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

/// `use: {template: FILE, with: {bindings}}`: the StepTemplate's operations inlined,
/// with its own bindings as defaults that `with.bindings` override. Its `file`s are
/// read from the calling test's directory, as Chainsaw does.
pub(super) fn use_template(env: &mut Env<'_>, u: &Value, at: &Place, scope: &mut Scope) {
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
    let mut computed = Vec::new();
    bind(
        spec.get("bindings"),
        &mut tscope,
        &tpl_at.child("spec").child("bindings"),
        env.ledger,
        env.notes,
        &mut computed,
        env.test,
    );
    if let Some(w) = u.get("with") {
        key(env.ledger, &at.child("with"));
        bind(
            w.get("bindings"),
            &mut tscope,
            &at.child("with").child("bindings"),
            env.ledger,
            env.notes,
            &mut computed,
            env.test,
        );
    }
    env.test.steps.extend(computed);
    sections(env, &spec, &tpl_at.child("spec"), &mut tscope);
    for (k, v) in tscope {
        if matches!(v, Known::Saved(_) | Known::Cel { .. }) {
            scope.insert(k, v);
        }
    }
}
