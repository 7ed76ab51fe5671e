//! The report model: one tree (run → scenario → step) built from executor events.
//! Every renderer (human, and later JUnit and JSON) reads this same model.

pub mod human;

use crate::events::{CleanupResult, Event, StepResult};
use crate::scenario::Location;
use std::path::PathBuf;
use std::time::Duration;

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
    pub skip_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StepReport {
    pub number: usize,
    pub label: String,
    pub location: Location,
    pub duration: Duration,
    pub result: StepResult,
}

impl Report {
    fn scenario(&mut self, id: usize) -> Option<&mut ScenarioReport> {
        self.scenarios.iter_mut().find(|s| s.id == id)
    }

    /// Fold one event into the tree.
    pub fn apply(&mut self, event: &Event) {
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
                skip_reason: None,
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
                skip_reason: Some(reason.clone()),
            }),
            Event::StepStarted { .. } => {}
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
                    s.steps.push(StepReport {
                        number: *number,
                        label: label.clone(),
                        location: location.clone(),
                        duration: *duration,
                        result: result.clone(),
                    });
                }
            }
            Event::ScenarioFinished {
                id,
                duration,
                cleanup,
            } => {
                if let Some(s) = self.scenario(*id) {
                    s.duration = *duration;
                    s.cleanup = Some(cleanup.clone());
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
}
