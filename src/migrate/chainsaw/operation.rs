//! One Chainsaw operation (apply, create, update, patch, assert, error, delete, sleep,
//! wait; scripts and collectors in their own modules) as kdrill steps, with its
//! timeout: its own, the test's for its kind, else Chainsaw's default.

use super::ctx::Ctx;
use super::with_timeout;
use crate::import::translate::{map, s};
use crate::migrate::jmespath::{self, Known};
use crate::migrate::ledger::Fate;
use crate::migrate::{assert_step, delete_target, duration, kind_of, name_of, str_of};
use serde_yaml::Value;

/// `assert: {resource: {($name): {partial}}}` on a variable an earlier step saved (an
/// output such as `(json_parse($stdout))`): its JSON text, printed by a command, must
/// hold the partial object (`expect.stdout.json`, matched as `assert` matches); for
/// `error`, must not.
fn saved_assert(ctx: &Ctx<'_>, kind: &str, d: &Value, timeout: Option<&str>) -> Option<Value> {
    let m = d.as_mapping()?;
    if m.len() != 1 || kind != "assert" {
        return None;
    }
    let (k, partial) = m.iter().next()?;
    let e = jmespath::expression_of(k.as_str()?)?;
    let name = e.strip_prefix('$')?;
    if !matches!(ctx.scope.get(name), Some(Known::Saved(_))) || !partial.is_mapping() {
        return None;
    }
    let step = vec![
        (
            "command",
            map(vec![("run", s(&format!("printf '%s' \"${name}\"")))]),
        ),
        (
            "expect",
            map(vec![("stdout", map(vec![("json", partial.clone())]))]),
        ),
    ];
    Some(with_timeout(step, timeout.map(str::to_string)))
}

/// The keys of an operation's body every kind reads the same way.
fn common_keys(ctx: &mut Ctx<'_>, body: &Value) {
    if body.get("timeout").is_some() {
        ctx.acc(&["timeout"], Fate::Converted);
    }
}

fn chainsaw_default(kind: &str) -> &'static str {
    match kind {
        "apply" | "exec" => "5s",
        "delete" => "15s",
        _ => "30s",
    }
}

