//! The one loop behind every wait. It consumes a stream of watch events (re-lists,
//! objects applied and deleted, errors), keeps the objects seen by name, and judges
//! them after each settled change until the condition holds, the deadline passes or
//! the wait is cancelled. The stream is a real watch in a run ([`watch`]) and a
//! replayed sequence in tests, so every path of the loop is tested without a cluster.

use super::{Seen, WaitError};
use futures::{Stream, StreamExt};
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One item of a watch: an event, or an error (retried by the watcher, unless the
/// API server refused the request itself).
pub type WatchItem = Result<Event<DynamicObject>, watcher::Error>;

/// What judging the objects seen found: nothing when the condition holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unmet {
    /// Everything not (yet) as expected, one line each.
    pub mismatch: Vec<String>,
    /// The name of the object the mismatch is about: its last state is the evidence.
    /// None when it is about no object in particular (none exists yet) or the judge
    /// does not say (then the evidence is the only object seen, if there is one).
    pub object: Option<String>,
}

impl From<Vec<String>> for Unmet {
    fn from(mismatch: Vec<String>) -> Unmet {
        Unmet {
            mismatch,
            object: None,
        }
    }
}

impl Unmet {
    /// The mismatch `mismatch`, about the object named `object`.
    pub fn about(object: &str, mismatch: Vec<String>) -> Unmet {
        Unmet {
            mismatch,
            object: Some(object.to_string()),
        }
    }

    /// The evidence: the object the mismatch is about, as `seen` holds it.
    fn evidence(&self, seen: &Seen) -> Option<Box<Value>> {
        let obj = match &self.object {
            Some(name) => seen.get(name),
            None if seen.len() == 1 => seen.values().next(),
            None => None,
        };
        obj.cloned().map(Box::new)
    }
}

/// A real watch with `cfg`: list, then watch, re-listing when the watch expires and
/// backing off after errors.
pub fn watch(api: Api<DynamicObject>, cfg: watcher::Config) -> impl Stream<Item = WatchItem> {
    watcher::watcher(api, cfg).default_backoff()
}

/// Watch with `cfg` until `check` of the objects seen returns no mismatch, `timeout`
/// passes, or `cancel` fires.
pub async fn watch_until<U: Into<Unmet>>(
    api: Api<DynamicObject>,
    cfg: watcher::Config,
    check: impl Fn(&Seen) -> U,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    settle(watch(api, cfg), check, |_| None, timeout, cancel).await
}

/// [`watch_until`], ending early when `hopeless` finds the condition unreachable.
pub async fn watch_until_or<U: Into<Unmet>>(
    api: Api<DynamicObject>,
    cfg: watcher::Config,
    check: impl Fn(&Seen) -> U,
    hopeless: impl Fn(&Seen) -> Option<(String, Value)>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    settle(watch(api, cfg), check, hopeless, timeout, cancel).await
}

/// Follow `events` until `judge` of the objects seen finds nothing unmet (the objects
/// are returned), `hopeless` finds the condition unreachable, `timeout` passes (the
/// last mismatch and the object it is about are the evidence), or `cancel` fires.
/// Objects are judged only when the picture is settled: after a complete re-list or
/// a single change, never halfway through a re-list.
pub async fn settle<U: Into<Unmet>>(
    events: impl Stream<Item = WatchItem>,
    judge: impl Fn(&Seen) -> U,
    hopeless: impl Fn(&Seen) -> Option<(String, Value)>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    let mut events = std::pin::pin!(events);
    let mut current = Seen::new();
    // objects of a re-list in progress: they replace `current` when it is done
    let mut pending = Seen::new();
    let mut unmet = Unmet::from(vec!["no answer from the watch yet".to_string()]);
    let mut last_error = None;
    let deadline = tokio::time::Instant::now() + timeout;
    let name_of = |o: &DynamicObject| o.metadata.name.clone().unwrap_or_default();
    loop {
        let ev = tokio::select! {
            _ = cancel.cancelled() => return Err(WaitError::Cancelled),
            _ = tokio::time::sleep_until(deadline) => {
                return Err(WaitError::Timeout {
                    timeout,
                    last_object: unmet.evidence(&current),
                    last_mismatch: unmet.mismatch,
                    last_error,
                })
            }
            ev = events.next() => ev,
        };
        let settled = match ev {
            None => {
                return Err(WaitError::Timeout {
                    timeout,
                    last_object: unmet.evidence(&current),
                    last_mismatch: unmet.mismatch,
                    last_error: Some("the watch ended".into()),
                })
            }
            Some(Err(e)) => {
                if let Some(reason) = refused(&e) {
                    return Err(WaitError::Hopeless {
                        reason,
                        last_object: None,
                    });
                }
                last_error = Some(e.to_string());
                false
            }
            Some(Ok(Event::Init)) => {
                pending.clear();
                false
            }
            Some(Ok(Event::InitApply(o))) => {
                if let Ok(v) = serde_json::to_value(&o) {
                    pending.insert(name_of(&o), v);
                }
                false
            }
            Some(Ok(Event::InitDone)) => {
                current = std::mem::take(&mut pending);
                true
            }
            Some(Ok(Event::Apply(o))) => {
                if let Ok(v) = serde_json::to_value(&o) {
                    current.insert(name_of(&o), v);
                }
                true
            }
            Some(Ok(Event::Delete(o))) => {
                current.remove(&name_of(&o));
                true
            }
        };
        if settled {
            unmet = judge(&current).into();
            if unmet.mismatch.is_empty() {
                return Ok(current);
            }
            if let Some((reason, obj)) = hopeless(&current) {
                return Err(WaitError::Hopeless {
                    reason,
                    last_object: Some(Box::new(obj)),
                });
            }
        }
    }
}

