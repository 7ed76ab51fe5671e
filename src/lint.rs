//! `kdrill lint`: every structural error of every file (from loading), plus
//! warnings about scenarios that work but will hurt: fixed sleeps, long waits
//! without their own timeout, manifests pinned to another namespace.

use crate::scenario::{Action, Location, Scenario};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "warning: {}: {}", self.location, self.message)
    }
}

/// Snapshot files that no scenario under `paths` uses.
pub fn unused_snapshots(paths: &[std::path::PathBuf], scenarios: &[Scenario]) -> Vec<String> {
    let used = scenarios
        .iter()
        .flat_map(Scenario::snapshot_files)
        .collect();
    crate::snapshot::unused(paths, &used, None)
        .into_iter()
        .map(|p| format!("warning: {}: no scenario uses this snapshot (`kdrill snapshots --unused --prune` removes it)", p.display()))
        .collect()
}

/// Warnings for one loaded scenario.
pub fn warnings(s: &Scenario) -> Vec<Warning> {
    let mut out = Vec::new();
    for step in &s.steps {
        let w = |message: String| Warning {
            location: step.location.clone(),
            message,
        };
        match &step.action {
            Action::Sleep(d) => out.push(w(format!(
                "fixed sleep of {}: prefer `wait` for the state you need (waits end as soon as it is reached)",
                crate::duration::format_duration(d.0 .0)
            ))),
            Action::Apply(a) => {
                if let Some(m) = &a.manifest {
                    let docs = crate::manifest::documents_of_value(m).unwrap_or_default();
                    // `${NAMESPACE}` is the scenario's own namespace
                    let pinned = docs.iter().any(|d| {
                        d.pointer("/metadata/namespace")
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|ns| ns != "${NAMESPACE}")
                    });
                    if pinned && a.namespace.is_none() {
                        out.push(w("an inline manifest names its own namespace: objects outside the scenario's namespace are shared with other runs".into()));
                    }
                }
            }
            _ => {}
        }
        // restarts come after back-offs of 10s, 20s, 40s...: the default timeout is a guess
        if let Action::Wait(spec) = &step.action {
            let backoff = spec.until.container.as_ref().is_some_and(|c| {
                // only waits that need a restart to happen: `restartCount: 0` needs none
                c.restart_count.is_some_and(|n| !n.holds(0))
                    || c.reason.as_deref() == Some("CrashLoopBackOff")
            });
            if backoff && step.timeout.is_none() && s.timeout.is_none() {
                out.push(w("waits for restarts or CrashLoopBackOff without a `timeout` of its own: back-offs grow (10s, 20s, 40s...), so set one".into()));
            }
        }
        if let Some(t) = step.timeout.or(s.timeout) {
            if t > Duration::from_secs(600) {
                out.push(w(format!(
                    "timeout of {} is long: a hung step holds the whole run",
                    crate::duration::format_duration(t)
                )));
            }
        }
    }
    out
}