/// One Chainsaw operation as kdrill steps; every key of its body accounted for.
pub(super) fn operation(ctx: &mut Ctx<'_>, kind: &str, body: &Value, op: &Value) -> Vec<Value> {
    common_keys(ctx, body);
    let own_timeout = body.get("timeout").and_then(duration);
    let timeout_for = |ctx: &Ctx<'_>, k: &str| {
        own_timeout
            .clone()
            .or_else(|| ctx.timeout(k))
            .or_else(|| Some(chainsaw_default(k).to_string()))
    };
    match kind {
        "apply" | "create" | "update" => {
            let mode = match kind {
                "apply" => "merge",
                "create" => "create",
                _ => "replace",
            };
            if body.get("template").is_some() {
                ctx.acc(&["template"], Fate::Converted);
            }
            let mut expects_error = false;
            if let Some(e) = body.get("expect") {
                let text = serde_yaml::to_string(e)
                    .unwrap_or_default()
                    .replace(' ', "");
                // `check: {($error != null): true}` alone (with or without a `match`
                // on the applied object) is "the API refuses it", any reason: exactly
                // kdrill's `expect: {error: {}}`
                let only_error = e.as_sequence().is_some_and(|list| {
                    list.iter().all(|x| {
                        x.get("check").and_then(Value::as_mapping).is_some_and(|c| {
                            c.len() == 1
                                && c.iter().all(|(k, v)| {
                                    k.as_str().map(|k| k.replace(' ', ""))
                                        == Some("($error!=null)".into())
                                        && v.as_bool() == Some(true)
                                })
                        })
                    })
                });
                if only_error {
                    expects_error = true;
                    ctx.acc(&["expect"], Fate::Converted);
                } else if text.contains("$error!=null") {
                    expects_error = true;
                    ctx.note_at(&["expect"], format!("`{kind}` expected to fail (`$error != null`) with more checks: kdrill expects an API error of any reason; the other checks are not converted"));
                } else {
                    ctx.note_at(&["expect"], format!("`{kind}` with `expect` checks on the applied object: not converted; add an `assert` step"));
                }
            }
            let docs = ctx.docs(body);
            let folded: Vec<Value> = docs.iter().map(|(at, d)| ctx.fold_values(d, at)).collect();
            applied_outputs(ctx, kind, body, &folded);
            let unchanged = docs.iter().map(|(_, d)| d).eq(folded.iter());
            let source = match ctx.file_of(body) {
                Some(f) => {
                    let raw = std::fs::read_to_string(ctx.dir.join(&f)).ok();
                    match raw {
                        // nothing to fold or escape: the file as written, comments and all
                        Some(text)
                            if unchanged
                                && !text.contains("${")
                                && !ctx
                                    .fixed_ns
                                    .as_ref()
                                    .is_some_and(|n| text.contains(n.as_str())) =>
                        {
                            if !ctx.files.iter().any(|(n, _)| *n == f) {
                                ctx.files.push((f.clone(), text));
                            }
                        }
                        _ => ctx.keep_file(&f, &folded),
                    }
                    ("file", s(&f))
                }
                None => ("manifest", folded.into_iter().next().unwrap_or(Value::Null)),
            };
            let mut step = vec![("apply", map(vec![("mode", s(mode)), source]))];
            if expects_error {
                step.push(("expect", map(vec![("error", map(vec![]))])));
            }
            vec![with_timeout(step, timeout_for(ctx, "apply"))]
        }
        "patch" => {
            let subresource = str_of(body, "subresource").map(str::to_string);
            if subresource.is_some() {
                ctx.acc(&["subresource"], Fate::Converted);
            }
            let docs = ctx.docs(body);
            docs.iter()
                .filter_map(|(at, d)| {
                    let d = ctx.fold_values(d, at);
                    let target = format!("{}/{}", kind_of(&d)?, name_of(&d)?);
                    let mut p = d.clone();
                    if let Value::Mapping(m) = &mut p {
                        m.remove("apiVersion");
                        m.remove("kind");
                    }
                    let mut spec = vec![("object", s(&target)), ("type", s("merge")), ("patch", p)];
                    if let Some(sub) = &subresource {
                        spec.push(("subresource", s(sub)));
                    }
                    Some(with_timeout(
                        vec![("patch", map(spec))],
                        timeout_for(ctx, "apply"),
                    ))
                })
                .collect()
        }
        "assert" | "error" => {
            if body.get("template").is_some() {
                ctx.acc(&["template"], Fate::Converted);
            }
            let t = timeout_for(ctx, kind);
            let docs = ctx.docs(body);
            let mut out = Vec::new();
            for (at, d) in &docs {
                if d.get("apiVersion").is_none() || d.get("kind").is_none() {
                    if let Some(st) = saved_assert(ctx, kind, d, t.as_deref()) {
                        ctx.ledger
                            .account(&at.file, at.doc, &at.path, Fate::Converted);
                        out.push(st);
                    } else {
                        ctx.note_place(at, true, format!("`{kind}` on a value that is not an object (a binding, an output): not converted; check it with a `command`"));
                    }
                    continue;
                }
                ctx.exprs.clear();
                let clean = ctx.without_expressions(d, at, Some("self"));
                if name_of(&clean).is_some_and(|n| n.contains("($")) {
                    // its name is only known when the test runs: listed by the fold
                    continue;
                }
                let Some(mut step) = assert_step(&clean, kind == "error", t.as_deref()) else {
                    continue;
                };
                if !ctx.exprs.is_empty() {
                    let e = ctx.exprs.join(" && ");
                    if let Some(Value::Mapping(a)) = step.get_mut("assert") {
                        a.insert(s("expr"), s(&e));
                    }
                }
                out.push(step);
            }
            out
        }
        "delete" => {
            let t = timeout_for(ctx, "delete");
            let mut refs: Vec<Value> = Vec::new();
            match body.get("ref") {
                Some(r) => {
                    ctx.acc(&["ref"], Fate::Converted);
                    let at = ctx.at.child("ref");
                    refs.push(ctx.fold_values(r, &at));
                }
                None => {
                    for (at, d) in ctx.docs(body) {
                        refs.push(ctx.fold_values(&d, &at));
                    }
                }
            }
            let propagation = str_of(body, "deletionPropagationPolicy").map(str::to_string);
            if propagation.is_some() {
                ctx.acc(&["deletionPropagationPolicy"], Fate::Converted);
            }
            refs.iter()
                // a name only known when the test runs was listed by the fold
                .filter(|r| {
                    !str_of(r, "name")
                        .or_else(|| name_of(r))
                        .is_some_and(|n| n.contains("($"))
                })
                .filter_map(|r| {
                    let mut del = delete_target(r)?;
                    let ns = str_of(r, "namespace")
                        .or_else(|| r.get("metadata").and_then(|m| str_of(m, "namespace")));
                    if let Some(ns) = ns {
                        del.push(("namespace", s(ns)));
                    }
                    if let Some(p) = &propagation {
                        del.push(("propagation", s(p)));
                    }
                    // Chainsaw's delete accepts an object that is already gone
                    del.push(("ignoreNotFound", Value::Bool(true)));
                    Some(with_timeout(vec![("delete", map(del))], t.clone()))
                })
                .collect()
        }
        "script" | "command" => {
            let t = timeout_for(ctx, "exec");
            super::script::convert(ctx, kind, body, t)
        }
        "sleep" => {
            ctx.acc(&["duration"], Fate::Converted);
            let d = body
                .get("duration")
                .and_then(duration)
                .unwrap_or("1s".into());
            vec![map(vec![("sleep", s(&d))])]
        }
        "wait" => {
            let Some(k) = kind_of(body) else {
                ctx.note_at(&[], "`wait` without apiVersion/kind: not converted");
                return Vec::new();
            };
            for key in ["apiVersion", "kind"] {
                ctx.acc(&[key], Fate::Converted);
            }
            let target = match str_of(body, "name") {
                Some(n) => {
                    ctx.acc(&["name"], Fate::Converted);
                    vec![("for", s(&format!("{k}/{n}")))]
                }
                None => match body.get("selector").and_then(Value::as_str) {
                    Some(sel) => {
                        ctx.acc(&["selector"], Fate::Converted);
                        vec![("kind", s(&k)), ("selector", s(sel))]
                    }
                    None => {
                        ctx.note_at(&[], "`wait` on a whole kind without selector: kdrill waits on a name or a label selector; not converted");
                        return Vec::new();
                    }
                },
            };
            let until = match body.get("for") {
                Some(f) if f.get("deletion").is_some() => {
                    ctx.acc(&["for"], Fate::Converted);
                    map(vec![("deleted", Value::Bool(true))])
                }
                Some(f) => match f.get("condition") {
                    Some(c) => {
                        ctx.acc(&["for"], Fate::Converted);
                        let name = str_of(c, "name").unwrap_or("Ready");
                        let value = c.get("value").map_or("True".to_string(), |v| match v {
                            Value::String(t) => t.clone(),
                            other => serde_yaml::to_string(other)
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                        });
                        let value = if value.eq_ignore_ascii_case("true") {
                            "True".into()
                        } else if value.eq_ignore_ascii_case("false") {
                            "False".into()
                        } else {
                            value
                        };
                        map(vec![("condition", s(&format!("{name}={value}")))])
                    }
                    None => {
                        ctx.note_at(&[], "`wait` for a JSONPath value: kdrill waits with `until.matches` (a partial object); not converted");
                        return Vec::new();
                    }
                },
                None => map(vec![]),
            };
            let mut w = target;
            w.push(("until", until));
            if let Some(ns) = str_of(body, "namespace") {
                ctx.acc(&["namespace"], Fate::Converted);
                w.push(("namespace", s(ns)));
            }
            // Chainsaw's wait has no default of its own: the test's assert timeout
            vec![with_timeout(
                vec![("wait", map(w))],
                timeout_for(ctx, "assert"),
            )]
        }
        // Chainsaw collects with kubectl commands, which have the exec timeout
        "podLogs" | "events" | "describe" | "get" => {
            let t = timeout_for(ctx, "exec");
            super::collectors::convert(ctx, kind, body, t)
        }
        other => {
            ctx.note_at(
                &[],
                format!(
                    "the operation `{other}` has no kdrill equivalent: not converted ({})",
                    serde_yaml::to_string(op)
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or_default()
                ),
            );
            Vec::new()
        }
    }
}

