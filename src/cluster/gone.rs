//! Waiting for a run's namespaces to be gone, on one watch the whole run shares.
//!
//! A scenario's cleanup ends when its namespace is gone, which the namespace controller
//! takes seconds to minutes to get to (bench/SCALE.md: with 1,000 scenarios, about 900
//! were waiting at once). kube's client speaks HTTP/1.1, so a watch per namespace is a
//! TLS connection per waiting cleanup (~80 KB of kdrill's memory each, and a watcher
//! in the API server). Here every cleanup registers its namespace with one watch of
//! the run's namespaces (by their run label) and is woken when the namespace's deletion
//! comes by. What makes a namespace gone is still the API's word: a GET after
//! registering (a deletion seen before the registration is not missed), and a GET
//! again whenever the watch could have missed a deletion (it re-listed and the
//! namespace was not in the list, or it restarted).

use crate::wait::{watch, WaitError};
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher::{self, Event};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// Why a waiting cleanup was woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The watch saw the namespace deleted (its last event, with a deletion timestamp).
    Gone,
    /// The watch may have missed it: ask the API.
    Recheck,
}

#[derive(Default)]
struct Waiters {
    by_name: HashMap<String, Vec<oneshot::Sender<Wake>>>,
    /// The watch, started by the first waiter, running until the run ends.
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Waiters {
    /// Wake every waiter for `name`.
    fn wake(&mut self, name: &str, why: Wake) {
        for tx in self.by_name.remove(name).unwrap_or_default() {
            let _ = tx.send(why);
        }
    }

    /// Forget the waiters that stopped waiting (timed out, cancelled).
    fn prune(&mut self, name: &str) {
        if let Some(list) = self.by_name.get_mut(name) {
            list.retain(|tx| !tx.is_closed());
            if list.is_empty() {
                self.by_name.remove(name);
            }
        }
    }
}

/// One watch of the namespaces labelled `selector`, shared by every cleanup of a run.
pub struct GoneWatch {
    api: Api<DynamicObject>,
    selector: String,
    waiters: Arc<Mutex<Waiters>>,
}

impl Drop for GoneWatch {
    fn drop(&mut self) {
        if let Ok(mut w) = self.waiters.lock() {
            if let Some(task) = w.task.take() {
                task.abort();
            }
        }
    }
}

impl GoneWatch {
    /// For the namespaces that `api` (namespaces) lists with the label `selector`.
    pub fn new(api: Api<DynamicObject>, selector: String) -> GoneWatch {
        GoneWatch {
            api,
            selector,
            waiters: Arc::default(),
        }
    }

    /// Wait until namespace `name` is gone, `within` passes, or `hurry` fires.
    pub async fn wait_gone(
        &self,
        name: &str,
        within: Duration,
        hurry: &CancellationToken,
    ) -> Result<(), WaitError> {
        let deadline = tokio::time::Instant::now() + within;
        let mut last_object = None;
        let mut last_error = None;
        let mut pause = false;
        let outcome = loop {
            if pause {
                // the watch ended: give it a moment before it starts again
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = hurry.cancelled() => break Err(WaitError::Cancelled),
                }
            }
            let rx = self.register(name);
            // after registering: a deletion the watch reports from now on wakes us, and
            // one before is what this GET finds
            match self.api.get_opt(name).await {
                Ok(None) => break Ok(()),
                Ok(Some(o)) => {
                    last_object = Some(Box::new(serde_json::to_value(o).unwrap_or_default()))
                }
                Err(e) => last_error = Some(e.to_string()),
            }
            tokio::select! {
                woken = rx => match woken {
                    Ok(Wake::Gone) => break Ok(()),
                    // a deletion the watch may have missed: register again and ask
                    Ok(Wake::Recheck) => pause = false,
                    // the watch ended without a word about it
                    Err(_) => pause = true,
                },
                _ = tokio::time::sleep_until(deadline) => break Err(WaitError::Timeout {
                    timeout: within,
                    last_mismatch: vec![format!("namespace {name} still exists")],
                    last_object,
                    last_error,
                }),
                _ = hurry.cancelled() => break Err(WaitError::Cancelled),
            }
        };
        if let Ok(mut w) = self.waiters.lock() {
            w.prune(name);
        }
        outcome
    }

    /// A receiver woken about `name`; starts the watch if it does not run.
    fn register(&self, name: &str) -> oneshot::Receiver<Wake> {
        let (tx, rx) = oneshot::channel();
        let Ok(mut w) = self.waiters.lock() else {
            // a poisoned lock: the receiver fails at once and the caller asks the API
            return rx;
        };
        w.by_name.entry(name.to_string()).or_default().push(tx);
        if w.task.as_ref().is_none_or(|t| t.is_finished()) {
            let events = watch(
                self.api.clone(),
                watcher::Config::default().labels(&self.selector),
            );
            w.task = Some(tokio::spawn(follow(events, Arc::clone(&self.waiters))));
        }
        rx
    }
}

