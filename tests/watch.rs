//! `kdrill run --watch` against the testbed: after the first run, editing a file
//! reruns exactly the scenarios that read it; kdrill's own writes (snapshots written
//! by --update, pending snapshots, reports) and saves without a change rerun nothing;
//! Ctrl-C during a rerun cleans up. Every wait is for an output line, never a time.

mod common;
use common::{kdrill, run_id, test_kubeconfig};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

const A: &str = "apiVersion: kdrill.dev/v1alpha1
kind: Scenario
name: watch a
steps:
  - apply: {file: manifests/a.yaml}
  - command: {run: cat greeting.txt}
    expect: {stdout: {snapshot: greeting}}
";

const B: &str = "apiVersion: kdrill.dev/v1alpha1
kind: Scenario
name: watch b
steps:
  - apply: {file: manifests/b.yaml}
  - assert: {object: configmap/b, matches: {data: {colour: blue}}}
";

fn configmap(name: &str, colour: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata:\n  colour: {colour}\n"
    )
}

/// The output of the watching kdrill, line by line (stderr lines marked).
struct Output {
    lines: mpsc::Receiver<String>,
    all: Vec<String>,
}

impl Output {
    /// The lines up to and including the first that contains `what`.
    fn until(&mut self, what: &str) -> Vec<String> {
        let mut got = Vec::new();
        loop {
            // a guard against a hang, not a wait for something to happen
            let line = match self.lines.recv_timeout(Duration::from_secs(300)) {
                Ok(l) => l,
                Err(e) => panic!("{e}: no line with {what:?} in\n{}", self.all.join("\n")),
            };
            self.all.push(line.clone());
            got.push(line.clone());
            if line.contains(what) {
                return got;
            }
        }
    }

