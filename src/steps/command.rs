//! `command`: run a program on the host (for what is not an API call: preparing a
//! node directory, dropping a static pod manifest). It runs in the scenario's
//! directory with `NAMESPACE`, `KDRILL_RUN_ID` and, when kdrill was given one,
//! `KUBECONFIG` in its environment.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::command_line::CommandLine;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::process::Stdio;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CommandSpec {
    /// One string run with `sh -c`, or an argv list.
    pub run: CommandLine,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Working directory, relative to the scenario file (default: its directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
}


impl StepKind for CommandSpec {
    const KEYWORD: &'static str = "command";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::ExitCode, ExpectField::Stdout, ExpectField::Stderr];

    const VERBATIM: &'static [&'static str] = &["run", "env"];

    fn summary(&self) -> String {
        self.run.display()
    }

    fn validate(&self) -> Vec<Problem> {
        if self.run.is_empty() {
            vec![Problem::new("run", "the command is empty")]
        } else {
            Vec::new()
        }
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &CommandSpec) -> Result<Output, StepError> {
    if ctx.run.read_only {
        return Err(StepError::failed(
            "--read-only: refusing to run a host command (it could change anything)",
        ));
    }
    let argv = spec.run.argv();
    let Some((program, args)) = argv.split_first() else {
        return Err(StepError::Other("the command is empty".into()));
    };
    let dir = match &spec.workdir {
        Some(w) => ctx.path(w),
        None => ctx.dir.to_path_buf(),
    };
    let dir = if dir.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        dir
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("NAMESPACE", ctx.namespace)
        .env("KDRILL_NAMESPACE", ctx.namespace)
        .env("KDRILL_RUN_ID", &ctx.run.run_id)
        // the scenario's variables, for the shell's own `$NAME`
        .envs(ctx.vars)
        .envs(&spec.env);
    if let Some(k) = &ctx.run.kubeconfig {
        cmd.env("KUBECONFIG", k);
    }
    let child = cmd.spawn().map_err(|e| {
        StepError::Other(format!(
            "cannot start `{program}` in {}: {e}",
            dir.display()
        ))
    })?;
    let out = tokio::select! {
        r = child.wait_with_output() => r.map_err(|e| StepError::Other(format!("`{program}`: {e}")))?,
        _ = ctx.cancel.cancelled() => return Err(StepError::Cancelled),
    };
    let code = out.status.code().unwrap_or(-1);
    Ok(Output {
        stdout: Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        stderr: Some(String::from_utf8_lossy(&out.stderr).into_owned()),
        exit_code: Some(code),
        ..Default::default()
    })
}
