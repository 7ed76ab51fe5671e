//! `kubectl describe`: what the description shows (a pod's status and restarts, a
//! workload's replicas, a Service's type and endpoints, a pod's events beyond the
//! routine ones) as waits, asserts and `events` steps.

use super::state_steps::{assert_spec, condition, phase, restarted, wait};
use super::IntoEmit;
use crate::import::kubectl::Kubectl;
use crate::import::shell::Simple;
use crate::import::translate::spec;
use crate::import::translate::states;
use crate::import::translate::{Emit, Outcome, Place, TodoReason, Tr};
use crate::steps::events::EventsSpec;
use crate::steps::get::{GetFormat, GetSpec};
use crate::steps::Action;
use crate::wait::{CmpOp, Comparison, ConditionSpec, Until};

impl Tr<'_> {
    pub(super) fn describe(
        &mut self,
        k: &Kubectl,
        place: &Place,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let res = k.resources();
        let Some(r) = res.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl describe` without a kind",
                "name the kind",
            );
        };
        let kind = r.kind_name();
        let ns = place.field();
        let sel = k.selector();
        let target = r.name.clone();
        let by = |this: &Self, until: Until| -> Emit {
            match (&target, sel) {
                (Some(n), _) => wait(Some((&kind, n)), None, until, this.place(k).field()),
                (None, Some(s)) => wait(None, Some((&kind, s)), until, this.place(k).field()),
                (None, None) => wait(None, Some((&kind, "")), until, this.place(k).field()),
            }
        };
        let mut steps: Vec<Emit> = Vec::new();
        let fields = states::describe_fields(output);
        let filtered = !filters.is_empty();
        if kind == "pod" && output.contains("CrashLoopBackOff") {
            if let Some(n) = &target {
                self.crashing.insert(n.clone());
            }
        }
        match kind.as_str() {
            "pod" => {
                if let Some(p) = fields.get("Status") {
                    steps.push(by(self, phase(p)));
                }
                let restarts: Vec<i64> = output
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("Restart Count:"))
                    .filter_map(|v| v.trim().parse().ok())
                    .collect();
                if restarts.iter().any(|r| *r > 0) {
                    steps.push(spec::with_timeout(by(self, restarted(1)).step, 180).into_emit());
                }
                let ann = states::describe_map(output, "Annotations");
                if !ann.is_empty() {
                    if let Some(n) = &target {
                        let m = serde_json::json!({"metadata": {"annotations": ann}});
                        steps.push(Emit::native(spec::step(Action::Assert(assert_spec(
                            Some(("pod", n)),
                            None,
                            m,
                            ns.clone(),
                        )))));
                    }
                }
                if fields.contains_key("Node") && fields.contains_key("IP") && filtered {
                    let m = serde_json::json!({"spec": {"nodeName": "[..]"}, "status": {"podIP": "[..]"}});
                    let count = output.lines().filter(|l| l.starts_with("Name:")).count();
                    let mut a = match (&target, sel) {
                        (Some(n), _) => assert_spec(Some(("pod", n)), None, m, ns.clone()),
                        (None, s) => assert_spec(None, Some(("pods", s)), m, ns.clone()),
                    };
                    if target.is_none() && count > 0 {
                        a.count = Some(count);
                    }
                    steps.push(Emit::native(spec::step(Action::Assert(a))));
                }
            }
            "deployment" => {
                if let Some(rep) = fields.get("Replicas") {
                    let available = rep
                        .split('|')
                        .find_map(|p| p.trim().strip_suffix(" available"))
                        .and_then(|v| v.trim().parse::<i64>().ok());
                    let mut until = Until {
                        condition: Some(condition("Available")),
                        ..Until::default()
                    };
                    if let Some(a) = available.filter(|a| *a > 0) {
                        until.matches =
                            Some(serde_json::json!({"status": {"availableReplicas": a}}));
                    }
                    steps.push(spec::with_timeout(by(self, until).step, 120).into_emit());
                }
            }
            "service" => {
                let mut m = serde_json::Map::new();
                let mut spec_m = serde_json::Map::new();
                if let Some(sel) = fields.get("Selector").filter(|s| *s != "<none>") {
                    let sel: serde_json::Map<String, serde_json::Value> = sel
                        .split(',')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(a, b)| (a.to_string(), serde_json::Value::String(b.to_string())))
                        .collect();
                    spec_m.insert("selector".into(), serde_json::Value::Object(sel));
                }
                if let Some(t) = fields.get("Type") {
                    spec_m.insert("type".into(), serde_json::Value::String(t.clone()));
                }
                if let Some(p) = fields
                    .get("Port")
                    .and_then(|p| p.split_whitespace().last())
                    .and_then(|p| p.split('/').next())
                    .and_then(|p| p.parse::<u16>().ok())
                {
                    spec_m.insert("ports".into(), serde_json::json!([{"port": p}]));
                }
                if !spec_m.is_empty() {
                    m.insert("spec".into(), serde_json::Value::Object(spec_m));
                }
                if let Some(n) = &target {
                    if !m.is_empty() {
                        steps.push(Emit::native(spec::step(Action::Assert(assert_spec(
                            Some(("service", n)),
                            None,
                            serde_json::Value::Object(m),
                            ns.clone(),
                        )))));
                    }
                    // as many endpoints as the post shows: the pods behind it are ready
                    if let Some(eps) = fields.get("Endpoints").filter(|e| e.contains(':')) {
                        let count = eps.split(',').count();
                        let addresses: Vec<serde_json::Value> =
                            (0..count).map(|_| serde_json::json!({})).collect();
                        let m = serde_json::json!({"subsets": [{"addresses": addresses}]});
                        let mut a = assert_spec(Some(("endpoints", n)), None, m, ns.clone());
                        a.any_order = false;
                        steps.push(
                            spec::with_timeout(spec::step(Action::Assert(a)), 120).into_emit(),
                        );
                    }
                }
            }
            "secret" | "configmap" => {
                let keys: Vec<String> = output
                    .lines()
                    .skip_while(|l| l.trim() != "Data")
                    .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
                    .filter(|k| !k.is_empty() && !k.contains(' '))
                    .collect();
                if let (Some(n), false) = (&target, keys.is_empty()) {
                    let data: serde_json::Map<String, serde_json::Value> = keys
                        .into_iter()
                        .map(|k| (k, serde_json::Value::String("[..]".into())))
                        .collect();
                    let m = serde_json::json!({"data": data});
                    steps.push(Emit::native(spec::step(Action::Assert(assert_spec(
                        Some((&kind, n)),
                        None,
                        m,
                        ns.clone(),
                    )))));
                }
            }
            "resourcequota" => {
                let mut used = serde_json::Map::new();
                let mut hard = serde_json::Map::new();
                for l in output
                    .lines()
                    .skip_while(|l| !l.starts_with("Resource"))
                    .skip(2)
                {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    if let [res, u, h] = w.as_slice() {
                        used.insert(res.to_string(), serde_json::Value::String(u.to_string()));
                        hard.insert(res.to_string(), serde_json::Value::String(h.to_string()));
                    }
                }
                if let (Some(n), false) = (&target, used.is_empty()) {
                    let m = serde_json::json!({"status": {"used": used, "hard": hard}});
                    steps.push(Emit::native(spec::step(Action::Assert(assert_spec(
                        Some(("resourcequota", n)),
                        None,
                        m,
                        ns.clone(),
                    )))));
                }
            }
            "job" => {
                let failed = output.contains("BackoffLimitExceeded");
                let complete = fields
                    .get("Pods Statuses")
                    .is_some_and(|p| p.contains("1 Succeeded") && !failed);
                let cond = if failed {
                    Some(("Failed", Some("BackoffLimitExceeded")))
                } else if complete {
                    Some(("Complete", None))
                } else {
                    None
                };
                if let Some((c, reason)) = cond {
                    let until = Until {
                        condition: Some(ConditionSpec {
                            type_: c.into(),
                            status: "True".into(),
                            reason: reason.map(str::to_string),
                        }),
                        ..Until::default()
                    };
                    steps.push(spec::with_timeout(by(self, until).step, 180).into_emit());
                }
            }
            _ => {}
        }
        // events the post shows: what happened to the object
        if kind == "pod" {
            let mut seen = Vec::new();
            for (type_, reason, _) in states::events(output) {
                if seen.contains(&reason)
                    || matches!(
                        reason.as_str(),
                        "Scheduled" | "Pulling" | "Pulled" | "Created" | "Started"
                    )
                {
                    continue;
                }
                seen.push(reason.clone());
                steps.push(
                    spec::with_timeout(
                        spec::step(Action::Events(EventsSpec {
                            object: target.as_deref().map(|n| spec::object("pod", n)),
                            reason: Some(reason),
                            type_: Some(type_),
                            message: None,
                            count: Comparison {
                                op: CmpOp::Ge,
                                value: 1,
                            },
                            namespace: ns.clone(),
                        })),
                        180,
                    )
                    .into_emit(),
                );
            }
        }
        if steps.is_empty() {
            steps.push(by(self, Until::default()));
        }
        if !filtered {
            if let Some(n) = &target {
                let snap = self.next_snapshot(&format!("object {n}"));
                let mut g = Emit::native(spec::step(Action::Get(GetSpec {
                    kind: spec::kind(&kind),
                    name: Some(n.clone()),
                    selector: None,
                    output: GetFormat::Yaml,
                    namespace: ns.clone(),
                })));
                g.step.expect = spec::expect_output(spec::snapshot(&snap));
                steps.push(g.note("describe's text is kubectl's own: the object is snapshotted as YAML instead (review it after the first run)"));
            }
        }
        if let Some(first) = steps.first_mut() {
            if first.comment.is_none() {
                first.comment = Some("the state `describe` shows, waited for and asserted".into());
            }
        }
        Outcome::Steps(steps)
    }
}
