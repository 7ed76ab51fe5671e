//! Step kinds, one file each. A step gets an immutable [`StepCtx`], does its work
//! through [`crate::cluster`], and returns an [`Output`] (what it produced) or a
//! [`StepError`]. Expectations are checked afterwards, the same way for every kind.

pub mod apply;
pub mod assert;
pub mod can_i;
pub mod command;
pub mod delete;
pub mod events;
pub mod exec;
pub mod get;
pub mod http;
pub mod logs;
pub mod patch;
pub mod wait;

use crate::cleanup::Cleanup;
use crate::cluster::{Cluster, ClusterError};
use crate::expect::{indent, Expect};
use crate::objref::{KindRef, ObjectRef};
use crate::scenario::{Action, Scenario, Step};
use crate::wait::WaitError;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Facts of the whole run that steps need.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Unique id of this run; every object kdrill creates carries it as a label.
    pub run_id: String,
    /// Kubeconfig handed to host commands (as `KUBECONFIG`), when one was named.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// `--set NAME=VALUE`: they win over a scenario's own `vars:`.
    pub sets: crate::vars::Vars,
    /// `--read-only`: refuse changes outside the scenario's own namespace.
    pub read_only: bool,
}

/// Labels on everything kdrill creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kdrill");
pub const RUN_LABEL: &str = "kdrill.dev/run";

/// What a step sees while it runs.
pub struct StepCtx<'a> {
    pub cluster: &'a Cluster,
    pub run: &'a RunInfo,
    pub scenario: &'a Scenario,
    pub step: &'a Step,
    /// The scenario's namespace.
    pub namespace: &'a str,
    /// True when kdrill created the namespace (and so owns everything inside it).
    pub owns_namespace: bool,
    pub timeout: Duration,
    pub cleanup: &'a Cleanup,
    pub cancel: &'a CancellationToken,
    /// Variables for `${NAME}` (built-ins, the scenario's `vars:`, `--set`).
    pub vars: &'a crate::vars::Vars,
}

impl StepCtx<'_> {
    /// A path from the scenario, resolved from the scenario file's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        self.scenario.dir.join(p)
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

/// An error returned by the Kubernetes API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub reason: String,
    pub code: u16,
    pub message: String,
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("the API answered {} {}: {}", .0.code, .0.reason, .0.message)]
    Api(ApiFailure),
    #[error("{message}")]
    Failed {
        message: String,
        expected: Option<String>,
        actual: Option<String>,
    },
    /// Only snapshots differ (or are new): the step fails, but later steps still run,
    /// so one run records or shows every snapshot of a scenario.
    #[error("{message}")]
    Snapshot {
        message: String,
        expected: Option<String>,
        actual: Option<String>,
    },
    #[error("interrupted")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl StepError {
    pub fn failed(message: impl Into<String>) -> StepError {
        StepError::Failed {
            message: message.into(),
            expected: None,
            actual: None,
        }
    }
}

impl From<kube::Error> for StepError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => StepError::Api(ApiFailure {
                reason: s.reason.clone(),
                code: s.code,
                message: s.message.clone(),
            }),
            other => StepError::Other(other.to_string()),
        }
    }
}

impl From<ClusterError> for StepError {
    fn from(e: ClusterError) -> Self {
        match e {
            ClusterError::Api(k) => k.into(),
            other => StepError::Other(other.to_string()),
        }
    }
}

impl From<WaitError> for StepError {
    fn from(e: WaitError) -> Self {
        match e {
            WaitError::Cancelled => StepError::Cancelled,
            WaitError::Hopeless {
                reason,
                last_object,
            } => StepError::Failed {
                message: format!("the condition can no longer be met: {reason}"),
                expected: None,
                actual: last_object.and_then(|o| {
                    let status = o.get("status")?;
                    let y = serde_yaml::to_string(status).ok()?;
                    Some(format!("last status seen:\n{}", indent(&y, "  ")))
                }),
            },
            WaitError::Timeout {
                timeout,
                last_mismatch,
                last_object,
                last_error,
            } => {
                let mut actual = last_mismatch.join("\n");
                if let Some(err) = last_error {
                    actual.push_str(&format!("\nlast watch error: {err}"));
                }
                if let Some(obj) = last_object {
                    if let Some(status) = obj.get("status") {
                        if let Ok(y) = serde_yaml::to_string(status) {
                            actual.push_str(&format!("\nlast status seen:\n{}", indent(&y, "  ")));
                        }
                    }
                }
                StepError::Failed {
                    message: format!(
                        "condition not met within {}",
                        crate::duration::format_duration(timeout)
                    ),
                    expected: None,
                    actual: Some(actual),
                }
            }
        }
    }
}

