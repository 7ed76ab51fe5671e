//! The scenario file format as serde reads and schemars describes it: the head of a
//! scenario, the fields every step has beside its action, and the JSON Schema built
//! from them and the step registry.

use super::{Retry, API_VERSION, KIND, SUITE_KIND};
use crate::duration::HumanDuration;
use crate::expect::Expect;
use crate::steps::Action;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(schemars::JsonSchema, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // `steps` is only here so that it counts as a known field
#[schemars(rename = "Scenario")]
pub(super) struct RawScenario {
    pub(super) api_version: String,
    pub(super) kind: String,
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) timeout: Option<HumanDuration>,
    #[serde(default)]
    pub(super) serial: bool,
    #[serde(default)]
    pub(super) namespace_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) redact: Vec<crate::snapshot::redact::RedactRule>,
    /// Variables for `${NAME}` in manifests, patches and exec commands: a text, or
    /// `{expr: CEL}` computed when the scenario starts.
    #[serde(default)]
    pub(super) vars: BTreeMap<String, VarValue>,
    /// Variables the run must be given with `--set NAME=VALUE` (lint takes `--set`
    /// too); `run` refuses to start without them.
    #[serde(default)]
    pub(super) inputs: Vec<String>,
    /// The scenario reads files outside its project (the nearest directory above it
    /// with `.kdrill.yaml` or `.git`): lint refuses such paths otherwise.
    #[serde(default)]
    pub(super) outside_files: bool,
    /// Tags for `kdrill run --selector key=value`.
    #[serde(default)]
    pub(super) labels: BTreeMap<String, String>,
    /// Do not run this scenario; the text says why (reported as skipped).
    pub(super) skip: Option<String>,
    /// Run only on clusters that have these (otherwise reported as skipped).
    pub(super) requires: Option<super::Requires>,
    #[schemars(with = "Vec<StepSchema>")]
    pub(super) steps: Option<IgnoredAny>,
    /// Steps that run only when a step of `steps` failed: collect evidence, describe.
    #[schemars(with = "Option<Vec<StepSchema>>")]
    pub(super) catch: Option<IgnoredAny>,
    /// Steps that always run after `steps`, also after a failure.
    #[schemars(with = "Option<Vec<StepSchema>>")]
    pub(super) finally: Option<IgnoredAny>,
    /// `kind: Suite` only: steps run once before the directory's scenarios.
    #[schemars(with = "Option<Vec<StepSchema>>")]
    pub(super) setup: Option<IgnoredAny>,
    /// `kind: Suite` only: steps run once after them, also after failures.
    #[schemars(with = "Option<Vec<StepSchema>>")]
    pub(super) teardown: Option<IgnoredAny>,
}

/// The value of a variable in `vars:`: a text, or a CEL expression computed when the
/// scenario starts, from the other variables and the built-ins (`NAMESPACE`,
/// `KUBERNETES_MINOR`, ...): `{expr: "int(KUBERNETES_MINOR) >= 30 ? 'ga' : 'beta'"}`.
#[derive(schemars::JsonSchema, serde::Serialize, Debug, Clone)]
#[serde(untagged)]
pub(super) enum VarValue {
    Text(String),
    Computed(ComputedVar),
}

// by hand, not `untagged`: an expression's own error (a CEL syntax error and its
// place) must reach the user, not "matched no variant"
impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::String(t) => Ok(VarValue::Text(t)),
            v @ serde_yaml::Value::Mapping(_) => serde_yaml::from_value(v)
                .map(VarValue::Computed)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected a text (quote it: \"{}\"), or `{{expr: CEL}}` computed when the scenario starts",
                serde_yaml::to_string(&other).unwrap_or_default().trim()
            ))),
        }
    }
}

#[derive(schemars::JsonSchema, Deserialize, serde::Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct ComputedVar {
    /// A CEL expression without an object (no `self`); its value is the variable's: a
    /// string as it is, any other value as JSON.
    pub(super) expr: crate::wait::Expr,
}

