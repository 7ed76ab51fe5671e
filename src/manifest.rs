//! Manifests: the Kubernetes objects of YAML text (several documents, `kind: List`),
//! the checks every document must pass, the labels kdrill puts on what it creates, and
//! the marker of a manifest `kdrill import` could not fill.

use serde::Deserialize;
use serde_json::Value;

/// Labels on everything kdrill creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kdrill");
pub const RUN_LABEL: &str = "kdrill.dev/run";

/// The first line of a manifest file that import could not fill; `apply` refuses it.
pub const TODO_MARKER: &str = "# kdrill-import: TODO";

/// Why a manifest cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("invalid manifest YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("manifest cannot be represented as JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("a manifest document must be a mapping")]
    NotAMapping,
    #[error("manifest {doc} has no `{field}`")]
    MissingField { doc: String, field: &'static str },
    #[error("manifest of kind {kind} has no metadata.name")]
    NoName { kind: String },
    #[error("manifest {doc}: {source}")]
    NotAnObject {
        doc: String,
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    InFile {
        path: std::path::PathBuf,
        source: Box<ManifestError>,
    },
}

/// `kind/name` of a manifest document, for humans.
pub fn describe_doc(doc: &Value) -> String {
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_ascii_lowercase();
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    format!("{kind}/{name}")
}

/// A document every step may send: a mapping with apiVersion, kind and a name.
pub fn check_doc(doc: &Value) -> Result<(), ManifestError> {
    if !doc.is_object() {
        return Err(ManifestError::NotAMapping);
    }
    for field in ["apiVersion", "kind"] {
        if doc.get(field).and_then(Value::as_str).is_none() {
            return Err(ManifestError::MissingField {
                doc: describe_doc(doc),
                field,
            });
        }
    }
    let named = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some()
        || doc
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .is_some();
    if !named {
        return Err(ManifestError::NoName {
            kind: doc
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
        });
    }
    Ok(())
}

/// Split YAML text into documents (skipping empty ones, flattening `kind: List`).
pub fn documents_of_text(text: &str) -> Result<Vec<Value>, ManifestError> {
    let mut out = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        let v = serde_yaml::Value::deserialize(de)?;
        push_doc(v, &mut out)?;
    }
    Ok(out)
}

/// The documents of an inline manifest: a mapping, a list of them, or YAML text.
pub fn documents_of_value(v: &serde_yaml::Value) -> Result<Vec<Value>, ManifestError> {
    let mut out = Vec::new();
    match v {
        serde_yaml::Value::String(text) => return documents_of_text(text),
        serde_yaml::Value::Sequence(items) => {
            for i in items {
                push_doc(i.clone(), &mut out)?;
            }
        }
        other => push_doc(other.clone(), &mut out)?,
    }
    Ok(out)
}

fn push_doc(v: serde_yaml::Value, out: &mut Vec<Value>) -> Result<(), ManifestError> {
    if v.is_null() {
        return Ok(());
    }
    let j: Value = serde_json::to_value(&v)?;
    if j.get("kind").and_then(Value::as_str) == Some("List") {
        for item in j
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            out.push(item);
        }
    } else {
        out.push(j);
    }
    Ok(())
}

/// Put kdrill's labels on an object.
pub fn label(doc: &mut Value, run_id: &str) {
    if let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(l) = labels.as_object_mut() {
            l.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
            l.insert(RUN_LABEL.into(), run_id.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_lists() {
        let docs = documents_of_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n").unwrap();
        assert_eq!(
            docs.iter().map(describe_doc).collect::<Vec<_>>(),
            vec!["pod/a", "configmap/b"]
        );
    }

    #[test]
    fn labels_are_added_without_losing_existing_ones() {
        let mut doc: Value =
            serde_json::json!({"metadata": {"name": "a", "labels": {"app": "web"}}});
        label(&mut doc, "r1");
        assert_eq!(doc["metadata"]["labels"]["app"], "web");
        assert_eq!(doc["metadata"]["labels"][RUN_LABEL], "r1");
        assert_eq!(doc["metadata"]["labels"][MANAGED_BY.0], "kdrill");
    }
}
