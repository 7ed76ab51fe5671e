//! Chainsaw's collectors (`podLogs`, `events`, `describe`, `get`) as kdrill `logs` and
//! `get` steps that never fail the scenario, as Chainsaw's never fail a test.

use super::ctx::Ctx;
use crate::import::translate::{map, s};
use crate::migrate::ledger::Fate;
use crate::migrate::{kind_of, str_of};
use serde_yaml::Value;

/// One collector operation (`kind`: podLogs, events, describe, get) as steps.
/// `timeout` is the collector's (Chainsaw runs `kubectl logs`, which gives up at once
/// on a container that has not started, within the exec timeout): kdrill's `logs`
/// waits for a container to start, which must not outlast it.
pub(super) fn convert(
    ctx: &mut Ctx<'_>,
    kind: &str,
    body: &Value,
    timeout: Option<String>,
) -> Vec<Value> {
    match kind {
        "podLogs" => {
            let mut l = Vec::new();
            match (str_of(body, "name"), str_of(body, "selector")) {
                (Some(n), _) => {
                    ctx.acc(&["name"], Fate::Converted);
                    l.push(("pod", s(n)));
                }
                (None, Some(sel)) => {
                    ctx.acc(&["selector"], Fate::Converted);
                    l.push(("selector", s(sel)));
                }
                _ => {
                    ctx.note_at(&[], "`podLogs` of every pod: kdrill reads one pod's log (by name or selector); the evidence of a failed step already shows log tails");
                    return Vec::new();
                }
            }
            if let Some(c) = str_of(body, "container") {
                ctx.acc(&["container"], Fate::Converted);
                l.push(("container", s(c)));
            }
            if let Some(n) = body.get("tail").and_then(Value::as_i64) {
                ctx.acc(&["tail"], Fate::Converted);
                l.push(("tailLines", Value::Number(n.into())));
            }
            // Chainsaw's collectors (podLogs, events, describe, get) never fail a test
            let mut step = vec![("logs", map(l)), ("allowFailure", Value::Bool(true))];
            if let Some(t) = timeout {
                step.push(("timeout", s(&t)));
            }
            vec![map(step)]
        }
        "events" => vec![map(vec![
            ("get", map(vec![("kind", s("events"))])),
            ("allowFailure", Value::Bool(true)),
        ])],
        // "describe" | "get"
        _ => {
            let Some(k) = kind_of(body) else {
                ctx.note_at(
                    &[],
                    format!("`{kind}` without apiVersion/kind: not converted"),
                );
                return Vec::new();
            };
            for key in ["apiVersion", "kind"] {
                ctx.acc(&[key], Fate::Converted);
            }
            let mut g = vec![("kind", s(&k))];
            if let Some(n) = str_of(body, "name") {
                ctx.acc(&["name"], Fate::Converted);
                g.push(("name", s(n)));
            }
            if kind == "describe" {
                ctx.note_at(
                    &[],
                    "`describe`: kdrill shows the object as YAML (`get ... output: yaml`) instead",
                );
                g.push(("output", s("yaml")));
            } else if let Some(f) = str_of(body, "format") {
                // Chainsaw prints json or yaml; kdrill's nearest is yaml
                ctx.acc(&["format"], Fate::Converted);
                g.push((
                    "output",
                    s(if f == "json" || f == "yaml" {
                        "yaml"
                    } else {
                        "table"
                    }),
                ));
            }
            vec![map(vec![
                ("get", map(g)),
                ("allowFailure", Value::Bool(true)),
            ])]
        }
    }
}
