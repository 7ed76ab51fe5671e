//! The executor: runs scenarios (in parallel, each in its own namespace), their
//! steps in order, and their cleanup (always: on failure and on Ctrl-C too). It
//! emits [`Event`]s and knows nothing about how they are shown.

use crate::cleanup::Cleanup;
use crate::cluster::Cluster;
use crate::events::{CleanupResult, Event, Failure, StepResult};
use crate::evidence;
use crate::scenario::{SaveSource, Scenario, Section, Step};
use crate::steps::{self, RunInfo, StepCtx, StepError, MANAGED_BY, RUN_LABEL};
use crate::vars::Vars;
use crate::wait::{wait_for, Until};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, DynamicObject, PostParams};
use kube::core::ApiResource;
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct Options {
    pub parallel: usize,
    pub fail_fast: bool,
    /// Leave namespaces and objects in place for inspection.
    pub keep: bool,
    /// Use this existing namespace instead of creating one per scenario.
    pub namespace: Option<String>,
    /// Step timeout when neither the step nor the scenario sets one.
    pub default_timeout: Duration,
    /// The project's timeouts per step kind (`.kdrill.yaml`), below the scenario's own.
    pub kind_timeouts: std::collections::BTreeMap<String, Duration>,
    /// First part of the scenario namespaces' names (`kdrill` unless the project says).
    pub namespace_prefix: String,
    pub snapshots: crate::snapshot::Settings,
    /// Write the full evidence bundle of failed scenarios here.
    pub artifacts: Option<std::path::PathBuf>,
}

impl Options {
    /// A step's timeout: its own, else its scenario's, else the project's for its kind,
    /// else the run's default.
    pub fn timeout_for(&self, step: &Step, scenario: &Scenario) -> Duration {
        step.timeout
            .or(scenario.timeout)
            .or_else(|| self.kind_timeouts.get(step.action.keyword()).copied())
            .unwrap_or(self.default_timeout)
    }
}

/// How long cleanup may wait for a namespace to disappear.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Time for the pod's default ServiceAccount to appear in a new namespace.
const NAMESPACE_READY_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Executor {
    cluster: Arc<Cluster>,
    run: RunInfo,
    opts: Options,
    /// Fired by Ctrl-C/SIGTERM: stop steps, clean up, report.
    cancel: CancellationToken,
    events: mpsc::UnboundedSender<Event>,
    /// Node names, hidden from snapshots.
    nodes: std::sync::OnceLock<Vec<String>>,
}

/// The outcome of a whole run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub interrupted: bool,
}

enum Outcome {
    Passed,
    Failed,
    Skipped,
}

