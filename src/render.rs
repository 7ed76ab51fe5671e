//! Manifests rendered by other tools before `apply`: kustomize directories (with
//! `kubectl kustomize`, or `kustomize build` when kubectl is absent) and Helm charts
//! (with `helm template`). Rendering is local and offline; the result is applied by
//! kdrill itself through the API like any other manifest.

use crate::host::{HostCommand, HostError, HostScope};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// `apply: {helm: ...}`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmSource {
    /// A chart directory or packaged chart, relative to the scenario file.
    pub chart: String,
    /// Release name (default: the chart's directory name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Values files, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// `--set` values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
}

impl HelmSource {
    pub fn validate(&self) -> Vec<(String, String)> {
        if self.chart.trim().is_empty() {
            vec![("chart".into(), "the chart path is empty".into())]
        } else {
            Vec::new()
        }
    }
}

/// Run a renderer (as a host program of the scenario); its stdout is the manifests.
async fn run(
    host: &HostScope,
    program: &str,
    args: &[String],
    cwd: &Path,
    cancel: &CancellationToken,
) -> Result<String, RenderError> {
    let mut argv = vec![program.to_string()];
    argv.extend(args.iter().cloned());
    let cmd = HostCommand {
        argv,
        dir: cwd.to_path_buf(),
        env: Vec::new(),
    };
    let out = host.run(&cmd, cancel).await.map_err(|e| match e {
        HostError::Missing(p) => RenderError::Missing(p),
        HostError::Cancelled => RenderError::Cancelled,
        other => RenderError::Failed(other.to_string()),
    })?;
    if out.code != 0 {
        return Err(RenderError::Failed(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("`{0}` is not installed (not on PATH): install it to render this source")]
    Missing(String),
    #[error("{0}")]
    Failed(String),
    #[error("interrupted")]
    Cancelled,
}

/// `kubectl kustomize DIR`, or `kustomize build DIR` without kubectl.
pub async fn kustomize(
    host: &HostScope,
    dir: &Path,
    cwd: &Path,
    cancel: &CancellationToken,
) -> Result<String, RenderError> {
    let d = dir.display().to_string();
    match run(
        host,
        "kubectl",
        &["kustomize".into(), d.clone()],
        cwd,
        cancel,
    )
    .await
    {
        Err(RenderError::Missing(_)) => {
            match run(host, "kustomize", &["build".into(), d], cwd, cancel).await {
                Err(RenderError::Missing(_)) => Err(RenderError::Failed(
                    "rendering a kustomization needs `kubectl` (kubectl kustomize) or `kustomize` on PATH; neither is installed".into(),
                )),
                other => other,
            }
        }
        other => other,
    }
}

/// `helm template RELEASE CHART --namespace NS [-f values]... [--set k=v]...`
pub async fn helm(
    host: &HostScope,
    src: &HelmSource,
    cwd: &Path,
    namespace: &str,
    cancel: &CancellationToken,
) -> Result<String, RenderError> {
    let release = src.release.clone().unwrap_or_else(|| {
        Path::new(&src.chart)
            .file_name()
            .map_or("release".into(), |n| n.to_string_lossy().into_owned())
    });
    let mut args = vec![
        "template".to_string(),
        release,
        src.chart.clone(),
        "--namespace".into(),
        namespace.into(),
    ];
    for v in &src.values {
        args.push("-f".into());
        args.push(v.clone());
    }
    for (k, v) in &src.set {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    run(host, "helm", &args, cwd, cancel).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_renderer_is_named() {
        let cancel = CancellationToken::new();
        let dir = tempfile::tempdir().unwrap();
        let host = HostScope::new(dir.path(), "t", None).unwrap();
        let e = run(
            &host,
            "kdrill-no-such-renderer",
            &[],
            Path::new("."),
            &cancel,
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "`kdrill-no-such-renderer` is not installed (not on PATH): install it to render this source"
        );
        let e = run(
            &host,
            "sh",
            &["-c".into(), "echo bad >&2; exit 2".into()],
            Path::new("."),
            &cancel,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().ends_with("failed: bad"), "{e}");
    }
}
