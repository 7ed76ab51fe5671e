//! `command`: run a program on the host (for what is not an API call: preparing a
//! node directory, dropping a static pod manifest). It runs in the scenario's
//! directory with `NAMESPACE`, `KDRILL_RUN_ID` and, when kdrill was given one,
//! `KUBECONFIG` in its environment.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::command_line::CommandLine;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    let dir = match &spec.workdir {
        Some(w) => ctx.path(w),
        None => ctx.dir.to_path_buf(),
    };
    let mut env: Vec<(String, String)> = vec![
        ("NAMESPACE".into(), ctx.namespace.into()),
        ("KDRILL_NAMESPACE".into(), ctx.namespace.into()),
        ("KDRILL_RUN_ID".into(), ctx.run.run_id.clone()),
    ];
    // the scenario's variables, for the shell's own `$NAME`
    env.extend(ctx.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    env.extend(spec.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let cmd = crate::host::HostCommand {
        argv: spec.run.argv(),
        dir,
        env,
    };
    // the step's timeout stops the command (its whole process group), as the peers'
    // per-operation timeouts do; the executor's own bound is a few seconds later
    let limit = ctx.cancel.child_token();
    let timer = {
        let limit = limit.clone();
        let after = ctx.timeout;
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            limit.cancel();
        })
    };
    let out = ctx.host.run(&cmd, &limit).await;
    timer.abort();
    let out = out.map_err(|e| match e {
        crate::host::HostError::Cancelled if !ctx.cancel.is_cancelled() => {
            StepError::failed(format!(
                "the command did not finish within {} (the step's timeout): stopped",
                crate::duration::format_duration(ctx.timeout)
            ))
        }
        crate::host::HostError::Cancelled => StepError::Cancelled,
        other => StepError::failed(other.to_string()),
    })?;
    Ok(Output {
        stdout: Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        stderr: Some(String::from_utf8_lossy(&out.stderr).into_owned()),
        exit_code: Some(out.code),
        ..Default::default()
    })
}
