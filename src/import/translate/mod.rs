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
//!
//! The methods of the translator `Tr` are spread by what they do: `learn` (what the
//! post tells later commands), `command_line` (a line, its pipelines, the program of
//! each), `remote_shells` (commands typed on minikube's node or in a container shell),
//! `kube` (kubectl verbs).

mod capture;
mod command_line;
mod http;
mod kube;
mod learn;
pub mod objects;
mod remote_shells;
pub mod spec;
pub mod states;

pub use capture::Capture;
pub use spec::{map, s};

use crate::import::transcript::{Shell, Transcript};
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
    /// A namespace the post did not create and that is no system namespace: the
    /// scenario does not own it, so reads name it as written and writes are refused.
    Unowned(String),
    /// Every namespace (`-A`).
    All,
}

impl Place {
    /// The step's `namespace:` field.
    pub fn field(&self) -> Option<String> {
        match self {
            Place::Scenario | Place::All => None,
            Place::Mapped(_, m) => Some(m.clone()),
            Place::System(n) | Place::Unowned(n) => Some(n.clone()),
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
                None => Place::Unowned(n.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_for_host_commands() {
        assert_eq!(sh_quote("app=web"), "app=web");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("${NAMESPACE}-x"), "\"${NAMESPACE}-x\"");
    }
}
