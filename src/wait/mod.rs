//! Waiting for objects, driven by watches (never sleep-polling). Conditions are plain
//! values checked against the latest object the watch delivered; when the deadline
//! passes, the last mismatch and the object it is about are the evidence.
//!
//! - [`until`]: what an object must look like, as scenario files write it;
//! - [`expr`]: CEL expressions on the object (`expr:` of `until` and `assert`);
//! - [`check`]: how one object is checked against it;
//! - [`watch`]: the one loop behind every wait, fed by a stream of watch events (a
//!   real watch, or a replayed sequence in tests);
//! - [`target`]: waits for one object by name, or for every match of a selector.

mod check;
pub mod expr;
mod target;
mod until;
mod watch;

#[cfg(test)]
pub(crate) mod replay;

pub use expr::Expr;
pub use target::{
    check_all, judge_all, settle_object, settle_selector, wait_for, wait_for_selector,
};
pub use until::{
    CmpOp, Comparison, ComparisonError, ConditionSpec, ContainerState, ContainerUntil, Until,
};
pub use watch::{settle, watch, watch_until, watch_until_or, Unmet, WatchItem};

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a wait ended without the condition holding.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("timed out after {timeout:?}")]
    Timeout {
        timeout: Duration,
        last_mismatch: Vec<String>,
        /// The object the last mismatch is about, as last seen.
        last_object: Option<Box<Value>>,
        last_error: Option<String>,
    },
    #[error("interrupted")]
    Cancelled,
    /// The object reached a state from which the condition cannot hold.
    #[error("{reason}")]
    Hopeless {
        reason: String,
        last_object: Option<Box<Value>>,
    },
}

/// Objects seen by a watch, by name.
pub type Seen = BTreeMap<String, Value>;
