//! The executor: runs scenarios (in parallel, each in its own namespace), their
//! steps in order, and their cleanup (always: on failure and on Ctrl-C too). It
//! emits [`Event`]s and knows nothing about how they are shown.
//!
//! This file schedules (batches, serial scenarios, suites, `--fail-fast`, skips);
//! [`scenario_run`] runs one scenario's steps; [`cleanup`] removes what it created;
//! [`namespace`] names what a run makes.

mod cleanup;
pub mod event;
pub mod liveness;
pub mod namespace;
mod scenario_run;

pub use event::{Event, Timed};
pub use namespace::{namespace_name, new_run_id, NAMESPACE_PREFIX};

use crate::cluster::Cluster;
use crate::scenario::{Scenario, Section, Step};
use crate::steps::RunInfo;
use crate::stop::Stop;
use crate::vars::Vars;
use scenario_run::ScenarioRun;
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
    /// Whether a scenario's cleanup holds its parallel slot.
    pub cleanup: CleanupMode,
    /// Stop the run (exit 3) when the API server has not answered for this long.
    pub unreachable_after: Duration,
    /// Run a failed scenario again, up to this many times, in a fresh namespace; one
    /// that passes on a retry is reported as flaky.
    pub retries: u32,
}

/// When a finished scenario's place among the parallel ones is free again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CleanupMode {
    /// As soon as its verdict is known: its cleanup goes on in the background while
    /// the next scenario starts, and the run still waits for every cleanup.
    #[default]
    Background,
    /// Only once its cleanup is over (`--cleanup in-slot`, kdrill before 0.2).
    InSlot,
}

/// A scenario's place among those running at once: released when its verdict is
/// known (or after its cleanup, for serial scenarios and `--cleanup in-slot`), and
/// the `--fail-fast` signal given at that moment.
pub(crate) struct Slot {
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    through_cleanup: bool,
    fail_fast: Option<CancellationToken>,
}

impl Slot {
    /// No slot: suites, and runs one at a time.
    fn none() -> Slot {
        Slot {
            permit: None,
            through_cleanup: false,
            fail_fast: None,
        }
    }

    /// The scenario's steps are over with this verdict; its cleanup comes next.
    /// Giving it twice is harmless (the slot is already free).
    pub(crate) fn verdict(&mut self, v: Verdict) {
        if v == Verdict::Failed {
            if let Some(t) = &self.fail_fast {
                t.cancel();
            }
        }
        if !self.through_cleanup {
            self.permit = None;
        }
    }
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

pub struct Executor {
    cluster: Arc<Cluster>,
    run: RunInfo,
    opts: Options,
    /// Signals and a lost cluster: stop steps, clean up (perhaps in a hurry), report.
    stop: Arc<Stop>,
    events: mpsc::UnboundedSender<Timed>,
    /// Node names, hidden from snapshots.
    nodes: std::sync::OnceLock<Vec<String>>,
    /// The API server's version (`v1.34.4`), read when the run starts.
    server_version: std::sync::OnceLock<String>,
    /// Events are stamped with the time since this instant.
    started: Instant,
    /// The namespaces this run owns and still uses: their heartbeat is renewed.
    live: Arc<liveness::LiveNamespaces>,
    /// Secret values and kubeconfig credentials: masked in everything reported.
    secrets: crate::objects::SecretValues,
    /// The one watch on which every cleanup waits for its namespace to be gone.
    gone: crate::cluster::GoneWatch,
}

/// The outcome of a whole run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub interrupted: bool,
}

/// How one scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Passed,
    Failed,
    Skipped,
}

