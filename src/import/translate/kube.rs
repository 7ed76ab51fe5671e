//! kubectl verbs → steps. Native where kdrill has a step for it; a host `command`
//! with the scenario's pinned kubeconfig where it has none but the command is safe;
//! a TODO where a human must decide.

use super::objects::{self, looks_generated, Obj};
use super::spec::{self, map, n, s};
use super::states::{self, PodState, Table};
use super::{http, sh_quote, Emit, Outcome, Place, TodoReason, Tr};
use crate::command_line::CommandLine;
use crate::expect::{ErrorExpect, Expect};
use crate::import::kubectl::{self, canonical_kind, Kubectl, Output, Resource};
use crate::import::shell::Simple;
use crate::steps::apply::{ApplyMode, ApplySpec};
use crate::steps::assert::AssertSpec;
use crate::steps::delete::DeleteSpec;
use crate::steps::events::EventsSpec;
use crate::steps::exec::ExecSpec;
use crate::steps::get::{GetFormat, GetSpec};
use crate::steps::logs::LogsSpec;
use crate::steps::patch::{PatchSpec, PatchType};
use crate::steps::wait::WaitSpec;
use crate::steps::Action;
use crate::wait::{CmpOp, Comparison, ConditionSpec, ContainerUntil, Until};
use regex::Regex;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a kubectl command reads on stdin (`-f -`).
pub(super) enum Stdin {
    /// A here-document's body.
    Text(String),
    /// What a `--dry-run=client -o yaml` kubectl piped into it renders.
    Generated(Box<Kubectl>),
}

fn placeholder_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"<[A-Za-z][A-Za-z0-9 _.-]*>").expect("placeholder regex"))
}

/// `<pod-name>` and the like outside quotes: the reader fills them in (`'<p>'` in a
/// quoted argument is HTML).
pub(super) fn has_placeholder(text: &str) -> bool {
    let mut unquoted = String::new();
    let (mut single, mut double) = (false, false);
    for c in text.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            c if !single && !double => unquoted.push(c),
            _ => unquoted.push(' '),
        }
    }
    placeholder_re().is_match(&unquoted)
}

/// Kinds whose objects live outside any namespace.
fn cluster_scoped(kind: &str) -> bool {
    !canonical_kind(kind).1
}

pub(super) fn exec_step(
    pod: &str,
    container: Option<&str>,
    command: CommandLine,
    ns: Option<String>,
) -> Emit {
    Emit::native(spec::step(Action::Exec(ExecSpec {
        pod: pod.to_string(),
        container: container.map(str::to_string),
        command,
        namespace: ns,
    })))
}

/// A Deployment whose rollout ended: the new ReplicaSet available, and with the
/// replicas known, every pod updated and available (old ReplicaSets at zero).
fn deployment_rolled_out(replicas: Option<i64>) -> Until {
    Until {
        condition: Some(ConditionSpec {
            type_: "Progressing".into(),
            status: "True".into(),
            reason: Some("NewReplicaSetAvailable".into()),
        }),
        matches: replicas.map(|r| {
            serde_json::json!({"status": {"replicas": r, "updatedReplicas": r, "availableReplicas": r}})
        }),
        ..Until::default()
    }
}

/// A DaemonSet with every scheduled pod available: `numberAvailable` is left out
/// while it is 0 and `numberUnavailable` while it is 0, so both say it.
fn daemonset_settled() -> Until {
    Until {
        matches: Some(
            serde_json::json!({"status": {"numberAvailable": "[..]", "numberUnavailable": null}}),
        ),
        ..Until::default()
    }
}

fn wait(
    target: Option<(&str, &str)>,
    sel: Option<(&str, &str)>,
    until: Until,
    ns: Option<String>,
) -> Emit {
    Emit::native(spec::step(Action::Wait(WaitSpec {
        target: target.map(|(k, n)| spec::object(k, n)),
        kind: sel.map(|(k, _)| spec::kind(k)),
        selector: sel.map(|(_, s)| s.to_string()),
        until,
        namespace: ns,
    })))
}

fn assert_spec(
    target: Option<(&str, &str)>,
    kind_sel: Option<(&str, Option<&str>)>,
    matches: serde_json::Value,
    ns: Option<String>,
) -> AssertSpec {
    AssertSpec {
        object: target.map(|(k, n)| spec::object(k, n)),
        kind: kind_sel.map(|(k, _)| spec::kind(k)),
        selector: kind_sel.and_then(|(_, s)| s.map(str::to_string)),
        field_selector: None,
        matches,
        any_order: true,
        quantifier: None,
        count: None,
        namespace: ns,
        expr: None,
        vars: Default::default(),
    }
}

fn condition(type_: &str) -> ConditionSpec {
    ConditionSpec {
        type_: type_.to_string(),
        status: "True".into(),
        reason: None,
    }
}

fn until_for(state: &PodState) -> Option<Until> {
    Some(match state {
        PodState::Ready => Until {
            condition: Some(condition("Ready")),
            ..Until::default()
        },
        PodState::Running => Until {
            phase: Some("Running".into()),
            ..Until::default()
        },
        PodState::Succeeded => Until {
            phase: Some("Succeeded".into()),
            ..Until::default()
        },
        PodState::Failed => Until {
            phase: Some("Failed".into()),
            ..Until::default()
        },
        PodState::Pending => Until {
            phase: Some("Pending".into()),
            ..Until::default()
        },
        PodState::Crashing { .. } => Until {
            container: Some(ContainerUntil {
                restart_count: Some(Comparison {
                    op: CmpOp::Ge,
                    value: 1,
                }),
                ..ContainerUntil::default()
            }),
            ..Until::default()
        },
    })
}

fn matches_for(state: &PodState) -> Option<serde_json::Value> {
    Some(match state {
        PodState::Ready => {
            serde_json::json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        }
        PodState::Running => serde_json::json!({"status": {"phase": "Running"}}),
        PodState::Succeeded => serde_json::json!({"status": {"phase": "Succeeded"}}),
        PodState::Failed => serde_json::json!({"status": {"phase": "Failed"}}),
        PodState::Pending => serde_json::json!({"status": {"phase": "Pending"}}),
        PodState::Crashing { .. } => return None,
    })
}

/// A value a post printed that differs on every cluster: an IP, a port the cluster
/// chose, a time, a uid.
fn varies(v: &str) -> bool {
    static IP: OnceLock<Regex> = OnceLock::new();
    static UID: OnceLock<Regex> = OnceLock::new();
    let ip = IP.get_or_init(|| Regex::new(r"^\d{1,3}(\.\d{1,3}){3}$").expect("ip regex"));
    let uid = UID.get_or_init(|| Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-").expect("uid regex"));
    ip.is_match(v)
        || v.parse::<u32>().is_ok_and(|p| (30000..=32767).contains(&p))
        || v.contains('T') && v.ends_with('Z') && v.len() >= 20
        || uid.is_match(v)
}

/// A partial object from a simple JSONPath (`{.status.podIP}`, `.spec.ports[0].nodePort`).
fn partial_from_path(path: &str, value: serde_json::Value) -> Option<serde_json::Value> {
    let p = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let p = p.strip_prefix('.')?;
    if p.starts_with('.') || p.contains('*') || p.contains('?') || p.contains('{') {
        return None;
    }
    // `annotations.example\.com/owner`: escaped dots stay in the key
    let mut keys: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                cur.push('.');
                chars.next();
            }
            '.' => keys.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    keys.push(cur);
    let mut v = value;
    for k in keys.iter().rev() {
        let (name, index) = match k.split_once('[') {
            Some((a, b)) => (a.to_string(), Some(b.trim_end_matches(']').to_string())),
            None => (k.clone(), None),
        };
        if index.is_some() {
            v = serde_json::Value::Array(vec![v]);
        }
        let mut m = serde_json::Map::new();
        m.insert(name, v);
        v = serde_json::Value::Object(m);
    }
    Some(v)
}

