//! How the executor places scenarios in time: suites beside the scenarios without
//! one, serial scenarios alone (a suite's setup and teardown included).

use crate::mock::FakeApi;
use kdrill::executor::Event;
use std::collections::BTreeMap;
use std::time::Duration;

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("apiVersion: kdrill.dev/v1alpha1\n{text}")).unwrap();
}

#[tokio::test]
async fn suites_run_beside_other_scenarios_and_serial_ones_run_alone() {
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sleep = "steps:\n- sleep: 1s\n";
    write(d, "a.yaml", &format!("kind: Scenario\nname: a\n{sleep}"));
    write(d, "b.yaml", &format!("kind: Scenario\nname: b\n{sleep}"));
    write(
        d,
        "s.yaml",
        &format!("kind: Scenario\nname: s\nserial: true\n{sleep}"),
    );
    write(
        d,
        "x/suite.yaml",
        "kind: Suite\nname: x\nsetup:\n- sleep: 300ms\nteardown:\n- sleep: 300ms\n",
    );
    write(d, "x/c.yaml", &format!("kind: Scenario\nname: c\n{sleep}"));
    write(
        d,
        "x/t.yaml",
        &format!("kind: Scenario\nname: t\nserial: true\n{sleep}"),
    );
    let events = crate::run::run_dir(&api, d, 4).await;
    // each scenario's time, from its start to the end of its cleanup
    let mut names = BTreeMap::new();
    let mut span: BTreeMap<String, (Duration, Duration)> = BTreeMap::new();
    for e in &events {
        match &e.event {
            Event::ScenarioStarted { id, name, .. } => {
                names.insert(*id, name.clone());
                span.insert(name.clone(), (e.at, Duration::MAX));
            }
            Event::ScenarioFinished { id, .. } => {
                if let Some(s) = span.get_mut(&names[id]) {
                    s.1 = e.at;
                }
            }
            _ => {}
        }
    }
    let of = |n: &str| {
        span.get(n)
            .copied()
            .unwrap_or_else(|| panic!("{n} ran: {span:?}"))
    };
    let overlap = |a: &str, b: &str| {
        let (x, y) = (of(a), of(b));
        x.0 < y.1 && y.0 < x.1
    };
    assert!(
        overlap("c", "a") || overlap("c", "b"),
        "the suite's scenario ran beside the others: {span:?}"
    );
    for serial in ["s", "t"] {
        for other in ["a", "b", "c", "s", "t"] {
            if other != serial {
                assert!(!overlap(serial, other), "{serial} beside {other}: {span:?}");
            }
        }
    }
    let suite_name = span
        .keys()
        .find(|n| !["a", "b", "c", "s", "t"].contains(&n.as_str()))
        .cloned()
        .expect("the suite is reported");
    let (suite, t) = (of(&suite_name), of("t"));
    assert!(
        suite.0 <= t.0 && t.1 <= suite.1,
        "t inside its suite: {span:?}"
    );
}
