//! `logs`: read a container's log (current or previous instance) through the API,
//! from a pod by name or the first pod (by name) matching a label selector.
//!
//! A pod just created has no log yet (`kubectl logs` answers "waiting to start"), and
//! a tutorial that runs `kubectl logs` right after `kubectl run` relies on the reader's
//! pause: the step first waits, on a watch, until the container has a log to read
//! (started, or for `previous`, restarted), within the step's timeout. Without a
//! `container`, a pod of several containers is read as kubectl reads it: the
//! container its `kubectl.kubernetes.io/default-container` annotation names, else
//! the first.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use k8s_openapi::api::core::v1::Pod;
use crate::wait::{watch_until, Seen, Unmet};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use kube::runtime::watcher;
use serde::Deserialize;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogsSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Instead of `pod`: the first pod, by name, with these labels (e.g. a Job's pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The previous, terminated instance of the container (after a restart).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tail_lines: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}


impl StepKind for LogsSpec {
    const KEYWORD: &'static str = "logs";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Output, ExpectField::Error];

    fn summary(&self) -> String {
        let mut s = match (&self.pod, &self.selector) {
            (Some(p), _) => format!("pod/{p}"),
            (None, Some(sel)) => format!("pods -l {sel}"),
            _ => String::new(),
        };
        if let Some(c) = &self.container {
            s.push_str(&format!(" -c {c}"));
        }
        if self.previous {
            s.push_str(" --previous");
        }
        s
    }

    fn validate(&self) -> Vec<Problem> {
        match (&self.pod, &self.selector) {
            (Some(_), None) | (None, Some(_)) => Vec::new(),
            (Some(_), Some(_)) => vec![Problem::new(
                "selector",
                "give `pod` or `selector`, not both",
            )],
            (None, None) => vec![Problem::new(
                "",
                "`logs` needs `pod: NAME` or `selector: LABELS`",
            )],
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &LogsSpec) -> Result<Output, StepError> {
    let pods: Api<Pod> = Api::namespaced(
        ctx.cluster.client.clone(),
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let name = match (&spec.pod, &spec.selector) {
        (Some(p), _) => p.clone(),
        (None, Some(sel)) => {
            let mut names: Vec<String> = pods
                .list_metadata(&ListParams::default().labels(sel))
                .await?
                .items
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect();
            names.sort();
            names
                .into_iter()
                .next()
                .ok_or_else(|| StepError::failed(format!("no pod matches the selector `{sel}`")))?
        }
        _ => return Err(StepError::Incomplete("no pod named")),
    };
    let container = readable(ctx, spec, &name).await?;
    let lp = LogParams {
        container,
        previous: spec.previous,
        tail_lines: spec.tail_lines,
        ..Default::default()
    };
    let text = pods.logs(&name, &lp).await?;
    Ok(Output {
        output: Some(text),
        ..Default::default()
    })
}

/// Wait until the log asked for exists: the container is running or has terminated;
/// with `previous`, it has restarted. Returns the container read.
async fn readable(
    ctx: &StepCtx<'_>,
    spec: &LogsSpec,
    pod: &str,
) -> Result<Option<String>, StepError> {
    // a core kind: no discovery round-trip, as for `events`
    let ar = ApiResource::erase::<Pod>(&());
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.cluster.client.clone(), ns, &ar);
    let cfg = watcher::Config::default().fields(&format!("metadata.name={pod}"));
    let judge = |seen: &Seen| Unmet::about(pod, log_missing(seen.get(pod), spec));
    let seen = watch_until(api, cfg, judge, ctx.timeout, ctx.cancel)
        .await
        .map_err(|e| {
            let mut err = StepError::from(e);
            if let StepError::Failed { expected, .. } = &mut err {
                *expected = Some(format!("pod/{pod}: a container log to read"));
            }
            err
        })?;
    Ok(spec
        .container
        .clone()
        .or_else(|| seen.get(pod).and_then(default_container)))
}

/// The container kubectl reads when none is named: the annotated default, else the
/// first of the spec.
fn default_container(pod: &serde_json::Value) -> Option<String> {
    pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"]
        .as_str()
        .or_else(|| pod["spec"]["containers"][0]["name"].as_str())
        .map(str::to_string)
}

/// Why the log cannot be read yet (nothing: it can).
fn log_missing(pod: Option<&serde_json::Value>, spec: &LogsSpec) -> Vec<String> {
    let Some(pod) = pod else {
        return vec!["the pod does not exist (yet)".into()];
    };
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let container = spec.container.clone().or_else(|| default_container(pod));
    let wanted: Vec<&serde_json::Value> = statuses
        .iter()
        .filter(|c| container.as_deref().is_none_or(|n| c["name"] == n))
        .collect();
    if wanted.is_empty() {
        return vec![match &spec.container {
            Some(n) => format!("no status for container {n} yet"),
            None => "no container status yet".into(),
        }];
    }
    wanted
        .into_iter()
        .filter_map(|c| {
            let name = c["name"].as_str().unwrap_or("?");
            let has_log = if spec.previous {
                c["lastState"].get("terminated").is_some()
            } else {
                c["state"].get("running").is_some() || c["state"].get("terminated").is_some()
            };
            (!has_log).then(|| {
                let state = c["state"]
                    .as_object()
                    .and_then(|m| m.iter().next())
                    .map(|(k, v)| match v["reason"].as_str() {
                        Some(r) => format!("{k} {r}"),
                        None => k.clone(),
                    })
                    .unwrap_or_else(|| "no state".into());
                match spec.previous {
                    true => format!("container {name} has no previous instance ({state})"),
                    false => format!("container {name} has not started ({state})"),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(container: Option<&str>, previous: bool) -> LogsSpec {
        LogsSpec {
            pod: Some("p".into()),
            selector: None,
            container: container.map(str::to_string),
            previous,
            tail_lines: None,
            namespace: None,
        }
    }

    fn pod(statuses: serde_json::Value) -> serde_json::Value {
        let names: Vec<serde_json::Value> = statuses
            .as_array()
            .map(|a| a.iter().map(|c| json!({"name": c["name"]})).collect())
            .unwrap_or_default();
        json!({"metadata": {"name": "p"}, "spec": {"containers": names},
            "status": {"containerStatuses": statuses}})
    }

    #[test]
    fn a_container_still_creating_has_no_log_yet() {
        let p = pod(json!([{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]));
        assert_eq!(
            log_missing(Some(&p), &spec(None, false)),
            ["container c has not started (waiting ContainerCreating)"]
        );
        assert_eq!(
            log_missing(None, &spec(None, false)),
            ["the pod does not exist (yet)"]
        );
        assert_eq!(
            log_missing(Some(&pod(json!(null))), &spec(None, false)),
            ["no container status yet"]
        );
    }

    #[test]
    fn running_or_terminated_containers_have_a_log() {
        let p = pod(json!([
            {"name": "a", "state": {"running": {}}},
            {"name": "b", "state": {"terminated": {"reason": "Completed"}}},
            {"name": "c", "state": {"waiting": {"reason": "PodInitializing"}}}
        ]));
        assert!(log_missing(Some(&p), &spec(Some("a"), false)).is_empty());
        assert!(log_missing(Some(&p), &spec(Some("b"), false)).is_empty());
        assert_eq!(
            log_missing(Some(&p), &spec(Some("c"), false)),
            ["container c has not started (waiting PodInitializing)"]
        );
        assert_eq!(
            log_missing(Some(&p), &spec(Some("x"), false)),
            ["no status for container x yet"]
        );
    }

    #[test]
    fn without_a_container_kubectls_default_is_read() {
        let mut p = pod(json!([
            {"name": "count", "state": {"running": {}}},
            {"name": "streamer", "state": {"waiting": {"reason": "ContainerCreating"}}}
        ]));
        assert_eq!(default_container(&p).as_deref(), Some("count"));
        assert!(log_missing(Some(&p), &spec(None, false)).is_empty());
        p["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/default-container": "streamer"});
        assert_eq!(default_container(&p).as_deref(), Some("streamer"));
        assert_eq!(
            log_missing(Some(&p), &spec(None, false)),
            ["container streamer has not started (waiting ContainerCreating)"]
        );
    }

    #[test]
    fn previous_needs_a_restart() {
        let fresh = pod(json!([{"name": "c", "state": {"running": {}}}]));
        assert_eq!(
            log_missing(Some(&fresh), &spec(None, true)),
            ["container c has no previous instance (running)"]
        );
        let restarted = pod(json!([{"name": "c", "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 1}}}]));
        assert!(log_missing(Some(&restarted), &spec(None, true)).is_empty());
    }
}
