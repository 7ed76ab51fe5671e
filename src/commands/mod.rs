//! What each subcommand does, with errors turned into messages and exit codes. One
//! file per subcommand family; this file holds what they share: exit codes, loading
//! and printing scenario errors, connecting to an allowed cluster.

mod check;
mod clean;
mod convert;
mod lint;
mod report;
mod run;
mod snapshots;
mod watch;

pub use check::{check, refresh};
pub use clean::clean;
pub use convert::{import, migrate};
pub use lint::{lint, list};
pub use report::report;
pub use run::plan;
pub use snapshots::{review, snapshots};

pub use crate::scenario::load_all;

use crate::cli::ClusterArgs;
use crate::cluster::{Cluster, ConnectOptions};
use crate::safety::AllowList;
use crate::scenario::LoadError;
use std::path::PathBuf;

/// `kdrill run`: once, or with `--watch` again on every change.
pub async fn run(args: &crate::cli::RunArgs) -> u8 {
    if args.watch {
        watch::watch(args).await
    } else {
        run::run(args).await
    }
}

/// Exit codes CI can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CLUSTER: u8 = 3;
    pub const INTERRUPTED: u8 = 130;
}

/// Colour on a terminal, unless `NO_COLOR` says otherwise.
pub(super) fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(super) fn print_errors(errors: &[LoadError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

pub(super) fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn connect(
    args: &ClusterArgs,
) -> Result<(Cluster, String), crate::cluster::ClusterError> {
    let opts = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        qps: args.qps,
    };
    let cluster = Cluster::connect(&opts).await?;
    let version = cluster.check().await?;
    Ok((cluster, version))
}

/// The context allow-list (flags, environment, project file, the context's own
/// mark): Err with the exit code after saying why, when the cluster is not allowed.
pub(super) fn allowed(
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

pub fn explain(topic: Option<&str>) -> u8 {
    match topic {
        None => {
            println!(
                "kdrill explain TOPIC, where TOPIC is a step kind or expect, patterns, objects, vars:"
            );
            for t in crate::explain::topics() {
                println!("  {t}");
            }
            println!("  expect\n  patterns\n  objects\n  vars\n  templates (use, forEach)");
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

/// `kdrill man DIR`: write the manual pages, say where.
pub fn man(dir: &std::path::Path) -> u8 {
    match crate::man::write_pages(dir) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

/// A post's text, file name and stem.
pub(super) fn read_post(post: &std::path::Path) -> anyhow::Result<(String, String, String)> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(post).with_context(|| format!("cannot read {}", post.display()))?;
    let part =
        |p: Option<&std::ffi::OsStr>| p.map_or("post".into(), |s| s.to_string_lossy().into_owned());
    Ok((text, part(post.file_name()), part(post.file_stem())))
}

/// A temporary directory removed when the run ends, whichever way it ends.
pub(super) struct RemoveOnDrop(pub(super) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory with files in it (a write there needs --force).
pub(super) fn occupied(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}
