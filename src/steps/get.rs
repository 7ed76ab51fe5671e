//! `get`: read objects as kubectl would print them: a table (columns from the API
//! server itself), a wide table, YAML (without managed fields) or `kind/name` lines.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::KindRef;
use kube::api::ListParams;
use serde::Deserialize;
use serde_json::Value;

#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GetFormat {
    #[default]
    Table,
    Wide,
    Yaml,
    Name,
}

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GetSpec {
    pub kind: KindRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default, skip_serializing_if = "super::is_default")]
    pub output: GetFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}


impl StepKind for GetSpec {
    const KEYWORD: &'static str = "get";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Output, ExpectField::Error];

    fn summary(&self) -> String {
        let mut s = self.kind.to_string();
        if let Some(n) = &self.name {
            s.push_str(&format!("/{n}"));
        }
        if let Some(sel) = &self.selector {
            s.push_str(&format!(" -l {sel}"));
        }
        s
    }

    fn validate(&self) -> Vec<Problem> {
        if self.name.is_some() && self.selector.is_some() {
            vec![Problem::new(
                "selector",
                "give `name` or `selector`, not both",
            )]
        } else {
            Vec::new()
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &GetSpec) -> Result<Output, StepError> {
    let resolved = ctx.cluster.resolve(&spec.kind).await?;
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let mut object = None;
    let text = match spec.output {
        GetFormat::Table | GetFormat::Wide => {
            ctx.cluster
                .table(
                    &resolved,
                    ns,
                    spec.name.as_deref(),
                    spec.selector.as_deref(),
                    spec.output == GetFormat::Wide,
                )
                .await?
        }
        GetFormat::Yaml | GetFormat::Name => {
            let api = ctx.cluster.api(&resolved, ns);
            let objs = match &spec.name {
                Some(n) => vec![api.get(n).await?],
                None => {
                    let mut lp = ListParams::default();
                    if let Some(s) = &spec.selector {
                        lp = lp.labels(s);
                    }
                    api.list(&lp).await?.items
                }
            };
            let kind = resolved.ar.kind.to_ascii_lowercase();
            if spec.output == GetFormat::Name {
                objs.iter()
                    .map(|o| format!("{kind}/{}\n", o.metadata.name.as_deref().unwrap_or("")))
                    .collect()
            } else {
                let mut values: Vec<Value> = Vec::new();
                for o in objs {
                    let mut v = serde_json::to_value(o).map_err(StepError::broken)?;
                    if let Some(m) = v.as_object_mut() {
                        m.insert("apiVersion".into(), resolved.ar.api_version.clone().into());
                        m.insert("kind".into(), resolved.ar.kind.clone().into());
                    }
                    // `save` reads the whole object (uid, resourceVersion...), the text is tidy;
                    // Secret values stay out of both, and out of every report
                    ctx.secrets.record_object(&v);
                    crate::objects::redact_secret(&mut v);
                    if spec.name.is_some() {
                        object = Some(v.clone());
                    }
                    values.push(crate::objects::tidy(v));
                }
                let doc = if spec.name.is_some() {
                    values.pop().unwrap_or(Value::Null)
                } else {
                    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": values})
                };
                serde_yaml::to_string(&doc).map_err(StepError::broken)?
            }
        }
    };
    Ok(Output {
        output: Some(text),
        object,
        ..Default::default()
    })
}
