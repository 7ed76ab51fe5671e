//! `kdrill report merge`: the reports of a sharded run (one per shard, as rendered:
//! JSON `kdrill.dev/report/v1` and JUnit XML) combined into one report of each kind.
//! Works on the rendered reports, not on the report model: a shard's report may come
//! from another machine, a CI artifact or a ConfigMap.
//!
//! - JSON: the scenarios of every shard, in the order of the inputs, each with the
//!   `runId` of its shard; `summary` summed; `durationSeconds` the longest shard's
//!   (they ran side by side); `interrupted` if any was; `shards` lists each input.
//! - JUnit: one `<testsuites>` holding every shard's `<testsuite>` as it was
//!   written; its counts summed, its `time` the longest shard's.

use serde_json::{json, Value};

/// The report format kdrill writes and merges.
pub const REPORT_VERSION: &str = "kdrill.dev/report/v1";

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{source_name}: not a kdrill JSON report ({REPORT_VERSION}) nor JUnit XML: {why}")]
    Unknown { source_name: String, why: String },
    #[error("{source_name}: invalid JUnit XML: {why}")]
    Junit { source_name: String, why: String },
}

/// One shard's report, as read.
#[derive(Debug, Clone)]
pub enum Input {
    Json { source: String, report: Value },
    Junit { source: String, xml: String },
}

impl Input {
    pub fn source(&self) -> &str {
        match self {
            Input::Json { source, .. } | Input::Junit { source, .. } => source,
        }
    }
}

/// Read one report's text: JSON or JUnit, by its content.
pub fn classify(source: &str, text: &str) -> Result<Input, MergeError> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let unknown = |why: String| MergeError::Unknown {
        source_name: source.to_string(),
        why,
    };
    if t.starts_with('{') {
        let report: Value = serde_json::from_str(t).map_err(|e| unknown(e.to_string()))?;
        match report.get("reportVersion").and_then(Value::as_str) {
            Some(REPORT_VERSION) => {}
            Some(other) => return Err(unknown(format!("reportVersion is `{other}`"))),
            None => return Err(unknown("no reportVersion".into())),
        }
        if !report.get("scenarios").is_some_and(Value::is_array) {
            return Err(unknown("no `scenarios` list".into()));
        }
        Ok(Input::Json {
            source: source.to_string(),
            report,
        })
    } else if t.starts_with('<') {
        // read it once now, so that a broken file is named before anything is written
        junit_suites(source, t)?;
        Ok(Input::Junit {
            source: source.to_string(),
            xml: t.to_string(),
        })
    } else {
        Err(unknown("neither JSON nor XML".into()))
    }
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Reports with the same `runId` are one shard's report read twice (a JSON file in
/// two directories, say): only the first counts. Returns the reports kept and the
/// sources skipped.
pub fn distinct_runs(inputs: &[(String, Value)]) -> (Vec<&(String, Value)>, Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for i in inputs {
        let id = i.1.get("runId").and_then(Value::as_str).unwrap_or("");
        if id.is_empty() || seen.insert(id.to_string()) {
            kept.push(i);
        } else {
            skipped.push(i.0.clone());
        }
    }
    (kept, skipped)
}

