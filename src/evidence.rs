//! Evidence gathered when a step fails: pod and container statuses, recent events
//! (deduplicated, kubectl-style `(x3)`), and the last lines of container logs,
//! previous instance too when a container restarted. Bounded in time, never fatal.

use crate::cluster::Cluster;
use k8s_openapi::api::core::v1::{Event as KEvent, Pod};
use kube::api::{Api, ListParams, LogParams};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// One block per pod: phase, conditions and container states.
    pub pods: Vec<String>,
    /// Recent events, oldest first.
    pub events: Vec<String>,
    /// (header, last lines) per container log.
    pub logs: Vec<(String, String)>,
    /// Gathering problems, said rather than hidden.
    pub notes: Vec<String>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
            && self.events.is_empty()
            && self.logs.is_empty()
            && self.notes.is_empty()
    }
}

const LOG_LINES: i64 = 10;
const MAX_EVENTS: usize = 20;

/// Collect evidence about the scenario namespace, within a few seconds at most.
pub async fn collect(cluster: &Cluster, namespace: &str) -> Evidence {
    match tokio::time::timeout(Duration::from_secs(15), gather(cluster, namespace)).await {
        Ok(e) => e,
        Err(_) => Evidence {
            notes: vec!["gathering evidence took too long; partial or none".into()],
            ..Default::default()
        },
    }
}

async fn gather(cluster: &Cluster, namespace: &str) -> Evidence {
    let mut ev = Evidence::default();
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    match pods.list(&ListParams::default()).await {
        Ok(list) => {
            for pod in &list.items {
                ev.pods.push(describe_pod(pod));
                for (container, restarted, troubled) in containers(pod) {
                    if !troubled {
                        continue;
                    }
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    for previous in [false, true] {
                        if previous && !restarted {
                            continue;
                        }
                        let lp = LogParams {
                            container: Some(container.clone()),
                            previous,
                            tail_lines: Some(LOG_LINES),
                            ..Default::default()
                        };
                        if let Ok(text) = pods.logs(&name, &lp).await {
                            if !text.trim().is_empty() {
                                let which = if previous { " (previous instance)" } else { "" };
                                ev.logs
                                    .push((format!("pod/{name} -c {container}{which}"), text));
                            }
                        }
                    }
                }
            }
        }
        Err(e) => ev.notes.push(format!("cannot list pods: {e}")),
    }
    let events: Api<KEvent> = Api::namespaced(cluster.client.clone(), namespace);
    match events.list(&ListParams::default()).await {
        Ok(list) => ev.events = format_events(list.items),
        Err(e) => ev.notes.push(format!("cannot list events: {e}")),
    }
    ev
}

/// (container, restarted, not ready or restarted) for each container of a pod.
fn containers(pod: &Pod) -> Vec<(String, bool, bool)> {
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    statuses
        .iter()
        .map(|cs| {
            (
                cs.name.clone(),
                cs.restart_count > 0,
                !cs.ready || cs.restart_count > 0,
            )
        })
        .collect()
}

pub fn describe_pod(pod: &Pod) -> String {
    let name = pod.metadata.name.as_deref().unwrap_or("?");
    let status = pod.status.clone().unwrap_or_default();
    let mut out = format!(
        "pod/{name}: {}",
        status.phase.as_deref().unwrap_or("Unknown")
    );
    if let Some(reason) = &status.reason {
        out.push_str(&format!(" ({reason})"));
    }
    for c in status.conditions.unwrap_or_default() {
        if c.status != "True" {
            let why = [c.reason.as_deref(), c.message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            out.push_str(&format!(
                "\n  condition {}={}{}",
                c.type_,
                c.status,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" {why}")
                }
            ));
        }
    }
    for cs in status.container_statuses.unwrap_or_default() {
        let state = cs.state.unwrap_or_default();
        let now = if let Some(w) = state.waiting {
            format!(
                "waiting {}{}",
                w.reason.unwrap_or_default(),
                w.message.map(|m| format!(": {m}")).unwrap_or_default()
            )
        } else if let Some(t) = state.terminated {
            format!(
                "terminated {} (exit {})",
                t.reason.unwrap_or_default(),
                t.exit_code
            )
        } else if state.running.is_some() {
            "running".into()
        } else {
            "unknown".into()
        };
        let last = cs
            .last_state
            .and_then(|l| l.terminated)
            .map(|t| {
                format!(
                    ", last terminated {} (exit {})",
                    t.reason.unwrap_or_default(),
                    t.exit_code
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  container {}: {now}, ready={}, restarts={}{last}",
            cs.name, cs.ready, cs.restart_count
        ));
    }
    out
}

