//! The one place that talks to Kubernetes: the client, API discovery (cached per run,
//! refreshed when a kind is unknown so a CRD applied in one step is usable in the
//! next), dynamic APIs for any kind, and server-side tables for `get`.

use crate::objref::KindRef;
use kube::api::{Api, DynamicObject, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::ApiResource;
use kube::discovery::{ApiCapabilities, Discovery, Scope};
use kube::{Client, Config};
use serde_json::Value;
use std::path::PathBuf;
use tokio::sync::Mutex;

/// Errors of cluster access.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot load kubeconfig: {0}")]
    Config(String),
    #[error("cluster unreachable: {0}")]
    Unreachable(String),
    #[error("unknown kind `{kind}`: the cluster serves no such resource (known kinds are listed by `kubectl api-resources`)")]
    UnknownKind { kind: String },
    #[error("`{kind}` is ambiguous, it names {candidates}: add the group, e.g. `{example}`")]
    AmbiguousKind {
        kind: String,
        candidates: String,
        example: String,
    },
    #[error(transparent)]
    Api(#[from] kube::Error),
}

/// A resolved kind: how to reach it and whether it lives in namespaces.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub ar: ApiResource,
    pub namespaced: bool,
    pub caps: ApiCapabilities,
}

/// Connection settings from the command line.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

pub struct Cluster {
    pub client: Client,
    /// Which cluster this is, for the context allow-list and messages.
    pub target: Target,
    /// The kubeconfig host programs get: only this cluster's context, its cluster and
    /// its user (see [`Cluster::kubeconfig_for`]).
    pinned: Kubeconfig,
    discovery: Mutex<Option<Discovery>>,
}

/// The one context of the kubeconfig kdrill hands to host programs.
const PINNED_CONTEXT: &str = "kdrill";

/// A kubeconfig holding only the context `target` names (renamed `kdrill`), its
/// cluster and its user: what a host program may reach.
fn pinned_from(kc: &Kubeconfig, context: &str) -> Kubeconfig {
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .unwrap_or_default();
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .cloned()
        .into_iter()
        .collect();
    let user = ctx
        .user
        .as_ref()
        .and_then(|u| kc.auth_infos.iter().find(|a| &a.name == u))
        .cloned()
        .into_iter()
        .collect();
    Kubeconfig {
        clusters: cluster,
        auth_infos: user,
        contexts: vec![kube::config::NamedContext {
            name: PINNED_CONTEXT.into(),
            context: Some(kube::config::Context {
                extensions: None,
                namespace: None,
                ..ctx
            }),
            other: Default::default(),
        }],
        current_context: Some(PINNED_CONTEXT.into()),
        api_version: Some("v1".into()),
        kind: Some("Config".into()),
        ..Default::default()
    }
}

