//! What each subcommand does, with errors turned into messages and exit codes.

use crate::cli::{
    CleanArgs, ClusterArgs, ImportArgs, LintArgs, ListArgs, MigrateArgs, MigrateFrom, ReportTarget,
    ReviewArgs, RunArgs, SnapshotsArgs,
};
use crate::cluster::{CleanOutcome, Cluster, ConnectOptions};
use crate::executor::event::Event;
use crate::executor::{self, Executor, Options};
use crate::report::human::{Human, Verbosity};
use crate::report::Report;
use crate::safety::AllowList;
use crate::scenario::{self, LoadError, Scenario};
use crate::snapshot::{self, review, UpdateMode};
use crate::steps::{RunInfo, MANAGED_BY, RUN_LABEL};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Exit codes CI can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CLUSTER: u8 = 3;
    pub const INTERRUPTED: u8 = 130;
}

/// Colour on a terminal, unless `NO_COLOR` says otherwise.
fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Load every scenario under `paths`; all problems of all files, not just the first.
/// Suite files (`suite.yaml`, `kind: Suite`) are not scenarios: each scenario is
/// attached to the nearest suite file in its directory or above.
pub fn load_all(paths: &[PathBuf]) -> (Vec<Scenario>, Vec<LoadError>) {
    let (files, mut errors) = scenario::discover(paths);
    let mut scenarios = Vec::new();
    for f in files {
        match scenario::load_file(&f) {
            Ok(s) if s.is_suite => {}
            Ok(s) => scenarios.push(s),
            Err(e) => errors.extend(e.0),
        }
    }
    let mut suites: std::collections::HashMap<PathBuf, Option<Arc<Scenario>>> = Default::default();
    for s in &mut scenarios {
        for dir in s.dir.ancestors() {
            let file = dir.join(scenario::SUITE_FILE);
            if !suites.contains_key(&file) {
                let loaded = if file.is_file() {
                    match scenario::load_file(&file) {
                        Ok(x) if x.is_suite => Some(Arc::new(x)),
                        Ok(_) => None,
                        Err(e) => {
                            errors.extend(e.0);
                            None
                        }
                    }
                } else {
                    None
                };
                suites.insert(file.clone(), loaded);
            }
            if let Some(Some(suite)) = suites.get(&file) {
                s.suite = Some(Arc::clone(suite));
                break;
            }
        }
    }
    (scenarios, errors)
}

fn print_errors(errors: &[LoadError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

pub fn lint(args: &LintArgs) -> u8 {
    let (scenarios, errors) = load_all(&args.paths);
    print_errors(&errors);
    let mut warned = 0;
    for s in &scenarios {
        for w in crate::lint::warnings(s) {
            eprintln!("{w}");
            warned += 1;
        }
    }
    if errors.is_empty() {
        for w in crate::lint::unused_snapshots(&args.paths, &scenarios) {
            eprintln!("{w}");
            warned += 1;
        }
    }
    let files: std::collections::BTreeSet<_> =
        errors.iter().map(|e| e.location.file.clone()).collect();
    println!(
        "kdrill lint: {} scenario(s) valid, {} error(s) in {} file(s), {warned} warning(s)",
        scenarios.len(),
        errors.len(),
        files.len()
    );
    if errors.is_empty() && scenarios.is_empty() {
        eprintln!(
            "error: no scenario files found in {}",
            display_paths(&args.paths)
        );
        return exit::USAGE;
    }
    if errors.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn list(args: &ListArgs) -> u8 {
    let (scenarios, errors) = load_all(&args.paths);
    print_errors(&errors);
    let scenarios =
        match crate::select::select(scenarios, args.filter.as_deref(), args.selector.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
    for s in &scenarios {
        let serial = if s.serial { " [serial]" } else { "" };
        let suite = s
            .suite
            .as_ref()
            .map(|x| format!(" [suite: {}]", x.name))
            .unwrap_or_default();
        println!("{} ({}){serial}{suite}", s.name, s.file.display());
        for step in &s.steps {
            println!("  {:>2}. {}", step.number, step.label());
        }
    }
    if errors.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }
}

async fn connect(args: &ClusterArgs) -> Result<(Cluster, String), String> {
    let opts = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let cluster = Cluster::connect(&opts).await.map_err(|e| e.to_string())?;
    let version = cluster.check().await.map_err(|e| e.to_string())?;
    Ok((cluster, version))
}

/// The context allow-list (flags, environment, project file, the context's own
/// mark): Err with the exit code after saying why, when the cluster is not allowed.
fn allowed(
    cluster: &Cluster,
    args: &ClusterArgs,
    project: &crate::config::ProjectConfig,
) -> Result<(), u8> {
    let allow = AllowList::gather(&args.allow_context, &project.allowed_contexts);
    crate::safety::check(&cluster.target, &allow).map_err(|e| {
        eprintln!("error: {e}");
        exit::CLUSTER
    })
}

/// Ctrl-C or SIGTERM: cancel (steps stop, cleanup runs); a second one exits at once.
fn watch_signals(cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut count = 0;
        loop {
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(t) => t,
                        Err(_) => return,
                    };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            count += 1;
            if count == 1 {
                eprintln!("kdrill: interrupted, cleaning up (press Ctrl-C again to stop now and leave objects behind)");
                cancel.cancel();
            } else {
                eprintln!("kdrill: stopped without finishing cleanup; `kdrill clean` removes what is left");
                crate::host::kill_all();
                std::process::exit(exit::INTERRUPTED as i32);
            }
        }
    });
}

