//! The middle test tier's fake Kubernetes API: an in-process HTTP server on
//! loopback that kdrill reaches through its real client (`Cluster::connect` with a
//! kubeconfig), so requests, watches and their streams go through kube exactly as
//! against a cluster. It serves a few core kinds ([`resources`]) with the REST
//! semantics kdrill relies on ([`store`]) and records every request and change.
//! A mock for this tier only: end-to-end tests run against the real testbed.
#![allow(dead_code)]

mod http;
pub mod resources;
mod route;
pub mod store;

use kdrill::cleanup::Cleanup;
use kdrill::cluster::{Cluster, ConnectOptions};
use kdrill::expect::Expect;
use kdrill::host::HostScope;
use kdrill::steps::{Action, Output, RunInfo, StepCtx, StepError};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio_util::sync::CancellationToken;

/// A running fake API server; it stops when dropped.
pub struct FakeApi {
    pub store: Arc<Store>,
    dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::ops::Deref for FakeApi {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl FakeApi {
    /// Start serving on a free loopback port, with a kubeconfig that points there.
    pub async fn start() -> FakeApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let store = Arc::new(Store::default());
        let handler_store = Arc::clone(&store);
        let handler: http::Handler = Arc::new(move |req| handler_store.handle(req));
        let server = tokio::spawn(http::serve(listener, handler));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster: {{server: 'http://{addr}'}}\nusers:\n- name: fake\n  user: {{token: fake-token}}\ncontexts:\n- name: fake\n  context: {{cluster: fake, user: fake}}\n"
        );
        std::fs::write(dir.path().join("kubeconfig"), kubeconfig).expect("kubeconfig written");
        FakeApi { store, dir, server }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// kdrill's client for this fake, made as `kdrill run --kubeconfig` makes it.
    pub async fn cluster(&self) -> Cluster {
        Cluster::connect(&ConnectOptions {
            kubeconfig: Some(self.kubeconfig()),
            ..Default::default()
        })
        .await
        .expect("a client for the fake API")
    }

    /// kdrill's client for this fake with `--qps N`.
    pub async fn cluster_with_qps(&self, qps: u32) -> Cluster {
        Cluster::connect(&ConnectOptions {
            kubeconfig: Some(self.kubeconfig()),
            qps: Some(qps),
            ..Default::default()
        })
        .await
        .expect("a client for the fake API")
    }

    /// A namespace, as if it had been there before.
    pub fn namespace(&self, name: &str) {
        self.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}));
    }
}

/// The run id of the steps run by [`StepEnv`].
pub const RUN_ID: &str = "mockrun1";

/// One step at a time against the fake, as the executor would run it in a
/// scenario whose namespace is [`StepEnv::NAMESPACE`].
pub struct StepEnv {
    pub api: FakeApi,
    pub cluster: Cluster,
    pub run: RunInfo,
    pub cleanup: Cleanup,
    pub cancel: CancellationToken,
    pub expect: Expect,
    /// kdrill made the namespace (everything in it is the scenario's).
    pub owns_namespace: bool,
    host: HostScope,
    vars: kdrill::vars::Vars,
    secrets: kdrill::objects::SecretValues,
}

impl StepEnv {
    pub const NAMESPACE: &'static str = "mock-ns";

    pub async fn new() -> StepEnv {
        let api = FakeApi::start().await;
        api.namespace(Self::NAMESPACE);
        let cluster = api.cluster().await;
        StepEnv {
            api,
            cluster,
            run: RunInfo {
                run_id: RUN_ID.into(),
                private_dir: Err(Arc::new(std::io::Error::other(
                    "no host programs in the mock tier",
                ))),
                sets: Default::default(),
                read_only: false,
            },
            cleanup: Cleanup::default(),
            cancel: CancellationToken::new(),
            expect: Expect::default(),
            owns_namespace: true,
            host: HostScope::blocked("no host programs in the mock tier".into()),
            vars: Default::default(),
            secrets: Default::default(),
        }
    }

    /// Run one step written as in a scenario (`wait: {for: pod/web}`), within `timeout`.
    pub async fn run(&self, step: &str, timeout: Duration) -> Result<Output, StepError> {
        let action = action(step);
        let ctx = StepCtx {
            cluster: &self.cluster,
            run: &self.run,
            dir: Path::new("."),
            expect: &self.expect,
            namespace: Self::NAMESPACE,
            owns_namespace: self.owns_namespace,
            timeout,
            cleanup: &self.cleanup,
            host: &self.host,
            secrets: &self.secrets,
            cancel: &self.cancel,
            vars: &self.vars,
        };
        action.run(&ctx).await
    }
}

/// A step's action from its YAML, e.g. `apply: {manifest: ...}`.
pub fn action(step: &str) -> Action {
    let value: serde_yaml::Mapping = serde_yaml::from_str(step).expect("a step in YAML");
    let (keyword, spec) = value.into_iter().next().expect("one step kind");
    let keyword = keyword.as_str().expect("a keyword").to_string();
    Action::from_value(&keyword, spec)
        .expect("a step kind")
        .expect("a valid spec")
}
