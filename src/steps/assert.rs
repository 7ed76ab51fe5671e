//! `assert`: objects must match a partial object (maps partial, lists in order unless
//! `anyOrder`). One object by name, or every object of a kind (optionally with a
//! label selector) with `match: all | any | none` and an optional exact `count`.
//! Checked on a watch until it holds or the step times out, so eventually-true state
//! needs no retry loop; a mismatch names each differing path, and for `any` the
//! closest candidate's.

use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::{KindRef, ObjectRef};
use crate::subset;
use crate::wait::{watch_until, Seen, Unmet};
use kube::runtime::watcher;
use serde::Deserialize;
use serde_json::Value;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssertSpec {
    /// One object, `kind/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// Every object of this kind (with `selector`: only those with these labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<KindRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// With `kind`: only objects whose fields match this field selector (kubectl's
    /// `--field-selector` syntax, e.g. `status.phase=Running`; the API decides which
    /// fields a kind can select on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<String>,
    /// The partial object (default: `{}`, anything).
    #[serde(default = "empty_object")]
    pub matches: Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub any_order: bool,
    /// `all`, `any` or `none` of the addressed objects must match (default: `all` for
    /// one object, `any` for a kind).
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub quantifier: Option<Quantifier>,
    /// Exactly this many objects must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A CEL expression that must also be true of a matching object (`self`); the
    /// scenario's variables are CEL variables by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<crate::wait::Expr>,
    /// The variables `expr` sees, set when the step runs.
    #[serde(skip)]
    #[schemars(skip)]
    pub vars: std::collections::BTreeMap<String, String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantifier {
    All,
    Any,
    None,
}

impl AssertSpec {

    fn quantifier(&self) -> Quantifier {
        self.quantifier.unwrap_or(if self.object.is_some() {
            Quantifier::All
        } else {
            Quantifier::Any
        })
    }

}

/// How one object falls short: the partial object's differences, then `expr`'s.
fn mismatches(spec: &AssertSpec, object: &Value) -> Vec<subset::Mismatch> {
    let mut out = subset::diff(&spec.matches, object, spec.any_order);
    if let Some(e) = &spec.expr {
        let shown = match e.eval(object, &spec.vars) {
            crate::wait::expr::Verdict::Holds => None,
            crate::wait::expr::Verdict::Fails(parts) => Some(parts.join(", ")),
            crate::wait::expr::Verdict::Error(m) => Some(format!("an error: {m}")),
        };
        if let Some(actual) = shown {
            out.push(subset::Mismatch {
                path: "expr".into(),
                expected: format!("`{e}` to hold"),
                actual,
            });
        }
    }
    out
}

/// What is still wrong with the objects seen (nothing when the assertion holds), and
/// which object that is about: the evidence of a failed assert.
fn judge(spec: &AssertSpec, kind: &str, seen: &Seen) -> Unmet {
    let results: Vec<(&String, Vec<subset::Mismatch>)> =
        seen.iter().map(|(n, o)| (n, mismatches(spec, o))).collect();
    let matching = results.iter().filter(|(_, m)| m.is_empty()).count();
    let first_matching = || results.iter().find(|(_, m)| m.is_empty()).map(|(n, _)| *n);
    // a Secret's values are never shown, neither what was expected nor what came
    let secret = kind == "secret";
    let show = |n: &str, m: &[subset::Mismatch]| {
        m.iter()
            .map(|x| {
                if secret && crate::objects::is_secret_path(&x.path) {
                    let hidden = subset::Mismatch {
                        path: x.path.clone(),
                        expected: crate::objects::MASK.into(),
                        actual: crate::objects::MASK.into(),
                    };
                    format!("{kind}/{n}: {hidden} (values of Secrets are never shown)")
                } else {
                    format!("{kind}/{n}: {x}")
                }
            })
            .collect::<Vec<_>>()
    };
    let unmet = |object: Option<&str>, mismatch: Vec<String>| Unmet {
        mismatch,
        object: object.map(str::to_string),
    };
    if let Some(want) = spec.count {
        if matching == want {
            return Unmet::default();
        }
        let mut bad = vec![format!(
            "{matching} of {} object(s) match, expected exactly {want}",
            seen.len()
        )];
        if matching < want {
            let close = closest(&results);
            bad.extend(close.map_or_else(Vec::new, |(n, m)| show(n, m)));
            return unmet(close.map(|(n, _)| n), bad);
        }
        return unmet(first_matching().map(String::as_str), bad);
    }
    match spec.quantifier() {
        Quantifier::None => unmet(
            first_matching().map(String::as_str),
            results
                .iter()
                .filter(|(_, m)| m.is_empty())
                .map(|(n, _)| format!("{kind}/{n} matches, but no object may"))
                .collect(),
        ),
        Quantifier::All => {
            if seen.is_empty() {
                return vec![match &spec.object {
                    Some(o) => format!("{o} does not exist"),
                    None => "no object of this kind exists yet".into(),
                }]
                .into();
            }
            let first_bad = results.iter().find(|(_, m)| !m.is_empty());
            unmet(
                first_bad.map(|(n, _)| n.as_str()),
                results.iter().flat_map(|(n, m)| show(n, m)).collect(),
            )
        }
        Quantifier::Any => {
            if matching > 0 {
                return Unmet::default();
            }
            match closest(&results) {
                None => vec!["no object of this kind exists yet".to_string()].into(),
                Some((n, m)) => {
                    let mut bad = vec![format!(
                        "none of {} object(s) matches; the closest is {kind}/{n}:",
                        seen.len()
                    )];
                    bad.extend(show(n, m));
                    unmet(Some(n), bad)
                }
            }
        }
    }
}

/// The candidate with the fewest mismatches.
fn closest<'a>(
    results: &'a [(&'a String, Vec<subset::Mismatch>)],
) -> Option<(&'a str, &'a [subset::Mismatch])> {
    results
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .min_by_key(|(_, m)| m.len())
        .map(|(n, m)| (n.as_str(), m.as_slice()))
}

