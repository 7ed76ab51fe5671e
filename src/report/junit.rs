//! JUnit XML (via `quick-junit`, the serializer cargo-nextest uses, so the XML is
//! what GitHub, GitLab and Jenkins parsers accept): one testsuite per run, one
//! testcase per scenario; steps as properties, the failure's explanation as the
//! failure's text.

use super::human::render_failure;
use super::{Report, Status};
use crate::executor::event::{CleanupResult, StepResult};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestRerun, TestSuite};

/// What a scenario's cleanup did, in a line.
fn cleanup_text(c: &CleanupResult) -> String {
    match c {
        CleanupResult::Done { deleted } => format!("done ({deleted} deleted)"),
        CleanupResult::Kept { namespace } => format!("kept namespace {namespace} (--keep)"),
        CleanupResult::Incomplete { errors } => format!("incomplete: {}", errors.join("; ")),
    }
}

pub fn render(report: &Report) -> Result<String, quick_junit::SerializeError> {
    let mut junit = quick_junit::Report::new("kdrill");
    junit.set_time(report.duration);
    let mut suite = TestSuite::new(format!("kdrill run {}", report.run_id));
    suite.set_time(report.duration);
    suite.add_property(Property::new("run-id", report.run_id.as_str()));
    suite.add_property(Property::new("cluster", report.server_version.as_str()));
    if report.interrupted {
        // a run stopped by Ctrl-C or SIGTERM: what did not run is not a pass
        suite.add_property(Property::new("interrupted", "true"));
    }
    for s in &report.scenarios {
        let status = match s.status {
            Status::Passed | Status::Running => TestCaseStatus::success(),
            Status::Skipped => {
                let mut st = TestCaseStatus::skipped();
                if let (TestCaseStatus::Skipped { message, .. }, Some(r)) =
                    (&mut st, &s.skip_reason)
                {
                    *message = Some(r.as_str().into());
                }
                st
            }
            Status::Failed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let failed = s.steps.iter().find_map(|step| match &step.result {
                    StepResult::Failed(f) => Some((step, f)),
                    _ => None,
                });
                if let (
                    TestCaseStatus::NonSuccess {
                        message,
                        ty,
                        description,
                        ..
                    },
                    Some((step, f)),
                ) = (&mut st, failed)
                {
                    *message = Some(
                        format!("step {} `{}`: {}", step.number, step.label, f.message).into(),
                    );
                    *ty = Some("step failed".into());
                    *description = Some(render_failure(f, &step.location.to_string()).into());
                }
                st
            }
        };
        // earlier failed attempts (--retries): flakyFailure on a pass, rerunFailure on a
        // failure, as nextest and Maven Surefire write them
        let mut status = status;
        for prev in &s.previous {
            let mut rerun = TestRerun::new(NonSuccessKind::Failure);
            rerun.set_time(prev.duration);
            let failed = prev.steps.iter().find_map(|step| match &step.result {
                StepResult::Failed(f) => Some((step, f)),
                _ => None,
            });
            if let Some((step, f)) = failed {
                rerun.set_message(format!(
                    "step {} `{}`: {}",
                    step.number, step.label, f.message
                ));
                rerun.set_description(render_failure(f, &step.location.to_string()));
            } else if let Some(CleanupResult::Incomplete { errors }) = &prev.cleanup {
                rerun.set_message(format!("cleanup incomplete: {}", errors.join("; ")));
            }
            status.add_rerun(rerun);
        }
        let mut case = TestCase::new(s.name.as_str(), status);
        case.set_classname(s.file.display().to_string());
        case.set_time(s.duration);
        for step in &s.steps {
            let result = match step.result {
                StepResult::Passed { .. } => "passed",
                StepResult::Failed(_) => "failed",
                StepResult::Tolerated(_) => "failed (allowed)",
                StepResult::Skipped => "skipped",
            };
            case.add_property(Property::new(
                format!("step {:02}", step.number),
                format!(
                    "{result} in {:.3}s: {} ({})",
                    step.duration.as_secs_f64(),
                    step.label,
                    step.location
                ),
            ));
        }
        if let Some(c) = &s.cleanup {
            case.add_property(Property::new("cleanup", cleanup_text(c)));
        }
        if let Some(ns) = &s.namespace {
            case.set_system_out(format!("namespace {ns}\n"));
        }
        suite.add_test_case(case);
    }
    junit.add_test_suite(suite);
    junit.to_string()
}
