//! The importer measured on the tutorial corpus (issue 15): every line of every code
//! block of every corpus post, as the importer reads it, compared with the answer key
//! (`tests/fixtures/tutorials/NAME.key.yaml`, format in the corpus README).
//!
//! ```sh
//! cargo test --test import_corpus -- --nocapture              # the corpus table
//! IMPORT_CORPUS_DETAIL=NAME cargo test --test import_corpus -- --nocapture   # every difference in NAME
//! ```
//!
//! The table: commands the key has and the importer found (at the same line), what
//! the importer made of them (native steps, host commands, TODOs, nothing), output
//! lines the importer took for commands (must be 0), lines it left unaccounted for
//! (must be 0), commands it makes runnable where the key says they are not, and per
//! kubectl verb the share of the commands the key translates natively that the
//! importer translates natively.

mod corpus;

use corpus::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the importer says a line is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Command {
        text: String,
        program: String,
        verb: Option<String>,
        /// None: the workstation; Some(line): the shell the command at that line opened
        shell_of: Option<usize>,
        same_as: Option<usize>,
    },
    Continuation(usize),
    Output(usize),
    Heredoc(usize),
    Manifest,
    File,
    Comment,
    Blank,
    Prompt,
    Text,
}

impl Got {
    fn role(&self) -> &'static str {
        match self {
            Got::Command { shell_of: None, .. } => "command",
            Got::Command { .. } => "shell-command",
            Got::Continuation(_) => "continuation",
            Got::Output(_) => "output",
            Got::Heredoc(_) => "heredoc",
            Got::Manifest => "manifest",
            Got::File => "file",
            Got::Comment => "comment",
            Got::Blank => "blank",
            Got::Prompt => "prompt",
            Got::Text => "text",
        }
    }
}

fn key_role(r: Role) -> &'static str {
    match r {
        Role::Command => "command",
        Role::ContainerShell | Role::NodeShell => "shell-command",
        Role::Continuation => "continuation",
        Role::Output => "output",
        Role::Heredoc => "heredoc",
        Role::Manifest => "manifest",
        Role::File => "file",
        Role::Comment => "comment",
        Role::Blank => "blank",
        Role::Prompt => "prompt",
        Role::Text => "text",
    }
}

/// How the importer runs a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ran {
    /// A native step of this kind (`apply`, `get`, ...).
    Native(&'static str),
    Host,
    Todo,
    None,
}

/// A post as one importer reads it.
#[derive(Default)]
struct Analysis {
    lines: BTreeMap<usize, Got>,
    /// The command at a line: how it runs (every step it became, in order).
    runs: BTreeMap<usize, Vec<Ran>>,
}

/// The importer of this branch: the transcript grammar and the translation.
fn grammar(post: &str) -> Analysis {
    use kdrill::import::transcript::{self, Role as R, Shell};
    use kdrill::import::translate::{self, Outcome};
    let t = transcript::read(post);
    let mut a = Analysis::default();
    let line_of = |c: usize| t.commands[c].line;
    for (&n, &r) in &t.roles {
        let g = match r {
            R::Command(c) => {
                let cmd = &t.commands[c];
                Got::Command {
                    text: cmd.text.clone(),
                    program: cmd.program(),
                    verb: cmd.main_kubectl().map(|k| k.verb),
                    shell_of: match cmd.shell {
                        Shell::Workstation => None,
                        Shell::Container(o) | Shell::Node(o) => Some(line_of(o)),
                    },
                    same_as: cmd.same_as.map(line_of),
                }
            }
            R::Continuation(c) => Got::Continuation(line_of(c)),
            R::Output(c) => Got::Output(line_of(c)),
            R::Heredoc(c) => Got::Heredoc(line_of(c)),
            R::Manifest(_) => Got::Manifest,
            R::File => Got::File,
            R::Comment => Got::Comment,
            R::Blank => Got::Blank,
            R::Prompt => Got::Prompt,
            R::Text => Got::Text,
        };
        a.lines.insert(n, g);
    }
    let plan = translate::plan(&t);
    for e in &plan.entries {
        let ran: Vec<Ran> = match &e.outcome {
            Outcome::Steps(steps) => steps
                .iter()
                .map(|s| {
                    if s.host {
                        Ran::Host
                    } else {
                        Ran::Native(s.step.action.keyword())
                    }
                })
                .collect(),
            Outcome::Todo(_) => vec![Ran::Todo],
            Outcome::Nothing(_) | Outcome::SameAs(_) => vec![Ran::None],
        };
        a.runs.insert(t.commands[e.command].line, ran);
    }
    a
}

