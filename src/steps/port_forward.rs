//! `portForward`: a local port on this machine that reaches a pod's port, as
//! `kubectl port-forward` does, for the host commands that follow (`curl
//! localhost:8080`). It listens on 127.0.0.1 only and lives until the scenario
//! ends; each connection is a port-forward stream through the API server.

use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::expect::ExpectField;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortForwardSpec {
    /// The pod, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Instead of `pod`: the first Running pod, by name, with these labels (what
    /// `kubectl port-forward deploy/web` or `svc/web` picks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The pod's port.
    pub port: u16,
    /// The port on 127.0.0.1 (default: a free one; the step's `output` is the
    /// address, for `save: {ADDR: output}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Why a forward could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: std::io::Error },
}

impl StepKind for PortForwardSpec {
    const KEYWORD: &'static str = "portForward";
    const EXPECTS: &'static [ExpectField] = &[ExpectField::Output];

    fn summary(&self) -> String {
        let target = match (&self.pod, &self.selector) {
            (Some(p), _) => format!("pod/{p}"),
            (None, Some(s)) => format!("pods -l {s}"),
            _ => String::new(),
        };
        match self.local_port {
            Some(l) => format!("{target} {l}:{}", self.port),
            None => format!("{target} :{}", self.port),
        }
    }

    fn validate(&self) -> Vec<Problem> {
        let mut out = match (&self.pod, &self.selector) {
            (Some(_), None) | (None, Some(_)) => Vec::new(),
            (Some(_), Some(_)) => vec![Problem::new("selector", "give `pod` or `selector`, not both")],
            (None, None) => vec![Problem::new("", "`portForward` needs `pod: NAME` or `selector: LABELS`")],
        };
        if self.port == 0 {
            out.push(Problem::new("port", "the pod's port is a number from 1 to 65535"));
        }
        out
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        let namespace = self.namespace.as_deref().unwrap_or(ctx.namespace);
        let pods: Api<Pod> = Api::namespaced(ctx.cluster.client.clone(), namespace);
        let name = match (&self.pod, &self.selector) {
            (Some(p), _) => p.clone(),
            (None, Some(sel)) => {
                let lp = ListParams::default()
                    .labels(sel)
                    .fields("status.phase=Running");
                let mut names: Vec<String> = pods
                    .list_metadata(&lp)
                    .await?
                    .items
                    .into_iter()
                    .filter_map(|p| p.metadata.name)
                    .collect();
                names.sort();
                names.into_iter().next().ok_or_else(|| {
                    StepError::failed(format!("no Running pod matches the selector `{sel}`"))
                })?
            }
            _ => return Err(StepError::Incomplete("no pod named")),
        };
        // the pod must exist now: a forward to nothing would only fail later, in curl
        pods.get(&name).await?;
        let local = self.local_port.unwrap_or(0);
        let listener = TcpListener::bind(("127.0.0.1", local))
            .await
            .map_err(|source| StepError::broken(ForwardError::Listen { port: local, source }))?;
        let addr = listener
            .local_addr()
            .map_err(|source| StepError::broken(ForwardError::Listen { port: local, source }))?;
        let port = self.port;
        ctx.host.keep(tokio::spawn(serve(listener, pods, name.clone(), port)));
        Ok(Output {
            output: Some(addr.to_string()),
            notes: vec![format!("forwarding {addr} to pod/{name}:{port} until the scenario ends")],
            ..Default::default()
        })
    }
}

/// Accept connections until aborted; each gets its own stream to the pod.
async fn serve(listener: TcpListener, pods: Api<Pod>, name: String, port: u16) {
    while let Ok((conn, _)) = listener.accept().await {
        tokio::spawn(forward(conn, pods.clone(), name.clone(), port));
    }
}

async fn forward(mut conn: TcpStream, pods: Api<Pod>, name: String, port: u16) {
    // a failed connection is the client's to see (it is closed), not the scenario's
    let Ok(mut pf) = pods.portforward(&name, &[port]).await else {
        return;
    };
    if let Some(mut upstream) = pf.take_stream(port) {
        let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
    }
    pf.abort();
}
