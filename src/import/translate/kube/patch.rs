//! Verbs that change a live object in place (`scale`, `set`, `label`/`annotate`,
//! `patch`, `rollout`) as `patch` steps (and waits for a rollout).

use super::state_steps::{daemonset_settled, deployment_rolled_out, wait};
use super::{base_name, IntoEmit};
use crate::import::kubectl::Kubectl;
use crate::import::shell::Simple;
use crate::import::translate::spec::{self, map, n, s};
use crate::import::translate::{Emit, Outcome, Place, TodoReason, Tr};
use crate::steps::patch::{PatchSpec, PatchType};
use crate::steps::{Action, StepKind};
use crate::wait::Until;
use regex::Regex;
use serde_yaml::Value;

impl Tr<'_> {
    /// The objects a write names: `kind name`, `kind/name`, `-l` resolved through the
    /// objects the post made (None when a selector cannot be resolved).
    pub(super) fn targets(&self, k: &Kubectl) -> Option<Vec<(String, String)>> {
        let res = k.resources();
        if let Some(sel) = k.selector() {
            let kind = res
                .first()
                .map(|r| r.kind_name())
                .unwrap_or_else(|| "pod".into());
            let found = self.objects.matching(&kind, sel)?;
            if found.is_empty() {
                return None;
            }
            return Some(
                found
                    .iter()
                    .map(|o| (o.kind.clone(), o.name.clone()))
                    .collect(),
            );
        }
        let t: Vec<(String, String)> = res
            .iter()
            .filter_map(|r| Some((r.kind_name(), r.name.clone()?)))
            .collect();
        (!t.is_empty()).then_some(t)
    }

    pub(super) fn patch_step(
        &self,
        kind: &str,
        name: &str,
        t: PatchType,
        patch: Value,
        place: &Place,
        sub: Option<&str>,
    ) -> Emit {
        Emit::native(spec::step(Action::Patch(PatchSpec {
            object: spec::object(kind, name),
            patch_type: t,
            patch,
            namespace: place.field(),
            subresource: sub.map(str::to_string),
        })))
    }

    pub(super) fn scale(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        let Some(replicas) = k.flag("replicas").and_then(|r| r.parse::<i64>().ok()) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let Some(targets) = self.targets(k) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let mut steps = Vec::new();
        for (kind, name) in targets {
            if let Some(o) = self.objects.get_mut(&kind, &name) {
                o.replicas = Some(replicas);
            }
            let p = map(vec![("spec", map(vec![("replicas", n(replicas))]))]);
            steps.push(self.patch_step(&kind, &name, PatchType::Merge, p, place, Some("scale")));
        }
        Outcome::Steps(steps)
    }

    /// The containers a `set` command changes: `-c`, else every container the post's
    /// manifest of the object has.
    pub(super) fn containers_of(&self, kind: &str, name: &str, k: &Kubectl) -> Option<Vec<String>> {
        if let Some(c) = k.flag("containers").or(k.flag("container")) {
            return Some(vec![c.to_string()]);
        }
        let o = self.objects.get(kind, name)?;
        (!o.containers.is_empty()).then(|| o.containers.clone())
    }

    pub(super) fn template_patch(kind: &str, containers: Vec<Value>) -> Value {
        let cs = map(vec![("containers", Value::Sequence(containers))]);
        if kind == "pod" {
            map(vec![("spec", cs)])
        } else if kind == "cronjob" {
            map(vec![(
                "spec",
                map(vec![(
                    "jobTemplate",
                    map(vec![(
                        "spec",
                        map(vec![("template", map(vec![("spec", cs)]))]),
                    )]),
                )]),
            )])
        } else {
            map(vec![(
                "spec",
                map(vec![("template", map(vec![("spec", cs)]))]),
            )])
        }
    }

    pub(super) fn set(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        let host = |this: &Self| {
            Outcome::Steps(vec![this.host_kubectl(k, place, &[]).note(
                "kubectl on the host: the containers it changes are not known from the post",
            )])
        };
        let Some(r) = res.first() else {
            return host(self);
        };
        let kind = r.kind_name();
        let Some(name) = r.name.clone() else {
            return host(self);
        };
        let patch = match k.sub.as_deref() {
            Some("image") => {
                let pairs: Vec<(String, String)> = k
                    .pairs()
                    .iter()
                    .filter_map(|a| a.split_once('='))
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect();
                if pairs.is_empty() || pairs.iter().any(|(c, _)| c == "*") {
                    return host(self);
                }
                let cs = pairs
                    .iter()
                    .map(|(c, img)| map(vec![("name", s(c)), ("image", s(img))]))
                    .collect();
                Self::template_patch(&kind, cs)
            }
            Some("env") => {
                let Some(containers) = self.containers_of(&kind, &name, k) else {
                    return host(self);
                };
                let vars: Vec<(String, String)> = k
                    .pairs()
                    .iter()
                    .filter_map(|a| a.split_once('='))
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect();
                let removes = k.args.iter().any(|a| a.ends_with('-') && !a.contains('='));
                if vars.is_empty() || removes {
                    return host(self);
                }
                let env = Value::Sequence(
                    vars.iter()
                        .map(|(a, b)| map(vec![("name", s(a)), ("value", s(b))]))
                        .collect(),
                );
                let cs = containers
                    .iter()
                    .map(|c| map(vec![("name", s(c)), ("env", env.clone())]))
                    .collect();
                Self::template_patch(&kind, cs)
            }
            Some("resources") => {
                let Some(containers) = self.containers_of(&kind, &name, k) else {
                    return host(self);
                };
                let parse = |v: Option<&str>| -> Option<Value> {
                    let v = v?;
                    let mut m = serde_yaml::Mapping::new();
                    for kv in v.split(',') {
                        let (a, b) = kv.split_once('=')?;
                        m.insert(s(a), s(b));
                    }
                    Some(Value::Mapping(m))
                };
                let mut res_m = Vec::new();
                if let Some(l) = parse(k.flag("limits")) {
                    res_m.push(("limits", l));
                }
                if let Some(r) = parse(k.flag("requests")) {
                    res_m.push(("requests", r));
                }
                if res_m.is_empty() {
                    return host(self);
                }
                let resources = map(res_m);
                let cs = containers
                    .iter()
                    .map(|c| map(vec![("name", s(c)), ("resources", resources.clone())]))
                    .collect();
                Self::template_patch(&kind, cs)
            }
            _ => return host(self),
        };
        Outcome::Steps(vec![self.patch_step(
            &kind,
            &name,
            PatchType::Strategic,
            patch,
            place,
            None,
        )])
    }

    pub(super) fn label(&mut self, _i: usize, k: &Kubectl, place: &Place, _s: &Simple) -> Outcome {
        if k.has("local") || !k.files().is_empty() {
            // `label -f x.yml --local -o yaml > y.yml`: edits a file, nothing reaches the cluster
            let redirect = self.t.commands[_i]
                .script()
                .commands
                .iter()
                .flat_map(|c| c.redirects.clone())
                .find(|(op, _)| op == ">");
            if let (Some((_, out)), Some(src)) = (redirect, k.files().first()) {
                let base_src = base_name(src);
                if let Some(content) = self.written.get(&base_src).cloned() {
                    let edited = add_labels(&content, &k.args, k.verb == "label");
                    self.written.insert(base_name(&out), edited);
                    return Outcome::Nothing(format!(
                        "edits {base_src} locally into {} (nothing reaches the cluster)",
                        base_name(&out)
                    ));
                }
            }
            return Outcome::Nothing(
                "edits a file locally (--local): nothing reaches the cluster".into(),
            );
        }
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        let field = if k.verb == "label" {
            "labels"
        } else {
            "annotations"
        };
        let pairs = k.pairs();
        let mut m = serde_yaml::Mapping::new();
        for p in &pairs {
            match p.split_once('=') {
                Some((a, b)) => m.insert(s(a), s(b)),
                None => m.insert(s(p.trim_end_matches('-')), Value::Null),
            };
        }
        if m.is_empty() {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        }
        let Some(targets) = self.targets(k) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[]).note(
                "the objects the selector matches are not known from the post: kubectl on the host",
            )]);
        };
        let patch = map(vec![(
            "metadata",
            map(vec![(field, Value::Mapping(m.clone()))]),
        )]);
        let mut steps = Vec::new();
        for (kind, name) in &targets {
            if let (Some(o), true) = (self.objects.get_mut(kind, name), field == "labels") {
                for (a, b) in &m {
                    if let Some(a) = a.as_str() {
                        match b.as_str() {
                            Some(v) => {
                                o.labels.insert(a.to_string(), v.to_string());
                            }
                            None => {
                                o.labels.remove(a);
                            }
                        }
                    }
                }
            }
            steps.push(self.patch_step(kind, name, PatchType::Merge, patch.clone(), place, None));
        }
        if k.selector().is_some() {
            if let Some(f) = steps.first_mut() {
                f.comment = Some(format!(
                    "the selector matches {} here: one patch each",
                    targets
                        .iter()
                        .map(|t| t.1.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Outcome::Steps(steps)
    }

    pub(super) fn patch(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        let Some(targets) = self.targets(k) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let Some(p) = k.flag("patch") else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let t = match k.flag("type").unwrap_or("strategic") {
            "json" => PatchType::Json,
            "merge" => PatchType::Merge,
            _ => PatchType::Strategic,
        };
        // PowerShell needs `\"` inside single quotes; the patch itself has plain quotes
        // a patch is JSON to kubectl: YAML that JSON cannot hold (keys that are not
        // strings) is refused as kubectl refuses it
        let json = |v: &Value| !v.is_string() && serde_json::to_value(v).is_ok();
        let value: Value = match serde_yaml::from_str::<Value>(p) {
            Ok(v) if json(&v) => v,
            _ => match serde_yaml::from_str::<Value>(&p.replace("\\\"", "\"")) {
                Ok(v) if json(&v) => v,
                // kubectl refuses it too; written as text, the draft would not load
                _ => {
                    let text = self.t.commands[i].text.clone();
                    return self.todo(
                        TodoReason::Unsupported,
                        format!(
                            "kubectl would not accept `{text}` (the patch is not JSON or YAML)"
                        ),
                        "fix the patch as kubectl expects it, then translate it by hand",
                    );
                }
            },
        };
        // the patch step's own checks (JSON patch operations, a merge patch that is a
        // mapping): kubectl refuses the same patches, and a draft must load
        let (kind, name) = targets.first().cloned().unwrap_or_default();
        let probe = PatchSpec {
            object: spec::object(&kind, &name),
            patch_type: t,
            patch: value.clone(),
            namespace: None,
            subresource: None,
        };
        if let Some(problem) = probe.validate().into_iter().next() {
            let text = self.t.commands[i].text.clone();
            return self.todo(
                TodoReason::Unsupported,
                format!("kubectl would not accept `{text}` ({})", problem.message),
                "fix the patch as kubectl expects it, then translate it by hand",
            );
        }
        let mut steps = Vec::new();
        for (kind, name) in targets {
            steps.push(self.patch_step(&kind, &name, t, value.clone(), place, None));
        }
        Outcome::Steps(steps)
    }

    pub(super) fn rollout(
        &mut self,
        _i: usize,
        k: &Kubectl,
        place: &Place,
        output: &str,
    ) -> Outcome {
        let res = k.resources();
        let Some(r) = res.first() else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let kind = r.kind_name();
        let Some(name) = r.name.clone() else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let sub = k.sub.clone().unwrap_or_default();
        if sub != "status" && sub != "history" {
            if let Some(o) = self.guard_write(k, place, &res) {
                return o;
            }
        }
        match sub.as_str() {
            "status" => {
                let replicas = self.objects.get(&kind, &name).and_then(|o| o.replicas);
                let until = match kind.as_str() {
                    "deployment" => deployment_rolled_out(replicas),
                    "statefulset" => {
                        let shown = Regex::new(r"(\d+) new pods have been updated").ok().and_then(|re| re.captures(output)).and_then(|c| c[1].parse::<i64>().ok());
                        let r = shown.or(replicas);
                        Until { matches: Some(r.map_or(serde_json::json!({"status": {}}), |r| serde_json::json!({"status": {"readyReplicas": r, "updatedReplicas": r}}))), ..Until::default() }
                    }
                    "daemonset" => daemonset_settled(),
                    _ => Until::default(),
                };
                let ns = place.field();
                Outcome::Steps(vec![spec::with_timeout(wait(Some((&kind, &name)), None, until, ns).step, 180)
                    .into_emit()
                    .note("rollout status: the rollout's end, waited for")])
            }
            "restart" => {
                let ann = map(vec![("kubectl.kubernetes.io/restartedAt", s(&format!("${{RUN_ID}}-{}", self.t.commands[_i].line)))]);
                let p = Self::template_patch_meta(&kind, ann);
                Outcome::Steps(vec![self.patch_step(&kind, &name, PatchType::Strategic, p, place, None).note("rollout restart: a new annotation on the pod template")])
            }
            "pause" | "resume" => {
                let p = map(vec![("spec", map(vec![("paused", Value::Bool(sub == "pause"))]))]);
                Outcome::Steps(vec![self.patch_step(&kind, &name, PatchType::Merge, p, place, None)])
            }
            _ => Outcome::Steps(vec![self.host_kubectl(k, place, &[]).note(format!("rollout {sub}: kdrill has no step that reads revisions; kubectl on the host with the scenario's kubeconfig"))]),
        }
    }

    pub(super) fn template_patch_meta(kind: &str, annotations: Value) -> Value {
        let meta = map(vec![("metadata", map(vec![("annotations", annotations)]))]);
        if kind == "pod" {
            map(vec![("metadata", map(vec![]))])
        } else {
            map(vec![("spec", map(vec![("template", meta)]))])
        }
    }
}

/// A manifest with labels or annotations added (`kubectl label -f x --local`).
pub(super) fn add_labels(content: &str, args: &[String], labels: bool) -> String {
    let Ok(mut v) = serde_yaml::from_str::<Value>(content) else {
        return content.to_string();
    };
    let field = if labels { "labels" } else { "annotations" };
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_mapping_mut) {
        let entry = meta
            .entry(s(field))
            .or_insert_with(|| Value::Mapping(Default::default()));
        if let Some(m) = entry.as_mapping_mut() {
            for a in args {
                if let Some((k, val)) = a.split_once('=') {
                    m.insert(s(k), s(val));
                }
            }
        }
    }
    serde_yaml::to_string(&v).unwrap_or_else(|_| content.to_string())
}
