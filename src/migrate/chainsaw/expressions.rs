//! An assertion's partial object with Chainsaw's JMESPath keys (`(length(x)): 2`,
//! `~.(list)`): the keys become CEL on the asserted object where the translation is
//! mechanical, and are listed with the reason where it is not.

use super::ctx::Ctx;
use super::Place;
use crate::migrate::jmespath::{self, JError};
use crate::wait::expr::ExprError;
use serde_yaml::Value;

/// Why an assertion key has no mechanical CEL form; the text completes the note
/// "the assertion `KEY` ...: not converted".
#[derive(Debug, thiserror::Error)]
pub(super) enum Untranslated {
    #[error("is inside a list")]
    InsideList,
    #[error("is inside a list (kdrill matches list elements in order)")]
    InsideListOrdered,
    #[error("names no expression")]
    NoExpression,
    #[error("checks nothing")]
    ChecksNothing,
    #[error("is not a partial object")]
    NotPartial,
    #[error("has a key that is not text")]
    KeyNotText,
    #[error("compares `{0}` with a list or an expression")]
    FieldNotComparable(String),
    #[error("compares with a list of lists or expressions")]
    NestedList,
    #[error("compares with a value it cannot translate")]
    Value,
    #[error("{0}")]
    JmesPath(#[from] JError),
    #[error("translates to `{cel}`, which is not valid CEL ({error})")]
    InvalidCel { cel: String, error: ExprError },
}

/// `c` if kdrill's CEL compiles it.
fn compiles(c: String) -> Result<String, Untranslated> {
    match crate::wait::Expr::parse(&c) {
        Ok(_) => Ok(c),
        Err(error) => Err(Untranslated::InvalidCel { cel: c, error }),
    }
}

impl Ctx<'_> {
    /// The partial object of an assertion: JMESPath keys (`(length(x)): 2`) become CEL
    /// in `self.exprs` where the translation is mechanical, else are listed; values
    /// are folded. `cel` is the CEL of the current node (None inside lists).
    pub(super) fn without_expressions(
        &mut self,
        v: &Value,
        at: &Place,
        cel: Option<&str>,
    ) -> Value {
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
    pub(super) fn each_to_cel(
        &self,
        key: &str,
        value: &Value,
        cel: Option<&str>,
    ) -> Result<String, Untranslated> {
        let cur = cel.ok_or(Untranslated::InsideList)?;
        let rest = key.trim_start_matches('~');
        let rest = rest.split_once('.').map_or(rest, |(_, r)| r);
        let e = jmespath::expression_of(rest).ok_or(Untranslated::NoExpression)?;
        let j = jmespath::parse(e)?;
        let cx = jmespath::Cx {
            scope: &self.scope,
            depth: 0,
        };
        let list = jmespath::to_cel(&j, cur, &cx)?;
        let var = format!("e{}", cur.matches(".all(").count());
        let conds = self.partial_to_cel(value, &var)?;
        if conds.is_empty() {
            return Err(Untranslated::ChecksNothing);
        }
        let c = format!("{list}.all({var}, {})", conds.join(" && "));
        compiles(c)
    }

    /// A partial object on the node `cur` as CEL conditions: plain values compared,
    /// maps followed, JMESPath keys translated; lists are not (element order).
    pub(super) fn partial_to_cel(&self, v: &Value, cur: &str) -> Result<Vec<String>, Untranslated> {
        let Value::Mapping(m) = v else {
            return Err(Untranslated::NotPartial);
        };
        let mut out = Vec::new();
        for (k, val) in m {
            let key = k.as_str().ok_or(Untranslated::KeyNotText)?;
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
                _ => return Err(Untranslated::FieldNotComparable(key.to_string())),
            }
        }
        Ok(out)
    }

    /// `c` if it compiles as CEL.
    pub(super) fn valid(&self, c: String) -> Result<String, Untranslated> {
        if c.is_empty() {
            return Err(Untranslated::ChecksNothing);
        }
        compiles(c)
    }

    /// `(expr): value` on the node `cel` as one CEL condition.
    pub(super) fn key_to_cel(
        &self,
        e: &str,
        value: &Value,
        cel: Option<&str>,
    ) -> Result<String, Untranslated> {
        let Some(cur) = cel else {
            return Err(Untranslated::InsideListOrdered);
        };
        let j = jmespath::parse(e)?;
        let cx = jmespath::Cx {
            scope: &self.scope,
            depth: 0,
        };
        let left = jmespath::to_cel(&j, cur, &cx)?;
        let right = match value {
            Value::String(t) => match jmespath::expression_of(t) {
                Some(inner) => {
                    let r = jmespath::parse(inner)?;
                    jmespath::to_cel(&r, cur, &cx)?
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
                        _ => return Err(Untranslated::NestedList),
                    }
                }
                return self.valid(conds.join(" && "));
            }
            _ => return Err(Untranslated::Value),
        };
        let c = format!("{left} == {right}");
        compiles(c)
    }
}
