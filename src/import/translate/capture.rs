//! For `kdrill check`: how a run prints, for each output the post shows, what the
//! cluster prints now. A step that already prints it (a `get` table, `logs`, an
//! `exec`, a host command) has its text captured; text only kubectl prints
//! (`describe`, `top`, `-o yaml`, `--show-labels`) comes from the user's kubectl with
//! the scenario's pinned kubeconfig, in a host step after the command's own steps;
//! a confirmation (`pod/x created`) from the same kubectl as a server-side dry run
//! just before them. Everything else is marked not checked, with why.

use super::command_line::pipelines;
use super::{Emit, Outcome, Place, Tr};
use crate::expect::{Expect, SnapshotName, TextMatch, TextRules};
use crate::import::kubectl::Kubectl;
use crate::import::shell::Script;
use crate::steps::Action;
use std::collections::BTreeMap;

mod dry_run;

/// Where a run finds the text of one output of the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capture {
    /// Step `emit` of the command's steps prints it: its text is captured under the
    /// snapshot name `name` (and its standard error under `stderr`, for host steps).
    Emit {
        emit: usize,
        name: String,
        stderr: Option<String>,
        /// A server-side dry run: kubectl adds ` (server dry run)`.
        dry_run: bool,
    },
    /// The output belongs to command `i` (the same command, run there).
    SameAs(usize),
    /// Not compared, and why.
    NotChecked(String),
}

/// kubectl commands that only read: run again on the host, they print what the post shows.
const READS: &[&str] = &[
    "get",
    "describe",
    "top",
    "explain",
    "events",
    "wait",
    "api-resources",
    "logs",
];

/// kubectl commands that change objects and confirm it (`pod/x created`): a server-side
/// dry run prints the same. (`rollout restart` and `undo` have no `--dry-run` in every
/// kubectl: not replayed.)
const WRITES: &[&str] = &[
    "apply",
    "create",
    "run",
    "expose",
    "delete",
    "scale",
    "set",
    "label",
    "annotate",
    "patch",
    "autoscale",
];

fn with_snapshot(m: Option<TextMatch>, name: &str) -> TextMatch {
    let snap = Some(SnapshotName::Named(name.to_string()));
    match m {
        None => super::spec::snapshot(name),
        Some(TextMatch::Pattern(p)) => TextMatch::Rules(Box::new(TextRules {
            matches: Some(p),
            snapshot: snap,
            ..TextRules::default()
        })),
        Some(TextMatch::Rules(mut r)) => {
            r.snapshot = snap;
            TextMatch::Rules(r)
        }
    }
}

/// Step `emit` of the command's steps prints the output itself (no dry run).
fn printed_by(emit: usize, name: String, stderr: Option<String>) -> Option<Capture> {
    Some(Capture::Emit {
        emit,
        name,
        stderr,
        dry_run: false,
    })
}

/// A host step's standard error captured too, under `NAME-stderr`: that name.
fn capture_stderr(expect: &mut Expect, name: &str) -> String {
    let err = format!("{name}-stderr");
    expect.stderr = Some(with_snapshot(expect.stderr.take(), &err));
    err
}

/// Every line is kubectl's confirmation of a change, or its refusal.
fn confirmation(output: &str) -> bool {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    !lines.is_empty()
        && lines.iter().all(|l| {
            crate::import::transcript::is_result_line(l)
                || l.starts_with("Error from server")
                || l.starts_with("error: ")
                || l.starts_with("Warning: ")
        })
}

/// Text filters a post pipes kubectl into that print the same under any POSIX `sh`.
const TEXT_FILTERS: &[&str] = &[
    "grep", "egrep", "fgrep", "head", "tail", "sort", "uniq", "wc", "awk", "sed", "cut", "tr",
    "jq", "column", "cat", "nl", "base64", "less", "more",
];

/// Cluster-scoped kinds whose unnamed listing shows the whole cluster (`get ns`).
const CLUSTER_LISTS: &[&str] = &[
    "namespace",
    "persistentvolume",
    "storageclass",
    "customresourcedefinition",
    "clusterrole",
    "clusterrolebinding",
    "priorityclass",
    "apiservice",
];

