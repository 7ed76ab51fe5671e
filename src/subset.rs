//! Subset matching of Kubernetes objects, used by `assert` and by `wait` conditions.
//!
//! * maps are partial: only the keys written in the expectation are compared;
//! * lists match element-wise, in order and with the same length, unless `anyOrder`
//!   is set, in which case every expected element must match a distinct actual one;
//! * strings match with the text pattern language (`[..]` wildcards); other scalars by
//!   equality, where a string expectation also matches the text form of a number or bool;
//! * `null` expects the key to be absent (or null).

use crate::pattern;
use serde_json::Value;
use std::fmt;

/// One place where the object differs from the expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: String,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: expected {}, got {}", self.expected, self.actual)
    }
}

/// All mismatches between `expected` (a partial object) and `actual`.
pub fn diff(expected: &Value, actual: &Value, any_order: bool) -> Vec<Mismatch> {
    let mut out = Vec::new();
    walk(expected, Some(actual), "", any_order, &mut out);
    out
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing".to_string(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 120 {
                format!(
                    "{}…",
                    &s[..s.char_indices().nth(117).map_or(s.len(), |(i, _)| i)]
                )
            } else {
                s
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(
    expected: &Value,
    actual: Option<&Value>,
    path: &str,
    any_order: bool,
    out: &mut Vec<Mismatch>,
) {
    match (expected, actual) {
        (Value::Null, None | Some(Value::Null)) => {}
        (Value::Null, Some(a)) => out.push(Mismatch {
            path: path.to_string(),
            expected: "nothing".into(),
            actual: show(Some(a)),
        }),
        (Value::Object(em), Some(Value::Object(am))) => {
            for (k, ev) in em {
                walk(ev, am.get(k), &join(path, k), any_order, out);
            }
        }
        // a missing parent: every expected leaf is missing too (and `null` ones are fine)
        (Value::Object(em), None | Some(Value::Null)) => {
            for (k, ev) in em {
                walk(ev, None, &join(path, k), any_order, out);
            }
        }
        (Value::Array(el), Some(Value::Array(al))) => {
            if any_order {
                match_any_order(el, al, path, out);
            } else if el.len() != al.len() {
                out.push(Mismatch {
                    path: path.to_string(),
                    expected: format!("{} item(s)", el.len()),
                    actual: format!(
                        "{} item(s): {}",
                        al.len(),
                        show(Some(&Value::Array(al.clone())))
                    ),
                });
            } else {
                for (i, (e, a)) in el.iter().zip(al).enumerate() {
                    walk(e, Some(a), &format!("{path}[{i}]"), any_order, out);
                }
            }
        }
        (Value::String(e), Some(a)) => {
            let text = match a {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            if !text.is_some_and(|t| pattern::matches(e, &t)) {
                out.push(Mismatch {
                    path: path.to_string(),
                    expected: show(Some(expected)),
                    actual: show(actual),
                });
            }
        }
        (Value::Number(e), Some(Value::Number(a))) if e.as_f64() == a.as_f64() => {}
        (e, Some(a)) if e == a => {}
        (e, a) => out.push(Mismatch {
            path: path.to_string(),
            expected: show(Some(e)),
            actual: show(a),
        }),
    }
}

/// Every expected element must match a distinct actual element. Small lists only
/// (Kubernetes objects), so a simple augmenting-path matching is plenty.
fn match_any_order(expected: &[Value], actual: &[Value], path: &str, out: &mut Vec<Mismatch>) {
    let fits: Vec<Vec<usize>> = expected
        .iter()
        .map(|e| {
            (0..actual.len())
                .filter(|&j| diff(e, &actual[j], true).is_empty())
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; actual.len()];
    fn augment(
        i: usize,
        fits: &[Vec<usize>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &j in &fits[i] {
            if !seen[j] {
                seen[j] = true;
                if owner[j].is_none_or(|o| augment(o, fits, owner, seen)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    for (i, e) in expected.iter().enumerate() {
        let mut seen = vec![false; actual.len()];
        if !augment(i, &fits, &mut owner, &mut seen) {
            out.push(Mismatch {
                path: format!("{path}[*]"),
                expected: format!("an item matching {}", show(Some(e))),
                actual: format!("no such item among {}", actual.len()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({
            "metadata": {"name": "nginx", "labels": {"app": "web"}},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "nginx1", "ready": true, "restartCount": 0},
                {"name": "nginx2", "ready": false, "restartCount": 3}
            ]}
        })
    }

    #[test]
    fn partial_maps_match() {
        assert!(diff(&json!({"status": {"phase": "Running"}}), &pod(), false).is_empty());
        assert!(diff(
            &json!({"metadata": {"labels": {"app": "web"}}}),
            &pod(),
            false
        )
        .is_empty());
    }

    #[test]
    fn mismatch_names_the_precise_path() {
        let d = diff(
            &json!({"status": {"containerStatuses": [{"ready": true}, {"ready": true}]}}),
            &pod(),
            false,
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "status.containerStatuses[1].ready: expected true, got false"
        );
    }

    #[test]
    fn missing_keys_and_list_lengths_are_reported() {
        let d = diff(&json!({"spec": {"nodeName": "n1"}}), &pod(), false);
        assert_eq!(
            d[0].to_string(),
            "spec.nodeName: expected \"n1\", got nothing"
        );
        let d = diff(
            &json!({"status": {"containerStatuses": [{"ready": true}]}}),
            &pod(),
            false,
        );
        assert!(d[0]
            .to_string()
            .starts_with("status.containerStatuses: expected 1 item(s), got 2 item(s)"));
    }

    #[test]
    fn any_order_matches_distinct_elements() {
        let e = json!({"status": {"containerStatuses": [{"name": "nginx2"}, {"name": "nginx1"}]}});
        assert!(diff(&e, &pod(), true).is_empty());
        assert!(!diff(&e, &pod(), false).is_empty());
        let twice =
            json!({"status": {"containerStatuses": [{"name": "nginx1"}, {"name": "nginx1"}]}});
        assert_eq!(diff(&twice, &pod(), true).len(), 1);
    }

    #[test]
    fn strings_use_patterns_and_match_number_text() {
        assert!(diff(&json!({"metadata": {"name": "ngi[..]"}}), &pod(), false).is_empty());
        assert!(diff(
            &json!({"status": {"containerStatuses": [{}, {"restartCount": "3"}]}}),
            &pod(),
            false
        )
        .is_empty());
        assert!(diff(
            &json!({"status": {"containerStatuses": [{}, {"restartCount": 3.0}]}}),
            &pod(),
            false
        )
        .is_empty());
    }

    #[test]
    fn null_expects_absence() {
        assert!(diff(&json!({"spec": {"nodeName": null}}), &pod(), false).is_empty());
        let d = diff(&json!({"status": {"phase": null}}), &pod(), false);
        assert_eq!(
            d[0].to_string(),
            "status.phase: expected nothing, got \"Running\""
        );
    }
}
