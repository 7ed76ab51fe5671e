//! `kdrill run`: options resolved from the command line and `.kdrill.yaml`, the
//! cluster connected and allowed, the executor started with a reporter, signals
//! turned into cancellation.

use super::convert::import_to_temp;
use super::{
    allowed, colour_wanted, connect, display_paths, exit, load_all, print_errors, RemoveOnDrop,
};
use crate::cli::RunArgs;
use crate::executor::Timed;
use crate::executor::{self, Executor, Options};
use crate::report::human::Verbosity;
use crate::report::{Display, ReportTarget, Reporter};
use crate::scenario::Scenario;
use crate::snapshot::{self, UpdateMode};
use crate::steps::RunInfo;
use crate::stop::{Reason, Stop};
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Ctrl-C or SIGTERM: cancel (steps stop, cleanup runs); a second one exits at once.
/// Ctrl-C, SIGTERM and SIGHUP stop the run (steps end, cleanup runs); a second
/// one hurries cleanup (deletes sent, not waited for), and if the run still has
/// not ended 5 s later, kdrill exits at once.
fn watch_signals(stop: Arc<Stop>, run_id: String) {
    tokio::spawn(async move {
        let Some(mut signals) = crate::stop::Signals::listen() else {
            return;
        };
        let mut count = 0;
        loop {
            let sig = signals.next().await;
            count += 1;
            if count == 1 {
                eprintln!("kdrill: {}: stopping, cleaning up (a second signal stops waiting for deletions)", sig.name());
                stop.request(Reason::Signal(sig));
                continue;
            }
            eprintln!("kdrill: {} again: deletions are sent but not waited for; `kdrill clean --run {run_id}` removes what is left", sig.name());
            stop.hurry();
            let code = stop.exit_code().unwrap_or(exit::INTERRUPTED);
            let run_id = run_id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                eprintln!("kdrill: stopped without finishing cleanup; `kdrill clean --run {run_id}` removes what is left");
                crate::host::kill_all();
                std::process::exit(i32::from(code));
            });
        }
    });
}

pub async fn run(args: &RunArgs) -> u8 {
    run_once(args, None, None).await
}

