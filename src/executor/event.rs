//! What the executor tells the world. It knows nothing about output: reporters
//! (human, JUnit, JSON) turn these events into one report model and render it.

use crate::evidence::Evidence;
use crate::scenario::Location;
use std::path::PathBuf;
use std::time::Duration;

/// An event and when it happened, from the start of the run: what the executor sends.
#[derive(Debug, Clone)]
pub struct Timed {
    pub at: Duration,
    pub event: Event,
}

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        run_id: String,
        scenarios: usize,
        parallel: usize,
        server_version: String,
    },
    ScenarioStarted {
        id: usize,
        name: String,
        file: PathBuf,
        namespace: String,
    },
    StepStarted {
        id: usize,
        number: usize,
        label: String,
        location: Location,
    },
    StepFinished {
        id: usize,
        number: usize,
        label: String,
        location: Location,
        duration: Duration,
        result: StepResult,
    },
    /// A scenario that never ran (fail-fast, interruption, or its namespace could not be made).
    ScenarioSkipped {
        id: usize,
        name: String,
        file: PathBuf,
        reason: String,
    },
    /// The scenario's steps are done; its cleanup begins.
    CleanupStarted { id: usize },
    /// The scenario failed and runs again in a fresh namespace (`--retries`): what
    /// was reported for it so far is its attempt number `attempt - 1`.
    Retrying { id: usize, attempt: u32 },
    ScenarioFinished {
        id: usize,
        duration: Duration,
        cleanup: CleanupResult,
        /// Where `--artifacts` wrote the evidence bundle, or why it could not.
        artifacts: Option<Bundle>,
    },
    RunFinished {
        duration: Duration,
        interrupted: bool,
    },
}

#[derive(Debug, Clone)]
pub enum StepResult {
    Passed {
        notes: Vec<String>,
        snapshots: Vec<crate::snapshot::Outcome>,
    },
    Failed(Box<Failure>),
    /// Failed, but allowed to (`allowFailure`, or a `catch` step): shown, not counted.
    Tolerated(Box<Failure>),
    /// Not run because an earlier step failed or the run was interrupted.
    Skipped,
}

/// A failed step: what was expected, what came back, and the evidence.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// The object the step last saw (a wait's or assert's evidence): the one that
    /// fell short, tidied, Secret values masked. Renderers show its status.
    pub object: Option<serde_json::Value>,
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone)]
pub enum CleanupResult {
    /// Everything the scenario created is gone.
    Done { deleted: usize },
    /// `--keep`: left in place for inspection.
    Kept { namespace: String },
    /// Some objects could not be removed.
    Incomplete { errors: Vec<String> },
}

/// The evidence bundle of a failed scenario (`--artifacts`).
#[derive(Debug, Clone)]
pub enum Bundle {
    Written(PathBuf),
    /// Why it is not there.
    NotWritten(String),
}