/// The JSON reports of the shards as one `kdrill.dev/report/v1` report.
pub fn merge_json(inputs: &[(String, Value)]) -> Value {
    let (kept, _) = distinct_runs(inputs);
    let mut scenarios = Vec::new();
    let mut shards = Vec::new();
    let (mut passed, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    let mut duration: f64 = 0.0;
    let mut interrupted = false;
    let mut run_ids = Vec::new();
    let mut clusters: Vec<String> = Vec::new();
    for (source, r) in kept {
        let run_id = r.get("runId").and_then(Value::as_str).unwrap_or("");
        run_ids.push(run_id.to_string());
        if let Some(c) = r.get("clusterVersion").and_then(Value::as_str) {
            if !c.is_empty() && !clusters.iter().any(|x| x == c) {
                clusters.push(c.to_string());
            }
        }
        let s = r.get("summary").cloned().unwrap_or(Value::Null);
        passed += s.get("passed").and_then(Value::as_u64).unwrap_or(0);
        failed += s.get("failed").and_then(Value::as_u64).unwrap_or(0);
        skipped += s.get("skipped").and_then(Value::as_u64).unwrap_or(0);
        duration = duration.max(num(r, "durationSeconds"));
        let was_interrupted = r
            .get("interrupted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        interrupted |= was_interrupted;
        for sc in r["scenarios"].as_array().into_iter().flatten() {
            let mut sc = sc.clone();
            if let Some(o) = sc.as_object_mut() {
                o.insert("runId".into(), json!(run_id));
            }
            scenarios.push(sc);
        }
        shards.push(json!({
            "runId": run_id,
            "source": source,
            "durationSeconds": num(r, "durationSeconds"),
            "interrupted": was_interrupted,
            "summary": s,
        }));
    }
    json!({
        "reportVersion": REPORT_VERSION,
        "runId": run_ids.join("+"),
        "clusterVersion": clusters.join(", "),
        "durationSeconds": duration,
        "interrupted": interrupted,
        "summary": {"passed": passed, "failed": failed, "skipped": skipped},
        "scenarios": scenarios,
        "shards": shards,
    })
}

/// Counts of a `<testsuite>` or `<testsuites>` element.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct JunitCounts {
    pub tests: u64,
    pub failures: u64,
    pub errors: u64,
    pub skipped: u64,
    pub time: f64,
}

fn counts_of(e: &quick_xml::events::BytesStart<'_>) -> JunitCounts {
    let mut c = JunitCounts::default();
    for a in e.attributes().flatten() {
        // counts and times are plain numbers: nothing to unescape
        let v = String::from_utf8_lossy(&a.value).trim().to_string();
        match a.key.as_ref() {
            b"tests" => c.tests = v.parse().unwrap_or(0),
            b"failures" => c.failures = v.parse().unwrap_or(0),
            b"errors" => c.errors = v.parse().unwrap_or(0),
            b"skipped" => c.skipped = v.parse().unwrap_or(0),
            b"time" => c.time = v.parse().unwrap_or(0.0),
            _ => {}
        }
    }
    c
}

/// The `<testsuite>` elements of a JUnit document (under `<testsuites>`, or the
/// root itself), each as its XML events, with its counts.
fn junit_suites(
    source: &str,
    xml: &str,
) -> Result<Vec<(JunitCounts, Vec<quick_xml::events::Event<'static>>)>, MergeError> {
    use quick_xml::events::Event;
    let bad = |why: String| MergeError::Junit {
        source_name: source.to_string(),
        why,
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    let mut root: Option<Vec<u8>> = None;
    let mut suites = Vec::new();
    // the suite being read: its counts, its events, its depth
    let mut current: Option<(JunitCounts, Vec<Event<'static>>, usize)> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| bad(format!("at byte {}: {e}", reader.buffer_position())))?;
        match &ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                if depth == 0 {
                    if root.is_some() {
                        return Err(bad("more than one root element".into()));
                    }
                    root = Some(e.name().as_ref().to_vec());
                }
                let is_suite = e.name().as_ref() == b"testsuite";
                let starts_suite = is_suite && current.is_none();
                if starts_suite {
                    current = Some((counts_of(e), Vec::new(), depth));
                }
                if let Some((_, evs, _)) = current.as_mut() {
                    evs.push(ev.clone().into_owned());
                }
                if is_empty {
                    if starts_suite {
                        let (c, evs, _) = current.take().unwrap_or_default();
                        suites.push((c, evs));
                    }
                } else {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| bad("unbalanced end tag".into()))?;
                if let Some((_, evs, _)) = current.as_mut() {
                    evs.push(ev.clone().into_owned());
                }
                if current.as_ref().is_some_and(|(_, _, d)| *d == depth) {
                    let (c, evs, _) = current.take().unwrap_or_default();
                    suites.push((c, evs));
                }
            }
            _ => {
                if let Some((_, evs, _)) = current.as_mut() {
                    evs.push(ev.clone().into_owned());
                }
            }
        }
    }
    match root.as_deref() {
        Some(b"testsuites") | Some(b"testsuite") => Ok(suites),
        Some(other) => Err(bad(format!(
            "the root element is <{}>, not <testsuites> or <testsuite>",
            String::from_utf8_lossy(other)
        ))),
        None => Err(bad("no root element".into())),
    }
}

