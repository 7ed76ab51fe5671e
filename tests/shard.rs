//! `--shard I/N` and `kdrill report merge` from the command line, without a cluster:
//! `kdrill list --shard` shows the split, and the shard reports under
//! tests/fixtures/merge/ (written by a real 2-shard run of
//! tests/fixtures/merge/scenarios on the testbed, one scenario failing on purpose)
//! are merged. The in-cluster Indexed Job is tested in tests/cluster.rs.

mod common;

use common::{kdrill, text};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn bin(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kdrill"));
    c.args(args)
        .current_dir(dir)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1");
    c
}

/// The scenario names `kdrill list` prints (one line each, steps indented).
fn listed(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = bin(dir, args).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| l.split(" (").next().unwrap().to_string())
        .collect()
}

fn scenario(dir: &Path, rel: &str) {
    let file = dir.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        file,
        format!("apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: {rel}\nsteps:\n  - sleep: 1ms\n"),
    )
    .unwrap();
}

/// 40 scenarios in 5 directories and a suite of 4.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".kdrill.yaml"), "{}\n").unwrap();
    for i in 0..40 {
        scenario(dir.path(), &format!("scn/area-{}/s{i:02}.yaml", i % 5));
    }
    std::fs::create_dir_all(dir.path().join("scn/shared")).unwrap();
    std::fs::write(
        dir.path().join("scn/shared/suite.yaml"),
        "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nname: shared\nsetup:\n  - sleep: 1ms\n",
    )
    .unwrap();
    for i in 0..4 {
        scenario(dir.path(), &format!("scn/shared/m{i}.yaml"));
    }
    dir
}

fn split(dir: &Path, path: &str, n: usize) -> Vec<Vec<String>> {
    (1..=n)
        .map(|i| listed(dir, &["list", path, "--shard", &format!("{i}/{n}")]))
        .collect()
}

