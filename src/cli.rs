//! Command-line types (clap). Behaviour lives in `commands`.

use crate::report::ReportTarget;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Scenario files are YAML with `apiVersion: kdrill.dev/v1alpha1` and `kind: Scenario`;
see docs/scenario-format.md. Each scenario runs in a fresh namespace that is deleted
afterwards, also on failure and on Ctrl-C.

Exit codes: 0 all passed, 1 a scenario failed, 2 usage or scenario-file errors,
3 cluster unreachable or refused, 130 interrupted (after cleanup).

Examples:
  kdrill lint scenarios/
  kdrill run scenarios/working-with-pods --parallel 4
  kdrill run scenarios/basic.yaml --keep -v
  kdrill clean";

/// The file name kubectl looks for on PATH to run `kubectl kdrill`: a link to (or a
/// copy of) the kdrill binary under this name makes kdrill a kubectl plugin.
pub const PLUGIN_NAME: &str = "kubectl-kdrill";

/// How the user called kdrill, for usage lines and errors: `kubectl kdrill` when
/// kubectl started it as its plugin (by a path whose file is `kubectl-kdrill`),
/// `kdrill` otherwise.
pub fn bin_name(argv0: Option<&std::ffi::OsStr>) -> &'static str {
    match argv0.and_then(|a| std::path::Path::new(a).file_stem()) {
        Some(stem) if stem == PLUGIN_NAME => "kubectl kdrill",
        _ => "kdrill",
    }
}

/// The command line of this process, parsed; `--help` and usage errors name the
/// program as it was called (see [`bin_name`]). Exits like clap on bad arguments.
pub fn parse_args() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let name = bin_name(args.first().map(|a| a.as_os_str()));
    let matches = Cli::command().bin_name(name).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[derive(Debug, Parser)]