/// What a step addresses: one object by `kind/name`, or every object of a kind with a
/// label selector. Shared by the steps that take either (wait, delete).
pub fn target_summary(
    object: Option<&ObjectRef>,
    kind: Option<&KindRef>,
    selector: Option<&str>,
) -> String {
    match (object, kind, selector) {
        (Some(o), _, _) => o.to_string(),
        (None, Some(k), Some(s)) => format!("{k} -l {s}"),
        _ => String::new(),
    }
}

/// Problems with an object-or-selector target; `object_key` is how the step names
/// its object field (`for`, `object`), `kind_alone` what to say of a kind without selector.
pub fn target_problems(
    keyword: &str,
    object_key: &str,
    object: Option<&ObjectRef>,
    kind: Option<&KindRef>,
    selector: Option<&str>,
    kind_alone: &str,
) -> Vec<(String, String)> {
    match (object, kind, selector) {
        (Some(_), None, None) | (None, Some(_), Some(_)) => Vec::new(),
        (Some(_), _, _) => vec![(
            object_key.into(),
            format!("give either `{object_key}: kind/name` or `kind` with `selector`, not both"),
        )],
        (None, Some(_), None) => vec![("kind".into(), kind_alone.into())],
        _ => vec![(
            String::new(),
            format!("`{keyword}` needs `{object_key}: kind/name`, or `kind` and `selector`"),
        )],
    }
}

/// Structural checks of a step beyond its types, as (sub-path, message).
pub fn validate(action: &Action) -> Vec<(String, String)> {
    match action {
        Action::Apply(s) => s.validate(),
        Action::Patch(s) => s.validate(),
        Action::Delete(s) => s.validate(),
        Action::Exec(s) => s.validate(),
        Action::Command(s) => s.validate(),
        Action::Get(s) => s.validate(),
        Action::Wait(s) => s.validate(),
        Action::Logs(s) => s.validate(),
        Action::Assert(s) => s.validate(),
        Action::CanI(s) => s.validate(),
        Action::Http(s) => s.validate(),
        Action::Events(_) | Action::Sleep(_) => Vec::new(),
    }
}

/// Run a step's action once.
pub async fn run(ctx: &StepCtx<'_>) -> Result<Output, StepError> {
    match &ctx.step.action {
        Action::Apply(s) => apply::run(ctx, s).await,
        Action::Patch(s) => patch::run(ctx, s).await,
        Action::Delete(s) => delete::run(ctx, s).await,
        Action::Wait(s) => wait::run(ctx, s).await,
        Action::Assert(s) => assert::run(ctx, s).await,
        Action::Exec(s) => exec::run(ctx, s).await,
        Action::Logs(s) => logs::run(ctx, s).await,
        Action::Get(s) => get::run(ctx, s).await,
        Action::Command(s) => command::run(ctx, s).await,
        Action::CanI(s) => can_i::run(ctx, s).await,
        Action::Events(s) => events::run(ctx, s).await,
        Action::Http(s) => http::run(ctx, s).await,
        Action::Sleep(d) => {
            tokio::select! {
                _ = tokio::time::sleep(*d) => Ok(Output::default()),
                _ = ctx.cancel.cancelled() => Err(StepError::Cancelled),
            }
        }
    }
}

