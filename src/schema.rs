//! The JSON Schema of the scenario format, generated from the same Rust types the
//! loader deserializes (so the two cannot drift), for editors
//! (`# yaml-language-server: $schema=...`) and other tools. `kdrill schema` prints
//! it; `schema/scenario.schema.json` is the committed copy, checked by a test.
//! Lint checks more than the schema can (paths, patterns, references).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// The schema of a scenario file, pretty-printed.
pub fn scenario_schema() -> String {
    let mut schema = crate::scenario::schema_root();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            "https://kdrill.dev/schema/scenario.schema.json".into(),
        );
        obj.insert(
            "title".into(),
            "kdrill scenario (kdrill.dev/v1alpha1)".into(),
        );
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Implement `JsonSchema` for a type whose wire form is written by hand.
macro_rules! manual_schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

manual_schema!(crate::duration::HumanDuration, "Duration", {
    "description": "A duration: `30s`, `2m`, `1m30s`, `500ms`, `1h`, or a number of seconds",
    "oneOf": [
        {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$"},
        {"type": "number", "minimum": 0}
    ]
});

manual_schema!(crate::objref::ObjectRef, "ObjectRef", {
    "description": "An object: `kind/name`, `kind.group/name` or `group/version/Kind/name`",
    "type": "string",
    "pattern": "^[^/]+(/[^/]+){1,3}$"
});

manual_schema!(crate::objref::KindRef, "KindRef", {
    "description": "A kind: `pods`, `deployment.apps`, `v1/Pod` or `apps/v1/Deployment`",
    "type": "string",
    "pattern": "^[^/]+(/[^/]+){0,2}$"
});

manual_schema!(crate::command_line::CommandLine, "CommandLine", {
    "description": "One string run with `sh -c`, or a list of arguments",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "boolean"]}}
    ]
});

manual_schema!(crate::expect::SnapshotName, "SnapshotName", {
    "description": "A snapshot name, or `true` for a name derived from the step",
    "oneOf": [
        {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"},
        {"const": true}
    ]
});

manual_schema!(crate::wait::Comparison, "Comparison", {
    "description": "A number, or a comparison such as `>=1`, `>0`, `<5`",
    "oneOf": [
        {"type": "integer"},
        {"type": "string", "pattern": "^\\s*(>=|<=|==|>|<|=)?\\s*-?[0-9]+\\s*$"}
    ]
});

manual_schema!(crate::wait::ConditionSpec, "Condition", {
    "description": "A status condition: `Ready`, `Ready=True`, or {type, status, reason}",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "additionalProperties": false,
            "required": ["type"],
            "properties": {
                "type": {"type": "string"},
                "status": {"type": "string"},
                "reason": {"type": "string"}
            }
        }
    ]
});

impl JsonSchema for crate::expect::TextMatch {
    fn schema_name() -> Cow<'static, str> {
        "TextMatch".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rules = generator.subschema_for::<crate::expect::TextRules>();
        json_schema!({
            "description": "A whole-text pattern (`[..]`, `...`), or a map of rules that must all hold",
            "oneOf": [
                {"type": ["string", "integer"]},
                {"allOf": [rules, {"minProperties": 1}]}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn committed_schema_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/scenario.schema.json");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let now = scenario_schema();
        if committed != now {
            if std::env::var_os("KDRILL_WRITE_SCHEMA").is_some() {
                std::fs::write(&path, &now).expect("write schema");
            } else {
                panic!("schema/scenario.schema.json is stale: run `KDRILL_WRITE_SCHEMA=1 cargo test --lib schema` (or `kdrill schema > schema/scenario.schema.json`)");
            }
        }
    }
}
