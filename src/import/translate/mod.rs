//! Translation: the commands of a read post ([`Transcript`]) become typed kdrill
//! steps, TODOs that say what a human must do, or nothing (with the reason).
//!
//! kubectl commands become native steps wherever kdrill has one (see [`kube`]);
//! `curl` and friends become `http` steps through the API server ([`http`]); what
//! kdrill cannot express natively but is safe runs as a host `command` (kubectl with
//! the scenario's pinned kubeconfig: no `-n`/`--context` of its own); interactive,
//! blocking and provisioning commands, writes outside the scenario's namespaces and
//! commands with placeholders become TODOs; shell bookkeeping becomes nothing. Every
//! command of the post gets exactly one [`Entry`].

mod capture;
mod http;
mod kube;
pub mod objects;
pub mod spec;
pub mod states;

pub use capture::Capture;
pub use spec::{map, s};

use crate::import::shell::{self, Script, Simple};
use crate::import::transcript::{Role, Shell, Transcript};
use crate::scenario::StepSpec;
use crate::steps::command::CommandSpec;
use crate::steps::Action;
use objects::Objects;
use std::collections::{BTreeMap, BTreeSet};

/// Why a command is not translated into a runnable step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TodoReason {
    /// Needs a human at a terminal or an editor.
    Interactive,
    /// Does not end by itself.
    Blocking,
    /// Makes or changes machines, clusters, images or checkouts.
    Provisioning,
    /// Writes outside the namespaces the scenario owns.
    UnsafeWriteOutsideNamespace,
    /// A manifest from a URL: import never fetches.
    Url,
    /// Depends on the author's machine or cloud.
    Environment,
    /// Needs the outside network.
    ExternalNetwork,
    /// A placeholder the reader fills in.
    Placeholder,
    /// kdrill has no way to express it.
    Unsupported,
}

impl TodoReason {
    pub fn label(self) -> &'static str {
        match self {
            TodoReason::Interactive => "interactive",
            TodoReason::Blocking => "blocking",
            TodoReason::Provisioning => "provisioning",
            TodoReason::UnsafeWriteOutsideNamespace => "writes outside the scenario's namespace",
            TodoReason::Url => "manifest from a URL",
            TodoReason::Environment => "depends on the author's machine",
            TodoReason::ExternalNetwork => "needs the outside network",
            TodoReason::Placeholder => "placeholder",
            TodoReason::Unsupported => "not expressible",
        }
    }
}

/// A command a human must handle: why, and the concrete next action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    pub reason: TodoReason,
    pub why: String,
    pub instead: String,
}

/// One step a command became.
#[derive(Debug, Clone)]
pub struct Emit {
    pub step: StepSpec,
    /// A host `command` (not a native step).
    pub host: bool,
    /// A comment written above the step.
    pub comment: Option<String>,
    /// The snapshot the step compares with: (name, the post's output).
    pub snapshot: Option<(String, String)>,
}

impl Emit {
    pub fn native(step: StepSpec) -> Emit {
        Emit {
            step,
            host: false,
            comment: None,
            snapshot: None,
        }
    }

    pub fn note(mut self, c: impl Into<String>) -> Emit {
        self.comment = Some(c.into());
        self
    }
}

/// What one command of the post became.
#[derive(Debug, Clone)]
pub enum Outcome {
    Steps(Vec<Emit>),
    Todo(Todo),
    /// Nothing to run, and why.
    Nothing(String),
    /// The same command as command `i` (shown, then run; or repeated in a summary).
    SameAs(usize),
}

/// A command and its outcome.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into [`Transcript::commands`].
    pub command: usize,
    pub outcome: Outcome,
    /// More for IMPORT.md (files it needs, what its output became).
    pub notes: Vec<String>,
}

/// A file written beside the scenario (`manifests/NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOut {
    pub content: String,
    /// Where it comes from, for its first line and IMPORT.md.
    pub source: String,
    /// The post does not show it: a marked file a human fills in.
    pub todo: bool,
}

/// Everything translation decided.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub entries: Vec<Entry>,
    /// `manifests/NAME` → the file.
    pub files: BTreeMap<String, FileOut>,
    /// The scenario's `vars:` (values the post sets with `export`).
    pub vars: BTreeMap<String, String>,
    /// Node names the post shows (for snapshot normalisation).
    pub nodes: BTreeSet<String>,
    /// Namespaces of the post and what they are in a run: `default` → the scenario's,
    /// `team-a` → `${NAMESPACE}-team-a`.
    pub namespaces: BTreeMap<String, String>,
    /// Manifest blocks written, by index of [`Transcript::manifests`] → file name.
    pub manifest_files: BTreeMap<usize, String>,
    /// For `kdrill check` ([`plan_for_check`]): how the run prints each output the
    /// post shows, by command (index into [`Transcript::commands`]).
    pub captures: BTreeMap<usize, Capture>,
}

