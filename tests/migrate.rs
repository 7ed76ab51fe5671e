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
        "script-checks/chainsaw-test.yaml:15`: a script expected to fail",
        "0 not accounted for",
    ] {
        assert!(md.contains(needle), "{needle}\n{md}");
    }
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