/// The pinned kubeconfig inside a pod: its ServiceAccount's token and CA, by path.
fn pinned_in_cluster(server: &str) -> Kubeconfig {
    const SA: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
    let cluster = kube::config::NamedCluster {
        name: "in-cluster".into(),
        cluster: Some(kube::config::Cluster {
            server: Some(server.to_string()),
            certificate_authority: Some(format!("{SA}/ca.crt")),
            ..Default::default()
        }),
        ..Default::default()
    };
    let user = kube::config::NamedAuthInfo {
        name: "in-cluster".into(),
        auth_info: Some(kube::config::AuthInfo {
            token_file: Some(format!("{SA}/token")),
            ..Default::default()
        }),
        other: Default::default(),
    };
    let mut kc = Kubeconfig {
        clusters: vec![cluster],
        auth_infos: vec![user],
        contexts: vec![kube::config::NamedContext {
            name: "in-cluster".into(),
            context: Some(kube::config::Context {
                cluster: "in-cluster".into(),
                user: Some("in-cluster".into()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        ..Default::default()
    };
    kc = pinned_from(&kc, "in-cluster");
    kc
}

/// The cluster a client talks to, as the kubeconfig names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The kubeconfig context, or `in-cluster` inside a pod.
    pub context: String,
    pub server: String,
    /// The context carries the `kdrill.dev/allowed` extension (the testbed's does).
    pub marked_allowed: bool,
}

/// The kubeconfig context extension that allows kdrill to run against a context.
pub const ALLOWED_EXTENSION: &str = "kdrill.dev/allowed";

/// Name, server and allow mark of the context `opts` picks in `kc`.
fn target_of(kc: &Kubeconfig, context: Option<&str>) -> Target {
    let name = context
        .map(str::to_string)
        .or_else(|| kc.current_context.clone())
        .unwrap_or_default();
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref());
    let server = ctx
        .and_then(|c| kc.clusters.iter().find(|k| k.name == c.cluster))
        .and_then(|k| k.cluster.as_ref())
        .and_then(|k| k.server.clone())
        .unwrap_or_default();
    let marked_allowed = ctx.and_then(|c| c.extensions.as_ref()).is_some_and(|exts| {
        exts.iter()
            .any(|e| e.name == ALLOWED_EXTENSION && e.extension != serde_json::Value::Bool(false))
    });
    Target {
        context: name,
        server,
        marked_allowed,
    }
}

/// kubectl's short names; discovery's aggregated format does not carry them through kube.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("po", "pods"),
    ("svc", "services"),
    ("cm", "configmaps"),
    ("deploy", "deployments"),
    ("ns", "namespaces"),
    ("rs", "replicasets"),
    ("ds", "daemonsets"),
    ("sts", "statefulsets"),
    ("sa", "serviceaccounts"),
    ("no", "nodes"),
    ("ev", "events"),
    ("pv", "persistentvolumes"),
    ("pvc", "persistentvolumeclaims"),
    ("ing", "ingresses"),
    ("cj", "cronjobs"),
    ("ep", "endpoints"),
    ("crd", "customresourcedefinitions"),
    ("netpol", "networkpolicies"),
    ("quota", "resourcequotas"),
    ("limits", "limitranges"),
    ("pdb", "poddisruptionbudgets"),
    ("hpa", "horizontalpodautoscalers"),
];

impl Cluster {
    /// Build a client from the kubeconfig (explicit path, else `KUBECONFIG`/default) and
    /// context; without any kubeconfig, inside a pod, from its ServiceAccount.
    pub async fn connect(opts: &ConnectOptions) -> Result<Cluster, ClusterError> {
        let kopts = KubeConfigOptions {
            context: opts.context.clone(),
            ..Default::default()
        };
        let kc = match &opts.kubeconfig {
            Some(path) => Some(
                Kubeconfig::read_from(path)
                    .map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?,
            ),
            None => Kubeconfig::read().ok(),
        };
        let (config, target, pinned) =
            match kc {
                Some(kc) => {
                    let target = target_of(&kc, opts.context.as_deref());
                    let pinned = pinned_from(&kc, &target.context);
                    let config = Config::from_custom_kubeconfig(kc, &kopts)
                        .await
                        .map_err(|e| ClusterError::Config(e.to_string()))?;
                    (config, target, pinned)
                }
                None if opts.context.is_none() => {
                    let config = Config::incluster().map_err(|e| {
                        ClusterError::Config(format!(
                        "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not inside a pod ({e})"
                    ))
                    })?;
                    let target = Target {
                        context: "in-cluster".into(),
                        server: config.cluster_url.to_string(),
                        marked_allowed: false,
                    };
                    let pinned = pinned_in_cluster(&target.server);
                    (config, target, pinned)
                }
                None => return Err(ClusterError::Config(
                    "--context needs a kubeconfig ($KUBECONFIG or ~/.kube/config), none was found"
                        .into(),
                )),
            };
        let mut config = config;
        // say who we are in the API server's audit log and metrics
        if let Ok(v) = http::HeaderValue::from_str(&format!("kdrill/{}", env!("CARGO_PKG_VERSION")))
        {
            config.headers.push((http::header::USER_AGENT, v));
        }
        let client = Client::try_from(config).map_err(|e| ClusterError::Config(e.to_string()))?;
        Ok(Cluster {
            client,
            target,
            pinned,
            discovery: Mutex::new(None),
        })
    }

    /// The kubeconfig (YAML) for host programs of a scenario: this cluster's context
    /// alone, with `namespace` as its default.
    pub fn kubeconfig_for(&self, namespace: &str) -> Result<String, ClusterError> {
        let mut kc = self.pinned.clone();
        for c in &mut kc.contexts {
            if let Some(ctx) = c.context.as_mut() {
                ctx.namespace = Some(namespace.to_string());
            }
        }
        serde_yaml::to_string(&kc).map_err(|e| ClusterError::Config(e.to_string()))
    }

    /// Ask the API server for its version: proves it is reachable and we are authenticated.
    pub async fn check(&self) -> Result<String, ClusterError> {
        match self.client.apiserver_version().await {
            Ok(info) => Ok(info.git_version),
            Err(e) => Err(ClusterError::Unreachable(e.to_string())),
        }
    }

    async fn discover(&self) -> Result<Discovery, kube::Error> {
        match Discovery::new(self.client.clone()).run_aggregated().await {
            Ok(d) => Ok(d),
            // older servers: the classic per-group discovery
            Err(_) => Discovery::new(self.client.clone()).run().await,
        }
    }

    /// Resolve a kind as written by the user.
    pub async fn resolve(&self, kind: &KindRef) -> Result<Resolved, ClusterError> {
        let mut guard = self.discovery.lock().await;
        for attempt in 0..2 {
            if guard.is_none() || attempt == 1 {
                *guard = Some(self.discover().await?);
            }
            if let Some(d) = guard.as_ref() {
                if let Some(r) = find_kind(d, kind)? {
                    return Ok(r);
                }
            }
        }
        Err(ClusterError::UnknownKind {
            kind: kind.to_string(),
        })
    }

    /// Resolve `apiVersion` + `kind` of a manifest.
    pub async fn resolve_gvk(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<Resolved, ClusterError> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        self.resolve(&KindRef {
            name: kind.to_string(),
            group: Some(group),
            version: Some(version),
        })
        .await
    }

    /// A dynamic API for a resolved kind, in `namespace` when the kind is namespaced.
    pub fn api(&self, r: &Resolved, namespace: &str) -> Api<DynamicObject> {
        if r.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &r.ar)
        } else {
            Api::all_with(self.client.clone(), &r.ar)
        }
    }

    /// Every listable, deletable kind the cluster serves (for `kdrill clean`).
    pub async fn deletable_kinds(&self) -> Result<Vec<Resolved>, ClusterError> {
        let d = self.discover().await?;
        let mut out = Vec::new();
        for group in d.groups() {
            for (ar, caps) in group.recommended_resources() {
                let ops = &caps.operations;
                if ops.iter().any(|o| o == "list") && ops.iter().any(|o| o == "delete") {
                    let namespaced = caps.scope == Scope::Namespaced;
                    out.push(Resolved {
                        ar,
                        namespaced,
                        caps,
                    });
                }
            }
        }
        Ok(out)
    }

    /// kubectl-like table of objects, printed by the API server itself
    /// (`as=Table`), so columns are exactly what kubectl shows.
    pub async fn table(
        &self,
        r: &Resolved,
        namespace: &str,
        name: Option<&str>,
        selector: Option<&str>,
        wide: bool,
    ) -> Result<String, ClusterError> {
        let api = self.api(r, namespace);
        let url = api.resource_url().to_string();
        let request = kube::core::Request::new(url);
        let mut req = match name {
            Some(n) => request.get(n, &Default::default()),
            None => {
                let mut lp = ListParams::default();
                if let Some(s) = selector {
                    lp = lp.labels(s);
                }
                request.list(&lp)
            }
        }
        .map_err(|e| ClusterError::Api(kube::Error::BuildRequest(e)))?;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            ),
        );
        let table: Value = self.client.request(req).await?;
        let scope = r.namespaced.then_some(namespace);
        Ok(render_table(&table, wide, scope))
    }
}

