//! The end of a scenario on the cluster: everything it created is deleted, newest
//! first, then its namespace, and each is waited for until gone. Runs with its own
//! cancellation: Ctrl-C must not skip it.

use super::event::CleanupResult;
use crate::cleanup::Cleanup;
use crate::cluster::{Cluster, GoneWatch, Removed};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long cleanup may wait for an object or a namespace to disappear.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Remove what a scenario created (`owns`: the namespace is the scenario's own, and
/// goes too); with `keep`, leave everything for inspection.
pub async fn clean_up(
    cluster: &Cluster,
    keep: bool,
    created: &Cleanup,
    namespace: &str,
    owns: bool,
    hurry: &CancellationToken,
    gone: &GoneWatch,
) -> CleanupResult {
    if keep {
        return CleanupResult::Kept {
            namespace: namespace.to_string(),
        };
    }
    let mut errors = Vec::new();
    let mut deleted = 0;
    let created = created.take_reversed();
    if owns {
        // The namespace controller starts its sweep seconds after a namespace delete;
        // deleting the scenario's workloads and pods first (without waiting) lets their
        // containers stop during that delay instead of after it.
        let inside: Vec<_> = created
            .iter()
            .filter(|c| c.namespace.as_deref() == Some(namespace))
            .map(|c| (&c.resolved, c.name.as_str()))
            .collect();
        cluster
            .start_emptying(namespace, &inside, hurry.is_cancelled())
            .await;
    }
    for c in &created {
        // the namespace's deletion takes its contents along
        if owns && c.namespace.as_deref() == Some(namespace) {
            continue;
        }
        match cluster
            .remove(
                &c.resolved,
                c.namespace.as_deref(),
                &c.name,
                CLEANUP_TIMEOUT,
                hurry,
            )
            .await
        {
            Ok(Removed::Deleted) => deleted += 1,
            Ok(Removed::Absent) => {}
            Ok(Removed::Requested) => errors.push(format!(
                "{}: deletion requested, not waited for (stopped by a second signal)",
                c.display()
            )),
            Err(e) => errors.push(format!("{}: {e}", c.display())),
        }
    }
    if owns {
        match cluster
            .remove_namespace(namespace, CLEANUP_TIMEOUT, hurry, gone)
            .await
        {
            Ok(Removed::Deleted) => deleted += 1,
            Ok(Removed::Absent) => {}
            Ok(Removed::Requested) => errors.push(format!(
                "namespace {namespace}: deletion requested, not waited for (stopped by a second signal)"
            )),
            Err(e) => errors.push(format!(
                "namespace {namespace}: {e}; `kdrill clean` removes it later"
            )),
        }
    }
    if errors.is_empty() {
        CleanupResult::Done { deleted }
    } else {
        CleanupResult::Incomplete { errors }
    }
}
