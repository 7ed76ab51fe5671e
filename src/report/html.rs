//! The HTML report (`--report html=PATH`): one self-contained page (no script, no
//! font, no image from anywhere) with the run's summary, a timeline of the run
//! (scenarios per parallel slot over time, each bar split into its steps, its
//! cleanup beneath), and every scenario with its steps; failures show what was
//! expected, what came back, the object the step last saw and the evidence, and
//! snapshot diffs coloured. Rendered from the same report model as the others.

use super::{Attempt, Report, ScenarioReport, Status, StepReport};
use crate::duration::format_duration;
use crate::executor::event::{Bundle, CleanupResult, Failure, StepResult};
use std::fmt::Write as _;
use std::time::Duration;

/// Width of the timeline's drawing area, in pixels.
const WIDTH: f64 = 960.0;
/// Left margin of the timeline (slot names).
const GUTTER: f64 = 70.0;
const LANE: f64 = 34.0;

/// Text safe inside HTML elements and attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn secs(d: Duration) -> String {
    format_duration(d)
}

fn status_class(s: Status, flaky: bool) -> &'static str {
    match s {
        Status::Passed if flaky => "flaky",
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::Running => "running",
    }
}

fn step_class(r: &StepResult) -> &'static str {
    match r {
        StepResult::Passed { .. } => "passed",
        StepResult::Failed(_) => "failed",
        StepResult::Tolerated(_) => "tolerated",
        StepResult::Skipped => "skipped",
    }
}

/// The page.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let title = format!("kdrill run {}", report.run_id);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{CSS}</style></head><body>\n",
        esc(&title)
    );
    summary(&mut out, report);
    timeline(&mut out, report);
    out.push_str("<h2>Scenarios</h2>\n");
    for s in &report.scenarios {
        scenario(&mut out, s);
    }
    out.push_str("<footer>kdrill ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str(" &middot; report kdrill.dev/report/v1</footer>\n</body></html>\n");
    out
}

fn summary(out: &mut String, r: &Report) {
    let (p, f, s, fl) = (
        r.count(Status::Passed),
        r.count(Status::Failed),
        r.count(Status::Skipped),
        r.flaky(),
    );
    let verdict = if f > 0 || r.interrupted {
        "failed"
    } else {
        "passed"
    };
    let _ = write!(
        out,
        "<header class=\"{verdict}\"><h1>kdrill run <code>{}</code></h1>\
<p id=\"summary\"><span class=\"count passed\">{p} passed</span> \
<span class=\"count failed\">{f} failed</span> <span class=\"count skipped\">{s} skipped</span>",
        esc(&r.run_id)
    );
    if fl > 0 {
        let _ = write!(out, " <span class=\"count flaky\">{fl} flaky</span>");
    }
    let _ = write!(
        out,
        " in {} &middot; cluster {} &middot; {} at a time</p>",
        secs(r.duration),
        esc(&r.server_version),
        r.parallel
    );
    if r.interrupted {
        out.push_str(
            "<p class=\"banner\">The run was interrupted: steps were stopped and cleanup ran.</p>",
        );
    }
    out.push_str("</header>\n");
}

/// Lanes: a scenario takes the first slot free at its start; a slot is busy from a
/// scenario's start until its cleanup begins (cleanup runs beside the next one).
fn lanes(r: &Report) -> Vec<(usize, &ScenarioReport)> {
    let mut ran: Vec<&ScenarioReport> = r
        .scenarios
        .iter()
        .filter(|s| s.status != Status::Skipped)
        .collect();
    ran.sort_by_key(|s| s.started_at);
    let mut free_at: Vec<Duration> = Vec::new();
    let mut out = Vec::new();
    for s in ran {
        let busy_until = s
            .cleanup_started_at
            .or(s.finished_at)
            .unwrap_or(s.started_at);
        let lane = match free_at.iter().position(|t| *t <= s.started_at) {
            Some(i) => i,
            None => {
                free_at.push(Duration::ZERO);
                free_at.len() - 1
            }
        };
        free_at[lane] = busy_until;
        out.push((lane, s));
    }
    out
}