/// The fields every step may have beside its action (the action's key is one of
/// the registry's keywords, and its schema comes from there: see [`StepSchema`]).
#[derive(schemars::JsonSchema, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct StepCommon {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) timeout: Option<HumanDuration>,
    #[serde(default)]
    pub(super) expect: Expect,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) retry: Option<Retry>,
    /// A failure of this step is reported but does not fail the scenario.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) allow_failure: bool,
    /// Variables for later steps, from this step's outcome: `{POD_IP: .status.podIP}`,
    /// `{TOKEN: stdout}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) save: BTreeMap<String, String>,
}

/// The schema of a step: the common fields, plus one property per step kind of the
/// registry, exactly one of which is required.
struct StepSchema;

impl schemars::JsonSchema for StepSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Step".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = StepCommon::json_schema(generator);
        let kinds = Action::schemas(generator);
        if let Some(props) = schema
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut)
        {
            for (keyword, sub) in &kinds {
                props.insert(keyword.to_string(), sub.clone().to_value());
            }
        }
        if let Some(props) = schema
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut)
        {
            props.insert(
                "use".into(),
                serde_json::json!({
                    "description": "The steps of a step template (`kind: StepTemplate`), parameters from `with`",
                    "type": "object",
                    "properties": {
                        "template": {"type": "string", "description": "The template file, relative to this file"},
                        "with": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
                    },
                    "required": ["template"],
                    "additionalProperties": false
                }),
            );
            props.insert(
                "forEach".into(),
                serde_json::json!({
                    "description": "Repeat this step (or the group of `steps`) once per value: `{APP: [web, api]}`",
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": ["string", "number", "boolean"]}}
                }),
            );
            props.insert(
                "steps".into(),
                serde_json::json!({
                    "description": "With `forEach`: the group of steps repeated",
                    "type": "array",
                    "items": {"$ref": "#/$defs/Step"}
                }),
            );
        }
        let one_of: Vec<serde_json::Value> = kinds
            .iter()
            .map(|(k, _)| serde_json::json!({"required": [k]}))
            .chain([
                serde_json::json!({"required": ["use"]}),
                serde_json::json!({"required": ["steps", "forEach"]}),
            ])
            .collect();
        schema.insert("oneOf".into(), serde_json::Value::Array(one_of));
        schema.insert(
            "description".into(),
            "A step: exactly one action, plus optional name, timeout, expect, retry".into(),
        );
        schema
    }
}

/// The fields of a step beside its action.
pub(super) const STEP_FIELDS: [&str; 6] =
    ["name", "timeout", "expect", "retry", "allowFailure", "save"];

/// The JSON Schema of a scenario file: the loader's own types, plus what serde cannot
/// say (exactly one action per step, the fixed apiVersion and kind).
pub fn schema_root() -> serde_json::Value {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<RawScenario>();
    let mut v = serde_json::to_value(schema).unwrap_or_default();
    if let Some(props) = v.pointer_mut("/properties") {
        props["apiVersion"] = serde_json::json!({"const": API_VERSION});
        props["kind"] = serde_json::json!({"enum": [KIND, SUITE_KIND]});
    }
    if let Some(req) = v.pointer_mut("/required").and_then(|r| r.as_array_mut()) {
        req.retain(|x| x != "steps");
    }
    // a Scenario needs steps; a Suite has setup and teardown instead
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "if".into(),
            serde_json::json!({"properties": {"kind": {"const": KIND}}}),
        );
        obj.insert("then".into(), serde_json::json!({"required": ["steps"]}));
        obj.insert(
            "else".into(),
            serde_json::json!({"not": {"anyOf": [{"required": ["steps"]}, {"required": ["catch"]}, {"required": ["finally"]}]}}),
        );
    }
    if let Some(steps) = v.pointer_mut("/properties/steps") {
        steps["minItems"] = 1.into();
    }
    v
}