fn find_kind(d: &Discovery, kind: &KindRef) -> Result<Option<Resolved>, ClusterError> {
    let lower = kind.name.to_ascii_lowercase();
    let wanted = SHORT_NAMES
        .iter()
        .find(|(s, _)| *s == lower)
        .map_or(lower.as_str(), |(_, p)| *p);
    let wanted_ref = KindRef {
        name: wanted.to_string(),
        ..kind.clone()
    };
    let mut hits: Vec<Resolved> = Vec::new();
    for group in d.groups() {
        let resources = match &kind.version {
            Some(v) => group.versioned_resources(v),
            None => group.recommended_resources(),
        };
        for (ar, caps) in resources {
            let singular = ar.kind.to_ascii_lowercase();
            if wanted_ref.accepts(
                &ar.kind,
                &ar.plural,
                &ar.group,
                &ar.version,
                &[singular.as_str()],
            ) {
                let namespaced = caps.scope == Scope::Namespaced;
                hits.push(Resolved {
                    ar,
                    namespaced,
                    caps,
                });
            }
        }
    }
    // the same kind may be served by several groups (events, core and events.k8s.io):
    // prefer the core group, as kubectl does, otherwise it is ambiguous
    if hits.len() > 1 {
        if let Some(i) = hits.iter().position(|h| h.ar.group.is_empty()) {
            return Ok(Some(hits.swap_remove(i)));
        }
        let candidates = hits
            .iter()
            .map(|h| format!("{}.{}", h.ar.plural, h.ar.group))
            .collect::<Vec<_>>()
            .join(", ");
        let example = format!("{}.{}/NAME", kind.name, hits[0].ar.group);
        return Err(ClusterError::AmbiguousKind {
            kind: kind.to_string(),
            candidates,
            example,
        });
    }
    Ok(hits.pop())
}

