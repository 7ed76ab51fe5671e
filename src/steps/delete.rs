//! `delete`: remove what the step names, by `kind/name` or by kind and label
//! selector, then (by default) wait, with a watch, until it is gone.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::{KindRef, ObjectRef};
use crate::wait::{wait_for, Until};
use kube::api::{DeleteParams, ListParams, PropagationPolicy};
use serde::Deserialize;

#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeleteSpec {
    /// One object, `kind/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// With `selector`: every object of this kind with these labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<KindRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Wait until the objects are gone (default true).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub wait: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation: Option<Propagation>,
    /// An object that is already gone is fine (default false: a missing `object`
    /// fails the step). Chainsaw's and KUTTL's deletes, and `kubectl delete
    /// --ignore-not-found`, tolerate absence.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_not_found: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl StepKind for DeleteSpec {
    const KEYWORD: &'static str = "delete";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Error];

    fn summary(&self) -> String {
        let target = super::target_summary(
            self.object.as_ref(),
            self.kind.as_ref(),
            self.selector.as_deref(),
        );
        if self.ignore_not_found {
            format!("{target} (if present)")
        } else {
            target
        }
    }

    fn validate(&self) -> Vec<Problem> {
        let whole_kind = "deleting by kind needs a `selector` (kdrill never deletes a whole kind)";
        super::target_problems(
            "delete",
            "object",
            self.object.as_ref(),
            self.kind.as_ref(),
            self.selector.as_deref(),
            whole_kind,
        )
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &DeleteSpec) -> Result<Output, StepError> {
    let kind = spec
        .object
        .as_ref()
        .map(|o| &o.kind)
        .or(spec.kind.as_ref())
        .ok_or(StepError::Incomplete("nothing to delete"))?;
    let resolved = ctx.cluster.resolve(kind).await?;
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    ctx.may_change(&spec.summary(), resolved.namespaced.then_some(ns))?;
    let api = ctx.cluster.api(&resolved, ns);
    let names: Vec<String> = match (&spec.object, &spec.selector) {
        (Some(o), _) => vec![o.name.clone()],
        (None, Some(sel)) => api
            .list_metadata(&ListParams::default().labels(sel))
            .await?
            .items
            .into_iter()
            .filter_map(|m| m.metadata.name)
            .collect(),
        _ => Vec::new(),
    };
    let dp = DeleteParams {
        propagation_policy: spec.propagation.map(|p| match p {
            Propagation::Background => PropagationPolicy::Background,
            Propagation::Foreground => PropagationPolicy::Foreground,
            Propagation::Orphan => PropagationPolicy::Orphan,
        }),
        ..Default::default()
    };
    let mut out = Output::default();
    let mut deleted = Vec::new();
    for name in &names {
        match api.delete(name, &dp).await {
            Ok(_) => {
                out.notes.push(format!(
                    "{}/{name} deleted",
                    resolved.ar.kind.to_ascii_lowercase()
                ));
                deleted.push(name.clone());
            }
            Err(kube::Error::Api(e)) if e.code == 404 && spec.ignore_not_found => {
                out.notes.push(format!(
                    "{}/{name} was already gone (ignoreNotFound)",
                    resolved.ar.kind.to_ascii_lowercase()
                ));
                // kdrill's own cleanup has nothing left to remove either
                ctx.cleanup
                    .forget(&resolved, resolved.namespaced.then_some(ns), name);
            }
            Err(e) => return Err(e.into()),
        }
    }
    if spec.wait {
        let gone = Until {
            deleted: Some(true),
            ..Default::default()
        };
        for name in &deleted {
            wait_for(api.clone(), name, &gone, ctx.timeout, ctx.cancel).await?;
            ctx.cleanup
                .forget(&resolved, resolved.namespaced.then_some(ns), name);
        }
    }
    if names.is_empty() {
        out.notes.push("no object matched the selector".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_not_found_is_read_written_and_summarised() {
        let spec: DeleteSpec =
            serde_yaml::from_str("{object: v1/ConfigMap/gone, ignoreNotFound: true}").unwrap();
        assert!(spec.ignore_not_found);
        assert_eq!(spec.summary(), "v1/ConfigMap/gone (if present)");
        assert_eq!(
            serde_yaml::to_string(&spec).unwrap(),
            "object: v1/ConfigMap/gone\nignoreNotFound: true\n"
        );
        let plain: DeleteSpec = serde_yaml::from_str("{object: pod/x}").unwrap();
        assert!(!plain.ignore_not_found);
        assert_eq!(serde_yaml::to_string(&plain).unwrap(), "object: pod/x\n");
    }
}
