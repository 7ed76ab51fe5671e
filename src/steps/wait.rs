//! `wait`: block, on a watch, until an object (by name) or every object matching a
//! label selector reaches a state (phase, condition, container state, restart count,
//! a partial object, or deletion).

use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::{KindRef, ObjectRef};
use crate::wait::{wait_for, wait_for_selector, Until};
use serde::Deserialize;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitSpec {
    /// One object, `kind/name`.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub target: Option<ObjectRef>,
    /// With `selector`: every object of this kind with these labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<KindRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default)]
    pub until: Until,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl WaitSpec {

    /// What is waited for, e.g. `pod/nginx` or `pods -l app=web`.
    pub fn target(&self) -> String {
        super::target_summary(
            self.target.as_ref(),
            self.kind.as_ref(),
            self.selector.as_deref(),
        )
    }
}

impl StepKind for WaitSpec {
    const KEYWORD: &'static str = "wait";

    fn summary(&self) -> String {
        format!("{} {}", self.target(), self.until.summary())
    }

    fn validate(&self) -> Vec<Problem> {
        let kind_alone = "waiting on a kind needs a `selector`";
        super::target_problems(
            "wait",
            "for",
            self.target.as_ref(),
            self.kind.as_ref(),
            self.selector.as_deref(),
            kind_alone,
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &WaitSpec) -> Result<Output, StepError> {
    let kind = spec
        .target
        .as_ref()
        .map(|t| &t.kind)
        .or(spec.kind.as_ref())
        .ok_or(StepError::Incomplete("nothing to wait for"))?;
    let resolved = ctx.cluster.resolve(kind).await?;
    let api = ctx.cluster.api(
        &resolved,
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    // `until.expr` sees the scenario's variables
    let until = spec.until.with_vars(ctx.vars);
    let result = match (&spec.target, &spec.selector) {
        (Some(t), _) => wait_for(api, &t.name, &until, ctx.timeout, ctx.cancel).await,
        (None, Some(sel)) => {
            let kind = resolved.ar.kind.to_ascii_lowercase();
            wait_for_selector(api, &kind, sel, &until, ctx.timeout, ctx.cancel)
                .await
                // one match is an object `save` can read; many are not
                .map(|seen| match seen.len() {
                    1 => seen.into_values().next(),
                    _ => None,
                })
        }
        _ => Ok(None),
    };
    let object = result.map_err(|e| {
        let mut err = StepError::from(e);
        if let StepError::Failed { expected, .. } = &mut err {
            *expected = Some(format!("{} {}", spec.target(), spec.until.summary()));
        }
        err
    })?;
    Ok(Output {
        notes: vec![format!("{} {}", spec.target(), spec.until.summary())],
        object,
        ..Default::default()
    })
}
