//! `kdrill run --watch`: one run of everything, then a rerun of exactly the
//! scenarios whose files changed, on every save, until Ctrl-C. Each rerun is an
//! ordinary run (same output, reports, cleanup); what a scenario reads and what
//! counts as a change is [`crate::watch`].

use super::run::run_once;
use super::{exit, load_all, print_errors};
use crate::cli::RunArgs;
use crate::report::ReportTarget;
use crate::scenario::Scenario;
use crate::stop::{Reason, Signal, Stop};
use crate::watch::{absolute, Watcher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tokio_util::sync::CancellationToken;

/// The signals of a whole watch session. The first one ends the session: the
/// rerun in progress stops and cleans up as any run does (between runs there is
/// nothing to clean up); a second one hurries that cleanup and, 5 s later, exits.
#[derive(Default)]
struct Session {
    /// The stop of the run in progress.
    current: Mutex<Option<Arc<Stop>>>,
    ended: CancellationToken,
    signal: OnceLock<Signal>,
}

impl Session {
    fn exit_code(&self) -> u8 {
        self.signal
            .get()
            .map_or(exit::INTERRUPTED, |s| s.exit_code())
    }

    /// A run under this session; None once the session has ended.
    fn start_run(&self) -> Option<Arc<Stop>> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if self.ended.is_cancelled() {
            return None;
        }
        let stop = Arc::new(Stop::default());
        *current = Some(Arc::clone(&stop));
        Some(stop)
    }

    fn end_run(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn watch_signals(session: Arc<Session>) {
    tokio::spawn(async move {
        let Some(mut signals) = crate::stop::Signals::listen() else {
            return;
        };
        let mut count = 0;
        loop {
            let sig = signals.next().await;
            count += 1;
            let current = {
                let current = session.current.lock().unwrap_or_else(|e| e.into_inner());
                let _ = session.signal.set(sig);
                session.ended.cancel();
                current.clone()
            };
            let Some(stop) = current else {
                eprintln!("kdrill: {}: stopped watching", sig.name());
                continue;
            };
            if count == 1 {
                eprintln!("kdrill: {}: stopping, cleaning up (a second signal stops waiting for deletions)", sig.name());
                stop.request(Reason::Signal(sig));
                continue;
            }
            eprintln!("kdrill: {} again: deletions are sent but not waited for; `kdrill clean` removes what is left", sig.name());
            stop.hurry();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                eprintln!("kdrill: stopped without finishing cleanup; `kdrill clean` removes what is left");
                crate::host::kill_all();
                std::process::exit(i32::from(sig.exit_code()));
            });
        }
    });
}

pub async fn watch(args: &RunArgs) -> u8 {
    // kdrill's own outputs never count as changes
    let mut ignored: Vec<PathBuf> = args
        .report
        .iter()
        .filter_map(|r| match r {
            ReportTarget::Junit(p) | ReportTarget::Json(p) | ReportTarget::Html(p) => {
                Some(p.clone())
            }
            ReportTarget::ConfigMap(..) => None,
        })
        .collect();
    ignored.extend(args.artifacts.clone());
    // the record --rerun-failed reads, rewritten by every run
    ignored.push(crate::rerun::last_run_path());
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
    let session = Arc::new(Session::default());
    watch_signals(Arc::clone(&session));
    // the run prints what does not load
    let (mut current, _) = selected(args);
    warn(watcher.track(&current));
    let code = match rerun(args, None, &session).await {
        Some(code) => code,
        None => return session.exit_code(),
    };
    if code == exit::CLUSTER {
        // an unreachable or refused cluster will not be fixed by editing scenarios
        return code;
    }
    watcher.after_run();
    waiting(&watcher, current.len());
    loop {
        let batch = tokio::select! {
            b = watcher.next_batch() => b,
            _ = session.ended.cancelled() => return session.exit_code(),
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        let (scenarios, load_errors) = selected(args);
        let (files, rerun_files, errors) = watcher.changed(&batch, &scenarios);
        current = scenarios;
        warn(errors);
        if rerun_files.is_empty() {
            // a file that does not load any more: say why (a run would too)
            print_errors(&load_errors);
            continue;
        }
        let names: Vec<&str> = current
            .iter()
            .filter(|s| rerun_files.contains(&s.file))
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
        if rerun(args, Some(&rerun_files), &session).await.is_none() {
            return session.exit_code();
        }
        watcher.after_run();
        waiting(&watcher, current.len());
    }
}

/// One run under the session; None when a signal ended the session (before or
/// during the run: its cleanup has run).
async fn rerun(
    args: &RunArgs,
    only: Option<&std::collections::BTreeSet<PathBuf>>,
    session: &Session,
) -> Option<u8> {
    let stop = session.start_run()?;
    let code = run_once(args, only, Some(stop)).await;
    session.end_run();
    (!session.ended.is_cancelled()).then_some(code)
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
