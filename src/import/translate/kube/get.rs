//! `kubectl get` (one field, `-o yaml`, tables, `-w`), events and `top`: reads become
//! asserts, waits or `get` steps with a snapshot.

use super::shown::{object_shown, partial_from_path, table_text_without_kind, varies};
use super::state_steps::{assert_spec, restarted, wait};
use super::{cluster_scoped, IntoEmit};
use crate::import::kubectl::{Kubectl, Output, Resource};
use crate::import::shell::Simple;
use crate::import::translate::objects::looks_generated;
use crate::import::translate::spec;
use crate::import::translate::states::{self, PodState};
use crate::import::translate::{Emit, Outcome, Place, TodoReason, Tr};
use crate::steps::assert::AssertSpec;
use crate::steps::events::EventsSpec;
use crate::steps::get::{GetFormat, GetSpec};
use crate::steps::Action;
use crate::wait::{CmpOp, Comparison, Until};
use regex::Regex;
use std::collections::BTreeMap;

impl Tr<'_> {
    pub(super) fn get(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let res = k.resources();
        let Some(first) = res.first().cloned() else {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl get` without a kind",
                "name the kind to list",
            );
        };
        let kind = first.kind_name();
        let ns = place.field();
        if kind == "event" {
            return Outcome::Steps(self.event_steps(place, output, k.field_selector()));
        }
        if k.watch() {
            return self.watch(k, place, output);
        }
        // one field: an assert on it
        let field_path = match k.output() {
            Some(Output::JsonPath(p)) | Some(Output::GoTemplate(p)) => Some(p),
            _ => k
                .flag("template")
                .map(|t| t.replace("{{", "{").replace("}}", "}")),
        };
        if let (Some(path), Some(name)) = (field_path, first.name.clone()) {
            let shown = output.trim();
            let value = if shown.is_empty() || varies(shown) {
                serde_json::Value::String("[..]".into())
            } else {
                serde_json::Value::String(shown.to_string())
            };
            let path = path.split("}{").next().unwrap_or(&path).to_string();
            if let Some(m) = partial_from_path(&path, value) {
                let mut e = Emit::native(spec::step(Action::Assert(assert_spec(
                    Some((&kind, &name)),
                    None,
                    m,
                    ns,
                ))));
                // `IP=$(kubectl get ...)`: the value is saved under the same name
                if let Some(var) = self.t.commands[i]
                    .script()
                    .commands
                    .first()
                    .and_then(|c| c.assignments.first())
                {
                    if let Some((v, _)) = var.raw.split_once('=') {
                        let p = path
                            .trim_start_matches('{')
                            .trim_end_matches('}')
                            .to_string();
                        e.step.save.insert(v.to_string(), p);
                    }
                }
                return Outcome::Steps(vec![e.note(
                    "one field: an assert on it (a value the cluster chooses is a pattern)",
                )]);
            }
        }
        // `-o json | jq ...`: the object, asserted on what the filter shows
        if let Some(jq) = filters
            .iter()
            .find(|f| f.argv().first().is_some_and(|p| p == "jq"))
        {
            let filter = jq.argv().get(1).cloned().unwrap_or_default();
            let re = Regex::new(r#"select\(\.type=="(\w+)"\)\s*\|\s*\.status"#).expect("jq regex");
            if let (Some(c), Some(name)) = (re.captures(&filter), first.name.as_deref()) {
                let status = output.trim().trim_matches('"').to_string();
                let m = serde_json::json!({"status": {"conditions": [{"type": &c[1], "status": status}]}});
                return Outcome::Steps(vec![Emit::native(spec::step(Action::Assert(
                    assert_spec(Some((&kind, name)), None, m, ns),
                )))
                .note("the jq filter shows one condition: an assert on it")]);
            }
        }
        // `-o yaml`: an assert on what the object shows, without what the cluster fills in
        if matches!(k.output(), Some(Output::Yaml) | Some(Output::Json)) {
            if let (Some(name), Some(m)) = (first.name.as_deref(), object_shown(output)) {
                return Outcome::Steps(vec![Emit::native(spec::step(Action::Assert(assert_spec(Some((&kind, name)), None, m, ns))))
                    .note("the object the post shows, without what the cluster fills in (uid, times, status details)")]);
            }
        }
        // labels shown as a column: asserts on them
        let label_cols = k.has("show-labels") || k.flag("label-columns").is_some();
        let mut steps: Vec<Emit> = Vec::new();
        let tables = states::tables(output);
        let all_namespaces = matches!(place, Place::All);
        let system = matches!(place, Place::System(_));
        // every namespace of the cluster, or a system namespace: the rows differ per cluster
        for t in &tables {
            // pods the post shows crash-looping: their logs are of the finished run
            for row in &t.rows {
                if let (Some(name), Some(PodState::Crashing { .. })) =
                    (t.name(row), states::pod_state(t, row))
                {
                    self.crashing
                        .insert(name.trim_start_matches("pod/").to_string());
                }
            }
            // a system namespace's rows are the cluster's own: nothing to wait for
            if !system {
                steps.extend(self.table_states(&kind, t, place, k.selector(), false));
            }
        }
        if kind == "namespace" {
            return Outcome::Steps(if steps.is_empty() {
                vec![Emit::native(spec::step(Action::Get(GetSpec {
                    kind: spec::kind("namespaces"),
                    name: None,
                    selector: None,
                    output: GetFormat::Table,
                    namespace: None,
                })))
                .note("every namespace of the cluster: its rows differ from cluster to cluster, so no snapshot")]
            } else {
                steps
            });
        }
        if label_cols {
            for t in &tables {
                for row in &t.rows {
                    let Some(name) = t.name(row) else { continue };
                    let mut labels = serde_json::Map::new();
                    if let Some(cell) = t.cell(row, "LABELS") {
                        for (a, b) in cell.split(',').filter_map(|kv| kv.split_once('=')) {
                            if a != "pod-template-hash" {
                                labels.insert(a.into(), serde_json::Value::String(b.into()));
                            }
                        }
                    }
                    if let Some(cols) = k.flag("label-columns") {
                        for c in cols.split(',') {
                            if let Some(v) = t.cell(row, &c.to_ascii_uppercase()) {
                                let v = if v.is_empty() {
                                    serde_json::Value::Null
                                } else {
                                    serde_json::Value::String(v.into())
                                };
                                labels.insert(c.into(), v);
                            }
                        }
                    }
                    if labels.is_empty()
                        || looks_generated(name)
                        || cluster_scoped(&kind) && name.contains("k3d-")
                    {
                        continue;
                    }
                    let m = serde_json::json!({"metadata": {"labels": labels}});
                    steps.push(Emit::native(spec::step(Action::Assert(assert_spec(
                        Some((&kind, name)),
                        None,
                        m,
                        ns.clone(),
                    )))));
                }
            }
            if !steps.is_empty() {
                return Outcome::Steps(steps);
            }
        }
        if all_namespaces {
            // the rows of the namespaces the post created (waited for above, in the
            // scenario's names); the cluster's other namespaces are not the scenario's
            if let Some(first) = steps.first_mut() {
                first.comment = Some("every namespace of the cluster: only the rows of the post's own namespaces are checked".into());
            }
            if steps.is_empty() {
                steps.push(
                    self.host_kubectl(k, place, filters)
                        .note("every namespace of the cluster: kubectl on the host"),
                );
            }
            return Outcome::Steps(steps);
        }
        if k.field_selector().is_some() && !tables.is_empty() {
            // kdrill's get has no field selector: an assert per row shown
            for t in &tables {
                for row in &t.rows {
                    if let Some(name) = t.name(row) {
                        steps.push(wait(
                            Some((&kind, name)),
                            None,
                            Until::default(),
                            ns.clone(),
                        ));
                    }
                }
            }
            return Outcome::Steps(steps);
        }
        let format = match k.output() {
            Some(Output::Wide) => GetFormat::Wide,
            Some(Output::Name) => GetFormat::Name,
            Some(Output::Yaml) | Some(Output::Json) => GetFormat::Yaml,
            _ => GetFormat::Table,
        };
        // one get per kind (`get pod,svc` prints one table each)
        let kinds: Vec<Resource> = {
            let mut seen = Vec::new();
            for r in &res {
                if !seen
                    .iter()
                    .any(|x: &Resource| x.kind_name() == r.kind_name())
                {
                    seen.push(r.clone());
                }
            }
            seen
        };
        let multi = kinds.len() > 1 || kind == "all";
        for (ki, r) in kinds.iter().enumerate() {
            let rk = r.kind_name();
            let body = if multi {
                tables
                    .get(ki)
                    .map(table_text_without_kind)
                    .unwrap_or_default()
            } else {
                output.to_string()
            };
            let names: Vec<&Resource> = res.iter().filter(|x| x.kind_name() == rk).collect();
            let name = if names.len() == 1 {
                names[0].name.clone()
            } else {
                None
            };
            let mut e = Emit::native(spec::step(Action::Get(GetSpec {
                kind: spec::kind(&rk),
                name: name.clone(),
                selector: k.selector().map(str::to_string),
                output: format,
                namespace: ns.clone(),
            })));
            let volatile = system || body.trim().is_empty() || k.field_selector().is_some();
            if !volatile {
                let snap =
                    self.next_snapshot(&format!("get {rk} {}", name.clone().unwrap_or_default()));
                e.step.expect = spec::expect_output(spec::snapshot(&snap));
                e.snapshot = Some((snap, body));
            } else if system {
                e = e.note(
                    "a system namespace: its rows differ from cluster to cluster, so no snapshot",
                );
            }
            if kind == "all" {
                e = self
                    .host_kubectl(k, place, filters)
                    .note("`get all` lists many kinds: kubectl on the host");
                steps.push(e);
                break;
            }
            if k.field_selector().is_some() || k.flag("sort-by").is_some() {
                e = e.note(
                    "the post filters or sorts on the server; kdrill's get lists the kind as it is",
                );
            }
            steps.push(e);
        }
        Outcome::Steps(steps)
    }

    /// `get -w`: a wait for the final state the stream shows, not a snapshot of it.
    pub(super) fn watch(&mut self, k: &Kubectl, place: &Place, output: &str) -> Outcome {
        let kind = k
            .resources()
            .first()
            .map(|r| r.kind_name())
            .unwrap_or_default();
        let mut steps = Vec::new();
        if let Place::System(ns) = place {
            // the cluster's own pods differ from cluster to cluster: that they run
            let mut a = assert_spec(
                None,
                Some((&kind, k.selector())),
                serde_json::json!({"status": {"phase": "Running"}}),
                Some(ns.clone()),
            );
            a.quantifier = Some(crate::steps::assert::Quantifier::Any);
            return Outcome::Steps(vec![spec::with_timeout(spec::step(Action::Assert(a)), 180)
                .into_emit()
                .note(format!(
                    "a watch on {ns}: its pods are the cluster's own; that they run is asserted"
                ))]);
        }
        for t in states::tables(output) {
            steps.extend(self.table_states(&kind, &t, place, k.selector(), true));
            // restarts that grew while the post watched: the final count is the state
            let mut seen: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            for row in &t.rows {
                let (Some(name), Some(r)) = (
                    t.name(row),
                    t.cell(row, "RESTARTS")
                        .and_then(|r| r.split_whitespace().next())
                        .and_then(|r| r.parse::<i64>().ok()),
                ) else {
                    continue;
                };
                let e = seen.entry(name.to_string()).or_insert((r, r));
                e.1 = r;
            }
            for (name, (first, last)) in seen {
                if last > first && !looks_generated(&name) {
                    let until = restarted(last);
                    steps.push(
                        spec::with_timeout(
                            wait(Some(("pod", &name)), None, until, place.field()).step,
                            300,
                        )
                        .into_emit(),
                    );
                }
            }
        }
        if steps.is_empty() {
            // nothing shown to wait for: that the objects exist
            let sel = k.selector().map(str::to_string);
            let a = assert_spec(
                None,
                Some((&kind, sel.as_deref())),
                serde_json::json!({}),
                place.field(),
            );
            steps.push(Emit::native(spec::step(Action::Assert(a))));
        }
        steps[0].comment = Some("a watch: the final state it shows is waited for".into());
        Outcome::Steps(steps)
    }

    pub(super) fn event_steps(
        &self,
        place: &Place,
        output: &str,
        field_selector: Option<&str>,
    ) -> Vec<Emit> {
        let mut reasons: Vec<(String, String)> = Vec::new();
        for (type_, reason, _) in states::events(output) {
            if type_ == "Warning" && !reasons.iter().any(|(_, r)| *r == reason) {
                reasons.push((type_, reason));
            }
        }
        if let Some(fs) = field_selector {
            if let Some(r) = fs.strip_prefix("reason=") {
                if !reasons.iter().any(|(_, x)| x == r) {
                    reasons.push(("Warning".into(), r.to_string()));
                }
            }
        }
        if reasons.is_empty() {
            if let Some((t, r, _)) = states::events(output).last() {
                reasons.push((t.clone(), r.clone()));
            }
        }
        let mut out = Vec::new();
        for (type_, reason) in reasons {
            out.push(spec::with_timeout(
                spec::step(Action::Events(EventsSpec {
                    object: None,
                    reason: Some(reason),
                    type_: Some(type_),
                    message: None,
                    count: Comparison {
                        op: CmpOp::Ge,
                        value: 1,
                    },
                    namespace: place.field(),
                })),
                180,
            ));
        }
        if out.is_empty() {
            out.push(spec::step(Action::Get(GetSpec {
                kind: spec::kind("events"),
                name: None,
                selector: None,
                output: GetFormat::Table,
                namespace: place.field(),
            })));
        }
        let mut emits: Vec<Emit> = out.into_iter().map(Emit::native).collect();
        if let Some(first) = emits.first_mut() {
            first.comment = Some(
                "events: the reasons the post shows (the table itself differs from run to run)"
                    .into(),
            );
        }
        emits
    }

    pub(super) fn top(&mut self, k: &Kubectl, place: &Place) -> Outcome {
        let nodes = k.sub.as_deref() == Some("node");
        let kind = if nodes {
            "nodes.metrics.k8s.io"
        } else {
            "pods.metrics.k8s.io"
        };
        let a = AssertSpec {
            object: None,
            kind: Some(spec::kind(kind)),
            selector: k.selector().map(str::to_string),
            field_selector: None,
            matches: serde_json::json!({}),
            any_order: false,
            quantifier: Some(crate::steps::assert::Quantifier::Any),
            count: None,
            namespace: if nodes { None } else { place.field() },
            expr: None,
            vars: Default::default(),
        };
        Outcome::Steps(vec![spec::with_timeout(spec::step(Action::Assert(a)), 120)
            .into_emit()
            .note("top: the values vary; that metrics exist is asserted (the cluster needs metrics-server)")])
    }
}
