//! What a post's output shows, read for the steps: a value that varies per cluster, a
//! JSONPath as a partial object, an API error, an object without what the cluster fills in.

use crate::expect::ErrorExpect;
use crate::import::translate::states::Table;
use regex::Regex;
use std::sync::OnceLock;

/// A value a post printed that differs on every cluster: an IP, a port the cluster
/// chose, a time, a uid.
pub(super) fn varies(v: &str) -> bool {
    static IP: OnceLock<Regex> = OnceLock::new();
    static UID: OnceLock<Regex> = OnceLock::new();
    let ip = IP.get_or_init(|| Regex::new(r"^\d{1,3}(\.\d{1,3}){3}$").expect("ip regex"));
    let uid = UID.get_or_init(|| Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-").expect("uid regex"));
    ip.is_match(v)
        || v.parse::<u32>().is_ok_and(|p| (30000..=32767).contains(&p))
        || v.contains('T') && v.ends_with('Z') && v.len() >= 20
        || uid.is_match(v)
}

/// A partial object from a simple JSONPath (`{.status.podIP}`, `.spec.ports[0].nodePort`).
pub(super) fn partial_from_path(path: &str, value: serde_json::Value) -> Option<serde_json::Value> {
    let p = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let p = p.strip_prefix('.')?;
    if p.starts_with('.') || p.contains('*') || p.contains('?') || p.contains('{') {
        return None;
    }
    // `annotations.example\.com/owner`: escaped dots stay in the key
    let mut keys: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                cur.push('.');
                chars.next();
            }
            '.' => keys.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    keys.push(cur);
    let mut v = value;
    for k in keys.iter().rev() {
        let (name, index) = match k.split_once('[') {
            Some((a, b)) => (a.to_string(), Some(b.trim_end_matches(']').to_string())),
            None => (k.clone(), None),
        };
        if index.is_some() {
            v = serde_json::Value::Array(vec![v]);
        }
        let mut m = serde_json::Map::new();
        m.insert(name, v);
        v = serde_json::Value::Object(m);
    }
    Some(v)
}

/// `Error from server (Forbidden): ...` in a post's output: the step must fail so.
pub(super) fn api_error(output: &str) -> Option<ErrorExpect> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"^Error from server \((\w+)\): (.*)$").expect("error regex"));
    let line = output
        .lines()
        .find(|l| l.starts_with("Error from server"))?;
    let c = re.captures(line)?;
    Some(ErrorExpect {
        reason: Some(c[1].to_string()),
        code: None,
        message: None,
        object: None,
    })
}

/// A table of a many-kind `get` as the one-kind `get` prints it (`pod/x` → `x`).
pub(super) fn table_text_without_kind(t: &Table) -> String {
    let mut out = t.header.join("   ");
    out.push('\n');
    for r in &t.rows {
        let mut cells = r.clone();
        if let Some(first) = cells.first_mut() {
            if let Some((_, n)) = first.split_once('/') {
                *first = n.to_string();
            }
        }
        out.push_str(&cells.join("   "));
        out.push('\n');
    }
    out
}

/// curl's progress meter: stderr in reality, mixed into the post's output.
pub(super) fn without_curl_meter(output: &str) -> String {
    output
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("% Total")
                || t.starts_with("Dload")
                || (t.starts_with("100 ") && t.contains("--:--:--")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The object a `get -o yaml` shows, without what the cluster fills in.
pub(super) fn object_shown(output: &str) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_yaml::from_str(output).ok()?;
    let mut v = v;
    let obj = v.as_object_mut()?;
    obj.remove("apiVersion");
    obj.remove("kind");
    if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "namespace",
            "selfLink",
            "ownerReferences",
        ] {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(|a| a.as_object_mut()) {
            a.retain(|k, _| {
                !k.starts_with("kubectl.kubernetes.io/")
                    && !k.starts_with("deployment.kubernetes.io/")
            });
        }
    }
    if let Some(st) = obj.get_mut("status").and_then(|s| s.as_object_mut()) {
        st.retain(|k, _| k == "phase");
    }
    if let Some(sp) = obj.get_mut("spec").and_then(|s| s.as_object_mut()) {
        sp.remove("nodeName");
        sp.remove("clusterIP");
        sp.remove("clusterIPs");
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_paths_become_partial_objects() {
        assert_eq!(
            partial_from_path("{.status.podIP}", serde_json::json!("[..]")),
            Some(serde_json::json!({"status": {"podIP": "[..]"}}))
        );
        assert_eq!(
            partial_from_path("{.spec.ports[0].nodePort}", serde_json::json!("[..]")),
            Some(serde_json::json!({"spec": {"ports": [{"nodePort": "[..]"}]}}))
        );
        assert_eq!(
            partial_from_path(
                r"{.metadata.annotations.example\.com/owner}",
                serde_json::json!("x")
            ),
            Some(serde_json::json!({"metadata": {"annotations": {"example.com/owner": "x"}}}))
        );
        assert_eq!(
            partial_from_path("{..namespace}", serde_json::json!("x")),
            None
        );
        assert!(varies("10.244.1.5") && varies("30452") && !varies("UzNoci1nZWhlaW0h"));
    }

    #[test]
    fn api_errors_name_their_reason() {
        let e = api_error("Error from server (Forbidden): pods \"x\" is forbidden").unwrap();
        assert_eq!(e.reason.as_deref(), Some("Forbidden"));
    }
}
