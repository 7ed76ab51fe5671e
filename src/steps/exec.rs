//! `exec`: run a command in a container over the API's websocket (as `kubectl exec`
//! does), collecting stdout, stderr and the exit code. A non-zero exit is a result to
//! check, not an error: without `expect.exitCode` it must be 0.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::command_line::CommandLine;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::AttachParams;
use kube::Resource;
use serde::Deserialize;
use std::time::Duration;
use tokio_tungstenite::tungstenite as ws;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecSpec {
    pub pod: String,
    /// Container name; the pod's default container when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// argv list, or one string run with `sh -c` inside the container.
    pub command: CommandLine,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl ExecSpec {
    pub fn target(&self) -> String {
        match &self.container {
            Some(c) => format!("pod/{} -c {c}", self.pod),
            None => format!("pod/{}", self.pod),
        }
    }

}

/// Why `exec` could not run a command and read its result.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("exec request: {0}")]
    Request(#[from] kube::core::request::Error),
    #[error("exec stream: {0}")]
    Stream(ws::Error),
    #[error("exec: unreadable status from the API: {0}")]
    Status(serde_json::Error),
    #[error("the exec stream ended without an exit status")]
    NoStatus,
}

/// A command that could not be run in the container, as the API says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotRun(pub String);

/// Exit code from the status the API sends when the process ends.
pub fn exit_code(status: &Status) -> Result<i32, NotRun> {
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
    Err(NotRun(
        status
            .message
            .clone()
            .unwrap_or_else(|| "the command could not be run".into()),
    ))
}

/// How long to keep reading after the exit status: the API server relays each stream of
/// the process separately, so the last stdout frame may arrive after the status frame.
const TRAILING_OUTPUT: Duration = Duration::from_secs(2);

/// What the process printed and how it ended.
#[derive(Debug, Default)]
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: Option<Status>,
}

/// Read the exec websocket until the server closes it. kube's `AttachedProcess` stops
/// at the status frame and drops stdout that arrives after it (seen here as an empty
/// stdout from a command that printed); kubectl reads to the end, and so do we.
async fn collect<S>(
    mut stream: S,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Collected, StepError>
where
    S: futures::Stream<Item = Result<ws::Message, ws::Error>> + Unpin,
{
    use futures::StreamExt;
    let mut out = Collected::default();
    loop {
        let next = match out.status {
            // the status came: what is still in flight arrives within moments
            Some(_) => match tokio::time::timeout(TRAILING_OUTPUT, stream.next()).await {
                Ok(m) => m,
                Err(_) => break,
            },
            None => tokio::select! {
                m = stream.next() => m,
                _ = cancel.cancelled() => return Err(StepError::Cancelled),
            },
        };
        let bytes = match next {
            None | Some(Ok(ws::Message::Close(_))) => break,
            Some(Ok(ws::Message::Binary(b))) => b,
            Some(Ok(_)) => continue,
            // after the status a torn-down connection loses nothing we need
            Some(Err(_)) if out.status.is_some() => break,
            Some(Err(e)) => return Err(StepError::broken(ExecError::Stream(e))),
        };
        match bytes.first() {
            Some(1) => out.stdout.extend_from_slice(&bytes[1..]),
            Some(2) => out.stderr.extend_from_slice(&bytes[1..]),
            Some(3) => {
                out.status = Some(
                    serde_json::from_slice(&bytes[1..])
                        .map_err(|e| StepError::broken(ExecError::Status(e)))?,
                )
            }
            // stdin (0), resize (4), close (255): nothing to collect
            _ => {}
        }
    }
    Ok(out)
}

impl StepKind for ExecSpec {
    const KEYWORD: &'static str = "exec";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::ExitCode, ExpectField::Stdout, ExpectField::Stderr];

    fn summary(&self) -> String {
        format!("{} -- {}", self.target(), self.command.display())
    }

    fn validate(&self) -> Vec<Problem> {
        if self.command.is_empty() {
            vec![Problem::new("command", "the command is empty")]
        } else {
            Vec::new()
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &ExecSpec) -> Result<Output, StepError> {
    let namespace = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let mut ap = AttachParams::default()
        .stdin(false)
        .stdout(true)
        .stderr(true);
    if let Some(c) = &spec.container {
        ap = ap.container(c);
    }
    let argv = spec.command.argv();
    let req = kube::core::Request::new(Pod::url_path(&(), Some(namespace)))
        .exec(&spec.pod, argv, &ap)
        .map_err(|e| StepError::broken(ExecError::Request(e)))?;
    let conn = ctx.cluster.client.connect(req).await?;
    let collected = collect(conn.into_stream(), ctx.cancel).await?;
    let code = match &collected.status {
        Some(s) => exit_code(s).map_err(|m| StepError::failed(format!("exec failed: {m}")))?,
        None => return Err(StepError::broken(ExecError::NoStatus)),
    };
    Ok(Output {
        stdout: Some(String::from_utf8_lossy(&collected.stdout).into_owned()),
        stderr: Some(String::from_utf8_lossy(&collected.stderr).into_owned()),
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
        assert_eq!(exit_code(&broken), Err(NotRun("executable file not found".into())));
    }

    fn frame(channel: u8, data: &[u8]) -> Result<ws::Message, ws::Error> {
        let mut v = vec![channel];
        v.extend_from_slice(data);
        Ok(ws::Message::binary(v))
    }

    #[tokio::test]
    async fn output_after_the_status_frame_is_kept() {
        let frames = vec![
            frame(1, b"first\n"),
            frame(3, br#"{"status":"Success"}"#),
            frame(1, b"2\n"),
            frame(2, b"warning\n"),
            Ok(ws::Message::Close(None)),
        ];
        let cancel = tokio_util::sync::CancellationToken::new();
        let c = collect(futures::stream::iter(frames), &cancel)
            .await
            .unwrap();
        assert_eq!(c.stdout, b"first\n2\n");
        assert_eq!(c.stderr, b"warning\n");
        assert_eq!(exit_code(c.status.as_ref().unwrap()), Ok(0));
    }

    #[tokio::test]
    async fn a_stream_without_status_or_close_ends_when_it_ends() {
        let cancel = tokio_util::sync::CancellationToken::new();
        let c = collect(futures::stream::iter(vec![frame(1, b"x")]), &cancel)
            .await
            .unwrap();
        assert!(c.status.is_none());
    }
}
