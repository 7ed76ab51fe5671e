//! Field paths into objects, as `save:` writes them: `.status.podIP`,
//! `.spec.containers[0].image`, `.metadata.labels["app.kubernetes.io/name"]`.
//! Deliberately small (no filters or wildcards): one path, one value.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A field path that is malformed, or that an object does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldPathError {
    #[error("`{path}` is not a field path ({why}); e.g. `.status.podIP`, `.spec.containers[0].image`, `.metadata.labels[\"app\"]`")]
    Malformed { path: String, why: &'static str },
    #[error("the object has no `{path}` (no {at})")]
    Missing { path: String, at: String },
}

fn parse(path: &str) -> Result<Vec<Seg>, FieldPathError> {
    let bad = |why: &'static str| FieldPathError::Malformed {
        path: path.to_string(),
        why,
    };
    let mut segs = Vec::new();
    let mut rest = path.trim();
    if !rest.starts_with('.') {
        return Err(bad("it starts with `.`"));
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[', ']']).unwrap_or(r.len());
            if end == 0 {
                return Err(bad("a key is empty"));
            }
            segs.push(Seg::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| bad("`[` without `]`"))?;
            let inner = r[..end].trim();
            let quoted = inner
                .strip_prefix('"')
                .and_then(|i| i.strip_suffix('"'))
                .or_else(|| inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')));
            segs.push(match quoted {
                Some(k) => Seg::Key(k.to_string()),
                None => Seg::Index(
                    inner
                        .parse()
                        .map_err(|_| bad("an index is a number, a key is quoted"))?,
                ),
            });
            rest = &r[end + 1..];
        } else {
            return Err(bad("expected `.` or `[`"));
        }
    }
    Ok(segs)
}

/// The value at `path` as text: strings as they are, other values as JSON.
pub fn get(obj: &Value, path: &str) -> Result<String, FieldPathError> {
    let mut cur = obj;
    for seg in parse(path)? {
        let next = match &seg {
            Seg::Key(k) => cur.get(k.as_str()),
            Seg::Index(i) => cur.get(*i),
        };
        cur = next.ok_or_else(|| {
            let at = match seg {
                Seg::Key(k) => format!("key `{k}`"),
                Seg::Index(i) => format!("index {i}"),
            };
            FieldPathError::Missing {
                path: path.to_string(),
                at,
            }
        })?;
    }
    Ok(match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Check a path's syntax without an object.
pub fn validate(path: &str) -> Result<(), FieldPathError> {
    parse(path).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_keys_indexes_and_quoted_keys() {
        let o = json!({"status": {"podIP": "10.88.0.4"}, "spec": {"containers": [{"image": "nginx"}], "replicas": 3},
                       "metadata": {"labels": {"app.kubernetes.io/name": "web"}}});
        assert_eq!(get(&o, ".status.podIP").unwrap(), "10.88.0.4");
        assert_eq!(get(&o, ".spec.containers[0].image").unwrap(), "nginx");
        assert_eq!(get(&o, ".spec.replicas").unwrap(), "3");
        assert_eq!(
            get(&o, ".metadata.labels[\"app.kubernetes.io/name\"]").unwrap(),
            "web"
        );
        assert_eq!(
            get(&o, ".spec.containers").unwrap(),
            r#"[{"image":"nginx"}]"#
        );
        assert!(get(&o, ".status.hostIP")
            .unwrap_err()
            .to_string()
            .contains("no key `hostIP`"));
        assert!(get(&o, ".spec.containers[3]").is_err());
    }

    #[test]
    fn rejects_malformed_paths() {
        for p in ["status", ".", ".a..b", ".a[x]", ".a[0", ".a]"] {
            assert!(validate(p).is_err(), "{p}");
        }
    }
}
