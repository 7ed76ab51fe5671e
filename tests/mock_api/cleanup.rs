//! The executor's end of a scenario against the fake API: what the scenario created
//! is deleted newest first, its own namespace last, each waited for until gone,
//! on failure too; `--keep` leaves everything.

use crate::mock::FakeApi;
use crate::run::{run, Run};
use kdrill::executor::event::CleanupResult;
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
        // the scenario's namespace last, waited for
        format!("DELETE namespaces {ns}"),
        format!("WATCH namespaces {ns}"),
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
