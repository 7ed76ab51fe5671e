//! The reporter of a run: folds the executor's events into the [`Report`] model
//! while it shows them (live on a terminal, plain lines in CI logs), then writes
//! the report files the run asked for. The only place that chooses how a run looks.

use super::human::{Human, Verbosity};
use super::live::Live;
use super::{Report, ReportError};
use crate::executor::Timed;
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where a report goes besides the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    Junit(PathBuf),
    Json(PathBuf),
    /// One self-contained HTML page with a timeline of the run.
    Html(PathBuf),
    /// A ConfigMap in the cluster: namespace and name.
    ConfigMap(String, String),
}

impl std::str::FromStr for ReportTarget {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<ReportTarget, ReportError> {
        let bad = || ReportError::BadTarget(s.to_string());
        match s.split_once('=') {
            Some(("junit", p)) if !p.is_empty() => Ok(ReportTarget::Junit(p.into())),
            Some(("json", p)) if !p.is_empty() => Ok(ReportTarget::Json(p.into())),
            Some(("html", p)) if !p.is_empty() => Ok(ReportTarget::Html(p.into())),
            Some(("configmap", r)) => match r.split_once('/') {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                    Ok(ReportTarget::ConfigMap(ns.into(), name.into()))
                }
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// How the run is shown while it runs.
#[derive(Debug, Clone, Copy)]
pub struct Display {
    pub verbosity: Verbosity,
    pub colour: bool,
    /// Spinners and redrawn lines, for a person at a terminal (not CI logs).
    pub live: bool,
}

/// A running reporter; [`Reporter::finish`] returns the report once the
/// executor's events have ended.
pub struct Reporter {
    task: JoinHandle<Report>,
}

impl Reporter {
    /// Start showing the events that arrive on `events`.
    pub fn start(mut events: mpsc::UnboundedReceiver<Timed>, display: Display) -> Reporter {
        let task = tokio::spawn(async move {
            let mut report = Report::default();
            let mut human =
                Human::new(std::io::stdout(), display.verbosity).with_colour(display.colour);
            let mut live = display
                .live
                .then(|| Live::new(display.verbosity, display.colour));
            // long waits say what they are waiting for, so a CI log never looks hung
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
            tick.tick().await;
            loop {
                tokio::select! {
                    ev = events.recv() => {
                        let Some(Timed { at, event }) = ev else { break };
                        report.apply(at, &event);
                        // a closed stdout must not stop the run
                        let _ = match live.as_mut() {
                            Some(l) => l.on_event(&event, &report),
                            None => human.on_event(&event, &report),
                        };
                    }
                    _ = tick.tick(), if live.is_none() => {
                        let _ = human.progress();
                    }
                }
            }
            report
        });
        Reporter { task }
    }

    /// The report, once every event has been shown.
    pub async fn finish(self) -> Report {
        self.task.await.unwrap_or_default()
    }
}

/// Write `report` to each target; returns a line per target written.
pub async fn write_all(
    report: &Report,
    targets: &[ReportTarget],
    client: &kube::Client,
) -> Result<Vec<String>, ReportError> {
    let mut written = Vec::new();
    for target in targets {
        let (path, text) = match target {
            ReportTarget::ConfigMap(namespace, name) => {
                super::configmap::write(client.clone(), namespace, name, report).await?;
                written.push(format!("report written to configmap {namespace}/{name}"));
                continue;
            }
            ReportTarget::Junit(p) => (p, super::junit::render(report)?),
            ReportTarget::Json(p) => (p, super::json::render(report)?),
            ReportTarget::Html(p) => (p, super::html::render(report)),
        };
        std::fs::write(path, text).map_err(|source| ReportError::File {
            path: path.clone(),
            source,
        })?;
    }
    Ok(written)
}