/// `Error from server (Forbidden): ...` in a post's output: the step must fail so.
fn api_error(output: &str) -> Option<ErrorExpect> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"^Error from server \((\w+)\): (.*)$").expect("error regex"));
    let line = output
        .lines()
        .find(|l| l.starts_with("Error from server"))?;
    let c = re.captures(line)?;
    Some(ErrorExpect {
        reason: Some(c[1].to_string()),
        code: None,
        message: None,
        object: None,
    })
}

/// A positional of a verb that names resources which is no `TYPE` or `TYPE/NAME`
/// (`/etc/kubernetes/manifests`, `pod/`): kubectl refuses it, and written into a step
/// it would make the draft fail to load.
fn malformed_resource(k: &kubectl::Kubectl) -> Option<String> {
    let names_resources = matches!(
        k.verb.as_str(),
        "get"
            | "describe"
            | "delete"
            | "wait"
            | "scale"
            | "label"
            | "annotate"
            | "patch"
            | "expose"
            | "autoscale"
            | "rollout"
    );
    if !names_resources {
        return None;
    }
    k.resources().into_iter().find_map(|r| {
        let ok = match &r.name {
            Some(_) => crate::objref::ObjectRef::parse(&r.reference()).is_ok(),
            None => crate::objref::KindRef::parse(&r.kind_name()).is_ok(),
        };
        (!ok).then(|| r.reference())
    })
}

