//! The human renderer: append-only lines that read well in a terminal and in a CI
//! log. A scenario's block is printed when it ends (parallel scenarios never
//! interleave); `-v` adds each passed step and its notes, `--quiet` keeps failures.

use super::{Report, ScenarioReport, Status};
use crate::duration::format_duration;
use crate::executor::event::{Bundle, CleanupResult, Event, Failure, StepResult};
use crate::text::indent;
use std::io::Write;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Human<W: Write> {
    out: W,
    verbosity: Verbosity,
    start: Instant,
    /// Steps under way: (scenario id) -> (scenario name, step label, started).
    running: std::collections::BTreeMap<usize, (String, String, Instant)>,
    names: std::collections::BTreeMap<usize, String>,
    colour: bool,
    /// A live display shows starts and progress itself.
    live: bool,
}

impl<W: Write> Human<W> {
    pub fn new(out: W, verbosity: Verbosity) -> Self {
        Human {
            out,
            verbosity,
            start: Instant::now(),
            running: Default::default(),
            names: Default::default(),
            colour: false,
            live: false,
        }
    }

    /// Colour PASS/FAIL and step marks (only for terminals; see `NO_COLOR`).
    pub fn with_colour(mut self, colour: bool) -> Self {
        self.colour = colour;
        self
    }

    /// Leave start lines and progress to a live display.
    pub fn live(mut self) -> Self {
        self.live = true;
        self
    }

    /// Take what was written so far (for a writer that is a buffer).
    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }

    fn stamp(&self) -> String {
        format!("[{:>7}]", format_duration(self.start.elapsed()))
    }

    /// One line per step still running, with how long it has run (called periodically).
    pub fn progress(&mut self) -> std::io::Result<()> {
        if self.verbosity == Verbosity::Quiet || self.live {
            return Ok(());
        }
        // only steps that have taken a while: the rest will report soon enough
        let slow = self
            .running
            .values()
            .filter(|(_, _, since)| since.elapsed().as_secs() >= 10);
        for (scenario, step, since) in slow {
            writeln!(
                self.out,
                "{} ...   {scenario}: {step} (running for {})",
                self.stamp(),
                format_duration(since.elapsed())
            )?;
        }
        self.out.flush()
    }

    /// React to one event; `report` already includes it.
    pub fn on_event(&mut self, event: &Event, report: &Report) -> std::io::Result<()> {
        match event {
            Event::RunStarted {
                run_id,
                scenarios,
                parallel,
                server_version,
            } => {
                if self.verbosity > Verbosity::Quiet {
                    writeln!(self.out, "kdrill: run {run_id}: {scenarios} scenario(s), {parallel} at a time, cluster {server_version}")?;
                }
            }
            Event::ScenarioStarted {
                id,
                name,
                file,
                namespace,
            } => {
                self.names.insert(*id, name.clone());
                if self.verbosity > Verbosity::Quiet && !self.live {
                    writeln!(
                        self.out,
                        "{} START {name} ({}) in namespace {namespace}",
                        self.stamp(),
                        file.display()
                    )?;
                }
            }
            Event::StepStarted {
                id, number, label, ..
            } => {
                let name = self.names.get(id).cloned().unwrap_or_default();
                self.running.insert(
                    *id,
                    (name, format!("step {number} {label}"), Instant::now()),
                );
            }
            Event::StepFinished { id, .. } => {
                self.running.remove(id);
            }
            Event::CleanupStarted { .. } => {}
            Event::Retrying { id, attempt } => {
                // the failed attempt was shown in full when it finished
                let name = self.names.get(id).cloned().unwrap_or_default();
                if self.verbosity > Verbosity::Quiet {
                    writeln!(
                        self.out,
                        "{} RETRY {name}: attempt {attempt} in a fresh namespace (--retries)",
                        self.stamp()
                    )?;
                }
            }
            Event::ScenarioSkipped { name, reason, .. } => {
                if self.verbosity > Verbosity::Quiet {
                    writeln!(self.out, "{} SKIP  {name}: {reason}", self.stamp())?;
                }
            }
            Event::ScenarioFinished { id, .. } => {
                if let Some(s) = report.scenarios.iter().find(|s| s.id == *id) {
                    let text = render_scenario(s, self.verbosity);
                    if !text.is_empty() {
                        let text = if self.colour { paint(&text) } else { text };
                        write!(self.out, "{} {text}", self.stamp())?;
                    }
                }
            }
            Event::RunFinished { .. } => {
                write!(self.out, "{}", render_summary(report))?;
            }
        }
        self.out.flush()
    }
}