/// Render a `meta.k8s.io/v1 Table` the way kubectl does: upper-case headers,
/// columns padded to their widest cell plus three spaces, priority>0 columns only when wide.
pub fn render_table(table: &Value, wide: bool, namespace: Option<&str>) -> String {
    let empty = Vec::new();
    let defs = table
        .get("columnDefinitions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let rows = table
        .get("rows")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if rows.is_empty() {
        return match namespace {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".to_string(),
        };
    }
    let keep: Vec<usize> = defs
        .iter()
        .enumerate()
        .filter(|(_, d)| wide || d.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0)
        .map(|(i, _)| i)
        .collect();
    let mut grid: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    grid.push(
        keep.iter()
            .map(|&i| {
                defs[i]
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_uppercase()
            })
            .collect(),
    );
    for row in rows {
        let cells = row.get("cells").and_then(Value::as_array).unwrap_or(&empty);
        grid.push(
            keep.iter()
                .map(|&i| match cells.get(i) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => "<none>".to_string(),
                    Some(v) => v.to_string(),
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..keep.len())
        .map(|c| grid.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in grid {
        let last = row.len().saturating_sub(1);
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c < last {
                out.push_str(&" ".repeat(widths[c] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_programs_get_one_context_with_the_scenario_namespace() {
        let kc: Kubeconfig = serde_yaml::from_str(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- {name: c1, cluster: {server: 'https://one'}}\n- {name: c2, cluster: {server: 'https://two'}}\nusers:\n- {name: u1, user: {token: secret-one}}\n- {name: u2, user: {token: secret-two}}\ncontexts:\n- {name: prod, context: {cluster: c1, user: u1, namespace: live}}\n- {name: testbed, context: {cluster: c2, user: u2}}\n",
        )
        .unwrap();
        let pinned = pinned_from(&kc, "testbed");
        let mut with_ns = pinned.clone();
        with_ns.contexts[0].context.as_mut().unwrap().namespace = Some("kdrill-x".into());
        let text = serde_yaml::to_string(&with_ns).unwrap();
        let back: Kubeconfig = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back.contexts.len(), 1);
        assert_eq!(back.current_context.as_deref(), Some(PINNED_CONTEXT));
        let ctx = back.contexts[0].context.as_ref().unwrap();
        assert_eq!(
            (ctx.cluster.as_str(), ctx.namespace.as_deref()),
            ("c2", Some("kdrill-x"))
        );
        assert_eq!(back.clusters.len(), 1);
        assert_eq!(back.clusters[0].name, "c2");
        assert!(
            !text.contains("secret-one") && !text.contains("https://one") && !text.contains("prod"),
            "{text}"
        );
        assert!(
            text.contains("secret-two"),
            "the context's own credentials stay: {text}"
        );
        let inside = pinned_in_cluster("https://10.0.0.1:443");
        let t = serde_yaml::to_string(&inside).unwrap();
        assert!(
            t.contains("tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"),
            "{t}"
        );
    }
    use serde_json::json;

    fn pods_table() -> Value {
        json!({
            "kind": "Table",
            "columnDefinitions": [
                {"name": "Name", "priority": 0}, {"name": "Ready", "priority": 0},
                {"name": "Status", "priority": 0}, {"name": "Restarts", "priority": 0},
                {"name": "Age", "priority": 0}, {"name": "IP", "priority": 1}
            ],
            "rows": [
                {"cells": ["nginx", "1/1", "Running", 0, "12s", "10.88.0.4"]},
                {"cells": ["webapps-same-image", "1/2", "CrashLoopBackOff", "3 (20s ago)", "2m", null]}
            ]
        })
    }

    #[test]
    fn renders_like_kubectl() {
        insta::assert_snapshot!(render_table(&pods_table(), false, Some("default")), @r"
        NAME                 READY   STATUS             RESTARTS      AGE
        nginx                1/1     Running            0             12s
        webapps-same-image   1/2     CrashLoopBackOff   3 (20s ago)   2m
        ");
    }

    #[test]
    fn wide_adds_priority_columns() {
        let out = render_table(&pods_table(), true, Some("default"));
        assert!(out.lines().next().unwrap().ends_with("AGE   IP"));
        assert!(out.contains("<none>"));
    }

    #[test]
    fn empty_tables_say_so() {
        assert_eq!(
            render_table(&json!({"rows": []}), false, Some("x")),
            "No resources found in x namespace.\n"
        );
    }
}
