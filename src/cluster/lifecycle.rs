//! The objects kdrill itself makes and removes around scenarios (not a step's own
//! business): scenario namespaces, created ready for pods and deleted until gone,
//! objects deleted and waited for, and the node names snapshots hide.

use super::{Cluster, GoneWatch, Resolved};
use crate::wait::{wait_for, Until, WaitError};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, ServiceAccount};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::ApiResource;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The annotation on a run's namespaces that says the run is alive: the time of its
/// last heartbeat, in seconds since the epoch.
pub const HEARTBEAT: &str = "kdrill.dev/heartbeat";

/// Seconds since the epoch, now.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Why a namespace could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    #[error("cannot create namespace {name}: {source}")]
    Create { name: String, source: kube::Error },
    #[error("namespace {name}: the default ServiceAccount did not appear: {source}")]
    NotReady { name: String, source: WaitError },
}

/// Why an object (or a namespace) is not gone after a delete.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("{0}")]
    Refused(kube::Error),
    #[error("still present after delete ({0})")]
    StillThere(WaitError),
}

/// What a removal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    Deleted,
    /// It was not there (anymore).
    Absent,
    /// The delete was sent, but not waited for (the run is stopping in a hurry).
    Requested,
}

impl Cluster {
    /// Create a namespace with `labels` and wait until pods may be created in it
    /// (the ServiceAccount controller has made `default`).
    pub async fn create_namespace(
        &self,
        name: &str,
        labels: BTreeMap<String, String>,
        ready_within: Duration,
        cancel: &CancellationToken,
    ) -> Result<(), NamespaceError> {
        let ns = Namespace {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels),
                annotations: Some([(HEARTBEAT.to_string(), now_secs().to_string())].into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<Namespace> = Api::all(self.client.clone());
        api.create(&PostParams::default(), &ns)
            .await
            .map_err(|source| NamespaceError::Create {
                name: name.into(),
                source,
            })?;
        let sa = ApiResource::erase::<ServiceAccount>(&());
        let sa_api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), name, &sa);
        wait_for(sa_api, "default", &Until::default(), ready_within, cancel)
            .await
            .map_err(|source| NamespaceError::NotReady {
                name: name.into(),
                source,
            })?;
        Ok(())
    }

    /// Delete an object (in the background) and wait until it is gone.
    pub async fn remove(
        &self,
        resolved: &Resolved,
        namespace: Option<&str>,
        name: &str,
        within: Duration,
        hurry: &CancellationToken,
    ) -> Result<Removed, RemoveError> {
        let api = self.api(resolved, namespace.unwrap_or(""));
        self.remove_with(api, name, within, hurry).await
    }

    /// One watch of the namespaces labelled `selector` (a run's), on which
    /// [`Cluster::remove_namespace`] waits for each to be gone.
    pub fn gone_watch(&self, selector: String) -> GoneWatch {
        let ar = ApiResource::erase::<Namespace>(&());
        GoneWatch::new(Api::all_with(self.client.clone(), &ar), selector)
    }

    /// Delete a namespace and wait until it is gone (with everything inside), on the
    /// run's shared watch `gone` (see [`GoneWatch`]).
    pub async fn remove_namespace(
        &self,
        name: &str,
        within: Duration,
        hurry: &CancellationToken,
        gone: &GoneWatch,
    ) -> Result<Removed, RemoveError> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Removed::Absent),
            Err(e) => return Err(RemoveError::Refused(e)),
        }
        match gone.wait_gone(name, within, hurry).await {
            Ok(()) => Ok(Removed::Deleted),
            Err(WaitError::Cancelled) => Ok(Removed::Requested),
            Err(e) => Err(RemoveError::StillThere(e)),
        }
    }

    /// Delete, then wait until gone, unless `hurry` fires: removal runs to its end
    /// even when the run is interrupted, but a second signal stops the waiting.
    async fn remove_with(
        &self,
        api: Api<DynamicObject>,
        name: &str,
        within: Duration,
        hurry: &CancellationToken,
    ) -> Result<Removed, RemoveError> {
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Removed::Absent),
            Err(e) => return Err(RemoveError::Refused(e)),
        }
        let gone = Until {
            deleted: Some(true),
            ..Default::default()
        };
        match wait_for(api, name, &gone, within, hurry).await {
            Ok(_) => Ok(Removed::Deleted),
            Err(WaitError::Cancelled) => Ok(Removed::Requested),
            Err(e) => Err(RemoveError::StillThere(e)),
        }
    }

    /// Ask for objects of a namespace and all its pods to be deleted, without
    /// waiting: their containers stop while the namespace controller starts its sweep.
    /// With `now`, pods get no grace period (the run is stopping in a hurry).
    pub async fn start_emptying(&self, namespace: &str, objects: &[(&Resolved, &str)], now: bool) {
        for (resolved, name) in objects {
            let api = self.api(resolved, namespace);
            let _ = api.delete(name, &DeleteParams::background()).await;
        }
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let dp = if now {
            DeleteParams::background().grace_period(0)
        } else {
            DeleteParams::background()
        };
        let _ = pods.delete_collection(&dp, &Default::default()).await;
    }

    /// Mark a namespace as belonging to a live run, now (`kdrill clean` leaves it).
    pub async fn beat(&self, namespace: &str) -> Result<(), kube::Error> {
        let patch =
            serde_json::json!({"metadata": {"annotations": {HEARTBEAT: now_secs().to_string()}}});
        let api: Api<Namespace> = Api::all(self.client.clone());
        api.patch(namespace, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(|_| ())
    }

    /// This run no longer uses the namespace (kept with `--keep`, or left by an
    /// incomplete cleanup): `kdrill clean` may remove it at once.
    pub async fn end_heartbeat(&self, namespace: &str) -> Result<(), kube::Error> {
        let patch = serde_json::json!({"metadata": {"annotations": {HEARTBEAT: null}}});
        let api: Api<Namespace> = Api::all(self.client.clone());
        api.patch(namespace, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(|_| ())
    }

    /// The names of the cluster's nodes (empty when they cannot be listed).
    pub async fn node_names(&self) -> Vec<String> {
        let nodes: Api<Node> = Api::all(self.client.clone());
        match nodes.list_metadata(&Default::default()).await {
            Ok(l) => l
                .items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}
