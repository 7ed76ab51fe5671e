//! `kdrill check POST.md` and `kdrill refresh POST.md`: one import of the post (with
//! every output it shows captured), one run of the draft through the run machinery
//! of `kdrill run` (the same cluster allow-list, fresh namespace and cleanup), then
//! the judgement of `crate::check`. `refresh` writes the post back in place.

use super::run::{execute, options, Ran, Run};
use super::{colour_wanted, exit, load_all, print_errors, read_post, RemoveOnDrop};
use crate::check::report::{CheckReport, RunFailure};
use crate::check::{self, settings, Judged, Verdict};
use crate::cli::{CheckArgs, RefreshArgs};
use crate::import::transcript::Transcript;
use crate::report::human::Verbosity;
use crate::snapshot::{self, UpdateMode};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// What a check leaves for `refresh`: the post as read, and the verdicts.
struct Checked {
    text: String,
    transcript: Transcript,
    report: CheckReport,
    /// Waits of the run that timed out (allowed in a check), other than those of an
    /// output that differs: what the run printed after them may be a passing state,
    /// not one to write into the post.
    waits_failed: Vec<String>,
}

pub async fn check(args: &CheckArgs) -> u8 {
    let colour = colour_wanted();
    match checked(args).await {
        Ok(c) => {
            print!("{}", c.report.render(colour));
            c.report.exit_code()
        }
        Err(code) => code,
    }
}

pub async fn refresh(args: &RefreshArgs) -> u8 {
    let colour = colour_wanted();
    let c = match checked(&args.check).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    print!("{}", c.report.render(colour));
    if !c.report.failures.is_empty() {
        eprintln!(
            "kdrill refresh: the post no longer runs as written; nothing was rewritten (fix the commands first)"
        );
        return exit::FAILED;
    }
    if !c.waits_failed.is_empty() {
        for w in &c.waits_failed {
            eprintln!("kdrill refresh: {w}");
        }
        eprintln!(
            "kdrill refresh: the cluster did not reach a state the post waits for, so what it printed may be passing; nothing was rewritten (run it again, or check the cluster)"
        );
        return exit::FAILED;
    }
    let new = match check::refreshed(&c.text, &c.transcript, &c.report.judged) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: kdrill refresh: {e}; the post was left as it was (a bug of kdrill: please report it)");
            return exit::FAILED;
        }
    };
    let uncut = |j: &&Judged| matches!(&j.verdict, Verdict::Differs { lines: Some(_), .. });
    let rewritable = c.report.judged.iter().filter(uncut).count();
    let left = c.report.counts().differed - rewritable;
    if new == c.text {
        println!(
            "kdrill refresh: nothing to rewrite in {}",
            args.check.post.display()
        );
        return if left > 0 { exit::FAILED } else { exit::OK };
    }
    let name = args.check.post.display().to_string();
    print!(
        "\n{}",
        crate::diff::unified(&c.text, &new, &name, &format!("{name} (refreshed)"), colour)
    );
    if args.dry_run {
        println!("kdrill refresh --dry-run: {rewritable} output(s) would be rewritten; nothing was written");
        return exit::FAILED;
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("kdrill refresh: not on a terminal, so nothing was written: --yes writes, --dry-run only shows");
            return exit::USAGE;
        }
        print!("Rewrite {rewritable} output(s) in {name}? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err()
            || !matches!(answer.trim(), "y" | "Y" | "yes")
        {
            println!("kdrill refresh: nothing was written");
            return exit::FAILED;
        }
    }
    if let Err(e) = write_in_place(&args.check.post, &new) {
        eprintln!("error: cannot write {name}: {e}");
        return exit::USAGE;
    }
    println!("kdrill refresh: rewrote {rewritable} output(s) in {name}");
    if left > 0 {
        println!(
            "kdrill refresh: {left} output(s) shown in pieces still differ: edit them by hand"
        );
        return exit::FAILED;
    }
    exit::OK
}

