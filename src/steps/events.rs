//! `events`: Kubernetes events of the namespace (optionally of one object) with a
//! reason, type and message pattern must reach a count. Checked on a watch of the
//! events, so "the pod was pulled" or "the container was restarted 3 times" ends as
//! soon as the event arrives; `count: 0` asserts that no such event exists.

use super::{Output, StepCtx, StepError, StepKind};
use crate::objref::ObjectRef;
use crate::pattern;
use crate::wait::{watch_until, Comparison, Seen};
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, DynamicObject};
use kube::core::ApiResource;
use kube::runtime::watcher;
use serde::Deserialize;
use serde_json::Value;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventsSpec {
    /// Only events about this object (`kind/name`).
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// e.g. `Pulled`, `BackOff`, `FailedScheduling`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// A pattern (`[..]`) the whole message must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How many times (events repeat: their `count` adds up): `">=1"` (default), `3`, `0`.
    #[serde(default = "at_least_once")]
    pub count: Comparison,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

fn at_least_once() -> Comparison {
    Comparison {
        op: crate::wait::CmpOp::Ge,
        value: 1,
    }
}

impl EventsSpec {

    /// Does this event match the reason, type and message asked for? (The object is
    /// chosen by the watch's field selector.)
    fn wants(&self, ev: &Value) -> bool {
        let s = |p: &str| ev.pointer(p).and_then(Value::as_str).unwrap_or_default();
        self.reason.as_deref().is_none_or(|r| s("/reason") == r)
            && self.type_.as_deref().is_none_or(|t| s("/type") == t)
            && self
                .message
                .as_deref()
                .is_none_or(|m| pattern::matches(m, s("/message")))
    }
}

/// How often an event happened: its series count, its count, or once.
fn occurrences(ev: &Value) -> i64 {
    ev.pointer("/series/count")
        .or_else(|| ev.get("count"))
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1)
}

fn check(spec: &EventsSpec, seen: &Seen) -> (i64, Vec<String>) {
    let n: i64 = seen
        .values()
        .filter(|e| spec.wants(e))
        .map(occurrences)
        .sum();
    if spec.count.holds(n) {
        (n, Vec::new())
    } else {
        (
            n,
            vec![format!(
                "{n} matching event(s) so far, expected {}",
                spec.count
            )],
        )
    }
}

impl StepKind for EventsSpec {
    const KEYWORD: &'static str = "events";

    fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.type_ {
            parts.push(t.clone());
        }
        if let Some(r) = &self.reason {
            parts.push(r.clone());
        }
        if let Some(o) = &self.object {
            parts.push(format!("for {o}"));
        }
        if let Some(m) = &self.message {
            parts.push(format!("{m:?}"));
        }
        parts.push(format!("count {}", self.count));
        parts.join(" ")
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &EventsSpec) -> Result<Output, StepError> {
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let ar = ApiResource::erase::<Event>(&());
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.cluster.client.clone(), ns, &ar);
    let mut cfg = watcher::Config::default();
    if let Some(o) = &spec.object {
        let kind = ctx.cluster.resolve(&o.kind).await?.ar.kind;
        cfg = cfg.fields(&format!(
            "involvedObject.kind={kind},involvedObject.name={}",
            o.name
        ));
    }
    let result = watch_until(
        api,
        cfg,
        |seen| check(spec, seen).1,
        ctx.timeout,
        ctx.cancel,
    )
    .await;
    match result {
        Ok(seen) => Ok(Output {
            notes: vec![format!(
                "{} matching event(s): {}",
                check(spec, &seen).0,
                spec.summary()
            )],
            ..Default::default()
        }),
        Err(e) => {
            let mut err = StepError::from(e);
            if let StepError::Failed { expected, .. } = &mut err {
                *expected = Some(format!("events: {}", spec.summary()));
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_matching_events_with_their_repeats() {
        let spec: EventsSpec = serde_yaml::from_str(
            "{for: pod/web, reason: BackOff, type: Warning, message: 'Back-off restarting[..]', count: '>=3'}",
        )
        .unwrap();
        let mut seen = Seen::new();
        seen.insert("a".into(), json!({"reason": "BackOff", "type": "Warning", "count": 2,
            "message": "Back-off restarting failed container", "involvedObject": {"kind": "Pod", "name": "web"}}));
        seen.insert("b".into(), json!({"reason": "Pulled", "type": "Normal", "involvedObject": {"kind": "Pod", "name": "web"}}));
        assert_eq!(check(&spec, &seen).0, 2);
        assert!(!check(&spec, &seen).1.is_empty());
        seen.insert("c".into(), json!({"reason": "BackOff", "type": "Warning", "series": {"count": 1},
            "message": "Back-off restarting failed container", "involvedObject": {"kind": "Pod", "name": "web"}}));
        assert!(check(&spec, &seen).1.is_empty());
        let none: EventsSpec = serde_yaml::from_str("{reason: FailedMount, count: 0}").unwrap();
        assert!(check(&none, &seen).1.is_empty());
    }
}
