//! `logs`: read a container's log (current or previous instance) through the API.

use super::{Output, StepCtx, StepError};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogsSpec {
    pub pod: String,
    pub container: Option<String>,
    /// The previous, terminated instance of the container (after a restart).
    #[serde(default)]
    pub previous: bool,
    pub tail_lines: Option<i64>,
    pub namespace: Option<String>,
}

impl LogsSpec {
    pub fn summary(&self) -> String {
        let mut s = format!("pod/{}", self.pod);
        if let Some(c) = &self.container {
            s.push_str(&format!(" -c {c}"));
        }
        if self.previous {
            s.push_str(" --previous");
        }
        s
    }
}

pub async fn run(ctx: &StepCtx<'_>, spec: &LogsSpec) -> Result<Output, StepError> {
    let pods: Api<Pod> = Api::namespaced(
        ctx.cluster.client.clone(),
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let lp = LogParams {
        container: spec.container.clone(),
        previous: spec.previous,
        tail_lines: spec.tail_lines,
        ..Default::default()
    };
    let text = pods.logs(&spec.pod, &lp).await?;
    Ok(Output {
        output: Some(text),
        ..Default::default()
    })
}
