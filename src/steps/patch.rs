//! `patch`: change a live object with a JSON patch, a JSON merge patch or a
//! strategic merge patch (kubectl's default), optionally on a subresource.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::ObjectRef;
use kube::api::{Patch, PatchParams};
use serde::Deserialize;
use serde_json::Value;

#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchType {
    Json,
    Merge,
    #[default]
    Strategic,
}

impl PatchType {
    pub fn keyword(self) -> &'static str {
        match self {
            PatchType::Json => "json",
            PatchType::Merge => "merge",
            PatchType::Strategic => "strategic",
        }
    }
}

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchSpec {
    pub object: ObjectRef,
    #[serde(rename = "type", default, skip_serializing_if = "super::is_default")]
    pub patch_type: PatchType,
    /// The patch: YAML/JSON structure, or a JSON/YAML string as given to `kubectl patch -p`.
    #[schemars(with = "serde_json::Value")]
    pub patch: serde_yaml::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `status` or `scale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

/// A patch that cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("the patch text is not JSON or YAML: {0}")]
    Text(serde_yaml::Error),
    #[error("the patch cannot be represented as JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("a json patch is a list of operations such as {{op: replace, path: /spec/x, value: 1}}: {0}")]
    NotOperations(serde_json::Error),
}

impl PatchSpec {
    /// The patch body as JSON.
    fn body(&self) -> Result<Value, PatchError> {
        let v = match &self.patch {
            serde_yaml::Value::String(s) => {
                serde_yaml::from_str::<serde_yaml::Value>(s).map_err(PatchError::Text)?
            }
            other => other.clone(),
        };
        serde_json::to_value(&v).map_err(PatchError::NotJson)
    }

    /// The kube patch to send.
    fn build(&self) -> Result<Patch<Value>, PatchError> {
        let body = self.body()?;
        Ok(match self.patch_type {
            PatchType::Json => {
                let ops: json_patch::Patch =
                    serde_json::from_value(body).map_err(PatchError::NotOperations)?;
                Patch::Json(ops)
            }
            PatchType::Merge => Patch::Merge(body),
            PatchType::Strategic => Patch::Strategic(body),
        })
    }

}

impl StepKind for PatchSpec {
    const KEYWORD: &'static str = "patch";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Error];

    fn summary(&self) -> String {
        format!("{} ({})", self.object, self.patch_type.keyword())
    }

    fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Err(e) = self.build() {
            out.push(Problem::new("patch", e));
        } else if self.patch_type != PatchType::Json && !self.body().is_ok_and(|b| b.is_object()) {
            out.push(Problem::new(
                "patch",
                format!(
                    "a {} patch is a mapping (a partial object)",
                    self.patch_type.keyword()
                ),
            ));
        }
        if let Some(s) = &self.subresource {
            if s != "status" && s != "scale" {
                out.push(Problem::new(
                    "subresource",
                    format!("subresource must be `status` or `scale`, not `{s}`"),
                ));
            }
        }
        out
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &PatchSpec) -> Result<Output, StepError> {
    let resolved = ctx.cluster.resolve(&spec.object.kind).await?;
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    ctx.may_change(&spec.object.to_string(), resolved.namespaced.then_some(ns))?;
    let api = ctx.cluster.api(&resolved, ns);
    let patch = spec.build().map_err(StepError::broken)?;
    let pp = PatchParams::default();
    let obj = match &spec.subresource {
        Some(sub) => {
            api.patch_subresource(sub, &spec.object.name, &pp, &patch)
                .await?
        }
        None => api.patch(&spec.object.name, &pp, &patch).await?,
    };
    let generation = obj
        .metadata
        .generation
        .map(|g| format!(" (generation {g})"))
        .unwrap_or_default();
    Ok(Output {
        notes: vec![format!("{} patched{generation}", spec.object)],
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> PatchSpec {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn json_patches_are_built_from_yaml_or_text() {
        let s = spec("{object: pod/nginx, type: json, patch: [{op: replace, path: /spec/containers/0/image, value: 'nginx:latest'}]}");
        assert!(matches!(s.build(), Ok(Patch::Json(_))));
        let s = spec(
            r#"{object: pod/nginx, type: json, patch: '[{"op": "replace", "path": "/spec/containers/0/image", "value":"nginx:latest"}]'}"#,
        );
        assert!(matches!(s.build(), Ok(Patch::Json(_))));
        assert!(s.validate().is_empty());
    }

    #[test]
    fn bad_patches_are_explained() {
        let s = spec("{object: pod/nginx, type: json, patch: {spec: {}}}");
        assert!(s.validate()[0].message.contains("list of operations"));
        let s = spec("{object: pod/nginx, type: merge, patch: [1]}");
        assert!(s.validate()[0].message.contains("is a mapping"));
        let s = spec("{object: pod/nginx, patch: {spec: {}}, subresource: exec}");
        assert!(s.validate()[0].message.contains("subresource must be"));
    }

    #[test]
    fn strategic_is_the_default() {
        assert_eq!(
            spec("{object: pod/x, patch: {metadata: {labels: {a: b}}}}").patch_type,
            PatchType::Strategic
        );
    }
}
