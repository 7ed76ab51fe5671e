//! How an object is checked against an [`Until`]: every way it falls short (as text
//! for the failure report), and whether it can never hold any more (a failed Job, a
//! terminated pod), which ends a wait early.

use super::until::{ConditionSpec, ContainerUntil, Until};
use crate::subset;
use serde_json::Value;

impl Until {
    /// Everything that is not (yet) as expected; empty when the condition holds.
    pub fn check(&self, obj: Option<&Value>) -> Vec<String> {
        let mut bad = Vec::new();
        let Some(obj) = obj else {
            if self.deleted != Some(true) {
                bad.push("the object does not exist".to_string());
            }
            return bad;
        };
        if self.deleted == Some(true) {
            let how = if obj.pointer("/metadata/deletionTimestamp").is_some() {
                "the object still exists (being deleted, finalizers or grace period pending)"
            } else {
                "the object still exists"
            };
            bad.push(how.to_string());
            return bad;
        }
        if let Some(phase) = &self.phase {
            let now = obj
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            if now != phase {
                let why = pod_waiting_reasons(obj);
                bad.push(if why.is_empty() {
                    format!("phase is {now}, not {phase}")
                } else {
                    format!("phase is {now} ({why}), not {phase}")
                });
            }
        }
        if let Some(c) = &self.condition {
            check_condition(c, obj, &mut bad);
        }
        if let Some(c) = &self.container {
            check_container(c, obj, &mut bad);
        }
        if let Some(m) = &self.matches {
            bad.extend(
                subset::diff(m, obj, self.any_order)
                    .iter()
                    .map(ToString::to_string),
            );
        }
        if let Some(e) = &self.expr {
            bad.extend(super::expr::unmet(e, obj, &self.vars));
        }
        bad
    }

    /// Why the condition can never hold any more, when the object says so: a Job that
    /// failed while `Complete` is awaited, a pod that terminated while it should run,
    /// a Deployment past its progress deadline. The wait then ends at once instead of
    /// at its timeout.
    pub fn hopeless(&self, obj: &Value) -> Option<String> {
        if self.deleted.is_some() || self.matches.is_some() || self.expr.is_some() {
            return None;
        }
        let cond = |t: &str| {
            obj.pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
        };
        let text = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        if let Some(want) = &self.condition {
            let wants_true = want.status.eq_ignore_ascii_case("true");
            // Job: Complete and Failed exclude each other
            for (awaited, opposite) in [("Complete", "Failed"), ("Failed", "Complete")] {
                if want.type_ == awaited && wants_true {
                    if let Some(c) = cond(opposite).filter(|c| text(c, "status") == "True") {
                        return Some(format!(
                            "condition {opposite}=True (reason {}: {})",
                            text(c, "reason"),
                            text(c, "message")
                        ));
                    }
                }
            }
            if want.type_ == "Progressing" || want.type_ == "Available" {
                if let Some(c) =
                    cond("Progressing").filter(|c| text(c, "reason") == "ProgressDeadlineExceeded")
                {
                    return Some(format!("the rollout is stuck: {}", text(c, "message")));
                }
            }
        }
        // a pod that has terminated never runs again
        let phase = obj.pointer("/status/phase").and_then(Value::as_str)?;
        let terminal = matches!(phase, "Succeeded" | "Failed");
        let wants_running = self
            .phase
            .as_deref()
            .is_some_and(|p| p != "Succeeded" && p != "Failed")
            || self.condition.as_ref().is_some_and(|c| c.type_ == "Ready");
        if terminal && wants_running {
            return Some(format!("the pod has terminated (phase {phase})"));
        }
        if terminal
            && self
                .phase
                .as_deref()
                .is_some_and(|p| p != phase && (p == "Succeeded" || p == "Failed"))
        {
            return Some(format!("the pod ended with phase {phase}"));
        }
        None
    }
}

