//! `IMPORT.md`: the TODOs first, then every line of every code block and what it
//! became.

use super::transcript::{self, Role};
use super::translate::{self, Emit, Outcome};
use super::{code, span, Draft, ImportError};
use crate::snapshot;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

impl Draft<'_> {
    /// IMPORT.md: the TODOs, then every line of every code block and what it became.
    /// Returns the text and the TODO items.
    pub(super) fn report(
        &self,
        snapshots: &[(String, String, usize)],
        host: &[String],
    ) -> Result<(String, Vec<String>), ImportError> {
        let t = self.t;
        let line_of = |c: usize| t.commands[c].line;
        let mut todos: Vec<String> = Vec::new();
        for e in &self.plan.entries {
            let c = &t.commands[e.command];
            if let Outcome::Todo(todo) = &e.outcome {
                // the command is on the line already
                let why = todo
                    .why
                    .strip_prefix(&format!("`{}` ", c.text))
                    .unwrap_or(&todo.why);
                todos.push(format!(
                    "line {}: {} — {} ({}). Next: {}.",
                    c.line,
                    code(&c.text),
                    why,
                    todo.reason.label(),
                    todo.instead.trim_end_matches('.')
                ));
            }
            for n in &e.notes {
                todos.push(format!("line {}: {} — {n}", c.line, code(&c.text)));
            }
        }
        for (name, f) in &self.plan.files {
            if f.todo {
                let users: Vec<String> = t
                    .commands
                    .iter()
                    .filter(|c| {
                        c.text
                            .contains(name.trim_end_matches(".yaml").trim_end_matches(".yml"))
                    })
                    .map(|c| c.line.to_string())
                    .collect();
                todos.push(format!(
                    "`manifests/{name}`: fill it in ({}; used at line {}); `apply` refuses it until then.",
                    f.source,
                    if users.is_empty() { "?".into() } else { users.join(", ") }
                ));
            }
        }
        if self.plan.vars.values().any(|v| v.starts_with("TODO")) {
            todos.push(
                "`vars:` of the scenario: give the variables marked TODO their values.".into(),
            );
        }
        if !snapshots.is_empty() {
            todos.push(format!(
                "snapshots under `{}` hold the post's outputs: run once, then `kdrill review` what differs on your cluster (versions, banners, names).",
                snapshot::repo_relative(&snapshot::dir_for(&self.scenario_path))
            ));
        }
        let mut md = format!(
            "# Import of {}\n\n`kdrill import` wrote `{}` from the post. Every line of every code block is accounted for below.\n\n## To do before it runs\n\n",
            self.post_name,
            self.scenario_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
        );
        if todos.is_empty() {
            md.push_str("Nothing: run it.\n");
        }
        for td in &todos {
            let _ = writeln!(md, "- [ ] {td}");
        }
        if !host.is_empty() {
            md.push_str("\n## Runs on this machine\n\nHost `command` steps (kubectl ones with the scenario's own kubeconfig: its allowed context, its namespace):\n\n");
            for h in host {
                let _ = writeln!(md, "- {h}");
            }
        }
        // every line of every block, accounted for
        md.push_str("\n## Every line of the code blocks\n\n| post lines | what | became |\n| --- | --- | --- |\n");
        let mut covered: BTreeSet<usize> = BTreeSet::new();
        let entry_of: BTreeMap<usize, &translate::Entry> =
            self.plan.entries.iter().map(|e| (e.command, e)).collect();
        for (bi, b) in t.blocks.iter().enumerate() {
            let Some((first, last)) = b.lines else {
                continue;
            };
            let lines: Vec<usize> = (first..=last).collect();
            // commands of this block
            let mut rows: Vec<(usize, String)> = Vec::new();
            let mut quiet: Vec<usize> = Vec::new();
            let mut done: BTreeSet<usize> = BTreeSet::new();
            for &n in &lines {
                let Some(role) = t.roles.get(&n) else {
                    continue;
                };
                match *role {
                    Role::Command(c) => {
                        let cmd = &t.commands[c];
                        let mut own: Vec<usize> = vec![cmd.line];
                        own.extend(&cmd.continuation);
                        own.extend(cmd.heredocs.iter().flat_map(|h| h.lines.iter().copied()));
                        let outs: Vec<usize> = cmd.output.clone();
                        let Some(e) = entry_of.get(&c) else { continue };
                        let became = self.became(e, &outs, line_of);
                        own.sort_unstable();
                        covered.extend(&own);
                        done.extend(&own);
                        // its output lines in this block are on its row too
                        let mut cells = own.clone();
                        cells.extend(outs.iter().filter(|o| lines.contains(o)));
                        cells.sort_unstable();
                        covered.extend(&cells);
                        rows.push((
                            cmd.line,
                            format!("| {} | {} | {became} |", span(&cells), code(&cmd.text)),
                        ));
                    }
                    Role::Manifest(m) => {
                        if done.contains(&n) {
                            continue;
                        }
                        let ml = t.manifests[m].lines;
                        let all: Vec<usize> = (ml.0..=ml.1).collect();
                        done.extend(&all);
                        covered.extend(&all);
                        let file = self
                            .plan
                            .manifest_files
                            .get(&m)
                            .cloned()
                            .unwrap_or_default();
                        rows.push((
                            ml.0,
                            format!(
                                "| {} | manifest | written to `manifests/{file}` |",
                                span(&all)
                            ),
                        ));
                    }
                    Role::File => {
                        if done.contains(&n) {
                            continue;
                        }
                        let all: Vec<usize> = lines
                            .iter()
                            .copied()
                            .filter(|x| t.roles.get(x) == Some(&Role::File))
                            .collect();
                        done.extend(&all);
                        covered.extend(&all);
                        let name = t
                            .files
                            .iter()
                            .find(|f| f.lines.0 <= n && n <= f.lines.1)
                            .and_then(|f| f.file.clone());
                        rows.push((n, format!("| {} | file{} | kept for the commands that read it (not a manifest) |", span(&all), name.map(|f| format!(" `{f}`")).unwrap_or_default())));
                    }
                    Role::Output(_) | Role::Continuation(_) | Role::Heredoc(_) => {}
                    Role::Comment | Role::Blank | Role::Prompt | Role::Text => quiet.push(n),
                }
            }
            // outputs of commands in other blocks (an output block of its own)
            let foreign: Vec<usize> = lines
                .iter()
                .copied()
                .filter(|n| !covered.contains(n))
                .filter(|n| matches!(t.roles.get(n), Some(Role::Output(_))))
                .collect();
            if !foreign.is_empty() {
                let owners: BTreeSet<usize> = foreign
                    .iter()
                    .filter_map(|n| match t.roles.get(n) {
                        Some(Role::Output(c)) => Some(line_of(*c)),
                        _ => None,
                    })
                    .collect();
                covered.extend(&foreign);
                rows.push((
                    foreign[0],
                    format!(
                        "| {} | output of line {} | see that command |",
                        span(&foreign),
                        owners
                            .iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if !quiet.is_empty() {
                covered.extend(&quiet);
                let kinds: BTreeSet<&str> = quiet
                    .iter()
                    .filter_map(|n| match t.roles.get(n) {
                        Some(Role::Comment) => Some("comments"),
                        Some(Role::Blank) => Some("blank lines"),
                        Some(Role::Prompt) => Some("prompts alone"),
                        Some(Role::Text) => Some("the author's text (elisions, ^C, fragments)"),
                        _ => None,
                    })
                    .collect();
                rows.push((
                    quiet[0],
                    format!(
                        "| {} | {} | nothing to run |",
                        span(&quiet),
                        kinds.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            rows.sort_by_key(|r| r.0);
            if !rows.is_empty() {
                let _ = writeln!(md, "| **block {}** (lines {first}-{last}) | | |", bi + 1);
            }
            for (_, r) in rows {
                md.push_str(&r);
                md.push('\n');
            }
        }
        // the invariant: every content line is in the table
        let missing: Vec<usize> = t
            .blocks
            .iter()
            .filter_map(|b| b.lines)
            .flat_map(|(a, z)| a..=z)
            .filter(|n| !covered.contains(n))
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Unaccounted {
                post: self.post_name.into(),
                lines: missing,
            });
        }
        if !t.references.is_empty() {
            md.push_str("\n## Files the post links\n\n");
            for r in &t.references {
                let _ = writeln!(
                    md,
                    "- line {}: `{}` (not fetched: import never goes online)",
                    r.line, r.file
                );
            }
        }
        Ok((md, todos))
    }

    pub(super) fn became(
        &self,
        e: &translate::Entry,
        outs: &[usize],
        line_of: impl Fn(usize) -> usize,
    ) -> String {
        let kinds = |emits: &[Emit]| -> String {
            emits
                .iter()
                .map(|x| {
                    if x.host {
                        "command (host)".to_string()
                    } else {
                        x.step.action.keyword().to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let mut s = match &e.outcome {
            Outcome::Steps(emits) => kinds(emits),
            Outcome::Todo(t) => format!("TODO: {}", t.reason.label()),
            Outcome::Nothing(why) => format!("nothing: {why}"),
            Outcome::SameAs(o) => format!("the same command as line {}: one step", line_of(*o)),
        };
        if !outs.is_empty() {
            let snap = match &e.outcome {
                Outcome::Steps(emits) if emits.iter().any(|x| x.snapshot.is_some()) => {
                    "its snapshot"
                }
                Outcome::Steps(emits) if emits.iter().any(|x| !x.step.expect.is_empty()) => {
                    "its expectations"
                }
                Outcome::Steps(emits)
                    if emits.iter().any(|x| {
                        matches!(x.step.action.keyword(), "wait" | "assert" | "events")
                    }) =>
                {
                    "the states waited for and asserted"
                }
                Outcome::Steps(_)
                    if outs.iter().all(|n| {
                        self.t
                            .texts
                            .get(n)
                            .is_some_and(|l| l.trim().is_empty() || transcript::is_result_line(l))
                    }) =>
                {
                    "kubectl's confirmation: the step fails if the change does"
                }
                Outcome::Steps(_) => "not compared",
                _ => "not checked",
            };
            let _ = write!(s, "; output {} → {snap}", span(outs));
        }
        s
    }
}