impl Totals {
    fn count(&mut self, v: Verdict) {
        match v {
            Verdict::Passed => self.passed += 1,
            Verdict::Failed => self.failed += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

/// How many scenarios of a batch may be begun and not yet cleaned up, `width` (`-j`)
/// of them in their steps: a finished scenario's cleanup frees its slot, but the
/// namespace controller deletes only a few namespaces a second (bench/SCALE.md: ~7 on
/// the testbed). Without a bound, 1,000 short scenarios queued ~950 namespace deletions
/// within 40 s, and the last ones waited past the cleanup timeout (120 s) and failed;
/// each waiting cleanup also holds memory. With it, new scenarios start as fast as
/// namespaces go, and a cleanup waits about `bound / rate` seconds.
pub fn cleanup_backlog(width: usize) -> usize {
    (width * 4).max(100)
}

/// Scenarios that share a suite (or none), with their ids.
type Group = (Option<Arc<Scenario>>, Vec<(usize, Scenario)>);

/// What every batch of a run shares.
struct BatchCtx {
    /// The run's width: a permit per scenario running at once, over all batches.
    slots: Arc<Semaphore>,
    /// Held shared by every scenario (and suite setup or teardown) while it runs,
    /// exclusively by a serial one: a serial scenario runs alone, whichever batch it
    /// is in, and (the lock is fair) no other starts while one waits.
    alone: Arc<tokio::sync::RwLock<()>>,
    /// A permit per scenario begun and not yet cleaned up, over all batches (see
    /// [`cleanup_backlog`]).
    backlog: Arc<Semaphore>,
    stop_new: CancellationToken,
    server_version: Arc<String>,
}

impl Executor {
    pub fn new(
        cluster: Arc<Cluster>,
        run: RunInfo,
        opts: Options,
        stop: Arc<Stop>,
        events: mpsc::UnboundedSender<Timed>,
    ) -> Executor {
        let gone = cluster.gone_watch(format!("{}={}", crate::manifest::RUN_LABEL, run.run_id));
        Executor {
            gone,
            cluster,
            run,
            opts,
            stop,
            events,
            nodes: std::sync::OnceLock::new(),
            server_version: std::sync::OnceLock::new(),
            started: Instant::now(),
            live: Arc::default(),
            secrets: Default::default(),
        }
    }

    fn emit(&self, event: Event) {
        let at = self.started.elapsed();
        // a reporter that went away must not stop the run, nor its cleanup
        let _ = self.events.send(Timed { at, event });
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
        let _ = self.server_version.set(server_version.clone());
        let server_version = Arc::new(server_version);
        for c in self.cluster.credentials() {
            self.secrets.record(&c);
        }
        // without node names, snapshots of wide tables and mirror pods hold this machine's name
        let _ = self.nodes.set(self.cluster.node_names().await);
        let beside = [
            tokio::spawn(liveness::heartbeat(
                Arc::clone(&self.cluster),
                Arc::clone(&self.live),
            )),
            tokio::spawn(liveness::watchdog(
                Arc::clone(&self.cluster),
                Arc::clone(&self.stop),
                self.opts.unreachable_after,
            )),
        ];
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
        let ctx = BatchCtx {
            slots: Arc::new(Semaphore::new(parallel)),
            alone: Arc::default(),
            backlog: Arc::new(Semaphore::new(cleanup_backlog(parallel))),
            stop_new: stop_new.clone(),
            server_version: Arc::clone(&server_version),
        };
        let group_runs = groups.into_iter().enumerate().map(|(n, (suite, members))| {
            let this = Arc::clone(&self);
            let ctx = &ctx;
            async move {
                let mut totals = Totals::default();
                match suite {
                    None => {
                        this.run_batch(members, Arc::new(Vars::new()), ctx, &mut totals)
                            .await
                    }
                    Some(suite) => {
                        this.run_suite(count + n, &suite, members, ctx, &mut totals)
                            .await
                    }
                }
                totals
            }
        });
        // suites run beside the scenarios without one (sharing the width); one at a
        // time, each batch waits for the one before (`--namespace`: one namespace)
        let each: Vec<Totals> = if parallel > 1 {
            futures::future::join_all(group_runs).await
        } else {
            let mut out = Vec::new();
            for g in group_runs {
                out.push(g.await);
            }
            out
        };
        let mut totals = Totals::default();
        for t in each {
            totals.passed += t.passed;
            totals.failed += t.failed;
            totals.skipped += t.skipped;
        }
        for task in beside {
            task.abort();
        }
        totals.interrupted = self.stop.is_stopped();
        self.emit(Event::RunFinished {
            duration: start.elapsed(),
            interrupted: totals.interrupted,
        });
        totals
    }

    async fn run_scenario(
        &self,
        id: usize,
        scenario: &Scenario,
        extra: &Vars,
        mut slot: Slot,
    ) -> Verdict {
        let mut attempt: u32 = 1;
        loop {
            // a failure with retries left is not the verdict yet: the slot stays held
            let last = attempt > self.opts.retries || self.stop.is_stopped();
            let verdict = match ScenarioRun::begin(self, id, scenario, extra).await {
                None => Verdict::Failed,
                Some(mut run) => {
                    run.run_sections(&[Section::Steps, Section::Catch, Section::Finally])
                        .await;
                    run.finish(&mut slot, last).await
                }
            };
            if verdict != Verdict::Failed || last || self.stop.is_stopped() {
                slot.verdict(verdict);
                return verdict;
            }
            attempt += 1;
            self.emit(Event::Retrying { id, attempt });
        }
    }

    /// The host programs' scope of a scenario: its pinned kubeconfig (this cluster's
    /// context alone, the scenario's namespace as default). When it cannot be made,
    /// only the steps that start host programs fail, saying why.
    fn host_scope(&self, namespace: &str) -> crate::host::HostScope {
        use crate::host::HostScope;
        let made = match (&self.run.private_dir, self.cluster.kubeconfig_for(namespace)) {
            (Err(e), _) => Err(format!(
                "no private directory for the scenario's kubeconfig: {e} (set TMPDIR to a writable directory)"
            )),
            (_, Err(e)) => Err(format!("cannot make the scenario's kubeconfig: {e}")),
            (Ok(dir), Ok(text)) => {
                HostScope::new(dir, namespace, Some(&text)).map_err(|e| e.to_string())
            }
        };
        made.unwrap_or_else(HostScope::blocked)
    }

    /// The variables of a scenario: its own, the suite's (and what its setup saved),
    /// `--set`, and the built-ins.
    fn vars_for(&self, scenario: &Scenario, namespace: &str, extra: &Vars) -> Vars {
        let mut vars = extra.clone();
        vars.extend(scenario.vars.clone());
        vars.extend(self.run.sets.clone());
        vars.insert("NAMESPACE".into(), namespace.to_string());
        vars.insert("RUN_ID".into(), self.run.run_id.clone());
        let server = self.server_version.get().map_or("", String::as_str);
        for (name, value) in crate::scenario::version_vars(server) {
            vars.insert(name.into(), value);
        }
        vars
    }

    /// The scenario's computed variables (`vars: {X: {expr: CEL}}`) added to `vars`,
    /// each from those before it; one that `--set` gives is not computed. The first
    /// that cannot be computed, with the reason.
    fn compute_vars<'s>(
        &self,
        scenario: &'s Scenario,
        vars: &mut Vars,
    ) -> Result<(), (&'s crate::scenario::VarExpr, String)> {
        for v in &scenario.computed {
            if self.run.sets.contains_key(&v.name) {
                continue;
            }
            let value = v.expr.value(vars).map_err(|e| (v, e))?;
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            vars.insert(v.name.clone(), text);
        }
        Ok(())
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
        // serial scenarios share node state: the next starts once the last is cleaned up
        for (batch, serial) in [(parallel_ones, false), (serial, true)] {
            let sem = if serial {
                Arc::new(Semaphore::new(1))
            } else {
                Arc::clone(&ctx.slots)
            };
            let mut set = tokio::task::JoinSet::new();
            for (id, scenario) in batch {
                let this = Arc::clone(&self);
                let sem = Arc::clone(&sem);
                let alone = Arc::clone(&ctx.alone);
                let backlog = Arc::clone(&ctx.backlog);
                let stop_new = ctx.stop_new.clone();
                let server_version = Arc::clone(&ctx.server_version);
                let extra = Arc::clone(&extra);
                set.spawn(async move {
                    if let Some(reason) = this.skip_reason(&scenario, &server_version).await {
                        this.skip(id, &scenario, reason);
                        return Verdict::Skipped;
                    }
                    // shared or alone until the scenario is cleaned up (the task's end)
                    let _alone = if serial {
                        (None, Some(alone.write_owned().await))
                    } else {
                        (Some(alone.read_owned().await), None)
                    };
                    // held until the scenario's cleanup is over (see cleanup_backlog)
                    let begun = tokio::select! {
                        p = backlog.acquire_owned() => p.ok(),
                        _ = stop_new.cancelled() => None,
                        _ = this.stop.cancelled().cancelled() => None,
                    };
                    let permit = match begun {
                        None => None,
                        Some(_) => tokio::select! {
                            p = sem.acquire_owned() => p.ok(),
                            _ = stop_new.cancelled() => None,
                            _ = this.stop.cancelled().cancelled() => None,
                        },
                    };
                    if permit.is_none() || stop_new.is_cancelled() || this.stop.is_stopped() {
                        let reason = if this.stop.is_stopped() {
                            "run stopped"
                        } else {
                            "--fail-fast: an earlier scenario failed"
                        };
                        this.skip(id, &scenario, reason.into());
                        return Verdict::Skipped;
                    }
                    let slot = Slot {
                        permit,
                        through_cleanup: serial || this.opts.cleanup == CleanupMode::InSlot,
                        fail_fast: this.opts.fail_fast.then(|| stop_new.clone()),
                    };
                    let verdict = this.run_scenario(id, &scenario, &extra, slot).await;
                    drop(begun);
                    verdict
                });
            }
            while let Some(res) = set.join_next().await {
                totals.count(res.unwrap_or(Verdict::Failed));
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
        let skip_all = |totals: &mut Totals| {
            for (mid, m) in &members {
                self.skip(*mid, m, format!("the setup of suite {} failed", suite.name));
                totals.count(Verdict::Skipped);
            }
        };
        // setup and teardown run beside other scenarios, never beside a serial one
        let shared = ctx.alone.read().await;
        let Some(mut run) = ScenarioRun::begin(&self, id, suite, &Vars::new()).await else {
            totals.count(Verdict::Failed);
            skip_all(totals);
            return;
        };
        run.run_sections(&[Section::Setup]).await;
        drop(shared);
        if run.failed {
            skip_all(totals);
        } else {
            let mut extra = run.vars.clone();
            extra.remove("NAMESPACE");
            extra.insert("SUITE_NAMESPACE".into(), run.namespace.clone());
            Arc::clone(&self)
                .run_batch(members.clone(), Arc::new(extra), ctx, totals)
                .await;
        }
        let _shared = ctx.alone.read().await;
        run.run_sections(&[Section::Teardown]).await;
        totals.count(run.finish(&mut Slot::none(), true).await);
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
}
