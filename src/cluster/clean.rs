//! `kdrill clean`: what interrupted runs left behind, found by kdrill's labels on
//! every kind the cluster serves, namespaces first (their deletion takes what is
//! inside along). A run that is still going (another CI job, a colleague) renews a
//! heartbeat on its namespaces: its objects are left alone unless asked.

use super::lifecycle::{now_secs, HEARTBEAT};
use super::{Cluster, ClusterError};
use crate::manifest::RUN_LABEL;
use kube::api::{DeleteParams, DynamicObject, ListParams};
use std::collections::{BTreeMap, BTreeSet};

/// A run whose heartbeat is younger than this is live: four missed beats.
pub const LIVE_WINDOW: u64 = 4 * 30;

/// What `clean` found.
#[derive(Debug, Default)]
pub struct Cleaned {
    pub found: Vec<Leftover>,
    /// Live runs left alone, with the age of their heartbeat in seconds.
    pub live: BTreeMap<String, u64>,
}

/// One object `clean` found.
#[derive(Debug)]
pub struct Leftover {
    /// `kind/name (namespace ns)`.
    pub what: String,
    pub outcome: CleanOutcome,
}

#[derive(Debug)]
pub enum CleanOutcome {
    Deleted,
    /// `--dry-run`.
    WouldDelete,
    Failed(kube::Error),
}

impl Cluster {
    /// Delete (or, with `dry_run`, list) every object whose labels match `selector`,
    /// except those of live runs unless `include_live`.
    pub async fn clean(
        &self,
        selector: &str,
        dry_run: bool,
        include_live: bool,
    ) -> Result<Cleaned, ClusterError> {
        let mut kinds = self.deletable_kinds().await?;
        kinds.sort_by_key(|k| k.ar.kind != "Namespace");
        let lp = ListParams::default().labels(selector);
        let live = if include_live {
            BTreeMap::new()
        } else {
            self.live_runs(&lp).await?
        };
        let mut namespaces = BTreeSet::new();
        let mut out = Vec::new();
        for kind in kinds.iter().filter(|k| k.ar.kind != "Event") {
            let all: kube::Api<DynamicObject> = kube::Api::all_with(self.client.clone(), &kind.ar);
            let Ok(list) = all.list_metadata(&lp).await else {
                continue;
            };
            for item in list.items {
                let name = item.metadata.name.clone().unwrap_or_default();
                let ns = item.metadata.namespace.clone();
                let run = item.metadata.labels.as_ref().and_then(|l| l.get(RUN_LABEL));
                if run.is_some_and(|r| live.contains_key(r)) {
                    continue;
                }
                if ns.as_ref().is_some_and(|n| namespaces.contains(n)) {
                    continue;
                }
                let kind_name = kind.ar.kind.to_ascii_lowercase();
                let what = match &ns {
                    Some(n) => format!("{kind_name}/{name} (namespace {n})"),
                    None => format!("{kind_name}/{name}"),
                };
                if kind.ar.kind == "Namespace" {
                    namespaces.insert(name.clone());
                }
                let outcome = if dry_run {
                    CleanOutcome::WouldDelete
                } else {
                    let api = self.api(kind, ns.as_deref().unwrap_or(""));
                    match api.delete(&name, &DeleteParams::background()).await {
                        Ok(_) => CleanOutcome::Deleted,
                        Err(kube::Error::Api(s)) if s.code == 404 => continue,
                        Err(e) => CleanOutcome::Failed(e),
                    }
                };
                out.push(Leftover { what, outcome });
            }
        }
        Ok(Cleaned { found: out, live })
    }

    /// Runs with a namespace whose heartbeat is fresh, and the heartbeat's age.
    async fn live_runs(&self, lp: &ListParams) -> Result<BTreeMap<String, u64>, ClusterError> {
        let api: kube::Api<k8s_openapi::api::core::v1::Namespace> =
            kube::Api::all(self.client.clone());
        let now = now_secs();
        let mut live = BTreeMap::new();
        for ns in api.list_metadata(lp).await?.items {
            let beat = ns
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(HEARTBEAT))
                .and_then(|b| b.parse::<u64>().ok());
            let run = ns.metadata.labels.as_ref().and_then(|l| l.get(RUN_LABEL));
            if let (Some(beat), Some(run)) = (beat, run) {
                let age = now.saturating_sub(beat);
                if age < LIVE_WINDOW {
                    let e = live.entry(run.clone()).or_insert(age);
                    *e = (*e).min(age);
                }
            }
        }
        Ok(live)
    }
}
