//! `logs`: read a container's log (current or previous instance) through the API,
//! from a pod by name or the first pod (by name) matching a label selector.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde::Deserialize;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogsSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Instead of `pod`: the first pod, by name, with these labels (e.g. a Job's pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The previous, terminated instance of the container (after a restart).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub previous: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tail_lines: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}


impl StepKind for LogsSpec {
    const KEYWORD: &'static str = "logs";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Output, ExpectField::Error];

    fn summary(&self) -> String {
        let mut s = match (&self.pod, &self.selector) {
            (Some(p), _) => format!("pod/{p}"),
            (None, Some(sel)) => format!("pods -l {sel}"),
            _ => String::new(),
        };
        if let Some(c) = &self.container {
            s.push_str(&format!(" -c {c}"));
        }
        if self.previous {
            s.push_str(" --previous");
        }
        s
    }

    fn validate(&self) -> Vec<Problem> {
        match (&self.pod, &self.selector) {
            (Some(_), None) | (None, Some(_)) => Vec::new(),
            (Some(_), Some(_)) => vec![Problem::new(
                "selector",
                "give `pod` or `selector`, not both",
            )],
            (None, None) => vec![Problem::new(
                "",
                "`logs` needs `pod: NAME` or `selector: LABELS`",
            )],
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &LogsSpec) -> Result<Output, StepError> {
    let pods: Api<Pod> = Api::namespaced(
        ctx.cluster.client.clone(),
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let name = match (&spec.pod, &spec.selector) {
        (Some(p), _) => p.clone(),
        (None, Some(sel)) => {
            let mut names: Vec<String> = pods
                .list_metadata(&ListParams::default().labels(sel))
                .await?
                .items
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect();
            names.sort();
            names
                .into_iter()
                .next()
                .ok_or_else(|| StepError::failed(format!("no pod matches the selector `{sel}`")))?
        }
        _ => return Err(StepError::Incomplete("no pod named")),
    };
    let lp = LogParams {
        container: spec.container.clone(),
        previous: spec.previous,
        tail_lines: spec.tail_lines,
        ..Default::default()
    };
    let text = pods.logs(&name, &lp).await?;
    Ok(Output {
        output: Some(text),
        ..Default::default()
    })
}
