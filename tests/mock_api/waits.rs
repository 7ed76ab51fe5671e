//! `wait`, `assert` and `delete` on the fake API's watch streams: they end on the
//! event that satisfies them, fail at once when the API refuses the watch or the
//! object can never get there, and show the object that fell short as evidence.

use crate::mock::StepEnv;
use kdrill::steps::StepError;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PATIENT: Duration = Duration::from_secs(30);

fn pod(name: &str, labels: Value, status: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": StepEnv::NAMESPACE, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "nginx"}]},
        "status": status,
    })
}

/// A step failure's message, expected, got, and the object it is about (the evidence).
fn failed(err: StepError) -> (String, Option<String>, Option<String>, Value) {
    match err {
        StepError::Failed {
            message,
            expected,
            actual,
            object,
        } => (
            message,
            expected,
            actual,
            object.map_or(Value::Null, |o| *o),
        ),
        other => panic!("expected a step failure, got {other:?}"),
    }
}

#[tokio::test]
async fn wait_ends_on_the_watch_event_that_satisfies_it() {
    let env = StepEnv::new().await;
    env.api
        .put(pod("web", json!({}), json!({"phase": "Pending"})));
    let store = std::sync::Arc::clone(&env.api.store);
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        store.put(pod("web", json!({}), json!({"phase": "Running"})));
    });
    let start = Instant::now();
    let out = env
        .run("wait: {for: pod/web, until: {phase: Running}}", PATIENT)
        .await
        .expect("the pod runs");
    later.await.unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "ended on the event, not the timeout"
    );
    assert_eq!(out.object.unwrap()["status"]["phase"], "Running");
    let list = env
        .api
        .requests()
        .into_iter()
        .find(|r| r.method == "GET" && r.path == "/api/v1/namespaces/mock-ns/pods")
        .expect("a list of the pod");
    assert_eq!(list.param("fieldSelector"), Some("metadata.name=web"));
    assert!(env
        .api
        .journal()
        .contains(&"WATCH pods mock-ns/web".to_string()));
}

#[tokio::test]
async fn a_failed_selector_wait_shows_the_pod_that_is_not_ready() {
    let env = StepEnv::new().await;
    // `api` is not ready; healthy `web` sorts after it
    env.api.put(pod(
        "api",
        json!({"app": "shop"}),
        json!({"phase": "Running", "podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}),
    ));
    env.api.put(pod(
        "web",
        json!({"app": "shop"}),
        json!({"phase": "Running", "podIP": "10.0.0.2", "conditions": [{"type": "Ready", "status": "True"}]}),
    ));
    let err = env
        .run(
            "wait: {kind: pods, selector: app=shop, until: {condition: Ready}}",
            Duration::from_millis(500),
        )
        .await
        .expect_err("api never gets ready");
    let (message, expected, actual, object) = failed(err);
    assert_eq!(message, "condition not met within 0.5s");
    assert_eq!(
        expected.as_deref(),
        Some("pods -l app=shop condition Ready=True")
    );
    let actual = actual.unwrap();
    assert!(
        actual.starts_with("pod/api: condition Ready=False (reason ContainersNotReady), not True"),
        "{actual}"
    );
    assert_eq!(
        object["metadata"]["name"], "api",
        "the evidence is api: {object}"
    );
    assert_eq!(
        object["status"]["podIP"], "10.0.0.1",
        "not the status of healthy web: {object}"
    );
}

#[tokio::test]
async fn a_wait_for_a_pod_that_has_terminated_fails_at_once() {
    let env = StepEnv::new().await;
    env.api
        .put(pod("job-pod", json!({}), json!({"phase": "Succeeded"})));
    let start = Instant::now();
    let err = env
        .run("wait: {for: pod/job-pod, until: {phase: Running}}", PATIENT)
        .await
        .expect_err("it will never run again");
    assert!(start.elapsed() < Duration::from_secs(10));
    let (message, _, _, object) = failed(err);
    assert_eq!(
        message,
        "the condition can no longer be met: the pod has terminated (phase Succeeded)"
    );
    assert_eq!(object["status"]["phase"], "Succeeded");
}

#[tokio::test]
async fn assert_holds_once_the_object_matches() {
    let env = StepEnv::new().await;
    let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags", "namespace": StepEnv::NAMESPACE}, "data": {"mode": v}});
    env.api.put(cm("old"));
    let store = std::sync::Arc::clone(&env.api.store);
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        store.put(cm("new"));
    });
    let out = env
        .run(
            "assert: {object: configmap/flags, matches: {data: {mode: new}}}",
            PATIENT,
        )
        .await
        .expect("holds after the change");
    later.await.unwrap();
    assert_eq!(out.notes, ["configmap/flags: holds"]);
    assert_eq!(out.object.unwrap()["data"]["mode"], "new");
}

#[tokio::test]
async fn a_failed_assert_shows_the_closest_object() {
    let env = StepEnv::new().await;
    for (name, phase, ip) in [("a", "Pending", "10.0.0.1"), ("b", "Running", "10.0.0.2")] {
        env.api.put(pod(
            name,
            json!({"app": "shop"}),
            json!({"phase": phase, "podIP": ip}),
        ));
    }
    let err = env
        .run(
            "assert: {kind: pods, selector: app=shop, matches: {metadata: {labels: {app: shop}}, status: {phase: Failed}}}",
            Duration::from_millis(500),
        )
        .await
        .expect_err("no pod failed");
    let (_, _, actual, object) = failed(err);
    let actual = actual.unwrap();
    assert!(
        actual.starts_with("none of 2 object(s) matches; the closest is pod/a:"),
        "{actual}"
    );
    assert_eq!(object["status"]["podIP"], "10.0.0.1", "{object}");
}

#[tokio::test]
async fn assert_on_a_field_the_api_cannot_select_fails_at_once() {
    let env = StepEnv::new().await;
    let start = Instant::now();
    let err = env
        .run(
            "assert: {kind: configmaps, fieldSelector: data.mode=new}",
            PATIENT,
        )
        .await
        .expect_err("the API refuses the field selector");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "no retrying until the timeout"
    );
    let (message, _, _, _) = failed(err);
    assert_eq!(
        message,
        "assert configmaps --field-selector data.mode=new: not satisfied (the condition can no longer be met: the API server refuses the request: field label not supported: data.mode)"
    );
}

#[tokio::test]
async fn delete_waits_until_the_object_is_gone() {
    let env = StepEnv::new().await;
    env.api.set_deletion_delay(Duration::from_millis(300));
    env.api.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "doomed", "namespace": StepEnv::NAMESPACE}}));
    let out = env
        .run("delete: {object: configmap/doomed}", PATIENT)
        .await
        .expect("deleted");
    assert_eq!(out.notes, ["configmap/doomed deleted"]);
    assert!(
        env.api.object("configmaps", "mock-ns", "doomed").is_none(),
        "gone when the step ends"
    );
    let journal = env.api.journal();
    let at = |e: &str| {
        journal
            .iter()
            .position(|j| j == e)
            .unwrap_or_else(|| panic!("{e} in {journal:#?}"))
    };
    assert!(at("DELETE configmaps mock-ns/doomed") < at("WATCH configmaps mock-ns/doomed"));
    assert!(at("WATCH configmaps mock-ns/doomed") < at("gone configmaps mock-ns/doomed"));
}
