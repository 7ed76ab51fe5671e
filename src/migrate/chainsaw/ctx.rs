//! The context of one operation: where its notes point, how its keys are accounted
//! for in the ledger, the documents it names, and Chainsaw's expressions in them
//! folded at migration time.

use super::Place;
use crate::import::translate::s;
use crate::migrate::jmespath::{self, Known, Scope};
use crate::migrate::ledger::{Fate, Ledger};
use crate::migrate::{documents, duration, str_of, Note};
use serde_yaml::Value;
use std::path::Path;

/// Where notes point (the test file and the line of the operation) and where the
/// operation's keys are accounted for.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
    pub(super) dir: &'a Path,
    pub(super) line: usize,
    pub(super) notes: &'a mut Vec<Note>,
    pub(super) files: &'a mut Vec<(String, String)>,
    pub(super) timeouts: Option<&'a Value>,
    pub(super) ledger: &'a mut Ledger,
    /// The operation's body (`spec.steps.[0].try.[1].apply`) in the test file.
    pub(super) at: Place,
    /// The bindings in scope, as known at migration time.
    pub(super) scope: Scope,
    /// CEL collected from JMESPath keys while an assertion's document is cleaned.
    pub(super) exprs: Vec<String>,
    /// What the operation outputs (Chainsaw `outputs`): a variable it saves, or an
    /// object it applied.
    pub(super) outputs: Vec<(String, Known)>,
    /// The test's `spec.namespace`: the scenario's own namespace stands for it.
    pub(super) fixed_ns: Option<String>,
    /// The scenario's computed variables (name, CEL): values only known when it
    /// starts (the server's version) are computed there.
    pub(super) test_vars: &'a mut Vec<(String, String)>,
}

impl Ctx<'_> {
    pub(super) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(Note {
            file: self.file.to_path_buf(),
            line: self.line,
            text: text.into(),
        });
    }

    /// Account for a key of the operation's body (and all below it).
    pub(super) fn acc(&mut self, rel: &[&str], fate: Fate) {
        let mut path = self.at.path.clone();
        path.extend(rel.iter().map(|k| k.to_string()));
        self.ledger.account(&self.at.file, self.at.doc, &path, fate);
    }

    /// A note about a key of the body, which is then listed, not converted.
    pub(super) fn note_at(&mut self, rel: &[&str], text: impl Into<String>) {
        self.note(text);
        self.acc(rel, Fate::Listed);
        if rel.is_empty() {
            // a note on the operation as a whole: its keyword is what is listed
            self.ledger
                .account_key(&self.at.file, self.at.doc, &self.at.path, Fate::Listed);
        }
    }

    pub(super) fn note_place(&mut self, at: &Place, line_hint: bool, text: impl Into<String>) {
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
    pub(super) fn timeout(&self, kind: &str) -> Option<String> {
        self.timeouts.and_then(|t| t.get(kind)).and_then(duration)
    }

    /// The documents an operation names, each with its place: its `file` (copied
    /// beside the scenario, with its expressions folded) or its inline `resource`.
    /// The `file` an operation names, its expression (`($manifest)`) evaluated.
    pub(super) fn file_of(&self, op: &Value) -> Option<String> {
        let f = str_of(op, "file")?;
        match jmespath::expression_of(f) {
            Some(e) => match self.fold_text(e) {
                Some(Value::String(t)) => Some(t),
                _ => None,
            },
            None => Some(f.to_string()),
        }
    }

    pub(super) fn docs(&mut self, op: &Value) -> Vec<(Place, Value)> {
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
    pub(super) fn local(&self, mut v: Value) -> Value {
        if let (Some(ns), Some(Value::Mapping(meta))) = (&self.fixed_ns, v.get_mut("metadata")) {
            if meta.get("namespace").and_then(Value::as_str) == Some(ns.as_str()) {
                meta.remove("namespace");
            }
        }
        v
    }

    /// Write the documents of a `file` beside the scenario (folded, so `($x)` became
    /// its value); the name the scenario uses.
    pub(super) fn keep_file(&mut self, f: &str, docs: &[Value]) {
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
    pub(super) fn fold_values(&mut self, v: &Value, at: &Place) -> Value {
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
                    None => match self.start_value(e, at) {
                        Ok(v) => v,
                        Err(why) => {
                            self.note_place(at, true, format!("the value `{t}` is a Chainsaw expression that cannot be computed before the test starts ({why}): left as written"));
                            v.clone()
                        }
                    },
                },
                None => s(&jmespath::escape_vars(t)),
            },
            other => other.clone(),
        }
    }

    /// A value the scenario computes when it starts (`(($minor >= `30` && 'ga') ||
    /// 'beta')`): a computed variable named after the key it is the value of, and
    /// the value `${NAME}`; why not, when the expression reads more than that.
    fn start_value(&mut self, e: &str, at: &Place) -> Result<Value, jmespath::JError> {
        let j = jmespath::parse(e)?;
        let cel = jmespath::start_cel(&j, &self.scope)?;
        let key = at
            .path
            .iter()
            .rev()
            .find(|k| !k.starts_with('['))
            .map_or("value", String::as_str);
        let var = crate::migrate::computed_var(self.test_vars, key, &cel);
        Ok(s(&format!("${{{var}}}")))
    }

    /// An expression's value at migration time, as YAML.
    pub(super) fn fold_text(&self, e: &str) -> Option<Value> {
        let j = jmespath::parse(e).ok()?;
        match jmespath::fold(&j, &self.scope).ok()?? {
            Known::Json(v) => serde_yaml::to_value(v).ok(),
            k => k.text().map(|t| s(&t)),
        }
    }
}
