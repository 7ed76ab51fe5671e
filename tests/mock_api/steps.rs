//! Step behaviours the migration from Chainsaw and KUTTL relies on, against the fake
//! API: a delete that tolerates absence (`ignoreNotFound`), and a host command stopped
//! at its step's timeout.

use crate::mock::FakeApi;
use crate::run::run;
use std::time::Duration;

/// The failure messages of the steps of a run of `steps`, in order, and how long it took.
async fn failures(api: &FakeApi, steps: &str) -> (Vec<String>, Duration) {
    let run = run(api, "steps", steps, false).await;
    (run.failures(), run.took)
}

#[tokio::test]
async fn a_delete_with_ignore_not_found_accepts_a_missing_object_a_plain_one_does_not() {
    let api = FakeApi::start().await;
    let (failed, _) = failures(
        &api,
        "  - delete: {object: v1/ConfigMap/never-made, ignoreNotFound: true}\n",
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    let (failed, _) = failures(&api, "  - delete: {object: v1/ConfigMap/never-made}\n").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
}

#[tokio::test]
async fn a_host_command_is_stopped_at_its_step_timeout() {
    let api = FakeApi::start().await;
    let (failed, took) = failures(&api, "  - command: {run: 'sleep 20'}\n    timeout: 1s\n").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("did not finish within 1.0s"),
        "{failed:?}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
