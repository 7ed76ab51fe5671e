//! Writing the draft: the scenario with its steps, the manifests (those no command
//! applied too), the first snapshots, and where each output of the post is printed.

use super::translate::{self, Outcome};
use super::{manifest_name, step_yaml, write, Draft, ImportError, Origin, Printed, Summary};
use crate::snapshot::{self, file::SnapshotFile, redact};
use std::collections::BTreeMap;
use std::fmt::Write as _;

impl Draft<'_> {
    /// Manifest blocks no command applied: written too (a post of manifests only is
    /// applied in order).
    pub(super) fn shown_manifests(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        for (mi, m) in self.t.manifests.iter().enumerate() {
            if let Some(n) = self.plan.manifest_files.get(&mi) {
                names.push(n.clone());
                continue;
            }
            let base = m
                .file
                .as_deref()
                .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_string())
                .filter(|f| !self.plan.files.contains_key(f))
                .unwrap_or_else(|| manifest_name(&m.text));
            let mut name = base.clone();
            let mut k = 2;
            while self
                .plan
                .files
                .get(&name)
                .is_some_and(|f| f.content != m.text)
            {
                name = format!(
                    "{}-{k}.yaml",
                    base.trim_end_matches(".yaml").trim_end_matches(".yml")
                );
                k += 1;
            }
            self.plan.files.insert(
                name.clone(),
                translate::FileOut {
                    content: m.text.clone(),
                    source: format!("the post, line {}", m.lines.0),
                    todo: false,
                },
            );
            self.plan.manifest_files.insert(mi, name.clone());
            names.push(name);
        }
        names
    }

    pub(super) fn write(mut self) -> Result<Summary, ImportError> {
        let post_name = self.post_name;
        let t = self.t;
        self.shown_manifests();
        let mut summary = Summary {
            scenario: self.scenario_path.clone(),
            commands: t.commands.iter().filter(|c| c.same_as.is_none()).count(),
            outputs: t.commands.iter().filter(|c| !c.output.is_empty()).count(),
            ..Summary::default()
        };
        // the steps, with the post's line above each command's first step
        let mut steps = String::new();
        let mut count = 0;
        let mut snapshots: Vec<(String, String, usize)> = Vec::new();
        let mut host_commands: Vec<String> = Vec::new();
        // (command, emit) → its step number, for `kdrill check`
        let mut step_of: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for e in &self.plan.entries {
            let c = &t.commands[e.command];
            let Outcome::Steps(emits) = &e.outcome else {
                continue;
            };
            for (k, emit) in emits.iter().enumerate() {
                let mut comments = Vec::new();
                if k == 0 {
                    comments.push(format!(
                        "post line {}: {}",
                        c.line,
                        c.text.replace('\n', " ⏎ ")
                    ));
                }
                if let Some(note) = &emit.comment {
                    comments.push(note.clone());
                }
                let yaml =
                    step_yaml(&emit.step, &comments).map_err(|source| ImportError::StepYaml {
                        post: post_name.into(),
                        source,
                    })?;
                steps.push_str(&yaml);
                count += 1;
                step_of.insert((e.command, k), count);
                if let Some((name, body)) = &emit.snapshot {
                    snapshots.push((name.clone(), body.clone(), c.line));
                }
                if emit.host {
                    host_commands.push(format!(
                        "line {}: `{}`",
                        c.line,
                        emit.step.action.summary()
                    ));
                }
            }
        }
        // a post of manifests only: they are applied in order
        if count == 0 && t.commands.is_empty() {
            for n in self.plan.manifest_files.values() {
                let step = translate::spec::step(crate::steps::Action::Apply(
                    crate::steps::apply::ApplySpec {
                        file: Some(format!("manifests/{n}")),
                        manifest: None,
                        kustomize: None,
                        helm: None,
                        namespace: None,
                        mode: crate::steps::apply::ApplyMode::Apply,
                    },
                ));
                steps.push_str(
                    &step_yaml(
                        &step,
                        &[
                            "a manifest of the post (it shows no commands): applied in order"
                                .into(),
                        ],
                    )
                    .map_err(|source| ImportError::StepYaml {
                        post: post_name.into(),
                        source,
                    })?,
                );
                count += 1;
            }
        }
        if count == 0 {
            let todos = self
                .plan
                .entries
                .iter()
                .filter(|e| matches!(e.outcome, Outcome::Todo(_)))
                .count();
            return Err(ImportError::NothingToImport {
                post: post_name.into(),
                why: format!(
                    "none of its {} command(s) becomes a step kdrill can run ({todos} need a human, the rest run nothing in a cluster)",
                    t.commands.len()
                ),
            });
        }
        let mut header = format!(
            "apiVersion: {}\nkind: Scenario\nname: {} (imported)\ndescription: >\n  Imported from {post_name} by `kdrill import`: a first draft. See IMPORT.md for what\n  a human must finish before it runs.\n",
            crate::scenario::API_VERSION,
            self.stem
        );
        if !self.plan.vars.is_empty() {
            header.push_str("vars:\n");
            for (k, v) in &self.plan.vars {
                let _ = writeln!(
                    header,
                    "  {k}: {}",
                    serde_yaml::to_string(v).unwrap_or_default().trim_end()
                );
            }
        }
        header.push_str("steps:\n");
        let scenario = format!("{header}{steps}");
        // the draft must load: a scenario that does not lint is never written
        crate::scenario::load_str(&self.scenario_path, &scenario).map_err(|e| {
            ImportError::Invalid {
                post: post_name.into(),
                why: e.to_string(),
            }
        })?;
        write(&self.scenario_path, &scenario)?;
        // manifests and files
        for (name, f) in &self.plan.files {
            let path = self.manifests_dir.join(name);
            let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
            let text = if f.todo || !yaml {
                f.content.clone()
            } else {
                format!("# from {}\n{}", f.source, f.content)
            };
            write(&path, &text)?;
            summary.manifests.push(path);
        }
        // the post's outputs as first snapshots, normalised
        let ctx = redact::Context {
            namespace: String::new(),
            nodes: self.plan.nodes.iter().cloned().collect(),
            run_id: String::new(),
        };
        let names = redacted_namespaces(&self.plan.namespaces);
        let snap_dir = snapshot::dir_for(&self.scenario_path);
        for (name, body, line) in &snapshots {
            let f = SnapshotFile::new(
                &[
                    ("scenario", snapshot::repo_relative(&self.scenario_path)),
                    ("captured", format!("the post's output at line {line}")),
                    (
                        "source",
                        "kdrill import: review it against the first run".into(),
                    ),
                ],
                &redact::normalise(&redact::post_namespaces(body, &names), &ctx, &[]),
            );
            let p = snap_dir.join(format!("{name}.{}", snapshot::file::EXT));
            write(&p, &f.render())?;
            summary.snapshots.push(p);
        }
        summary.origins = self.origins(&step_of);
        summary.step_commands = step_of.iter().map(|(&(c, _), &n)| (n, c)).collect();
        summary.namespaces = self.plan.namespaces.clone();
        summary.nodes = self.plan.nodes.clone();
        let (md, todos) = self.report(&snapshots, &host_commands)?;
        summary.todos = todos;
        write(&self.scenario_path.with_file_name("IMPORT.md"), &md)?;
        Ok(summary)
    }

    /// Where the draft's run prints each output of the post (check imports only).
    pub(super) fn origins(&self, step_of: &BTreeMap<(usize, usize), usize>) -> Vec<Origin> {
        use translate::Capture;
        let mut out = Vec::new();
        for (&command, capture) in &self.plan.captures {
            // the same command run elsewhere: its capture
            let mut at = command;
            let mut cap = capture;
            let mut hops = 0;
            while let Capture::SameAs(o) = cap {
                match self.plan.captures.get(o) {
                    Some(next) if hops < 8 => {
                        at = *o;
                        cap = next;
                        hops += 1;
                    }
                    _ => break,
                }
            }
            let printed = match cap {
                Capture::Emit {
                    emit,
                    name,
                    stderr,
                    dry_run,
                } => match step_of.get(&(at, *emit)) {
                    Some(&step) => Printed::Step {
                        step,
                        name: name.clone(),
                        stderr: stderr.clone(),
                        dry_run: *dry_run,
                    },
                    None => Printed::NotChecked("its step is not in the draft".into()),
                },
                Capture::SameAs(o) => Printed::NotChecked(format!(
                    "the same command as line {}, which prints nothing there",
                    self.t.commands[*o].line
                )),
                Capture::NotChecked(why) => Printed::NotChecked(why.clone()),
            };
            out.push(Origin { command, printed });
        }
        out
    }
}

/// The post's namespaces and what a normalised run output calls them: `default` (run
/// as the scenario's own) → `[NAMESPACE]`, `shop` (`${NAMESPACE}-shop`) →
/// `[NAMESPACE]-shop`; for [`redact::post_namespaces`].
pub fn redacted_namespaces(namespaces: &BTreeMap<String, String>) -> Vec<(String, String)> {
    namespaces
        .iter()
        .map(|(ns, m)| {
            let with = if m.is_empty() {
                "[NAMESPACE]".to_string()
            } else {
                m.replace("${NAMESPACE}", "[NAMESPACE]")
            };
            (ns.clone(), with)
        })
        .collect()
}
