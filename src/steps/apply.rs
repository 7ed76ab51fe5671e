//! `apply`: server-side apply of manifests (field manager `kdrill`, strict field
//! validation), from a file beside the scenario or inline. Objects without a
//! namespace land in the scenario's namespace; every object gets kdrill's labels.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind, RUN_LABEL};
use crate::cleanup::Created;
use crate::manifest;
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplySpec {
    /// A manifest file (one or many documents), relative to the scenario file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Inline manifest(s): a mapping, a list of mappings, or YAML text.
    #[schemars(with = "Option<serde_json::Value>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_yaml::Value>,
    /// A kustomization directory, rendered with `kubectl kustomize` (or `kustomize build`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<String>,
    /// A Helm chart, rendered with `helm template`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<crate::render::HelmSource>,
    /// Namespace for namespaced objects that name none (default: the scenario's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// How objects are written (default `apply`: server-side apply).
    #[serde(default, skip_serializing_if = "super::is_default")]
    pub mode: ApplyMode,
}

/// How `apply` writes objects.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyMode {
    /// Server-side apply, field manager `kdrill` (fields not in the manifest but owned
    /// by kdrill are removed; others' fields stay).
    #[default]
    Apply,
    /// Create; fails with AlreadyExists when the object is there.
    Create,
    /// Full replace (PUT): keys missing from the manifest disappear; creates when absent.
    Replace,
    /// Create, or JSON merge patch when present (lists are replaced): the semantics of
    /// Chainsaw's and KUTTL's apply.
    Merge,
}


impl StepKind for ApplySpec {
    const KEYWORD: &'static str = "apply";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Error, ExpectField::ErrorObject];

    fn summary(&self) -> String {
        if let Some(k) = &self.kustomize {
            return format!("kustomize {k}");
        }
        if let Some(h) = &self.helm {
            return format!("helm {}", h.chart);
        }
        match (&self.file, &self.manifest) {
            (Some(f), _) => f.clone(),
            (None, Some(m)) => match manifest::documents_of_value(m) {
                Ok(docs) => docs.iter().map(manifest::describe_doc).collect::<Vec<_>>().join(", "),
                Err(_) => "inline manifest".into(),
            },
            _ => String::new(),
        }
    }