#[test]
fn shards_cover_every_scenario_once_keep_suites_whole_and_agree_everywhere() {
    let p = project();
    let all: BTreeSet<String> = listed(p.path(), &["list", "scn"]).into_iter().collect();
    assert_eq!(all.len(), 44, "{all:?}");
    let parts = split(p.path(), "scn", 3);
    let mut seen = BTreeSet::new();
    for part in &parts {
        for name in part {
            assert!(seen.insert(name.clone()), "{name} in two shards");
        }
        let members = part.iter().filter(|n| n.starts_with("scn/shared/")).count();
        assert!(
            members == 0 || members == 4,
            "the suite was split: {part:?}"
        );
        assert!(
            (12..=17).contains(&part.len()),
            "by count: {:?}",
            parts.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }
    assert_eq!(seen, all, "every scenario in exactly one shard");

    // written another way, from another directory: the same split
    let elsewhere = tempfile::tempdir().unwrap();
    let abs = p.path().join("scn/../scn");
    let again = split(elsewhere.path(), abs.to_str().unwrap(), 3);
    assert_eq!(again, parts);

    // two files more: the others mostly stay where they were
    scenario(p.path(), "scn/area-2/new-a.yaml");
    scenario(p.path(), "scn/zzz/new-b.yaml");
    let after = split(p.path(), "scn", 3);
    let moved = parts
        .iter()
        .enumerate()
        .flat_map(|(i, part)| part.iter().map(move |n| (i, n)))
        .filter(|(i, n)| !after[*i].contains(n))
        .count();
    assert!(moved <= 6, "{moved} of 44 moved when 2 files were added");

    // more shards than scenarios: the extra shards are empty, not an error
    let tiny = tempfile::tempdir().unwrap();
    std::fs::write(tiny.path().join(".kdrill.yaml"), "{}\n").unwrap();
    scenario(tiny.path(), "only.yaml");
    let many = split(tiny.path(), ".", 3);
    assert_eq!(many.iter().map(Vec::len).sum::<usize>(), 1);
}

#[test]
fn bad_shard_arguments_are_refused_with_a_clear_message() {
    let p = project();
    for (args, want) in [
        (
            vec!["--shard", "0/3"],
            "--shard: expected I/N with 1 <= I <= N",
        ),
        (vec!["--shard", "4/3"], "--shard: expected I/N"),
        (
            vec!["--shard", "1/2", "--shard-timings", "missing.json"],
            "--shard-timings: cannot read missing.json",
        ),
        (
            vec!["--shard", "1/2", "--shard-timings", ".kdrill.yaml"],
            "is not a kdrill JSON report",
        ),
    ] {
        let out = bin(p.path(), &[&["list", "scn"][..], &args].concat())
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

#[test]
fn timings_from_a_report_balance_the_shards_by_time() {
    let p = project();
    // an earlier run's report: s00 took 60 s, every other scenario 1 s
    let mut scenarios = Vec::new();
    for i in 0..40 {
        let secs = if i == 0 { 60.0 } else { 1.0 };
        scenarios.push(serde_json::json!({
            "name": format!("scn/area-{}/s{i:02}.yaml", i % 5),
            "file": format!("scn/area-{}/s{i:02}.yaml", i % 5),
            "status": "passed", "durationSeconds": secs,
        }));
    }
    let report =
        serde_json::json!({"reportVersion": "kdrill.dev/report/v1", "scenarios": scenarios});
    std::fs::write(p.path().join("timings.json"), report.to_string()).unwrap();
    let parts: Vec<Vec<String>> = (1..=3)
        .map(|i| {
            listed(
                p.path(),
                &[
                    "list",
                    "scn",
                    "--shard",
                    &format!("{i}/3"),
                    "--shard-timings",
                    "timings.json",
                ],
            )
        })
        .collect();
    // the 60 s scenario alone on its shard; the 43 others (the suite's 4 unknown ones
    // counted as the median, 1 s) share the other two
    let long = parts
        .iter()
        .find(|p| p.iter().any(|n| n == "scn/area-0/s00.yaml"))
        .unwrap();
    assert_eq!(long.len(), 1, "{long:?}");
    let total: usize = parts.iter().map(Vec::len).sum();
    assert_eq!(total, 44);
    let others: Vec<usize> = parts.iter().filter(|p| p.len() > 1).map(Vec::len).collect();
    assert_eq!(others.len(), 2);
    assert!(others[0].abs_diff(others[1]) <= 4, "{others:?}");
}

fn fixtures() -> std::path::PathBuf {
    common::root().join("tests/fixtures/merge")
}

#[test]
fn shard_reports_merge_into_one_json_and_one_junit_report() {
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("merged.json");
    let xml = out_dir.path().join("merged.xml");
    let f = fixtures();
    let out = kdrill(&["report", "merge"])
        .arg(f.join("shard-1.json"))
        .arg(f.join("shard-2.json"))
        .arg(f.join("shard-1.xml"))
        .arg(f.join("shard-2.xml"))
        .args(["--expect", "2", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&xml)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a scenario failed: {stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("failed: wrong expectation — step 2 `the mode was never patched` at tests/fixtures/merge/scenarios/wrong.yaml:9:5"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kdrill: 4 passed, 1 failed, 0 skipped in ")
            && stdout.contains("(merged from 2 report(s))"),
        "{stdout}"
    );

    // every scenario of the suite, once, with its verdict
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut verdicts: Vec<(String, String)> = merged["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    verdicts.sort();
    let listed = listed(&common::root(), &["list", "tests/fixtures/merge/scenarios"]);
    let mut want: Vec<(String, String)> = listed
        .into_iter()
        .map(|n| {
            let st = if n == "wrong expectation" {
                "failed"
            } else {
                "passed"
            };
            (n, st.to_string())
        })
        .collect();
    want.sort();
    assert_eq!(verdicts, want);
    assert_eq!(merged["reportVersion"], "kdrill.dev/report/v1");
    assert_eq!(merged["shards"].as_array().unwrap().len(), 2);
    let longest = merged["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["durationSeconds"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert_eq!(merged["durationSeconds"].as_f64().unwrap(), longest);

    // the merged JUnit report reads back with a JUnit parser, counts summed
    let suites =
        junit_parser::from_reader(std::io::BufReader::new(std::fs::File::open(&xml).unwrap()))
            .expect("a JUnit parser reads the merged report");
    assert_eq!((suites.tests, suites.failures), (5, 1));
    assert_eq!(suites.suites.len(), 2, "one testsuite per shard");

    // the merged report is a timings file for the next sharded run
    let out = kdrill(&[
        "list",
        "tests/fixtures/merge/scenarios",
        "--shard",
        "1/2",
        "--shard-timings",
    ])
    .arg(&json)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[test]
fn merge_refuses_what_it_cannot_vouch_for() {
    let f = fixtures();
    // a shard's report missing: --expect says so, and the merge fails
    let out = kdrill(&["report", "merge", "--expect", "3"])
        .arg(f.join("shard-1.json"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("--expect 3: found 1 shard report(s)"),
        "{stderr}"
    );
    // the passing shard alone passes
    let out = kdrill(&["report", "merge"])
        .arg(f.join("shard-1.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // one report read twice (a directory and a file) counts once
    let out = kdrill(&["report", "merge", "--expect", "2"])
        .arg(&f)
        .arg(f.join("shard-1.json"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.contains("a run already read (same runId); counted once"),
        "{stderr}"
    );
    assert!(stdout.contains("kdrill: 4 passed, 1 failed"), "{stdout}");
    // not a report: named, exit 2, nothing written
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let merged = dir.path().join("out.json");
    let out = kdrill(&["report", "merge"])
        .arg(f.join("shard-1.json"))
        .arg(&junk)
        .arg("--json")
        .arg(&merged)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("junk.json: not a kdrill JSON report"),
        "{stderr}"
    );
    assert!(!merged.exists());
    // nothing to merge
    let out = kdrill(&["report", "merge"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