/// Where a command's objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The scenario's own namespace (the post's `default` or none).
    Scenario,
    /// A namespace the post created: the scenario creates it under this name.
    Mapped(String, String),
    /// A system namespace, as written (reads only).
    System(String),
    /// A namespace the post did not create.
    Other(String),
    /// Every namespace (`-A`).
    All,
}

impl Place {
    /// The step's `namespace:` field.
    pub fn field(&self) -> Option<String> {
        match self {
            Place::Scenario | Place::All => None,
            Place::Mapped(_, m) => Some(m.clone()),
            Place::System(n) | Place::Other(n) => Some(n.clone()),
        }
    }
}

pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

struct Tr<'a> {
    t: &'a Transcript,
    plan: Plan,
    /// The namespace later commands without `-n` use (`config set-context`, `kubens`).
    current_ns: Option<String>,
    objects: Objects,
    /// Local port → what `kubectl port-forward` forwards it to.
    forwards: BTreeMap<u16, http::Target>,
    /// Forwards kdrill cannot make (to a pod of a Deployment): (what, post line).
    dead_forwards: BTreeMap<u16, (String, usize)>,
    /// The post line of the command being translated.
    current_line: usize,
    proxy: bool,
    /// Pod and Service IPs, node ports and external IPs the post's outputs show.
    ips: BTreeMap<String, http::Target>,
    node_ports: BTreeMap<u16, http::Target>,
    /// Pods the post showed crash-looping.
    crashing: BTreeSet<String>,
    snapshots: usize,
    /// Files the post's commands write (`cat <<EOF > f`, `--dry-run -o yaml > f`): basename → content.
    written: BTreeMap<String, String>,
    /// Files of the post that are not manifests (File blocks): basename → content.
    post_files: BTreeMap<String, String>,
}

/// Translate a read post.
pub fn plan(t: &Transcript) -> Plan {
    plan_with(t, None)
}

/// Translate a read post for `kdrill check`: every output the post shows is captured
/// by a step, or marked not checked with why ([`Plan::captures`]). With `kubectl`,
/// text only kubectl prints comes from kubectl on the host (the scenario's pinned
/// kubeconfig).
pub fn plan_for_check(t: &Transcript, kubectl: bool) -> Plan {
    plan_with(t, Some(kubectl))
}

