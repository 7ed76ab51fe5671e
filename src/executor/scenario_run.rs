//! One scenario (or suite) while it runs: its namespace, the objects it created, its
//! host programs and its variables, carried through its sections of steps, each step
//! tried (again, while `retry` allows) and checked, then its end: evidence bundle and
//! cleanup.

use super::event::{Bundle, CleanupResult, Event, Failure, StepResult};
use super::{namespace, Executor, Slot, Verdict};
use crate::cleanup::Cleanup;
use crate::host::HostScope;
use crate::scenario::{SaveSource, Scenario, Section, Step};
use crate::steps::{Output, StepCtx, StepError};
use crate::vars::Vars;
use std::time::{Duration, Instant};

/// Time for the pod's default ServiceAccount to appear in a new namespace.
const NAMESPACE_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The running state of one scenario.
pub(super) struct ScenarioRun<'a> {
    exec: &'a Executor,
    id: usize,
    scenario: &'a Scenario,
    pub(super) namespace: String,
    /// kdrill created the namespace (and so owns everything inside it).
    owns: bool,
    created: Cleanup,
    /// The host programs' scope (pinned kubeconfig); gone once the scenario ends.
    host: Option<HostScope>,
    pub(super) vars: Vars,
    /// A step of it failed; carries over between sections (a suite's teardown runs
    /// long after its setup).
    pub(super) failed: bool,
    start: Instant,
}

