//! `kdrill migrate`: the fixture suites (tests/fixtures/migrate, written for this
//! project in Chainsaw's and KUTTL's formats) convert to the committed tree, and every
//! converted scenario loads. Running them on the cluster is in tests/cluster.rs.

mod common;
use common::{kdrill, text, tree_text};

fn migrate(format: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = kdrill(&[
        "migrate",
        format,
        &format!("tests/fixtures/migrate/{format}"),
        "--out",
    ])
    .arg(&out)
    .output()
    .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("11 test(s)"), "{stdout}");
    let tree = tree_text(&out);
    (dir, tree)
}

#[test]
fn chainsaw_suite_converts_to_the_committed_tree() {
    let (dir, tree) = migrate("chainsaw");
    insta::assert_snapshot!("chainsaw_tree", tree);
    // every construct without an exact equivalent is listed with file:line
    let md = std::fs::read_to_string(dir.path().join("out/MIGRATION.md")).unwrap();
    for needle in [
        "catch-and-finally/chainsaw-test.yaml:23`: `describe`",
        "0 not accounted for",
    ] {
        assert!(md.contains(needle), "{needle}\n{md}");
    }
    // `($error != null)`: any non-zero exit, the script negated by the shell
    assert!(tree.contains("! (\n"), "{tree}");
    // a JMESPath assertion key became CEL on the object
    assert!(
        tree.contains("expr: size(self.data.namespace) > 0"),
        "{tree}"
    );
}

#[test]
fn kuttl_suite_converts_to_the_committed_tree() {
    let (_dir, tree) = migrate("kuttl");
    insta::assert_snapshot!("kuttl_tree", tree);
    assert!(tree.contains("mode: merge"), "KUTTL applies merge");
    assert!(
        tree.contains("match: none"),
        "errors files become absence checks"
    );
    assert!(tree.contains("allowFailure: true"), "ignoreFailure");
}

#[test]
fn a_non_empty_output_directory_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "").unwrap();
    let o = kdrill(&["migrate", "kuttl", "tests/fixtures/migrate/kuttl", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--force"));
}

#[test]
fn a_directory_without_tests_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = kdrill(&["migrate", "chainsaw"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no chainsaw-test.yaml found"));
}

/// The migrate corpus (tests/fixtures/migrate-corpus: real-style suites nobody wrote for
/// the converter) converts with every key of its YAML files accounted for: converted, or
/// listed in MIGRATION.md with a reason. The tally is the ledger's walk of the files,
/// not the converter's own count.
#[test]
fn the_corpus_loses_nothing_silently() {
    let inputs = [
        ("chainsaw", "chainsaw"),
        ("kuttl", "kuttl/core"),
        ("kuttl", "kuttl/operator"),
        ("kuttl", "kuttl/fixed-namespace"),
        ("kuttl", "kuttl/slow-script"),
    ];
    for (format, dir) in inputs {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = kdrill(&[
            "migrate",
            format,
            &format!("tests/fixtures/migrate-corpus/{dir}"),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{dir}: {stdout}\n{stderr}");
        assert!(stdout.contains(" 0 not accounted for"), "{dir}: {stdout}");
        let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
        assert!(md.contains("0 not accounted for."), "{dir}: {md}");
        if format == "chainsaw" {
            let tree = tree_text(&out);
            // a step template inlined with the caller's bindings
            assert!(tree.contains("file: settings.yaml"), "{tree}");
            // names computed from bindings, the namespace a variable
            assert!(
                tree.contains("object: apps/v1/Deployment/catalog-api"),
                "{tree}"
            );
            // JMESPath assertion keys as CEL
            assert!(tree.contains("size(self.spec.containers) == 2"), "{tree}");
            // two Tests with one name are two scenarios
            assert!(out.join("configmap-lifecycle-2").is_dir());
            // a JMESPath key compared with a list: as long, each element partial
            assert!(tree.contains("[0].reason == 'MetricsHealthy'"), "{tree}");
            // the CEL of the JMESPath assertions (keys and `~.(list)` iterations) holds
            // on the pod the test makes, as Chainsaw's did, and not on a changed one
            let scenario: serde_yaml::Value = serde_yaml::from_str(
                &std::fs::read_to_string(out.join("jmespath-assertions/jmespath-assertions.yaml"))
                    .unwrap(),
            )
            .unwrap();
            let mut pod: serde_json::Value = serde_yaml::from_str(
                &std::fs::read_to_string(
                    "tests/fixtures/migrate-corpus/chainsaw/jmespath-assertions/pod.yaml",
                )
                .unwrap(),
            )
            .unwrap();
            pod["status"] = serde_json::json!({"phase": "Running",
                "containerStatuses": [{"name": "web", "ready": true}, {"name": "log-shipper", "ready": true}]});
            let exprs: Vec<kdrill::wait::Expr> = scenario["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter_map(|st| st["assert"]["expr"].as_str())
                .map(|e| kdrill::wait::Expr::parse(e).unwrap())
                .collect();
            assert_eq!(exprs.len(), 2, "{scenario:?}");
            let holds = |e: &kdrill::wait::Expr, p: &serde_json::Value| {
                e.eval(p, &Default::default()) == kdrill::wait::expr::Verdict::Holds
            };
            assert!(exprs.iter().all(|e| holds(e, &pod)), "{exprs:?}");
            let mut unready = pod.clone();
            unready["status"]["containerStatuses"][1]["ready"] = serde_json::json!(false);
            assert!(!holds(&exprs[0], &unready));
            let mut no_role = pod.clone();
            no_role["spec"]["containers"][1]["env"] = serde_json::json!([]);
            assert!(!holds(&exprs[0], &no_role));
        }
        if dir == "kuttl/operator" {
            // the TestSuite's crdDir, manifestDirs and commands: a kdrill Suite's setup
            let suite = std::fs::read_to_string(out.join("suite.yaml")).unwrap();
            for needle in [
                "file: crds/widgets.yaml",
                "condition: Established",
                "file: manifests/shared.yaml",
                "( sh ./hack/reconcile-widgets.sh ) >/dev/null 2>&1 &",
            ] {
                assert!(suite.contains(needle), "{needle}\n{suite}");
            }
            assert!(out.join("hack/reconcile-widgets.sh").is_file());
        }
    }
}

#[test]
fn a_key_nothing_accounts_for_fails_the_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().join("in/t");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("chainsaw-test.yaml"),
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nspec:\n  steps:\n  - try:\n    - sleep: {duration: 1s}\n    futureKey: 3\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = kdrill(&["migrate", "chainsaw"])
        .arg(&t)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("chainsaw-test.yaml:8: `spec.steps.[0].futureKey`"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    assert!(md.contains("`spec.steps.[0].futureKey`"), "{md}");
}
