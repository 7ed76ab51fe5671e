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

/// A project of files in a temporary directory (with `.git`, so it is its own project).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const HEAD: &str = "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: s\n";

fn lint_in(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrill"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (o, e) = text(&out);
    (out.status.code(), o, e)
}

/// Issue 17: lint passed scenarios whose manifest file was missing, a directory,
/// binary or invalid YAML, outside the project, or used undefined variables.
#[test]
fn lint_checks_the_files_and_variables_a_scenario_uses() {
    let steps = "steps:\n  - apply: {file: missing.yaml}\n  - apply: {kustomize: a-file.yaml}\n  - apply: {file: broken.yaml}\n  - apply: {file: ../../../../etc/hostname}\n  - apply: {file: uses-vars.yaml}\n  - exec: {pod: x, command: [echo, '${NOPE}', '$${LITERAL}']}\n  - command: {run: 'echo ${SHELL_VAR}'}\n  - get: {kind: pods}\n    save: {OUT: output}\n  - exec: {pod: x, command: [echo, '${OUT}', '${GIVEN}', '${NAMESPACE}']}\n";
    let dir = project(&[
        ("s.yaml", &format!("{HEAD}{steps}")),
        (
            "a-file.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        ),
        ("broken.yaml", "apiVersion: v1\nkind: [unclosed\n"),
        (
            "uses-vars.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '${WHO}'}\n",
        ),
    ]);
    let (code, stdout, stderr) = lint_in(dir.path(), &["s.yaml", "--set", "GIVEN=1"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    for want in [
        "s.yaml:5:5: apply file `missing.yaml`: no such file or directory",
        "s.yaml:6:5: kustomization `a-file.yaml`: is not a directory",
        "s.yaml:7:5: apply file `broken.yaml`",
        "s.yaml:8:5: apply file `../../../../etc/hostname`: is outside the project",
        "s.yaml:9:5: `${WHO}` in uses-vars.yaml is not defined",
        "s.yaml:10:5: `${NOPE}` in this step is not defined",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
    assert!(
        !stderr.contains("LITERAL") && !stderr.contains("SHELL_VAR"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("${OUT}") && !stderr.contains("${GIVEN}"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("error:").count(),
        6,
        "each problem once:\n{stderr}"
    );
}

/// Issue 17: a UTF-8 BOM made a valid scenario "not a kdrill scenario" (and a
/// directory skipped it); CRLF line ends must load too.
#[test]
fn byte_order_marks_and_crlf_are_read() {
    let body = format!("{HEAD}steps:\n  - sleep: 1s\n");
    let dir = project(&[
        ("bom.yaml", &format!("\u{feff}{body}")),
        (
            "crlf.yaml",
            &body.replace('\n', "\r\n").replace("name: s", "name: t"),
        ),
    ]);
    let (code, stdout, stderr) = lint_in(dir.path(), &["."]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("2 scenario(s) valid"), "{stdout}{stderr}");
    let (code, _, stderr) = lint_in(dir.path(), &["bom.yaml"]);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Issue 17: whether a parent directory's suite applied depended on how the path
/// was written (from inside the directory, `kdrill run s.yaml` skipped it); and a
/// broken suite.yaml was reported three times.
#[test]
fn a_suite_applies_however_the_path_is_written_and_errors_come_once() {
    let suite =
        "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nname: shared\nsetup:\n  - sleep: 1s\n";
    let dir = project(&[
        ("team/suite.yaml", suite),
        ("team/a/s.yaml", &format!("{HEAD}steps:\n  - sleep: 1s\n")),
    ]);
    for (cwd, path) in [
        ("", "team/a/s.yaml"),
        ("team/a", "s.yaml"),
        ("team", "a/s.yaml"),
        ("team/a", "./s.yaml"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrill"))
            .args(["list", path])
            .current_dir(dir.path().join(cwd))
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(
            stdout.contains("[suite: shared]"),
            "from {cwd:?} with {path}: {stdout}{stderr}"
        );
    }
    std::fs::write(
        dir.path().join("team/suite.yaml"),
        "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nname: [broken\n",
    )
    .unwrap();
    let (code, _, stderr) = lint_in(dir.path(), &["team"]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.matches("suite.yaml").count(), 1, "{stderr}");
}

/// Issue 17: `list` on a directory with no scenarios exited 0 while `lint` exited 2.
#[test]
fn no_scenarios_is_a_usage_error_everywhere() {
    let dir = project(&[("notes.txt", "nothing here")]);
    for cmd in ["lint", "list"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrill"))
            .args([cmd, "."])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}: {:?}", text(&out));
    }
}

/// Issue 17: one file with an out-of-range duration panicked (exit 101) and hid
/// every other file's errors.
#[test]
fn out_of_range_durations_are_errors_and_do_not_hide_others() {
    let dir = project(&[
        ("a.yaml", &format!("{HEAD}steps:\n  - sleep: 1e30\n")),
        ("b.yaml", &format!("{HEAD}timeout: 99999999999999999999s\nsteps:\n  - wait: {{for: pod/x}}\n    retry: {{attempts: 3, backoff: 1e25}}\n")),
        ("c.yaml", &format!("{HEAD}steps:\n  - frobnicate: {{}}\n")),
    ]);
    let (code, stdout, stderr) = lint_in(dir.path(), &["."]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for f in ["a.yaml:5", "b.yaml:4", "b.yaml:7", "c.yaml:5"] {
        assert!(stderr.contains(f), "no error at {f}:\n{stderr}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrill"))
        .args(["run", "a.yaml", "--timeout", "99999999999999999999s"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}
