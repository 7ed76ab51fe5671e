//! kubectl verbs → steps. Native where kdrill has a step for it; a host `command`
//! with the scenario's pinned kubeconfig where it has none but the command is safe;
//! a TODO where a human must decide.
//!
//! One file per family of verbs: `get` (and `get -w`, events, `top`), `describe`,
//! `apply` (apply/create -f/replace and the manifests they name), `create` (the
//! generators: create SUB, run, expose, autoscale), `delete`, `patch` (scale, set,
//! label/annotate, patch, rollout), `pods` (logs, exec, cp, port-forward) and `wait`;
//! `table_states` turns the tables a post shows into waits, `state_steps` builds those
//! waits and asserts, `shown` reads what a post's output shows.

mod apply;
mod create;
mod delete;
mod describe;
mod get;
mod patch;
mod pods;
mod shown;
mod state_steps;
mod table_states;
mod wait;

use super::spec;
use super::{sh_quote, Emit, Outcome, Place, TodoReason, Tr};
use crate::command_line::CommandLine;
use crate::expect::Expect;
use crate::import::kubectl::{self, canonical_kind, Kubectl, Resource};
use crate::import::shell::Simple;
use crate::steps::exec::ExecSpec;
use crate::steps::Action;
use regex::Regex;
use shown::api_error;
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
            | "set"
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
            Place::Scenario | Place::Unowned(_) => {}
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
        if let Place::System(n) | Place::Unowned(n) = place {
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
/// (NUL included, which no file system takes) become `_`, and a name longer than
/// file systems take (255 bytes; a backquote can swallow the next lines into a word)
/// is cut to 100 bytes and a hash of the whole, the same for every use of the name.
pub(super) fn base_name(path: &str) -> String {
    use std::hash::{Hash, Hasher};
    let name: String = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    if name.len() <= 100 {
        return name;
    }
    let mut cut = 100;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    format!("{}-{:08x}", &name[..cut], h.finish() as u32)
}

#[cfg(test)]
#[test]
fn file_names_too_long_for_a_file_system_are_cut_the_same_way_each_time() {
    // found by the import fuzz target: `-f fast-web.ya```console` took the next lines
    let long = format!("fast-web.ya{}", "é`x $ kubectl delete".repeat(20));
    let a = base_name(&long);
    assert!(a.len() <= 110, "{}", a.len());
    assert!(a.starts_with("fast-web.ya"));
    assert_eq!(base_name(&format!("dir/{long}")), a);
    assert_ne!(base_name(&format!("{long}2")), a);
    assert_eq!(base_name("web.yaml"), "web.yaml");
}

#[cfg(test)]
#[test]
fn file_names_lose_control_characters() {
    // found by the import fuzz target: `kubectl cp robo\0tts.txt ...`
    assert_eq!(base_name("dir/robo\0tts.txt"), "robo_tts.txt");
    assert_eq!(base_name("C:\\lab\\pod.yaml"), "pod.yaml");
}

#[cfg(test)]
#[test]
fn placeholders_are_found_outside_quotes() {
    assert!(has_placeholder("kubectl logs <pod-name>") && !has_placeholder("a -> b"));
}
