//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The testbed's kubeconfig, from `KDRILL_TEST_KUBECONFIG` only: tests never use the
/// user's `KUBECONFIG` or default context, so `cargo test` cannot touch a real cluster
/// by accident. Without it the test is skipped loudly, unless `KDRILL_REQUIRE_CLUSTER`
/// is set (the README's test command sets it), where a missing cluster is a failure.
pub fn test_kubeconfig(test: &str) -> Option<PathBuf> {
    match std::env::var_os("KDRILL_TEST_KUBECONFIG") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            if std::env::var_os("KDRILL_REQUIRE_CLUSTER").is_some() {
                panic!("{test}: KDRILL_REQUIRE_CLUSTER is set but KDRILL_TEST_KUBECONFIG is not: bring the testbed up (`testbed/cluster up`) and export `testbed/cluster env`");
            }
            eprintln!("SKIPPED {test}: needs a real cluster; set KDRILL_TEST_KUBECONFIG (`eval \"$(testbed/cluster env)\"`)");
            None
        }
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `kdrill ARGS` in the repository root, with the user's kubeconfig hidden.
pub fn kdrill(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kdrill"));
    c.args(args)
        .current_dir(root())
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1");
    c
}

/// `kdrill run` against the testbed.
pub fn kdrill_run(kubeconfig: &Path, args: &[&str]) -> Output {
    let mut c = kdrill(&["run", "--kubeconfig"]);
    c.arg(kubeconfig).args(args);
    c.output().expect("kdrill runs")
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The run id kdrill printed (`kdrill: run ID: ...`).
pub fn run_id(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("kdrill: run "))
        .and_then(|r| r.split(':').next())
        .map(str::to_string)
}

/// Every file under `root` with its content, to compare trees before and after.
pub fn tree_text(root: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| {
            format!(
                "=== {}\n{}",
                f.strip_prefix(root).unwrap_or(f).display(),
                std::fs::read_to_string(f).unwrap_or_default()
            )
        })
        .collect()
}

/// A directory holding `kubectl-kdrill`, a link to the kdrill under test (what the
/// README's `ln -s` does), and the PATH with it first.
pub fn plugin_on_path() -> (tempfile::TempDir, std::ffi::OsString) {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_kdrill"),
        dir.path().join("kubectl-kdrill"),
    )
    .unwrap();
    let path = with_first_on_path(dir.path());
    (dir, path)
}

/// PATH with `dir` first.
pub fn with_first_on_path(dir: &Path) -> std::ffi::OsString {
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// The machine's real `kubectl ARGS` with `path` as PATH, in the repository root,
/// with the user's kubeconfig hidden (kubectl only hands plugins their arguments).
pub fn kubectl(path: &std::ffi::OsStr, args: &[&str]) -> Command {
    let mut c = Command::new("kubectl");
    c.args(args)
        .current_dir(root())
        .env("PATH", path)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1");
    c
}

/// The full path of `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The testbed's namespaces, through a client of `kubeconfig`.
async fn namespaces(kubeconfig: &Path) -> kube::Api<k8s_openapi::api::core::v1::Namespace> {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    kube::Api::all(kube::Client::try_from(cfg).unwrap())
}

/// Namespaces still labelled with `run`, straight from the API.
pub fn namespaces_of_run(kubeconfig: &Path, run: &str) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let api = namespaces(kubeconfig).await;
        api.list(&kube::api::ListParams::default().labels(&format!("kdrill.dev/run={run}")))
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect()
    })
}

/// The name of the run's first namespace once the API has it: START is said before
/// the namespace is made, so a test that acts on it waits for the watch event.
pub fn first_namespace_of_run(kubeconfig: &Path, run: &str) -> String {
    use futures::StreamExt;
    use kube::runtime::{watcher, WatchStreamExt};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let api = namespaces(kubeconfig).await;
        let cfg = watcher::Config::default().labels(&format!("kdrill.dev/run={run}"));
        let mut stream = watcher(api, cfg).applied_objects().boxed();
        let first = tokio::time::timeout(std::time::Duration::from_secs(60), stream.next())
            .await
            .expect("no namespace of the run within 60 s");
        first.unwrap().unwrap().metadata.name.unwrap()
    })
}
