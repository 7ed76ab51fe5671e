//! What every step kind implements ([`StepKind`]), what a step sees while it runs
//! ([`StepCtx`]) and what it gives back ([`Output`]).

use super::StepError;
use crate::cleanup::Cleanup;
use crate::cluster::Cluster;
use crate::expect::{Expect, ExpectField};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One step kind: its keyword in scenario files, its spec (the YAML under the
/// keyword, with its JSON Schema), its checks, and how it runs. A new kind is a file
/// that implements this and a line in the registry (`steps/mod.rs`).
pub trait StepKind:
    Sized
    + Clone
    + std::fmt::Debug
    + DeserializeOwned
    + serde::Serialize
    + schemars::JsonSchema
    + Send
    + Sync
{
    /// The key that names the kind in a step, e.g. `wait`.
    const KEYWORD: &'static str;
    /// The `expect` fields this kind produces something for; none: it checks its
    /// own condition.
    const EXPECTS: &'static [ExpectField] = &[];
    /// Keys of the spec that `${VARS}` expansion leaves as written (a host shell
    /// expands its own `${...}` from the environment).
    const VERBATIM: &'static [&'static str] = &[];

    /// A short description for lists and reports, without the keyword:
    /// `pod/nginx phase=Running`.
    fn summary(&self) -> String;

    /// Checks beyond what the types say, as (sub-path under the keyword, message).
    fn validate(&self) -> Vec<Problem> {
        Vec::new()
    }

    /// Do the step once.
    fn run(&self, ctx: &StepCtx<'_>) -> impl Future<Output = Result<Output, StepError>> + Send;
}

/// For `skip_serializing_if`: a field at its default is left out of written scenarios.
pub fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A problem found in a spec: where under the step kind's keyword (`until.phase`,
/// empty for the spec itself) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl std::fmt::Display) -> Problem {
        Problem {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// Facts of the whole run that steps need.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Unique id of this run; every object kdrill creates carries it as a label.
    pub run_id: String,
    /// A directory private to this run (mode 0700) for the scenarios' pinned
    /// kubeconfigs, or why there is none (a read-only file system).
    pub private_dir: Result<PathBuf, std::sync::Arc<std::io::Error>>,
    /// `--set NAME=VALUE`: they win over a scenario's own `vars:`.
    pub sets: crate::vars::Vars,
    /// `--read-only`: refuse changes outside the scenario's own namespace.
    pub read_only: bool,
}

/// What a step sees while it runs: nothing of the scenario but what it needs.
pub struct StepCtx<'a> {
    pub cluster: &'a Cluster,
    pub run: &'a RunInfo,
    /// The scenario file's directory: relative paths in steps start here.
    pub dir: &'a Path,
    /// The step's expectations (an `apply` may expect one document to be refused).
    pub expect: &'a Expect,
    /// The scenario's namespace.
    pub namespace: &'a str,
    /// True when kdrill created the namespace (and so owns everything inside it).
    pub owns_namespace: bool,
    pub timeout: Duration,
    pub cleanup: &'a Cleanup,
    /// Host programs of this scenario: pinned kubeconfig, process groups.
    pub host: &'a crate::host::HostScope,
    /// Secret values the run has seen: a step that writes or reads a Secret records
    /// it, and reports mask its values.
    pub secrets: &'a crate::objects::SecretValues,
    pub cancel: &'a CancellationToken,
    /// Variables for `${NAME}` (built-ins, the scenario's `vars:`, `--set`, `save`).
    pub vars: &'a crate::vars::Vars,
}

impl StepCtx<'_> {
    /// A path from the scenario, resolved from the scenario file's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }

    /// Under `--read-only`, refuse to change `what` unless it lives in the scenario's
    /// own namespace (`namespace` None: a cluster-scoped object).
    pub fn may_change(&self, what: &str, namespace: Option<&str>) -> Result<(), StepError> {
        if !self.run.read_only || namespace == Some(self.namespace) {
            return Ok(());
        }
        let place = match namespace {
            Some(ns) => format!("namespace {ns}"),
            None => "cluster scope".into(),
        };
        Err(StepError::failed(format!(
            "--read-only: refusing to change {what} in {place}; only the scenario's own namespace {} may change",
            self.namespace
        )))
    }
}

/// What a step produced, for expectations, snapshots and reports.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub exit_code: Option<i32>,
    /// Text output of `logs` and `get`.
    pub output: Option<String>,
    /// Human notes (e.g. objects applied), shown with `-v`.
    pub notes: Vec<String>,
    /// Snapshots compared (and perhaps written) by this step.
    pub snapshots: Vec<crate::snapshot::Outcome>,
    /// The object the step ended on (waited for, asserted, got, applied), for `save`.
    pub object: Option<serde_json::Value>,
    /// The status code of an `http` step.
    pub http_status: Option<u16>,
    /// Response headers of an `http` step, names in lower case.
    pub headers: std::collections::BTreeMap<String, String>,
}
