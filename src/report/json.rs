//! The JSON report: a stable, documented structure (docs/reports.md), version
//! `kdrill.dev/report/v1`. Fields are only added, never renamed, within a version.

use super::{Report, Status, StepReport};
use crate::executor::event::{CleanupResult, StepResult};
use crate::snapshot::Outcome;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    report_version: &'static str,
    run_id: &'a str,
    cluster_version: &'a str,
    duration_seconds: f64,
    interrupted: bool,
    summary: Summary,
    scenarios: Vec<JsonScenario>,
}

#[derive(Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonScenario {
    name: String,
    file: String,
    namespace: Option<String>,
    status: &'static str,
    duration_seconds: f64,
    /// From the start of the run: the scenario's start, its cleanup's start (its
    /// steps' end), its end.
    started_at_seconds: f64,
    cleanup_started_at_seconds: Option<f64>,
    finished_at_seconds: Option<f64>,
    skip_reason: Option<String>,
    cleanup: Option<JsonCleanup>,
    steps: Vec<JsonStep>,
    /// Passed only after failing (`--retries`).
    flaky: bool,
    /// The earlier attempts that failed, oldest first.
    previous_attempts: Vec<JsonAttempt>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAttempt {
    namespace: Option<String>,
    started_at_seconds: f64,
    duration_seconds: f64,
    cleanup: Option<JsonCleanup>,
    steps: Vec<JsonStep>,
}

#[derive(Serialize)]
struct JsonCleanup {
    status: &'static str,
    errors: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStep {
    number: usize,
    label: String,
    location: String,
    status: &'static str,
    started_at_seconds: Option<f64>,
    duration_seconds: f64,
    notes: Vec<String>,
    snapshots: Vec<JsonSnapshot>,
    failure: Option<JsonFailure>,
}

#[derive(Serialize)]
struct JsonSnapshot {
    path: String,
    outcome: &'static str,
}

#[derive(Serialize)]
struct JsonFailure {
    message: String,
    expected: Option<String>,
    actual: Option<String>,
    /// The object the step last saw, as data (tidied, Secret values masked).
    object: Option<serde_json::Value>,
    evidence: Option<JsonEvidence>,
}

#[derive(Serialize)]
struct JsonEvidence {
    pods: Vec<String>,
    events: Vec<String>,
    logs: Vec<JsonLog>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct JsonLog {
    source: String,
    text: String,
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::Running => "running",
    }
}

fn snapshot(o: &Outcome) -> JsonSnapshot {
    let (path, outcome) = match o {
        Outcome::Matched(p) => (p, "matched"),
        Outcome::Created(p) => (p, "created"),
        Outcome::Updated(p) => (p, "updated"),
    };
    JsonSnapshot {
        path: path.display().to_string(),
        outcome,
    }
}

fn json_cleanup(c: &CleanupResult) -> JsonCleanup {
    match c {
        CleanupResult::Done { .. } => JsonCleanup {
            status: "done",
            errors: vec![],
        },
        CleanupResult::Kept { .. } => JsonCleanup {
            status: "kept",
            errors: vec![],
        },
        CleanupResult::Incomplete { errors } => JsonCleanup {
            status: "incomplete",
            errors: errors.clone(),
        },
    }
}

fn json_steps(steps: &[StepReport]) -> Vec<JsonStep> {
    steps
        .iter()
        .map(|st| {
            let (status, notes, snapshots, failure) = match &st.result {
                StepResult::Passed { notes, snapshots } => (
                    "passed",
                    notes.clone(),
                    snapshots.iter().map(snapshot).collect(),
                    None,
                ),
                StepResult::Skipped => ("skipped", vec![], vec![], None),
                StepResult::Failed(f) | StepResult::Tolerated(f) => (
                    if matches!(st.result, StepResult::Failed(_)) {
                        "failed"
                    } else {
                        "failure-allowed"
                    },
                    vec![],
                    vec![],
                    Some(JsonFailure {
                        message: f.message.clone(),
                        expected: f.expected.clone(),
                        actual: f.actual.clone(),
                        object: f.object.clone(),
                        evidence: f.evidence.as_ref().map(|e| JsonEvidence {
                            pods: e.pods.clone(),
                            events: e.events.clone(),
                            logs: e
                                .logs
                                .iter()
                                .map(|(source, text)| JsonLog {
                                    source: source.clone(),
                                    text: text.clone(),
                                })
                                .collect(),
                            notes: e.notes.clone(),
                        }),
                    }),
                ),
            };
            JsonStep {
                number: st.number,
                label: st.label.clone(),
                location: st.location.to_string(),
                status,
                started_at_seconds: st.started_at.map(|d| d.as_secs_f64()),
                duration_seconds: st.duration.as_secs_f64(),
                notes,
                snapshots,
                failure,
            }
        })
        .collect()
}

pub fn render(report: &Report) -> serde_json::Result<String> {
    let scenarios = report
        .scenarios
        .iter()
        .map(|s| JsonScenario {
            name: s.name.clone(),
            file: s.file.display().to_string(),
            namespace: s.namespace.clone(),
            status: status_word(s.status),
            duration_seconds: s.duration.as_secs_f64(),
            started_at_seconds: s.started_at.as_secs_f64(),
            cleanup_started_at_seconds: s.cleanup_started_at.map(|d| d.as_secs_f64()),
            finished_at_seconds: s.finished_at.map(|d| d.as_secs_f64()),
            skip_reason: s.skip_reason.clone(),
            cleanup: s.cleanup.as_ref().map(json_cleanup),
            steps: json_steps(&s.steps),
            flaky: s.flaky(),
            previous_attempts: s
                .previous
                .iter()
                .map(|a| JsonAttempt {
                    namespace: a.namespace.clone(),
                    started_at_seconds: a.started_at.as_secs_f64(),
                    duration_seconds: a.duration.as_secs_f64(),
                    cleanup: a.cleanup.as_ref().map(json_cleanup),
                    steps: json_steps(&a.steps),
                })
                .collect(),
        })
        .collect();
    let r = JsonReport {
        report_version: "kdrill.dev/report/v1",
        run_id: &report.run_id,
        cluster_version: &report.server_version,
        duration_seconds: report.duration.as_secs_f64(),
        interrupted: report.interrupted,
        summary: Summary {
            passed: report.count(Status::Passed),
            failed: report.count(Status::Failed),
            skipped: report.count(Status::Skipped),
        },
        scenarios,
    };
    serde_json::to_string_pretty(&r)
}