/// `outputs` of an apply/create/update: `{name, match: {partial}, value: (@)}`, the
/// applied object the partial matches. Its fields are the ones the test wrote (known
/// now, folded where used); what the server adds is not, and is listed where used.
fn applied_outputs(ctx: &mut Ctx<'_>, kind: &str, body: &Value, docs: &[Value]) {
    let Some(list) = body.get("outputs") else {
        return;
    };
    ctx.ledger.account_key(
        &ctx.at.file,
        ctx.at.doc,
        &ctx.at.child("outputs").path,
        Fate::Converted,
    );
    for (i, o) in list.as_sequence().into_iter().flatten().enumerate() {
        let here = ctx.at.child("outputs").child(&format!("[{i}]"));
        let name = str_of(o, "name").unwrap_or_default();
        let whole = str_of(o, "value").is_some_and(|v| v.replace(' ', "") == "(@)");
        let want = o
            .get("match")
            .and_then(|m| serde_json::to_value(m).ok())
            .unwrap_or(serde_json::Value::Null);
        let matched = docs
            .iter()
            .filter_map(|d| serde_json::to_value(d).ok())
            .filter(|d| want.is_null() || crate::subset::diff(&want, d, false).is_empty())
            .collect::<Vec<_>>();
        match (whole, matched.as_slice()) {
            (true, [doc]) => {
                ctx.ledger
                    .account(&here.file, here.doc, &here.path, Fate::Converted);
                ctx.outputs
                    .push((name.to_string(), Known::Json(doc.clone())));
            }
            _ => ctx.note_place(&here, true, format!("the output `{name}` of `{kind}` is not one applied object as written (`value: (@)` with a `match` of exactly one): not converted; save it from a `get` step")),
        }
    }
}