fn timeline(out: &mut String, r: &Report) {
    let placed = lanes(r);
    if placed.is_empty() {
        return;
    }
    let end = r
        .scenarios
        .iter()
        .filter_map(|s| s.finished_at)
        .max()
        .unwrap_or(r.duration)
        .max(r.duration)
        .max(Duration::from_millis(1));
    let scale = |d: Duration| GUTTER + (d.as_secs_f64() / end.as_secs_f64()) * WIDTH;
    let n_lanes = placed.iter().map(|(l, _)| l + 1).max().unwrap_or(1);
    let height = n_lanes as f64 * LANE + 30.0;
    let _ = write!(
        out,
        "<h2>Timeline</h2>\n<figure id=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
role=\"img\" aria-label=\"scenarios per slot over time\">",
        GUTTER + WIDTH + 10.0
    );
    // a tick per tenth of the run
    for i in 0..=10 {
        let t = end.mul_f64(f64::from(i) / 10.0);
        let x = scale(t);
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
<text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
            height - 18.0,
            height - 4.0,
            secs(t)
        );
    }
    for lane in 0..n_lanes {
        let y = lane as f64 * LANE + 4.0;
        let _ = write!(
            out,
            "<text class=\"lane\" x=\"4\" y=\"{:.1}\">slot {}</text>",
            y + 14.0,
            lane + 1
        );
    }
    for (lane, s) in &placed {
        let y = *lane as f64 * LANE + 4.0;
        let steps_end = s
            .cleanup_started_at
            .or(s.finished_at)
            .unwrap_or(s.started_at);
        let (x0, x1) = (scale(s.started_at), scale(steps_end));
        let class = status_class(s.status, s.flaky());
        let _ = write!(
            out,
            "<g class=\"scenario {class}\"><title>{} ({}): {}</title>\
<rect class=\"bar\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"20\"/>",
            esc(&s.name),
            class,
            secs(steps_end.saturating_sub(s.started_at)),
            (x1 - x0).max(1.0)
        );
        for st in &s.steps {
            if let Some(start) = st.started_at {
                let sx = scale(start);
                let w = (scale(start + st.duration) - sx).max(1.0);
                let _ = write!(
                    out,
                    "<rect class=\"step {}\" x=\"{sx:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\"><title>{} {}: {}</title></rect>",
                    step_class(&st.result),
                    y + 3.0,
                    st.number,
                    esc(&st.label),
                    secs(st.duration)
                );
            }
        }
        if let (Some(c0), Some(c1)) = (s.cleanup_started_at, s.finished_at) {
            let cx = scale(c0);
            let _ = write!(
                out,
                "<rect class=\"cleanup\" x=\"{cx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\"><title>cleanup of {}: {}</title></rect>",
                y + 22.0,
                (scale(c1) - cx).max(1.0),
                esc(&s.name),
                secs(c1.saturating_sub(c0))
            );
        }
        if x1 - x0 > 60.0 {
            let _ = write!(
                out,
                "<text class=\"bar-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x0 + 3.0,
                y + 14.0,
                esc(&s.name)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg><figcaption>Each bar is a scenario from its start to its verdict, split into its steps (green passed, red failed, grey skipped); the thin bar beneath is its cleanup, which runs while the next scenario uses the slot.</figcaption></figure>\n");
}

fn scenario(out: &mut String, s: &ScenarioReport) {
    let class = status_class(s.status, s.flaky());
    let open = if matches!(s.status, Status::Failed) || s.flaky() {
        " open"
    } else {
        ""
    };
    let attempts = if s.previous.is_empty() {
        String::new()
    } else {
        format!(", attempt {}", s.previous.len() + 1)
    };
    let _ = writeln!(
        out,
        "<details class=\"scenario {class}\"{open}><summary><span class=\"status\">{}</span> \
<span class=\"name\">{}</span> <span class=\"file\">{}</span> \
<span class=\"time\">{}{attempts}</span></summary>",
        class.to_uppercase(),
        esc(&s.name),
        esc(&s.file.display().to_string()),
        secs(s.duration)
    );
    if let Some(r) = &s.skip_reason {
        let _ = write!(out, "<p class=\"skip\">{}</p>", esc(r));
    }
    if let Some(ns) = &s.namespace {
        let _ = write!(
            out,
            "<p class=\"meta\">namespace <code>{}</code></p>",
            esc(ns)
        );
    }
    steps(out, &s.steps);
    for (i, a) in s.previous.iter().enumerate() {
        attempt(out, i + 1, a);
    }
    match &s.cleanup {
        Some(CleanupResult::Incomplete { errors }) => {
            out.push_str("<div class=\"failure\"><h4>Cleanup incomplete</h4><ul>");
            for e in errors {
                let _ = write!(out, "<li>{}</li>", esc(e));
            }
            out.push_str("</ul></div>");
        }
        Some(CleanupResult::Kept { namespace }) => {
            let _ = write!(
                out,
                "<p class=\"meta\">kept namespace <code>{}</code> (--keep)</p>",
                esc(namespace)
            );
        }
        _ => {}
    }
    match &s.artifacts {
        Some(Bundle::Written(p)) => {
            let _ = write!(
                out,
                "<p class=\"meta\">evidence bundle: <code>{}</code></p>",
                esc(&p.display().to_string())
            );
        }
        Some(Bundle::NotWritten(e)) => {
            let _ = write!(
                out,
                "<p class=\"meta\">evidence bundle not written: {}</p>",
                esc(e)
            );
        }
        None => {}
    }
    out.push_str("</details>\n");
}

fn attempt(out: &mut String, n: usize, a: &Attempt) {
    let _ = write!(
        out,
        "<details class=\"attempt\"><summary>attempt {n} failed ({})</summary>",
        secs(a.duration)
    );
    steps(out, &a.steps);
    out.push_str("</details>");
}

fn steps(out: &mut String, steps: &[StepReport]) {
    if steps.is_empty() {
        return;
    }
    out.push_str("<table class=\"steps\"><tbody>");
    for st in steps {
        let _ = write!(
            out,
            "<tr class=\"step {}\"><td class=\"n\">{}</td><td class=\"label\">{}</td>\
<td class=\"loc\">{}</td><td class=\"time\">{}</td></tr>",
            step_class(&st.result),
            st.number,
            esc(&st.label),
            esc(&st.location.to_string()),
            secs(st.duration)
        );
        match &st.result {
            StepResult::Failed(f) | StepResult::Tolerated(f) => {
                out.push_str("<tr class=\"detail\"><td></td><td colspan=\"3\">");
                failure(out, f);
                out.push_str("</td></tr>");
            }
            StepResult::Passed { notes, snapshots }
                if !notes.is_empty() || !snapshots.is_empty() =>
            {
                out.push_str("<tr class=\"notes\"><td></td><td colspan=\"3\">");
                for n in notes {
                    let _ = write!(out, "<div>{}</div>", esc(n));
                }
                for sn in snapshots {
                    let _ = write!(out, "<div>{}</div>", esc(&sn.to_string()));
                }
                out.push_str("</td></tr>");
            }
            _ => {}
        }
    }
    out.push_str("</tbody></table>");
}

/// A block of text, lines of a unified diff coloured.
fn pre(out: &mut String, class: &str, text: &str) {
    let _ = write!(out, "<pre class=\"{class}\">");
    for line in text.lines() {
        let cls = if line.starts_with("+++") || line.starts_with("---") {
            "diff-head"
        } else if line.trim_start().starts_with('+') {
            "add"
        } else if line.trim_start().starts_with('-') && !line.trim_start().starts_with("- ") {
            "del"
        } else {
            ""
        };
        if cls.is_empty() {
            let _ = writeln!(out, "{}", esc(line));
        } else {
            let _ = writeln!(out, "<span class=\"{cls}\">{}</span>", esc(line));
        }
    }
    out.push_str("</pre>");
}

fn failure(out: &mut String, f: &Failure) {
    let _ = write!(
        out,
        "<div class=\"failure\"><p class=\"message\">{}</p>",
        esc(&f.message)
    );
    if let Some(e) = &f.expected {
        out.push_str("<h4>expected</h4>");
        pre(out, "expected", e);
    }
    if let Some(a) = &f.actual {
        out.push_str("<h4>got</h4>");
        pre(out, "got", a);
    }
    if let Some(status) = f.object.as_ref().and_then(|o| o.get("status")) {
        let name = f
            .object
            .as_ref()
            .map(crate::manifest::describe_doc)
            .unwrap_or_default();
        let _ = write!(out, "<h4>last status seen ({})</h4>", esc(&name));
        pre(
            out,
            "object",
            &serde_yaml::to_string(status).unwrap_or_default(),
        );
    }
    if let Some(ev) = f.evidence.as_ref().filter(|e| !e.is_empty()) {
        out.push_str("<h4>evidence</h4>");
        for p in &ev.pods {
            pre(out, "evidence", p);
        }
        if !ev.events.is_empty() {
            pre(out, "events", &ev.events.join("\n"));
        }
        for (header, text) in &ev.logs {
            let _ = write!(out, "<h5>logs of {}</h5>", esc(header));
            pre(out, "logs", text);
        }
        for n in &ev.notes {
            let _ = write!(out, "<p class=\"meta\">({})</p>", esc(n));
        }
    }
    out.push_str("</div>");
}

const CSS: &str = "
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 32px;color:#1d2330}
header{padding:8px 16px;border-left:6px solid #2e9e5b;background:#f3faf5;margin:16px 0}
header.failed{border-color:#c8342d;background:#fdf3f2}
h1{font-size:20px;margin:6px 0}h2{font-size:17px;margin:24px 0 8px}h4{margin:8px 0 2px;font-size:13px}h5{margin:6px 0 2px;font-size:12px}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
.count{font-weight:600;margin-right:6px}.count.passed{color:#2e7d4f}.count.failed{color:#c8342d}.count.skipped{color:#6b7280}.count.flaky{color:#b7791f}
.banner{color:#c8342d;font-weight:600}
figure{margin:0;overflow-x:auto}figcaption{color:#6b7280;font-size:12px;margin-top:4px}
svg text{font:11px system-ui,sans-serif}.tick{stroke:#e5e7eb}.tick-label{fill:#6b7280;text-anchor:middle}.lane{fill:#6b7280}
.bar{fill:#e8f1ec;stroke:#9cc7ad}.scenario.failed .bar{fill:#fbe9e8;stroke:#e2a19c}.scenario.flaky .bar{fill:#fdf6e3;stroke:#e0c27c}
rect.step.passed{fill:#2e9e5b}rect.step.failed{fill:#c8342d}rect.step.skipped{fill:#c9ced6}rect.step.tolerated{fill:#d99a2b}
.cleanup{fill:#7c8aa5;opacity:.6}.bar-label{fill:#1d2330;pointer-events:none}
details.scenario{border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;padding:4px 10px}
details.scenario>summary{cursor:pointer;list-style-position:inside}
.status{display:inline-block;min-width:58px;font-weight:700;font-size:12px}
.passed>summary .status{color:#2e7d4f}.failed>summary .status{color:#c8342d}.skipped>summary .status{color:#6b7280}.flaky>summary .status{color:#b7791f}
.name{font-weight:600}.file,.time,.meta,.loc{color:#6b7280}.file{font-size:12px}.time{float:right}
table.steps{border-collapse:collapse;width:100%;margin:6px 0}table.steps td{padding:2px 6px;vertical-align:top;border-top:1px solid #f1f2f4}
td.n{width:28px;text-align:right;color:#6b7280}td.time{width:70px;text-align:right;color:#6b7280}td.loc{font:11px ui-monospace,monospace}
tr.step.failed td.label{color:#c8342d;font-weight:600}tr.step.skipped td.label{color:#9aa1ab}
.failure{background:#fffafa;border-left:3px solid #c8342d;padding:4px 10px;margin:4px 0}
.message{font-weight:600;margin:4px 0}
pre{background:#f6f7f9;padding:6px 8px;overflow-x:auto;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;margin:2px 0;white-space:pre-wrap}
pre .add{color:#1a7f37;background:#e6f6ea}pre .del{color:#b42318;background:#fdecea}pre .diff-head{color:#6b7280}
.notes div{color:#4b5563;font-size:12px}
footer{color:#9aa1ab;font-size:11px;margin-top:24px}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_self_contained_and_escapes_what_it_shows() {
        let r = crate::report::tests::sample();
        let html = render(&r);
        assert!(html.starts_with("<!DOCTYPE html>"));
        for outside in ["http://", "https://", "<script", "<link", "src="] {
            let found = html.replace("http://www.w3.org/2000/svg", "");
            assert!(!found.contains(outside), "the page reaches out: {outside}");
        }
        assert!(
            html.contains("<svg") && html.contains("class=\"cleanup\""),
            "a timeline"
        );
        assert!(html.contains("condition not met within 20.0s"));
        assert!(
            html.contains("Failed to pull image &quot;nginx:nope&quot;"),
            "escaped"
        );
        assert!(html.contains("last status seen (pod/nginx)"));
    }

    #[test]
    fn lanes_reuse_a_slot_once_its_scenario_reached_its_verdict() {
        let r = crate::report::tests::sample();
        let placed = lanes(&r);
        let lanes: Vec<(usize, &str)> = placed.iter().map(|(l, s)| (*l, s.name.as_str())).collect();
        // `passes` starts at 10 ms and `fails` at 20 ms: two slots
        assert_eq!(lanes, [(0, "passes"), (1, "fails")]);
    }
}