/// curl options that change what curl prints (headers, a status line, a file): the
/// run's HTTP request captures the body only. Options that only quieten or follow are fine.
fn curl_prints_more(words: &[String]) -> Option<String> {
    let fine_long = [
        "--silent",
        "--show-error",
        "--location",
        "--insecure",
        "--fail",
        "--max-time",
        "--connect-timeout",
        "--retry",
    ];
    let fine_short = ['s', 'S', 'L', 'k', 'f', 'm'];
    for w in words.iter().skip(1) {
        if let Some(long) = w.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            if !fine_long.contains(&format!("--{name}").as_str()) {
                return Some(w.clone());
            }
        } else if let Some(short) = w.strip_prefix('-') {
            if !short.is_empty() && !short.chars().all(|c| fine_short.contains(&c)) {
                return Some(w.clone());
            }
        }
    }
    None
}

/// Step kinds that only read: in a check, their failure means the post's output no
/// longer holds, which the comparison of that output says better, so the run goes on.
const READ_KINDS: &[&str] = &["get", "assert", "wait", "events", "logs", "http"];

/// The steps of a command whose output the post shows, as a check runs them: the
/// expectations the import learned from that output (a state, a label, a count) and
/// the step that captures it do not stop the run when they fail: the output differs,
/// and its comparison says how. Changes (apply, patch, delete) still stop it.
pub(super) fn tolerate_reads(outcome: &mut Outcome, capture: Option<&Capture>) {
    let Outcome::Steps(emits) = outcome else {
        return;
    };
    let captured = match capture {
        Some(Capture::Emit { emit, .. }) => Some(*emit),
        _ => None,
    };
    for (k, e) in emits.iter_mut().enumerate() {
        if READ_KINDS.contains(&e.step.action.keyword()) || captured == Some(k) {
            e.step.allow_failure = true;
        }
    }
}

