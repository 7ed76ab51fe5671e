//! `apply`: the request it makes, the labels it adds, what it records for cleanup.

use crate::mock::{StepEnv, RUN_ID};
use kdrill::steps::StepError;
use serde_json::json;
use std::time::Duration;

const STEP_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn apply_is_a_server_side_apply_by_kdrill_with_strict_validation_and_kdrill_labels() {
    let env = StepEnv::new().await;
    let out = env
        .run(
            "apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: settings, labels: {app: web}}, data: {a: b}}}",
            STEP_TIMEOUT,
        )
        .await
        .expect("applied");
    assert_eq!(out.notes, ["configmap/settings applied"]);
    let patches: Vec<_> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let p = &patches[0];
    assert_eq!(p.path, "/api/v1/namespaces/mock-ns/configmaps/settings");
    assert_eq!(
        p.content_type.as_deref(),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(p.param("fieldManager"), Some("kdrill"));
    assert_eq!(p.param("fieldValidation"), Some("Strict"));
    assert_eq!(p.param("force"), Some("true"));
    let body = p.body.as_ref().expect("a JSON body");
    assert_eq!(
        body["metadata"]["labels"],
        json!({"app": "web", "app.kubernetes.io/managed-by": "kdrill", "kdrill.dev/run": RUN_ID})
    );
    assert_eq!(
        body["metadata"]["namespace"], "mock-ns",
        "the scenario's namespace"
    );
    assert_eq!(body["data"], json!({"a": "b"}));
    // one document: the object as written is the step's, for `save`
    let written = out.object.expect("the object as written");
    assert_eq!(
        written["metadata"]["uid"],
        env.api.object("configmaps", "mock-ns", "settings").unwrap()["metadata"]["uid"]
    );
    let recorded = env.cleanup.take_reversed();
    assert_eq!(
        recorded.iter().map(|c| c.display()).collect::<Vec<_>>(),
        ["configmap/settings (namespace mock-ns)"]
    );
}

#[tokio::test]
async fn apply_outside_its_own_namespace_records_only_what_it_created() {
    let mut env = StepEnv::new().await;
    env.owns_namespace = false;
    env.api.namespace("shared");
    env.api.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "shared"}, "data": {"v": "1"}}));
    env.run(
        "apply: {namespace: shared, manifest: [{apiVersion: v1, kind: ConfigMap, metadata: {name: old}, data: {v: '2'}}, {apiVersion: v1, kind: ConfigMap, metadata: {name: fresh}}]}",
        STEP_TIMEOUT,
    )
    .await
    .expect("applied");
    // kdrill looks before it writes: an object it did not create is not its to delete
    let gets: Vec<String> = env
        .api
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("/configmaps/"))
        .map(|r| r.path)
        .collect();
    assert_eq!(
        gets,
        [
            "/api/v1/namespaces/shared/configmaps/old",
            "/api/v1/namespaces/shared/configmaps/fresh"
        ]
    );
    assert_eq!(
        env.api.object("configmaps", "shared", "old").unwrap()["data"]["v"],
        "2"
    );
    let recorded = env.cleanup.take_reversed();
    assert_eq!(
        recorded.iter().map(|c| c.display()).collect::<Vec<_>>(),
        ["configmap/fresh (namespace shared)"]
    );
}

#[tokio::test]
async fn apply_of_a_field_the_kind_lacks_is_refused_and_leaves_nothing_to_clean_up() {
    let env = StepEnv::new().await;
    let err = env
        .run(
            "apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: typo}, dat: {a: b}}}",
            STEP_TIMEOUT,
        )
        .await
        .expect_err("strict validation refuses `dat`");
    match err {
        StepError::Api(f) => {
            assert_eq!((f.code, f.reason.as_str()), (400, "BadRequest"));
            assert!(
                f.message.ends_with(".dat: field not declared in schema"),
                "{}",
                f.message
            );
        }
        other => panic!("expected the API's refusal, got {other:?}"),
    }
    assert!(env.api.object("configmaps", "mock-ns", "typo").is_none());
    assert!(env.cleanup.take_reversed().is_empty());
}