/// Wake waiters from a stream of watch events about the run's namespaces.
async fn follow(
    events: impl futures::Stream<Item = crate::wait::WatchItem>,
    waiters: Arc<Mutex<Waiters>>,
) {
    let mut events = std::pin::pin!(events);
    // the names of a re-list in progress
    let mut listing: Option<HashSet<String>> = None;
    while let Some(item) = events.next().await {
        let Ok(mut w) = waiters.lock() else { return };
        match item {
            Ok(Event::Delete(o)) => {
                let name = o.metadata.name.clone().unwrap_or_default();
                // DELETED also says an object stopped matching the selector: only one
                // being deleted is gone for sure
                let why = if o.metadata.deletion_timestamp.is_some() {
                    Wake::Gone
                } else {
                    Wake::Recheck
                };
                w.wake(&name, why);
            }
            Ok(Event::Init) => listing = Some(HashSet::new()),
            Ok(Event::InitApply(o)) => {
                if let (Some(l), Some(n)) = (listing.as_mut(), o.metadata.name) {
                    l.insert(n);
                }
            }
            Ok(Event::InitDone) => {
                // whoever is not in the new list may have gone while the watch was away
                if let Some(l) = listing.take() {
                    let missing: Vec<String> = w
                        .by_name
                        .keys()
                        .filter(|n| !l.contains(*n))
                        .cloned()
                        .collect();
                    for n in missing {
                        w.wake(&n, Wake::Recheck);
                    }
                }
            }
            Ok(Event::Apply(_)) | Err(_) => {}
        }
    }
    // the stream ended (it does not, with a backoff): everyone asks the API again
    if let Ok(mut w) = waiters.lock() {
        let names: Vec<String> = w.by_name.keys().cloned().collect();
        for n in names {
            w.wake(&n, Wake::Recheck);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::replay::{deleted, ended, relist, replay, sequence};
    use serde_json::json;

    /// A namespace named `name`, being deleted or not.
    fn ns(name: &str, deleting: bool) -> DynamicObject {
        let mut meta = json!({"name": name});
        if deleting {
            meta["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta}))
            .expect("a namespace")
    }

    /// Waiters for `names`, and their receivers in the same order.
    fn waiting(names: &[&str]) -> (Arc<Mutex<Waiters>>, Vec<oneshot::Receiver<Wake>>) {
        let waiters = Arc::new(Mutex::new(Waiters::default()));
        let rxs = names
            .iter()
            .map(|n| {
                let (tx, rx) = oneshot::channel();
                let mut w = waiters.lock().unwrap();
                w.by_name.entry(n.to_string()).or_default().push(tx);
                rx
            })
            .collect();
        (waiters, rxs)
    }

    #[tokio::test]
    async fn only_a_deletion_is_gone_anything_the_watch_may_have_missed_is_rechecked() {
        // a: missing from a re-list (it may have gone while the watch was away);
        // b: deleted; c: DELETED without a deletion timestamp (it stopped matching the
        // selector, it was not deleted); d: in the re-list, not deleted: still waits
        let (waiters, rxs) = waiting(&["a", "b", "c", "d"]);
        let events = replay(sequence([
            relist(vec![ns("b", true), ns("c", false), ns("d", true)]),
            deleted(ns("b", true)),
            deleted(ns("c", false)),
        ]));
        let task = tokio::spawn(follow(events, Arc::clone(&waiters)));
        let mut rxs = rxs.into_iter();
        let (a, b, c, mut d) = (
            rxs.next().unwrap(),
            rxs.next().unwrap(),
            rxs.next().unwrap(),
            rxs.next().unwrap(),
        );
        assert_eq!(a.await, Ok(Wake::Recheck));
        assert_eq!(b.await, Ok(Wake::Gone));
        assert_eq!(c.await, Ok(Wake::Recheck));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(d.try_recv().is_err(), "d is still there: not woken");
        assert_eq!(waiters.lock().unwrap().by_name.len(), 1);
        task.abort();
    }

    #[tokio::test]
    async fn when_the_watch_ends_every_waiter_asks_the_api_again() {
        let (waiters, rxs) = waiting(&["a", "b"]);
        follow(ended(relist(vec![ns("a", true), ns("b", true)])), waiters).await;
        for rx in rxs {
            assert_eq!(rx.await, Ok(Wake::Recheck));
        }
    }
}
