//! The `wait` and `assert` steps the verbs build for the states a post shows (a pod
//! Ready, a rollout ended, a DaemonSet settled).

use crate::import::translate::spec;
use crate::import::translate::states::PodState;
use crate::import::translate::Emit;
use crate::steps::assert::AssertSpec;
use crate::steps::wait::WaitSpec;
use crate::steps::Action;
use crate::wait::{CmpOp, Comparison, ConditionSpec, ContainerUntil, Until};

/// A Deployment whose rollout ended: the new ReplicaSet available, and with the
/// replicas known, every pod updated and available (old ReplicaSets at zero).
pub(super) fn deployment_rolled_out(replicas: Option<i64>) -> Until {
    Until {
        condition: Some(ConditionSpec {
            type_: "Progressing".into(),
            status: "True".into(),
            reason: Some("NewReplicaSetAvailable".into()),
        }),
        matches: replicas.map(|r| {
            serde_json::json!({"status": {"replicas": r, "updatedReplicas": r, "availableReplicas": r}})
        }),
        // right after a change (`rollout resume`, `set image`) the status still
        // describes the previous template until the controller has seen the new one
        expr: crate::wait::Expr::parse(
            "self.status.observedGeneration == self.metadata.generation",
        )
        .ok(),
        ..Until::default()
    }
}

/// A DaemonSet with every scheduled pod available: `numberAvailable` is left out
/// while it is 0 and `numberUnavailable` while it is 0, so both say it.
pub(super) fn daemonset_settled() -> Until {
    Until {
        matches: Some(
            serde_json::json!({"status": {"numberAvailable": "[..]", "numberUnavailable": null}}),
        ),
        ..Until::default()
    }
}

pub(super) fn wait(
    target: Option<(&str, &str)>,
    sel: Option<(&str, &str)>,
    until: Until,
    ns: Option<String>,
) -> Emit {
    Emit::native(spec::step(Action::Wait(WaitSpec {
        target: target.map(|(k, n)| spec::object(k, n)),
        kind: sel.map(|(k, _)| spec::kind(k)),
        selector: sel.map(|(_, s)| s.to_string()),
        until,
        namespace: ns,
    })))
}

pub(super) fn assert_spec(
    target: Option<(&str, &str)>,
    kind_sel: Option<(&str, Option<&str>)>,
    matches: serde_json::Value,
    ns: Option<String>,
) -> AssertSpec {
    AssertSpec {
        object: target.map(|(k, n)| spec::object(k, n)),
        kind: kind_sel.map(|(k, _)| spec::kind(k)),
        selector: kind_sel.and_then(|(_, s)| s.map(str::to_string)),
        field_selector: None,
        matches,
        any_order: true,
        quantifier: None,
        count: None,
        namespace: ns,
        expr: None,
        vars: Default::default(),
    }
}

pub(super) fn condition(type_: &str) -> ConditionSpec {
    ConditionSpec {
        type_: type_.to_string(),
        status: "True".into(),
        reason: None,
    }
}

/// An `until:` of the object's `status.phase`.
pub(super) fn phase(p: &str) -> Until {
    Until {
        phase: Some(p.into()),
        ..Until::default()
    }
}

/// An `until:` of a container restarted at least `times` times.
pub(super) fn restarted(times: i64) -> Until {
    Until {
        container: Some(ContainerUntil {
            restart_count: Some(Comparison {
                op: CmpOp::Ge,
                value: times,
            }),
            ..ContainerUntil::default()
        }),
        ..Until::default()
    }
}

pub(super) fn until_for(state: &PodState) -> Option<Until> {
    Some(match state {
        PodState::Ready => Until {
            condition: Some(condition("Ready")),
            ..Until::default()
        },
        PodState::Running => phase("Running"),
        PodState::Succeeded => phase("Succeeded"),
        PodState::Failed => phase("Failed"),
        PodState::Pending => phase("Pending"),
        PodState::Crashing { .. } => restarted(1),
    })
}

pub(super) fn matches_for(state: &PodState) -> Option<serde_json::Value> {
    Some(match state {
        PodState::Ready => {
            serde_json::json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        }
        PodState::Running => serde_json::json!({"status": {"phase": "Running"}}),
        PodState::Succeeded => serde_json::json!({"status": {"phase": "Succeeded"}}),
        PodState::Failed => serde_json::json!({"status": {"phase": "Failed"}}),
        PodState::Pending => serde_json::json!({"status": {"phase": "Pending"}}),
        PodState::Crashing { .. } => return None,
    })
}
