//! Why a step failed: a verdict on the cluster (expected, got), an API refusal, a
//! snapshot that differs, an interruption, or a step that could not do its work
//! (the cluster unreachable, a manifest unusable, a file unreadable, or an error of
//! the step kind's own).

use crate::cluster::ClusterError;
use crate::manifest::ManifestError;
use crate::wait::WaitError;

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
        /// The object the step last saw (a wait's or an assert's evidence).
        object: Option<Box<serde_json::Value>>,
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
    /// kdrill could not reach or understand the cluster (transport, discovery).
    #[error(transparent)]
    Cluster(ClusterError),
    /// A manifest the step applies is not usable.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A file the step needs cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A program on this machine could not run.
    #[error(transparent)]
    Host(crate::host::HostError),
    /// A spec that lint would have refused reached `run` (a bug, or a spec built
    /// by code that skipped validation).
    #[error("the step's spec is incomplete: {0}")]
    Incomplete(&'static str),
    /// The step could not do its work, for a reason of its own kind (exec's
    /// websocket, http's request): each kind keeps its typed error in its own file.
    #[error("{0}")]
    Broken(Box<dyn std::error::Error + Send + Sync>),
}

impl StepError {
    pub fn failed(message: impl Into<String>) -> StepError {
        StepError::Failed {
            message: message.into(),
            expected: None,
            actual: None,
            object: None,
        }
    }

    /// A step-kind's own error: the step could not do its work.
    pub fn broken(e: impl std::error::Error + Send + Sync + 'static) -> StepError {
        StepError::Broken(Box::new(e))
    }
}

impl From<crate::host::HostError> for StepError {
    fn from(e: crate::host::HostError) -> Self {
        match e {
            crate::host::HostError::Cancelled => StepError::Cancelled,
            other => StepError::Host(other),
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
            other => StepError::Cluster(ClusterError::Api(other)),
        }
    }
}

impl From<ClusterError> for StepError {
    fn from(e: ClusterError) -> Self {
        match e {
            ClusterError::Api(k) => k.into(),
            other => StepError::Cluster(other),
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
                actual: None,
                object: last_object,
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
                StepError::Failed {
                    message: format!(
                        "condition not met within {}",
                        crate::duration::format_duration(timeout)
                    ),
                    expected: None,
                    actual: Some(actual),
                    object: last_object,
                }
            }
        }
    }
}