/// The API server's answer when it rejects the watch request itself as malformed
/// (400, e.g. a field selector the kind does not support): retrying cannot help, so
/// the wait ends at once instead of at its timeout. Other errors (a connection
/// lost, a watch expired) are retried by the watcher.
fn refused(e: &watcher::Error) -> Option<String> {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
            if s.code == 400 =>
        {
            Some(format!("the API server refuses the request: {}", s.message))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::replay::{
        api_error, applied, deleted, ended, expect_hopeless, object, relist, replay, sequence,
        BRIEF, PATIENT,
    };
    use serde_json::json;

    /// A judge that wants the pod `web` to run.
    fn web_runs(seen: &Seen) -> Unmet {
        let phase = seen
            .get("web")
            .and_then(|o| o.pointer("/status/phase"))
            .and_then(Value::as_str);
        match phase {
            Some("Running") => Unmet::default(),
            Some(p) => Unmet::about("web", vec![format!("phase is {p}")]),
            None => vec!["web does not exist".to_string()].into(),
        }
    }

    async fn run(events: Vec<WatchItem>, timeout: Duration) -> Result<Seen, WaitError> {
        settle(
            replay(events),
            web_runs,
            |_| None,
            timeout,
            &CancellationToken::new(),
        )
        .await
    }

    fn timeout_parts(r: Result<Seen, WaitError>) -> (Vec<String>, Option<Value>, Option<String>) {
        match r {
            Err(WaitError::Timeout {
                last_mismatch,
                last_object,
                last_error,
                ..
            }) => (last_mismatch, last_object.map(|o| *o), last_error),
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_object_that_appears_and_changes_ends_the_wait_on_the_change() {
        let seen = run(
            sequence([
                relist(vec![]),
                applied(object("web", "Pending")),
                applied(object("web", "Running")),
            ]),
            PATIENT,
        )
        .await
        .expect("the second change satisfies the judge");
        assert_eq!(seen["web"]["status"]["phase"], "Running");
    }

    #[tokio::test]
    async fn a_relist_replaces_what_was_seen_and_is_judged_only_when_complete() {
        // the first list holds `web` Pending; the re-list drops it and brings it back
        // Running: judged halfway (after Init), `web` would look gone
        let judged = std::sync::Mutex::new(Vec::new());
        let judge = |seen: &Seen| {
            judged
                .lock()
                .unwrap()
                .push(seen.keys().cloned().collect::<Vec<_>>());
            web_runs(seen)
        };
        let events = sequence([
            relist(vec![object("web", "Pending"), object("old", "Running")]),
            relist(vec![object("web", "Running")]),
        ]);
        let seen = settle(
            replay(events),
            judge,
            |_| None,
            PATIENT,
            &CancellationToken::new(),
        )
        .await
        .expect("the re-list shows web running");
        assert_eq!(
            seen.keys().collect::<Vec<_>>(),
            ["web"],
            "`old` went with the re-list"
        );
        assert_eq!(
            *judged.lock().unwrap(),
            [vec!["old", "web"], vec!["web"]],
            "judged once per complete list"
        );
    }

    #[tokio::test]
    async fn a_deleted_object_is_forgotten() {
        let gone = |seen: &Seen| -> Vec<String> {
            seen.keys().map(|n| format!("{n} still exists")).collect()
        };
        let events = sequence([
            relist(vec![object("web", "Running")]),
            deleted(object("web", "Running")),
        ]);
        let seen = settle(
            replay(events),
            gone,
            |_| None,
            PATIENT,
            &CancellationToken::new(),
        )
        .await
        .expect("the delete event satisfies the wait");
        assert!(seen.is_empty());
    }

    #[tokio::test]
    async fn a_malformed_watch_request_ends_the_wait_at_once() {
        let start = std::time::Instant::now();
        let events = vec![Err(watcher::Error::InitialListFailed(api_error(
            400,
            "\"status.phase\" is not a known field selector",
        )))];
        // a long timeout: only the refusal can end this wait quickly
        match run(events, PATIENT).await {
            Err(WaitError::Hopeless {
                reason,
                last_object: None,
            }) => assert_eq!(
                reason,
                "the API server refuses the request: \"status.phase\" is not a known field selector"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_the_watch_recovers() {
        let events = sequence([
            vec![Err(watcher::Error::InitialListFailed(api_error(
                503,
                "etcd is busy",
            )))],
            relist(vec![object("web", "Pending")]),
            vec![Err(watcher::Error::WatchError(Box::new(
                kube::core::Status::failure("too old resource version", "Expired").with_code(410),
            )))],
            relist(vec![object("web", "Running")]),
        ]);
        let seen = run(events, PATIENT).await.expect("the watch recovered");
        assert_eq!(seen["web"]["status"]["phase"], "Running");
    }

    #[tokio::test]
    async fn a_timeout_reports_the_last_mismatch_its_object_and_the_last_error() {
        let events = sequence([
            relist(vec![object("web", "Pending")]),
            vec![Err(watcher::Error::WatchStartFailed(api_error(
                503,
                "etcd is busy",
            )))],
        ]);
        let (mismatch, object, error) = timeout_parts(run(events, BRIEF).await);
        assert_eq!(mismatch, ["phase is Pending"]);
        assert_eq!(object.unwrap()["status"]["phase"], "Pending");
        assert!(error.unwrap().contains("etcd is busy"));
    }

    #[tokio::test]
    async fn a_silent_watch_times_out_saying_so() {
        let (mismatch, object, error) = timeout_parts(run(vec![], BRIEF).await);
        assert_eq!(mismatch, ["no answer from the watch yet"]);
        assert_eq!((object, error), (None, None));
    }

    #[tokio::test]
    async fn a_watch_that_ends_is_reported_as_ended() {
        let events = relist(vec![object("web", "Pending")]);
        let r = settle(
            ended(events),
            web_runs,
            |_| None,
            PATIENT,
            &CancellationToken::new(),
        )
        .await;
        let (mismatch, _, error) = timeout_parts(r);
        assert_eq!(mismatch, ["phase is Pending"]);
        assert_eq!(error.as_deref(), Some("the watch ended"));
    }

    #[tokio::test]
    async fn a_hopeless_state_ends_the_wait_with_its_object() {
        let events = relist(vec![object("web", "Failed")]);
        let hopeless = |seen: &Seen| {
            let o = seen.get("web")?;
            (o.pointer("/status/phase") == Some(&json!("Failed")))
                .then(|| ("the pod failed".to_string(), o.clone()))
        };
        let r = settle(
            replay(events),
            web_runs,
            hopeless,
            PATIENT,
            &CancellationToken::new(),
        )
        .await;
        let (reason, o) = expect_hopeless(r);
        assert_eq!(reason, "the pod failed");
        assert_eq!(o["metadata"]["name"], "web");
    }

    #[tokio::test]
    async fn cancelling_interrupts_the_wait() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let r = settle(replay(vec![]), web_runs, |_| None, PATIENT, &cancel).await;
        assert!(matches!(r, Err(WaitError::Cancelled)), "{r:?}");
    }

    #[test]
    fn malformed_watches_are_refused_at_once_other_errors_retried() {
        let bad = watcher::Error::InitialListFailed(api_error(
            400,
            "\"status.phase\" is not a known field selector",
        ));
        assert_eq!(
            refused(&bad).as_deref(),
            Some("the API server refuses the request: \"status.phase\" is not a known field selector")
        );
        assert!(refused(&watcher::Error::WatchStartFailed(api_error(400, "bad"))).is_some());
        assert!(refused(&watcher::Error::InitialListFailed(api_error(503, "busy"))).is_none());
        assert!(refused(&watcher::Error::NoResourceVersion).is_none());
    }
}