impl Tr<'_> {
    /// A kubectl command (its simple command `s`, argv without the program).
    pub(super) fn kubectl(
        &mut self,
        i: usize,
        s: &Simple,
        argv: &[String],
        filters: &[Simple],
        output: &str,
        stdin: Option<Stdin>,
    ) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let k = match kubectl::parse(argv) {
            Ok(k) => k,
            Err(e) => {
                return self.todo(
                    TodoReason::Unsupported,
                    format!("kubectl would not accept `{text}` ({e})"),
                    "fix the command as kubectl expects it, then translate it by hand",
                )
            }
        };
        if has_placeholder(&text) {
            return self.placeholder(&k, &text);
        }
        if let Some(bad) = malformed_resource(&k) {
            return self.todo(
                TodoReason::Unsupported,
                format!("kubectl would not accept `{text}` (`{bad}` names no resource)"),
                "fix the command as kubectl expects it, then translate it by hand",
            );
        }
        // kubectl refuses it ("name cannot be provided when a selector is specified")
        if matches!(k.verb.as_str(), "get" | "describe" | "delete")
            && k.selector().is_some()
            && k.resources().iter().any(|r| r.name.is_some())
        {
            return self.todo(
                TodoReason::Unsupported,
                format!(
                    "kubectl would not accept `{text}` (a name together with a label selector)"
                ),
                "keep either the names or `-l`, then translate it by hand",
            );
        }
        if let Some(err) = output.lines().next().filter(|l| l.starts_with("error: ")) {
            return Outcome::Nothing(format!("kubectl refused it ({err}): it changed nothing"));
        }
        let place = self.place(&k);
        let mut out = match k.verb.as_str() {
            "get" => self.get(i, &k, &place, filters, output),
            "describe" => self.describe(&k, &place, filters, output),
            "apply" | "create" | "replace" => self.apply_or_create(i, &k, &place, stdin, output, s),
            "run" => self.run(&k, &place, output),
            "expose" => self.expose(i, &k, &place),
            "autoscale" => self.autoscale(i, &k, &place),
            "delete" => self.delete(i, &k, &place),
            "scale" => self.scale(i, &k, &place),
            "set" => self.set(i, &k, &place),
            "label" | "annotate" => self.label(i, &k, &place, s),
            "patch" => self.patch(i, &k, &place),
            "rollout" => self.rollout(i, &k, &place, output),
            "logs" => self.logs(i, &k, &place, s, output),
            "exec" => self.exec(i, &k, &place, s, filters, output),
            "wait" => self.wait(&k, &place),
            "top" => self.top(&k, &place),
            "port-forward" => self.port_forward(&k, &place),
            "cp" => self.cp(i, &k, &place),
            "events" => Outcome::Steps(self.event_steps(&place, output, None)),
            "proxy" => {
                self.proxy = true;
                self.todo(
                    TodoReason::Blocking,
                    "`kubectl proxy` serves until it is stopped",
                    "nothing: kdrill talks to the API server itself; the requests through the proxy become `http` steps",
                )
            }
            "config" => {
                if k.sub.as_deref() == Some("set-context") {
                    if let Some(ns) = k.namespace() {
                        self.current_ns = (ns != "default").then(|| ns.to_string());
                        return Outcome::Nothing(format!(
                            "switches the current namespace to {ns}: later commands without -n use the scenario's name for it"
                        ));
                    }
                }
                Outcome::Nothing("reads or changes the author's kubeconfig: kdrill runs against the context it was allowed".into())
            }
            "cluster-info" | "version" | "explain" | "api-resources" | "api-versions" | "completion" | "options" | "help" | "plugin" => {
                Outcome::Nothing(format!("`kubectl {}` documents the cluster or kubectl: nothing to test", k.verb))
            }
            "edit" => self.todo(
                TodoReason::Interactive,
                "`kubectl edit` opens an editor",
                "a `patch` step with the change the author made in the editor",
            ),
            "debug" | "attach" => self.todo(
                TodoReason::Interactive,
                format!("`kubectl {}` attaches a terminal", k.verb),
                "exec the commands typed there in the pod, or read its logs",
            ),
            "taint" | "drain" | "cordon" | "uncordon" | "certificate" => self.todo(
                TodoReason::UnsafeWriteOutsideNamespace,
                format!("`kubectl {}` changes nodes or cluster-wide objects", k.verb),
                "a set-up step of a disposable cluster, by hand; a scenario changes only its own namespaces",
            ),
            "kustomize" => Outcome::Nothing("renders manifests locally; an `apply: {kustomize: DIR}` step applies them".into()),
            _ => Outcome::Steps(vec![self.host_kubectl(&k, &place, filters)
                .note(format!("kdrill has no step for `kubectl {}`: kubectl on the host with the scenario's kubeconfig", k.verb))]),
        };
        // an error the post shows is what the step must get
        if let (Some(e), Outcome::Steps(steps)) = (api_error(output), &mut out) {
            if let Some(last) = steps.iter_mut().rev().find(|e| !e.host) {
                last.step.expect = Expect {
                    error: Some(e),
                    ..Expect::default()
                };
                last.snapshot = None;
            }
        }
        out
    }

    fn placeholder(&self, k: &Kubectl, text: &str) -> Outcome {
        let step = match (k.verb.as_str(), k.sub.as_deref()) {
            ("get", _) | ("describe", _) => "a `get` (or `assert`) step",
            ("logs", _) => "a `logs` step",
            ("exec", _) => "an `exec` step",
            ("scale" | "set" | "label" | "annotate" | "patch", _)
            | ("rollout", Some("restart")) => "a `patch` step",
            ("rollout", Some("status")) | ("wait", _) => "a `wait` step",
            ("delete", _) => "a `delete` step",
            ("port-forward", _) => "an `http` step to the Service or pod",
            _ => "the step this command stands for",
        };
        let names: Vec<&str> = placeholder_re()
            .find_iter(text)
            .map(|m| m.as_str())
            .collect();
        self.todo(
            TodoReason::Placeholder,
            format!(
                "the post leaves {} for the reader to fill in",
                names.join(", ")
            ),
            format!("{step} with the real names of the scenario's objects"),
        )
    }

    /// kubectl on the host, with the scenario's pinned kubeconfig: no `-n`/`--context`
    /// of its own, the scenario's name for a namespace the post created.
    pub(super) fn host_kubectl(&self, k: &Kubectl, place: &Place, filters: &[Simple]) -> Emit {
        let mut words = vec!["kubectl".to_string(), k.verb.clone()];
        if let Some(sub) = &k.sub {
            words.push(sub.clone());
        }
        words.extend(k.args.iter().cloned());
        for (name, v) in &k.flags {
            if matches!(
                name.as_str(),
                "namespace" | "context" | "kubeconfig" | "cluster" | "user"
            ) {
                continue;
            }
            let flag = if name.len() == 1 {
                format!("-{name}")
            } else {
                format!("--{name}")
            };
            match v {
                Some(v) => words.push(format!("{flag}={v}")),
                None => words.push(flag),
            }
        }
        match place {
            Place::Mapped(_, m) => {
                words.push("-n".into());
                words.push(m.clone());
            }
            Place::System(n) => {
                words.push("-n".into());
                words.push(n.clone());
            }
            Place::All => words.push("-A".into()),
            Place::Scenario | Place::Other(_) => {}
        }
        if !k.command.is_empty() {
            words.push("--".into());
            words.extend(k.command.iter().cloned());
        }
        let mut run = words
            .iter()
            .map(|w| sh_quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        for f in filters {
            run.push_str(" | ");
            run.push_str(
                &f.argv()
                    .iter()
                    .map(|w| sh_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        self.host(run)
    }

    /// A write outside what the scenario owns: a TODO.
    fn guard_write(&self, k: &Kubectl, place: &Place, res: &[Resource]) -> Option<Outcome> {
        let text = format!("kubectl {}", k.verb);
        if let Place::System(n) | Place::Other(n) = place {
            return Some(self.todo(
                TodoReason::UnsafeWriteOutsideNamespace,
                format!("`{text}` writes to namespace {n}, which the post did not create"),
                "create the namespace in the scenario first (kubectl create namespace in the post), or leave the change to a set-up of the cluster",
            ));
        }
        for r in res {
            let kind = r.kind_name();
            let own_ns = kind == "namespace"
                && r.name
                    .as_deref()
                    .is_some_and(|n| self.plan.namespaces.get(n).is_some_and(|m| !m.is_empty()));
            if cluster_scoped(&kind) && !own_ns {
                return Some(self.todo(
                    TodoReason::UnsafeWriteOutsideNamespace,
                    format!("`{text}` changes {}, which is cluster-wide", r.reference()),
                    "a set-up step of a disposable test cluster, by hand (or a scenario with `serial: true` and a `finally` that undoes it)",
                ));
            }
        }
        None
    }

    // ----------------------------------------------------------------- reads

    fn get(
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

    /// Waits and asserts for the states the rows of a table show.
    fn table_states(
        &self,
        kind: &str,
        t: &Table,
        place: &Place,
        selector: Option<&str>,
        watch: bool,
    ) -> Vec<Emit> {
        let ns = place.field();
        let rows = if watch {
            states::final_rows(t)
        } else {
            t.rows.clone()
        };
        let mut out: Vec<crate::scenario::StepSpec> = Vec::new();
        // generated pods, grouped by how they are found: (kind, selector or name pattern) -> states
        let mut groups: BTreeMap<(String, String, bool), Vec<PodState>> = BTreeMap::new();
        // Deployments whose rollout end is already waited for
        let mut rolled = std::collections::BTreeSet::new();
        for row in &rows {
            let Some(raw) = t.name(row).map(str::to_string) else {
                continue;
            };
            // a NAMESPACE column (`-A`): the row's own namespace, in the scenario's name
            let ns = match t.cell(row, "NAMESPACE") {
                None => ns.clone(),
                Some(n) => match self.plan.namespaces.get(n) {
                    Some(m) if m.is_empty() => None,
                    Some(m) => Some(m.clone()),
                    None => continue,
                },
            };
            let (rkind, name) = match raw.split_once('/') {
                Some((a, b)) => (super::objects_kind(a), b.to_string()),
                None => (canonical_kind(kind).0, raw.clone()),
            };
            match rkind.as_str() {
                "pod" => {
                    let Some(state) = states::pod_state(t, row) else {
                        continue;
                    };
                    if !looks_generated(&name) {
                        if let Some(u) = until_for(&state) {
                            out.push(super::spec::with_timeout(
                                wait(Some(("pod", &name)), None, u, ns.clone()).step,
                                120,
                            ));
                        }
                        continue;
                    }
                    let key = match self
                        .objects
                        .owner_of_generated(&name)
                        .and_then(Obj::selector_text)
                        .or(selector.map(str::to_string))
                    {
                        Some(sel) => ("pods".to_string(), sel, true),
                        None => ("pods".to_string(), name_pattern(&name), false),
                    };
                    groups.entry(key).or_default().push(state);
                }
                "replicaset" if looks_generated(&name) => {
                    // a Deployment's ReplicaSets, all shown settled: the rollout's end, once
                    let settled_row =
                        |r: &Vec<String>| match (t.cell(r, "READY"), t.cell(r, "DESIRED")) {
                            (Some(a), Some(d)) => a == d,
                            _ => false,
                        };
                    let Some(owner) = name.rsplit_once('-').map(|(o, _)| o.to_string()) else {
                        continue;
                    };
                    let Some(dep) = self.objects.get("deployment", &owner) else {
                        continue;
                    };
                    let settled = rows
                        .iter()
                        .filter(|r| {
                            t.name(r)
                                .and_then(|n| n.rsplit_once('-'))
                                .is_some_and(|(o, _)| o == owner)
                        })
                        .all(settled_row);
                    if settled && rolled.insert(dep.name.clone()) {
                        out.push(super::spec::with_timeout(
                            wait(
                                Some(("deployment", &dep.name)),
                                None,
                                deployment_rolled_out(dep.replicas),
                                ns.clone(),
                            )
                            .step,
                            180,
                        ));
                        // the rollout's end leaves old ReplicaSets at zero a moment later:
                        // as many ReplicaSets of each size as the post shows
                        let sel = selector.map(str::to_string).or_else(|| dep.selector_text());
                        let mut sizes: BTreeMap<i64, usize> = BTreeMap::new();
                        for r in rows.iter().filter(|r| {
                            t.name(r)
                                .and_then(|n| n.rsplit_once('-'))
                                .is_some_and(|(o, _)| o == owner)
                        }) {
                            if let Some(d) = t.cell(r, "DESIRED").and_then(|d| d.parse().ok()) {
                                *sizes.entry(d).or_default() += 1;
                            }
                        }
                        for (size, n) in sizes {
                            let m = serde_json::json!({"spec": {"replicas": size}, "status": {"replicas": size}});
                            let mut a = assert_spec(
                                None,
                                Some(("replicasets", sel.as_deref())),
                                m,
                                ns.clone(),
                            );
                            a.count = Some(n);
                            out.push(super::spec::with_timeout(spec::step(Action::Assert(a)), 60));
                        }
                    }
                }
                "daemonset" => {
                    // shown settled: every scheduled pod available (the counts depend on
                    // the post's nodes, so only their agreement is waited for)
                    let ready = t.cell(row, "READY").and_then(|c| c.parse::<i64>().ok());
                    let desired = t.cell(row, "DESIRED").and_then(|c| c.parse::<i64>().ok());
                    if let (Some(r), Some(d)) = (ready, desired) {
                        if r == d && d > 0 {
                            out.push(super::spec::with_timeout(
                                wait(
                                    Some(("daemonset", &name)),
                                    None,
                                    daemonset_settled(),
                                    ns.clone(),
                                )
                                .step,
                                120,
                            ));
                        }
                    }
                }
                "deployment" | "statefulset" | "replicaset" => {
                    let Some((a, b)) = t.cell(row, "READY").and_then(states::ratio) else {
                        continue;
                    };
                    let up_to_date = t
                        .cell(row, "UP-TO-DATE")
                        .and_then(|c| c.parse::<i64>().ok());
                    if rkind == "deployment" && a == b && b > 0 && up_to_date == Some(b) {
                        // every replica of the current template: the rollout ended
                        out.push(super::spec::with_timeout(
                            wait(
                                Some(("deployment", &name)),
                                None,
                                deployment_rolled_out(Some(b)),
                                ns.clone(),
                            )
                            .step,
                            180,
                        ));
                    } else if a == b && b > 0 {
                        let m = serde_json::json!({"status": {"readyReplicas": b}});
                        let until = Until {
                            condition: (rkind == "deployment").then(|| condition("Available")),
                            matches: Some(m),
                            ..Until::default()
                        };
                        out.push(super::spec::with_timeout(
                            wait(Some((&rkind, &name)), None, until, ns.clone()).step,
                            120,
                        ));
                    }
                }
                "job" => {
                    let status = t.cell(row, "STATUS").unwrap_or("");
                    let done = t
                        .cell(row, "COMPLETIONS")
                        .and_then(states::ratio)
                        .is_some_and(|(a, b)| a == b && b > 0);
                    let cond = match status {
                        "Complete" => Some("Complete"),
                        "Failed" => Some("Failed"),
                        _ if done => Some("Complete"),
                        _ => None,
                    };
                    let Some(cond) = cond else { continue };
                    if looks_generated(&name) {
                        // a Job of a CronJob: found by its owner, not its generated name
                        let owner = name
                            .rsplit_once('-')
                            .map(|(o, _)| o.to_string())
                            .unwrap_or_default();
                        if self.objects.get("cronjob", &owner).is_some() {
                            let m = serde_json::json!({
                                "metadata": {"ownerReferences": [{"kind": "CronJob", "name": owner}]},
                                "status": {"conditions": [{"type": cond, "status": "True"}]}
                            });
                            let mut a = assert_spec(None, Some(("jobs", None)), m, ns.clone());
                            a.quantifier = Some(crate::steps::assert::Quantifier::Any);
                            out.push(super::spec::with_timeout(
                                spec::step(Action::Assert(a)),
                                180,
                            ));
                        }
                        continue;
                    }
                    let until = Until {
                        condition: Some(condition(cond)),
                        ..Until::default()
                    };
                    out.push(super::spec::with_timeout(
                        wait(Some(("job", &name)), None, until, ns.clone()).step,
                        120,
                    ));
                }
                "persistentvolumeclaim" if t.cell(row, "STATUS") == Some("Bound") => {
                    let until = Until {
                        phase: Some("Bound".into()),
                        ..Until::default()
                    };
                    out.push(
                        wait(
                            Some(("persistentvolumeclaim", &name)),
                            None,
                            until,
                            ns.clone(),
                        )
                        .step,
                    );
                }
                "horizontalpodautoscaler" if watch => {
                    if let Some(r) = t.cell(row, "REPLICAS").and_then(|r| r.parse::<i64>().ok()) {
                        let until = Until {
                            matches: Some(serde_json::json!({"status": {"currentReplicas": r}})),
                            ..Until::default()
                        };
                        out.push(super::spec::with_timeout(
                            wait(
                                Some(("horizontalpodautoscaler", &name)),
                                None,
                                until,
                                ns.clone(),
                            )
                            .step,
                            300,
                        ));
                    }
                }
                "namespace" => {
                    if let Some(m) = self.plan.namespaces.get(&name).filter(|m| !m.is_empty()) {
                        let until = Until {
                            phase: Some("Active".into()),
                            ..Until::default()
                        };
                        out.push(wait(Some(("namespace", m)), None, until, None).step);
                    }
                }
                _ => {}
            }
        }
        for ((kind, found_by, is_selector), states) in groups {
            let uniform = states.windows(2).all(|w| w[0] == w[1]);
            if is_selector && uniform {
                if let Some(u) = until_for(&states[0]) {
                    out.push(super::spec::with_timeout(
                        wait(None, Some((&kind, &found_by)), u, ns.clone()).step,
                        120,
                    ));
                }
                if states.len() > 1 && states[0] == PodState::Ready {
                    let mut a = assert_spec(
                        None,
                        Some((&kind, Some(&found_by))),
                        matches_for(&states[0]).unwrap_or_default(),
                        ns.clone(),
                    );
                    a.count = Some(states.len());
                    out.push(super::spec::with_timeout(
                        spec::step(Action::Assert(a)),
                        120,
                    ));
                }
                continue;
            }
            let mut done = Vec::new();
            for st in &states {
                if done.contains(st) {
                    continue;
                }
                done.push(st.clone());
                let Some(mut m) = matches_for(st) else {
                    continue;
                };
                let sel = if is_selector {
                    Some(found_by.as_str())
                } else {
                    if let serde_json::Value::Object(o) = &mut m {
                        o.insert("metadata".into(), serde_json::json!({"name": found_by}));
                    }
                    None
                };
                let mut a = assert_spec(None, Some((&kind, sel)), m, ns.clone());
                a.quantifier = Some(crate::steps::assert::Quantifier::Any);
                out.push(super::spec::with_timeout(
                    spec::step(Action::Assert(a)),
                    120,
                ));
            }
        }
        out.into_iter().map(Emit::native).collect()
    }

    /// `get -w`: a wait for the final state the stream shows, not a snapshot of it.
    fn watch(&mut self, k: &Kubectl, place: &Place, output: &str) -> Outcome {
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
            return Outcome::Steps(vec![super::spec::with_timeout(
                spec::step(Action::Assert(a)),
                180,
            )
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
                    let until = Until {
                        container: Some(ContainerUntil {
                            restart_count: Some(Comparison {
                                op: CmpOp::Ge,
                                value: last,
                            }),
                            ..ContainerUntil::default()
                        }),
                        ..Until::default()
                    };
                    steps.push(
                        super::spec::with_timeout(
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

    fn event_steps(&self, place: &Place, output: &str, field_selector: Option<&str>) -> Vec<Emit> {
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
            out.push(super::spec::with_timeout(
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

    fn describe(
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
                    steps.push(by(
                        self,
                        Until {
                            phase: Some(p.clone()),
                            ..Until::default()
                        },
                    ));
                }
                let restarts: Vec<i64> = output
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("Restart Count:"))
                    .filter_map(|v| v.trim().parse().ok())
                    .collect();
                if restarts.iter().any(|r| *r > 0) {
                    steps.push(
                        super::spec::with_timeout(
                            by(
                                self,
                                Until {
                                    container: Some(ContainerUntil {
                                        restart_count: Some(Comparison {
                                            op: CmpOp::Ge,
                                            value: 1,
                                        }),
                                        ..ContainerUntil::default()
                                    }),
                                    ..Until::default()
                                },
                            )
                            .step,
                            180,
                        )
                        .into_emit(),
                    );
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
                    steps.push(super::spec::with_timeout(by(self, until).step, 120).into_emit());
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
                            super::spec::with_timeout(spec::step(Action::Assert(a)), 120)
                                .into_emit(),
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
                    steps.push(super::spec::with_timeout(by(self, until).step, 180).into_emit());
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
                    super::spec::with_timeout(
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

    // ----------------------------------------------------------------- writes

    fn apply_step(
        &self,
        file: Option<String>,
        manifest: Option<Value>,
        place: &Place,
        mode: ApplyMode,
    ) -> Emit {
        Emit::native(spec::step(Action::Apply(ApplySpec {
            file,
            manifest,
            kustomize: None,
            helm: None,
            namespace: place.field(),
            mode,
        })))
    }

    fn apply_or_create(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        stdin: Option<Stdin>,
        output: &str,
        _s: &Simple,
    ) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let mode = match k.verb.as_str() {
            "create" => ApplyMode::Create,
            "replace" => ApplyMode::Replace,
            _ => ApplyMode::Apply,
        };
        // rendered, not sent: a file the post applies later
        let redirect = self.t.commands[i]
            .script()
            .commands
            .iter()
            .flat_map(|c| c.redirects.clone())
            .find(|(op, _)| op == ">");
        if k.dry_run() {
            if let (Some((_, file)), Some(doc)) = (&redirect, self.generate(k)) {
                let base = base_name(file);
                self.written.insert(
                    base.clone(),
                    serde_yaml::to_string(&doc).unwrap_or_default(),
                );
                return Outcome::Nothing(format!("renders the object into {base} (nothing reaches the cluster); the command that applies it uses it"));
            }
            return Outcome::Nothing("a dry run: nothing reaches the cluster".into());
        }
        if let Some(sub) = k.sub.clone().filter(|_| k.verb == "create") {
            return self.create_sub(i, k, place, &sub);
        }
        if k.flag("kustomize").is_some() {
            return Outcome::Steps(vec![Emit::native(spec::step(Action::Apply(ApplySpec {
                file: None,
                manifest: None,
                kustomize: k.flag("kustomize").map(str::to_string),
                helm: None,
                namespace: place.field(),
                mode,
            })))]);
        }
        let files = k.files();
        if files.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                format!("`{text}` names no manifest"),
                "an `apply` step of the manifest it means",
            );
        }
        let mut steps = Vec::new();
        for f in files {
            if f == "-" {
                let doc_text = match &stdin {
                    Some(Stdin::Text(t)) => t.clone(),
                    Some(Stdin::Generated(g)) => match self.generate(g) {
                        Some(doc) => serde_yaml::to_string(&doc).unwrap_or_default(),
                        None => {
                            return self.todo(
                                TodoReason::Unsupported,
                                "what the dry run renders is not known to kdrill",
                                "write the manifest it renders and apply it",
                            )
                        }
                    },
                    None => {
                        return self.todo(
                            TodoReason::Unsupported,
                            "the manifest comes from stdin, which the post does not show",
                            "write the manifest and apply it",
                        )
                    }
                };
                if let Some(Stdin::Generated(g)) = &stdin {
                    if let Some(sub) = &g.sub {
                        // `create configmap ... --dry-run | apply`: an apply of that object, inline
                        let r = self.create_sub(i, g, place, sub);
                        if let Outcome::Steps(mut s) = r {
                            for e in &mut s {
                                e.comment = Some("what the dry run renders, applied".into());
                            }
                            steps.extend(s);
                            continue;
                        }
                    }
                }
                let name = super::super::manifest_name(&doc_text);
                let name = self.unique_file(&name, &doc_text);
                let content = self.namespaced(&doc_text, place);
                self.learn_manifest(&doc_text);
                self.plan.files.insert(
                    name.clone(),
                    super::FileOut {
                        content,
                        source: format!("the here-document of line {}", self.t.commands[i].line),
                        todo: false,
                    },
                );
                steps.push(self.apply_step(Some(format!("manifests/{name}")), None, place, mode));
                continue;
            }
            match self.manifest_file(i, f) {
                Ok(name) => {
                    if self.plan.files.get(&name).is_some_and(|f| f.todo) {
                        steps.push(
                            self.apply_step(Some(format!("manifests/{name}")), None, place, mode)
                                .note(format!(
                                    "manifests/{name} is not in the post: fill it in (IMPORT.md)"
                                )),
                        );
                    } else {
                        steps.push(self.apply_step(
                            Some(format!("manifests/{name}")),
                            None,
                            place,
                            mode,
                        ));
                    }
                }
                Err(o) => return o,
            }
        }
        let _ = output;
        Outcome::Steps(steps)
    }

    /// The manifest file a `-f FILE` names: a block of the post, a file a command wrote,
    /// or a marked TODO file. A URL is a TODO.
    fn manifest_file(&mut self, i: usize, f: &str) -> Result<String, Outcome> {
        if f.starts_with("http://") || f.starts_with("https://") {
            let base = base_name(f);
            let gist = self
                .t
                .references
                .iter()
                .find(|r| base_name(&r.file) == base || f.ends_with(&r.file));
            let instead = match gist {
                Some(r) => format!(
                    "save `{}` (linked at line {}) as manifests/{base} and apply that file",
                    r.file, r.line
                ),
                None => format!(
                    "download {f} once, review it, save it as manifests/{base} and apply that file"
                ),
            };
            return Err(self.todo(
                TodoReason::Url,
                format!("the manifest comes from {f}: import never fetches"),
                instead,
            ));
        }
        if f.ends_with('/') || f == "." {
            return Err(self.todo(TodoReason::Unsupported, format!("applies the directory {f}, which the post does not show"), "copy the directory's manifests to manifests/ and apply it with `apply: {file: manifests/}`".to_string()));
        }
        let base = base_name(f);
        if self.plan.files.contains_key(&base) {
            return Ok(base);
        }
        if let Some(content) = self.written.get(&base).cloned() {
            self.learn_manifest(&content);
            let c = self.namespaced(&content, &Place::Scenario);
            self.plan.files.insert(
                base.clone(),
                super::FileOut {
                    content: c,
                    source: "written by a command of the post".into(),
                    todo: false,
                },
            );
            return Ok(base);
        }
        // a manifest block: by the name the post gives it, else the last one shown before
        let line = self.t.commands[i].line;
        let by_name = self
            .t
            .manifests
            .iter()
            .enumerate()
            .find(|(_, m)| m.file.as_deref().is_some_and(|n| base_name(n) == base));
        // without a name: only the manifest block right before the command's block, with
        // no linked file in between (that would be the manifest)
        let block = self.t.commands[i].block;
        let before = self.t.manifests.iter().enumerate().rev().find(|(mi, m)| {
            let adjacent = block
                .checked_sub(1)
                .and_then(|b| self.t.blocks.get(b))
                .and_then(|b| b.lines)
                .is_some_and(|(a, z)| a <= m.lines.0 && m.lines.1 <= z);
            let linked_between = self
                .t
                .references
                .iter()
                .any(|r| r.line > m.lines.1 && r.line < line);
            adjacent
                && m.file.is_none()
                && !linked_between
                && !self.plan.manifest_files.contains_key(mi)
        });
        if let Some((mi, m)) = by_name.or(before) {
            let text = m.text.clone();
            self.learn_manifest(&text);
            let content = self.namespaced(&text, &Place::Scenario);
            self.plan.manifest_files.insert(mi, base.clone());
            self.plan.files.insert(
                base.clone(),
                super::FileOut {
                    content,
                    source: format!("the post, line {}", m.lines.0),
                    todo: false,
                },
            );
            return Ok(base);
        }
        self.need_file(&base, i);
        Ok(base)
    }

    /// A file name not yet taken by other content.
    fn unique_file(&self, name: &str, content: &str) -> String {
        match self.plan.files.get(name) {
            Some(f) if f.content != content => {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yaml"));
                (2..)
                    .map(|n| format!("{stem}-{n}.{ext}"))
                    .find(|c| !self.plan.files.contains_key(c))
                    .unwrap_or_else(|| name.to_string())
            }
            _ => name.to_string(),
        }
    }

    /// A manifest with the namespaces of the post in the scenario's names.
    fn namespaced(&self, text: &str, _place: &Place) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(ns) = t.strip_prefix("namespace:") {
                let ns = ns.trim().trim_matches('"').trim_matches('\'');
                match self.plan.namespaces.get(ns) {
                    Some(m) if m.is_empty() => continue,
                    Some(m) => {
                        let indent = &line[..line.len() - t.len()];
                        out.push_str(&format!("{indent}namespace: \"{m}\"\n"));
                        continue;
                    }
                    None => {}
                }
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// What the objects of a manifest tell later commands (labels, selectors, containers).
    fn learn_manifest(&mut self, text: &str) {
        for v in objects::documents(text) {
            if let Some(o) = objects::from_manifest(&v) {
                if o.kind == "namespace" {
                    self.create_namespace(&o.name.clone());
                }
                self.objects.add(o);
            }
        }
    }

    /// The object a `create SUB ... --dry-run -o yaml` or `run --dry-run` renders.
    fn generate(&self, k: &Kubectl) -> Option<Value> {
        match (k.verb.as_str(), k.sub.as_deref()) {
            ("create", Some("deployment")) => objects::create_deployment(k).map(|x| x.0),
            ("create", Some("configmap")) => {
                objects::config_data("configmap", k, &self.post_files).map(|x| x.0)
            }
            ("create", Some("secret")) => {
                objects::config_data("secret", k, &self.post_files).map(|x| x.0)
            }
            ("create", Some("job")) => objects::create_job(k, &self.objects).map(|x| x.0),
            ("run", _) => objects::run_pod(k).map(|x| x.0),
            _ => None,
        }
    }

    fn create_sub(&mut self, i: usize, k: &Kubectl, place: &Place, sub: &str) -> Outcome {
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
                        super::FileOut {
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

    fn run(&mut self, k: &Kubectl, place: &Place, _output: &str) -> Outcome {
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

    fn expose(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
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

    fn autoscale(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
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

    fn delete(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let ns = place.field();
        let mut steps = Vec::new();
        let del =
            |object: Option<(&str, &str)>, kind_sel: Option<(&str, &str)>, ns: Option<String>| {
                Emit::native(spec::step(Action::Delete(DeleteSpec {
                    object: object.map(|(k, n)| spec::object(k, n)),
                    kind: kind_sel.map(|(k, _)| spec::kind(k)),
                    selector: kind_sel.map(|(_, s)| s.to_string()),
                    namespace: ns,
                    wait: true,
                    propagation: None,
                    // kubectl fails on a missing object unless told otherwise
                    ignore_not_found: k.has("ignore-not-found"),
                })))
            };
        // objects of a manifest
        for f in k.files() {
            let name = match self.manifest_file(i, f) {
                Ok(n) => n,
                Err(o) => return o,
            };
            let content = self
                .plan
                .files
                .get(&name)
                .map(|f| f.content.clone())
                .unwrap_or_default();
            for v in objects::documents(&content) {
                if let Some(o) = objects::from_manifest(&v) {
                    steps.push(del(Some((&o.kind, &o.name)), None, ns.clone()));
                    self.objects.remove(&o.kind, &o.name);
                }
            }
            if steps.is_empty() {
                steps.push(self.host_kubectl(k, place, &[]).note(format!("manifests/{name} is not in the post: kubectl on the host deletes what it names")));
            }
        }
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        if k.has("all")
            || (res.iter().any(|r| r.name.is_none())
                && k.selector().is_none()
                && k.files().is_empty())
        {
            return Outcome::Steps(vec![self
                .host_kubectl(k, place, &[])
                .note("every object of a kind: kdrill's delete refuses that without a selector; kubectl on the host with the scenario's kubeconfig")]);
        }
        for r in &res {
            let kind = r.kind_name();
            match (&r.name, k.selector()) {
                (Some(name), _) if kind == "namespace" => {
                    match self
                        .plan
                        .namespaces
                        .get(name)
                        .filter(|m| !m.is_empty())
                        .cloned()
                    {
                        Some(m) => steps.push(del(Some(("namespace", &m)), None, None).note(
                            format!("namespace {name} of the post ({m}): its objects go with it"),
                        )),
                        None => {
                            return self.todo(
                                TodoReason::UnsafeWriteOutsideNamespace,
                                format!("deletes namespace {name}, which the post did not create"),
                                "nothing a scenario may do",
                            )
                        }
                    }
                }
                (Some(name), _) => {
                    steps.push(del(Some((&kind, name)), None, ns.clone()));
                    self.objects.remove(&kind, name);
                }
                (None, Some(sel)) => steps.push(del(None, Some((&kind, sel)), ns.clone())),
                (None, None) => {}
            }
        }
        if steps.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl delete` of nothing kdrill can name",
                "a delete step of the objects it means",
            );
        }
        if k.has("force") || k.flag("grace-period") == Some("0") {
            if let Some(f) = steps.first_mut() {
                f.comment = Some("the post forces the delete (grace period 0); kdrill deletes with the default grace period".into());
            }
        }
        Outcome::Steps(steps)
    }

    /// The objects a write names: `kind name`, `kind/name`, `-l` resolved through the
    /// objects the post made (None when a selector cannot be resolved).
    fn targets(&self, k: &Kubectl) -> Option<Vec<(String, String)>> {
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

    fn patch_step(
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

    fn scale(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
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
    fn containers_of(&self, kind: &str, name: &str, k: &Kubectl) -> Option<Vec<String>> {
        if let Some(c) = k.flag("containers").or(k.flag("container")) {
            return Some(vec![c.to_string()]);
        }
        let o = self.objects.get(kind, name)?;
        (!o.containers.is_empty()).then(|| o.containers.clone())
    }

    fn template_patch(kind: &str, containers: Vec<Value>) -> Value {
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

    fn set(&mut self, _i: usize, k: &Kubectl, place: &Place) -> Outcome {
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

    fn label(&mut self, _i: usize, k: &Kubectl, place: &Place, _s: &Simple) -> Outcome {
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

    fn patch(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
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
        let mut steps = Vec::new();
        for (kind, name) in targets {
            steps.push(self.patch_step(&kind, &name, t, value.clone(), place, None));
        }
        Outcome::Steps(steps)
    }

    fn rollout(&mut self, _i: usize, k: &Kubectl, place: &Place, output: &str) -> Outcome {
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
                Outcome::Steps(vec![super::spec::with_timeout(wait(Some((&kind, &name)), None, until, ns).step, 180)
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

    fn template_patch_meta(kind: &str, annotations: Value) -> Value {
        let meta = map(vec![("metadata", map(vec![("annotations", annotations)]))]);
        if kind == "pod" {
            map(vec![("metadata", map(vec![]))])
        } else {
            map(vec![("spec", map(vec![("template", meta)]))])
        }
    }

    // ----------------------------------------------------------------- pods

    fn logs(&mut self, i: usize, k: &Kubectl, place: &Place, s: &Simple, output: &str) -> Outcome {
        let host = |this: &Self| {
            Outcome::Steps(vec![this.host_kubectl(k, place, &[]).note(
                "the pods it reads are not known from the post: kubectl on the host",
            )])
        };
        // `kubectl logs (kubectl get pods -l SEL -o name)`: the selector
        let sub_selector = s.words.iter().flat_map(|w| &w.subs).find_map(|sub| {
            let script = crate::import::shell::Script::parse(sub);
            let argv = crate::import::transcript::kubectl_argv(script.commands.first()?)?;
            kubectl::parse(&argv).ok()?.selector().map(str::to_string)
        });
        let (pod, selector) = match (k.args.first(), k.selector(), sub_selector) {
            (_, _, Some(sel)) => (None, Some(sel)),
            (_, Some(sel), _) => (None, Some(sel.to_string())),
            (Some(a), _, _) if !a.starts_with('(') && !a.starts_with('$') => {
                match a.split_once('/') {
                    None => (Some(a.clone()), None),
                    Some((kind, n)) => match canonical_kind(kind).0.as_str() {
                        "pod" => (Some(n.to_string()), None),
                        "job" => (None, Some(format!("job-name={n}"))),
                        other => match self.objects.get(other, n).and_then(Obj::selector_text) {
                            Some(sel) => (None, Some(sel)),
                            None => return host(self),
                        },
                    },
                }
            }
            _ => return host(self),
        };
        let mut steps = Vec::new();
        let mut previous = k.has("previous");
        if let Some(p) = &pod {
            if self.crashing.contains(p) && !previous {
                let until = Until {
                    container: Some(ContainerUntil {
                        name: k.flag("container").map(str::to_string),
                        restart_count: Some(Comparison {
                            op: CmpOp::Ge,
                            value: 1,
                        }),
                        ..ContainerUntil::default()
                    }),
                    ..Until::default()
                };
                steps.push(super::spec::with_timeout(wait(Some(("pod", p)), None, until, place.field()).step, 120)
                    .into_emit()
                    .note("the post shows this container crash-looping, where `kubectl logs` prints its last finished run: that run is read (`previous`), not the restarted one that is still writing"));
                previous = true;
            }
        }
        // every container: one logs step each, when the post's manifest names them
        if k.has("all-containers") {
            let known = match (&pod, &selector) {
                (Some(p), _) => self.objects.get("pod", p).map(|o| o.containers.clone()),
                (None, Some(sel)) => self
                    .objects
                    .all()
                    .find(|o| {
                        o.selector_text().as_deref() == Some(sel.as_str())
                            || o.labels_text() == *sel
                    })
                    .map(|o| o.containers.clone()),
                _ => None,
            };
            let Some(containers) = known.filter(|c| !c.is_empty()) else {
                return host(self);
            };
            for c in containers {
                steps.push(Emit::native(spec::step(Action::Logs(LogsSpec {
                    pod: pod.clone(),
                    selector: selector.clone(),
                    container: Some(c),
                    previous,
                    tail_lines: k.flag("tail").and_then(|t| t.parse().ok()),
                    namespace: place.field(),
                }))));
            }
            if let Some(f) = steps.first_mut() {
                f.comment = Some("--all-containers: the log of each container (what it prints varies: not compared)".into());
            }
            return Outcome::Steps(steps);
        }
        let mut e = Emit::native(spec::step(Action::Logs(LogsSpec {
            pod,
            selector,
            container: k.flag("container").map(str::to_string),
            previous,
            tail_lines: k.flag("tail").and_then(|t| t.parse().ok()),
            namespace: place.field(),
        })));
        // kubectl's own decorations are not in the log kdrill reads
        let output: String = if k.has("timestamps") || k.has("prefix") {
            output
                .lines()
                .map(|l| {
                    let l = if k.has("prefix") && l.starts_with('[') {
                        l.split_once("] ").map_or(l, |(_, r)| r)
                    } else {
                        l
                    };
                    let l = if k.has("timestamps") {
                        l.split_once(' ')
                            .filter(|(t, _)| t.ends_with('Z'))
                            .map_or(l, |(_, r)| r)
                    } else {
                        l
                    };
                    format!("{l}\n")
                })
                .collect()
        } else {
            output.to_string()
        };
        let output = output.as_str();
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&format!(
                "logs {}",
                k.args.first().cloned().unwrap_or_default()
            ));
            e.step.expect = spec::expect_output(spec::snapshot(&name));
            e.snapshot = Some((name, output.to_string()));
        }
        if k.has("follow") {
            e = e.note("`-f` follows forever: the log as it is when the step runs");
        }
        let _ = i;
        steps.push(e);
        Outcome::Steps(steps)
    }

    fn exec(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        s: &Simple,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let Some(target) = k.args.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl exec` without a pod",
                "name the pod",
            );
        };
        if k.interactive()
            && super::super::transcript::kubectl_argv(s).is_some()
            && is_shell_cmd(&k.command)
        {
            return self.todo(
                TodoReason::Interactive,
                "opens a shell in the container",
                "the commands typed in it follow as `exec` steps in the same pod",
            );
        }
        let pod = match target.split_once('/') {
            None => target.clone(),
            Some((kind, n)) if canonical_kind(kind).0 == "pod" => n.to_string(),
            Some(_) => {
                return Outcome::Steps(vec![self
                    .host_kubectl(k, place, filters)
                    .note("exec in a pod of a controller: kdrill's exec names a pod; kubectl on the host picks one")])
            }
        };
        if k.command.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl exec` without a command",
                "add the command after --",
            );
        }
        // stdin from a file the post shows: the script is the command
        let stdin_file = s
            .redirects
            .iter()
            .find(|(op, _)| op == "<")
            .map(|(_, f)| base_name(f));
        let command = match stdin_file.and_then(|f| self.post_files.get(&f).cloned()) {
            Some(script) if k.command.first().is_some_and(|c| c.ends_with("sh")) => {
                CommandLine::Shell(script)
            }
            _ => CommandLine::Argv(k.command.clone()),
        };
        let curl = k
            .command
            .first()
            .is_some_and(|c| c == "curl" || c == "wget");
        let mut e = exec_step(&pod, k.flag("container"), command, place.field());
        if curl {
            e.step.retry = Some(spec::network_retry());
        }
        if !output.trim().is_empty() {
            if filters.is_empty() {
                let name = self.next_snapshot(&format!("exec {pod} {}", k.command.join(" ")));
                e.step.expect = spec::expect_stdout(spec::snapshot(&name));
                e.snapshot = Some((name, without_curl_meter(output)));
            } else {
                // the filter ran on the workstation: the lines it kept are in the output
                let lines: Vec<String> = output
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                e.step.expect = spec::expect_stdout(spec::contains(lines));
                e = e.note("the post filters the output on the workstation: the lines it shows must be in it");
            }
        }
        let _ = i;
        Outcome::Steps(vec![e])
    }

    fn cp(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let (Some(src), Some(dst)) = (k.args.first(), k.args.get(1)) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        match src
            .split_once(':')
            .filter(|(p, _)| !p.contains('/') && p.len() > 1)
        {
            Some((pod, path)) => {
                let e = exec_step(
                    pod,
                    k.flag("container"),
                    CommandLine::Argv(vec!["cat".into(), path.into()]),
                    place.field(),
                );
                Outcome::Steps(vec![e.note(format!(
                    "a copy out of the pod: its content read with cat (the post saves it as {dst})"
                ))])
            }
            None => {
                self.need_file(&base_name(src), i);
                let mut host = self.host_kubectl(k, place, &[]);
                if let CommandLine::Shell(run) = match &host.step.action {
                    Action::Command(c) => c.run.clone(),
                    _ => CommandLine::Shell(String::new()),
                } {
                    let fixed =
                        run.replacen(src.as_str(), &format!("manifests/{}", base_name(src)), 1);
                    host = self.host(fixed);
                }
                Outcome::Steps(vec![host.note("a copy into the pod: kubectl on the host with the scenario's kubeconfig (kdrill's exec has no stdin)")])
            }
        }
    }

    fn wait(&mut self, k: &Kubectl, place: &Place) -> Outcome {
        let Some(for_) = k.flag("for") else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let until = if let Some(c) = for_.strip_prefix("condition=") {
            let (t, st) = c.split_once('=').unwrap_or((c, "True"));
            let mut chars = t.chars();
            let t = match chars.next() {
                Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
                None => String::new(),
            };
            Until {
                condition: Some(ConditionSpec {
                    type_: t,
                    status: st.to_string(),
                    reason: None,
                }),
                ..Until::default()
            }
        } else if for_ == "delete" {
            Until {
                deleted: Some(true),
                ..Until::default()
            }
        } else if let Some(jp) = for_.strip_prefix("jsonpath=") {
            let (path, value) = match jp.rsplit_once('=') {
                Some((p, v)) => (p.to_string(), v.to_string()),
                None => (jp.to_string(), "[..]".to_string()),
            };
            match partial_from_path(path.trim_matches('\''), serde_json::Value::String(value)) {
                Some(m) => Until {
                    matches: Some(m),
                    ..Until::default()
                },
                None => return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
            }
        } else if for_ == "create" {
            Until::default()
        } else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let timeout = k
            .flag("timeout")
            .and_then(|t| crate::duration::parse_duration(t).ok());
        let res = k.resources();
        let mut steps = Vec::new();
        let ns = place.field();
        if let Some(sel) = k.selector() {
            let kind = res
                .first()
                .map(|r| r.kind_name())
                .unwrap_or_else(|| "pod".into());
            steps.push(wait(None, Some((&kind, sel)), until.clone(), ns.clone()));
        } else {
            for r in &res {
                if let Some(n) = &r.name {
                    steps.push(wait(
                        Some((&r.kind_name(), n)),
                        None,
                        until.clone(),
                        ns.clone(),
                    ));
                }
            }
        }
        if steps.is_empty() {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        }
        if let Some(t) = timeout {
            for e in &mut steps {
                e.step.timeout = Some(crate::duration::HumanDuration(t));
            }
        }
        Outcome::Steps(steps)
    }

    fn top(&mut self, k: &Kubectl, place: &Place) -> Outcome {
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
        Outcome::Steps(vec![super::spec::with_timeout(spec::step(Action::Assert(a)), 120)
            .into_emit()
            .note("top: the values vary; that metrics exist is asserted (the cluster needs metrics-server)")])
    }

    fn port_forward(&mut self, k: &Kubectl, place: &Place) -> Outcome {
        let Some(target) = k.args.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "a port-forward to nothing",
                "name the pod or Service",
            );
        };
        let Some(ports) = k.args.get(1) else {
            return self.todo(
                TodoReason::Unsupported,
                "a port-forward without a port",
                "name the port",
            );
        };
        let (local, remote) = ports.split_once(':').unwrap_or((ports, ports));
        let (Ok(local), Ok(remote)) = (local.parse::<u16>(), remote.parse::<u16>()) else {
            return self.todo(
                TodoReason::Unsupported,
                format!("a port-forward of {ports}"),
                "an `http` step to the pod or Service",
            );
        };
        if matches!(remote, 5432 | 3306 | 6379 | 27017 | 9092 | 5672 | 11211) {
            return self.todo(
                TodoReason::Unsupported,
                format!("forwards port {remote}, which does not speak HTTP"),
                "exec a client of that protocol in a pod of the scenario, or a bounded forward on the host",
            );
        }
        let (kind, name) = match target.split_once('/') {
            Some((k, n)) => (canonical_kind(k).0, n.to_string()),
            None => ("pod".to_string(), target.clone()),
        };
        let t = match kind.as_str() {
            "pod" => http::Target::pod(&name, Some(remote)),
            "service" => {
                // the Service's port the forward's remote port names
                http::Target::service(&name, Some(remote))
            }
            _ => {
                let sel = self
                    .objects
                    .get(&kind, &name)
                    .map(|o| o.selector.clone())
                    .unwrap_or_default();
                let svc = self
                    .objects
                    .all()
                    .find(|o| o.kind == "service" && !sel.is_empty() && o.selector == sel)
                    .cloned();
                match svc {
                    Some(svc) => {
                        let port = svc
                            .ports
                            .iter()
                            .find(|p| p.1 == remote)
                            .map(|p| p.0)
                            .unwrap_or(remote);
                        http::Target::service(&svc.name, Some(port))
                    }
                    None => {
                        self.dead_forwards
                            .insert(local, (format!("{kind} {name}"), self.current_line));
                        return self.todo(
                            TodoReason::Unsupported,
                            format!("forwards to a pod of {kind} {name}: kdrill reaches pods by name or through a Service"),
                            format!("expose {kind} {name} (a Service) and request it with an `http` step"),
                        );
                    }
                }
            }
        };
        self.forwards
            .insert(local, t.clone().with_place(place.clone()));
        let mut e = self.http_step(&t, place, "/", "GET");
        e = e.note(format!(
            "port-forward: kdrill reaches {} through the API server instead",
            t.describe()
        ));
        Outcome::Steps(vec![e])
    }
}

trait IntoEmit {
    fn into_emit(self) -> Emit;
}

impl IntoEmit for crate::scenario::StepSpec {
    fn into_emit(self) -> Emit {
        Emit::native(self)
    }
}

fn is_shell_cmd(cmd: &[String]) -> bool {
    cmd.first().is_some_and(|c| {
        let n = c.rsplit('/').next().unwrap_or(c);
        matches!(n, "sh" | "bash" | "ash" | "zsh" | "dash")
    }) && !cmd.iter().any(|a| a == "-c" || a == "-s")
}

/// The file name of a path a post names, as the draft's file: control characters
/// (NUL included, which no file system takes) become `_`.
pub(super) fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect()
}

#[cfg(test)]
#[test]
fn file_names_lose_control_characters() {
    // found by the import fuzz target: `kubectl cp robo\0tts.txt ...`
    assert_eq!(base_name("dir/robo\0tts.txt"), "robo_tts.txt");
    assert_eq!(base_name("C:\\lab\\pod.yaml"), "pod.yaml");
}

/// `coredns-7db6d8ff4d-4wdbn` → `coredns-[..]` (a name pattern for a generated name
/// whose owner the post does not show).
fn name_pattern(name: &str) -> String {
    let parts: Vec<&str> = name.split('-').collect();
    let keep: Vec<&str> = parts
        .iter()
        .take_while(|p| !objects::is_generated_part(p))
        .copied()
        .collect();
    format!("{}-[..]", keep.join("-"))
}

/// A table of a many-kind `get` as the one-kind `get` prints it (`pod/x` → `x`).
fn table_text_without_kind(t: &Table) -> String {
    let mut out = t.header.join("   ");
    out.push('\n');
    for r in &t.rows {
        let mut cells = r.clone();
        if let Some(first) = cells.first_mut() {
            if let Some((_, n)) = first.split_once('/') {
                *first = n.to_string();
            }
        }
        out.push_str(&cells.join("   "));
        out.push('\n');
    }
    out
}

/// curl's progress meter: stderr in reality, mixed into the post's output.
fn without_curl_meter(output: &str) -> String {
    output
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("% Total")
                || t.starts_with("Dload")
                || (t.starts_with("100 ") && t.contains("--:--:--")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The object a `get -o yaml` shows, without what the cluster fills in.
fn object_shown(output: &str) -> Option<serde_json::Value> {
    let v: serde_json::Value = serde_yaml::from_str(output).ok()?;
    let mut v = v;
    let obj = v.as_object_mut()?;
    obj.remove("apiVersion");
    obj.remove("kind");
    if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "namespace",
            "selfLink",
            "ownerReferences",
        ] {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(|a| a.as_object_mut()) {
            a.retain(|k, _| {
                !k.starts_with("kubectl.kubernetes.io/")
                    && !k.starts_with("deployment.kubernetes.io/")
            });
        }
    }
    if let Some(st) = obj.get_mut("status").and_then(|s| s.as_object_mut()) {
        st.retain(|k, _| k == "phase");
    }
    if let Some(sp) = obj.get_mut("spec").and_then(|s| s.as_object_mut()) {
        sp.remove("nodeName");
        sp.remove("clusterIP");
        sp.remove("clusterIPs");
    }
    Some(v)
}

/// A manifest with labels or annotations added (`kubectl label -f x --local`).
fn add_labels(content: &str, args: &[String], labels: bool) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_paths_become_partial_objects() {
        assert_eq!(
            partial_from_path("{.status.podIP}", serde_json::json!("[..]")),
            Some(serde_json::json!({"status": {"podIP": "[..]"}}))
        );
        assert_eq!(
            partial_from_path("{.spec.ports[0].nodePort}", serde_json::json!("[..]")),
            Some(serde_json::json!({"spec": {"ports": [{"nodePort": "[..]"}]}}))
        );
        assert_eq!(
            partial_from_path(
                r"{.metadata.annotations.example\.com/owner}",
                serde_json::json!("x")
            ),
            Some(serde_json::json!({"metadata": {"annotations": {"example.com/owner": "x"}}}))
        );
        assert_eq!(
            partial_from_path("{..namespace}", serde_json::json!("x")),
            None
        );
        assert!(varies("10.244.1.5") && varies("30452") && !varies("UzNoci1nZWhlaW0h"));
    }

    #[test]
    fn names_and_errors() {
        assert_eq!(name_pattern("coredns-7db6d8ff4d-4wdbn"), "coredns-[..]");
        assert!(has_placeholder("kubectl logs <pod-name>") && !has_placeholder("a -> b"));
        let e = api_error("Error from server (Forbidden): pods \"x\" is forbidden").unwrap();
        assert_eq!(e.reason.as_deref(), Some("Forbidden"));
    }
}
