//! `wait`: block, on a watch, until an object reaches a state (phase, condition,
//! container state, restart count, a partial object, or deletion).

use super::{Output, StepCtx, StepError};
use crate::objref::ObjectRef;
use crate::wait::{wait_for, Until};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitSpec {
    #[serde(rename = "for")]
    pub target: ObjectRef,
    #[serde(default)]
    pub until: Until,
    pub namespace: Option<String>,
}

pub async fn run(ctx: &StepCtx<'_>, spec: &WaitSpec) -> Result<Output, StepError> {
    let resolved = ctx.cluster.resolve(&spec.target.kind).await?;
    let api = ctx.cluster.api(
        &resolved,
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    wait_for(api, &spec.target.name, &spec.until, ctx.timeout, ctx.cancel)
        .await
        .map_err(|e| {
            let mut err = StepError::from(e);
            if let StepError::Failed { expected, .. } = &mut err {
                *expected = Some(format!("{} {}", spec.target, spec.until.summary()));
            }
            err
        })?;
    Ok(Output {
        notes: vec![format!("{} {}", spec.target, spec.until.summary())],
        ..Default::default()
    })
}
