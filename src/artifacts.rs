//! `--artifacts DIR`: the full evidence bundle of a failed scenario, written before
//! cleanup removes it: every object of the namespace as YAML (Secrets' data
//! redacted), all events, all container logs (previous instances too).

use crate::cluster::Cluster;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use std::path::{Path, PathBuf};

/// Why the bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactsError {
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
}

/// Write the bundle for `namespace` under `dir/<scenario slug>/`; returns that directory.
pub async fn write(
    cluster: &Cluster,
    namespace: &str,
    dir: &Path,
    scenario: &str,
    secrets: &crate::objects::SecretValues,
) -> Result<PathBuf, ArtifactsError> {
    let out = dir.join(crate::names::slug(scenario, 63));
    std::fs::create_dir_all(out.join("logs")).map_err(|source| ArtifactsError::Write {
        path: out.clone(),
        source,
    })?;
    let kinds = cluster.deletable_kinds().await?;
    let mut objects = String::new();
    for kind in kinds
        .iter()
        .filter(|k| k.namespaced && k.ar.kind != "Event")
    {
        let api = cluster.api(kind, namespace);
        let Ok(list) = api.list(&ListParams::default()).await else {
            continue;
        };
        for item in list.items {
            let Ok(mut v) = serde_json::to_value(&item) else {
                continue;
            };
            v["apiVersion"] = kind.ar.api_version.clone().into();
            v["kind"] = kind.ar.kind.clone().into();
            crate::objects::redact_secret(&mut v);
            let v = crate::objects::tidy(v);
            if let Ok(y) = serde_yaml::to_string(&v) {
                objects.push_str("---\n");
                objects.push_str(&y);
            }
        }
    }
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|source| ArtifactsError::Write {
            path: out.join(name),
            source,
        })
    };
    write("objects.yaml", &objects)?;
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(cluster.client.clone(), namespace);
    let all_events = events
        .list(&ListParams::default())
        .await
        .map(|l| crate::evidence::format_events(l.items))
        .unwrap_or_default();
    write("events.txt", &all_events.join("\n"))?;
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    if let Ok(list) = pods.list(&ListParams::default()).await {
        for pod in list.items {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let statuses = pod
                .status
                .and_then(|s| s.container_statuses)
                .unwrap_or_default();
            for cs in statuses {
                for previous in [false, true] {
                    if previous && cs.restart_count == 0 {
                        continue;
                    }
                    let lp = LogParams {
                        container: Some(cs.name.clone()),
                        previous,
                        ..Default::default()
                    };
                    if let Ok(text) = pods.logs(&name, &lp).await {
                        let text = secrets.mask(&text);
                        let suffix = if previous { ".previous" } else { "" };
                        write(&format!("logs/{name}.{}{suffix}.log", cs.name), &text)?;
                    }
                }
            }
        }
    }
    Ok(out)
}