impl<'a> ScenarioRun<'a> {
    /// Make the scenario's namespace and say it started; None (reported, and
    /// finished) when the namespace was refused.
    pub(super) async fn begin(
        exec: &'a Executor,
        id: usize,
        scenario: &'a Scenario,
        extra: &Vars,
    ) -> Option<ScenarioRun<'a>> {
        let start = Instant::now();
        let (ns, owns) = match &exec.opts.namespace {
            Some(ns) => (ns.clone(), false),
            None => (
                namespace::namespace_name(&exec.opts.namespace_prefix, &scenario.name),
                true,
            ),
        };
        exec.emit(Event::ScenarioStarted {
            id,
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            namespace: ns.clone(),
        });
        if owns {
            let labels = namespace::namespace_labels(scenario, &exec.run.run_id);
            let made = exec
                .cluster
                .create_namespace(
                    &ns,
                    labels.clone(),
                    NAMESPACE_READY_TIMEOUT,
                    exec.stop.cancelled(),
                )
                .await;
            if let Err(e) = made {
                exec.emit(Event::StepFinished {
                    id,
                    number: 0,
                    label: format!("create namespace {ns}"),
                    location: crate::scenario::Location {
                        file: scenario.file.clone(),
                        line: 1,
                        col: 1,
                    },
                    duration: start.elapsed(),
                    result: StepResult::Failed(Box::new(Failure {
                        message: e.to_string(),
                        // an admission policy or a quota on namespaces refuses here: say
                        // what was asked for, so the refusal can be read against it
                        expected: Some(format!(
                            "a namespace {ns} labelled {}",
                            labels
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        ..Default::default()
                    })),
                });
                let cleanup = super::cleanup::clean_up(
                    &exec.cluster,
                    exec.opts.keep,
                    &Cleanup::default(),
                    &ns,
                    owns,
                    exec.stop.hurried(),
                    &exec.gone,
                )
                .await;
                exec.emit(Event::ScenarioFinished {
                    id,
                    duration: start.elapsed(),
                    cleanup,
                    artifacts: None,
                });
                return None;
            }
        }
        if owns {
            exec.live.add(&ns);
        }
        let mut vars = exec.vars_for(scenario, &ns, extra);
        // a variable that cannot be computed fails the scenario before its first step
        let failed = match exec.compute_vars(scenario, &mut vars) {
            Ok(()) => false,
            Err((v, message)) => {
                exec.emit(Event::StepFinished {
                    id,
                    number: 0,
                    label: format!("compute vars.{}", v.name),
                    location: v.location.clone(),
                    duration: Duration::ZERO,
                    result: StepResult::Failed(Box::new(Failure {
                        message: format!("`{}` cannot be computed: {message}", v.expr),
                        ..Default::default()
                    })),
                });
                true
            }
        };
        let host = Some(exec.host_scope(&ns));
        Some(ScenarioRun {
            exec,
            id,
            scenario,
            namespace: ns,
            owns,
            created: Cleanup::default(),
            host,
            vars,
            failed,
            start,
        })
    }

    /// Run the steps of the given sections, in order.
    pub(super) async fn run_sections(&mut self, sections: &[Section]) {
        let exec = self.exec;
        let redact = crate::snapshot::redact::Context {
            namespace: self.namespace.clone(),
            nodes: exec.nodes.get().cloned().unwrap_or_default(),
            run_id: exec.run.run_id.clone(),
        };
        // a snapshot difference fails the scenario but lets later steps run; a variable
        // that could not be computed (`failed` from the start) runs none
        let mut stopped = self.failed;
        for step in self
            .scenario
            .steps
            .iter()
            .filter(|s| sections.contains(&s.section))
        {
            let location = step.location.clone();
            let label = step.label();
            let runs = match step.section {
                Section::Steps | Section::Setup => !stopped,
                // catch steps gather evidence of a failure: without one they do not exist
                Section::Catch if !self.failed => continue,
                Section::Catch | Section::Finally | Section::Teardown => true,
            };
            if !runs || exec.stop.is_stopped() {
                exec.emit(Event::StepFinished {
                    id: self.id,
                    number: step.number,
                    label,
                    location,
                    duration: Duration::ZERO,
                    result: StepResult::Skipped,
                });
                continue;
            }
            exec.emit(Event::StepStarted {
                id: self.id,
                number: step.number,
                label: label.clone(),
                location: location.clone(),
            });
            let step_start = Instant::now();
            let result = self.run_step(step, &redact).await;
            let result = match result {
                Ok(out) => StepResult::Passed {
                    notes: out.notes.iter().map(|n| exec.secrets.mask(n)).collect(),
                    snapshots: out.snapshots,
                },
                Err(StepError::Cancelled) => {
                    self.failed = true;
                    stopped = true;
                    StepResult::Failed(Box::new(Failure {
                        message: exec.stop.describe(),
                        ..Default::default()
                    }))
                }
                Err(e) => {
                    // evidence gathering that fails must not turn into a second failure
                    let tolerated = step.allow_failure || step.section == Section::Catch;
                    let snapshot_only = matches!(e, StepError::Snapshot { .. });
                    if !tolerated {
                        self.failed = true;
                        stopped |= !snapshot_only;
                    }
                    // a snapshot diff is its own evidence; the cluster's state is not at fault
                    let evidence = if exec.stop.is_stopped() || snapshot_only || tolerated {
                        None
                    } else {
                        Some(crate::evidence::collect(&exec.cluster, &self.namespace).await)
                    };
                    let failure = Box::new(masked(failure_of(e, evidence), &exec.secrets));
                    if tolerated {
                        StepResult::Tolerated(failure)
                    } else {
                        StepResult::Failed(failure)
                    }
                }
            };
            exec.emit(Event::StepFinished {
                id: self.id,
                number: step.number,
                label,
                location,
                duration: step_start.elapsed(),
                result,
            });
        }
    }

    /// One step: its variables replaced, tried, checked, and what it saves kept.
    async fn run_step(
        &mut self,
        step: &Step,
        redact: &crate::snapshot::redact::Context,
    ) -> Result<Output, StepError> {
        let exec = self.exec;
        let Some(host) = &self.host else {
            return Err(StepError::failed("the scenario has ended"));
        };
        let resolved = step
            .resolve(&self.vars)
            .map_err(|e| StepError::failed(e.to_string()))?;
        let ctx = StepCtx {
            cluster: &exec.cluster,
            run: &exec.run,
            dir: &self.scenario.dir,
            expect: &resolved.expect,
            namespace: &self.namespace,
            owns_namespace: self.owns,
            timeout: exec.opts.timeout_for(step, self.scenario),
            cleanup: &self.created,
            host,
            secrets: &exec.secrets,
            cancel: exec.stop.cancelled(),
            vars: &self.vars,
        };
        let mut out = self.attempt(&ctx, &resolved, redact).await?;
        save(step, &out, &mut self.vars)?;
        if !step.save.is_empty() {
            // names only: a saved value may be a token
            let names: Vec<&str> = step.save.iter().map(|(n, _)| n.as_str()).collect();
            out.notes.push(format!("saved {}", names.join(", ")));
        }
        Ok(out)
    }

    /// Run a step (again, while `retry` allows) and check its expectations.
    async fn attempt(
        &self,
        ctx: &StepCtx<'_>,
        step: &Step,
        redact: &crate::snapshot::redact::Context,
    ) -> Result<Output, StepError> {
        let exec = self.exec;
        let attempts = step.retry.as_ref().map_or(1, |r| r.attempts.max(1));
        let site = self.scenario.snapshot_site(step);
        let snap = crate::snapshot::Check {
            settings: &exec.opts.snapshots,
            site: &site,
            rules: &self.scenario.redact,
            redact,
        };
        let mut attempt = 1;
        loop {
            // steps that wait report their own timeout with evidence; this bound
            // only catches the others (a hung exec, a slow API call)
            let bound = ctx.timeout + Duration::from_secs(5);
            let raw = match tokio::time::timeout(bound, step.action.run(ctx)).await {
                Ok(r) => r,
                Err(_) => Err(StepError::failed(format!(
                    "the step did not finish within {}",
                    crate::duration::format_duration(ctx.timeout)
                ))),
            };
            let result = crate::steps::check(&step.expect, raw, Some(&snap));
            if result.is_ok()
                || attempt >= attempts
                // retrying cannot change a snapshot verdict, only rewrite the pending file
                || matches!(result, Err(StepError::Cancelled | StepError::Snapshot { .. }))
            {
                return result;
            }
            attempt += 1;
            let backoff = step
                .retry
                .as_ref()
                .map_or(Duration::from_secs(1), |r| r.backoff.0);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = exec.stop.cancelled().cancelled() => return result,
            }
        }
    }