#[command(name = "kdrill", version, about = "Declarative scenario tests for Kubernetes, against a real cluster", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against the cluster of the current kubeconfig context
    Run(Box<RunArgs>),
    /// Parse and validate scenarios without a cluster; every problem with file:line:col
    Lint(LintArgs),
    /// List scenarios and their steps
    List(ListArgs),
    /// Remove namespaces and objects left behind by interrupted runs (found by kdrill's labels)
    Clean(CleanArgs),
    /// Accept or reject pending snapshots (`*.ksnap.pending`), one by one or all at once
    Review(ReviewArgs),
    /// Report (and prune) snapshot files no scenario uses
    Snapshots(SnapshotsArgs),
    /// Work with run reports: `kdrill report merge` combines the reports of a sharded run
    Report(ReportArgs),
    /// Draft a scenario from a markdown tutorial: commands become steps, outputs snapshots
    Import(ImportArgs),
    /// Convert Kyverno Chainsaw or KUTTL tests into kdrill scenarios (+ MIGRATION.md)
    Migrate(MigrateArgs),
    /// Compare every output a markdown post shows with what the cluster prints now
    ///
    /// Runs the post's commands (as `run --from-markdown` does) and prints a diff per
    /// output that is out of date: exit 1 when one differs, 2 when kdrill cannot run the
    /// post. See docs/checking-posts.md.
    Check(Box<CheckArgs>),
    /// Rewrite in place the outputs of a markdown post that changed
    ///
    /// The same run as `check`, then only the output blocks whose meaning changed are
    /// rewritten; every other byte of the post stays. Asks on a terminal.
    Refresh(Box<RefreshArgs>),
    /// Print the JSON Schema of scenario files (for editors: see docs/scenario-format.md)
    Schema,
    /// Explain a step kind with examples, or `expect`, `patterns`, `objects`
    #[command(long_about = explain_help())]
    Explain {
        /// What to explain; without it, the list of topics
        topic: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions { shell: clap_complete::Shell },
    /// Write manual pages into DIR: kdrill.1 and one page per subcommand (kdrill-run.1, ...)
    Man {
        /// Where to write the pages, e.g. /usr/local/share/man/man1 (created when missing)
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (default: the current context)
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Allow kdrill to touch this context (repeatable; `prefix*` matches many). Also
    /// KDRILL_ALLOWED_CONTEXTS=a,b, `allowedContexts` in .kdrill.yaml, or the
    /// `kdrill.dev/allowed` extension of the context. Other contexts are refused.
    #[arg(long, value_name = "NAME")]
    pub allow_context: Vec<String>,
    /// At most N requests a second to the API server, retries included (like
    /// client-go's QPS; a one-second window): for a cluster shared with others.
    /// Default: no limit (-j bounds how many scenarios run at once)
    #[arg(long, value_name = "N", env = "KDRILL_QPS", value_parser = clap::value_parser!(u32).range(1..))]
    pub qps: Option<u32>,
}

#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// More output: every step and what it did
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Less output: failures and the summary only
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories (searched recursively)
    #[arg(default_value = "scenarios", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Run in this existing namespace instead of a fresh one per scenario (runs one at a time)
    #[arg(short, long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Default timeout of each step (a step's or scenario's own `timeout` wins) [default: 60s, or .kdrill.yaml]
    #[arg(long, value_parser = parse_duration_arg, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,
    /// How many scenarios run at once [default: 4, or .kdrill.yaml]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: Option<u16>,
    /// Start no new scenario after the first failure
    #[arg(long)]
    pub fail_fast: bool,
    /// Only scenarios whose name or path matches this regex
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Only scenarios whose `labels` match this selector: `tier=fast`, `area in (dns,net)`, `!slow`
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    #[command(flatten)]
    pub shard: ShardArgs,
    /// Refuse every step that would change objects outside the scenario's own namespace
    /// (cluster-scoped objects, other namespaces, host commands)
    #[arg(long)]
    pub read_only: bool,
    /// Keep namespaces and objects after the run, for inspection
    #[arg(long)]
    pub keep: bool,
    /// Set a variable for `${NAME}` in manifests, patches and exec commands (repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = crate::vars::parse_set)]
    pub set: Vec<(String, String)>,
    /// Write the full evidence of failed scenarios (objects, events, logs) under DIR
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// When a finished scenario's slot is free: `background` (as soon as its verdict is
    /// known; its cleanup goes on beside the next scenario, and the run waits for every
    /// cleanup before it exits) or `in-slot` (after its cleanup)
    #[arg(long, value_enum, default_value_t = CleanupArg::Background)]
    pub cleanup: CleanupArg,
    /// Run a failed scenario again, up to N times, each in a fresh namespace; one that
    /// passes on a retry is reported as flaky (never as a plain pass)
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// Run exactly the scenarios that failed or were interrupted in a run's JSON
    /// report (default: the last run in this project, kept in .kdrill/last-run.json)
    #[arg(long, value_name = "REPORT.json", num_args = 0..=1)]
    #[allow(clippy::option_option)] // absent, present without a report, present with one
    pub rerun_failed: Option<Option<PathBuf>>,
    /// Stop the run (exit 3) when the API server has not answered for this long;
    /// running steps fail with "cluster unreachable since ..."
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration_arg)]
    pub unreachable_after: std::time::Duration,
    /// Run a markdown post directly: import it into a temporary directory, then run that
    #[arg(long, value_name = "POST.md", conflicts_with = "paths")]
    pub from_markdown: Option<PathBuf>,
    /// Print the plan (scenarios, steps, order) without touching the cluster
    #[arg(long)]
    pub dry_run: bool,
    /// Also write a report: `junit=PATH`, `json=PATH`, or `configmap=NAMESPACE/NAME` (JUnit,
    /// JSON and a summary in a ConfigMap, for runs inside the cluster) (repeatable)
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<ReportTarget>,
    /// Write new and changed snapshots instead of failing (never in CI; also KDRILL_UPDATE=always|new|no)
    #[arg(long)]
    pub update: bool,
    /// Stay running: on every save, rerun exactly the scenarios whose files changed (the
    /// scenario, its suite, its manifests and the files its steps name, its snapshots); Ctrl-C stops
    #[arg(long, conflicts_with_all = ["from_markdown", "dry_run", "rerun_failed"])]
    pub watch: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the JSON and JUnit reports of the shards of a run (`--shard I/N`) into one,
    /// and print the merged result; exit 1 when a scenario failed (docs/sharding.md)
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Report files (each shard's `--report json=PATH` / `junit=PATH`; told apart by
    /// their content) or directories holding them (their *.json and *.xml files)
    #[arg(value_name = "INPUTS")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged JUnit XML here
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// Write the merged JSON report here
    #[arg(long, value_name = "OUT.json")]
    pub json: Option<PathBuf>,
    /// Also read the reports kept in the ConfigMaps with this label selector (each
    /// shard's `--report configmap=NAMESPACE/NAME`), through the Kubernetes API
    #[arg(long, value_name = "SELECTOR")]
    pub from_configmaps: Option<String>,
    /// The namespace of those ConfigMaps [default: the context's; inside a pod, its own]
    #[arg(short, long, value_name = "NAME", requires = "from_configmaps")]
    pub namespace: Option<String>,
    /// Fail (exit 1) unless exactly N shard reports were found
    #[arg(long, value_name = "N")]
    pub expect: Option<usize>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[arg(default_value = "scenarios", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// A variable the run will get with --set: lint accepts `${NAME}` for it (repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = crate::vars::parse_set)]
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(default_value = "scenarios", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Only scenarios whose name or path matches this regex
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Only scenarios whose `labels` match this selector
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Splitting a suite over machines (docs/sharding.md).
#[derive(Debug, Args, Clone)]
pub struct ShardArgs {
    /// Only part I of N of the scenarios, e.g. `--shard 2/4` on the second of four CI
    /// jobs: chosen by each file's path (not its place in a list), a suite kept whole
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::select::Shard>,
    /// Balance the shards by the time each scenario took in an earlier run's JSON
    /// report (`--report json=PATH`); every shard must be given the same file
    #[arg(long, value_name = "REPORT.json", requires = "shard")]
    pub shard_timings: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Only what this run id created (default: every kdrill run)
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// Say what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove what runs still going (heartbeat younger than 2 minutes) own
    #[arg(long)]
    pub include_live: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The markdown post
    pub post: PathBuf,
    /// Where to write the scenario (default: scenarios/imported/<post name>)
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a directory that is not empty
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The markdown post (settings: POST.kdrill.yaml beside it, or `kdrill:` in its front matter)
    #[arg(value_name = "POST.md")]
    pub post: PathBuf,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Run in this existing namespace instead of a fresh one (kdrill deletes only what it created)
    #[arg(short, long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Default timeout of each step [default: 60s]
    #[arg(long, value_parser = parse_duration_arg, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Write without asking (for scripts)
    #[arg(short, long)]
    pub yes: bool,
    /// Print the changes to the post, write nothing
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The format of the tests
    #[arg(value_enum)]
    pub from: MigrateFrom,
    /// A directory of tests (Chainsaw: chainsaw-test.yaml files; KUTTL: kuttl-test.yaml or test dirs)
    pub path: PathBuf,
    /// Where to write the scenarios (default: scenarios/migrated/<directory name>)
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a directory that is not empty
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrateFrom {
    Chainsaw,
    Kuttl,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Where to look for pending snapshots
    #[arg(default_value = "snapshots", value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Accept every pending snapshot
    #[arg(long, conflicts_with = "reject_all")]
    pub accept_all: bool,
    /// Reject (delete) every pending snapshot
    #[arg(long)]
    pub reject_all: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotsArgs {
    /// Scenarios whose snapshots are in use
    #[arg(default_value = "scenarios", value_name = "SCENARIOS")]
    pub scenarios: Vec<PathBuf>,
    /// List snapshot files no scenario uses (exit 1 when there are some)
    #[arg(long, required = true)]
    pub unused: bool,
    /// Delete them
    #[arg(long, requires = "unused")]
    pub prune: bool,
    /// Another snapshot directory to search
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

fn parse_duration_arg(s: &str) -> Result<std::time::Duration, crate::duration::DurationError> {
    crate::duration::parse_duration(s)
}

/// `--cleanup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CleanupArg {
    Background,
    InSlot,
}

/// `kdrill explain --help`: the step kinds, from the registry.
fn explain_help() -> String {
    format!(
        "Explain a step kind with examples ({}), or `expect`, `patterns`, `objects`, `vars`",
        crate::steps::Action::KEYWORDS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_defaults_and_flags() {
        let cli = Cli::try_parse_from(["kdrill", "run"]).unwrap();
        let Command::Run(r) = cli.command else {
            panic!("not run")
        };
        assert_eq!(r.paths, vec![PathBuf::from("scenarios")]);
        assert_eq!(
            r.parallel, None,
            "the default comes from .kdrill.yaml, then 4"
        );
        assert_eq!(r.timeout, None);
        let cli = Cli::try_parse_from([
            "kdrill",
            "run",
            "a.yaml",
            "b",
            "--timeout",
            "1m30s",
            "-j",
            "2",
            "--fail-fast",
            "--filter",
            "pods",
            "--context",
            "kind",
        ])
        .unwrap();
        let Command::Run(r) = cli.command else {
            panic!("not run")
        };
        assert_eq!(r.paths.len(), 2);
        assert_eq!(r.timeout, Some(std::time::Duration::from_secs(90)));
        assert_eq!(r.parallel, Some(2));
        assert!(r.fail_fast);
        assert_eq!(r.cluster.context.as_deref(), Some("kind"));
    }

    #[test]
    fn started_as_a_kubectl_plugin_it_is_called_kubectl_kdrill() {
        use std::ffi::OsStr;
        for (argv0, name) in [
            ("/usr/local/bin/kubectl-kdrill", "kubectl kdrill"),
            ("kubectl-kdrill", "kubectl kdrill"),
            ("/root/.krew/bin/kubectl-kdrill", "kubectl kdrill"),
            ("/usr/local/bin/kdrill", "kdrill"),
            ("target/debug/kdrill", "kdrill"),
            ("kubectl-kdrill-old", "kdrill"),
        ] {
            assert_eq!(bin_name(Some(OsStr::new(argv0))), name, "{argv0}");
        }
        assert_eq!(bin_name(None), "kdrill");
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        assert!(Cli::try_parse_from(["kdrill", "run", "--timeout", "soon"]).is_err());
        assert!(Cli::try_parse_from(["kdrill", "run", "-j", "0"]).is_err());
        assert!(Cli::try_parse_from(["kdrill", "run", "-v", "-q"]).is_err());
        assert!(Cli::try_parse_from(["kdrill", "frobnicate"]).is_err());
    }
}