/// Why containers of a pod are not running yet, e.g. `nginx: ContainerCreating`.
fn pod_waiting_reasons(obj: &Value) -> String {
    let mut out = Vec::new();
    for key in ["initContainerStatuses", "containerStatuses"] {
        for cs in obj
            .pointer(&format!("/status/{key}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = cs.pointer("/state/waiting/reason").and_then(Value::as_str) {
                let name = cs.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push(format!("{name}: {r}"));
            }
        }
    }
    if out.is_empty() {
        // not yet scheduled: the PodScheduled condition says why
        for c in obj
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if c.get("status").and_then(Value::as_str) == Some("False") {
                if let Some(r) = c.get("reason").and_then(Value::as_str) {
                    out.push(r.to_string());
                }
            }
        }
    }
    out.join(", ")
}

fn check_condition(c: &ConditionSpec, obj: &Value, bad: &mut Vec<String>) {
    let conds = obj.pointer("/status/conditions").and_then(Value::as_array);
    let found = conds
        .into_iter()
        .flatten()
        .find(|x| x.get("type").and_then(Value::as_str) == Some(&c.type_));
    match found {
        None => bad.push(format!("no condition {} yet", c.type_)),
        Some(x) => {
            let status = x.get("status").and_then(Value::as_str).unwrap_or("");
            let reason = x.get("reason").and_then(Value::as_str).unwrap_or("");
            if !status.eq_ignore_ascii_case(&c.status) {
                let msg = x.get("message").and_then(Value::as_str).unwrap_or("");
                bad.push(format!(
                    "condition {}={status} (reason {reason}{}{msg}), not {}",
                    c.type_,
                    if msg.is_empty() { "" } else { ": " },
                    c.status
                ));
            } else if let Some(r) = &c.reason {
                if r != reason {
                    bad.push(format!(
                        "condition {} has reason {reason}, not {r}",
                        c.type_
                    ));
                }
            }
        }
    }
}

