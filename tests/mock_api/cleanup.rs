//! The executor's end of a scenario against the fake API: what the scenario created
//! is deleted newest first, its own namespace last, each waited for until gone,
//! on failure too; `--keep` leaves everything.

use crate::mock::FakeApi;
use crate::run::{run, run_many, Run};
use kdrill::cluster::Removed;
use kdrill::executor::event::CleanupResult;
use kdrill::executor::Event;
use std::time::Duration;

/// Run the scenario `steps` (YAML list items) with the executor against `api`.
async fn run_scenario(api: &FakeApi, steps: &str, keep: bool) -> Run {
    run(api, "cleanup order", steps, keep).await
}

/// Where `entry` is in `journal` (it must be there).
fn at(journal: &[String], entry: &str) -> usize {
    journal
        .iter()
        .position(|j| j == entry)
        .unwrap_or_else(|| panic!("`{entry}` is not in the journal: {journal:#?}"))
}

/// The entries appear in this order.
fn in_order(journal: &[String], entries: &[String]) {
    for pair in entries.windows(2) {
        assert!(
            at(journal, &pair[0]) < at(journal, &pair[1]),
            "`{}` must come before `{}`: {journal:#?}",
            pair[0],
            pair[1]
        );
    }
}

const CREATES_INSIDE_AND_OUTSIDE: &str = r#"
  - apply: {manifest: {apiVersion: v1, kind: Namespace, metadata: {name: side}}}
  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: first, namespace: side}}}
  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: second, namespace: side}}}
  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: own}}}
  - apply: {manifest: {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: main, image: nginx}]}}}
"#;

#[tokio::test]
async fn cleanup_deletes_newest_first_and_the_namespace_last_waiting_for_each() {
    let api = FakeApi::start().await;
    // a grace period: a cleanup that did not wait would end before the objects go
    api.set_deletion_delay(Duration::from_millis(100));
    let run = run_scenario(&api, CREATES_INSIDE_AND_OUTSIDE, false).await;
    assert_eq!(run.failures(), Vec::<String>::new());
    let ns = &run.namespace;
    let journal = api.journal();
    let entries: Vec<String> = [
        // the scenario's own namespace goes as a whole; its workloads are asked to
        // stop first (newest first), without waiting for each
        format!("DELETE pods {ns}/web"),
        format!("DELETE configmaps {ns}/own"),
        format!("DELETE-COLLECTION pods {ns}"),
        // what lives elsewhere: newest first, each waited for until gone
        "DELETE configmaps side/second".into(),
        "WATCH configmaps side/second".into(),
        "gone configmaps side/second".into(),
        "DELETE configmaps side/first".into(),
        "gone configmaps side/first".into(),
        "DELETE namespaces side".into(),
        "gone namespaces side".into(),
        // the scenario's namespace last, waited for on the run's one watch of its
        // namespaces (see many_cleanups_wait_on_one_watch_of_the_runs_namespaces)
        format!("DELETE namespaces {ns}"),
        "WATCH namespaces  -l kdrill.dev/run=mockrun2".into(),
        format!("gone namespaces {ns}"),
    ]
    .into();
    in_order(&journal, &entries);
    assert!(
        !journal
            .iter()
            .any(|j| j == &format!("WATCH configmaps {ns}/own")),
        "objects inside the namespace go with it: {journal:#?}"
    );
    assert!(
        matches!(run.cleanup(), CleanupResult::Done { deleted: 4 }),
        "{:?}",
        run.cleanup()
    );
    assert!(api.object("namespaces", "", ns).is_none());
    assert!(api.object("namespaces", "", "side").is_none());
}

#[tokio::test]
async fn a_failed_scenario_is_cleaned_up_too() {
    let api = FakeApi::start().await;
    let steps = r#"
  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: own}, data: {mode: old}}}
  - assert: {object: configmap/own, matches: {data: {mode: new}}}
    timeout: 300ms
  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: never}}}
"#;
    let run = run_scenario(&api, steps, false).await;
    assert_eq!(
        run.failures(),
        ["assert configmap/own: not satisfied (condition not met within 0.3s)"]
    );
    let ns = &run.namespace;
    let journal = api.journal();
    assert!(
        !journal.iter().any(|j| j.contains("never")),
        "the steps stopped at the failure"
    );
    in_order(
        &journal,
        &[
            format!("DELETE namespaces {ns}"),
            format!("gone namespaces {ns}"),
        ],
    );
    assert!(
        matches!(run.cleanup(), CleanupResult::Done { deleted: 1 }),
        "{:?}",
        run.cleanup()
    );
}

#[tokio::test]
async fn keep_leaves_everything_in_place() {
    let api = FakeApi::start().await;
    let run = run_scenario(&api, CREATES_INSIDE_AND_OUTSIDE, true).await;
    let ns = &run.namespace;
    assert!(
        matches!(run.cleanup(), CleanupResult::Kept { namespace } if namespace == ns),
        "{:?}",
        run.cleanup()
    );
    assert!(
        !api.journal().iter().any(|j| j.starts_with("DELETE")),
        "{:#?}",
        api.journal()
    );
    assert!(api.object("configmaps", "side", "second").is_some());
    assert!(api.object("pods", ns, "web").is_some());
}