/// Colour the words a reader scans for: PASS, FAIL and the step marks.
fn paint(text: &str) -> String {
    use console::style;
    text.lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("FAIL ") {
                format!("{}{rest}", style("FAIL ").red().bold())
            } else if let Some(rest) = l.strip_prefix("PASS ") {
                format!("{}{rest}", style("PASS ").green().bold())
            } else if let Some(rest) = l.strip_prefix("FLAKY") {
                format!("{}{rest}", style("FLAKY").yellow().bold())
            } else if let Some(rest) = l.strip_prefix("    ✘") {
                format!("    {}{rest}", style("✘").red())
            } else if let Some(rest) = l.strip_prefix("    ✔") {
                format!("    {}{rest}", style("✔").green())
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

fn mark(result: &StepResult) -> &'static str {
    match result {
        StepResult::Passed { .. } => "✔",
        StepResult::Failed(_) => "✘",
        StepResult::Tolerated(_) => "!",
        StepResult::Skipped => "-",
    }
}

/// One scenario's block, without a leading timestamp.
pub fn render_scenario(s: &ScenarioReport, verbosity: Verbosity) -> String {
    let mut out = String::new();
    let failed = s.status == Status::Failed;
    if !failed && verbosity == Verbosity::Quiet {
        return out;
    }
    let word = if failed {
        "FAIL "
    } else if s.flaky() {
        "FLAKY"
    } else {
        "PASS "
    };
    let attempts = if s.previous.is_empty() {
        String::new()
    } else {
        format!(", attempt {}", s.previous.len() + 1)
    };
    out.push_str(&format!(
        "{word} {} ({}, {} steps, {}{attempts})\n",
        s.name,
        s.file.display(),
        s.steps.len(),
        format_duration(s.duration)
    ));
    for step in &s.steps {
        let show = failed || verbosity == Verbosity::Verbose;
        if !show {
            continue;
        }
        out.push_str(&format!(
            "    {} {:>2}. {} ({})\n",
            mark(&step.result),
            step.number,
            step.label,
            format_duration(step.duration)
        ));
        match &step.result {
            StepResult::Passed { notes, snapshots } if verbosity == Verbosity::Verbose => {
                for n in notes {
                    out.push_str(&format!("          {n}\n"));
                }
                for s in snapshots {
                    out.push_str(&format!("          {s}\n"));
                }
            }
            StepResult::Failed(f) => out.push_str(&render_failure(f, &step.location.to_string())),
            // allowed to fail: the reason, without the evidence a real failure gets
            StepResult::Tolerated(f) if verbosity != Verbosity::Quiet => {
                out.push_str(&format!("          failure allowed: {}\n", f.message));
            }
            _ => {}
        }
    }
    match &s.artifacts {
        Some(Bundle::Written(dir)) => {
            out.push_str(&format!("    evidence bundle: {}\n", dir.display()))
        }
        Some(Bundle::NotWritten(e)) => {
            out.push_str(&format!("    evidence bundle not written: {e}\n"))
        }
        None => {}
    }
    match &s.cleanup {
        Some(CleanupResult::Kept { namespace }) => out.push_str(&format!(
            "    kept namespace {namespace} (--keep): inspect with `kubectl get all,events -n {namespace}`, remove with `kdrill clean`\n"
        )),
        Some(CleanupResult::Incomplete { errors }) => {
            out.push_str("    cleanup incomplete:\n");
            for e in errors {
                out.push_str(&format!("      {e}\n"));
            }
        }
        _ => {}
    }
    out
}

/// A failed step's explanation: place, message, expected, got, evidence.
pub fn render_failure(f: &Failure, location: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!("          at {location}\n"));
    out.push_str(&format!("          {}\n", f.message));
    if let Some(e) = &f.expected {
        out.push_str(&format!(
            "          expected:\n{}\n",
            indent(e, "            ")
        ));
    }
    // what came back, then the state of the object it is about (as the wait saw it last)
    let status = f
        .object
        .as_ref()
        .and_then(|o| o.get("status"))
        .and_then(|s| serde_yaml::to_string(s).ok())
        .map(|y| {
            let name = f
                .object
                .as_ref()
                .map(crate::manifest::describe_doc)
                .unwrap_or_default();
            format!("last status seen ({name}):\n{}", indent(&y, "  "))
        });
    let got = match (&f.actual, status) {
        (Some(a), Some(s)) => Some(format!("{a}\n{s}")),
        (Some(a), None) => Some(a.clone()),
        (None, s) => s,
    };
    if let Some(a) = &got {
        out.push_str(&format!("          got:\n{}\n", indent(a, "            ")));
    }
    if let Some(ev) = f.evidence.as_ref().filter(|e| !e.is_empty()) {
        out.push_str("          evidence:\n");
        for p in &ev.pods {
            out.push_str(&format!("{}\n", indent(p, "            ")));
        }
        if !ev.events.is_empty() {
            out.push_str("            events (oldest first):\n");
            for e in &ev.events {
                out.push_str(&format!("              {e}\n"));
            }
        }
        for (header, text) in &ev.logs {
            out.push_str(&format!(
                "            logs of {header}:\n{}\n",
                indent(text, "              | ")
            ));
        }
        for n in &ev.notes {
            out.push_str(&format!("            ({n})\n"));
        }
    }
    out
}

