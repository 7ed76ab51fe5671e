//! `sleep`: wait a fixed time. Lint warns about it: a `wait` for the state that is
//! needed ends as soon as it is reached.

use super::{Output, StepCtx, StepError, StepKind};
use crate::duration::HumanDuration;
use serde::Deserialize;

/// `sleep: 5s`.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct SleepSpec(pub HumanDuration);

impl StepKind for SleepSpec {
    const KEYWORD: &'static str = "sleep";

    fn summary(&self) -> String {
        crate::duration::format_duration(self.0 .0)
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        tokio::select! {
            _ = tokio::time::sleep(self.0 .0) => Ok(Output::default()),
            _ = ctx.cancel.cancelled() => Err(StepError::Cancelled),
        }
    }
}
