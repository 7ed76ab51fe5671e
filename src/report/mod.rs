//! The report model: one tree (run → scenario → step) built from executor events.
//! Every renderer (human, and later JUnit and JSON) reads this same model.

pub mod configmap;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod live;
pub mod merge;
pub mod reporter;

pub use reporter::{Display, ReportTarget, Reporter};

use crate::executor::event::{CleanupResult, Event, StepResult};
use crate::scenario::Location;
use std::path::PathBuf;
use std::time::Duration;

/// A report that cannot be rendered, written, or whose target cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("expected junit=PATH, json=PATH, html=PATH or configmap=NAMESPACE/NAME, got `{0}`")]
    BadTarget(String),
    #[error("cannot render the JUnit report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    #[error("cannot render the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write report {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the report to configmap {namespace}/{name}: {source}")]
    ConfigMap {
        namespace: String,
        name: String,
        source: kube::Error,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub run_id: String,
    pub server_version: String,
    pub parallel: usize,
    pub scenarios: Vec<ScenarioReport>,
    pub duration: Duration,
    pub interrupted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone)]
pub struct ScenarioReport {
    pub id: usize,
    pub name: String,
    pub file: PathBuf,
    pub namespace: Option<String>,
    pub steps: Vec<StepReport>,
    pub status: Status,
    pub duration: Duration,
    pub cleanup: Option<CleanupResult>,
    pub artifacts: Option<crate::executor::event::Bundle>,
    pub skip_reason: Option<String>,
    /// When it started, its steps ended (cleanup began) and it finished, from the
    /// start of the run: the timeline of a run.
    pub started_at: Duration,
    pub cleanup_started_at: Option<Duration>,
    pub finished_at: Option<Duration>,
    /// The step running now (its number), and since when.
    pub running_step: Option<(usize, Duration)>,
    /// Earlier attempts that failed (`--retries`), oldest first. A scenario that
    /// passed after failing is flaky.
    pub previous: Vec<Attempt>,
}

/// A failed attempt of a scenario that ran again.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub namespace: Option<String>,
    pub started_at: Duration,
    pub duration: Duration,
    pub steps: Vec<StepReport>,
    pub cleanup: Option<CleanupResult>,
}