pub async fn run(args: &RunArgs) -> u8 {
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
                eprintln!("error: {e}");
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
    if scenarios.is_empty() {
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
        namespace: args.namespace.clone(),
        default_timeout: args
            .timeout
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
        snapshots: snapshot::Settings {
            mode,
            ci,
            colour: colour_wanted(),
        },
        artifacts: args.artifacts.clone(),
    };
    let mut reports = args.report.clone();
    for r in &defaults.reports {
        match crate::cli::parse_report(r) {
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
    let (cluster, version) = match connect(&args.cluster).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    if let Err(code) = allowed(&cluster, &args.cluster, &project.config) {
        return code;
    }
    let run_id = executor::new_run_id();
    // the scenarios' pinned kubeconfigs: readable by this user only, gone with the run
    let private_dir = match crate::host::private_dir(&format!("kdrill-{run_id}")) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a private directory for this run: {e}");
            return exit::FAILED;
        }
    };
    let _private = RemoveOnDrop(private_dir.clone());
    let run = RunInfo {
        run_id,
        private_dir,
        sets: args.set.iter().cloned().collect(),
        read_only: args.read_only,
    };
    if ci && args.update {
        eprintln!(
            "kdrill: CI is set, so --update writes no snapshot: update them locally and commit"
        );
    }
    let cancel = CancellationToken::new();
    watch_signals(cancel.clone());
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let verbosity = if args.output.quiet {
        Verbosity::Quiet
    } else if args.output.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let colour = colour_wanted();
    // live spinners only for a person at a terminal; CI logs get plain lines
    let live = {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal() && !ci
    };
    let reporter = tokio::spawn(async move {
        let mut report = Report::default();
        let mut human = Human::new(std::io::stdout(), verbosity).with_colour(colour);
        let mut live = live.then(|| crate::report::live::Live::new(verbosity, colour));
        // long waits say what they are waiting for, so a CI log never looks hung
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        tick.tick().await;
        loop {
            tokio::select! {
                ev = rx.recv() => {
                    let Some(ev) = ev else { break };
                    report.apply(&ev);
                    // a closed stdout must not stop the run
                    let _ = match live.as_mut() {
                        Some(l) => l.on_event(&ev, &report),
                        None => human.on_event(&ev, &report),
                    };
                }
                _ = tick.tick(), if live.is_none() => {
                    let _ = human.progress();
                }
            }
        }
        report
    });
    let client = cluster.client.clone();
    let exec = Arc::new(Executor::new(Arc::new(cluster), run, opts, cancel, tx));
    let totals = exec.run_all(scenarios, version).await;
    let report = reporter.await.unwrap_or_default();
    for target in &reports {
        let (path, text) = match target {
            ReportTarget::ConfigMap(ns, name) => {
                if let Err(e) =
                    crate::report::configmap::write(client.clone(), ns, name, &report).await
                {
                    eprintln!("error: cannot write the report: {e}");
                    return exit::CLUSTER;
                }
                eprintln!("kdrill: report written to configmap {ns}/{name}");
                continue;
            }
            ReportTarget::Junit(p) => (
                p,
                crate::report::junit::render(&report).map_err(|e| e.to_string()),
            ),
            ReportTarget::Json(p) => (
                p,
                crate::report::json::render(&report).map_err(|e| e.to_string()),
            ),
        };
        let written = text.and_then(|t| std::fs::write(path, t).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write report {}: {e}", path.display());
            return exit::USAGE;
        }
    }
    if totals.interrupted {
        exit::INTERRUPTED
    } else if totals.failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

pub async fn clean(args: &CleanArgs) -> u8 {
    let (cluster, _) = match connect(&args.cluster).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    // deleting is touching: the same allow-list as `run`
    let project = crate::config::load().unwrap_or_default();
    if let Err(code) = allowed(&cluster, &args.cluster, &project.config) {
        return code;
    }
    let selector = match &args.run {
        Some(id) => format!("{}={},{RUN_LABEL}={id}", MANAGED_BY.0, MANAGED_BY.1),
        None => format!("{}={}", MANAGED_BY.0, MANAGED_BY.1),
    };
    let found = match cluster.clean(&selector, args.dry_run).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    let mut removed = 0;
    let mut failures = 0;
    for f in found {
        match f.outcome {
            CleanOutcome::Deleted => {
                println!("deleted {}", f.what);
                removed += 1;
            }
            CleanOutcome::WouldDelete => {
                println!("would delete {}", f.what);
                removed += 1;
            }
            CleanOutcome::Failed(e) => {
                eprintln!("error: cannot delete {}: {e}", f.what);
                failures += 1;
            }
        }
    }
    println!(
        "kdrill clean: {removed} object(s) {}",
        if args.dry_run {
            "would be deleted"
        } else {
            "deleted"
        }
    );
    if failures > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

pub fn review(args: &ReviewArgs) -> u8 {
    use std::io::{BufRead, IsTerminal, Write};
    let pending = review::pending(&args.paths);
    if pending.is_empty() {
        println!(
            "kdrill review: no pending snapshots in {}",
            display_paths(&args.paths)
        );
        return exit::OK;
    }
    let fixed = if args.accept_all {
        Some(review::Decision::Accept)
    } else if args.reject_all {
        Some(review::Decision::Reject)
    } else {
        None
    };
    if fixed.is_none() && !std::io::stdin().is_terminal() {
        eprintln!("error: {} pending snapshot(s), and review asks on a terminal: use --accept-all or --reject-all in scripts", pending.len());
        return exit::USAGE;
    }
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for (i, p) in pending.iter().enumerate() {
        let decision = match fixed {
            Some(d) => d,
            None => {
                println!(
                    "\n[{}/{}] {}",
                    i + 1,
                    pending.len(),
                    review::describe(p, colour_wanted())
                );
                loop {
                    print!("accept (a), reject (r), skip (s)? ");
                    let _ = std::io::stdout().flush();
                    match lines.next() {
                        Some(Ok(l)) if l.trim() == "a" => break review::Decision::Accept,
                        Some(Ok(l)) if l.trim() == "r" => break review::Decision::Reject,
                        Some(Ok(l)) if l.trim() == "s" => break review::Decision::Skip,
                        Some(Ok(_)) => continue,
                        _ => break review::Decision::Skip,
                    }
                }
            }
        };
        if let Err(e) = review::apply(p, decision) {
            eprintln!("error: {}: {e}", p.display());
            return exit::FAILED;
        }
        match decision {
            review::Decision::Accept => accepted += 1,
            review::Decision::Reject => rejected += 1,
            review::Decision::Skip => skipped += 1,
        }
    }
    println!("kdrill review: {accepted} accepted, {rejected} rejected, {skipped} skipped");
    exit::OK
}

pub fn snapshots(args: &SnapshotsArgs) -> u8 {
    let (scenarios, errors) = load_all(&args.scenarios);
    if !errors.is_empty() {
        print_errors(&errors);
        eprintln!("kdrill: cannot tell which snapshots are used while scenario files have errors");
        return exit::USAGE;
    }
    let used: std::collections::BTreeSet<PathBuf> = scenarios
        .iter()
        .flat_map(Scenario::snapshot_files)
        .collect();
    let unused = snapshot::unused(&args.scenarios, &used, args.dir.as_deref());
    let used = used.len();
    for p in &unused {
        if args.prune {
            match std::fs::remove_file(p) {
                Ok(()) => println!("removed {}", p.display()),
                Err(e) => eprintln!("error: cannot remove {}: {e}", p.display()),
            }
        } else {
            println!("unused {}", p.display());
        }
    }
    println!(
        "kdrill snapshots: {} used, {} unused{}",
        used,
        unused.len(),
        if args.prune { " (removed)" } else { "" }
    );
    if !unused.is_empty() && !args.prune {
        exit::FAILED
    } else {
        exit::OK
    }
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

pub fn explain(topic: Option<&str>) -> u8 {
    match topic {
        None => {
            println!(
                "kdrill explain TOPIC, where TOPIC is a step kind or expect, patterns, objects:"
            );
            for t in crate::explain::topics() {
                println!("  {t}");
            }
            println!("  expect\n  patterns\n  objects");
            exit::OK
        }
        Some(t) => match crate::explain::explain(t) {
            Some(text) => {
                print!("{text}");
                exit::OK
            }
            None => {
                eprintln!(
                    "error: nothing to explain about `{t}`; `kdrill explain` lists the topics"
                );
                exit::USAGE
            }
        },
    }
}

pub fn import(args: &ImportArgs) -> u8 {
    let (post, name, stem) = match read_post(&args.post) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios/imported").join(&stem));
    let occupied = std::fs::read_dir(&out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if occupied && !args.force {
        eprintln!(
            "error: {} is not empty: choose another --out, or --force to write into it",
            out.display()
        );
        return exit::USAGE;
    }
    match crate::import::import(&name, &post, &out) {
        Ok(s) => {
            println!(
                "kdrill import: {} command(s) ({} with output) from {}",
                s.commands,
                s.outputs,
                args.post.display()
            );
            println!("  scenario   {}", s.scenario.display());
            println!("  manifests  {}", s.manifests.len());
            println!("  snapshots  {}", s.snapshots.len());
            println!(
                "  to do      {} (listed in {})",
                s.todos.len(),
                out.join("IMPORT.md").display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            exit::FAILED
        }
    }
}

/// A post's text, file name and stem.
fn read_post(post: &std::path::Path) -> Result<(String, String, String), String> {
    let text = std::fs::read_to_string(post)
        .map_err(|e| format!("cannot read {}: {e}", post.display()))?;
    let part =
        |p: Option<&std::ffi::OsStr>| p.map_or("post".into(), |s| s.to_string_lossy().into_owned());
    Ok((text, part(post.file_name()), part(post.file_stem())))
}

/// Import a post into a fresh temporary `scenarios/` tree (for `run --from-markdown`).
/// Import a post into a new temporary directory: (that directory, the scenario dir).
fn import_to_temp(post: &std::path::Path) -> Result<(PathBuf, PathBuf), String> {
    let (text, name, stem) = read_post(post)?;
    let root = std::env::temp_dir().join(format!("kdrill-import-{}", executor::new_run_id()));
    let out = root.join("scenarios").join(&stem);
    crate::import::import(&name, &text, &out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok((root, out))
}

/// A temporary directory removed when the run ends, whichever way it ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory with files in it (a write there needs --force).
fn occupied(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

pub fn migrate(args: &MigrateArgs) -> u8 {
    let stem = args
        .path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "suite".into());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios/migrated").join(&stem));
    if occupied(&out) && !args.force {
        eprintln!(
            "error: {} is not empty: choose another --out, or --force to write into it",
            out.display()
        );
        return exit::USAGE;
    }
    let read = match args.from {
        MigrateFrom::Chainsaw => crate::migrate::chainsaw::read(&args.path),
        MigrateFrom::Kuttl => crate::migrate::kuttl::read(&args.path),
    };
    let migration = match read {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    match crate::migrate::write(&migration, &out) {
        Ok(s) => {
            println!(
                "kdrill migrate {}: {} test(s) from {}",
                migration.format,
                s.scenarios.len(),
                args.path.display()
            );
            println!("  scenarios  {} (in {})", s.scenarios.len(), out.display());
            println!("  steps      {}", s.steps);
            println!("  manifests  {}", s.files);
            println!(
                "  to check   {} (listed in {})",
                s.notes,
                out.join("MIGRATION.md").display()
            );
            // what was written must load: a converter bug must not reach `run`
            let (_, errors) = load_all(std::slice::from_ref(&out));
            if !errors.is_empty() {
                print_errors(&errors);
                eprintln!("kdrill migrate: the converted scenarios do not load (a bug in the converter: please report it)");
                return exit::FAILED;
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
