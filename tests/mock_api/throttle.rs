//! A busy API server refuses requests with 429 (API Priority and Fairness): kdrill's
//! client sends them again after a backoff instead of failing the step, a bounded
//! number of times.

use crate::mock::StepEnv;
use std::time::Duration;

const STEP: &str =
    "apply: {manifest: {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}, data: {a: b}}}";

fn patches(env: &StepEnv) -> usize {
    env.api
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count()
}

#[tokio::test]
async fn a_throttled_request_is_sent_again_and_the_step_passes() {
    let env = StepEnv::new().await;
    env.api.throttle("PATCH", 3);
    let out = env
        .run(STEP, Duration::from_secs(20))
        .await
        .expect("applied after the 429s");
    assert_eq!(out.notes, ["configmap/settings applied"]);
    assert!(env
        .api
        .object("configmaps", "mock-ns", "settings")
        .is_some());
    // three refused, the fourth went through
    assert_eq!(patches(&env), 4);
}

#[tokio::test]
async fn a_server_that_keeps_throttling_fails_the_step_with_the_apis_answer() {
    let env = StepEnv::new().await;
    env.api.throttle("PATCH", u32::MAX);
    let err = env
        .run(STEP, Duration::from_secs(60))
        .await
        .expect_err("throttled every time");
    let text = err.to_string();
    assert!(text.contains("Too many requests"), "{text}");
    // the first request and kdrill::cluster::RETRIES more, then the API's answer
    assert_eq!(patches(&env), 1 + kdrill::cluster::RETRIES as usize);
    assert!(env
        .api
        .object("configmaps", "mock-ns", "settings")
        .is_none());
}

/// `--qps N`: the client never sends more than N requests in a second, so 3N+1 of
/// them need at least three windows after the first; without it they all go at once.
#[tokio::test]
async fn qps_spreads_the_requests_over_one_second_windows() {
    let env = StepEnv::new().await;
    let limited = env.api.cluster_with_qps(4).await;
    let before = env.api.requests().len();
    let start = std::time::Instant::now();
    for _ in 0..13 {
        limited.check().await.expect("the fake answers /version");
    }
    let took = start.elapsed();
    assert_eq!(env.api.requests().len() - before, 13);
    assert!(
        took >= Duration::from_millis(2900),
        "13 requests at 4 a second went out in {took:?}"
    );
}