impl Totals {
    fn count(&mut self, o: Outcome) {
        match o {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Scenarios that share a suite (or none), with their ids.
type Group = (Option<Arc<Scenario>>, Vec<(usize, Scenario)>);

/// What every batch of a run shares.
struct BatchCtx {
    parallel: usize,
    stop_new: CancellationToken,
    server_version: Arc<String>,
}

/// A new random run id: short, DNS-label safe.
pub fn new_run_id() -> String {
    random_suffix(8)
}

fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The default first part of scenario namespaces (`.kdrill.yaml`: `namespacePrefix`).
pub const NAMESPACE_PREFIX: &str = "kdrill";

/// `<prefix>-<slug>-<random>`, at most 63 characters.
pub fn namespace_name(prefix: &str, scenario_name: &str) -> String {
    let prefix = crate::names::slug(prefix, 16);
    let prefix = if prefix.is_empty() {
        NAMESPACE_PREFIX
    } else {
        prefix.as_str()
    };
    let slug = crate::names::slug(scenario_name, 40);
    if slug.is_empty() {
        format!("{prefix}-{}", random_suffix(5))
    } else {
        format!("{prefix}-{slug}-{}", random_suffix(5))
    }
}

impl Executor {
    pub fn new(
        cluster: Arc<Cluster>,
        run: RunInfo,
        opts: Options,
        cancel: CancellationToken,
        events: mpsc::UnboundedSender<Event>,
    ) -> Executor {
        Executor {
            cluster,
            run,
            opts,
            cancel,
            events,
            nodes: std::sync::OnceLock::new(),
        }
    }

    fn emit(&self, e: Event) {
        // a reporter that went away must not stop the run, nor its cleanup
        let _ = self.events.send(e);
    }

    /// Run every scenario; serial ones alone, after the parallel ones.
    pub async fn run_all(
        self: Arc<Self>,
        scenarios: Vec<Scenario>,
        server_version: String,
    ) -> Totals {
        let start = Instant::now();
        let parallel = if self.opts.namespace.is_some() {
            1
        } else {
            self.opts.parallel.max(1)
        };
        self.emit(Event::RunStarted {
            run_id: self.run.run_id.clone(),
            // a suite is reported as one more scenario: count it from the start
            scenarios: scenarios.len() + {
                let mut suites: Vec<&std::path::Path> = scenarios
                    .iter()
                    .filter_map(|s| s.suite.as_ref().map(|x| x.file.as_path()))
                    .collect();
                suites.sort();
                suites.dedup();
                suites.len()
            },
            parallel,
            server_version: server_version.clone(),
        });
        let server_version = Arc::new(server_version);
        // without node names, snapshots of wide tables and mirror pods hold this machine's name
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(self.cluster.client.clone());
        let names = match nodes.list_metadata(&Default::default()).await {
            Ok(l) => l
                .items
                .into_iter()
                .filter_map(|n| n.metadata.name)
                .collect(),
            Err(_) => Vec::new(),
        };
        let _ = self.nodes.set(names);
        let stop_new = CancellationToken::new();
        // scenarios without a suite, then each suite: setup, its scenarios, teardown
        let count = scenarios.len();
        let mut groups: Vec<Group> = Vec::new();
        for (id, s) in scenarios.into_iter().enumerate() {
            let key = s.suite.as_ref().map(|x| x.file.clone());
            match groups
                .iter_mut()
                .find(|(g, _)| g.as_ref().map(|x| x.file.clone()) == key)
            {
                Some((_, members)) => members.push((id, s)),
                None => groups.push((s.suite.clone(), vec![(id, s)])),
            }
        }
        groups.sort_by_key(|(g, _)| g.is_some());
        let mut totals = Totals::default();
        for (n, (suite, members)) in groups.into_iter().enumerate() {
            let ctx = BatchCtx {
                parallel,
                stop_new: stop_new.clone(),
                server_version: Arc::clone(&server_version),
            };
            match suite {
                None => {
                    Arc::clone(&self)
                        .run_batch(members, Arc::new(Vars::new()), &ctx, &mut totals)
                        .await
                }
                Some(suite) => {
                    Arc::clone(&self)
                        .run_suite(count + n, &suite, members, &ctx, &mut totals)
                        .await
                }
            }
        }
        totals.interrupted = self.cancel.is_cancelled();
        self.emit(Event::RunFinished {
            duration: start.elapsed(),
            interrupted: totals.interrupted,
        });
        totals
    }

    async fn run_scenario(&self, id: usize, scenario: &Scenario, extra: &Vars) -> Outcome {
        let start = Instant::now();
        let Some((namespace, owns)) = self.begin(id, scenario, start).await else {
            return Outcome::Failed;
        };
        let cleanup = Cleanup::default();
        let mut vars = self.vars_for(scenario, &namespace, extra);
        let mut failed = false;
        let all = [Section::Steps, Section::Catch, Section::Finally];
        self.run_steps(
            id,
            scenario,
            &all,
            &namespace,
            owns,
            &cleanup,
            &mut vars,
            &mut failed,
        )
        .await;
        self.finish(id, scenario, &namespace, owns, &cleanup, failed, start)
            .await
    }

    /// The variables of a scenario: its own, the suite's (and what its setup saved),
    /// `--set`, and the built-ins.
    fn vars_for(&self, scenario: &Scenario, namespace: &str, extra: &Vars) -> Vars {
        let mut vars = extra.clone();
        vars.extend(scenario.vars.clone());
        vars.extend(self.run.sets.clone());
        vars.insert("NAMESPACE".into(), namespace.to_string());
        vars.insert("RUN_ID".into(), self.run.run_id.clone());
        vars
    }

    /// Make the scenario's namespace and say it started; None (reported) when the
    /// namespace was refused.
    async fn begin(
        &self,
        id: usize,
        scenario: &Scenario,
        start: Instant,
    ) -> Option<(String, bool)> {
        let (namespace, owns) = match &self.opts.namespace {
            Some(ns) => (ns.clone(), false),
            None => (
                namespace_name(&self.opts.namespace_prefix, &scenario.name),
                true,
            ),
        };
        if owns {
            if let Err(e) = self.create_namespace(&namespace, scenario).await {
                self.emit(Event::ScenarioStarted {
                    id,
                    name: scenario.name.clone(),
                    file: scenario.file.clone(),
                    namespace: namespace.clone(),
                });
                self.emit(Event::StepFinished {
                    id,
                    number: 0,
                    label: format!("create namespace {namespace}"),
                    location: crate::scenario::Location {
                        file: scenario.file.clone(),
                        line: 1,
                        col: 1,
                    },
                    duration: start.elapsed(),
                    result: StepResult::Failed(Box::new(Failure {
                        message: e,
                        // an admission policy or a quota on namespaces refuses here: say
                        // what was asked for, so the refusal can be read against it
                        expected: Some(format!(
                            "a namespace {namespace} labelled {}",
                            self.namespace_labels(scenario)
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        ..Default::default()
                    })),
                });
                let cleanup = self.cleanup(&Cleanup::default(), &namespace, owns).await;
                self.emit(Event::ScenarioFinished {
                    id,
                    duration: start.elapsed(),
                    cleanup,
                    artifacts: None,
                });
                return None;
            }
        }
        self.emit(Event::ScenarioStarted {
            id,
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            namespace: namespace.clone(),
        });
        Some((namespace, owns))
    }

    /// Run the steps of the given sections, in order. `failed` carries over between
    /// calls (a suite's teardown runs long after its setup).
    #[allow(clippy::too_many_arguments)] // one scenario's running state, passed through
    async fn run_steps(
        &self,
        id: usize,
        scenario: &Scenario,
        sections: &[Section],
        namespace: &str,
        owns: bool,
        cleanup: &Cleanup,
        vars: &mut Vars,
        failed: &mut bool,
    ) {
        let namespace = namespace.to_string();
        let redact = crate::snapshot::redact::Context {
            namespace: namespace.clone(),
            nodes: self.nodes.get().cloned().unwrap_or_default(),
            run_id: self.run.run_id.clone(),
        };
        // a snapshot difference fails the scenario but lets later steps run
        let mut stopped = false;
        for step in scenario
            .steps
            .iter()
            .filter(|s| sections.contains(&s.section))
        {
            let location = step.location.clone();
            let label = step.label();
            let runs = match step.section {
                Section::Steps | Section::Setup => !stopped,
                // catch steps gather evidence of a failure: without one they do not exist
                Section::Catch if !*failed => continue,
                Section::Catch | Section::Finally | Section::Teardown => true,
            };
            if !runs || self.cancel.is_cancelled() {
                self.emit(Event::StepFinished {
                    id,
                    number: step.number,
                    label,
                    location,
                    duration: Duration::ZERO,
                    result: StepResult::Skipped,
                });
                continue;
            }
            self.emit(Event::StepStarted {
                id,
                number: step.number,
                label: label.clone(),
                location: location.clone(),
            });
            let step_start = Instant::now();
            let result = match step.resolve(vars) {
                Ok(resolved) => {
                    let ctx = StepCtx {
                        cluster: &self.cluster,
                        run: &self.run,
                        dir: &scenario.dir,
                        expect: &resolved.expect,
                        namespace: &namespace,
                        owns_namespace: owns,
                        timeout: self.opts.timeout_for(step, scenario),
                        cleanup,
                        cancel: &self.cancel,
                        vars,
                    };
                    self.attempt(&ctx, scenario, &resolved, &redact).await
                }
                Err(e) => Err(StepError::failed(e.to_string())),
            };
            let result = result.and_then(|mut out| {
                save(step, &out, vars)?;
                if !step.save.is_empty() {
                    // names only: a saved value may be a token
                    let names: Vec<&str> = step.save.iter().map(|(n, _)| n.as_str()).collect();
                    out.notes.push(format!("saved {}", names.join(", ")));
                }
                Ok(out)
            });
            let result = match result {
                Ok(out) => StepResult::Passed {
                    notes: out.notes,
                    snapshots: out.snapshots,
                },
                Err(StepError::Cancelled) => {
                    *failed = true;
                    stopped = true;
                    StepResult::Failed(Box::new(Failure {
                        message: "interrupted".into(),
                        ..Default::default()
                    }))
                }
                Err(e) => {
                    // evidence gathering that fails must not turn into a second failure
                    let tolerated = step.allow_failure || step.section == Section::Catch;
                    let snapshot_only = matches!(e, StepError::Snapshot { .. });
                    if !tolerated {
                        *failed = true;
                        stopped |= !snapshot_only;
                    }
                    // a snapshot diff is its own evidence; the cluster's state is not at fault
                    let evidence = if self.cancel.is_cancelled() || snapshot_only || tolerated {
                        None
                    } else {
                        Some(evidence::collect(&self.cluster, &namespace).await)
                    };
                    let failure = Box::new(failure_of(e, evidence));
                    if tolerated {
                        StepResult::Tolerated(failure)
                    } else {
                        StepResult::Failed(failure)
                    }
                }
            };
            self.emit(Event::StepFinished {
                id,
                number: step.number,
                label,
                location,
                duration: step_start.elapsed(),
                result,
            });
        }
    }

    /// Evidence bundle, cleanup, and the scenario's end.
    #[allow(clippy::too_many_arguments)] // one scenario's running state, passed through
    async fn finish(
        &self,
        id: usize,
        scenario: &Scenario,
        namespace: &str,
        owns: bool,
        cleanup: &Cleanup,
        failed: bool,
        start: Instant,
    ) -> Outcome {
        // the bundle must be taken before cleanup removes what it shows
        let artifacts = match (&self.opts.artifacts, failed) {
            (Some(dir), true) => {
                Some(crate::artifacts::write(&self.cluster, namespace, dir, &scenario.name).await)
            }
            _ => None,
        };
        self.emit(Event::CleanupStarted { id });
        let cleanup_result = self.cleanup(cleanup, namespace, owns).await;
        self.emit(Event::ScenarioFinished {
            id,
            duration: start.elapsed(),
            cleanup: cleanup_result,
            artifacts,
        });
        if failed {
            Outcome::Failed
        } else {
            Outcome::Passed
        }
    }

    /// Run scenarios: in parallel (`width` at a time), then the serial ones alone.
    async fn run_batch(
        self: Arc<Self>,
        batch: Vec<(usize, Scenario)>,
        extra: Arc<Vars>,
        ctx: &BatchCtx,
        totals: &mut Totals,
    ) {
        let (serial, parallel_ones): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|(_, s)| s.serial);
        for (batch, width) in [(parallel_ones, ctx.parallel), (serial, 1)] {
            let sem = Arc::new(Semaphore::new(width));
            let mut set = tokio::task::JoinSet::new();
            for (id, scenario) in batch {
                let this = Arc::clone(&self);
                let sem = Arc::clone(&sem);
                let stop_new = ctx.stop_new.clone();
                let server_version = Arc::clone(&ctx.server_version);
                let extra = Arc::clone(&extra);
                set.spawn(async move {
                    if let Some(reason) = this.skip_reason(&scenario, &server_version).await {
                        this.skip(id, &scenario, reason);
                        return Outcome::Skipped;
                    }
                    let permit = tokio::select! {
                        p = sem.acquire_owned() => p.ok(),
                        _ = stop_new.cancelled() => None,
                        _ = this.cancel.cancelled() => None,
                    };
                    if permit.is_none() || stop_new.is_cancelled() || this.cancel.is_cancelled() {
                        let reason = if this.cancel.is_cancelled() {
                            "run interrupted"
                        } else {
                            "--fail-fast: an earlier scenario failed"
                        };
                        this.skip(id, &scenario, reason.into());
                        return Outcome::Skipped;
                    }
                    let outcome = this.run_scenario(id, &scenario, &extra).await;
                    if matches!(outcome, Outcome::Failed) && this.opts.fail_fast {
                        stop_new.cancel();
                    }
                    outcome
                });
            }
            while let Some(res) = set.join_next().await {
                totals.count(res.unwrap_or(Outcome::Failed));
            }
        }
    }

    fn skip(&self, id: usize, scenario: &Scenario, reason: String) {
        self.emit(Event::ScenarioSkipped {
            id,
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            reason,
        });
    }

    /// A suite: its setup in a namespace of its own, then its scenarios (which see
    /// `SUITE_NAMESPACE` and what the setup saved), then its teardown, also after
    /// failures. Reported as one more scenario, `<name> (suite)`.
    async fn run_suite(
        self: Arc<Self>,
        id: usize,
        suite: &Scenario,
        members: Vec<(usize, Scenario)>,
        ctx: &BatchCtx,
        totals: &mut Totals,
    ) {
        let start = Instant::now();
        let Some((namespace, owns)) = self.begin(id, suite, start).await else {
            totals.count(Outcome::Failed);
            for (mid, m) in &members {
                self.skip(*mid, m, format!("the setup of suite {} failed", suite.name));
                totals.count(Outcome::Skipped);
            }
            return;
        };
        let cleanup = Cleanup::default();
        let mut vars = self.vars_for(suite, &namespace, &Vars::new());
        let mut failed = false;
        self.run_steps(
            id,
            suite,
            &[Section::Setup],
            &namespace,
            owns,
            &cleanup,
            &mut vars,
            &mut failed,
        )
        .await;
        if failed {
            for (mid, m) in &members {
                self.skip(*mid, m, format!("the setup of suite {} failed", suite.name));
                totals.count(Outcome::Skipped);
            }
        } else {
            let mut extra = vars.clone();
            extra.remove("NAMESPACE");
            extra.insert("SUITE_NAMESPACE".into(), namespace.clone());
            Arc::clone(&self)
                .run_batch(members, Arc::new(extra), ctx, totals)
                .await;
        }
        self.run_steps(
            id,
            suite,
            &[Section::Teardown],
            &namespace,
            owns,
            &cleanup,
            &mut vars,
            &mut failed,
        )
        .await;
        let outcome = self
            .finish(id, suite, &namespace, owns, &cleanup, failed, start)
            .await;
        totals.count(outcome);
    }

    /// Why a scenario does not run here: its own `skip`, or a `requires` the cluster lacks.
    async fn skip_reason(&self, scenario: &Scenario, server_version: &str) -> Option<String> {
        if let Some(reason) = &scenario.skip {
            return Some(format!("skip: {reason}"));
        }
        let req = scenario.requires.as_ref()?;
        if let Some(text) = &req.kubernetes {
            match crate::scenario::VersionReq::parse(text) {
                Ok(v) if v.matches(server_version) => {}
                _ => {
                    return Some(format!(
                        "requires Kubernetes {text}, the server is {server_version}"
                    ))
                }
            }
        }
        for r in &req.resources {
            let missing = match crate::objref::KindRef::parse(r) {
                Ok(k) => self.cluster.resolve(&k).await.is_err(),
                Err(_) => true,
            };
            if missing {
                return Some(format!("requires `{r}`, which this cluster does not serve"));
            }
        }
        if let Some(c) = req.commands.iter().find(|c| !crate::host::can_run(c)) {
            return Some(format!(
                "requires `{c}`, which is not on this machine's PATH"
            ));
        }
        None
    }

    /// Run a step (again, while `retry` allows) and check its expectations.
    async fn attempt(
        &self,
        ctx: &StepCtx<'_>,
        scenario: &Scenario,
        step: &Step,
        redact: &crate::snapshot::redact::Context,
    ) -> Result<steps::Output, StepError> {
        let attempts = step.retry.as_ref().map_or(1, |r| r.attempts.max(1));
        let mut result = Err(StepError::Other("not run".into()));
        for attempt in 1..=attempts {
            // steps that wait report their own timeout with evidence; this bound
            // only catches the others (a hung exec, a slow API call)
            let raw = match tokio::time::timeout(
                ctx.timeout + Duration::from_secs(5),
                step.action.run(ctx),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(StepError::failed(format!(
                    "the step did not finish within {}",
                    crate::duration::format_duration(ctx.timeout)
                ))),
            };
            let snap = crate::snapshot::Check {
                settings: &self.opts.snapshots,
                scenario,
                step,
                redact,
            };
            result = steps::check(&step.expect, raw, Some(&snap));
            if result.is_ok()
                || attempt == attempts
                // retrying cannot change a snapshot verdict, only rewrite the pending file
                || matches!(result, Err(StepError::Cancelled | StepError::Snapshot { .. }))
            {
                break;
            }
            let backoff = step
                .retry
                .as_ref()
                .map_or(Duration::from_secs(1), |r| r.backoff.0);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = self.cancel.cancelled() => break,
            }
        }
        result
    }

    /// The labels of a scenario's namespace: its own `namespaceLabels` and kdrill's.
    fn namespace_labels(&self, scenario: &Scenario) -> std::collections::BTreeMap<String, String> {
        let mut labels = scenario.namespace_labels.clone();
        labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
        labels.insert(RUN_LABEL.into(), self.run.run_id.clone());
        labels
    }

    async fn create_namespace(&self, name: &str, scenario: &Scenario) -> Result<(), String> {
        let labels = self.namespace_labels(scenario);
        let ns = Namespace {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<Namespace> = Api::all(self.cluster.client.clone());
        api.create(&PostParams::default(), &ns)
            .await
            .map_err(|e| format!("cannot create namespace {name}: {}", StepError::from(e)))?;
        // pods are refused until the ServiceAccount controller has made `default`
        let sa = ApiResource::erase::<k8s_openapi::api::core::v1::ServiceAccount>(&());
        let sa_api: Api<DynamicObject> =
            Api::namespaced_with(self.cluster.client.clone(), name, &sa);
        wait_for(
            sa_api,
            "default",
            &Until::default(),
            NAMESPACE_READY_TIMEOUT,
            &self.cancel,
        )
        .await
        .map_err(|e| format!("namespace {name}: the default ServiceAccount did not appear: {e}"))?;
        Ok(())
    }

    /// Delete what the scenario created, newest first, then its namespace, and wait
    /// until they are gone. Runs with its own cancellation: Ctrl-C must not skip it.
    async fn cleanup(&self, cleanup: &Cleanup, namespace: &str, owns: bool) -> CleanupResult {
        if self.opts.keep {
            return CleanupResult::Kept {
                namespace: namespace.to_string(),
            };
        }
        let never = CancellationToken::new();
        let mut errors = Vec::new();
        let mut deleted = 0;
        let created = cleanup.take_reversed();
        if owns {
            // The namespace controller starts its sweep seconds after a namespace delete;
            // deleting the scenario's workloads and pods first (without waiting) lets their
            // containers stop during that delay instead of after it.
            for c in created
                .iter()
                .filter(|c| c.namespace.as_deref() == Some(namespace))
            {
                let api = self.cluster.api(&c.resolved, namespace);
                let _ = api.delete(&c.name, &DeleteParams::background()).await;
            }
            let pods: Api<k8s_openapi::api::core::v1::Pod> =
                Api::namespaced(self.cluster.client.clone(), namespace);
            let _ = pods
                .delete_collection(&DeleteParams::background(), &Default::default())
                .await;
        }
        for c in created {
            // the namespace's deletion takes its contents along
            if owns && c.namespace.as_deref() == Some(namespace) {
                continue;
            }
            let api = self
                .cluster
                .api(&c.resolved, c.namespace.as_deref().unwrap_or(""));
            match api.delete(&c.name, &DeleteParams::background()).await {
                Ok(_) => {
                    deleted += 1;
                    let gone = Until {
                        deleted: Some(true),
                        ..Default::default()
                    };
                    if let Err(e) = wait_for(api, &c.name, &gone, CLEANUP_TIMEOUT, &never).await {
                        errors.push(format!("{}: still present after delete ({e})", c.display()));
                    }
                }
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => errors.push(format!("{}: {e}", c.display())),
            }
        }
        if owns {
            let api: Api<Namespace> = Api::all(self.cluster.client.clone());
            match api.delete(namespace, &DeleteParams::background()).await {
                Ok(_) => {
                    deleted += 1;
                    let ar = ApiResource::erase::<Namespace>(&());
                    let dyn_api: Api<DynamicObject> =
                        Api::all_with(self.cluster.client.clone(), &ar);
                    let gone = Until {
                        deleted: Some(true),
                        ..Default::default()
                    };
                    if let Err(e) =
                        wait_for(dyn_api, namespace, &gone, CLEANUP_TIMEOUT, &never).await
                    {
                        errors.push(format!("namespace {namespace}: still terminating ({e}); `kdrill clean` removes it later"));
                    }
                }
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => errors.push(format!("namespace {namespace}: {e}")),
            }
        }
        if errors.is_empty() {
            CleanupResult::Done { deleted }
        } else {
            CleanupResult::Incomplete { errors }
        }
    }
}

/// A step error as the report shows it.
fn failure_of(e: StepError, evidence: Option<crate::evidence::Evidence>) -> Failure {
    let (message, expected, actual) = match e {
        StepError::Failed {
            message,
            expected,
            actual,
        }
        | StepError::Snapshot {
            message,
            expected,
            actual,
        } => (message, expected, actual),
        other => (other.to_string(), None, None),
    };
    Failure {
        message,
        expected,
        actual,
        evidence,
    }
}

/// `save:` of a step: variables for the steps after it, from what it produced.
fn save(step: &Step, out: &steps::Output, vars: &mut crate::vars::Vars) -> Result<(), StepError> {
    for (name, source) in &step.save {
        let value = match source {
            SaveSource::Stdout => out.stdout.as_deref().map(|t| t.trim_end().to_string()),
            SaveSource::Stderr => out.stderr.as_deref().map(|t| t.trim_end().to_string()),
            SaveSource::Output => out.output.as_deref().map(|t| t.trim_end().to_string()),
            SaveSource::Field(path) => match &out.object {
                Some(obj) => Some(crate::fieldpath::get(obj, path).map_err(|e| {
                    StepError::failed(format!("save {name}: {e}"))
                })?),
                None => {
                    return Err(StepError::failed(format!(
                        "save {name}: this step has no single object to read `{path}` from (wait, assert or get one object by name, or apply one document)"
                    )))
                }
            },
        };
        let Some(value) = value else {
            return Err(StepError::failed(format!(
                "save {name}: a `{}` step produces no {}",
                step.action.keyword(),
                match source {
                    SaveSource::Stdout => "stdout",
                    SaveSource::Stderr => "stderr",
                    _ => "text output",
                }
            )));
        };
        vars.insert(name.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_dns_labels() {
        let n = namespace_name("kdrill", "Two containers, one port!");
        assert!(n.starts_with("kdrill-two-containers-one-port-"), "{n}");
        assert!(n.len() <= 63);
        assert!(n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        let long = namespace_name("kdrill", &"x".repeat(200));
        assert!(long.len() <= 63, "{long}");
        assert!(namespace_name("kdrill", "!!!").starts_with("kdrill-"));
        assert!(namespace_name("Team A", "web").starts_with("team-a-web-"));
        assert!(namespace_name(&"p".repeat(80), &"x".repeat(200)).len() <= 63);
        assert_ne!(
            namespace_name("kdrill", "a"),
            namespace_name("kdrill", "a"),
            "each run gets its own namespace"
        );
    }
}
