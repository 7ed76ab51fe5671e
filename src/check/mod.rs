//! `kdrill check POST.md` and `kdrill refresh POST.md`: keep a tutorial true.
//!
//! A check imports the post as `kdrill run --from-markdown` does (one import), with
//! every output the post shows captured by a step of the draft
//! ([`crate::import::import_for_check`]), runs it once in a fresh namespace, and
//! compares each output with what the cluster printed ([`compare`]). A refresh then
//! rewrites, in place, only the outputs whose meaning changed ([`rewrite`]). What a
//! post says about how it is checked is in its settings ([`settings`]).
//!
//! This module is the judgement, without a cluster: which outputs the post shows, how
//! the run prints each, the verdict per output, the refreshed post. The command that
//! runs it against a cluster is `commands::check`.

pub mod compare;
pub mod report;
pub mod rewrite;
pub mod settings;

use crate::import::transcript::Transcript;
use crate::import::{Origin, Printed};
use compare::Norm;
use rewrite::{NewLine, Replacement};
use std::collections::{BTreeMap, BTreeSet};

/// One output the post shows: the command that printed it, and where it is.
#[derive(Debug, Clone)]
pub struct PostOutput {
    /// The command (an index into the transcript's commands).
    pub command: usize,
    /// The command's post line and text.
    pub line: usize,
    pub text: String,
    /// The post lines of the output, in order.
    pub lines: Vec<usize>,
    /// Its runs of consecutive lines: (block index, first, last). More than one when
    /// the author cut it (`...`) or showed it in pieces.
    pub segments: Vec<(usize, usize, usize)>,
    /// How a run prints it.
    pub printed: Printed,
}

