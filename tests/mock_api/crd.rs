//! A custom resource applied right after its CRD: the API server serves the new kind
//! in discovery a moment after the CRD is Established. kdrill waits for it when a CRD
//! defines the kind, and says "unknown kind" at once when none does.

use crate::mock::StepEnv;
use serde_json::json;
use std::time::Duration;

fn discoveries(env: &StepEnv) -> usize {
    env.api
        .requests()
        .iter()
        .filter(|r| r.path == "/apis")
        .count()
}

#[tokio::test]
async fn a_kind_its_crd_defines_is_waited_for_until_discovery_serves_it() {
    let env = StepEnv::new().await;
    env.api.put(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true}],
        },
    }));
    // the first four answers of discovery do not list it yet
    env.api.unserved_for("widgets", 4);
    let out = env
        .run(
            "apply: {manifest: {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}}",
            Duration::from_secs(20),
        )
        .await
        .expect("applied once discovery serves the kind");
    assert_eq!(out.notes, ["widget/w applied"]);
    assert!(env.api.object("widgets", "mock-ns", "w").is_some());
    assert!(discoveries(&env) >= 5, "{}", discoveries(&env));
}

#[tokio::test]
async fn a_kind_no_crd_defines_is_unknown_at_once() {
    let env = StepEnv::new().await;
    let err = env
        .run(
            "apply: {manifest: {apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}}}",
            Duration::from_secs(20),
        )
        .await
        .expect_err("no such kind");
    assert!(err.to_string().contains("unknown kind"), "{err}");
    // the cached discovery, one refresh, and no waiting loop after it
    assert!(discoveries(&env) <= 2, "{}", discoveries(&env));
}