/// The closing summary; its last line is the plain `N passed, N failed` CI reads.
pub fn render_summary(report: &Report) -> String {
    let mut out = String::new();
    let (p, f, s) = (
        report.count(Status::Passed),
        report.count(Status::Failed),
        report.count(Status::Skipped),
    );
    out.push('\n');
    for sc in report
        .scenarios
        .iter()
        .filter(|s| s.status == Status::Failed)
    {
        let first = sc
            .steps
            .iter()
            .find(|st| matches!(st.result, StepResult::Failed(_)));
        match first {
            Some(st) => out.push_str(&format!(
                "  failed: {} — step {} `{}` at {}\n",
                sc.name, st.number, st.label, st.location
            )),
            None => out.push_str(&format!("  failed: {} ({})\n", sc.name, sc.file.display())),
        }
    }
    for sc in report.scenarios.iter().filter(|s| s.flaky()) {
        out.push_str(&format!(
            "  flaky: {} ({}) passed on attempt {} after failing {} time(s)\n",
            sc.name,
            sc.file.display(),
            sc.previous.len() + 1,
            sc.previous.len()
        ));
    }
    let mut slow: Vec<(&str, &str, std::time::Duration)> = report
        .scenarios
        .iter()
        .flat_map(|sc| {
            sc.steps
                .iter()
                .map(move |st| (sc.name.as_str(), st.label.as_str(), st.duration))
        })
        .collect();
    slow.sort_by_key(|b| std::cmp::Reverse(b.2));
    if slow.first().is_some_and(|x| x.2.as_secs() >= 5) {
        out.push_str("  slowest steps:\n");
        for (sc, st, d) in slow.iter().take(3) {
            out.push_str(&format!("    {:>7}  {sc}: {st}\n", format_duration(*d)));
        }
    }
    if report.interrupted {
        let left = report
            .scenarios
            .iter()
            .any(|s| matches!(s.cleanup, Some(CleanupResult::Incomplete { .. })));
        if left {
            out.push_str(&format!(
                "  interrupted: some deletions were not confirmed; `kdrill clean --run {}` removes what is left\n",
                report.run_id
            ));
        } else {
            out.push_str("  interrupted: cleanup ran for every started scenario\n");
        }
    }
    let flaky = match report.flaky() {
        0 => String::new(),
        n => format!(" ({n} flaky)"),
    };
    out.push_str(&format!(
        "kdrill: {p} passed, {f} failed, {s} skipped in {}{flaky}\n",
        format_duration(report.duration)
    ));
    out
}