/// Events sorted oldest first, identical ones folded into `(xN)`, the last few kept.
pub fn format_events(mut items: Vec<KEvent>) -> Vec<String> {
    use k8s_openapi::jiff::Timestamp;
    let last = |e: &KEvent| -> Option<Timestamp> {
        e.last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
    };
    let first = |e: &KEvent| -> Option<Timestamp> {
        e.first_timestamp.as_ref().map(|t| t.0).or_else(|| last(e))
    };
    items.sort_by_key(|e| last(e));
    // (line, count, earliest, latest): identical events folded, as kubectl describe does
    let mut lines: Vec<(String, i32, Option<Timestamp>, Option<Timestamp>)> = Vec::new();
    for e in &items {
        let obj = format!(
            "{}/{}",
            e.involved_object
                .kind
                .as_deref()
                .unwrap_or("?")
                .to_ascii_lowercase(),
            e.involved_object.name.as_deref().unwrap_or("?")
        );
        let line = format!(
            "{} {} {}: {}",
            e.type_.as_deref().unwrap_or("Normal"),
            e.reason.as_deref().unwrap_or(""),
            obj,
            e.message.as_deref().unwrap_or("").trim()
        );
        let count = e.count.unwrap_or(1).max(1);
        match lines.iter_mut().find(|(l, ..)| *l == line) {
            Some((_, n, lo, hi)) => {
                *n += count;
                *lo = (*lo).min(first(e)).or(*lo).or(first(e));
                *hi = (*hi).max(last(e));
            }
            None => lines.push((line, count, first(e), last(e))),
        }
    }
    let skip = lines.len().saturating_sub(MAX_EVENTS);
    lines
        .into_iter()
        .skip(skip)
        .map(|(l, n, lo, hi)| {
            let span = match (lo, hi) {
                (Some(a), Some(b)) => b.as_second() - a.as_second(),
                _ => 0,
            };
            match (n > 1, span) {
                (false, _) => l,
                (true, s) if s >= 120 => format!("{l} (x{n} over {}m)", s / 60),
                (true, s) if s >= 1 => format!("{l} (x{n} over {s}s)"),
                (true, _) => format!("{l} (x{n})"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_crashing_pod() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "webapps"},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [nginx2]"}],
                "containerStatuses": [{
                    "name": "nginx2", "ready": false, "restartCount": 2, "image": "nginx", "imageID": "",
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 20s"}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}
                }]
            }
        }))
        .unwrap();
        insta::assert_snapshot!(describe_pod(&pod), @r"
        pod/webapps: Running
          condition Ready=False ContainersNotReady: containers with unready status: [nginx2]
          container nginx2: waiting CrashLoopBackOff: back-off 20s, ready=false, restarts=2, last terminated Error (exit 1)
        ");
        assert_eq!(containers(&pod), vec![("nginx2".to_string(), true, true)]);
    }

    #[test]
    fn events_are_sorted_and_folded() {
        let ev = |reason: &str, msg: &str, ts: &str, count: i32| -> KEvent {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": format!("e{ts}")},
                "involvedObject": {"kind": "Pod", "name": "nginx"},
                "reason": reason, "message": msg, "type": "Warning",
                "lastTimestamp": ts, "count": count
            }))
            .unwrap()
        };
        let lines = format_events(vec![
            ev(
                "BackOff",
                "Back-off restarting failed container",
                "2026-01-01T00:00:09Z",
                3,
            ),
            ev(
                "Pulled",
                "Container image pulled",
                "2026-01-01T00:00:01Z",
                1,
            ),
            ev(
                "BackOff",
                "Back-off restarting failed container",
                "2026-01-01T00:00:10Z",
                1,
            ),
        ]);
        assert_eq!(
            lines,
            vec![
                "Warning Pulled pod/nginx: Container image pulled",
                "Warning BackOff pod/nginx: Back-off restarting failed container (x4 over 1s)",
            ]
        );
    }
}