/// The JUnit reports of the shards as one document: every `<testsuite>` of every
/// input under one `<testsuites name="kdrill">`.
pub fn merge_junit(inputs: &[(String, String)]) -> Result<(String, JunitCounts), MergeError> {
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
    let mut total = JunitCounts::default();
    let mut bodies = Vec::new();
    for (source, xml) in inputs {
        let mut longest: f64 = 0.0;
        for (c, evs) in junit_suites(source, xml)? {
            total.tests += c.tests;
            total.failures += c.failures;
            total.errors += c.errors;
            total.skipped += c.skipped;
            longest = longest.max(c.time);
            bodies.push(evs);
        }
        total.time = total.time.max(longest);
    }
    let io = |e: std::io::Error| MergeError::Junit {
        source_name: "merged report".into(),
        why: e.to_string(),
    };
    let mut w = quick_xml::Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    w.write_event(Event::Text(BytesText::new("\n")))
        .map_err(io)?;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "kdrill"));
    root.push_attribute(("tests", total.tests.to_string().as_str()));
    root.push_attribute(("skipped", total.skipped.to_string().as_str()));
    root.push_attribute(("failures", total.failures.to_string().as_str()));
    root.push_attribute(("errors", total.errors.to_string().as_str()));
    root.push_attribute(("time", format!("{:.3}", total.time).as_str()));
    w.write_event(Event::Start(root)).map_err(io)?;
    for evs in bodies {
        w.write_event(Event::Text(BytesText::new("\n    ")))
            .map_err(io)?;
        for e in evs {
            w.write_event(e).map_err(io)?;
        }
    }
    w.write_event(Event::Text(BytesText::new("\n")))
        .map_err(io)?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(io)?;
    w.write_event(Event::Text(BytesText::new("\n")))
        .map_err(io)?;
    let text = String::from_utf8(w.into_inner()).map_err(|e| MergeError::Junit {
        source_name: "merged report".into(),
        why: e.to_string(),
    })?;
    Ok((text, total))
}

/// A scenario of a merged JSON report in a line: name, file, status.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Verdict {
    pub file: String,
    pub name: String,
    pub status: String,
}