impl StepKind for AssertSpec {
    const KEYWORD: &'static str = "assert";

    // CEL sees variables by name, as values: never pasted into its text
    const VERBATIM: &'static [&'static str] = &["expr"];

    fn summary(&self) -> String {
        let target = super::target_summary(
            self.object.as_ref(),
            self.kind.as_ref(),
            self.selector.as_deref(),
        );
        let target = if target.is_empty() {
            self.kind
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        } else {
            target
        };
        let target = match &self.field_selector {
            Some(f) => format!("{target} --field-selector {f}"),
            None => target,
        };
        match (self.quantifier, self.count) {
            (_, Some(n)) => format!("{target} (exactly {n} match)"),
            (Some(Quantifier::None), _) => format!("{target} (none matches)"),
            (Some(Quantifier::All), _) if self.object.is_none() => format!("{target} (all match)"),
            _ => target,
        }
    }

    fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match (&self.object, &self.kind) {
            (Some(_), Some(_)) => out.push(Problem::new(
                "kind",
                "give either `object: kind/name` or `kind` (with an optional `selector`), not both",
            )),
            (None, None) => out.push(Problem::new(
                "",
                "`assert` needs `object: kind/name`, or `kind` (and optionally `selector`)",
            )),
            (Some(_), None) if self.selector.is_some() => out.push(Problem::new(
                "selector",
                "`selector` goes with `kind`, not with `object`",
            )),
            _ => {}
        }
        if self.object.is_some() && self.field_selector.is_some() {
            out.push(Problem::new(
                "fieldSelector",
                "`fieldSelector` goes with `kind`, not with `object`",
            ));
        }
        if self.object.is_some() && self.count.is_some() {
            out.push(Problem::new(
                "count",
                "`count` counts the objects of a `kind`; one `object` is either there or not",
            ));
        }
        if self.quantifier == Some(Quantifier::None) && self.count.is_some() {
            out.push(Problem::new(
                "count",
                "`match: none` and `count` cannot go together (`count: 0` alone says that none matches)",
            ));
        }
        out
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &AssertSpec) -> Result<Output, StepError> {
    let with_vars;
    let spec = if spec.expr.is_some() {
        with_vars = AssertSpec {
            vars: ctx.vars.clone(),
            ..spec.clone()
        };
        &with_vars
    } else {
        spec
    };
    let kind = spec
        .object
        .as_ref()
        .map(|o| &o.kind)
        .or(spec.kind.as_ref())
        .ok_or(StepError::Incomplete("nothing to assert on"))?;
    let resolved = ctx.cluster.resolve(kind).await?;
    let api = ctx.cluster.api(
        &resolved,
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let mut cfg = watcher::Config::default();
    if let Some(o) = &spec.object {
        cfg = cfg.fields(&format!("metadata.name={}", o.name));
    }
    if let Some(sel) = &spec.selector {
        cfg = cfg.labels(sel);
    }
    if let Some(fields) = &spec.field_selector {
        cfg = cfg.fields(fields);
    }
    let kind_name = resolved.ar.kind.to_lowercase();
    let seen = watch_until(
        api,
        cfg,
        |seen| judge(spec, &kind_name, seen),
        ctx.timeout,
        ctx.cancel,
    )
    .await
    .map_err(|e| {
        let mut err = StepError::from(e);
        if let StepError::Failed {
            message, expected, ..
        } = &mut err
        {
            *message = format!("assert {}: not satisfied ({message})", spec.summary());
            let mut shown = spec.matches.clone();
            if kind_name == "secret" {
                crate::objects::redact_secret_fields(&mut shown);
            }
            let mut text = serde_yaml::to_string(&shown).unwrap_or_default();
            if let Some(e) = &spec.expr {
                text.push_str(&format!("expr: {e}\n"));
            }
            *expected = Some(text);
        }
        err
    })?;
    for o in seen.values() {
        ctx.secrets.record_object(o);
    }
    let object = match &spec.object {
        Some(o) => seen.get(&o.name).cloned(),
        None if seen.len() == 1 => seen.values().next().cloned(),
        None => None,
    };
    Ok(Output {
        notes: vec![format!("{}: holds", spec.summary())],
        object,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(yaml: &str) -> AssertSpec {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn check(spec: &AssertSpec, kind: &str, seen: &Seen) -> Vec<String> {
        judge(spec, kind, seen).mismatch
    }

    fn seen(objs: &[(&str, Value)]) -> Seen {
        objs.iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_secrets_values_never_reach_the_message() {
        let s = seen(&[(
            "creds",
            json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}, "type": "Opaque"}),
        )]);
        let msg = judge(
            &spec("{object: secret/creds, matches: {data: {password: c2VjcmV0}, type: Basic}}"),
            "secret",
            &s,
        )
        .mismatch
        .join("\n");
        assert!(!msg.contains("aHVudGVyMg") && !msg.contains("c2VjcmV0"), "{msg}");
        assert!(msg.contains("data.password: expected [REDACTED], got [REDACTED]"), "{msg}");
        assert!(msg.contains("type: expected \"Basic\", got \"Opaque\""), "{msg}");
    }

    #[test]
    fn any_all_none_and_count() {
        let s = seen(&[
            ("a", json!({"status": {"phase": "Running"}})),
            ("b", json!({"status": {"phase": "Pending"}})),
        ]);
        let running = "{kind: pods, matches: {status: {phase: Running}}";
        assert!(check(&spec(&format!("{running}}}")), "pod", &s).is_empty());
        let all = check(&spec(&format!("{running}, match: all}}")), "pod", &s);
        assert_eq!(
            all,
            vec!["pod/b: status.phase: expected \"Running\", got \"Pending\""]
        );
        let none = check(&spec(&format!("{running}, match: none}}")), "pod", &s);
        assert_eq!(none, vec!["pod/a matches, but no object may"]);
        assert!(check(&spec(&format!("{running}, count: 1}}")), "pod", &s).is_empty());
        let two = check(&spec(&format!("{running}, count: 2}}")), "pod", &s);
        assert_eq!(two[0], "1 of 2 object(s) match, expected exactly 2");
        assert!(check(&spec("{kind: pods, count: 0}"), "pod", &Seen::new()).is_empty());
    }

    #[test]
    fn the_evidence_is_the_object_the_mismatch_is_about() {
        let s = seen(&[
            ("a", json!({"status": {"phase": "Running"}})),
            ("b", json!({"status": {"phase": "Pending"}})),
            ("c", json!({"status": {"phase": "Running"}})),
        ]);
        let about = |yaml: &str| judge(&spec(yaml), "pod", &s).object;
        let running = "{kind: pods, matches: {status: {phase: Running}}";
        assert_eq!(about(&format!("{running}, match: all}}")).as_deref(), Some("b"));
        assert_eq!(about(&format!("{running}, match: none}}")).as_deref(), Some("a"));
        assert_eq!(about(&format!("{running}, count: 3}}")).as_deref(), Some("b"));
        assert_eq!(about(&format!("{running}, count: 1}}")).as_deref(), Some("a"));
        let failed = "{kind: pods, matches: {status: {phase: Failed}}}";
        assert_eq!(about(failed).as_deref(), Some("a"), "the closest, first of equals");
        assert_eq!(about(&format!("{running}}}")), None, "it holds");
    }

    #[test]
    fn any_reports_the_closest_candidate() {
        let s = seen(&[
            (
                "far",
                json!({"metadata": {"labels": {"app": "x"}}, "status": {"phase": "Pending"}}),
            ),
            (
                "near",
                json!({"metadata": {"labels": {"app": "web"}}, "status": {"phase": "Pending"}}),
            ),
        ]);
        let bad = check(
            &spec(
                "{kind: pods, matches: {metadata: {labels: {app: web}}, status: {phase: Running}}}",
            ),
            "pod",
            &s,
        );
        assert_eq!(
            bad[0],
            "none of 2 object(s) matches; the closest is pod/near:"
        );
        assert_eq!(bad.len(), 2, "{bad:?}");
    }

    #[test]
    fn one_object_none_means_absent_or_different() {
        let s = spec("{object: pod/x, matches: {status: {phase: Failed}}, match: none}");
        assert!(check(&s, "pod", &Seen::new()).is_empty());
        assert!(check(
            &s,
            "pod",
            &seen(&[("x", json!({"status": {"phase": "Running"}}))])
        )
        .is_empty());
        assert!(!check(
            &s,
            "pod",
            &seen(&[("x", json!({"status": {"phase": "Failed"}}))])
        )
        .is_empty());
        let one = spec("{object: pod/x, matches: {}}");
        assert_eq!(
            check(&one, "pod", &Seen::new()),
            vec!["pod/x does not exist"]
        );
    }

    #[test]
    fn expr_is_checked_with_the_partial_object_and_its_parts_shown() {
        let s = seen(&[
            ("a", json!({"spec": {"replicas": 2}, "status": {"readyReplicas": 1}})),
            ("b", json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 3}})),
        ]);
        let ready = "expr: 'self.status.readyReplicas == self.spec.replicas'";
        assert!(check(&spec(&format!("{{kind: deployments, {ready}}}")), "deployment", &s).is_empty());
        let all = check(&spec(&format!("{{kind: deployments, match: all, {ready}}}")), "deployment", &s);
        assert_eq!(all, vec!["deployment/a: expr: expected `self.status.readyReplicas == self.spec.replicas` to hold, got self.status.readyReplicas = 1, self.spec.replicas = 2"]);
        let none = check(&spec(&format!("{{kind: deployments, match: none, {ready}}}")), "deployment", &s);
        assert_eq!(none, vec!["deployment/b matches, but no object may"]);
        let both = spec(&format!("{{object: deployments/b, matches: {{spec: {{replicas: 3}}}}, {ready}}}"));
        // an object assertion sees that one object
        let b = seen(&[("b", json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 3}}))]);
        assert!(check(&both, "deployment", &b).is_empty());
        let wrong = spec(&format!("{{object: deployments/b, matches: {{spec: {{replicas: 4}}}}, {ready}}}"));
        assert_eq!(check(&wrong, "deployment", &b).len(), 1, "the partial object still counts");
        let mut with_vars = spec("{kind: deployments, expr: 'self.spec.replicas == int(N)', count: 1}");
        with_vars.vars.insert("N".into(), "3".into());
        assert!(check(&with_vars, "deployment", &s).is_empty());
        assert!(serde_yaml::from_str::<AssertSpec>("{kind: pods, expr: 'self.x =='}")
            .unwrap_err()
            .to_string()
            .contains("CEL: 1:"));
    }

    #[test]
    fn validation() {
        assert!(!spec("{matches: {}}").validate().is_empty());
        assert!(!spec("{object: pod/x, kind: pods}").validate().is_empty());
        assert!(!spec("{object: pod/x, count: 1}").validate().is_empty());
        assert!(spec("{kind: pods, selector: app=web, count: 2}")
            .validate()
            .is_empty());
        assert!(
            !spec("{object: pod/x, fieldSelector: status.phase=Running}")
                .validate()
                .is_empty()
        );
        let by_fields = spec("{kind: pods, fieldSelector: status.phase=Running, count: 2}");
        assert!(by_fields.validate().is_empty());
        assert_eq!(
            by_fields.summary(),
            "pods --field-selector status.phase=Running (exactly 2 match)"
        );
    }
}