    /// Evidence bundle, the end of its host programs, the slot given back, cleanup,
    /// and the scenario's end. A cleanup that could not remove everything fails it.
    /// `last`: no retry follows, so a failure is the verdict (the slot is given back
    /// and --fail-fast fires); otherwise the slot is kept for the retry.
    pub(super) async fn finish(mut self, slot: &mut Slot, last: bool) -> Verdict {
        let exec = self.exec;
        // the bundle must be taken before cleanup removes what it shows
        let artifacts = match (&exec.opts.artifacts, self.failed) {
            (Some(dir), true) => Some(
                match crate::artifacts::write(
                    &exec.cluster,
                    &self.namespace,
                    dir,
                    &self.scenario.name,
                    &exec.secrets,
                )
                .await
                {
                    Ok(p) => Bundle::Written(p),
                    Err(e) => Bundle::NotWritten(e.to_string()),
                },
            ),
            _ => None,
        };
        // what the scenario left running on this machine ends with it
        self.host = None;
        let verdict = if self.failed {
            Verdict::Failed
        } else {
            Verdict::Passed
        };
        // the next scenario may start while this one's objects are deleted
        if last || verdict == Verdict::Passed {
            slot.verdict(verdict);
        }
        exec.emit(Event::CleanupStarted { id: self.id });
        exec.live.emptying(&self.namespace);
        let cleanup = super::cleanup::clean_up(
            &exec.cluster,
            exec.opts.keep,
            &self.created,
            &self.namespace,
            self.owns,
            exec.stop.hurried(),
            &exec.gone,
        )
        .await;
        // live until gone: `kdrill clean` elsewhere leaves it to this run
        exec.live.remove(&self.namespace);
        if self.owns && !matches!(cleanup, CleanupResult::Done { .. }) {
            // kept, or left behind: no longer this run's, so `kdrill clean` may take it
            let _ = exec.cluster.end_heartbeat(&self.namespace).await;
        }
        let cleaned = !matches!(cleanup, CleanupResult::Incomplete { .. });
        exec.emit(Event::ScenarioFinished {
            id: self.id,
            duration: self.start.elapsed(),
            cleanup,
            artifacts,
        });
        if cleaned {
            verdict
        } else {
            Verdict::Failed
        }
    }
}

/// A failure with every Secret value and credential the run knows masked: what
/// kdrill did not write itself (log tails, outputs, API messages) may hold them.
fn masked(f: Failure, secrets: &crate::objects::SecretValues) -> Failure {
    let m = |t: String| secrets.mask(&t);
    Failure {
        message: m(f.message),
        expected: f.expected.map(m),
        actual: f.actual.map(m),
        object: f.object.map(|mut o| {
            secrets.mask_value(&mut o);
            o
        }),
        evidence: f.evidence.map(|e| crate::evidence::Evidence {
            pods: e.pods.into_iter().map(m).collect(),
            events: e.events.into_iter().map(m).collect(),
            logs: e.logs.into_iter().map(|(h, t)| (h, m(t))).collect(),
            notes: e.notes.into_iter().map(m).collect(),
        }),
    }
}

/// A step error as the report shows it.
fn failure_of(e: StepError, evidence: Option<crate::evidence::Evidence>) -> Failure {
    let (message, expected, actual, object) = match e {
        StepError::Failed {
            message,
            expected,
            actual,
            object,
        } => (message, expected, actual, object),
        StepError::Snapshot {
            message,
            expected,
            actual,
        } => (message, expected, actual, None),
        other => (other.to_string(), None, None, None),
    };
    // the evidence object as people see it: no server bookkeeping, no Secret values
    let object = object.map(|o| {
        let mut o = *o;
        crate::objects::redact_secret(&mut o);
        crate::objects::tidy(o)
    });
    Failure {
        message,
        expected,
        actual,
        object,
        evidence,
    }
}

/// `save:` of a step: variables for the steps after it, from what it produced.
fn save(step: &Step, out: &Output, vars: &mut Vars) -> Result<(), StepError> {
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