/// Replace the post's file with `text` in one step (a new file renamed over it, with
/// the old one's permissions), so an interrupted refresh never leaves half a post.
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = path
        .file_name()
        .map_or("post".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{file}.kdrill-refresh"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Import, run, judge. Err is the exit code, after saying why.
async fn checked(args: &CheckArgs) -> Result<Checked, u8> {
    let (text, name, stem) = read_post(&args.post).map_err(|e| {
        eprintln!("error: {e:#}");
        exit::USAGE
    })?;
    let (settings, _) = settings::load(&args.post, &text).map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })?;
    // text only kubectl prints comes from the user's kubectl, or is not checked
    let kubectl = crate::host::can_run("kubectl");
    let root = std::env::temp_dir().join(format!("kdrill-check-{}", crate::executor::new_run_id()));
    let _draft = RemoveOnDrop(root.clone());
    let out = root.join("scenarios").join(&stem);
    let (summary, transcript) = crate::import::import_for_check(&name, &text, &out, kubectl)
        .map_err(|e| {
            eprintln!("error: {e}");
            eprintln!("kdrill check: kdrill cannot run this post");
            exit::USAGE
        })?;
    // what the post links instead of showing, from where its settings say
    let manifests = out.join("manifests");
    for (file, from) in &settings.files {
        let to = manifests.join(file);
        if !to.is_file() {
            eprintln!("error: the settings of {} name `{file}` under files:, but the draft has no such file (IMPORT.md lists them)", args.post.display());
            return Err(exit::USAGE);
        }
        if let Err(e) = std::fs::copy(from, &to) {
            eprintln!("error: cannot copy {} into the draft: {e}", from.display());
            return Err(exit::USAGE);
        }
    }
    let outputs = check::outputs(&transcript, &summary.origins, &settings.skip);
    let post = args.post.display().to_string();
    let checkable = outputs
        .iter()
        .any(|o| matches!(o.printed, crate::import::Printed::Step { .. }));
    if !checkable {
        // nothing to compare: say why for every output, and what the import could not do
        let report = CheckReport {
            post: post.clone(),
            judged: outputs
                .into_iter()
                .map(|o| Judged {
                    verdict: match &o.printed {
                        crate::import::Printed::NotChecked(why) => Verdict::NotChecked(why.clone()),
                        crate::import::Printed::Step { .. } => Verdict::NotChecked(String::new()),
                    },
                    output: o,
                })
                .collect(),
            failures: Vec::new(),
        };
        print!("{}", report.render(colour_wanted()));
        for t in &summary.todos {
            eprintln!("  to do: {t}");
        }
        eprintln!("kdrill check: nothing in {post} can be checked: kdrill cannot run it");
        return Err(exit::USAGE);
    }
    let (scenarios, errors) = load_all(std::slice::from_ref(&out));
    if !errors.is_empty() {
        print_errors(&errors);
        eprintln!("kdrill check: the draft of {post} does not load (a bug of kdrill import: please report it with the post)");
        return Err(exit::USAGE);
    }
    let project = crate::config::load().map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })?;
    let mut cluster = args.cluster.clone();
    if cluster.context.is_none() {
        cluster.context = settings.context.clone();
    }
    let opts = options(
        &project.config.defaults,
        args.namespace.clone().or(settings.namespace.clone()),
        args.timeout,
        snapshot::Settings {
            mode: UpdateMode::Capture,
            ci: false,
            colour: colour_wanted(),
        },
    );
    let run = Run {
        cluster: &cluster,
        project: &project.config,
        opts,
        sets: BTreeMap::new(),
        read_only: false,
        // the run's own progress only when asked: the check's report is what matters
        verbosity: if args.output.verbose {
            Verbosity::Normal
        } else {
            Verbosity::Quiet
        },
        stop: None,
    };
    let Ran {
        report,
        stop,
        nodes,
        ..
    } = execute(run, scenarios).await?;
    if let Some(code) = stop.exit_code() {
        eprintln!("kdrill check: the run was stopped; nothing was judged");
        return Err(code);
    }
    let Some(scenario) = report.scenarios.first() else {
        eprintln!("kdrill check: the draft of {post} did not run");
        return Err(exit::FAILED);
    };
    let mut run_outputs = check::RunOutputs::default();
    let mut failures = Vec::new();
    let mut waits_failed = Vec::new();
    for s in &scenario.steps {
        if let crate::executor::event::StepResult::Tolerated(f) = &s.result {
            run_outputs.tolerated.insert(s.number, f.message.clone());
            if s.label.starts_with("wait ") {
                let text = format!("step {} `{}`: {}", s.number, s.label, f.message);
                waits_failed.push((s.number, text));
            }
        }
        if let crate::executor::event::StepResult::Failed(f) = &s.result {
            run_outputs.failed.insert(s.number, f.message.clone());
            let command = summary.step_commands.get(&s.number).map(|&c| {
                let c = &transcript.commands[c];
                (c.line, c.text.clone())
            });
            failures.push(RunFailure {
                step: s.number,
                command,
                message: f.message.clone(),
            });
        }
    }
    run_outputs.captured = captured(&snapshot::dir_for(&summary.scenario));
    let namespace = scenario.namespace.clone().unwrap_or_default();
    let norm = check::norm(
        &summary.namespaces,
        &summary.nodes,
        &text,
        crate::snapshot::redact::Context {
            namespace,
            nodes,
            run_id: report.run_id.clone(),
        },
        settings.redact.clone(),
    );
    let judged = check::judge(&transcript, &outputs, &run_outputs, &norm, colour_wanted());
    // a wait the import learned from an output that differs fails with it: expected
    let differing: std::collections::BTreeSet<usize> = judged
        .iter()
        .filter(|j| matches!(j.verdict, Verdict::Differs { .. }))
        .map(|j| j.output.command)
        .collect();
    let waits_failed: Vec<String> = waits_failed
        .into_iter()
        .filter(|(step, _)| {
            summary
                .step_commands
                .get(step)
                .is_none_or(|c| !differing.contains(c))
        })
        .map(|(_, text)| text)
        .collect();
    Ok(Checked {
        text,
        transcript,
        report: CheckReport {
            post,
            judged,
            failures,
        },
        waits_failed,
    })
}

/// What the run captured ([`UpdateMode::Capture`]), by snapshot name.
fn captured(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some(snapshot::CAPTURED_EXT) {
            continue;
        }
        let Some(name) = p.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(&p) {
            out.insert(name, text);
        }
    }
    out
}
