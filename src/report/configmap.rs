//! Reports kept in the cluster: `--report configmap=NAMESPACE/NAME` writes the JUnit
//! and JSON reports and a one-line summary into a ConfigMap, so a kdrill Job or
//! CronJob leaves its results where `kubectl get configmap -o yaml` finds them.
//! The ConfigMap is not labelled as a run's object: cleanup and `kdrill clean` keep it.

use super::{Report, ReportError, Status};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use std::collections::BTreeMap;

/// A label that marks report ConfigMaps (for `kubectl get cm -l kdrill.dev/report`).
pub const REPORT_LABEL: &str = "kdrill.dev/report";

/// More labels for the report ConfigMap, `k=v,k2=v2`: the shards of an Indexed Job
/// mark their reports as the Job's, for `kdrill report merge --from-configmaps`.
pub const LABELS_ENV: &str = "KDRILL_REPORT_LABELS";

/// The report ConfigMap's labels: kdrill's own and those of `KDRILL_REPORT_LABELS`
/// (an entry without `=` is ignored, with a warning).
fn labels(extra: Option<&str>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = [(REPORT_LABEL.to_string(), "true".to_string())].into();
    for part in extra
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                out.insert(k.trim().to_string(), v.trim().to_string());
            }
            _ => eprintln!("kdrill: {LABELS_ENV}: `{part}` is not k=v; ignored"),
        }
    }
    out
}

/// `passed=3 failed=0 skipped=1 run=abc123`
pub fn summary(report: &Report) -> String {
    let count = |st: Status| report.scenarios.iter().filter(|s| s.status == st).count();
    format!(
        "passed={} failed={} skipped={} run={}{}",
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Skipped),
        report.run_id,
        if report.interrupted {
            " interrupted"
        } else {
            ""
        }
    )
}

/// Write (create or replace, by server-side apply) the report ConfigMap.
pub async fn write(
    client: kube::Client,
    namespace: &str,
    name: &str,
    report: &Report,
) -> Result<(), ReportError> {
    let junit = super::junit::render(report)?;
    let json = super::json::render(report)?;
    let data: BTreeMap<String, String> = [
        ("summary".to_string(), summary(report)),
        ("junit.xml".to_string(), junit),
        ("report.json".to_string(), json),
    ]
    .into_iter()
    .collect();
    let cm = ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(labels(std::env::var(LABELS_ENV).ok().as_deref())),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    };
    let api: Api<ConfigMap> = Api::namespaced(client, namespace);
    api.patch(
        name,
        &PatchParams::apply("kdrill").force(),
        &Patch::Apply(&cm),
    )
    .await
    .map_err(|source| ReportError::ConfigMap {
        namespace: namespace.into(),
        name: name.into(),
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_labels_from_the_environment() {
        let l = labels(Some("kdrill.dev/job=shards, app=x,bad,,"));
        assert_eq!(l.get(REPORT_LABEL).map(String::as_str), Some("true"));
        assert_eq!(l.get("kdrill.dev/job").map(String::as_str), Some("shards"));
        assert_eq!(l.get("app").map(String::as_str), Some("x"));
        assert_eq!(l.len(), 3);
        assert_eq!(labels(None).len(), 1);
    }
}
