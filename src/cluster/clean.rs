//! `kdrill clean`: what interrupted runs left behind, found by kdrill's labels on
//! every kind the cluster serves, namespaces first (their deletion takes what is
//! inside along).

use super::{Cluster, ClusterError};
use kube::api::{DeleteParams, DynamicObject, ListParams};

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
    /// Delete (or, with `dry_run`, list) every object whose labels match `selector`.
    pub async fn clean(
        &self,
        selector: &str,
        dry_run: bool,
    ) -> Result<Vec<Leftover>, ClusterError> {
        let mut kinds = self.deletable_kinds().await?;
        kinds.sort_by_key(|k| k.ar.kind != "Namespace");
        let lp = ListParams::default().labels(selector);
        let mut namespaces = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for kind in kinds.iter().filter(|k| k.ar.kind != "Event") {
            let all: kube::Api<DynamicObject> = kube::Api::all_with(self.client.clone(), &kind.ar);
            let Ok(list) = all.list_metadata(&lp).await else {
                continue;
            };
            for item in list.items {
                let name = item.metadata.name.clone().unwrap_or_default();
                let ns = item.metadata.namespace.clone();
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
        Ok(out)
    }
}
