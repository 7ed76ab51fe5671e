//! `kdrill lint` and the command line, through the real binary. No cluster needed.

mod common;
use common::{kdrill, text};

#[test]
fn lint_reports_every_problem_with_its_position() {
    let out = kdrill(&["lint", "tests/fixtures/malformed"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    insta::assert_snapshot!(stderr);
    assert!(
        stdout.contains("0 scenario(s) valid, 16 error(s) in 12 file(s)"),
        "{stdout}"
    );
}

#[test]
fn lint_accepts_the_bundled_scenarios() {
    let out = kdrill(&["lint", "scenarios"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
}

#[test]
fn run_refuses_malformed_files_before_touching_a_cluster() {
    let out = kdrill(&[
        "run",
        "tests/fixtures/malformed/two-actions.yaml",
        "--kubeconfig",
        "/nonexistent",
    ])
    .output()
    .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("two-actions.yaml:6:5: a step has exactly one action"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_scenario_is_named() {
    let out = kdrill(&["lint", "scenarios/basics/manifests/nginx-pod.yaml"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("nginx-pod.yaml:0:0: not a kdrill scenario"),
        "{stderr}"
    );
}

#[test]
fn unreachable_cluster_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    )
    .unwrap();
    let out = kdrill(&["run", "scenarios/basics"])
        .arg("--kubeconfig")
        .arg(&kc)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cluster unreachable"), "{stderr}");
    let out = kdrill(&["run", "scenarios/basics", "--context", "no-such-context"])
        .arg("--kubeconfig")
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    let out = kdrill(&["run", "--timeout", "soon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kdrill(&["--help"]).output().unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("Exit codes: 0 all passed"), "{stdout}");
    let out = kdrill(&["run", "--filter", "("]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn list_shows_scenarios_and_steps() {
    let out = kdrill(&["list", "scenarios/basics"]).output().unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("every step kind (scenarios/basics/every-step.yaml)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("   2. wait pod/nginx phase=Running"),
        "{stdout}"
    );
}

#[test]
fn dry_run_prints_the_plan_without_a_cluster() {
    let out = kdrill(&[
        "run",
        "scenarios/working-with-pods",
        "--dry-run",
        "--kubeconfig",
        "/nonexistent",
    ])
    .output()
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("7 scenario(s) in parallel, 4 at a time"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 scenario(s) one at a time (serial)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("in a new namespace kdrill-static-pods-<random>"),
        "{stdout}"
    );
}

#[test]
fn explain_and_completions() {
    let out = kdrill(&["explain", "exec"]).output().unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.starts_with("### `exec`"), "{stdout}");
    assert_eq!(
        kdrill(&["explain", "nope"]).output().unwrap().status.code(),
        Some(2)
    );
    let out = kdrill(&["completions", "bash"]).output().unwrap();
    assert!(text(&out).0.contains("kdrill"));
}

#[test]
fn lint_warns_about_unused_snapshots_and_backoff_waits_without_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("scenarios");
    std::fs::create_dir_all(&scen).unwrap();
    std::fs::write(
        scen.join("crash.yaml"),
        "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: crash\nsteps:\n  - wait: {for: pod/x, until: {container: {restartCount: '>=1'}}}\n  - wait: {for: pod/x, until: {container: {restartCount: 0}}}\n",
    )
    .unwrap();
    let snaps = dir.path().join("snapshots/crash");
    std::fs::create_dir_all(&snaps).unwrap();
    std::fs::write(snaps.join("gone.ksnap"), "---\n").unwrap();
    let out = kdrill(&["lint"]).arg(&scen).output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail lint: {stderr}"
    );
    assert!(
        stderr.contains("crash.yaml:5:5: waits for restarts"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("crash.yaml:6:5"),
        "restartCount 0 needs no restart: {stderr}"
    );
    assert!(
        stderr.contains("gone.ksnap: no scenario uses this snapshot"),
        "{stderr}"
    );
}

#[test]
fn a_post_can_be_run_directly_from_markdown() {
    let out = kdrill(&[
        "run",
        "--from-markdown",
        "tests/fixtures/posts/working-with-pods.md",
        "--dry-run",
    ])
    .output()
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("kdrill: imported tests/fixtures/posts/working-with-pods.md into"),
        "{stderr}"
    );
    assert!(stdout.contains("working-with-pods (imported)"), "{stdout}");
    assert!(
        stdout.contains("exec pod/webapps -c bitnami -- curl localhost:8080"),
        "{stdout}"
    );
}

#[test]
fn the_project_file_sets_defaults_that_the_command_line_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".kdrill.yaml");
    std::fs::write(
        &cfg,
        "apiVersion: kdrill.dev/v1alpha1\nkind: Config\ndefaults:\n  parallel: 7\n  timeout: 90s\n  timeouts: {assert: 45s}\n  namespacePrefix: team-a\n",
    )
    .unwrap();
    let plan = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/basics/variables.yaml", "--dry-run"];
        args.extend_from_slice(extra);
        let o = kdrill(&args).env("KDRILL_CONFIG", &cfg).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        text(&o).0
    };
    let out = plan(&[]);
    assert!(out.contains("7 at a time"), "{out}");
    assert!(
        out.contains("in a new namespace team-a-variables-<random>"),
        "{out}"
    );
    assert!(
        out.contains("assert configmap/settings (timeout 45.0s"),
        "per kind: {out}"
    );
    assert!(
        out.contains("(timeout 1m30s"),
        "the default for other kinds: {out}"
    );
    let out = plan(&["-j", "2", "--timeout", "10s"]);
    assert!(out.contains("2 at a time"), "{out}");
    assert!(out.contains("(timeout 10.0s"), "{out}");
    assert!(
        out.contains("(timeout 45.0s"),
        "a kind's timeout still wins over --timeout: {out}"
    );
    std::fs::write(&cfg, "defaults:\n  timeouts: {wiat: 3m}\n").unwrap();
    let o = kdrill(&["run", "scenarios/basics/variables.yaml", "--dry-run"])
        .env("KDRILL_CONFIG", &cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("`wiat` is not a step kind"),
        "{:?}",
        text(&o)
    );
}