/// One run; for the reruns of `--watch`, with `only` just the scenarios of those
/// files, and with `stop` stopped by the watch's signal handler, not one of its own.
pub(super) async fn run_once(
    args: &RunArgs,
    only: Option<&std::collections::BTreeSet<std::path::PathBuf>>,
    stop: Option<Arc<Stop>>,
) -> u8 {
    let mut paths = args.paths.clone();
    // the draft of --from-markdown lives as long as this run
    let mut _draft = None;
    if let Some(post) = &args.from_markdown {
        match import_to_temp(post) {
            Ok((root, dir)) => {
                eprintln!(
                    "kdrill: imported {} into {} for this run (`kdrill import` keeps a draft)",
                    post.display(),
                    dir.display()
                );
                paths = vec![dir];
                _draft = Some(RemoveOnDrop(root));
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                return exit::USAGE;
            }
        }
    }
    let (scenarios, errors) = load_all(&paths);
    if !errors.is_empty() {
        print_errors(&errors);
        eprintln!("kdrill: {} error(s) in scenario files; nothing was run (`kdrill lint` checks files without a cluster)", errors.len());
        return exit::USAGE;
    }
    let project = match crate::config::load() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let scenarios =
        match crate::select::select(scenarios, args.filter.as_deref(), args.selector.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
    let scenarios = match crate::select::shard_of(
        scenarios,
        args.shard.shard,
        args.shard.shard_timings.as_deref(),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    // --watch: only the scenarios whose files changed
    let scenarios: Vec<Scenario> = match only {
        Some(files) => scenarios
            .into_iter()
            .filter(|s| files.contains(&s.file))
            .collect(),
        None => scenarios,
    };
    let scenarios = match &args.rerun_failed {
        None => scenarios,
        Some(p) => {
            let path = p.clone().unwrap_or_else(crate::rerun::last_run_path);
            match crate::rerun::failed_in(&path) {
                Ok(failed) if failed.is_empty() => {
                    println!(
                        "kdrill: nothing failed in {}: nothing to rerun",
                        path.display()
                    );
                    return exit::OK;
                }
                Ok(failed) => crate::rerun::keep(scenarios, &failed),
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            }
        }
    };
    if let Some(part) = args.shard.shard {
        // a shard may have nothing to do; it still reports (an empty report merges)
        eprintln!("kdrill: shard {part}: {} scenario(s)", scenarios.len());
    } else if scenarios.is_empty() {
        let after = match (&args.filter, &args.selector) {
            (None, None) => "",
            _ => " (after --filter/--selector)",
        };
        eprintln!(
            "error: no scenarios to run in {}{after}",
            display_paths(&args.paths),
        );
        return exit::USAGE;
    }
    // `inputs:` the run must be given: refuse before touching a cluster
    let mut missing = Vec::new();
    for s in &scenarios {
        let suite_inputs = s.suite.iter().flat_map(|x| x.inputs.iter());
        for name in s.inputs.iter().chain(suite_inputs) {
            if !args.set.iter().any(|(k, _)| k == name) {
                missing.push(format!("{} needs --set {name}=VALUE", s.file.display()));
            }
        }
    }
    if !missing.is_empty() {
        missing.dedup();
        for m in &missing {
            eprintln!("error: {m}");
        }
        return exit::USAGE;
    }
    let ci = snapshot::in_ci();
    let mode = match UpdateMode::resolve(
        args.update,
        std::env::var("KDRILL_UPDATE").ok().as_deref(),
        ci,
    ) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let defaults = &project.config.defaults;
    let opts = Options {
        parallel: usize::from(args.parallel.or(defaults.parallel).unwrap_or(4)).max(1),
        fail_fast: args.fail_fast,
        keep: args.keep,
        artifacts: args.artifacts.clone(),
        cleanup: match args.cleanup {
            crate::cli::CleanupArg::Background => executor::CleanupMode::Background,
            crate::cli::CleanupArg::InSlot => executor::CleanupMode::InSlot,
        },
        unreachable_after: args.unreachable_after,
        retries: args.retries,
        ..options(
            defaults,
            args.namespace.clone(),
            args.timeout,
            snapshot::Settings {
                mode,
                ci,
                colour: colour_wanted(),
            },
        )
    };
    let mut reports = args.report.clone();
    for r in &defaults.reports {
        match r.parse::<ReportTarget>() {
            Ok(t) => reports.push(t),
            Err(e) => {
                let at = project
                    .path
                    .as_deref()
                    .unwrap_or(std::path::Path::new(crate::config::FILE_NAME));
                eprintln!("error: {}: defaults.reports: {e}", at.display());
                return exit::USAGE;
            }
        }
    }
    if args.dry_run {
        print!("{}", plan(&scenarios, &opts));
        return exit::OK;
    }
    if ci && args.update {
        eprintln!(
            "kdrill: CI is set, so --update writes no snapshot: update them locally and commit"
        );
    }
    let verbosity = if args.output.quiet {
        Verbosity::Quiet
    } else if args.output.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let run = Run {
        cluster: &args.cluster,
        project: &project.config,
        opts,
        sets: args.set.iter().cloned().collect(),
        read_only: args.read_only,
        verbosity,
        stop,
    };
    let Ran {
        report,
        totals,
        stop,
        client,
        ..
    } = match execute(run, scenarios).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    // the last run, for --rerun-failed (a report that cannot be kept is only said)
    let last = crate::rerun::last_run_path();
    let kept = last
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .map_err(|e| e.to_string())
        .and_then(|()| crate::report::json::render(&report).map_err(|e| e.to_string()))
        .and_then(|t| std::fs::write(&last, t).map_err(|e| e.to_string()));
    if let Err(e) = kept {
        eprintln!(
            "kdrill: could not keep this run's report in {}: {e}",
            last.display()
        );
    }
    match crate::report::reporter::write_all(&report, &reports, &client).await {
        Ok(lines) => {
            for l in lines {
                eprintln!("kdrill: {l}");
            }
        }
        Err(e @ crate::report::ReportError::ConfigMap { .. }) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    }
    if let Some(code) = stop.exit_code() {
        code
    } else if totals.failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// The executor's options from the project's defaults (`.kdrill.yaml`), a namespace
/// and a timeout from the command line: what `run` and `check` share.
pub(super) fn options(
    defaults: &crate::config::Defaults,
    namespace: Option<String>,
    timeout: Option<std::time::Duration>,
    snapshots: snapshot::Settings,
) -> Options {
    Options {
        parallel: usize::from(defaults.parallel.unwrap_or(4)).max(1),
        fail_fast: false,
        keep: false,
        namespace,
        default_timeout: timeout
            .or(defaults.timeout.as_ref().map(|d| d.0))
            .unwrap_or(std::time::Duration::from_secs(60)),
        kind_timeouts: defaults
            .timeouts
            .iter()
            .map(|(k, v)| (k.clone(), v.0))
            .collect(),
        namespace_prefix: defaults
            .namespace_prefix
            .clone()
            .unwrap_or_else(|| executor::NAMESPACE_PREFIX.into()),
        snapshots,
        artifacts: None,
        cleanup: executor::CleanupMode::Background,
        unreachable_after: std::time::Duration::from_secs(60),
        retries: 0,
    }
}

/// What a run of loaded scenarios needs besides them.
pub(super) struct Run<'a> {
    pub cluster: &'a crate::cli::ClusterArgs,
    pub project: &'a crate::config::ProjectConfig,
    pub opts: Options,
    pub sets: crate::vars::Vars,
    pub read_only: bool,
    pub verbosity: Verbosity,
    /// Stopped by someone else's signal handler (`--watch`), or None for our own.
    pub stop: Option<Arc<Stop>>,
}

/// A run that happened: its report model, and what the caller needs after it.
pub(super) struct Ran {
    pub report: crate::report::Report,
    pub totals: executor::Totals,
    pub stop: Arc<Stop>,
    pub client: kube::Client,
    /// The cluster's node names (normalised in outputs).
    pub nodes: Vec<String>,
}

/// Connect to an allowed cluster and run `scenarios` with a reporter on the terminal:
/// the one run machinery of `run` and `check`. Err is the exit code, after saying why.
pub(super) async fn execute(run: Run<'_>, scenarios: Vec<Scenario>) -> Result<Ran, u8> {
    let (cluster, version) = match connect(run.cluster).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit::CLUSTER);
        }
    };
    allowed(&cluster, run.cluster, run.project)?;
    let ci = snapshot::in_ci();
    let run_id = executor::new_run_id();
    // the scenarios' pinned kubeconfigs: readable by this user only, gone with the run
    let private_dir = crate::host::private_dir(&format!("kdrill-{run_id}")).map_err(Arc::new);
    let _private = private_dir.as_ref().ok().cloned().map(RemoveOnDrop);
    let info = RunInfo {
        run_id,
        private_dir,
        sets: run.sets,
        read_only: run.read_only,
    };
    let stop = run.stop.unwrap_or_else(|| {
        let stop = Arc::new(Stop::default());
        watch_signals(Arc::clone(&stop), info.run_id.clone());
        stop
    });
    let (tx, rx) = mpsc::unbounded_channel::<Timed>();
    let display = Display {
        verbosity: run.verbosity,
        colour: colour_wanted(),
        // live spinners only for a person at a terminal; CI logs get plain lines
        live: std::io::stdout().is_terminal() && !ci,
    };
    let reporter = Reporter::start(rx, display);
    let client = cluster.client.clone();
    let nodes = cluster.node_names().await;
    let exec = Arc::new(Executor::new(
        Arc::new(cluster),
        info,
        run.opts,
        Arc::clone(&stop),
        tx,
    ));
    let totals = exec.run_all(scenarios, version).await;
    let report = reporter.finish().await;
    crate::host::kill_all();
    Ok(Ran {
        report,
        totals,
        stop,
        client,
        nodes,
    })
}

