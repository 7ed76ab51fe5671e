//! Kubernetes objects as kdrill shows them to people (reports, artifacts, snapshots,
//! `get -o yaml`): without what only the API server cares about, and without the
//! values of Secrets.

use base64::Engine;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// What a masked value reads as.
pub const MASK: &str = "[REDACTED]";

/// Hide the values of a Secret (`data`, `stringData`), keeping the keys.
pub fn redact_secret(obj: &mut Value) {
    if obj.get("kind").and_then(Value::as_str) != Some("Secret") {
        return;
    }
    redact_secret_fields(obj);
}

/// Is this field path (`data.password`, `stringData`) a Secret's value?
pub fn is_secret_path(path: &str) -> bool {
    ["data", "stringData"].iter().any(|f| {
        path == *f || path.starts_with(&format!("{f}.")) || path.starts_with(&format!("{f}["))
    })
}

/// Hide `data` and `stringData` values of a Secret or a partial Secret (what an
/// `assert` expects of one), keeping the keys.
pub fn redact_secret_fields(obj: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(map) = obj.get_mut(field).and_then(Value::as_object_mut) {
            for v in map.values_mut() {
                *v = Value::String(MASK.into());
            }
        }
    }
}

/// Values of Secrets a run created or read, and the credentials of its kubeconfig:
/// masked wherever kdrill reports text it did not write itself (log tails, command
/// outputs, API messages), verbatim or base64-encoded. Snapshots are not masked
/// this way: they hold what the scenario chose to compare.
#[derive(Debug, Default)]
pub struct SecretValues(Mutex<BTreeSet<String>>);

/// Shorter values are not masked: they would mask ordinary words and numbers.
const MIN_SECRET_LEN: usize = 4;

impl SecretValues {
    /// Remember one secret value, as it is and base64-encoded.
    pub fn record(&self, value: &str) {
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        if let Ok(mut s) = self.0.lock() {
            s.insert(value.to_string());
            s.insert(base64::engine::general_purpose::STANDARD.encode(value));
        }
    }

    /// Remember the values of an object, when it is a Secret.
    pub fn record_object(&self, obj: &Value) {
        if obj.get("kind").and_then(Value::as_str) != Some("Secret") {
            return;
        }
        if let Some(data) = obj.get("data").and_then(Value::as_object) {
            for v in data.values().filter_map(Value::as_str) {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(v) {
                    if let Ok(plain) = String::from_utf8(bytes) {
                        self.record(plain.trim_end_matches('\n'));
                        self.record(&plain);
                    }
                }
                self.record(v);
            }
        }
        if let Some(data) = obj.get("stringData").and_then(Value::as_object) {
            for v in data.values().filter_map(Value::as_str) {
                self.record(v);
            }
        }
    }

    /// Mask every string of a JSON value (an object shown as evidence).
    pub fn mask_value(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                let masked = self.mask(s);
                if masked != *s {
                    *s = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.mask_value(i)),
            Value::Object(m) => m.values_mut().for_each(|i| self.mask_value(i)),
            _ => {}
        }
    }

    /// `text` with every remembered value replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let Ok(values) = self.0.lock() else {
            return text.to_string();
        };
        // longest first: a value may contain another
        let mut sorted: Vec<&String> = values
            .iter()
            .filter(|v| text.contains(v.as_str()))
            .collect();
        sorted.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for v in sorted {
            out = out.replace(v.as_str(), MASK);
        }
        out
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
    fn secret_values_are_masked_verbatim_and_base64() {
        let s = SecretValues::default();
        s.record_object(&serde_json::json!({
            "kind": "Secret",
            "data": {"password": "aHVudGVyMg=="},
            "stringData": {"token": "t0k3n-value"},
        }));
        s.record_object(&serde_json::json!({"kind": "ConfigMap", "data": {"a": "not secret"}}));
        s.record("ab");
        let text = "log: password=hunter2 b64=aHVudGVyMg== token t0k3n-value dDBrM24tdmFsdWU= ab not secret";
        assert_eq!(
            s.mask(text),
            "log: password=[REDACTED] b64=[REDACTED] token [REDACTED] [REDACTED] ab not secret"
        );
        assert!(is_secret_path("data.password") && is_secret_path("stringData"));
        assert!(!is_secret_path("metadata.name") && !is_secret_path("database"));
    }

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