fn plan_with(t: &Transcript, check: Option<bool>) -> Plan {
    let mut tr = Tr {
        t,
        plan: Plan::default(),
        current_ns: None,
        objects: Objects::default(),
        forwards: BTreeMap::new(),
        dead_forwards: BTreeMap::new(),
        current_line: 0,
        proxy: false,
        ips: BTreeMap::new(),
        node_ports: BTreeMap::new(),
        crashing: BTreeSet::new(),
        snapshots: 0,
        written: BTreeMap::new(),
        post_files: BTreeMap::new(),
    };
    tr.plan.namespaces.insert("default".into(), String::new());
    tr.collect_files();
    tr.collect_nodes();
    for (i, c) in t.commands.iter().enumerate() {
        tr.current_line = c.line;
        // a check replays `delete ns x` as a dry run under the run's name for x, which
        // the translation of that delete forgets
        let namespaces_before = check.map(|_| tr.plan.namespaces.clone());
        let outcome = match c.same_as {
            Some(o) => Outcome::SameAs(o),
            None => match c.shell {
                Shell::Workstation => tr.workstation(i),
                Shell::Container(o) => tr.in_container(i, o),
                Shell::Node(o) => tr.on_node(i, o),
            },
        };
        let outcome = match check {
            Some(kubectl) => {
                let (mut outcome, capture) =
                    tr.capture(i, outcome, namespaces_before.as_ref(), kubectl);
                if !t.commands[i].output.is_empty() {
                    capture::tolerate_reads(&mut outcome, capture.as_ref());
                }
                if let Some(c) = capture {
                    tr.plan.captures.insert(i, c);
                }
                outcome
            }
            None => outcome,
        };
        tr.learn_from_output(i);
        let mut notes = Vec::new();
        if !c.wrapped.is_empty() {
            notes.push(format!(
                "line(s) {} joined to it without a space (the blog wrapped the command); check the command",
                c.wrapped.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        tr.plan.entries.push(Entry {
            command: i,
            outcome,
            notes,
        });
    }
    tr.plan
}

/// `'x y'` for sh, unless the word needs no quotes.
pub(crate) fn sh_quote(w: &str) -> String {
    let plain = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+^".contains(c))
    };
    if !w.is_empty() && plain(w) {
        w.to_string()
    } else if w.contains("${NAMESPACE}") && plain(&w.replace("${NAMESPACE}", "")) {
        // the scenario's namespace: the shell expands it from the environment
        format!("\"{w}\"")
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

impl Tr<'_> {
    /// Files the post shows that are not manifests (a `text:greeting.txt` block, a script).
    fn collect_files(&mut self) {
        for f in &self.t.files {
            if let Some(name) = &f.file {
                self.post_files.insert(name.clone(), f.text.clone());
            }
        }
    }

    /// Node names the post's outputs show (NODE columns, `get nodes`, `Node:` lines).
    fn collect_nodes(&mut self) {
        // where kubectl prints a node: `Node: name/ip`, `assigned ns/pod to NODE`
        let node_field =
            regex::Regex::new(r"^Node:\s+([a-z0-9][a-z0-9.-]*)(?:/|$)").expect("node regex");
        let assigned = regex::Regex::new(r"Successfully assigned \S+ to ([a-z0-9][a-z0-9.-]*)\s*$")
            .expect("assigned regex");
        self.plan.nodes.insert("minikube".into());
        for (n, role) in &self.t.roles {
            if !matches!(role, Role::Output(_)) {
                continue;
            }
            let text = self.t.texts.get(n).map_or("", String::as_str);
            for re in [&node_field, &assigned] {
                if let Some(c) = re.captures(text.trim()) {
                    self.plan.nodes.insert(c[1].to_string());
                }
            }
        }
        for (i, c) in self.t.commands.iter().enumerate() {
            let Some(k) = c.main_kubectl() else { continue };
            let out = self.t.output_text(i);
            for table in states::tables(&out) {
                let col = if k.verb == "get"
                    && k.resources()
                        .first()
                        .is_some_and(|r| r.kind_name() == "node")
                {
                    table.col("NAME")
                } else {
                    table.col("NODE")
                };
                let Some(col) = col else { continue };
                for row in &table.rows {
                    if let Some(node) = row.get(col).filter(|n| !n.is_empty() && *n != "<none>") {
                        self.plan
                            .nodes
                            .insert(node.trim_start_matches("node/").to_string());
                    }
                }
            }
        }
    }

    /// IPs and node ports the output of command `i` shows, for later `curl`s.
    fn learn_from_output(&mut self, i: usize) {
        let Some(k) = self.t.commands[i].main_kubectl() else {
            return;
        };
        let out = self.t.output_text(i);
        let place = self.place(&k);
        if k.verb == "get" {
            let kind = k
                .resources()
                .first()
                .map(|r| r.kind_name())
                .unwrap_or_default();
            for table in states::tables(&out) {
                for row in &table.rows {
                    let Some(name) = table.name(row).map(str::to_string) else {
                        continue;
                    };
                    let (rkind, name) = match name.split_once('/') {
                        Some((a, b)) => (objects_kind(a), b.to_string()),
                        None => (kind.clone(), name.clone()),
                    };
                    if let Some(ip) = table.cell(row, "IP") {
                        self.ips.insert(
                            ip.to_string(),
                            http::Target::pod(&name, None).with_place(place.clone()),
                        );
                    }
                    if rkind == "service" {
                        let ports = table.cell(row, "PORT(S)").unwrap_or("");
                        let first_port = ports
                            .split(',')
                            .next()
                            .and_then(|p| p.split(['/', ':']).next())
                            .and_then(|p| p.parse::<u16>().ok());
                        if let Some(ip) = table.cell(row, "CLUSTER-IP") {
                            self.ips.insert(
                                ip.to_string(),
                                http::Target::service(&name, first_port).with_place(place.clone()),
                            );
                        }
                        if let Some(ip) = table.cell(row, "EXTERNAL-IP").filter(|i| i.contains('.'))
                        {
                            self.ips.insert(
                                ip.to_string(),
                                http::Target::service(&name, first_port).with_place(place.clone()),
                            );
                        }
                        for p in ports.split(',') {
                            if let Some((port, rest)) = p.split_once(':') {
                                let np = rest.split('/').next().and_then(|x| x.parse::<u16>().ok());
                                if let (Ok(port), Some(np)) = (port.parse::<u16>(), np) {
                                    self.node_ports.insert(
                                        np,
                                        http::Target::service(&name, Some(port))
                                            .with_place(place.clone()),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            // `-o jsonpath='{.spec.ports[0].nodePort}'` prints the node port
            if let (Some(crate::import::kubectl::Output::JsonPath(p)), Some(r)) =
                (k.output(), k.resources().first())
            {
                if p.contains("nodePort") {
                    if let (Some(name), Ok(np)) = (&r.name, out.trim().parse::<u16>()) {
                        let port = self
                            .objects
                            .get("service", name)
                            .and_then(|o| o.ports.first())
                            .map(|p| p.0);
                        self.node_ports.insert(
                            np,
                            http::Target::service(name, port).with_place(place.clone()),
                        );
                    }
                }
            }
        }
        if k.verb == "describe" {
            let fields = states::describe_fields(&out);
            if let (Some(ip), Some(r)) = (fields.get("IP"), k.resources().first()) {
                if let Some(name) = &r.name {
                    let t = if r.kind_name() == "service" {
                        http::Target::service(name, None).with_place(place.clone())
                    } else {
                        http::Target::pod(name, None).with_place(place.clone())
                    };
                    self.ips.insert(ip.clone(), t);
                }
            }
        }
    }

    fn next_snapshot(&mut self, what: &str) -> String {
        self.snapshots += 1;
        format!("{:02}-{}", self.snapshots, crate::names::slug(what, 40))
    }

    fn todo(
        &self,
        reason: TodoReason,
        why: impl Into<String>,
        instead: impl Into<String>,
    ) -> Outcome {
        Outcome::Todo(Todo {
            reason,
            why: why.into(),
            instead: instead.into(),
        })
    }

    /// A host command step.
    fn host(&self, run: String) -> Emit {
        Emit {
            step: spec::step(Action::Command(CommandSpec {
                run: crate::command_line::CommandLine::Shell(run),
                env: BTreeMap::new(),
                workdir: None,
            })),
            host: true,
            comment: None,
            snapshot: None,
        }
    }

    /// A command typed on the author's machine.
    fn workstation(&mut self, i: usize) -> Outcome {
        let c = &self.t.commands[i];
        let text = c.text.clone();
        // a shell loop: its body once per value
        if let Some(expanded) = expand_loop(&text) {
            let mut steps = Vec::new();
            for body in expanded {
                match self.line(i, &body, false) {
                    Outcome::Steps(s) => steps.extend(s),
                    other => return other,
                }
            }
            return Outcome::Steps(steps);
        }
        self.line(i, &text, true)
    }

    /// One command line (several pipelines joined by `;`, `&&`, `; and`).
    fn line(&mut self, i: usize, text: &str, with_output: bool) -> Outcome {
        let script = Script::parse(text);
        let pipelines = pipelines(&script);
        let mut steps: Vec<Emit> = Vec::new();
        let mut nothing: Vec<String> = Vec::new();
        let last = pipelines.len().saturating_sub(1);
        // the output belongs to the pipeline that prints it: the last one that is not
        // an `echo` (`kubectl get ... -o jsonpath=...; echo`)
        let printer = pipelines
            .iter()
            .rposition(|p| {
                p.first()
                    .and_then(shell::program_of)
                    .is_none_or(|(_, p)| p != "echo")
            })
            .unwrap_or(last);
        for (k, p) in pipelines.iter().enumerate() {
            let output = if with_output && k == printer {
                self.t.output_text(i)
            } else {
                String::new()
            };
            match self.pipeline(i, p, &output) {
                Outcome::Steps(s) => steps.extend(s),
                Outcome::Nothing(why) => nothing.push(why),
                other => return other,
            }
        }
        if steps.is_empty() {
            return Outcome::Nothing(if nothing.is_empty() {
                "nothing to run".into()
            } else {
                nothing.join("; ")
            });
        }
        Outcome::Steps(steps)
    }

    /// One pipeline: the kubectl (or other) command that does the work, and the filters
    /// after it.
    fn pipeline(&mut self, i: usize, p: &[Simple], output: &str) -> Outcome {
        let Some(head) = p.first() else {
            return Outcome::Nothing("an empty command".into());
        };
        // `cat <<EOF | kubectl apply -f -`, `kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`
        let kubectl_at = p
            .iter()
            .position(|s| crate::import::transcript::kubectl_argv(s).is_some());
        if let Some(at) = kubectl_at {
            let feeds = &p[..at];
            let mut at = at;
            let mut stdin_from: Option<kube::Stdin> = None;
            if let Some(f) = feeds.last() {
                stdin_from = self.heredoc_of(i, f).map(kube::Stdin::Text);
            }
            // a dry run piped into another kubectl: the second one applies what the first renders
            if let Some(next) = p.get(at + 1) {
                let first = crate::import::transcript::kubectl_argv(&p[at])
                    .and_then(|a| crate::import::kubectl::parse(&a).ok());
                let second = crate::import::transcript::kubectl_argv(next)
                    .and_then(|a| crate::import::kubectl::parse(&a).ok());
                if let (Some(f), Some(_)) = (&first, &second) {
                    if f.dry_run() {
                        stdin_from = Some(kube::Stdin::Generated(Box::new(f.clone())));
                        at += 1;
                    }
                }
            }
            if stdin_from.is_none() {
                stdin_from = self.heredoc_of(i, &p[at]).map(kube::Stdin::Text);
            }
            let Some(argv) = crate::import::transcript::kubectl_argv(&p[at]) else {
                return Outcome::Nothing("no kubectl command".into());
            };
            let filters = &p[at + 1..];
            return self.kubectl(i, &p[at], &argv, filters, output, stdin_from);
        }
        let Some((_, program)) = shell::program_of(head) else {
            // `IP=$(kubectl get ...)`: the kubectl inside, its value saved
            let inner = head
                .assignments
                .iter()
                .flat_map(|a| &a.subs)
                .find_map(|sub| {
                    let script = Script::parse(sub);
                    let s = script.commands.into_iter().next()?;
                    let argv = crate::import::transcript::kubectl_argv(&s)?;
                    Some((s, argv))
                });
            if let Some((s, argv)) = inner {
                return self.kubectl(i, &s, &argv, &[], output, None);
            }
            return Outcome::Nothing("sets a shell variable".into());
        };
        self.program(i, head, &program, &p[1..], output)
    }

    /// The here-document body a simple command feeds (its own `<<EOF`), if any.
    fn heredoc_of(&self, i: usize, s: &Simple) -> Option<String> {
        let mark = s.heredocs.first()?;
        self.t.commands[i]
            .heredocs
            .iter()
            .find(|h| h.delimiter == mark.delimiter)
            .map(|h| h.body.clone())
    }

    /// A command that is not kubectl, on the author's machine.
    fn program(
        &mut self,
        i: usize,
        s: &Simple,
        program: &str,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let argv = s.argv();
        let (pi, _) = shell::program_of(s).unwrap_or((0, String::new()));
        let args: Vec<String> = argv
            .get(pi + 1..)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let sub = args.first().map(String::as_str).unwrap_or("");
        let text = self.t.commands[i].text.clone();
        match program.trim_end_matches(".exe") {
            "curl" | "wget" | "http" | "Invoke-WebRequest" | "iwr" | "Invoke-RestMethod" => {
                self.http(i, program, &args, filters, output)
            }
            p if p.starts_with('(') => {
                // a PowerShell expression: `(Invoke-WebRequest ...).StatusCode`
                let inner = s.words.first().and_then(|w| w.subs.first()).cloned().unwrap_or_default();
                let inner = Script::parse(&inner);
                match inner.commands.first() {
                    Some(c) => {
                        let prog = shell::program_of(c).map(|p| p.1).unwrap_or_default();
                        let args: Vec<String> = c.argv().into_iter().skip(1).collect();
                        self.http(i, &prog, &args, filters, output)
                    }
                    None => Outcome::Nothing("an empty expression".into()),
                }
            }
            "minikube" => self.minikube(i, &args),
            "kind" | "k3d" | "kubeadm" | "k3s" | "k3sup" | "microk8s" | "gcloud" | "az" | "aws"
            | "eksctl" | "doctl" | "civo" | "choco" | "brew" | "apt" | "apt-get" | "yum" | "dnf"
            | "snap" | "winget" | "scoop" | "pip" | "pip3" | "npm" | "git" | "terraform" | "vagrant"
            | "multipass" | "make" | "go" | "mvn" | "gradle" | "podman" | "buildah" | "skopeo" => {
                let what = match (program, sub) {
                    ("git", "clone") => "a checkout of the author's repository",
                    ("kind" | "k3d" | "gcloud" | "az" | "aws" | "eksctl", _) if text.contains("delete") => "deletes a cluster",
                    ("kind" | "k3d" | "kubeadm" | "gcloud" | "az" | "aws" | "eksctl", _) => "makes or changes a cluster",
                    _ => "installs or builds on the author's machine",
                };
                let instead = if text.contains("delete") || text.contains("stop") {
                    "nothing: the cluster is not the scenario's; the scenario cleans up what it created"
                } else if program == "git" || matches!(program, "make" | "go" | "mvn" | "gradle") {
                    "build what the post builds before the run, and use its image in the scenario's manifests"
                } else {
                    "run the scenario against an existing cluster that has what this sets up (`kdrill run --context ...`)"
                };
                self.todo(TodoReason::Provisioning, format!("`{text}` {what}"), instead)
            }
            "docker" => match sub {
                "build" | "push" | "pull" | "tag" | "login" | "buildx" | "compose" => self.todo(
                    TodoReason::Provisioning,
                    format!("`{text}` builds or moves an image on the author's machine"),
                    "build and push the image before the run; the scenario's manifests name it",
                ),
                _ => self.todo(
                    TodoReason::Environment,
                    format!("`{text}` works on the author's Docker, not on the cluster"),
                    "leave it out, or run it as a host `command` step if the scenario needs it",
                ),
            },
            "helm" => match sub {
                "install" | "upgrade" | "uninstall" | "template" => self.todo(
                    TodoReason::Unsupported,
                    format!("`{text}` installs a chart"),
                    "render the chart with an `apply: {helm: {chart: ..., values: [...]}}` step (docs/scenario-format.md)",
                ),
                _ => Outcome::Nothing(format!("`{text}` manages the author's Helm repositories")),
            },
            "stern" | "kubetail" | "k9s" | "watch" => self.todo(
                TodoReason::Blocking,
                format!("`{text}` runs until it is stopped"),
                if program == "watch" {
                    "a `wait` step for the state it watches for"
                } else {
                    "a `logs` step (bounded) for each pod it follows"
                },
            ),
            "kubens" => {
                if let Some(ns) = args.first() {
                    self.current_ns = Some(ns.clone());
                }
                Outcome::Nothing("switches the current namespace: later commands use the scenario's name for it".into())
            }
            "kubectx" => Outcome::Nothing("switches the kubeconfig context: kdrill runs against the context it was allowed".into()),
            "export" | "set" | "setx" => {
                for a in &args {
                    if let Some((k, v)) = a.split_once('=') {
                        // a shell variable's name, or nothing kdrill can name as ${NAME}
                        let name = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                        if !name {
                            return self.todo(
                                TodoReason::Blocking,
                                format!("`{text}` sets `{k}`, which is not a variable name (letters, digits, `_`)"),
                                "set the variable under the scenario's `vars:` by the name the later commands use",
                            );
                        }
                        let v = if v.contains("$(") || v.contains('`') {
                            format!("TODO: the value `{v}` gives on your machine")
                        } else {
                            v.to_string()
                        };
                        if k == "KUBECONFIG" {
                            return Outcome::Nothing("points kubectl at a kubeconfig: kdrill uses the one it was given".into());
                        }
                        self.plan.vars.insert(k.to_string(), v);
                    }
                }
                Outcome::Nothing("sets a variable: a scenario var (`vars:`), used as ${NAME}".into())
            }
            "cd" | "pwd" | "clear" | "cls" | "history" | "alias" | "source" | "unset" => {
                Outcome::Nothing("shell bookkeeping".into())
            }
            "exit" | "logout" => Outcome::Nothing("leaves a shell".into()),
            "sudo" | "su" => Outcome::Nothing("a root shell on the same machine: the commands stay the same".into()),
            "kill" | "jobs" | "fg" | "bg" | "pkill" | "killall" => {
                Outcome::Nothing("controls a process of the post (a forward, a follower): nothing runs in the background in a scenario".into())
            }
            "sleep" => match args.first().and_then(|a| a.parse::<u64>().ok()) {
                Some(secs) => Outcome::Steps(vec![Emit::native(spec::step(Action::Sleep(
                    crate::steps::sleep::SleepSpec(crate::duration::HumanDuration(std::time::Duration::from_secs(secs))),
                )))
                .note("the post waits here; a `wait` for the state it waits for is better")]),
                None => Outcome::Nothing("a pause".into()),
            },
            "cat" | "tee" | "echo" | "printf" if !self.t.commands[i].heredocs.is_empty() || text.contains('>') => {
                // writes a file the post uses later
                let target = s
                    .redirects
                    .iter()
                    .find(|(op, _)| op == ">" || op == ">>")
                    .map(|(_, f)| f.clone())
                    .or_else(|| (program == "tee").then(|| args.iter().find(|a| !a.starts_with('-')).cloned()).flatten());
                match (target, self.heredoc_of(i, s)) {
                    (Some(file), Some(body)) => {
                        let base = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_string();
                        self.written.insert(base.clone(), body);
                        Outcome::Nothing(format!("writes {base} with a here-document: kept as manifests/{base} for the commands that use it"))
                    }
                    (Some(file), None) => Outcome::Nothing(format!("writes {file} on the author's machine")),
                    _ => Outcome::Nothing("prints text on the author's machine".into()),
                }
            }
            "mkdir" | "cp" | "mv" | "rm" | "chmod" | "chown" | "touch" | "ln" if text.contains(".kube") || text.contains("admin.conf") => {
                Outcome::Nothing("kubeconfig set-up: kdrill has its own".into())
            }
            "cat" | "ls" | "ll" | "echo" | "printf" | "base64" | "less" | "more" | "head" | "tail"
            | "grep" | "jq" | "yq" | "diff" | "vim" | "vi" | "nano" | "code" | "open" | "explorer"
            | "notepad" | "type" | "dir" | "which" | "where" | "date" | "whoami" | "hostname" => {
                Outcome::Nothing(format!("`{text}` reads or edits files on the author's machine"))
            }
            _ => self.todo(
                TodoReason::Unsupported,
                format!("kdrill does not know what `{program}` does"),
                format!("if the scenario needs it, add a host step `command: {{run: \"{text}\"}}` (it runs in the scenario's directory)"),
            ),
        }
    }

    fn minikube(&mut self, i: usize, args: &[String]) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let sub = args.first().map(String::as_str).unwrap_or("");
        match sub {
            "ssh" => {
                if let Some(dd) = args.iter().position(|a| a == "--") {
                    let cmd = args[dd + 1..].join(" ");
                    return Outcome::Steps(vec![self
                        .host(strip_sudo(&cmd))
                        .note("on the node: the testbed's node is this machine")]);
                }
                self.todo(
                    TodoReason::Interactive,
                    "`minikube ssh` opens a shell on the node",
                    "the commands typed on the node follow as host `command` steps (on the testbed the node is this machine); elsewhere run them on the node",
                )
            }
            "cp" if args.len() >= 3 => {
                let src = args[1].rsplit(['/', '\\']).next().unwrap_or(&args[1]).to_string();
                let dst = args[2].split_once(':').map_or(args[2].as_str(), |(_, p)| p).to_string();
                self.need_file(&src, i);
                Outcome::Steps(vec![self
                    .host(format!("cp manifests/{src} {dst}"))
                    .note("minikube cp copies onto the node; the testbed's node is this machine")])
            }
            "service" | "ip" => self.todo(
                TodoReason::Environment,
                format!("`{text}` prints an address of the author's minikube"),
                "an `http` step reaches Services and pods through the API server: no address needed",
            ),
            "mount" | "tunnel" | "dashboard" => self.todo(
                TodoReason::Blocking,
                format!("`{text}` runs until it is stopped"),
                "prepare what the scenario needs on the node with host `command` steps instead",
            ),
            "status" | "version" | "profile" | "logs" => Outcome::Nothing(format!("`{text}` shows the author's minikube")),
            _ => self.todo(
                TodoReason::Provisioning,
                format!("`{text}` changes the author's minikube"),
                if matches!(sub, "stop" | "delete") || text.contains("disable") {
                    "nothing: the scenario cleans up what it created"
                } else if sub == "addons" {
                    "run the scenario on a cluster that has this add-on (`requires:` can say so)"
                } else {
                    "run the scenario against an existing cluster"
                },
            ),
        }
    }

    /// A file a command needs that the post does not show: a marked TODO file.
    fn need_file(&mut self, name: &str, i: usize) {
        if self.plan.files.contains_key(name) {
            return;
        }
        if let Some(content) = self.post_files.get(name).or_else(|| self.written.get(name)) {
            self.plan.files.insert(
                name.to_string(),
                FileOut {
                    content: content.clone(),
                    source: "from the post".into(),
                    todo: false,
                },
            );
            return;
        }
        let line = self.t.commands[i].line;
        let gist = self.t.references.iter().find(|r| {
            r.file.ends_with(name) || name.ends_with(r.file.as_str()) || stem_match(&r.file, name)
        });
        let hint = match gist {
            Some(r) => format!("the post links it as `{}` (line {})", r.file, r.line),
            None => "the post does not show it".to_string(),
        };
        self.plan.files.insert(
            name.to_string(),
            FileOut {
                content: format!(
                    "{}: `{name}` is used at line {line} of the post; {hint}. Replace this file with its content.\n",
                    crate::import::TODO_MARKER
                ),
                source: hint,
                todo: true,
            },
        );
    }

    /// A command typed in a container shell command `o` opened.
    fn in_container(&mut self, i: usize, o: usize) -> Outcome {
        let c = &self.t.commands[i];
        let text = c.text.clone();
        let program = c.program();
        if matches!(program.as_str(), "exit" | "logout") {
            return Outcome::Nothing("leaves the container shell".into());
        }
        if kube::has_placeholder(&text) {
            return self.todo(
                TodoReason::Placeholder,
                "the post leaves a placeholder for the reader to fill in",
                "an `exec` step in the pod, with the placeholder filled in (a Service's name works where an IP is asked for)",
            );
        }
        let Some(opener) = self.t.commands[o].main_kubectl() else {
            return self.todo(
                TodoReason::Unsupported,
                "typed in a shell kdrill cannot reach",
                "run it as an `exec` in the pod it concerns",
            );
        };
        let place = self.place(&opener);
        let pod = match opener.verb.as_str() {
            "exec" | "attach" => opener.args.first().map(|p| {
                p.trim_start_matches("pod/")
                    .trim_start_matches("po/")
                    .to_string()
            }),
            "run" => opener.args.first().cloned(),
            _ => None,
        };
        let Some(pod) = pod.filter(|p| !p.contains('/')) else {
            return self.todo(
                TodoReason::Unsupported,
                format!(
                    "runs in the {} container of line {}, which kdrill cannot add",
                    opener.verb, self.t.commands[o].line
                ),
                "check the same thing with an `exec` in the pod's own container, or with its logs",
            );
        };
        let output = self.t.output_text(i);
        let mut e = kube::exec_step(
            &pod,
            opener.flag("container"),
            crate::command_line::CommandLine::Shell(text.clone()),
            place.field(),
        );
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&format!("exec {pod} {text}"));
            e.step.expect = spec::expect_stdout(spec::snapshot(&name));
            e.snapshot = Some((name, output));
        }
        Outcome::Steps(vec![e.note(format!(
            "typed in the shell of line {}: an exec in pod {pod}",
            self.t.commands[o].line
        ))])
    }

    /// A command typed on a node (a `minikube ssh` session).
    fn on_node(&mut self, i: usize, _o: usize) -> Outcome {
        let c = &self.t.commands[i];
        let program = c.program();
        if matches!(program.as_str(), "exit" | "logout") {
            return Outcome::Nothing("leaves the node".into());
        }
        let text = strip_sudo(&c.text);
        let output = self.t.output_text(i);
        let mut e = self
            .host(text.clone())
            .note("typed on the node: the testbed's node is this machine");
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&text);
            e.step.expect = spec::expect_stdout(spec::snapshot(&name));
            e.snapshot = Some((name, output));
        }
        Outcome::Steps(vec![e])
    }

    /// Where a kubectl command's objects live.
    fn place(&self, k: &crate::import::kubectl::Kubectl) -> Place {
        if k.all_namespaces() {
            return Place::All;
        }
        let ns = k
            .namespace()
            .map(str::to_string)
            .or_else(|| self.current_ns.clone());
        match ns.as_deref() {
            None | Some("default") => Place::Scenario,
            Some(n) => match self.plan.namespaces.get(n) {
                Some(m) if !m.is_empty() => Place::Mapped(n.to_string(), m.clone()),
                Some(_) => Place::Scenario,
                None if SYSTEM_NAMESPACES.contains(&n) => Place::System(n.to_string()),
                None => Place::Other(n.to_string()),
            },
        }
    }

    /// The namespace a post creates, under the scenario's name for it.
    fn create_namespace(&mut self, name: &str) -> String {
        let mapped = format!("${{NAMESPACE}}-{name}");
        self.plan
            .namespaces
            .insert(name.to_string(), mapped.clone());
        mapped
    }
}

/// `kind` of a `kind/name` table cell (`pod/x`, `service/y`, `deployment.apps/z`).
fn objects_kind(k: &str) -> String {
    crate::import::kubectl::canonical_kind(k.split('.').next().unwrap_or(k)).0
}

fn stem_match(a: &str, b: &str) -> bool {
    let stem = |s: &str| {
        s.rsplit(['/', '\\'])
            .next()
            .unwrap_or(s)
            .split('.')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let (x, y) = (stem(a), stem(b));
    !x.is_empty() && (x.ends_with(&y) || y.ends_with(&x))
}

fn strip_sudo(text: &str) -> String {
    text.trim()
        .strip_prefix("sudo ")
        .map(str::trim_start)
        .unwrap_or(text.trim())
        .to_string()
}

/// The pipelines of a parsed line: simple commands joined by `|`.
fn pipelines(s: &Script) -> Vec<Vec<Simple>> {
    let mut out: Vec<Vec<Simple>> = Vec::new();
    let mut cur: Vec<Simple> = Vec::new();
    for c in &s.commands {
        let piped = c.then == Some(shell::Op::Pipe);
        cur.push(c.clone());
        if !piped {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `for i in 0 1; do BODY; done` → BODY with `$i` replaced, once per value.
fn expand_loop(text: &str) -> Option<Vec<String>> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"^\s*for\s+(\w+)\s+in\s+([^;]+);\s*do\s+(.+?);?\s*done\s*$")
            .expect("loop regex")
    });
    let c = re.captures(text)?;
    let var = &c[1];
    let body = c[3].trim().trim_end_matches(';');
    let values: Vec<&str> = c[2].split_whitespace().collect();
    Some(
        values
            .iter()
            .map(|v| {
                body.replace(&format!("${{{var}}}"), v)
                    .replace(&format!("${var}"), v)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_expand() {
        assert_eq!(
            expand_loop("for i in 0 1; do kubectl exec web-$i -- sh -c 'hostname'; done"),
            Some(vec![
                "kubectl exec web-0 -- sh -c 'hostname'".to_string(),
                "kubectl exec web-1 -- sh -c 'hostname'".to_string()
            ])
        );
        assert_eq!(expand_loop("kubectl get pods"), None);
    }

    #[test]
    fn quoting_for_host_commands() {
        assert_eq!(sh_quote("app=web"), "app=web");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("${NAMESPACE}-x"), "\"${NAMESPACE}-x\"");
    }
}