/// Every scenario's verdict in a (merged) JSON report, sorted by file and name:
/// what a sharded run and an unsharded run of the same suite must agree on.
pub fn verdicts(report: &Value) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = report["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| Verdict {
            file: s["file"].as_str().unwrap_or("").to_string(),
            name: s["name"].as_str().unwrap_or("").to_string(),
            status: s["status"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    out.sort();
    out
}

/// The merged result as the terminal shows it: each failed scenario with its first
/// failed step, then the totals.
pub fn summary_text(report: &Value) -> String {
    let mut out = String::new();
    for s in report["scenarios"].as_array().into_iter().flatten() {
        if s["status"] != "failed" {
            continue;
        }
        let name = s["name"].as_str().unwrap_or("?");
        let step = s["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|st| st["status"] == "failed");
        match step {
            Some(st) => out.push_str(&format!(
                "  failed: {name} — step {} `{}` at {}: {}\n",
                st["number"],
                st["label"].as_str().unwrap_or(""),
                st["location"].as_str().unwrap_or(""),
                st["failure"]["message"].as_str().unwrap_or("")
            )),
            None => {
                let why = s["cleanup"]["errors"]
                    .as_array()
                    .and_then(|e| e.first())
                    .and_then(Value::as_str)
                    .map(|e| format!(": cleanup incomplete: {e}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  failed: {name} ({}){why}\n",
                    s["file"].as_str().unwrap_or("")
                ))
            }
        }
    }
    let shards = report["shards"].as_array().map_or(0, Vec::len);
    out.push_str(&format!(
        "kdrill: {} passed, {} failed, {} skipped in {:.1}s (merged from {shards} report(s){})\n",
        report["summary"]["passed"],
        report["summary"]["failed"],
        report["summary"]["skipped"],
        num(report, "durationSeconds"),
        if report["interrupted"] == true {
            "; interrupted"
        } else {
            ""
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    /// Reports by where they were read from: rendered JSON, and JUnit XML.
    type Shards = (Vec<(String, Value)>, Vec<(String, String)>);

    /// The sample run split in two shard reports, as two machines would write them.
    fn shards() -> Shards {
        let full = sample();
        let mut a = full.clone();
        a.run_id = "shard-a".into();
        a.scenarios.retain(|s| s.id == 0);
        a.duration = std::time::Duration::from_millis(1600);
        let mut b = full;
        b.run_id = "shard-b".into();
        b.scenarios.retain(|s| s.id != 0);
        let mut json = Vec::new();
        let mut junit = Vec::new();
        for (n, r) in [("a", &a), ("b", &b)] {
            let j = crate::report::json::render(r).unwrap();
            json.push((format!("{n}.json"), serde_json::from_str(&j).unwrap()));
            junit.push((format!("{n}.xml"), crate::report::junit::render(r).unwrap()));
        }
        (json, junit)
    }

    #[test]
    fn json_reports_merge_into_one_with_every_scenario() {
        let (json, _) = shards();
        let merged = merge_json(&json);
        assert_eq!(merged["reportVersion"], REPORT_VERSION);
        assert_eq!(merged["runId"], "shard-a+shard-b");
        assert_eq!(
            merged["summary"],
            json!({"passed": 1, "failed": 1, "skipped": 1})
        );
        assert_eq!(merged["durationSeconds"], 21.5, "the longest shard");
        assert_eq!(merged["scenarios"].as_array().unwrap().len(), 3);
        assert_eq!(merged["scenarios"][0]["runId"], "shard-a");
        assert_eq!(merged["shards"][1]["source"], "b.json");
        // the verdicts equal those of the unsharded run
        let whole: Value =
            serde_json::from_str(&crate::report::json::render(&sample()).unwrap()).unwrap();
        assert_eq!(verdicts(&merged), verdicts(&whole));
        let text = summary_text(&merged);
        assert!(
            text.contains("failed: fails — step 1 `wait pod/nginx phase=Running`"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "kdrill: 1 passed, 1 failed, 1 skipped in 21.5s (merged from 2 report(s))\n"
            ),
            "{text}"
        );
        // one shard's report read twice counts once
        let twice = vec![json[0].clone(), json[0].clone(), json[1].clone()];
        assert_eq!(merge_json(&twice)["summary"], merged["summary"]);
    }

    #[test]
    fn junit_reports_merge_and_parse_back() {
        let (_, junit) = shards();
        let (xml, counts) = merge_junit(&junit).unwrap();
        assert_eq!((counts.tests, counts.failures, counts.skipped), (3, 1, 1));
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
            .expect("a JUnit parser reads the merged report");
        assert_eq!(suites.suites.len(), 2, "one testsuite per shard");
        assert_eq!(suites.tests, 3);
        assert_eq!(suites.failures, 1);
        let names: Vec<&str> = suites
            .suites
            .iter()
            .flat_map(|s| s.cases.iter().map(|c| c.original_name.as_str()))
            .collect();
        assert_eq!(names, ["passes", "fails", "skipped"]);
        let failed = &suites.suites[1].cases[0];
        assert!(format!("{:?}", failed.status).contains("ImagePullBackOff"));
        // merging a merged report again changes nothing in the counts
        let (again, c2) = merge_junit(&[("m.xml".into(), xml)]).unwrap();
        assert_eq!(c2, counts);
        assert!(again.contains("kdrill run shard-b"));
    }

    #[test]
    fn inputs_are_told_apart_by_content() {
        let (json, junit) = shards();
        let j = serde_json::to_string(&json[0].1).unwrap();
        assert!(matches!(classify("x", &j), Ok(Input::Json { .. })));
        assert!(matches!(
            classify("y", &junit[0].1),
            Ok(Input::Junit { .. })
        ));
        for bad in [
            "hello",
            "{\"reportVersion\": \"other/v9\", \"scenarios\": []}",
            "{\"scenarios\": []}",
            "<html><body/></html>",
            "<testsuites><testsuite></testsuites>",
        ] {
            assert!(classify("z", bad).is_err(), "{bad}");
        }
    }
}