#[tokio::test]
async fn many_cleanups_wait_on_one_watch_of_the_runs_namespaces() {
    // bench/scale: with 1,000 scenarios about 900 cleanups waited at once for the
    // namespace controller, each on a watch of its own namespace, i.e. an HTTP/1.1
    // connection each (kdrill's RSS grew ~80 KB per scenario). Now they share one.
    let api = FakeApi::start().await;
    // namespaces linger: every cleanup of the run is waiting at the same time
    api.set_deletion_delay(Duration::from_millis(400));
    let steps = "  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: own}}}\n";
    let names: Vec<String> = (0..20).map(|i| format!("tiny-{i}")).collect();
    let scenarios: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), steps)).collect();
    let events = run_many(&api, &scenarios, 20, false).await;
    let namespaces: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::ScenarioStarted { namespace, .. } => Some(namespace),
            _ => None,
        })
        .collect();
    assert_eq!(namespaces.len(), 20);
    let done = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::ScenarioFinished {
                    cleanup: CleanupResult::Done { deleted: 1 },
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        done, 20,
        "every cleanup waited its namespace out: {events:#?}"
    );
    let journal = api.journal();
    let watches: Vec<&String> = journal
        .iter()
        .filter(|j| j.starts_with("WATCH namespaces"))
        .collect();
    assert_eq!(
        watches,
        ["WATCH namespaces  -l kdrill.dev/run=mockrun2"],
        "one watch of the run's namespaces, none per namespace"
    );
    for ns in namespaces {
        assert!(api.object("namespaces", "", ns).is_none(), "{ns} is gone");
        // gone before its scenario's cleanup said so
        let gone = journal
            .iter()
            .position(|j| j == &format!("gone namespaces {ns}"));
        assert!(gone.is_some(), "{ns}: {journal:#?}");
    }
}

/// A namespace of the run `mockrun9`, as `kdrill run` labels its own.
fn run_namespace(api: &FakeApi, name: &str) {
    api.put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kdrill.dev/run": "mockrun9"}}}));
}

#[tokio::test]
async fn the_shared_watch_reports_a_namespace_that_stays_as_still_there() {
    // it must not call a namespace gone that is not: one that stays (a finalizer
    // nobody removes) fails the cleanup, as a watch of its own did
    let api = FakeApi::start().await;
    api.set_deletion_delay(Duration::from_secs(3600));
    run_namespace(&api, "stays");
    let cluster = api.cluster().await;
    let gone = cluster.gone_watch("kdrill.dev/run=mockrun9".into());
    let hurry = tokio_util::sync::CancellationToken::new();
    let err = cluster
        .remove_namespace("stays", Duration::from_millis(500), &hurry, &gone)
        .await
        .expect_err("the namespace stays");
    let text = err.to_string();
    assert!(
        text.starts_with("still present after delete (timed out after 500ms"),
        "{text}"
    );
    assert!(api.object("namespaces", "", "stays").is_some());
}

#[tokio::test]
async fn the_shared_watch_sees_each_namespace_go_whenever_its_wait_began() {
    // one namespace is gone before its cleanup waits (the GET after registering
    // finds it), two go while theirs wait (the watch's DELETED events wake them)
    let api = FakeApi::start().await;
    for n in ["early", "a", "b"] {
        run_namespace(&api, n);
    }
    let cluster = api.cluster().await;
    let gone = cluster.gone_watch("kdrill.dev/run=mockrun9".into());
    let hurry = tokio_util::sync::CancellationToken::new();
    let within = Duration::from_secs(10);
    assert_eq!(
        cluster
            .remove_namespace("early", within, &hurry, &gone)
            .await
            .unwrap(),
        Removed::Deleted
    );
    api.set_deletion_delay(Duration::from_millis(300));
    let t0 = std::time::Instant::now();
    let (a, b) = tokio::join!(
        cluster.remove_namespace("a", within, &hurry, &gone),
        cluster.remove_namespace("b", within, &hurry, &gone),
    );
    assert_eq!(
        (a.unwrap(), b.unwrap()),
        (Removed::Deleted, Removed::Deleted)
    );
    // woken by the watch when they went, not by a timeout or a poll
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(api.object("namespaces", "", "a").is_none());
    assert!(api.object("namespaces", "", "b").is_none());
    let watches = api
        .journal()
        .into_iter()
        .filter(|j| j.starts_with("WATCH namespaces"))
        .collect::<Vec<_>>();
    assert_eq!(watches, ["WATCH namespaces  -l kdrill.dev/run=mockrun9"]);
    // a namespace already gone is absent, as before
    assert_eq!(
        cluster
            .remove_namespace("a", within, &hurry, &gone)
            .await
            .unwrap(),
        Removed::Absent
    );
}

#[tokio::test]
async fn scenarios_do_not_outrun_the_namespace_controller() {
    // bench/scale --pods: 1,000 short scenarios at -j 25 queued ~950 namespace
    // deletions within 40 s; the namespace controller deletes ~7 a second, so the
    // last cleanups waited past their 120 s and failed. A scenario now begins only
    // while fewer than cleanup_backlog(-j) are begun and not yet cleaned up.
    let api = FakeApi::start().await;
    api.set_deletion_delay(Duration::from_millis(300));
    let steps = "  - apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: own}}}\n";
    let names: Vec<String> = (0..150).map(|i| format!("short-{i}")).collect();
    let scenarios: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), steps)).collect();
    let bound = kdrill::executor::cleanup_backlog(20);
    assert_eq!(bound, 100);
    let events = run_many(&api, &scenarios, 20, false).await;
    let (mut in_flight, mut most, mut done) = (0usize, 0usize, 0usize);
    for e in &events {
        match e {
            Event::ScenarioStarted { .. } => {
                in_flight += 1;
                most = most.max(in_flight);
            }
            Event::ScenarioFinished { cleanup, .. } => {
                in_flight -= 1;
                if matches!(cleanup, CleanupResult::Done { deleted: 1 }) {
                    done += 1;
                }
            }
            _ => {}
        }
    }
    assert_eq!(done, 150);
    assert!(
        most <= bound,
        "{most} scenarios begun and not cleaned up at once"
    );
    // the bound was what held them back: each takes milliseconds, its cleanup 300 ms
    assert!(most > bound / 2, "{most}");
}