    fn validate(&self) -> Vec<Problem> {
        let sources = [
            self.file.is_some(),
            self.manifest.is_some(),
            self.kustomize.is_some(),
            self.helm.is_some(),
        ];
        match sources.iter().filter(|s| **s).count() {
            0 => {
                return vec![Problem::new(
                    "",
                    "`apply` needs one source: `file`, `manifest`, `kustomize` or `helm`",
                )]
            }
            1 => {}
            _ => {
                return vec![Problem::new(
                    "",
                    "`apply` takes exactly one source of `file`, `manifest`, `kustomize`, `helm`",
                )]
            }
        }
        if let Some(h) = &self.helm {
            return h
                .validate()
                .into_iter()
                .map(|(k, m)| Problem::new(format!("helm.{k}"), m))
                .collect();
        }
        match (&self.file, &self.manifest) {
            (Some(_), Some(_)) => vec![Problem::new(
                "manifest",
                "give either `file` or `manifest`, not both",
            )],
            (None, None) => Vec::new(),
            (None, Some(m)) => match manifest::documents_of_value(m) {
                Ok(d) if d.is_empty() => vec![Problem::new(
                    "manifest",
                    "the inline manifest holds no object",
                )],
                Ok(d) => d
                    .iter()
                    .filter_map(|doc| manifest::check_doc(doc).err())
                    .map(|e| Problem::new("manifest", e))
                    .collect(),
                Err(e) => vec![Problem::new("manifest", e)],
            },
            (Some(_), None) => Vec::new(),
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &ApplySpec) -> Result<Output, StepError> {
    let docs = match (&spec.file, &spec.manifest) {
        (Some(f), _) => {
            let path = ctx.path(f);
            let mut docs = Vec::new();
            for file in manifest_files(&path)? {
                docs.extend(read_manifest(ctx, &file).await?);
            }
            if docs.is_empty() {
                return Err(StepError::failed(format!(
                    "{} holds no object to apply",
                    path.display()
                )));
            }
            docs
        }
        (None, Some(m)) => manifest::documents_of_value(m)?,
        (None, None) => {
            let text = match (&spec.kustomize, &spec.helm) {
                (Some(k), _) => {
                    crate::render::kustomize(ctx.host, Path::new(k), ctx.dir, ctx.cancel).await
                }
                (None, Some(h)) => {
                    crate::render::helm(ctx.host, h, ctx.dir, ctx.namespace, ctx.cancel).await
                }
                (None, None) => return Err(StepError::Incomplete("nothing to apply")),
            }
            .map_err(|e| match e {
                crate::render::RenderError::Cancelled => StepError::Cancelled,
                other => StepError::failed(other.to_string()),
            })?;
            let docs = manifest::documents_of_text(&text)?;
            if docs.is_empty() {
                return Err(StepError::failed(format!(
                    "{} rendered no object",
                    spec.summary()
                )));
            }
            docs
        }
    };
    // `expect.error.object`: only that document must be rejected, all others applied
    let rejected_one = match ctx
        .expect
        .error
        .as_ref()
        .and_then(|e| e.object.as_ref())
    {
        Some(o) => Some((o, ctx.cluster.resolve(&o.kind).await?)),
        None => None,
    };
    let mut out = Output::default();
    let mut rejection = None;
    let mut found = false;
    let single = docs.len() == 1;
    for doc in docs {
        let target = rejected_one.as_ref().is_some_and(|(o, r)| {
            doc.get("kind").and_then(Value::as_str) == Some(r.ar.kind.as_str())
                && doc.pointer("/metadata/name").and_then(Value::as_str) == Some(o.name.as_str())
        });
        found |= target;
        let what = manifest::describe_doc(&doc);
        match (apply_one(ctx, spec, doc).await, target, &rejected_one) {
            (Ok((note, obj)), false, _) => {
                out.notes.push(note);
                if single {
                    out.object = Some(obj);
                }
            }
            (Ok(_), true, _) => {
                return Err(StepError::failed(format!(
                    "{what} was accepted, but it was expected to be rejected"
                )))
            }
            (Err(StepError::Api(f)), true, _) => rejection = Some(f),
            (Err(StepError::Api(f)), false, Some((o, _))) => {
                return Err(StepError::failed(format!(
                    "{what} was rejected ({} {}: {}), but only {o} was expected to be",
                    f.code, f.reason, f.message
                )))
            }
            (Err(e), _, _) => return Err(e),
        }
    }
    if let Some((o, _)) = &rejected_one {
        return match rejection {
            // `check` compares it with the expected reason and message
            Some(f) => Err(StepError::Api(f)),
            None if !found => Err(StepError::failed(format!(
                "`expect.error.object` names {o}, but no document of this step is {o}"
            ))),
            None => Err(StepError::failed(format!("{o} was not applied"))),
        };
    }
    Ok(out)
}

/// A manifest file, or the `.yaml`/`.yml` files of a directory (sorted, not recursive).
fn manifest_files(path: &Path) -> Result<Vec<std::path::PathBuf>, StepError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let rd = std::fs::read_dir(path)
        .map_err(|source| StepError::Read { path: path.to_path_buf(), source })?;
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// The documents of one manifest file, `${VARS}` replaced.
async fn read_manifest(ctx: &StepCtx<'_>, path: &Path) -> Result<Vec<Value>, StepError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|source| StepError::Read { path: path.to_path_buf(), source })?;
    if text.starts_with(manifest::TODO_MARKER) {
        let first = text.lines().next().unwrap_or_default();
        return Err(StepError::failed(format!(
            "{} is a TODO left by `kdrill import`: {first}",
            path.display()
        )));
    }
    // a manifest file is text: its `${VARS}` are replaced as text, as envsubst would
    let text = crate::vars::expand(&text, ctx.vars)
        .map_err(|e| StepError::failed(format!("{}: {e}", path.display())))?;
    manifest::documents_of_text(&text).map_err(|e| {
        StepError::Manifest(manifest::ManifestError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    })
}

/// Write one document; returns a note for reports and the object as written.
async fn apply_one(
    ctx: &StepCtx<'_>,
    spec: &ApplySpec,
    mut doc: Value,
) -> Result<(String, Value), StepError> {
    let default_ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    {
        manifest::check_doc(&doc)?;
        let api_version = doc
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let resolved = ctx.cluster.resolve_gvk(&api_version, &kind).await?;
        let ns = if resolved.namespaced {
            let ns = doc
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or(default_ns)
                .to_string();
            if let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("namespace".into(), Value::String(ns.clone()));
            }
            Some(ns)
        } else {
            None
        };
        ctx.may_change(&manifest::describe_doc(&doc), ns.as_deref())?;
        ctx.secrets.record_object(&doc);
        manifest::label(&mut doc, &ctx.run.run_id);
        let api = ctx.cluster.api(&resolved, ns.as_deref().unwrap_or(""));
        let obj: DynamicObject = serde_json::from_value(doc.clone())
            .map_err(|source| manifest::ManifestError::NotAnObject { doc: manifest::describe_doc(&doc), source })?;
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let inside_own_ns = ctx.owns_namespace && ns.as_deref() == Some(ctx.namespace);
        let (applied, existed) = match &name {
            Some(name) => {
                // outside our own namespace, only objects we create are ours to delete later
                let existed = !inside_own_ns
                    && api.get_opt(name).await?.is_some_and(|o| {
                        o.metadata.labels.as_ref().and_then(|l| l.get(RUN_LABEL))
                            != Some(&ctx.run.run_id)
                    });
                let strict = Some(kube::api::ValidationDirective::Strict);
                let written = match spec.mode {
                    ApplyMode::Apply => {
                        let mut pp = PatchParams::apply("kdrill").force();
                        pp.field_validation = strict;
                        api.patch(name, &pp, &Patch::Apply(&obj)).await?
                    }
                    ApplyMode::Create => api.create(&PostParams::default(), &obj).await?,
                    ApplyMode::Replace | ApplyMode::Merge => match api.get_opt(name).await? {
                        None => api.create(&PostParams::default(), &obj).await?,
                        Some(live) if spec.mode == ApplyMode::Replace => {
                            let mut whole = obj.clone();
                            whole.metadata.resource_version = live.metadata.resource_version;
                            api.replace(name, &PostParams::default(), &whole).await?
                        }
                        Some(_) => {
                            let pp = PatchParams {
                                field_validation: strict,
                                ..Default::default()
                            };
                            api.patch(name, &pp, &Patch::Merge(&obj)).await?
                        }
                    },
                };
                (written, existed)
            }
            None => (api.create(&PostParams::default(), &obj).await?, false),
        };
        let applied_name = applied.metadata.name.clone().unwrap_or_default();
        if !existed {
            ctx.cleanup.push(Created {
                resolved: resolved.clone(),
                namespace: ns.clone(),
                name: applied_name.clone(),
            });
        }
        let note = format!(
            "{}/{} applied",
            resolved.ar.kind.to_ascii_lowercase(),
            applied_name
        );
        let written = serde_json::to_value(&applied).unwrap_or(Value::Null);
        Ok((note, written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_missing_fields() {
        let spec: ApplySpec =
            serde_yaml::from_str("manifest: {kind: Pod, metadata: {name: a}}").unwrap();
        assert_eq!(spec.validate()[0].message, "manifest pod/a has no `apiVersion`");
        let spec: ApplySpec = serde_yaml::from_str("{}").unwrap();
        assert!(spec.validate()[0].message.contains("needs one source: `file`"));
        let spec: ApplySpec = serde_yaml::from_str("{file: a.yaml, kustomize: k}").unwrap();
        assert!(spec.validate()[0].message.contains("exactly one source"));
    }

}