impl ScenarioReport {
    /// Passed, but only after failing: said out loud, never hidden.
    pub fn flaky(&self) -> bool {
        self.status == Status::Passed && !self.previous.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct StepReport {
    pub number: usize,
    pub label: String,
    pub location: Location,
    /// When it started, from the start of the run; None for a step that never ran.
    pub started_at: Option<Duration>,
    pub duration: Duration,
    pub result: StepResult,
}

impl Report {
    fn scenario(&mut self, id: usize) -> Option<&mut ScenarioReport> {
        self.scenarios.iter_mut().find(|s| s.id == id)
    }

    /// Fold one event, which happened `at` after the run started, into the tree.
    pub fn apply(&mut self, at: Duration, event: &Event) {
        match event {
            Event::RunStarted {
                run_id,
                server_version,
                parallel,
                ..
            } => {
                self.run_id = run_id.clone();
                self.server_version = server_version.clone();
                self.parallel = *parallel;
            }
            Event::Retrying { id, .. } => {
                if let Some(s) = self.scenario(*id) {
                    s.previous.push(Attempt {
                        namespace: s.namespace.take(),
                        started_at: s.started_at,
                        duration: s.duration,
                        steps: std::mem::take(&mut s.steps),
                        cleanup: s.cleanup.take(),
                    });
                    s.status = Status::Running;
                }
            }
            Event::ScenarioStarted { id, namespace, .. } if self.scenario(*id).is_some() => {
                // a retry: the same scenario, a fresh namespace
                if let Some(s) = self.scenario(*id) {
                    s.namespace = Some(namespace.clone());
                    s.started_at = at;
                    s.cleanup_started_at = None;
                    s.finished_at = None;
                }
            }
            Event::ScenarioStarted {
                id,
                name,
                file,
                namespace,
            } => self.scenarios.push(ScenarioReport {
                id: *id,
                name: name.clone(),
                file: file.clone(),
                namespace: Some(namespace.clone()),
                steps: Vec::new(),
                status: Status::Running,
                duration: Duration::ZERO,
                cleanup: None,
                artifacts: None,
                skip_reason: None,
                started_at: at,
                cleanup_started_at: None,
                finished_at: None,
                running_step: None,
                previous: Vec::new(),
            }),
            Event::ScenarioSkipped {
                id,
                name,
                file,
                reason,
            } => self.scenarios.push(ScenarioReport {
                id: *id,
                name: name.clone(),
                file: file.clone(),
                namespace: None,
                steps: Vec::new(),
                status: Status::Skipped,
                duration: Duration::ZERO,
                cleanup: None,
                artifacts: None,
                skip_reason: Some(reason.clone()),
                started_at: at,
                cleanup_started_at: None,
                finished_at: Some(at),
                running_step: None,
                previous: Vec::new(),
            }),
            Event::StepStarted { id, number, .. } => {
                if let Some(s) = self.scenario(*id) {
                    s.running_step = Some((*number, at));
                }
            }
            Event::CleanupStarted { id } => {
                if let Some(s) = self.scenario(*id) {
                    s.cleanup_started_at = Some(at);
                }
            }
            Event::StepFinished {
                id,
                number,
                label,
                location,
                duration,
                result,
            } => {
                if let Some(s) = self.scenario(*id) {
                    if matches!(result, StepResult::Failed(_)) {
                        s.status = Status::Failed;
                    }
                    let started_at = match s.running_step.take() {
                        Some((n, t)) if n == *number => Some(t),
                        _ => None,
                    };
                    s.steps.push(StepReport {
                        number: *number,
                        label: label.clone(),
                        location: location.clone(),
                        started_at,
                        duration: *duration,
                        result: result.clone(),
                    });
                }
            }
            Event::ScenarioFinished {
                id,
                duration,
                cleanup,
                artifacts,
            } => {
                if let Some(s) = self.scenario(*id) {
                    s.duration = *duration;
                    s.finished_at = Some(at);
                    s.cleanup = Some(cleanup.clone());
                    s.artifacts = artifacts.clone();
                    // what a scenario created must be gone: a cleanup that failed fails it
                    if matches!(cleanup, CleanupResult::Incomplete { .. }) {
                        s.status = Status::Failed;
                    }
                    if s.status == Status::Running {
                        s.status = Status::Passed;
                    }
                }
            }
            Event::RunFinished {
                duration,
                interrupted,
            } => {
                self.duration = *duration;
                self.interrupted = *interrupted;
                self.scenarios.sort_by_key(|s| s.id);
            }
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.scenarios.iter().filter(|s| s.status == status).count()
    }

    /// Scenarios that passed only after failing.
    pub fn flaky(&self) -> usize {
        self.scenarios.iter().filter(|s| s.flaky()).count()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::evidence::Evidence;
    use crate::executor::event::{Failure, StepResult};
    use std::time::Duration;

    fn loc(line: usize) -> Location {
        Location {
            file: "scenarios/demo.yaml".into(),
            line,
            col: 5,
        }
    }

    /// A run as the executor would report it: one pass, one failure, one skip.
    pub(crate) fn sample() -> Report {
        let ms = Duration::from_millis;
        let events: Vec<(u64, Event)> = vec![
            (0, Event::RunStarted { run_id: "r1".into(), scenarios: 3, parallel: 2, server_version: "v1.34.4".into() }),
            (10, Event::ScenarioStarted { id: 0, name: "passes".into(), file: "scenarios/demo.yaml".into(), namespace: "kdrill-passes-abcde".into() }),
            (10, Event::StepStarted { id: 0, number: 1, label: "apply pod.yaml".into(), location: loc(6) }),
            (130, Event::StepFinished { id: 0, number: 1, label: "apply pod.yaml".into(), location: loc(6), duration: ms(120), result: StepResult::Passed { notes: vec!["pod/nginx applied".into()], snapshots: vec![] } }),
            (130, Event::CleanupStarted { id: 0 }),
            (1510, Event::ScenarioFinished { id: 0, duration: ms(1500), cleanup: CleanupResult::Done { deleted: 1 }, artifacts: None }),
            (20, Event::ScenarioStarted { id: 1, name: "fails".into(), file: "scenarios/fails.yaml".into(), namespace: "kdrill-fails-fghjk".into() }),
            (20, Event::StepStarted { id: 1, number: 1, label: "wait pod/nginx phase=Running".into(), location: loc(9) }),
            (20020, Event::StepFinished {
                id: 1,
                number: 1,
                label: "wait pod/nginx phase=Running".into(),
                location: loc(9),
                duration: ms(20000),
                result: StepResult::Failed(Box::new(Failure {
                    message: "condition not met within 20.0s".into(),
                    expected: Some("pod/nginx phase=Running".into()),
                    actual: Some("phase is Pending (nginx: ImagePullBackOff), not Running".into()),
                    object: Some(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"}, "status": {"phase": "Pending"}})),
                    evidence: Some(Evidence {
                        pods: vec!["pod/nginx: Pending\n  container nginx: waiting ImagePullBackOff, ready=false, restarts=0".into()],
                        events: vec!["Warning Failed pod/nginx: Failed to pull image \"nginx:nope\" (x3)".into()],
                        logs: vec![],
                        notes: vec![],
                    }),
                })),
            }),
            (20020, Event::StepFinished { id: 1, number: 2, label: "delete pod/nginx".into(), location: loc(10), duration: ms(0), result: StepResult::Skipped }),
            (20020, Event::CleanupStarted { id: 1 }),
            (21020, Event::ScenarioFinished { id: 1, duration: ms(21000), cleanup: CleanupResult::Done { deleted: 1 }, artifacts: None }),
            (1520, Event::ScenarioSkipped { id: 2, name: "skipped".into(), file: "scenarios/late.yaml".into(), reason: "--fail-fast: an earlier scenario failed".into() }),
            (21500, Event::RunFinished { duration: ms(21500), interrupted: false }),
        ];
        let mut r = Report::default();
        for (at, e) in &events {
            r.apply(ms(*at), e);
        }
        r
    }

    /// A scenario that failed once and passed on its retry (`--retries 1`).
    fn flaky_sample() -> Report {
        let ms = Duration::from_millis;
        let failure = || {
            StepResult::Failed(Box::new(Failure {
                message: "the output is not as expected".into(),
                ..Default::default()
            }))
        };
        let started = |ns: &str| Event::ScenarioStarted {
            id: 0,
            name: "counter".into(),
            file: "scenarios/counter.yaml".into(),
            namespace: ns.into(),
        };
        let step = |result| Event::StepFinished {
            id: 0,
            number: 1,
            label: "command".into(),
            location: loc(5),
            duration: ms(10),
            result,
        };
        let finished = Event::ScenarioFinished {
            id: 0,
            duration: ms(100),
            cleanup: CleanupResult::Done { deleted: 1 },
            artifacts: None,
        };
        let mut r = Report::default();
        for (at, e) in [
            (0, started("kdrill-counter-aaaaa")),
            (10, step(failure())),
            (100, finished.clone()),
            (100, Event::Retrying { id: 0, attempt: 2 }),
            (110, started("kdrill-counter-bbbbb")),
            (
                120,
                step(StepResult::Passed {
                    notes: vec![],
                    snapshots: vec![],
                }),
            ),
            (210, finished),
            (
                210,
                Event::RunFinished {
                    duration: ms(210),
                    interrupted: false,
                },
            ),
        ] {
            r.apply(ms(at), &e);
        }
        r
    }

    #[test]
    fn a_scenario_that_passes_on_a_retry_is_flaky_everywhere() {
        let r = flaky_sample();
        let s = &r.scenarios[0];
        assert_eq!(
            (s.status, s.flaky(), s.previous.len()),
            (Status::Passed, true, 1)
        );
        assert_eq!(s.namespace.as_deref(), Some("kdrill-counter-bbbbb"));
        assert_eq!(
            s.previous[0].namespace.as_deref(),
            Some("kdrill-counter-aaaaa")
        );
        let summary = human::render_summary(&r);
        assert!(summary.contains("flaky: counter (scenarios/counter.yaml) passed on attempt 2 after failing 1 time(s)"), "{summary}");
        assert!(summary.trim_end().ends_with("(1 flaky)"), "{summary}");
        assert!(human::render_scenario(s, human::Verbosity::Normal).starts_with("FLAKY counter"));
        let json: serde_json::Value = serde_json::from_str(&json::render(&r).unwrap()).unwrap();
        assert_eq!(json["scenarios"][0]["flaky"], true);
        assert_eq!(
            json["scenarios"][0]["previousAttempts"][0]["steps"][0]["status"],
            "failed"
        );
        let xml = junit::render(&r).unwrap();
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
        let case = &suites.suites[0].cases[0];
        assert!(case.status.is_success(), "{xml}");
        assert_eq!(case.reruns.len(), 1, "{xml}");
        assert!(
            matches!(
                case.reruns[0].kind,
                junit_parser::RerunOrFlakyKind::FlakyFailure
            ),
            "{xml}"
        );
        assert!(
            case.reruns[0]
                .message
                .contains("the output is not as expected"),
            "{xml}"
        );
    }

    #[test]
    fn the_model_folds_events() {
        let r = sample();
        assert_eq!(
            (
                r.count(Status::Passed),
                r.count(Status::Failed),
                r.count(Status::Skipped)
            ),
            (1, 1, 1)
        );
        assert_eq!(r.scenarios[1].steps.len(), 2);
        // the timeline: when each scenario and step ran, when cleanup began
        let ms = Duration::from_millis;
        assert_eq!(r.scenarios[1].started_at, ms(20));
        assert_eq!(r.scenarios[1].steps[0].started_at, Some(ms(20)));
        assert_eq!(
            r.scenarios[1].steps[1].started_at, None,
            "a skipped step never started"
        );
        assert_eq!(r.scenarios[1].cleanup_started_at, Some(ms(20020)));
        assert_eq!(r.scenarios[1].finished_at, Some(ms(21020)));
    }

    #[test]
    fn human_summary_and_failure_block() {
        let r = sample();
        insta::assert_snapshot!(
            "failure_block",
            human::render_scenario(&r.scenarios[1], human::Verbosity::Normal)
        );
        insta::assert_snapshot!("summary", human::render_summary(&r));
        assert_eq!(
            human::render_scenario(&r.scenarios[0], human::Verbosity::Quiet),
            "",
            "quiet hides passes"
        );
    }

    #[test]
    fn json_report_is_stable() {
        insta::assert_snapshot!(json::render(&sample()).unwrap());
    }

    #[test]
    fn junit_report_parses_back() {
        let xml = junit::render(&sample()).unwrap();
        insta::assert_snapshot!(xml);
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
            .expect("a JUnit parser reads it");
        let suite = &suites.suites[0];
        assert_eq!(suite.tests, 3);
        assert_eq!(suite.failures, 1);
        assert_eq!(suite.skipped, 1);
        let failed = suite
            .cases
            .iter()
            .find(|c| c.original_name == "fails")
            .unwrap();
        assert_eq!(failed.classname.as_deref(), Some("scenarios/fails.yaml"));
        assert!(failed.status.is_failure());
        assert!(format!("{:?}", failed.status).contains("ImagePullBackOff"));
    }
}
