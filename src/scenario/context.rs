//! What loading a file needs all along the way: where errors go and how a value
//! that does not deserialize becomes a positioned error. Its own module so that
//! template expansion and step lowering, which recurse through each other, share it
//! without importing each other: `load` hands its step lowering in as `Ctx::lower`.

use super::format::STEP_FIELDS;
use super::positions::{Pos, PosIndex};
use super::{Location, Section, Step};
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// One problem in one scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// All problems found while loading.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
    pub(super) index: &'a PosIndex,
    pub(super) errors: Vec<LoadError>,
    /// Lowers one plain step (no `use`, no `forEach`) found at a path: given by
    /// `load`, called back by template expansion.
    pub(super) lower: LowerStep,
}

/// The signature of [`Ctx::lower`]: section, path, step number, raw step.
pub(super) type LowerStep =
    fn(&mut Ctx<'_>, Section, &str, usize, serde_yaml::Value) -> Option<Step>;

impl Ctx<'_> {
    pub(super) fn at(&self, pos: Pos) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: pos.line,
            col: pos.col,
        }
    }
    pub(super) fn push(&mut self, path: &str, message: impl Into<String>) {
        let location = self.at(self.index.find(path));
        self.errors.push(LoadError {
            location,
            message: message.into(),
        });
    }
    /// Deserialize `value` (found at `base`), turning a failure into a positioned error.
    pub(super) fn de<T: for<'de> Deserialize<'de>>(
        &mut self,
        base: &str,
        value: serde_yaml::Value,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(base, &e);
                None
            }
        }
    }

    /// A positioned error for a value that did not deserialize (found at `base`).
    pub(super) fn report(&mut self, base: &str, e: &serde_path_to_error::Error<serde_yaml::Error>) {
        {
            {
                let mut path = base.to_string();
                for seg in e.path().iter() {
                    use serde_path_to_error::Segment;
                    match seg {
                        Segment::Seq { index } => path.push_str(&format!("[{index}]")),
                        Segment::Map { key } | Segment::Enum { variant: key } => {
                            if !path.is_empty() {
                                path.push('.');
                            }
                            path.push_str(key);
                        }
                        Segment::Unknown => {}
                    }
                }
                let msg = clean_serde_message(&e.inner().to_string());
                // unknown fields are reported at the key itself
                let unknown = unknown_field(&msg).map(str::to_string);
                let path = match &unknown {
                    Some(k) if !path.ends_with(k.as_str()) => format!("{path}.{k}"),
                    _ => path,
                };
                // `wait: {for: x, timeout: 1m}` is the likeliest slip: say where it goes
                let msg = match unknown {
                    Some(k)
                        if STEP_FIELDS.contains(&k.as_str()) && path.matches('.').count() >= 2 =>
                    {
                        format!("{msg}; `{k}` belongs to the step, beside the action (at the same indentation as the step kind)")
                    }
                    _ => msg,
                };
                self.push(&path, msg);
            }
        }
    }
}

fn unknown_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// serde's messages are good but speak Rust: make them speak YAML.
fn clean_serde_message(msg: &str) -> String {
    msg.replace("struct StepCommon", "step")
        .replace("struct RawScenario", "scenario")
        .replace("an option", "a value")
}