#[derive(Default, Clone)]
struct Score {
    code_lines: usize,
    key_commands: usize,
    found: usize,
    native: usize,
    host: usize,
    todo: usize,
    none: usize,
    outputs_as_commands: usize,
    others_as_commands: usize,
    unaccounted: usize,
    role_differs: usize,
    of_differs: usize,
    text_differs: usize,
    program_differs: usize,
    missed: usize,
    runnable_not_in_key: usize,
    /// verb -> (native in the key, native by the importer)
    per_verb: BTreeMap<String, (usize, usize)>,
    kubectl_native_key: usize,
    kubectl_native_got: usize,
    details: Vec<String>,
}

fn score(f: &Fixture, a: &Analysis) -> Score {
    let mut s = Score::default();
    let labels = f.labels();
    let post_lines: Vec<&str> = f.post.lines().collect();
    let at = |n: usize| post_lines.get(n - 1).copied().unwrap_or("");
    for kb in &f.key.blocks {
        for l in &kb.labels {
            let Ok((first, last)) = l.span() else {
                continue;
            };
            for n in first..=last {
                s.code_lines += 1;
                let got = a.lines.get(&n);
                let want = key_role(l.role);
                let Some(got) = got else {
                    s.unaccounted += 1;
                    s.details
                        .push(format!("{n}: unaccounted for (key: {want}) | {}", at(n)));
                    continue;
                };
                if l.role.is_command() {
                    s.key_commands += 1;
                }
                let got_command = matches!(got, Got::Command { .. });
                if got_command && !l.role.is_command() {
                    if l.role == Role::Output {
                        s.outputs_as_commands += 1;
                    } else {
                        s.others_as_commands += 1;
                    }
                    s.details
                        .push(format!("{n}: {want} taken as a command | {}", at(n)));
                    continue;
                }
                if got.role() != want {
                    s.role_differs += 1;
                    s.details
                        .push(format!("{n}: {} (key: {want}) | {}", got.role(), at(n)));
                    continue;
                }
                let key_of = l.of;
                match got {
                    Got::Output(o) | Got::Continuation(o) | Got::Heredoc(o)
                        if Some(*o) != key_of && n == first =>
                    {
                        s.of_differs += 1;
                        s.details.push(format!(
                            "{n}: {want} of {o} (key: of {key_of:?}) | {}",
                            at(n)
                        ));
                    }
                    Got::Command {
                        text,
                        same_as,
                        shell_of,
                        program,
                        verb,
                    } => {
                        s.found += 1;
                        let key_program = l.program.clone().unwrap_or_default();
                        if l.role == Role::Command && (key_program != *program || l.verb != *verb) {
                            s.program_differs += 1;
                            s.details.push(format!(
                                "{n}: program {program:?} verb {verb:?} (key: {key_program:?} {:?})",
                                l.verb
                            ));
                        }
                        if l.text.as_deref().map(words) != Some(words(text)) {
                            s.text_differs += 1;
                            s.details.push(format!(
                                "{n}: text {text:?} (key: {:?})",
                                l.text.as_deref().unwrap_or("")
                            ));
                        }
                        if l.role != Role::Command && *shell_of != l.of {
                            s.details.push(format!(
                                "{n}: typed in the shell of {shell_of:?} (key: {:?})",
                                l.of
                            ));
                        }
                        if *same_as != l.same_as {
                            s.details
                                .push(format!("{n}: same as {same_as:?} (key: {:?})", l.same_as));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    // what the importer runs, for the commands the key counts
    for (&n, l) in &labels {
        if !l.role.is_command() || l.same_as.is_some() || l.alternative_to.is_some() {
            continue;
        }
        if f.key.prose.iter().any(|p| p.line == Some(n)) {
            continue;
        }
        if !matches!(a.lines.get(&n), Some(Got::Command { .. })) {
            s.missed += 1;
            continue;
        }
        let runs = a.runs.get(&n).cloned().unwrap_or_default();
        let native = runs.iter().any(|r| matches!(r, Ran::Native(_)));
        let host = runs.contains(&Ran::Host);
        let todo = runs.contains(&Ran::Todo);
        if native {
            s.native += 1;
        } else if host {
            s.host += 1;
        } else if todo {
            s.todo += 1;
        } else {
            s.none += 1;
        }
        if (native || host) && matches!(l.run, Some(Run::Todo | Run::None)) {
            s.runnable_not_in_key += 1;
            s.details.push(format!(
                "{n}: runs {runs:?}, the key says {:?} ({:?}) | {}",
                l.run,
                l.todo,
                l.text.as_deref().unwrap_or("")
            ));
        }
        if l.program.as_deref() == Some("kubectl") && l.run == Some(Run::Native) {
            let v = l.verb.clone().unwrap_or_default();
            let e = s.per_verb.entry(v).or_default();
            e.0 += 1;
            s.kubectl_native_key += 1;
            if native {
                e.1 += 1;
                s.kubectl_native_got += 1;
            } else {
                s.details.push(format!(
                    "{n}: runs {runs:?}, the key says native {:?} | {}",
                    l.step,
                    l.text.as_deref().unwrap_or("")
                ));
            }
        }
    }
    s
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.0}%", 100.0 * a as f64 / b as f64)
    }
}

#[test]
fn the_importer_reads_the_corpus_as_the_keys_do() {
    let analyse: fn(&str) -> Analysis = grammar;
    let detail = std::env::var("IMPORT_CORPUS_DETAIL").unwrap_or_default();
    let mut table = String::from(
        "| fixture | code lines | key commands | found | missed | native | host | todo | nothing | output lines as commands | other lines as commands | unaccounted | role differs | of differs | text differs | program/verb differs | runnable, key says not | kubectl native |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut total = Score::default();
    let mut failures = String::new();
    for k in corpus() {
        let f = match load(&k) {
            Ok(f) => f,
            Err(e) => {
                let _ = writeln!(failures, "{e}");
                continue;
            }
        };
        let a = analyse(&f.post);
        let s = score(&f, &a);
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.name,
            s.code_lines,
            s.key_commands,
            s.found,
            s.missed,
            s.native,
            s.host,
            s.todo,
            s.none,
            s.outputs_as_commands,
            s.others_as_commands,
            s.unaccounted,
            s.role_differs,
            s.of_differs,
            s.text_differs,
            s.program_differs,
            s.runnable_not_in_key,
            pct(s.kubectl_native_got, s.kubectl_native_key)
        );
        if detail == f.name || detail == "all" {
            println!("== {}", f.name);
            for d in &s.details {
                println!("  {d}");
            }
        }
        total.code_lines += s.code_lines;
        total.key_commands += s.key_commands;
        total.found += s.found;
        total.missed += s.missed;
        total.program_differs += s.program_differs;
        total.native += s.native;
        total.host += s.host;
        total.todo += s.todo;
        total.none += s.none;
        total.outputs_as_commands += s.outputs_as_commands;
        total.others_as_commands += s.others_as_commands;
        total.unaccounted += s.unaccounted;
        total.role_differs += s.role_differs;
        total.of_differs += s.of_differs;
        total.text_differs += s.text_differs;
        total.runnable_not_in_key += s.runnable_not_in_key;
        total.kubectl_native_key += s.kubectl_native_key;
        total.kubectl_native_got += s.kubectl_native_got;
        for (v, (k, g)) in s.per_verb {
            let e = total.per_verb.entry(v).or_default();
            e.0 += k;
            e.1 += g;
        }
    }
    let _ = writeln!(
        table,
        "| **total** | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        total.code_lines,
        total.key_commands,
        total.found,
        total.missed,
        total.native,
        total.host,
        total.todo,
        total.none,
        total.outputs_as_commands,
        total.others_as_commands,
        total.unaccounted,
        total.role_differs,
        total.of_differs,
        total.text_differs,
        total.program_differs,
        total.runnable_not_in_key,
        pct(total.kubectl_native_got, total.kubectl_native_key)
    );
    table.push_str("\n| kubectl verb | native in the key | native by the importer | share |\n|---|---|---|---|\n");
    let mut low: BTreeSet<String> = BTreeSet::new();
    for (v, (k, g)) in &total.per_verb {
        let _ = writeln!(table, "| {v} | {k} | {g} | {} |", pct(*g, *k));
        if *k > 0 && g * 100 < k * 80 {
            low.insert(v.clone());
        }
    }
    println!("{table}");
    // issue 15's bar, and the keys line by line
    let mut bar = Vec::new();
    if total.outputs_as_commands + total.others_as_commands > 0 {
        bar.push(format!(
            "{} output lines and {} other lines taken as commands",
            total.outputs_as_commands, total.others_as_commands
        ));
    }
    if total.unaccounted + total.missed > 0 {
        bar.push(format!(
            "{} lines unaccounted for, {} commands missed",
            total.unaccounted, total.missed
        ));
    }
    if total.role_differs + total.of_differs + total.text_differs + total.program_differs > 0 {
        bar.push(format!(
            "roles {}, outputs' commands {}, texts {}, programs/verbs {} differ from the keys",
            total.role_differs, total.of_differs, total.text_differs, total.program_differs
        ));
    }
    if total.kubectl_native_got * 100 < total.kubectl_native_key * 90 {
        bar.push(format!(
            "{} of kubectl commands translated natively, fewer than 90%",
            pct(total.kubectl_native_got, total.kubectl_native_key)
        ));
    }
    if !low.is_empty() {
        bar.push(format!("verbs below 80% native: {low:?}"));
    }
    if total.runnable_not_in_key > 0 {
        bar.push(format!(
            "{} commands made runnable where the key says they are not",
            total.runnable_not_in_key
        ));
    }
    assert!(
        bar.is_empty() && failures.is_empty(),
        "{failures}{}\n(IMPORT_CORPUS_DETAIL=NAME shows every difference of a fixture)",
        bar.join("\n")
    );
}

/// Every corpus post imports into a draft that loads (the importer checks that itself),
/// whose host kubectl commands carry no context or namespace of their own but the
/// scenario's; posts with nothing to import are refused as usage errors.
#[test]
fn every_corpus_post_imports_to_a_draft_that_loads() {
    let mut problems = Vec::new();
    for k in corpus() {
        let f = load(&k).expect("fixture");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("scenarios").join(&f.name);
        let name = format!("{}.md", f.name);
        match kdrill::import::import(&name, &f.post, &out) {
            Ok(s) => {
                let text = std::fs::read_to_string(&s.scenario).expect("scenario");
                let report = std::fs::read_to_string(out.join("IMPORT.md")).expect("IMPORT.md");
                for line in text.lines() {
                    let t = line.trim();
                    let Some(run) = t.strip_prefix("run: ") else {
                        continue;
                    };
                    let run = run.trim_matches(|c| c == '\'' || c == '"');
                    if run.starts_with("kubectl") {
                        let words: Vec<&str> = run.split_whitespace().collect();
                        let own_ns = words.windows(2).any(|w| {
                            w[0] == "-n"
                                && !w[1].contains("NAMESPACE")
                                && !w[1].starts_with("kube-")
                        });
                        if run.contains("--context") || run.contains("--kubeconfig") || own_ns {
                            problems.push(format!(
                                "{}: a host kubectl not pinned to the scenario: {run}",
                                f.name
                            ));
                        }
                    }
                }
                if !report.contains("Every line of every code block is accounted for") {
                    problems.push(format!(
                        "{}: IMPORT.md does not account for every line",
                        f.name
                    ));
                }
            }
            Err(e) if e.is_usage() && f.key.blocks.iter().all(|b| b.labels.is_empty()) => {}
            Err(e) => problems.push(format!("{}: {e}", f.name)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Bad input gets a clear answer, never a panic: every prefix of every corpus post, and
/// every post with lines dropped here and there, is read with every code line accounted
/// for and translated without a panic.
#[test]
fn cut_and_mangled_posts_are_read_without_a_panic() {
    use kdrill::import::{transcript, translate};
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for k in corpus() {
        let f = load(&k).expect("fixture");
        let lines: Vec<&str> = f.post.lines().collect();
        // every prefix of short posts, every fifth of long ones
        let step = if lines.len() > 150 { 5 } else { 1 };
        let mut variants: Vec<String> = (0..lines.len())
            .step_by(step)
            .map(|n| lines[..n].join("\n"))
            .collect();
        for _ in 0..10 {
            let kept: Vec<&str> = lines.iter().copied().filter(|_| next() % 7 != 0).collect();
            variants.push(kept.join("\n"));
            // a line cut in the middle (of a quote, a fence, a prompt)
            let mut text = f.post.clone();
            let cut = (next() as usize) % text.len().max(1);
            let cut = (0..=cut)
                .rev()
                .find(|&c| text.is_char_boundary(c))
                .unwrap_or(0);
            text.truncate(cut);
            variants.push(text);
        }
        for v in &variants {
            let t = transcript::read(v);
            assert!(
                t.unaccounted().is_empty(),
                "{}: lines {:?} unaccounted in a variant:\n{v}",
                f.name,
                t.unaccounted()
            );
            let plan = translate::plan(&t);
            assert_eq!(
                plan.entries.len(),
                t.commands.len(),
                "{}: a command without an entry",
                f.name
            );
        }
    }
}
