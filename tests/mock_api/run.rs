//! One scenario run by kdrill's executor against the fake API: what the tests of this
//! tier that go through the executor share.

use crate::mock::FakeApi;
use kdrill::executor::event::{CleanupResult, StepResult};
use kdrill::executor::{Event, Executor, Options};
use kdrill::steps::RunInfo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The events of one run of a scenario, and how long it took.
pub struct Run {
    /// The scenario's namespace.
    pub namespace: String,
    pub events: Vec<Event>,
    pub took: Duration,
}

impl Run {
    /// How its scenario's cleanup ended.
    pub fn cleanup(&self) -> &CleanupResult {
        self.events
            .iter()
            .find_map(|e| match e {
                Event::ScenarioFinished { cleanup, .. } => Some(cleanup),
                _ => None,
            })
            .expect("the scenario finished")
    }

    /// The failure messages of its steps, in order.
    pub fn failures(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::StepFinished {
                    result: StepResult::Failed(f),
                    ..
                } => Some(f.message.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Run the scenario `name` of `steps` (YAML list items) against `api`, one at a time,
/// snapshots never written; `keep` is `--keep`. Host commands run in a private
/// directory of the run.
pub async fn run(api: &FakeApi, name: &str, steps: &str, keep: bool) -> Run {
    run_text(
        api,
        &format!("apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: {name}\nsteps:\n{steps}"),
        keep,
    )
    .await
}

/// Run every scenario under `dir` (suites included) `parallel` at a time; the events,
/// each with its time since the run started.
pub async fn run_dir(
    api: &FakeApi,
    dir: &std::path::Path,
    parallel: usize,
) -> Vec<kdrill::executor::event::Timed> {
    let (scenarios, errors) = kdrill::scenario::load_all(&[dir.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let private = dir.join(".private");
    std::fs::create_dir_all(&private).unwrap();
    execute(
        api,
        scenarios,
        private,
        "mockrun3",
        options(parallel, false),
    )
    .await
}

/// Run the scenario written in `text` (a whole scenario file), as [`run`] does.
pub async fn run_text(api: &FakeApi, text: &str, keep: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    std::fs::write(&file, text).unwrap();
    let scenario = kdrill::scenario::load_file(&file).expect("a valid scenario");
    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    let t0 = Instant::now();
    let timed = execute(api, vec![scenario], private, "mockrun2", options(1, keep)).await;
    let took = t0.elapsed();
    let events: Vec<Event> = timed.into_iter().map(|e| e.event).collect();
    let namespace = events
        .iter()
        .find_map(|e| match e {
            Event::ScenarioStarted { namespace, .. } => Some(namespace.clone()),
            _ => None,
        })
        .expect("the scenario started");
    Run {
        namespace,
        events,
        took,
    }
}

/// The executor's options of these tests: snapshots never written, the default cleanup.
fn options(parallel: usize, keep: bool) -> Options {
    Options {
        parallel,
        fail_fast: false,
        keep,
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
        // the default: the slot is free at the verdict, the run waits for cleanup
        cleanup: Default::default(),
        unreachable_after: Duration::from_secs(60),
        retries: 0,
    }
}

/// Run the scenarios `(name, steps)` against `api` in one run, `parallel` at a time
/// (`-j`); the events of the whole run.
pub async fn run_many(
    api: &FakeApi,
    scenarios: &[(&str, &str)],
    parallel: usize,
    keep: bool,
) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = scenarios
        .iter()
        .enumerate()
        .map(|(i, (name, steps))| {
            let file = dir.path().join(format!("scenario-{i}.yaml"));
            std::fs::write(
                &file,
                format!("apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: {name}\nsteps:\n{steps}"),
            )
            .unwrap();
            kdrill::scenario::load_file(&file).expect("a valid scenario")
        })
        .collect();
    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    execute(api, scenarios, private, "mockrun2", options(parallel, keep))
        .await
        .into_iter()
        .map(|e| e.event)
        .collect()
}

/// One run of `scenarios` by kdrill's executor against `api`, as `kdrill run` makes
/// it (run id `run_id`, its private files in `private`): the events it emitted.
async fn execute(
    api: &FakeApi,
    scenarios: Vec<kdrill::scenario::Scenario>,
    private: std::path::PathBuf,
    run_id: &str,
    options: Options,
) -> Vec<kdrill::executor::event::Timed> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let exec = Arc::new(Executor::new(
        Arc::new(api.cluster().await),
        RunInfo {
            run_id: run_id.into(),
            private_dir: Ok(private),
            sets: Default::default(),
            read_only: false,
        },
        options,
        Arc::new(kdrill::stop::Stop::default()),
        tx,
    ));
    exec.run_all(scenarios, "v1.34.0-fake".into()).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    events
}