impl PostOutput {
    /// `110-111`, `110`, or `110-111, 113` for a cut output.
    pub fn span(&self) -> String {
        self.segments
            .iter()
            .map(|(_, a, z)| {
                if a == z {
                    a.to_string()
                } else {
                    format!("{a}-{z}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The first line of the output, as the summary names it.
    pub fn first_line(&self) -> usize {
        self.lines.first().copied().unwrap_or(self.line)
    }
}

/// The outputs of a post read for a check, in the order they appear, with how the
/// run prints each; the settings' `skip:` marks some not checked.
pub fn outputs(t: &Transcript, origins: &[Origin], skips: &[settings::Skip]) -> Vec<PostOutput> {
    let block_of = |n: usize| {
        t.blocks
            .iter()
            .position(|b| b.lines.is_some_and(|(a, z)| a <= n && n <= z))
            .unwrap_or(0)
    };
    let mut out: Vec<PostOutput> = Vec::new();
    // how often each skip's command was seen, for `occurrence:`
    let mut seen = vec![0; skips.len()];
    for o in origins {
        let c = &t.commands[o.command];
        if c.output.is_empty() {
            continue;
        }
        let mut segments: Vec<(usize, usize, usize)> = Vec::new();
        for &n in &c.output {
            let b = block_of(n);
            match segments.last_mut() {
                Some((sb, _, z)) if *sb == b && *z + 1 == n => *z = n,
                _ => segments.push((b, n, n)),
            }
        }
        // every skip that names it counts it, the first that applies wins
        let mut skipped = None;
        for (k, s) in skips.iter().enumerate() {
            if s.names(&c.text, c.line, &c.output) {
                seen[k] += 1;
                if skipped.is_none() && s.occurrence.is_none_or(|n| n == seen[k]) {
                    skipped = Some(s);
                }
            }
        }
        out.push(PostOutput {
            command: o.command,
            line: c.line,
            text: c.text.clone(),
            lines: c.output.clone(),
            segments,
            printed: match skipped {
                Some(s) => {
                    Printed::NotChecked(format!("skipped by the post's settings: {}", s.reason))
                }
                None => o.printed.clone(),
            },
        });
    }
    out.sort_by_key(PostOutput::first_line);
    out
}

/// What a run of the draft gave the check.
#[derive(Debug, Clone, Default)]
pub struct RunOutputs {
    /// Captured text by snapshot name, as the step printed it.
    pub captured: BTreeMap<String, String>,
    /// Steps that failed (and were not allowed to), with why.
    pub failed: BTreeMap<usize, String>,
    /// Steps that failed but were allowed to (a check's reads), with why.
    pub tolerated: BTreeMap<usize, String>,
}

/// The verdict on one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Matched,
    /// The meaning changed: the diff, and the lines a refresh writes (None when the
    /// output is cut into pieces and cannot be rewritten as a whole).
    Differs {
        diff: String,
        lines: Option<Vec<NewLine>>,
    },
    NotChecked(String),
}

/// An output and its verdict.
#[derive(Debug, Clone)]
pub struct Judged {
    pub output: PostOutput,
    pub verdict: Verdict,
}

/// Compare each output of the post with what the run printed.
pub fn judge(
    t: &Transcript,
    outputs: &[PostOutput],
    run: &RunOutputs,
    norm: &Norm,
    colour: bool,
) -> Vec<Judged> {
    let first_failure = run.failed.keys().next().copied();
    outputs
        .iter()
        .map(|o| {
            let verdict = match &o.printed {
                Printed::NotChecked(why) => Verdict::NotChecked(why.clone()),
                Printed::Step {
                    step,
                    name,
                    stderr,
                    dry_run,
                } => {
                    let out = run.captured.get(name);
                    let err = stderr.as_ref().and_then(|e| run.captured.get(e));
                    match (out, err) {
                        (None, None) => {
                            Verdict::NotChecked(match (run.failed.get(step), first_failure) {
                                (Some(why), _) => format!("its step ({step}) failed: {why}"),
                                (None, _) if run.tolerated.contains_key(step) => {
                                    format!("its step ({step}) failed: {}", run.tolerated[step])
                                }
                                (None, Some(f)) if f < *step => {
                                    format!("not run: step {f} failed before it")
                                }
                                _ => format!("its step ({step}) printed nothing"),
                            })
                        }
                        (out, err) => {
                            let text = match out {
                                Some(s) if !s.trim().is_empty() => s.clone(),
                                _ => err.cloned().unwrap_or_default(),
                            };
                            let text = if *dry_run {
                                compare::without_dry_run(&text)
                            } else {
                                text
                            };
                            compare_one(t, o, &text, norm, colour)
                        }
                    }
                }
            };
            Judged {
                output: o.clone(),
                verdict,
            }
        })
        .collect()
}

/// One output against the cluster's text.
fn compare_one(
    t: &Transcript,
    o: &PostOutput,
    cluster: &str,
    norm: &Norm,
    colour: bool,
) -> Verdict {
    let texts: Vec<String> = o
        .lines
        .iter()
        .map(|n| t.texts.get(n).cloned().unwrap_or_default())
        .collect();
    let post = norm.post(&texts);
    let cluster = norm.cluster(cluster);
    let lens: Vec<usize> = o.segments.iter().map(|(_, a, z)| z - a + 1).collect();
    if compare::same_meaning(&post, &cluster, &lens) {
        return Verdict::Matched;
    }
    let diff = compare::diff(&post, &cluster, colour);
    let lines = (o.segments.len() == 1).then(|| compare::merge(norm, &post, &o.lines, &cluster));
    Verdict::Differs { diff, lines }
}

/// The post with every output that differs, and can be rewritten, replaced in place.
pub fn refreshed(
    post: &str,
    t: &Transcript,
    judged: &[Judged],
) -> Result<String, rewrite::RewriteError> {
    let mut runs = Vec::new();
    for j in judged {
        if let Verdict::Differs {
            lines: Some(lines), ..
        } = &j.verdict
        {
            let Some(&(b, first, last)) = j.output.segments.first() else {
                continue;
            };
            runs.push(Replacement {
                block: t.blocks[b].clone(),
                first,
                last,
                lines: lines.clone(),
            });
        }
    }
    rewrite::rewrite(post, &runs)
}

/// The counts of a check, as its summary says them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub outputs: usize,
    pub checked: usize,
    pub matched: usize,
    pub differed: usize,
    pub not_checked: usize,
}

pub fn counts(judged: &[Judged]) -> Counts {
    let mut c = Counts {
        outputs: judged.len(),
        ..Counts::default()
    };
    for j in judged {
        match j.verdict {
            Verdict::Matched => c.matched += 1,
            Verdict::Differs { .. } => c.differed += 1,
            Verdict::NotChecked(_) => c.not_checked += 1,
        }
    }
    c.checked = c.matched + c.differed;
    c
}

/// The normalisation of a check: the post's namespaces and nodes (from the import),
/// the run's (namespace, nodes, id), and the settings' rules.
pub fn norm(
    post_namespaces: &BTreeMap<String, String>,
    post_nodes: &BTreeSet<String>,
    shown: &str,
    run: crate::snapshot::redact::Context,
    rules: Vec<crate::snapshot::redact::RedactRule>,
) -> Norm {
    let names = crate::import::draft::redacted_namespaces(post_namespaces);
    let mut back: Vec<(String, String)> = post_namespaces
        .iter()
        .map(|(ns, m)| {
            let actual = if m.is_empty() {
                run.namespace.clone()
            } else {
                m.replace("${NAMESPACE}", &run.namespace)
            };
            (actual, ns.clone())
        })
        .filter(|(a, _)| !a.is_empty())
        .collect();
    back.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
    // the node the post shows, when it shows one and the cluster has one
    let word = |n: &str| {
        regex::Regex::new(&format!(r"\b{}\b", regex::escape(n))).is_ok_and(|re| re.is_match(shown))
    };
    let seen: Vec<&String> = post_nodes.iter().filter(|n| word(n)).collect();
    let back_node = match (seen.as_slice(), run.nodes.as_slice()) {
        ([p], [c]) if *p != c => Some((c.clone(), (*p).clone())),
        _ => None,
    };
    Norm {
        post_namespaces: names,
        post_nodes: post_nodes.iter().cloned().collect(),
        run,
        rules,
        back_namespaces: back,
        back_node,
    }
}

#[cfg(test)]
mod tests;