/// Check a step's result against its `expect`, snapshots included when `snapshots`
/// is given. Returns the failure to report, if any.
pub fn check(
    expect: &Expect,
    result: Result<Output, StepError>,
    snapshots: Option<&crate::snapshot::Check<'_>>,
) -> Result<Output, StepError> {
    if let Some(want) = &expect.error {
        return match result {
            Ok(out) => Err(StepError::Failed {
                message: "the step succeeded, but it was expected to fail with an API error".into(),
                expected: Some(describe_error_expect(want)),
                actual: Some(out.notes.join("\n")),
            }),
            Err(StepError::Api(f)) => {
                let mut gaps = Vec::new();
                if let Some(r) = &want.reason {
                    if r != &f.reason {
                        gaps.push(format!("reason {r}, got {}", f.reason));
                    }
                }
                if let Some(c) = want.code {
                    if c != f.code {
                        gaps.push(format!("code {c}, got {}", f.code));
                    }
                }
                if let Some(m) = &want.message {
                    if let Err(e) = m.check(&f.message) {
                        gaps.push(format!("message {}", e.join(", ")));
                    }
                }
                if gaps.is_empty() {
                    Ok(Output {
                        notes: vec![format!("rejected as expected: {} {}", f.code, f.reason)],
                        ..Default::default()
                    })
                } else {
                    Err(StepError::Failed {
                        message: "the API error is not the expected one".into(),
                        expected: Some(describe_error_expect(want)),
                        actual: Some(format!("{} {}: {}", f.code, f.reason, f.message)),
                    })
                }
            }
            Err(other) => Err(other),
        };
    }
    let mut out = result?;
    let mut gaps: Vec<String> = Vec::new();
    let mut actual: Vec<String> = Vec::new();
    let mut snapshot_gaps = 0;
    if let Some(code) = out.exit_code {
        let want = expect.exit_code.unwrap_or(0);
        if code != want {
            gaps.push(format!("exit code {want}"));
            actual.push(format!("exit code {code}"));
        }
    }
    if let Some(code) = out.http_status {
        // like exitCode: without an expectation, anything but success fails
        let ok = match expect.status {
            Some(want) => code == want,
            None => (200..400).contains(&code),
        };
        if !ok {
            gaps.push(match expect.status {
                Some(want) => format!("status {want}"),
                None => "a 2xx or 3xx status".into(),
            });
            actual.push(format!("status {code}"));
        }
    }
    for (name, m) in &expect.headers {
        let got = out.headers.get(&name.to_ascii_lowercase());
        match got {
            Some(v) => {
                if let Err(e) = m.check(v) {
                    for g in e {
                        gaps.push(format!("header {name} {g}"));
                    }
                    actual.push(format!("header {name}: {v}"));
                }
            }
            None => {
                gaps.push(format!("a header {name}"));
                actual.push(format!("no header {name}"));
            }
        }
    }
    for (label, matcher, text) in [
        ("stdout", &expect.stdout, &out.stdout),
        ("stderr", &expect.stderr, &out.stderr),
        ("output", &expect.output, &out.output),
        ("body", &expect.body, &out.output),
    ] {
        if let Some(m) = matcher {
            let t = text.as_deref().unwrap_or("");
            if let Err(e) = m.check(t) {
                for g in e {
                    gaps.push(format!("{label} {g}"));
                }
                actual.push(format!(
                    "{label}:\n{}",
                    if t.is_empty() {
                        "    (empty)".to_string()
                    } else {
                        indent(t, "    | ")
                    }
                ));
            }
            if let (Some(name), Some(snap)) = (m.snapshot(), snapshots) {
                match snap.assert(label, name, t) {
                    Ok(outcome) => out.snapshots.push(outcome),
                    Err(f) => {
                        snapshot_gaps += 1;
                        gaps.push(f.message);
                        if let Some(d) = f.diff {
                            actual.push(d);
                        }
                    }
                }
            }
        }
    }
    if gaps.is_empty() {
        return Ok(out);
    }
    // a process's failure is easier to read with every stream it wrote beside it
    // (stderr usually says why stdout is not what was expected)
    if out.exit_code.is_some() {
        for (label, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let shown = actual.iter().any(|a| a.starts_with(&format!("{label}:")));
            if let Some(t) = text.as_deref().filter(|t| !t.is_empty() && !shown) {
                actual.push(format!("{label}:\n{}", indent(t, "    | ")));
            }
        }
    }
    let (message, expected, actual) = (
        "the output is not as expected".to_string(),
        Some(gaps.join("\n")),
        Some(actual.join("\n")),
    );
    if snapshot_gaps == gaps.len() {
        return Err(StepError::Snapshot {
            message: format!("{message} (snapshot)"),
            expected,
            actual,
        });
    }
    Err(StepError::Failed {
        message,
        expected,
        actual,
    })
}

fn describe_error_expect(e: &crate::expect::ErrorExpect) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &e.reason {
        parts.push(format!("reason {r}"));
    }
    if let Some(c) = e.code {
        parts.push(format!("code {c}"));
    }
    if let Some(m) = &e.message {
        parts.push(format!("a message {m}"));
    }
    if parts.is_empty() {
        "any API error".into()
    } else {
        format!("an API error with {}", parts.join(", "))
    }
}