impl Tr<'_> {
    /// Why a step that prints text does not print what command `i` shows, if it does
    /// not: the post pipes it through a filter the step does not apply, it is
    /// `kubectl port-forward`'s own chatter, or curl prints more than the body.
    fn text_differs(&self, i: usize, action: &Action) -> Option<String> {
        let c = &self.t.commands[i];
        let script = Script::parse(&c.text);
        let lines = pipelines(&script);
        if let Some(p) = lines.iter().find(|p| p.len() > 1) {
            let rest: Vec<String> = p[1..]
                .iter()
                .map(|s| {
                    s.words
                        .iter()
                        .map(|w| w.raw.clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            return Some(format!(
                "its output goes through `| {}`, which the run's step does not apply",
                rest.join(" | ")
            ));
        }
        if c.main_kubectl().is_some_and(|k| k.verb == "port-forward") {
            return Some(
                "kubectl port-forward's own messages: the run reaches the pod through the API instead"
                    .into(),
            );
        }
        if let Action::Http(_) = action {
            let words: Vec<String> = lines
                .first()
                .and_then(|p| p.first())
                .map(|s| s.words.iter().map(|w| w.value.clone()).collect())
                .unwrap_or_default();
            if words.first().is_some_and(|w| w.starts_with("curl")) {
                if let Some(opt) = curl_prints_more(&words) {
                    return Some(format!(
                        "curl {opt} prints more than the body, and the run's request captures the body"
                    ));
                }
            }
        }
        None
    }

    fn capture_name(&mut self, what: &str) -> String {
        self.next_snapshot(&format!("check {what}"))
    }

    /// A host step that runs `k` with the scenario's kubeconfig and captures its
    /// output; a failure of it is the post's difference, not the run's end.
    fn kubectl_capture(
        &mut self,
        k: &Kubectl,
        place: &Place,
        i: usize,
        dry_run: bool,
    ) -> (Emit, Capture) {
        let filters = if dry_run {
            Vec::new()
        } else {
            self.filters_of(i)
        };
        // a flag of kubectl's, so before any `--` (after it, `create job x -- echo hi`
        // would hand it to the container and really create the job)
        let mut k = k.clone();
        if dry_run {
            k.flags.push(("dry-run".into(), Some("server".into())));
        }
        let mut e = self.host_kubectl(&k, place, &filters);
        let name = self.capture_name(&format!("kubectl {}", k.verb));
        let err = format!("{name}-stderr");
        e.step.expect.stdout = Some(with_snapshot(None, &name));
        e.step.expect.stderr = Some(with_snapshot(None, &err));
        e.step.allow_failure = true;
        e.comment = Some(if dry_run {
            "kdrill check: kubectl's confirmation, from a server-side dry run".into()
        } else {
            "kdrill check: the text only kubectl prints, from kubectl with the scenario's kubeconfig".into()
        });
        (
            e,
            Capture::Emit {
                emit: 0,
                name,
                stderr: Some(err),
                dry_run,
            },
        )
    }

    /// The first filter after the kubectl of command `i` that is not a portable text
    /// tool: a shell's builtin (fish's `string match`), Windows' `findstr`, anything
    /// whose output the run's `sh` would not reproduce.
    fn foreign_filter(&self, i: usize) -> Option<String> {
        self.filters_of(i)
            .iter()
            .map(|f| f.argv().first().cloned().unwrap_or_default())
            .find(|p| !TEXT_FILTERS.contains(&p.as_str()))
    }

    /// The filters after the kubectl of command `i` (`| grep x`).
    fn filters_of(&self, i: usize) -> Vec<crate::import::shell::Simple> {
        let script = Script::parse(&self.t.commands[i].text);
        for p in pipelines(&script) {
            if let Some(at) = p
                .iter()
                .position(|s| crate::import::transcript::kubectl_argv(s).is_some())
            {
                return p[at + 1..].to_vec();
            }
        }
        Vec::new()
    }

    /// Command `i`'s outcome, with what a check run needs to capture its output.
    pub(super) fn capture(
        &mut self,
        i: usize,
        outcome: Outcome,
        namespaces_before: Option<&BTreeMap<String, String>>,
        kubectl: bool,
    ) -> (Outcome, Option<Capture>) {
        let c = &self.t.commands[i];
        if c.output.is_empty() {
            return (outcome, None);
        }
        let output = self.t.output_text(i);
        let all = c.kubectl();
        let main = c.main_kubectl();
        let no_kubectl = "only kubectl prints this, and kubectl is not on PATH".to_string();
        match outcome {
            Outcome::SameAs(o) => (Outcome::SameAs(o), Some(Capture::SameAs(o))),
            Outcome::Todo(t) => {
                let why = format!("not run: {} ({})", t.reason.label(), t.why);
                (Outcome::Todo(t), Some(Capture::NotChecked(why)))
            }
            Outcome::Nothing(why) => {
                let read = main
                    .as_ref()
                    .filter(|k| k.verb == "explain" && all.len() == 1);
                match (read, kubectl) {
                    (Some(k), true) => {
                        let place = self.place(k);
                        let (e, cap) = self.kubectl_capture(&k.clone(), &place, i, false);
                        (Outcome::Steps(vec![e]), Some(cap))
                    }
                    (Some(_), false) => {
                        (Outcome::Nothing(why), Some(Capture::NotChecked(no_kubectl)))
                    }
                    _ => {
                        let reason = format!("nothing to run: {why}");
                        (Outcome::Nothing(why), Some(Capture::NotChecked(reason)))
                    }
                }
            }
            Outcome::Steps(mut emits) => {
                // a node's roles, version, age and capacity are the machine's, named or not
                let nodes = main.as_ref().is_some_and(|k| {
                    matches!(k.verb.as_str(), "get" | "describe" | "top")
                        && k.resources()
                            .iter()
                            .any(|r| crate::import::kubectl::canonical_kind(&r.kind).0 == "node")
                });
                if nodes {
                    return (
                        Outcome::Steps(emits),
                        Some(Capture::NotChecked(
                            "it shows the cluster's nodes, which differ from cluster to cluster"
                                .into(),
                        )),
                    );
                }
                // a step that prints the post's output already
                let printed: Vec<usize> = (0..emits.len())
                    .filter(|&k| emits[k].snapshot.is_some())
                    .collect();
                if let [k] = printed.as_slice() {
                    let (name, _) = emits[*k].snapshot.clone().unwrap_or_default();
                    let mut stderr = None;
                    if emits[*k].host {
                        stderr = Some(capture_stderr(&mut emits[*k].step.expect, &name));
                    }
                    return (Outcome::Steps(emits), printed_by(*k, name, stderr));
                }
                let filtered = !self.filters_of(i).is_empty();
                // a step that prints text, whose text the draft checks another way
                let texts: Vec<usize> = (0..emits.len())
                    .filter(|&k| {
                        matches!(
                            emits[k].step.action,
                            Action::Exec(_)
                                | Action::Command(_)
                                | Action::Http(_)
                                | Action::Logs(_)
                        )
                    })
                    .collect();
                if let ([k], false) = (texts.as_slice(), filtered || printed.len() > 1) {
                    if let Some(why) = self.text_differs(i, &emits[*k].step.action) {
                        return (Outcome::Steps(emits), Some(Capture::NotChecked(why)));
                    }
                    let what = emits[*k].step.action.keyword();
                    let name = self.capture_name(what);
                    let step = &mut emits[*k].step;
                    let e = &mut step.expect;
                    let mut stderr = None;
                    match &step.action {
                        Action::Exec(_) | Action::Command(_) => {
                            e.stdout = Some(with_snapshot(e.stdout.take(), &name));
                            stderr = Some(capture_stderr(e, &name));
                        }
                        Action::Http(_) => e.body = Some(with_snapshot(e.body.take(), &name)),
                        _ => e.output = Some(with_snapshot(e.output.take(), &name)),
                    }
                    return (Outcome::Steps(emits), printed_by(*k, name, stderr));
                }
                let Some(k) = main else {
                    return (
                        Outcome::Steps(emits),
                        Some(Capture::NotChecked(
                            "its steps check what it shows (states, fields), not its text".into(),
                        )),
                    );
                };
                if all.len() > 1 && !all[0].dry_run() {
                    return (
                        Outcome::Steps(emits),
                        Some(Capture::NotChecked(
                            "several kubectl commands print it".into(),
                        )),
                    );
                }
                let place = self.place(&k);
                if READS.contains(&k.verb.as_str())
                    || (k.verb == "rollout"
                        && matches!(k.sub.as_deref(), Some("status" | "history")))
                {
                    if k.watch() || k.has("follow") {
                        return (
                            Outcome::Steps(emits),
                            Some(Capture::NotChecked(
                                "a stream: what it prints depends on timing".into(),
                            )),
                        );
                    }
                    let whole_cluster = k.verb == "get"
                        && !k.resources().is_empty()
                        && k.resources().iter().all(|r| {
                            r.name.is_none()
                                && CLUSTER_LISTS.contains(
                                    &crate::import::kubectl::canonical_kind(&r.kind).0.as_str(),
                                )
                        });
                    if whole_cluster {
                        return (
                            Outcome::Steps(emits),
                            Some(Capture::NotChecked(
                                "it lists the whole cluster's objects of a kind, which differ from cluster to cluster".into(),
                            )),
                        );
                    }
                    if matches!(place, Place::All | Place::System(_)) {
                        return (
                            Outcome::Steps(emits),
                            Some(Capture::NotChecked(
                                "the cluster's own namespaces differ from cluster to cluster"
                                    .into(),
                            )),
                        );
                    }
                    if !kubectl {
                        return (Outcome::Steps(emits), Some(Capture::NotChecked(no_kubectl)));
                    }
                    if let Some(p) = self.foreign_filter(i) {
                        return (
                            Outcome::Steps(emits),
                            Some(Capture::NotChecked(format!(
                                "its output goes through `{p}`, which is not a text filter kdrill runs the same everywhere (grep, sed, awk, head, jq, ...)"
                            ))),
                        );
                    }
                    let (e, mut cap) = self.kubectl_capture(&k, &place, i, false);
                    if let Capture::Emit { emit, .. } = &mut cap {
                        *emit = emits.len();
                    }
                    emits.push(e);
                    return (Outcome::Steps(emits), Some(cap));
                }
                if WRITES.contains(&k.verb.as_str()) && confirmation(&output) {
                    if !kubectl {
                        return (Outcome::Steps(emits), Some(Capture::NotChecked(no_kubectl)));
                    }
                    if emits.iter().any(|e| e.host) {
                        return (
                            Outcome::Steps(emits),
                            Some(Capture::NotChecked(
                                "kubectl on the host makes the change; its confirmation is not captured".into(),
                            )),
                        );
                    }
                    let dry = match self.dry_runnable(&k, &emits, namespaces_before) {
                        Ok(d) => d,
                        Err(why) => {
                            return (
                                Outcome::Steps(emits),
                                Some(Capture::NotChecked(format!(
                                    "kubectl's confirmation, which a dry run cannot replay: {why}"
                                ))),
                            )
                        }
                    };
                    let (e, cap) = self.kubectl_capture(&dry, &place, i, true);
                    emits.insert(0, e);
                    return (Outcome::Steps(emits), Some(cap));
                }
                (
                    Outcome::Steps(emits),
                    Some(Capture::NotChecked(
                        "its steps check what it shows (states, fields), not its text".into(),
                    )),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
