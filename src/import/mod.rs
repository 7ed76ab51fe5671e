//! `kdrill import POST.md`: a first draft of a scenario from a markdown tutorial.
//!
//! The post is read by the transcript grammar ([`transcript`]: every line of every code
//! block gets a role), its commands are translated into typed steps ([`translate`]),
//! and the draft is written: the scenario, its manifests, the post's outputs as the
//! first snapshots, and `IMPORT.md`, which lists every TODO (the post's line, the
//! command, why, what to do) and accounts for every line of every code block. That
//! accounting is checked: an import that would leave a line unexplained fails.
//! Import never fetches anything: a linked gist becomes a marked TODO file.

pub mod blocks;
pub mod draft;
mod import_md;
pub mod kubectl;
pub mod prompt;
pub mod shell;
#[cfg(test)]
mod tests;
pub mod transcript;
pub mod translate;

use crate::scenario::StepSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use transcript::Transcript;
use translate::Plan;

/// What an import found and wrote.
#[derive(Debug, Default)]
pub struct Summary {
    pub scenario: PathBuf,
    pub commands: usize,
    pub outputs: usize,
    pub manifests: Vec<PathBuf>,
    pub snapshots: Vec<PathBuf>,
    pub todos: Vec<String>,
    /// For `kdrill check` ([`import_for_check`]): where a run of the draft prints each
    /// output the post shows, by command.
    pub origins: Vec<Origin>,
    /// The post's namespaces and the scenario's names for them (`default` → ``,
    /// `shop` → `${NAMESPACE}-shop`), and the node names its outputs may show.
    pub namespaces: BTreeMap<String, String>,
    pub nodes: BTreeSet<String>,
    /// Each step of the draft (1-based) → the command of the post it comes from.
    pub step_commands: BTreeMap<usize, usize>,
}

/// Where `kdrill check` finds, in a run of the draft, what one command of the post
/// printed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The command (an index into the transcript's commands) whose output it is.
    pub command: usize,
    pub printed: Printed,
}

/// How a run prints one output of the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    /// Step `step` (1-based, in the draft) captures it under the snapshot name `name`,
    /// its standard error under `stderr`; a dry run's lines end in ` (server dry run)`.
    Step {
        step: usize,
        name: String,
        stderr: Option<String>,
        dry_run: bool,
    },
    /// Not compared, and why.
    NotChecked(String),
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{post}: nothing to import: {why}")]
    NothingToImport { post: String, why: String },
    #[error("{post} has {size} bytes; kdrill import reads posts of up to {limit} bytes")]
    TooLarge {
        post: String,
        size: usize,
        limit: usize,
    },
    #[error("{post}: lines {lines:?} of its code blocks would not be accounted for in IMPORT.md; this is a bug of kdrill import (please report it with the post)")]
    Unaccounted { post: String, lines: Vec<usize> },
    #[error("{post}: the draft would not load ({why}); this is a bug of kdrill import (please report it with the post)")]
    Invalid { post: String, why: String },
    #[error("{post}: a step of the draft would not serialize as YAML ({source}); this is a bug of kdrill import (please report it with the post)")]
    StepYaml {
        post: String,
        source: serde_yaml::Error,
    },
}

impl ImportError {
    /// The post, not the machine, is the problem: a usage error (exit 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ImportError::NothingToImport { .. } | ImportError::TooLarge { .. }
        )
    }
}

pub use crate::manifest::TODO_MARKER;

/// Posts larger than this are not tutorials.
pub const MAX_POST_BYTES: usize = 2 * 1024 * 1024;

pub(crate) fn manifest_name(text: &str) -> String {
    let v: serde_yaml::Value = serde_yaml::Deserializer::from_str(text)
        .next()
        .and_then(|d| serde::Deserialize::deserialize(d).ok())
        .unwrap_or_default();
    let kind = v
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("manifest")
        .to_ascii_lowercase();
    let name = v
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("unnamed");
    format!("{kind}-{}.yaml", crate::names::slug(name, 50))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(path: &Path, text: &str) -> Result<(), ImportError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

/// A step as scenario YAML, indented as an item of `steps:`, with comments above it.
fn step_yaml(step: &StepSpec, comments: &[String]) -> Result<String, serde_yaml::Error> {
    let text = serde_yaml::to_string(step)?;
    let mut out = String::new();
    for c in comments.iter().filter(|c| !c.is_empty()) {
        out.push_str(&crate::text::yaml_comment(crate::text::trim_nl(c), "  "));
    }
    for (i, line) in text.lines().enumerate() {
        out.push_str(if i == 0 { "  - " } else { "    " });
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// `a`, `a-b`: a run of post lines.
fn span(lines: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &n in lines {
        match runs.last_mut() {
            Some((_, z)) if *z + 1 == n => *z = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter()
        .map(|(a, z)| {
            if a == z {
                a.to_string()
            } else {
                format!("{a}-{z}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn code(text: &str) -> String {
    let one = text.replace('\n', " ⏎ ").replace('|', "\\|");
    if one.contains('`') {
        format!("`` {one} ``")
    } else {
        format!("`{one}`")
    }
}

/// Import `post` (its text, and its file name for titles) into directory `out`.
pub fn import(post_name: &str, post: &str, out: &Path) -> Result<Summary, ImportError> {
    import_with(post_name, post, out, None).map(|(s, _)| s)
}

/// Import `post` for `kdrill check`: the draft also captures every output the post
/// shows ([`Summary::origins`]); with `kubectl`, what only kubectl prints comes from
/// kubectl on the host. Returns the post as read, too.
pub fn import_for_check(
    post_name: &str,
    post: &str,
    out: &Path,
    kubectl: bool,
) -> Result<(Summary, Transcript), ImportError> {
    import_with(post_name, post, out, Some(kubectl))
}

fn import_with(
    post_name: &str,
    post: &str,
    out: &Path,
    check: Option<bool>,
) -> Result<(Summary, Transcript), ImportError> {
    if post.len() > MAX_POST_BYTES {
        return Err(ImportError::TooLarge {
            post: post_name.into(),
            size: post.len(),
            limit: MAX_POST_BYTES,
        });
    }
    let t = transcript::read(post);
    if t.blocks.iter().all(|b| b.lines.is_none()) {
        return Err(ImportError::NothingToImport {
            post: post_name.into(),
            why: if post.trim().is_empty() {
                "the post is empty".into()
            } else {
                "the post has no code blocks (commands only in prose or inline code are not imported)".into()
            },
        });
    }
    let unaccounted = t.unaccounted();
    if !unaccounted.is_empty() {
        return Err(ImportError::Unaccounted {
            post: post_name.into(),
            lines: unaccounted,
        });
    }
    let plan = match check {
        Some(kubectl) => translate::plan_for_check(&t, kubectl),
        None => translate::plan(&t),
    };
    let stem = Path::new(post_name)
        .file_stem()
        .map_or("post".into(), |s| s.to_string_lossy().into_owned());
    let scenario_path = out.join(format!("{stem}.yaml"));
    let manifests_dir = out.join("manifests");
    let summary = Draft {
        t: &t,
        plan,
        post_name,
        stem,
        scenario_path,
        manifests_dir,
    }
    .write()?;
    Ok((summary, t))
}

struct Draft<'a> {
    t: &'a Transcript,
    plan: Plan,
    post_name: &'a str,
    stem: String,
    scenario_path: PathBuf,
    manifests_dir: PathBuf,
}