    /// The next rerun: its `changed:` line and everything until kdrill waits again.
    fn rerun(&mut self) -> (String, String) {
        let before = self.until("kdrill: changed: ");
        let changed = before.last().unwrap().clone();
        let files = changed.split("; rerunning").next().unwrap();
        assert!(!files.contains(", "), "more than one file: {changed}");
        // nothing but the wait for changes (and its warnings) came before it
        for l in &before[..before.len() - 1] {
            assert!(
                !l.contains("START") && !l.contains("passed,"),
                "a run before the expected one: {l}\n{}",
                self.all.join("\n")
            );
        }
        let run = self.until("kdrill: watching ").join("\n");
        (changed, run)
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
#[ignore = "needs the testbed"]
fn watch_reruns_exactly_the_scenarios_whose_files_changed() {
    let Some(kc) = test_kubeconfig("watch_reruns_exactly_the_scenarios_whose_files_changed") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    write(&dir.join("a.yaml"), A);
    write(&dir.join("b.yaml"), B);
    write(&dir.join("manifests/a.yaml"), &configmap("a", "red"));
    write(&dir.join("manifests/b.yaml"), &configmap("b", "blue"));
    write(&dir.join("greeting.txt"), "hello\n");
    let snapshot = tmp.path().join("snapshots/a/greeting.ksnap");
    let report = dir.join("report.json");

    let mut child = kdrill(&[
        "run",
        "--watch",
        "--update",
        "-v",
        "-j",
        "2",
        "--kubeconfig",
    ])
    .arg(&kc)
    .arg("--report")
    .arg(format!("json={}", report.display()))
    .arg(&dir)
    // locally: --update writes snapshots (CI never does)
    .env_remove("CI")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx2.send(format!("stderr: {l}"));
        }
    });
    let mut output = Output {
        lines,
        all: Vec::new(),
    };

    // the first run: everything; it writes the snapshot and the report itself
    let first = output.until("kdrill: watching ").join("\n");
    assert!(first.contains("kdrill: 2 passed, 0 failed"), "{first}");
    assert!(snapshot.exists(), "--update wrote no snapshot\n{first}");
    assert!(report.exists(), "{first}");

    // the scenario file
    write(
        &dir.join("a.yaml"),
        &format!("{A}  - command: {{run: \"true\"}}\n"),
    );
    let (changed, run) = output.rerun();
    assert!(
        changed.ends_with("scenarios/a.yaml; rerunning 1 scenario(s): watch a"),
        "{changed}"
    );
    assert!(run.contains("START watch a"), "{run}");
    assert!(!run.contains("watch b"), "{run}");
    assert!(run.contains("kdrill: 1 passed, 0 failed"), "{run}");

    // a file a host command of A reads; --update rewrites A's snapshot (no rerun)
    write(&dir.join("greeting.txt"), "bonjour\n");
    let (changed, run) = output.rerun();
    assert!(
        changed.ends_with("scenarios/greeting.txt; rerunning 1 scenario(s): watch a"),
        "{changed}"
    );
    assert!(run.contains("kdrill: 1 passed, 0 failed"), "{run}");
    let stored = std::fs::read_to_string(&snapshot).unwrap();
    assert!(stored.contains("bonjour"), "{stored}");

    // not changes: a pending snapshot, a report, A saved as it is; then B's manifest
    // changes, and the next rerun is B's alone: had anything before it counted, A
    // would have rerun first or with it
    write(
        &snapshot.with_extension("ksnap.pending"),
        "what a failed comparison leaves\n",
    );
    write(&report, "{}");
    write(
        &dir.join("a.yaml"),
        &std::fs::read_to_string(dir.join("a.yaml")).unwrap(),
    );
    write(
        &dir.join("manifests/b.yaml"),
        &format!("{}  shade: light\n", configmap("b", "blue")),
    );
    let (changed, run) = output.rerun();
    assert!(
        changed.ends_with("scenarios/manifests/b.yaml; rerunning 1 scenario(s): watch b"),
        "{changed}"
    );
    assert!(run.contains("START watch b"), "{run}");
    assert!(!run.contains("watch a"), "{run}");
    assert!(run.contains("kdrill: 1 passed, 0 failed"), "{run}");

    // A's snapshot, edited by hand
    let text = std::fs::read_to_string(&snapshot).unwrap();
    write(&snapshot, &text.replace("bonjour", "hallo"));
    let (changed, run) = output.rerun();
    assert!(
        changed.ends_with("snapshots/a/greeting.ksnap; rerunning 1 scenario(s): watch a"),
        "{changed}"
    );
    assert!(run.contains("kdrill: 1 passed, 0 failed"), "{run}");

    // Ctrl-C during a rerun: cleanup as in any run
    write(
        &dir.join("a.yaml"),
        &format!("{A}  - wait: {{for: configmap/never}}\n    timeout: 5m\n"),
    );
    output.until("START watch a");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    while let Ok(l) = output.lines.recv_timeout(Duration::from_secs(5)) {
        output.all.push(l);
    }
    let all = output.all.join("\n");
    assert_eq!(status.code(), Some(130), "{all}");
    assert!(all.contains("interrupted: cleanup ran"), "{all}");
    let runs: Vec<String> = output.all.iter().filter_map(|l| run_id(l)).collect();
    assert_eq!(runs.len(), 6, "{all}");
    for run in runs {
        assert_eq!(
            common::namespaces_of_run(&kc, &run),
            Vec::<String>::new(),
            "run {run} left namespaces\n{all}"
        );
    }
}

/// `kdrill ARGS` to its end; a kdrill still running after 30 s is killed and fails
/// the test (a watch that should have refused to start would run forever).
fn finishes(args: &[&str]) -> (Option<i32>, String) {
    let mut child = kdrill(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("kdrill {args:?} is still running");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let (o, e) = common::text(&out);
    (out.status.code(), format!("{o}{e}"))
}

#[test]
fn watch_refuses_at_once_what_no_edit_can_fix() {
    // a bad --filter: an error before any cluster is contacted, not a watch forever
    let (code, out) = finishes(&["run", "--watch", "--filter", "(", "scenarios/basics"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("error: "), "{out}");
    let (code, out) = finishes(&["run", "--watch", "--dry-run", "scenarios/basics"]);
    assert_eq!(code, Some(2), "{out}");
}
