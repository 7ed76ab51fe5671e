//! `exec`: run a command in a container over the API's websocket (as `kubectl exec`
//! does), collecting stdout, stderr and the exit code. A non-zero exit is a result to
//! check, not an error: without `expect.exitCode` it must be 0.

use super::{Output, StepCtx, StepError};
use crate::scenario::CommandLine;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams};
use serde::Deserialize;
use tokio::io::AsyncReadExt;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecSpec {
    pub pod: String,
    /// Container name; the pod's default container when absent.
    pub container: Option<String>,
    /// argv list, or one string run with `sh -c` inside the container.
    pub command: CommandLine,
    pub namespace: Option<String>,
}

impl ExecSpec {
    pub fn target(&self) -> String {
        match &self.container {
            Some(c) => format!("pod/{} -c {c}", self.pod),
            None => format!("pod/{}", self.pod),
        }
    }

    pub fn validate(&self) -> Vec<(String, String)> {
        if self.command.is_empty() {
            vec![("command".into(), "the command is empty".into())]
        } else {
            Vec::new()
        }
    }
}

/// Exit code from the status the API sends when the process ends.
pub fn exit_code(status: &Status) -> Result<i32, String> {
    if status.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    if status.reason.as_deref() == Some("NonZeroExitCode") {
        let code = status
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .and_then(|c| c.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
            .and_then(|c| c.message.as_deref())
            .and_then(|m| m.parse::<i32>().ok());
        if let Some(code) = code {
            return Ok(code);
        }
    }
    Err(status
        .message
        .clone()
        .unwrap_or_else(|| "the command could not be run".into()))
}

/// Everything a stream of the process sends (nothing when it was not attached).
async fn read_all<R: tokio::io::AsyncRead + Unpin>(
    stream: Option<&mut R>,
) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(s) = stream {
        s.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

pub async fn run(ctx: &StepCtx<'_>, spec: &ExecSpec) -> Result<Output, StepError> {
    let pods: Api<Pod> = Api::namespaced(
        ctx.cluster.client.clone(),
        spec.namespace.as_deref().unwrap_or(ctx.namespace),
    );
    let mut ap = AttachParams::default()
        .stdin(false)
        .stdout(true)
        .stderr(true);
    if let Some(c) = &spec.container {
        ap = ap.container(c);
    }
    let argv = spec
        .command
        .argv()
        .iter()
        .map(|a| crate::vars::expand(a, ctx.vars))
        .collect::<Result<Vec<_>, _>>()
        .map_err(StepError::failed)?;
    let mut proc = pods.exec(&spec.pod, argv, &ap).await?;
    let status = proc.take_status();
    let mut stdout = proc.stdout();
    let mut stderr = proc.stderr();
    let (out, err) = tokio::select! {
        r = async { tokio::join!(read_all(stdout.as_mut()), read_all(stderr.as_mut())) } => r,
        _ = ctx.cancel.cancelled() => { proc.abort(); return Err(StepError::Cancelled) }
    };
    let out = out.map_err(|e| StepError::Other(format!("reading stdout: {e}")))?;
    let err = err.map_err(|e| StepError::Other(format!("reading stderr: {e}")))?;
    let status = match status {
        Some(s) => s.await,
        None => None,
    };
    let code = match status {
        Some(s) => exit_code(&s).map_err(|m| StepError::failed(format!("exec failed: {m}")))?,
        None => {
            return Err(StepError::Other(
                "the exec stream ended without an exit status".into(),
            ))
        }
    };
    Ok(Output {
        stdout: Some(String::from_utf8_lossy(&out).into_owned()),
        stderr: Some(String::from_utf8_lossy(&err).into_owned()),
        exit_code: Some(code),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    #[test]
    fn exit_codes_from_status() {
        let ok = Status {
            status: Some("Success".into()),
            ..Default::default()
        };
        assert_eq!(exit_code(&ok), Ok(0));
        let failed = Status {
            status: Some("Failure".into()),
            reason: Some("NonZeroExitCode".into()),
            details: Some(StatusDetails {
                causes: Some(vec![StatusCause {
                    reason: Some("ExitCode".into()),
                    message: Some("7".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(exit_code(&failed), Ok(7));
        let broken = Status {
            status: Some("Failure".into()),
            message: Some("executable file not found".into()),
            ..Default::default()
        };
        assert_eq!(exit_code(&broken), Err("executable file not found".into()));
    }
}