/// What `run` would do, in the order it would do it (`--dry-run`).
pub fn plan(scenarios: &[Scenario], opts: &Options) -> String {
    let mut out = String::new();
    let width = if opts.namespace.is_some() {
        1
    } else {
        opts.parallel
    };
    let (serial, parallel): (Vec<&Scenario>, Vec<&Scenario>) =
        scenarios.iter().partition(|s| s.serial);
    out.push_str(&format!(
        "kdrill run --dry-run: {} scenario(s); nothing is sent to the cluster\n",
        scenarios.len()
    ));
    for (title, group, w) in [
        ("in parallel", parallel, width),
        ("one at a time (serial)", serial, 1),
    ] {
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n{} scenario(s) {title}, {w} at a time:\n",
            group.len()
        ));
        for s in group {
            let ns = match &opts.namespace {
                Some(n) => format!("namespace {n} (existing)"),
                None => {
                    let name = crate::executor::namespace_name(&opts.namespace_prefix, &s.name);
                    let stem = name.rsplit_once('-').map_or(name.as_str(), |(a, _)| a);
                    format!("a new namespace {stem}-<random>")
                }
            };
            out.push_str(&format!("  {} ({}) in {ns}\n", s.name, s.file.display()));
            for step in &s.steps {
                let t = opts.timeout_for(step, s);
                out.push_str(&format!(
                    "    {:>2}. {} (timeout {}, {})\n",
                    step.number,
                    step.label(),
                    crate::duration::format_duration(t),
                    step.location
                ));
            }
        }
    }
    out
}
