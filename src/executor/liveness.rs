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

/// The namespaces a run owns, until they are gone: those its scenarios use, and
/// those being emptied and deleted by their cleanup.
#[derive(Debug, Default)]
pub struct LiveNamespaces(Mutex<Sets>);

#[derive(Debug, Default)]
struct Sets {
    in_use: BTreeSet<String>,
    /// In the order their cleanups began: the namespace controller deletes them
    /// roughly in that order, so the last ones are there the longest.
    emptying: Vec<String>,
}

/// How many of the namespaces being deleted carry the run's beat when none is in use.
const BEAT_WHILE_EMPTYING: usize = 4;

impl LiveNamespaces {
    pub fn add(&self, ns: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.in_use.insert(ns.to_string());
        }
    }

    /// Its cleanup has begun: it stays the run's until [`remove`](Self::remove).
    pub fn emptying(&self, ns: &str) {
        if let Ok(mut s) = self.0.lock() {
            if s.in_use.remove(ns) {
                s.emptying.push(ns.to_string());
            }
        }
    }

    pub fn remove(&self, ns: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.in_use.remove(ns);
            s.emptying.retain(|e| e != ns);
        }
    }

    /// The namespaces to beat now. `kdrill clean` takes a run as live while any of
    /// its namespaces has a fresh beat, so the ones in use are enough while there are
    /// any; when there are none (the end of a run, waiting for deletions), the few
    /// whose cleanups began last. Beating every namespace whose deletion the
    /// namespace controller has not finished made the requests per scenario grow
    /// with the length of a run (bench/scale: 11 per scenario at 100 scenarios, 14
    /// at 1,000, mostly these PATCHes).
    fn to_beat(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|s| {
                if s.in_use.is_empty() {
                    let from = s.emptying.len().saturating_sub(BEAT_WHILE_EMPTYING);
                    s.emptying[from..].to_vec()
                } else {
                    s.in_use.iter().cloned().collect()
                }
            })
            .unwrap_or_default()
    }
}

/// Renew the heartbeat of the run's namespaces ([`LiveNamespaces::to_beat`]), until
/// aborted.
pub async fn heartbeat(cluster: Arc<Cluster>, live: Arc<LiveNamespaces>) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        for ns in live.to_beat() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_in_use_carry_the_beat_and_the_emptying_ones_only_when_alone() {
        let live = LiveNamespaces::default();
        assert!(live.to_beat().is_empty());
        for ns in ["a", "b", "c"] {
            live.add(ns);
        }
        live.emptying("a");
        live.emptying("b");
        assert_eq!(live.to_beat(), ["c"], "one in use is enough");
        live.emptying("c");
        // nothing in use: the run stays live through the ones still being deleted
        assert_eq!(live.to_beat(), ["a", "b", "c"]);
        live.remove("b");
        assert_eq!(live.to_beat(), ["a", "c"]);
        // many being deleted: the last few to begin carry it
        for ns in ["e1", "e2", "e3", "e4", "e5"] {
            live.add(ns);
            live.emptying(ns);
        }
        assert_eq!(live.to_beat(), ["e2", "e3", "e4", "e5"]);
        for ns in ["e1", "e2", "e3", "e4", "e5"] {
            live.remove(ns);
        }
        live.add("d");
        assert_eq!(live.to_beat(), ["d"]);
        // emptying a namespace that is not in use (a suite's, say) changes nothing
        live.emptying("x");
        assert_eq!(live.to_beat(), ["d"]);
        live.remove("a");
        live.remove("c");
        live.remove("d");
        assert!(live.to_beat().is_empty());
    }
}
