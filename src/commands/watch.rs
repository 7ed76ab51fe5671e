//! `kdrill run --watch`: one run of everything, then a rerun of exactly the
//! scenarios whose files changed, on every save, until Ctrl-C. Each rerun is an
//! ordinary run (same output, reports, cleanup); what a scenario reads and what
//! counts as a change is [`crate::watch`].

use super::run::{run_once, watch_signals};
use super::{exit, load_all, print_errors};
use crate::cli::RunArgs;
use crate::report::ReportTarget;
use crate::scenario::Scenario;
use crate::watch::{absolute, Watcher};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

pub async fn watch(args: &RunArgs) -> u8 {
    // kdrill's own outputs never count as changes
    let mut ignored: Vec<PathBuf> = args
        .report
        .iter()
        .filter_map(|r| match r {
            ReportTarget::Junit(p) | ReportTarget::Json(p) => Some(p.clone()),
            ReportTarget::ConfigMap(..) => None,
        })
        .collect();
    ignored.extend(args.artifacts.clone());
    // a bad --filter or --selector is not fixed by editing scenarios
    if let Err(e) =
        crate::select::select(Vec::new(), args.filter.as_deref(), args.selector.as_deref())
    {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let mut watcher = match Watcher::start(&args.paths, &ignored) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let cancel = CancellationToken::new();
    watch_signals(cancel.clone());
    // the run prints what does not load
    let (mut current, _) = selected(args);
    warn(watcher.track(&current));
    let code = run_once(args, None, cancel.child_token()).await;
    if cancel.is_cancelled() {
        return exit::INTERRUPTED;
    }
    if code == exit::CLUSTER {
        // an unreachable or refused cluster will not be fixed by editing scenarios
        return code;
    }
    watcher.after_run();
    waiting(&watcher, current.len());
    loop {
        let batch = tokio::select! {
            b = watcher.next_batch() => b,
            _ = cancel.cancelled() => return exit::INTERRUPTED,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        let (scenarios, load_errors) = selected(args);
        let (files, rerun, errors) = watcher.changed(&batch, &scenarios);
        current = scenarios;
        warn(errors);
        if rerun.is_empty() {
            // a file that does not load any more: say why (a run would too)
            print_errors(&load_errors);
            continue;
        }
        let names: Vec<&str> = current
            .iter()
            .filter(|s| rerun.contains(&s.file))
            .map(|s| s.name.as_str())
            .collect();
        println!(
            "kdrill: changed: {}; rerunning {} scenario(s): {}",
            files
                .iter()
                .map(|f| shown(f))
                .collect::<Vec<_>>()
                .join(", "),
            names.len(),
            names.join(", ")
        );
        run_once(args, Some(&rerun), cancel.child_token()).await;
        if cancel.is_cancelled() {
            return exit::INTERRUPTED;
        }
        watcher.after_run();
        waiting(&watcher, current.len());
    }
}

/// The scenarios `run` would run now, and the errors of the files that do not load
/// (left out until they are fixed). --filter and --selector were checked first.
fn selected(args: &RunArgs) -> (Vec<Scenario>, Vec<crate::scenario::LoadError>) {
    let (scenarios, errors) = load_all(&args.paths);
    let scenarios =
        crate::select::select(scenarios, args.filter.as_deref(), args.selector.as_deref())
            .unwrap_or_default();
    (scenarios, errors)
}

fn waiting(watcher: &Watcher, scenarios: usize) {
    println!(
        "kdrill: watching {} file(s) and directories of {scenarios} scenario(s) for changes (Ctrl-C stops)",
        watcher.input_count()
    );
}

fn warn(errors: Vec<crate::watch::WatchError>) {
    for e in errors {
        eprintln!("kdrill: warning: {e}");
    }
}

/// A path relative to the working directory when it is below it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .map(|d| absolute(&d))
        .unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
