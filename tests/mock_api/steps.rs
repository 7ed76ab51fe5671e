//! Step behaviours the migration from Chainsaw and KUTTL relies on, against the fake
//! API: a delete that tolerates absence (`ignoreNotFound`), and a host command stopped
//! at its step's timeout.

use crate::mock::FakeApi;
use kdrill::executor::event::StepResult;
use kdrill::executor::{Event, Executor, Options};
use kdrill::steps::RunInfo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The failure messages of the steps of a run of `steps`, in order, and how long it took.
async fn failures(api: &FakeApi, steps: &str) -> (Vec<String>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    std::fs::write(
        &file,
        format!("apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: steps\nsteps:\n{steps}"),
    )
    .unwrap();
    let scenario = kdrill::scenario::load_file(&file).expect("a valid scenario");
    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let exec = Arc::new(Executor::new(
        Arc::new(api.cluster().await),
        RunInfo {
            run_id: "mockrun3".into(),
            private_dir: Ok(private),
            sets: Default::default(),
            read_only: false,
        },
        Options {
            parallel: 1,
            fail_fast: false,
            keep: false,
            namespace: None,
            default_timeout: Duration::from_secs(10),
            kind_timeouts: Default::default(),
            namespace_prefix: "kdrill".into(),
            snapshots: kdrill::snapshot::Settings {
                mode: kdrill::snapshot::UpdateMode::No,
                ci: true,
                colour: false,
            },
            artifacts: None,
            cleanup: Default::default(),
            unreachable_after: Duration::from_secs(60),
            retries: 0,
        },
        Arc::new(kdrill::stop::Stop::default()),
        tx,
    ));
    let t0 = Instant::now();
    exec.run_all(vec![scenario], "v1.34.0-fake".into()).await;
    let took = t0.elapsed();
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::StepFinished {
            result: StepResult::Failed(f),
            ..
        } = e.event
        {
            out.push(f.message.clone());
        }
    }
    (out, took)
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
