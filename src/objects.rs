//! Kubernetes objects as kdrill shows them to people (reports, artifacts, snapshots,
//! `get -o yaml`): without what only the API server cares about, and without the
//! values of Secrets.

use serde_json::Value;

/// Hide the values of a Secret (`data`, `stringData`), keeping the keys.
pub fn redact_secret(obj: &mut Value) {
    if obj.get("kind").and_then(Value::as_str) != Some("Secret") {
        return;
    }
    for field in ["data", "stringData"] {
        if let Some(map) = obj.get_mut(field).and_then(Value::as_object_mut) {
            for v in map.values_mut() {
                *v = Value::String("[REDACTED]".into());
            }
        }
    }
}

/// Drop what only the API server cares about, and what changes on every run, from an
/// object shown to people and stored in snapshots.
pub fn tidy(mut obj: Value) -> Value {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "selfLink",
        ] {
            meta.remove(key);
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_keys_but_lose_values() {
        let mut s = serde_json::json!({"kind": "Secret", "data": {"password": "c2VjcmV0"}, "stringData": {"token": "t"}});
        redact_secret(&mut s);
        assert_eq!(s["data"]["password"], "[REDACTED]");
        assert_eq!(s["stringData"]["token"], "[REDACTED]");
        let mut cm = serde_json::json!({"kind": "ConfigMap", "data": {"a": "b"}});
        redact_secret(&mut cm);
        assert_eq!(cm["data"]["a"], "b");
    }
}
