//! Small constructors for the typed step specs translation emits: the step registry's
//! own types ([`crate::steps`]), so a draft that would not load cannot be built.

use crate::expect::{Expect, OneOrMany, SnapshotName, TextMatch, TextRules};
use crate::objref::{KindRef, ObjectRef};
use crate::scenario::StepSpec;
use crate::steps::Action;
use serde_yaml::{Mapping, Value};
use std::time::Duration;

/// A kind as kubectl names it (`deployment`, `deployment.apps`, `podmetrics.metrics.k8s.io`).
pub fn kind(name: &str) -> KindRef {
    match name.split_once('.') {
        Some((k, g)) => KindRef {
            name: k.to_string(),
            group: Some(g.to_string()),
            version: None,
        },
        None => KindRef {
            name: name.to_string(),
            group: None,
            version: None,
        },
    }
}

/// `kind/name`.
pub fn object(kind_name: &str, name: &str) -> ObjectRef {
    ObjectRef {
        kind: kind(kind_name),
        name: name.to_string(),
    }
}

pub fn step(action: Action) -> StepSpec {
    StepSpec::new(action)
}

/// A step with its own timeout (states a post shows can take longer than the default).
pub fn with_timeout(mut s: StepSpec, secs: u64) -> StepSpec {
    s.timeout = Some(crate::duration::HumanDuration(Duration::from_secs(secs)));
    s
}

/// `{snapshot: NAME}`.
pub fn snapshot(name: &str) -> TextMatch {
    TextMatch::Rules(Box::new(TextRules {
        snapshot: Some(SnapshotName::Named(name.to_string())),
        ..TextRules::default()
    }))
}

/// `{contains: [...]}`.
pub fn contains(items: Vec<String>) -> TextMatch {
    let c = if items.len() == 1 {
        OneOrMany::One(items.into_iter().next().unwrap_or_default())
    } else {
        OneOrMany::Many(items)
    };
    TextMatch::Rules(Box::new(TextRules {
        contains: Some(c),
        ..TextRules::default()
    }))
}

pub fn expect_output(m: TextMatch) -> Expect {
    Expect {
        output: Some(m),
        ..Expect::default()
    }
}

pub fn expect_stdout(m: TextMatch) -> Expect {
    Expect {
        stdout: Some(m),
        ..Expect::default()
    }
}

/// A YAML mapping from pairs.
pub fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::String(k.into()), v);
    }
    Value::Mapping(m)
}

/// A YAML string.
pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// A YAML integer.
pub fn n(v: i64) -> Value {
    Value::Number(v.into())
}

/// A YAML mapping of strings.
pub fn string_map(m: &std::collections::BTreeMap<String, String>) -> Value {
    let mut out = Mapping::new();
    for (k, v) in m {
        out.insert(s(k), s(v));
    }
    Value::Mapping(out)
}

/// A YAML value as JSON (for `assert`/`wait` partial objects).
pub fn json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Retries for a request the post made over the network right after a change: the
/// reader's pause gave endpoints and proxies time the replay does not have.
pub fn network_retry() -> crate::scenario::Retry {
    crate::scenario::Retry {
        attempts: 10,
        backoff: crate::duration::HumanDuration(std::time::Duration::from_millis(500)),
    }
}