fn check_container(c: &ContainerUntil, obj: &Value, bad: &mut Vec<String>) {
    let statuses: Vec<&Value> = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|k| {
            obj.pointer(&format!("/status/{k}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter(|cs| {
            c.name
                .as_deref()
                .is_none_or(|n| cs.get("name").and_then(Value::as_str) == Some(n))
        })
        .collect();
    if statuses.is_empty() {
        bad.push(match &c.name {
            Some(n) => format!("no status for container {n} yet"),
            None => "no container statuses yet".to_string(),
        });
        return;
    }
    // one container must satisfy everything; report the first one's gaps
    let mut first_gaps: Option<Vec<String>> = None;
    for cs in statuses {
        let name = cs.get("name").and_then(Value::as_str).unwrap_or("?");
        let state_key = cs
            .get("state")
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_default();
        let reason = cs
            .pointer(&format!("/state/{state_key}/reason"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut gaps = Vec::new();
        if let Some(st) = c.state {
            if state_key != st.key() {
                gaps.push(format!(
                    "container {name} is {state_key}{}, not {}",
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({reason})")
                    },
                    st.key()
                ));
            }
        }
        if let Some(r) = &c.reason {
            if reason != r {
                gaps.push(format!(
                    "container {name} state reason is {}, not {r}",
                    if reason.is_empty() { "<none>" } else { reason }
                ));
            }
        }
        if let Some(want) = c.ready {
            let ready = cs.get("ready").and_then(Value::as_bool).unwrap_or(false);
            if ready != want {
                gaps.push(format!("container {name} ready={ready}, not {want}"));
            }
        }
        if let Some(cmp) = c.restart_count {
            let n = cs.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            if !cmp.holds(n) {
                gaps.push(format!(
                    "container {name} restartCount is {n}, expected {cmp}"
                ));
            }
        }
        if gaps.is_empty() {
            return;
        }
        first_gaps.get_or_insert(gaps);
    }
    bad.extend(first_gaps.unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::replay::until;
    use serde_json::json;

    fn crashing_pod() -> Value {
        json!({
            "metadata": {"name": "webapps-same-image"},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [nginx2]"}],
                "containerStatuses": [
                    {"name": "nginx1", "ready": true, "restartCount": 0, "state": {"running": {}}},
                    {"name": "nginx2", "ready": false, "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                ]
            }
        })
    }

    #[test]
    fn expr_sees_the_object_and_the_variables() {
        let p = crashing_pod();
        let u =
            until("{expr: \"self.status.containerStatuses.all(c, c.restartCount < int(MAX))\"}");
        let vars = [("MAX".to_string(), "3".to_string())].into();
        assert!(u.with_vars(&vars).check(Some(&p)).is_empty());
        let vars = [("MAX".to_string(), "2".to_string())].into();
        let bad = u.with_vars(&vars).check(Some(&p));
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].starts_with(
                "`self.status.containerStatuses.all(c, c.restartCount < int(MAX))` is false"
            ),
            "{bad:?}"
        );
        // a failed expression never makes a wait hopeless: it may be what is awaited
        assert_eq!(
            until("{expr: \"self.status.phase == 'Failed'\"}")
                .hopeless(&json!({"status": {"phase": "Failed"}})),
            None
        );
        assert!(until("{expr: 'self.x == 1', phase: Running}")
            .summary()
            .contains("expr `self.x == 1`"));
    }

    #[test]
    fn phase_and_condition() {
        let p = crashing_pod();
        assert!(until("{phase: Running}").check(Some(&p)).is_empty());
        let bad = until("{condition: Ready}").check(Some(&p));
        assert_eq!(bad, vec!["condition Ready=False (reason ContainersNotReady: containers with unready status: [nginx2]), not True"]);
        assert!(until("{condition: Ready=False}").check(Some(&p)).is_empty());
        assert!(
            until("{condition: {type: Ready, status: 'False', reason: ContainersNotReady}}")
                .check(Some(&p))
                .is_empty()
        );
    }

    #[test]
    fn container_states_and_restart_counts() {
        let p = crashing_pod();
        assert!(until("{container: {name: nginx2, state: waiting, reason: CrashLoopBackOff, restartCount: '>=1'}}").check(Some(&p)).is_empty());
        assert!(
            until("{container: {reason: CrashLoopBackOff}}")
                .check(Some(&p))
                .is_empty(),
            "any container may match"
        );
        let bad = until("{container: {name: nginx1, restartCount: '>=1'}}").check(Some(&p));
        assert_eq!(
            bad,
            vec!["container nginx1 restartCount is 0, expected >=1"]
        );
        let bad = until("{container: {name: nginx3}}").check(Some(&p));
        assert_eq!(bad, vec!["no status for container nginx3 yet"]);
    }

    #[test]
    fn deletion_and_existence() {
        let p = crashing_pod();
        assert!(until("{deleted: true}").check(None).is_empty());
        assert_eq!(
            until("{deleted: true}").check(Some(&p)),
            vec!["the object still exists"]
        );
        assert_eq!(until("{}").check(None), vec!["the object does not exist"]);
        assert!(until("{}").check(Some(&p)).is_empty());
    }

    #[test]
    fn pending_pods_say_why() {
        let p = json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "nginx", "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        assert_eq!(
            until("{phase: Running}").check(Some(&p)),
            vec!["phase is Pending (nginx: ContainerCreating), not Running"]
        );
    }

    #[test]
    fn hopeless_states_end_waits_early() {
        let failed_job = json!({"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}});
        assert_eq!(
            until("{condition: Complete}").hopeless(&failed_job).unwrap(),
            "condition Failed=True (reason BackoffLimitExceeded: Job has reached the specified backoff limit)"
        );
        assert!(until("{condition: Failed}").hopeless(&failed_job).is_none());
        let done = json!({"status": {"phase": "Succeeded"}});
        assert!(until("{phase: Running}").hopeless(&done).is_some());
        assert!(until("{condition: Ready}").hopeless(&done).is_some());
        assert!(until("{phase: Succeeded}").hopeless(&done).is_none());
        assert!(until("{phase: Failed}").hopeless(&done).is_some());
        assert!(until("{deleted: true}").hopeless(&done).is_none());
        let pending = json!({"status": {"phase": "Pending"}});
        assert!(until("{phase: Running}").hopeless(&pending).is_none());
    }
}
