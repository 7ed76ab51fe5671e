//! Step behaviours the migration from Chainsaw and KUTTL relies on, against the fake
//! API: a delete that tolerates absence (`ignoreNotFound`), and a host command stopped
//! at its step's timeout; computed variables.

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

/// Computed variables (`vars: {X: {expr: CEL}}`) from the built-in variables of the
/// server's version, used in a manifest and checked by an assert; one that cannot be
/// computed fails the scenario before its first step.
#[tokio::test]
async fn computed_variables_read_the_server_version_when_the_scenario_starts() {
    let api = FakeApi::start().await;
    let head = "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: gates";
    let text = [
        head,
        "vars:",
        "  STAGE: {expr: \"int(MINOR) >= 30 ? 'ga' : 'beta'\"}",
        "  MINOR: {expr: int(KUBERNETES_MINOR)}",
        "steps:",
        "  - apply:",
        "      manifest:",
        "        apiVersion: v1",
        "        kind: ConfigMap",
        "        metadata: {name: gates}",
        "        data: {stage: '${STAGE}', server: '${KUBERNETES_VERSION}', minor: '${MINOR}', major: '${KUBERNETES_MAJOR}'}",
        "  - assert: {object: configmap/gates, matches: {data: {stage: ga, server: v1.34.0-fake, minor: '34', major: '1'}}}",
        "    timeout: 2s",
    ]
    .join("\n");
    let ok = crate::run::run_text(&api, &text, false).await;
    assert!(ok.failures().is_empty(), "{:?}", ok.failures());
    let text = format!(
        "{head}\nvars:\n  BAD: {{expr: \"int('x')\"}}\nsteps:\n  - apply: {{manifest: {{apiVersion: v1, kind: ConfigMap, metadata: {{name: never}}}}}}\n"
    );
    let bad = crate::run::run_text(&api, &text, false).await;
    let failed = bad.failures();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("`int('x')` cannot be computed"),
        "{failed:?}"
    );
    let skipped = bad.events.iter().any(|e| {
        matches!(
            e,
            kdrill::executor::Event::StepFinished {
                result: kdrill::executor::event::StepResult::Skipped,
                ..
            }
        )
    });
    assert!(skipped, "the step after the variable is not run");
}
