use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn selector_requirements() {
    let l = labels(&[("tier", "fast"), ("area", "network")]);
    for (sel, want) in [
        ("tier=fast", true),
        ("tier==fast", true),
        ("tier=slow", false),
        ("tier!=slow", true),
        ("area", true),
        ("!area", false),
        ("!breaks", true),
        ("area in (network, dns)", true),
        ("area notin (network)", false),
        ("tier=fast,area in (dns,storage)", false),
        ("tier=fast, area", true),
    ] {
        assert_eq!(Selector::parse(sel).unwrap().matches(&l), want, "{sel}");
    }
    assert!(Selector::parse("a in b").is_err());
    assert!(Selector::parse("=x").is_err());
    assert!(Selector::parse("a b").is_err());
}

#[test]
fn shard_arguments() {
    assert_eq!(
        "2/4".parse::<Shard>().unwrap(),
        Shard { index: 2, count: 4 }
    );
    assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", ""] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
}

fn names(n: usize) -> Vec<(String, f64)> {
    (0..n)
        .map(|i| (format!("scenarios/area-{}/s{i:03}.yaml", i % 7), 1.0))
        .collect()
}

#[test]
fn shards_by_count_are_balanced_and_cover_everything_once() {
    for (n, count) in [(200, 4), (10, 3), (2, 5), (53, 7)] {
        let units = names(n);
        let place = assign(&units, count, false);
        let mut load = vec![0; count];
        for p in &place {
            load[*p] += 1;
        }
        let most = n.div_ceil(count);
        assert!(load.iter().all(|l| *l <= most), "{n}/{count}: {load:?}");
        assert_eq!(load.iter().sum::<usize>(), n);
        // the same input, the same split, wherever it is computed
        assert_eq!(assign(&units, count, false), place);
    }
}

#[test]
fn shards_are_stable_when_files_are_added() {
    let before = names(100);
    let a = assign(&before, 4, false);
    let mut after = before.clone();
    after.insert(37, ("scenarios/new/added.yaml".into(), 1.0));
    after.push(("scenarios/zzz/another.yaml".into(), 1.0));
    let b = assign(&after, 4, false);
    let moved = before
        .iter()
        .zip(&a)
        .filter(|(u, p)| {
            let j = after.iter().position(|x| x.0 == u.0).unwrap();
            b[j] != **p
        })
        .count();
    assert!(moved <= 8, "{moved} of 100 moved when 2 files were added");
    // list position plays no part: the same files in another order, the same split
    let mut reversed = before.clone();
    reversed.reverse();
    let r = assign(&reversed, 4, false);
    for (i, u) in before.iter().enumerate() {
        let j = reversed.iter().position(|x| x.0 == u.0).unwrap();
        assert_eq!(a[i], r[j]);
    }
}

#[test]
fn shards_by_time_balance_the_time() {
    // one long scenario, many short ones: by count one shard would get the long
    // one and as many short ones as the others
    let mut units = names(40);
    units[0].1 = 30.0;
    let place = assign(&units, 4, true);
    let mut load = [0.0; 4];
    for (u, p) in units.iter().zip(&place) {
        load[*p] += u.1;
    }
    let max = load.iter().copied().fold(0.0, f64::max);
    let min = load.iter().copied().fold(f64::MAX, f64::min);
    assert_eq!(max, 30.0, "the long one alone: {load:?}");
    assert!(max - min <= 30.0 && min >= 13.0, "{load:?}");
    assert_eq!(assign(&units, 4, true), place);
}

fn scenario_at(dir: &std::path::Path, rel: &str) -> Scenario {
    let file = dir.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let text = format!(
        "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: {rel}\nsteps:\n  - sleep: 1ms\n"
    );
    std::fs::write(&file, &text).unwrap();
    crate::scenario::load_str(&file, &text).unwrap()
}

#[test]
fn suites_go_whole_to_one_shard_and_every_shard_agrees() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(crate::config::FILE_NAME), "{}\n").unwrap();
    let suite_file = dir.path().join("suite-a/suite.yaml");
    std::fs::create_dir_all(suite_file.parent().unwrap()).unwrap();
    let suite_text =
        "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nname: a\nsetup:\n  - sleep: 1ms\n";
    std::fs::write(&suite_file, suite_text).unwrap();
    let suite = std::sync::Arc::new(crate::scenario::load_str(&suite_file, suite_text).unwrap());
    let mut all = Vec::new();
    for i in 0..12 {
        all.push(scenario_at(dir.path(), &format!("plain/s{i}.yaml")));
    }
    for i in 0..5 {
        let mut s = scenario_at(dir.path(), &format!("suite-a/m{i}.yaml"));
        s.suite = Some(std::sync::Arc::clone(&suite));
        all.push(s);
    }
    let mut seen = Vec::new();
    for index in 1..=3 {
        let part = shard(all.clone(), Shard { index, count: 3 }, None);
        let members = part.iter().filter(|s| s.suite.is_some()).count();
        assert!(members == 0 || members == 5, "suite split: {members}");
        seen.extend(part.into_iter().map(|s| s.name));
    }
    seen.sort();
    let mut want: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    want.sort();
    assert_eq!(seen, want, "every scenario in exactly one shard");
}

#[test]
fn shard_keys_do_not_depend_on_how_the_path_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(crate::config::FILE_NAME), "{}\n").unwrap();
    let s = scenario_at(dir.path(), "a/b/c.yaml");
    assert_eq!(shard_key(&s.file), "a/b/c.yaml");
    assert_eq!(
        shard_key(&dir.path().join("a/./b/../b/c.yaml")),
        "a/b/c.yaml"
    );
    // a file that is not there (an old report's): its path as written, tidied
    assert_eq!(
        shard_key(std::path::Path::new("./x/../y/z.yaml")),
        "y/z.yaml"
    );
}

#[test]
fn timings_come_from_a_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    std::fs::write(
        &report,
        r#"{"reportVersion": "kdrill.dev/report/v1", "scenarios": [
            {"name": "slow", "file": "x/slow.yaml", "startedAtSeconds": 1.0, "cleanupStartedAtSeconds": 31.0, "durationSeconds": 36.0},
            {"name": "old", "file": "x/old.yaml", "durationSeconds": 4.0}
        ]}"#,
    )
    .unwrap();
    let t = Timings::read(&report).unwrap();
    assert_eq!(
        t.by_key.get("x/slow.yaml"),
        Some(&30.0),
        "the time it held its slot"
    );
    assert_eq!(t.by_key.get("x/old.yaml"), Some(&4.0));
    std::fs::write(&report, "{}").unwrap();
    assert!(Timings::read(&report).is_err());
}

#[test]
fn timings_read_the_report_kdrill_writes() {
    // the JSON report as `--report json=PATH` renders it, not a hand-written one
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let text = crate::report::json::render(&crate::report::tests::sample()).unwrap();
    std::fs::write(&report, text).unwrap();
    let t = Timings::read(&report).unwrap();
    // `fails` held its slot from 0.02 s to 20.02 s (then cleaned up until 21.02 s)
    let fails = t.by_key.get("scenarios/fails.yaml").copied().unwrap();
    assert!((fails - 20.0).abs() < 1e-9, "{fails}");
    assert!(t.by_name.contains_key("passes"));
}
