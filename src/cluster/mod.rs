//! The one place that talks to Kubernetes outside the steps themselves: the client, API discovery (cached per run,
//! refreshed when a kind is unknown so a CRD applied in one step is usable in the
//! next), dynamic APIs for any kind, and server-side tables for `get`.

mod clean;
mod gone;
mod kubeconfig;
mod lifecycle;
mod table;

pub use clean::{CleanOutcome, Cleaned, Leftover, LIVE_WINDOW};
pub use gone::GoneWatch;
pub use lifecycle::{now_secs, NamespaceError, RemoveError, Removed, HEARTBEAT};
pub use table::render_table;

use crate::objref::KindRef;
use kube::api::{Api, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::ApiResource;
use kube::discovery::{ApiCapabilities, Discovery, Scope};
use kube::{Client, Config};
use std::path::PathBuf;
use tokio::sync::Mutex;

/// The client, with a bounded retry policy: a request the API server throttles (429,
/// API Priority and Fairness) or cannot serve for a moment (503, 504) is sent again
/// after an exponential backoff that honours `Retry-After`, up to [`RETRIES`] times,
/// then its answer is the step's error. kube's default policy (15 retries, backoff up
/// to 1,000 s) could hold one request for many minutes, past any step's timeout. Retry
/// needs a cloneable service, hence the buffer beneath it (as kube documents); a
/// request whose body is a stream is not retried. With `qps`, at most that many
/// requests a second leave (a retry counts), for an API server shared with others.
fn client_for(mut config: Config, qps: Option<u32>) -> Result<Client, ClusterError> {
    use kube::client::retry::RetryPolicy;
    config.default_retry = false;
    let policy = RetryPolicy::new(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(2),
        RETRIES,
        true,
    )
    .map_err(|e| ClusterError::Config(format!("retry policy: {e}")))?;
    let builder = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| ClusterError::Config(e.to_string()))?;
    // beneath the buffer: its one worker waits for the window, the callers queue
    let limit = tower::util::option_layer(qps.filter(|&n| n > 0).map(|n| {
        tower::limit::RateLimitLayer::new(u64::from(n), std::time::Duration::from_secs(1))
    }));
    Ok(builder
        .with_layer(&limit)
        .with_layer(&tower::buffer::BufferLayer::new(1024))
        .with_layer(&tower::retry::RetryLayer::new(policy))
        .build())
}

/// How long a kind its CRD defines may take to appear in discovery.
pub const CRD_SERVED_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// How often a throttled request is sent again: backoffs of 0.1 s doubling to 2 s,
/// each stretched by a random jitter of up to 2x, so 5-15 s in all before the API's
/// answer is the step's error.
pub const RETRIES: u32 = 6;

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
    /// At most this many API requests a second (`--qps`); None: no limit.
    pub qps: Option<u32>,
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
                    let target = kubeconfig::target_of(&kc, opts.context.as_deref());
                    let pinned = kubeconfig::pinned_from(&kc, &target.context);
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
                    let pinned = kubeconfig::pinned_in_cluster(&target.server);
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
        let client = client_for(config, opts.qps)?;
        Ok(Cluster {
            client,
            target,
            pinned,
            discovery: Mutex::new(None),
        })
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
        {
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
        }
        // A CRD created a moment ago is Established before discovery serves its kind
        // (seen on the testbed: "unknown kind" for the custom resource applied right
        // after its CRD). Discovery has no watch: when a CRD names the kind, read it
        // again every 250 ms for up to CRD_SERVED_WITHIN, without holding the lock.
        if self.crd_names(kind).await {
            let deadline = tokio::time::Instant::now() + CRD_SERVED_WITHIN;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                let d = self.discover().await?;
                let found = find_kind(&d, kind)?;
                *self.discovery.lock().await = Some(d);
                if let Some(r) = found {
                    return Ok(r);
                }
            }
        }
        Err(ClusterError::UnknownKind {
            kind: kind.to_string(),
        })
    }

    /// Does a CustomResourceDefinition of the cluster define `kind` (by kind, plural,
    /// singular or short name, and group when given)? A failed list says no: the
    /// caller then reports the kind as unknown, as before.
    async fn crd_names(&self, kind: &KindRef) -> bool {
        use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let Ok(list) = crds.list(&Default::default()).await else {
            return false;
        };
        list.items.iter().any(|crd| {
            let n = &crd.spec.names;
            let short: Vec<&str> = n
                .short_names
                .iter()
                .flatten()
                .map(String::as_str)
                .chain(n.singular.as_deref())
                .collect();
            crd.spec
                .versions
                .iter()
                .any(|v| kind.accepts(&n.kind, &n.plural, &crd.spec.group, &v.name, &short))
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
