//! What a run does beside its scenarios while it lives: it marks its namespaces as
//! live (a heartbeat annotation `kdrill clean` respects), and it watches the API
//! server, stopping the run (exit 3) when it has been unreachable for too long.

use crate::cluster::Cluster;
use crate::stop::{Reason, Stop};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How often a live run renews its namespaces' heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// How often the API server is asked whether it is there.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The namespaces a run owns and has not begun to delete.
#[derive(Debug, Default)]
pub struct LiveNamespaces(Mutex<BTreeSet<String>>);

impl LiveNamespaces {
    pub fn add(&self, ns: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.insert(ns.to_string());
        }
    }

    pub fn remove(&self, ns: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.remove(ns);
        }
    }

    fn all(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Renew the heartbeat of every live namespace, until aborted.
pub async fn heartbeat(cluster: Arc<Cluster>, live: Arc<LiveNamespaces>) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        for ns in live.all() {
            // a missed beat is harmless: clean only trusts several missed in a row
            let _ = cluster.beat(&ns).await;
        }
    }
}

/// Ask the API server every few seconds; when it has not answered for `grace`,
/// stop the run and do not wait for cleanups that cannot happen.
pub async fn watchdog(cluster: Arc<Cluster>, stop: Arc<Stop>, grace: Duration) {
    let mut last_ok = (Instant::now(), SystemTime::now());
    let mut tick = tokio::time::interval(PROBE_EVERY);
    loop {
        tick.tick().await;
        let probe = tokio::time::timeout(PROBE_EVERY, cluster.check()).await;
        if matches!(probe, Ok(Ok(_))) {
            last_ok = (Instant::now(), SystemTime::now());
            continue;
        }
        if last_ok.0.elapsed() >= grace {
            stop.request(Reason::Unreachable {
                since: last_ok.1,
                grace,
            });
            stop.hurry();
            return;
        }
    }
}
