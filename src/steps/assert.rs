//! `assert`: an object must match a partial object (maps partial, lists in order
//! unless `anyOrder`). Checked on a watch until it holds or the step times out, so
//! eventually-true state needs no retry loop; a mismatch names each differing path.

use super::{Output, StepCtx, StepError};
use crate::objref::ObjectRef;
use crate::wait::{wait_for, Until};
use serde::Deserialize;
use serde_json::Value;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssertSpec {
    pub object: ObjectRef,
    pub matches: Value,
    #[serde(default)]
    pub any_order: bool,
    pub namespace: Option<String>,
}

pub async fn run(ctx: &StepCtx<'_>, spec: &AssertSpec) -> Result<Output, StepError> {
    let resolved = ctx.cluster.resolve(&spec.object.kind).await?;
    let api = ctx.cluster.api(
        &resolved,
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let until = Until {
        matches: Some(spec.matches.clone()),
        any_order: spec.any_order,
        ..Default::default()
    };
    wait_for(api, &spec.object.name, &until, ctx.timeout, ctx.cancel)
        .await
        .map_err(|e| {
            let mut err = StepError::from(e);
            if let StepError::Failed {
                message, expected, ..
            } = &mut err
            {
                *message = format!("{} does not match ({message})", spec.object);
                *expected = serde_yaml::to_string(&spec.matches).ok();
            }
            err
        })?;
    Ok(Output {
        notes: vec![format!("{} matches", spec.object)],
        ..Default::default()
    })
}
