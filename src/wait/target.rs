//! What a wait is about: one object by name, or every object matching a label
//! selector. Each judges the objects seen against an [`Until`] and names the object
//! that falls short, whose last state is the evidence of a failed wait.

use super::until::Until;
use super::watch::{settle, watch, Unmet, WatchItem};
use super::{Seen, WaitError};
use futures::Stream;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher;
use serde_json::Value;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Watch one object until `until` holds, `timeout` passes, or `cancel` fires.
/// Returns the object as last seen (None when it is gone).
pub async fn wait_for(
    api: Api<DynamicObject>,
    name: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Option<Value>, WaitError> {
    let cfg = watcher::Config::default().fields(&format!("metadata.name={name}"));
    settle_object(watch(api, cfg), name, until, timeout, cancel).await
}

/// [`wait_for`] on a stream of watch events about the object `name`.
pub async fn settle_object(
    events: impl Stream<Item = WatchItem>,
    name: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Option<Value>, WaitError> {
    let seen = settle(
        events,
        |seen| Unmet::about(name, until.check(seen.get(name))),
        |seen| {
            let o = seen.get(name)?;
            until.hopeless(o).map(|r| (r, o.clone()))
        },
        timeout,
        cancel,
    )
    .await?;
    Ok(seen.get(name).cloned())
}

/// What `until` means for every object matching a label selector: with `deleted: true`
/// none may be left; otherwise at least one must exist and all must satisfy it.
pub fn check_all(until: &Until, kind: &str, seen: &Seen) -> Vec<String> {
    judge_all(until, kind, seen).mismatch
}

/// [`check_all`], naming the object the mismatch is about: the first that does not
/// satisfy `until` (or, waiting for deletion, the first still there).
pub fn judge_all(until: &Until, kind: &str, seen: &Seen) -> Unmet {
    if until.deleted == Some(true) {
        return match seen.keys().next() {
            None => Unmet::default(),
            Some(first) => Unmet::about(
                first,
                vec![format!(
                    "{} object(s) still exist: {}",
                    seen.len(),
                    seen.keys()
                        .map(|n| format!("{kind}/{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
            ),
        };
    }
    if seen.is_empty() {
        return vec!["no object matches the selector yet".to_string()].into();
    }
    let mut unmet = Unmet::default();
    for (n, o) in seen {
        let bad = until.check(Some(o));
        if !bad.is_empty() && unmet.object.is_none() {
            unmet.object = Some(n.clone());
        }
        unmet
            .mismatch
            .extend(bad.into_iter().map(|m| format!("{kind}/{n}: {m}")));
    }
    unmet
}

/// Watch every object matching `selector` until `until` holds for them (see [`check_all`]).
pub async fn wait_for_selector(
    api: Api<DynamicObject>,
    kind: &str,
    selector: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    let cfg = watcher::Config::default().labels(selector);
    settle_selector(watch(api, cfg), kind, until, timeout, cancel).await
}

/// [`wait_for_selector`] on a stream of watch events about the selected objects.
pub async fn settle_selector(
    events: impl Stream<Item = WatchItem>,
    kind: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    // every match must satisfy `until`: one that never can dooms the wait
    settle(
        events,
        |seen| judge_all(until, kind, seen),
        |seen| {
            seen.iter().find_map(|(n, o)| {
                until
                    .hopeless(o)
                    .map(|r| (format!("{kind}/{n}: {r}"), o.clone()))
            })
        },
        timeout,
        cancel,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::replay::{
        applied, deleted, expect_hopeless, object, object_with, relist, replay, sequence, until,
        BRIEF, PATIENT,
    };
    use serde_json::json;

    /// A wait for every pod of a selector, over the replayed `events`.
    async fn pods(
        events: Vec<WatchItem>,
        yaml: &str,
        timeout: Duration,
    ) -> Result<Seen, WaitError> {
        let cancel = CancellationToken::new();
        settle_selector(replay(events), "pod", &until(yaml), timeout, &cancel).await
    }

    /// A wait for the pod `web`, over the replayed `events`.
    async fn web(
        events: Vec<WatchItem>,
        yaml: &str,
        timeout: Duration,
    ) -> Result<Option<Value>, WaitError> {
        let cancel = CancellationToken::new();
        settle_object(replay(events), "web", &until(yaml), timeout, &cancel).await
    }

    #[test]
    fn selector_waits_need_every_match() {
        let mut seen = Seen::new();
        assert_eq!(
            check_all(&until("{phase: Running}"), "pod", &seen),
            vec!["no object matches the selector yet"]
        );
        assert!(check_all(&until("{deleted: true}"), "pod", &seen).is_empty());
        seen.insert("a".into(), json!({"status": {"phase": "Running"}}));
        seen.insert("b".into(), json!({"status": {"phase": "Pending"}}));
        assert_eq!(
            check_all(&until("{phase: Running}"), "pod", &seen),
            vec!["pod/b: phase is Pending, not Running"]
        );
        assert_eq!(
            check_all(&until("{deleted: true}"), "pod", &seen),
            vec!["2 object(s) still exist: pod/a, pod/b"]
        );
    }

    /// The evidence of a failed selector wait is the pod that is not ready, even when
    /// a healthy one sorts after it.
    #[tokio::test]
    async fn a_failed_selector_wait_shows_the_object_that_fell_short() {
        let crashing = object_with(
            "api",
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}),
        );
        let healthy = object_with(
            "web",
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        let events = relist(vec![crashing, healthy]);
        let r = pods(events, "{condition: Ready}", BRIEF).await;
        match r {
            Err(WaitError::Timeout {
                last_mismatch,
                last_object: Some(o),
                ..
            }) => {
                assert_eq!(
                    last_mismatch,
                    ["pod/api: condition Ready=False (reason ContainersNotReady), not True"]
                );
                assert_eq!(
                    o["metadata"]["name"], "api",
                    "the evidence is the pod not ready"
                );
            }
            other => panic!("expected a timeout with evidence, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_selector_wait_ends_when_the_last_match_gets_there() {
        let events = sequence([
            relist(vec![object("a", "Running"), object("b", "Pending")]),
            applied(object("b", "Running")),
        ]);
        let seen = pods(events, "{phase: Running}", PATIENT)
            .await
            .expect("both run");
        assert_eq!(seen.len(), 2);
    }

    #[tokio::test]
    async fn a_selector_wait_fails_at_once_when_a_match_never_can() {
        let events = relist(vec![object("a", "Running"), object("b", "Succeeded")]);
        let r = pods(events, "{phase: Running}", PATIENT).await;
        let (reason, o) = expect_hopeless(r);
        assert_eq!(reason, "pod/b: the pod has terminated (phase Succeeded)");
        assert_eq!(o["metadata"]["name"], "b");
    }

    #[tokio::test]
    async fn waiting_for_deletion_ends_on_the_delete_event() {
        let events = sequence([
            relist(vec![object("web", "Running")]),
            deleted(object("web", "Running")),
        ]);
        let last = web(events, "{deleted: true}", PATIENT)
            .await
            .expect("deleted");
        assert_eq!(last, None);
    }

    #[tokio::test]
    async fn a_timed_out_object_wait_shows_the_object_as_last_seen() {
        let events = sequence([relist(vec![]), applied(object("web", "Pending"))]);
        let r = web(events, "{phase: Running}", BRIEF).await;
        match r {
            Err(WaitError::Timeout {
                last_mismatch,
                last_object: Some(o),
                last_error: None,
                ..
            }) => {
                assert_eq!(last_mismatch, ["phase is Pending, not Running"]);
                assert_eq!(o["status"]["phase"], "Pending");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}
