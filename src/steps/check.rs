//! Expectations checked against a step's result, the same way for every step kind:
//! exit codes, HTTP status and headers, text outputs, API errors and snapshots.

use super::{Output, StepError};
use crate::expect::Expect;
use crate::text::indent;

/// Check a step's result against its `expect`, snapshots included when `snapshots`
/// is given. Returns the failure to report, if any.
pub fn check(
    expect: &Expect,
    result: Result<Output, StepError>,
    snapshots: Option<&crate::snapshot::Check<'_>>,
) -> Result<Output, StepError> {
    if let Some(want) = &expect.error {
        return match result {
            Ok(out) => Err(StepError::Failed {
                message: "the step succeeded, but it was expected to fail with an API error".into(),
                expected: Some(describe_error_expect(want)),
                actual: Some(out.notes.join("\n")),
                object: None,
            }),
            Err(StepError::Api(f)) => {
                let mut gaps = Vec::new();
                if let Some(r) = &want.reason {
                    if r != &f.reason {
                        gaps.push(format!("reason {r}, got {}", f.reason));
                    }
                }
                if let Some(c) = want.code {
                    if c != f.code {
                        gaps.push(format!("code {c}, got {}", f.code));
                    }
                }
                if let Some(m) = &want.message {
                    if let Err(e) = m.check(&f.message) {
                        gaps.push(format!("message {}", e.join(", ")));
                    }
                }
                if gaps.is_empty() {
                    Ok(Output {
                        notes: vec![format!("rejected as expected: {} {}", f.code, f.reason)],
                        ..Default::default()
                    })
                } else {
                    Err(StepError::Failed {
                        message: "the API error is not the expected one".into(),
                        expected: Some(describe_error_expect(want)),
                        actual: Some(format!("{} {}: {}", f.code, f.reason, f.message)),
                        object: None,
                    })
                }
            }
            Err(other) => Err(other),
        };
    }
    let mut out = result?;
    let mut gaps: Vec<String> = Vec::new();
    let mut actual: Vec<String> = Vec::new();
    let mut snapshot_gaps = 0;
    if let Some(code) = out.exit_code {
        let want = expect.exit_code.unwrap_or(0);
        if code != want {
            gaps.push(format!("exit code {want}"));
            actual.push(format!("exit code {code}"));
        }
    }
    if let Some(code) = out.http_status {
        // like exitCode: without an expectation, anything but success fails
        let ok = match expect.status {
            Some(want) => code == want,
            None => (200..400).contains(&code),
        };
        if !ok {
            gaps.push(match expect.status {
                Some(want) => format!("status {want}"),
                None => "a 2xx or 3xx status".into(),
            });
            actual.push(format!("status {code}"));
        }
    }
    for (name, m) in &expect.headers {
        let got = out.headers.get(&name.to_ascii_lowercase());
        match got {
            Some(v) => {
                if let Err(e) = m.check(v) {
                    for g in e {
                        gaps.push(format!("header {name} {g}"));
                    }
                    actual.push(format!("header {name}: {v}"));
                }
            }
            None => {
                gaps.push(format!("a header {name}"));
                actual.push(format!("no header {name}"));
            }
        }
    }
    for (label, matcher, text) in [
        ("stdout", &expect.stdout, &out.stdout),
        ("stderr", &expect.stderr, &out.stderr),
        ("output", &expect.output, &out.output),
        ("body", &expect.body, &out.output),
    ] {
        if let Some(m) = matcher {
            let t = text.as_deref().unwrap_or("");
            if let Err(e) = m.check(t) {
                for g in e {
                    gaps.push(format!("{label} {g}"));
                }
                actual.push(format!(
                    "{label}:\n{}",
                    if t.is_empty() {
                        "    (empty)".to_string()
                    } else {
                        indent(t, "    | ")
                    }
                ));
            }
            if let (Some(name), Some(snap)) = (m.snapshot(), snapshots) {
                match snap.assert(label, name, t) {
                    Ok(outcome) => out.snapshots.push(outcome),
                    Err(f) => {
                        snapshot_gaps += 1;
                        gaps.push(f.message);
                        if let Some(d) = f.diff {
                            actual.push(d);
                        }
                    }
                }
            }
        }
    }
    if gaps.is_empty() {
        return Ok(out);
    }
    // a process's failure is easier to read with every stream it wrote beside it
    // (stderr usually says why stdout is not what was expected)
    if out.exit_code.is_some() {
        for (label, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let shown = actual.iter().any(|a| a.starts_with(&format!("{label}:")));
            if let Some(t) = text.as_deref().filter(|t| !t.is_empty() && !shown) {
                actual.push(format!("{label}:\n{}", indent(t, "    | ")));
            }
        }
    }
    let (message, expected, actual) = (
        "the output is not as expected".to_string(),
        Some(gaps.join("\n")),
        Some(actual.join("\n")),
    );
    if snapshot_gaps == gaps.len() {
        return Err(StepError::Snapshot {
            message: format!("{message} (snapshot)"),
            expected,
            actual,
        });
    }
    Err(StepError::Failed {
        message,
        expected,
        actual,
        object: None,
    })
}

fn describe_error_expect(e: &crate::expect::ErrorExpect) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &e.reason {
        parts.push(format!("reason {r}"));
    }
    if let Some(c) = e.code {
        parts.push(format!("code {c}"));
    }
    if let Some(m) = &e.message {
        parts.push(format!("a message {m}"));
    }
    if parts.is_empty() {
        "any API error".into()
    } else {
        format!("an API error with {}", parts.join(", "))
    }
}
