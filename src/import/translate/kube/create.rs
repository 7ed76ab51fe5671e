//! The generators: `kubectl create SUB`, `run`, `expose` and `autoscale` become `apply`
//! steps of the object kubectl would generate.

use super::base_name;
use crate::import::kubectl::Kubectl;
use crate::import::translate::objects;
use crate::import::translate::spec::s;
use crate::import::translate::{FileOut, Outcome, Place, TodoReason, Tr};
use crate::steps::apply::ApplyMode;
use serde_yaml::Value;
use std::collections::BTreeMap;

impl Tr<'_> {
    pub(super) fn create_sub(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        sub: &str,
    ) -> Outcome {
        if sub != "namespace" {
            if let Some(o) = self.guard_write(k, place, &[]) {
                return o;
            }
        }
        let inline =
            |this: &Self, m: Value| this.apply_step(None, Some(m), place, ApplyMode::Apply);
        match sub {
            "namespace" => {
                let Some(name) = k.args.first() else {
                    return self.todo(TodoReason::Unsupported, "a namespace without a name", "name it");
                };
                let mapped = self.create_namespace(name);
                Outcome::Steps(vec![self
                    .apply_step(None, Some(objects::namespace(&mapped)), &Place::Scenario, ApplyMode::Apply)
                    .note(format!("namespace {name} of the post: the scenario creates it as {mapped} (labelled, cleaned up) and uses that name wherever the post says {name}"))])
            }
            "deployment" => match objects::create_deployment(k) {
                Some((m, o)) => {
                    self.objects.add(o);
                    Outcome::Steps(vec![inline(self, m)])
                }
                None => self.todo(TodoReason::Unsupported, "a deployment without an image", "add --image"),
            },
            "service" => {
                let type_ = k.args.first().and_then(|t| objects::service_type(t));
                let name = k.args.get(1).cloned().unwrap_or_default();
                let ports: Vec<(u16, u16)> = k
                    .flag_values("tcp")
                    .iter()
                    .flat_map(|t| t.split(','))
                    .filter_map(|p| {
                        let (a, b) = p.split_once(':').unwrap_or((p, p));
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect();
                if type_.is_none() || name.is_empty() || ports.is_empty() {
                    return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
                }
                let sel: BTreeMap<String, String> = [("app".to_string(), name.clone())].into();
                let (m, o) = objects::service(&name, &sel, &ports, type_, &sel);
                self.objects.add(o);
                Outcome::Steps(vec![inline(self, m)])
            }
            "configmap" | "secret" => match objects::config_data(sub, k, &self.post_files) {
                Some((m, o, missing)) => {
                    let name = format!("{sub}-{}.yaml", crate::names::slug(&o.name, 50));
                    self.objects.add(o);
                    if missing.is_empty() {
                        return Outcome::Steps(vec![inline(self, m)]);
                    }
                    // data from files the post does not show: a marked manifest to fill
                    // in (`apply` refuses it until then), never a silently empty value
                    let line = self.t.commands[i].line;
                    let mut doc = m;
                    let field = if sub == "secret" { "stringData" } else { "data" };
                    if let Some(data) = doc.get_mut(field).and_then(Value::as_mapping_mut) {
                        for f in &missing {
                            let (key, path) = f.split_once('=').unwrap_or((f.as_str(), f.as_str()));
                            let key = if f.contains('=') { key.to_string() } else { base_name(path) };
                            data.insert(s(&key), s(&format!("TODO: the content of {path}")));
                        }
                    }
                    let content = format!(
                        "{}: the post does not show {} (line {line}); put its content in the data below, then remove this line.\n{}",
                        crate::import::TODO_MARKER,
                        missing.join(", "),
                        serde_yaml::to_string(&doc).unwrap_or_default()
                    );
                    self.plan.files.insert(
                        name.clone(),
                        FileOut {
                            content,
                            source: format!("the post does not show {}", missing.join(", ")),
                            todo: true,
                        },
                    );
                    Outcome::Steps(vec![self
                        .apply_step(Some(format!("manifests/{name}")), None, place, ApplyMode::Apply)
                        .note(format!("manifests/{name} needs the content of {} (IMPORT.md)", missing.join(", ")))])
                }
                None => Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
            },
            "job" => match objects::create_job(k, &self.objects) {
                Some((m, o)) => {
                    self.objects.add(o);
                    Outcome::Steps(vec![inline(self, m)])
                }
                None => Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
            },
            "clusterrole" | "clusterrolebinding" | "priorityclass" => self.todo(
                TodoReason::UnsafeWriteOutsideNamespace,
                format!("`kubectl create {sub}` makes a cluster-wide object"),
                "a set-up of the cluster, or a manifest applied with `serial: true` and removed in `finally`",
            ),
            _ => Outcome::Steps(vec![self
                .host_kubectl(k, place, &[])
                .note(format!("kdrill has no generator for `create {sub}`: kubectl on the host with the scenario's kubeconfig"))]),
        }
    }

    pub(super) fn run(&mut self, k: &Kubectl, place: &Place, _output: &str) -> Outcome {
        if let Some(o) = self.guard_write(k, place, &[]) {
            return o;
        }
        let attached = k.has("stdin") || k.has("tty") || k.has("attach") || k.has("rm");
        if attached {
            let looping = k.command.iter().any(|a| {
                a.contains("while") || a.contains("sleep infinity") || a.contains("tail -f")
            });
            if looping {
                return self.todo(
                    TodoReason::Blocking,
                    "an attached pod that runs until it is stopped",
                    "apply the pod (without -it/--rm) for as long as the steps after it need it, and delete it after them",
                );
            }
            return self.todo(
                TodoReason::Interactive,
                "the pod is attached to the terminal (-i/-t/--rm)",
                match k.args.first() {
                    Some(n) => format!("apply pod {n} running `sleep 3600` instead, and exec the commands typed in it (or its command) in it"),
                    None => "apply the pod without -it and exec its command in it".into(),
                },
            );
        }
        match objects::run_pod(k) {
            Some((m, o)) => {
                let mut steps = Vec::new();
                let name = o.name.clone();
                let labels = o.labels.clone();
                let ports = o.ports.clone();
                self.objects.add(o);
                steps.push(self.apply_step(None, Some(m), place, ApplyMode::Apply));
                if k.has("expose") && !ports.is_empty() {
                    let (svc, so) =
                        objects::service(&name, &labels, &ports, None, &BTreeMap::new());
                    self.objects.add(so);
                    steps.push(
                        self.apply_step(None, Some(svc), place, ApplyMode::Apply)
                            .note("--expose: a Service of the same name"),
                    );
                }
                Outcome::Steps(steps)
            }
            None => Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
        }
    }

    pub(super) fn expose(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
        if let Some(o) = self.guard_write(k, place, &[]) {
            return o;
        }
        let res = k.resources();
        let Some(r) = res.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl expose` of nothing",
                "name what to expose",
            );
        };
        let Some(name) = r.name.clone() else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let kind = r.kind_name();
        let Some(target) = self.objects.get(&kind, &name).cloned() else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[]).note(format!(
                "the post does not show {kind} {name}'s labels: kubectl on the host reads them"
            ))]);
        };
        let selector = if kind == "pod" || kind == "service" {
            target.labels.clone()
        } else {
            target.selector.clone()
        };
        let port: Option<u16> = k
            .flag("port")
            .and_then(|p| p.parse().ok())
            .or_else(|| target.ports.first().map(|p| p.0));
        let Some(port) = port else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let target_port: u16 = k
            .flag("target-port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(port);
        let svc_name = k.flag("name").map(str::to_string).unwrap_or(name.clone());
        let type_ = k.flag("type").and_then(objects::service_type);
        let (m, o) = objects::service(
            &svc_name,
            &selector,
            &[(port, target_port)],
            type_,
            &target.labels,
        );
        self.objects.add(o);
        let mut e = self.apply_step(None, Some(m), place, ApplyMode::Apply);
        if type_ == Some("LoadBalancer") {
            e = e.note(
                "a LoadBalancer gets an external address only where a cloud controller gives one",
            );
        }
        Outcome::Steps(vec![e])
    }

    pub(super) fn autoscale(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
        if let Some(o) = self.guard_write(k, place, &[]) {
            return o;
        }
        let res = k.resources();
        match res
            .first()
            .and_then(|r| Some((r.kind_name(), r.name.clone()?)))
        {
            Some((kind, name)) => match objects::autoscaler(&kind, &name, k) {
                Some(m) => Outcome::Steps(vec![self
                    .apply_step(None, Some(m), place, ApplyMode::Apply)
                    .note("a HorizontalPodAutoscaler, as kubectl autoscale makes it")]),
                None => Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
            },
            None => Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
        }
    }
}
