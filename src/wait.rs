//! Waiting for objects, driven by watches (never sleep-polling). Conditions are plain
//! values checked against the latest object the watch delivered; when the deadline
//! passes, the last mismatch and the last object seen are the evidence.

use crate::subset;
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What an object must look like (`until:` of `wait`). All given parts must hold;
/// with none given the object must simply exist.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Until {
    /// `status.phase`, e.g. `Running`, `Succeeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// A `status.conditions` entry: `Ready`, `Ready=True`, `Available=False`, or a map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionSpec>,
    /// `true`: the object is gone. `false`: it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// A container status (pods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerUntil>,
    /// A partial object (same rules as `assert`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub any_order: bool,
}

/// A status condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionSpec {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
}

/// Conditions on a container of a pod.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerUntil {
    /// Container name; any container when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `running`, `waiting` or `terminated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ContainerState>,
    /// Reason of the current state, e.g. `CrashLoopBackOff`, `Completed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// `3`, `">=1"`, `">0"`, `"<5"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<Comparison>,
}

#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Running,
    Waiting,
    Terminated,
}

impl ContainerState {
    fn key(self) -> &'static str {
        match self {
            ContainerState::Running => "running",
            ContainerState::Waiting => "waiting",
            ContainerState::Terminated => "terminated",
        }
    }
}

/// A numeric comparison such as `>=1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub op: CmpOp,
    pub value: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Comparison {
    pub fn parse(text: &str) -> Result<Comparison, String> {
        let t = text.trim();
        let (op, rest) = [
            (">=", CmpOp::Ge),
            ("<=", CmpOp::Le),
            ("==", CmpOp::Eq),
            (">", CmpOp::Gt),
            ("<", CmpOp::Lt),
            ("=", CmpOp::Eq),
        ]
        .iter()
        .find_map(|(p, op)| t.strip_prefix(p).map(|r| (*op, r)))
        .unwrap_or((CmpOp::Eq, t));
        let value = rest.trim().parse::<i64>().map_err(|_| {
            format!("expected a number or a comparison such as `>=1`, got `{text}`")
        })?;
        Ok(Comparison { op, value })
    }

    pub fn holds(&self, n: i64) -> bool {
        match self.op {
            CmpOp::Eq => n == self.value,
            CmpOp::Ge => n >= self.value,
            CmpOp::Gt => n > self.value,
            CmpOp::Le => n <= self.value,
            CmpOp::Lt => n < self.value,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            CmpOp::Eq => "",
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Lt => "<",
        };
        write!(f, "{op}{}", self.value)
    }
}

impl<'de> Deserialize<'de> for Comparison {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, serde::Serialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)
            .map_err(|_| de::Error::custom("expected a number or a comparison such as `>=1`"))?
        {
            Raw::N(value) => Ok(Comparison {
                op: CmpOp::Eq,
                value,
            }),
            Raw::S(s) => Comparison::parse(&s).map_err(de::Error::custom),
        }
    }
}

impl serde::Serialize for Comparison {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.op {
            CmpOp::Eq => s.serialize_i64(self.value),
            _ => s.collect_str(self),
        }
    }
}

impl serde::Serialize for ConditionSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.reason {
            None if self.status == "True" => s.serialize_str(&self.type_),
            None => s.collect_str(&format_args!("{}={}", self.type_, self.status)),
            Some(reason) => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("type", &self.type_)?;
                m.serialize_entry("status", &self.status)?;
                m.serialize_entry("reason", reason)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for ConditionSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(rename = "type")]
            type_: String,
            #[serde(default = "true_str")]
            status: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<String>,
        }
        fn true_str() -> String {
            "True".into()
        }
        #[derive(Deserialize, serde::Serialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            F(Full),
        }
        match Raw::deserialize(d).map_err(|_| {
            de::Error::custom("expected a condition such as `Ready`, `Ready=True` or {type: Ready, status: \"False\", reason: ...}")
        })? {
            Raw::S(s) => {
                let (t, st) = s.split_once('=').unwrap_or((s.as_str(), "True"));
                Ok(ConditionSpec { type_: t.trim().into(), status: st.trim().into(), reason: None })
            }
            Raw::F(f) => Ok(ConditionSpec { type_: f.type_, status: f.status, reason: f.reason }),
        }
    }
}

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
        bad
    }

    /// Why the condition can never hold any more, when the object says so: a Job that
    /// failed while `Complete` is awaited, a pod that terminated while it should run,
    /// a Deployment past its progress deadline. The wait then ends at once instead of
    /// at its timeout.
    pub fn hopeless(&self, obj: &Value) -> Option<String> {
        if self.deleted.is_some() || self.matches.is_some() {
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

    /// Short text for progress lines and labels.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.phase {
            parts.push(format!("phase={p}"));
        }
        if let Some(c) = &self.condition {
            parts.push(format!("condition {}={}", c.type_, c.status));
        }
        match self.deleted {
            Some(true) => parts.push("deleted".into()),
            Some(false) => parts.push("exists".into()),
            None => {}
        }
        if let Some(c) = &self.container {
            let mut s = format!("container {}", c.name.as_deref().unwrap_or("*"));
            if let Some(st) = c.state {
                s.push_str(&format!(" {}", st.key()));
            }
            if let Some(r) = &c.reason {
                s.push_str(&format!(" {r}"));
            }
            if let Some(r) = c.ready {
                s.push_str(&format!(" ready={r}"));
            }
            if let Some(n) = c.restart_count {
                s.push_str(&format!(
                    " restarts{}",
                    if n.op == CmpOp::Eq {
                        format!("={n}")
                    } else {
                        n.to_string()
                    }
                ));
            }
            parts.push(s);
        }
        if self.matches.is_some() {
            parts.push("matches".into());
        }
        if parts.is_empty() {
            "exists".into()
        } else {
            parts.join(", ")
        }
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

/// Why a wait ended without the condition holding.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("timed out after {timeout:?}")]
    Timeout {
        timeout: Duration,
        last_mismatch: Vec<String>,
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

/// Watch with `cfg` until `check` of the objects seen returns no mismatch, `timeout`
/// passes, or `cancel` fires. The one watch loop behind every wait.
pub async fn watch_until(
    api: Api<DynamicObject>,
    cfg: watcher::Config,
    check: impl Fn(&Seen) -> Vec<String>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    watch_until_or(api, cfg, check, |_| None, timeout, cancel).await
}

/// [`watch_until`], ending early when `hopeless` finds the condition unreachable.
pub async fn watch_until_or(
    api: Api<DynamicObject>,
    cfg: watcher::Config,
    check: impl Fn(&Seen) -> Vec<String>,
    hopeless: impl Fn(&Seen) -> Option<(String, Value)>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    let mut stream = watcher::watcher(api, cfg).default_backoff().boxed();
    let mut current = Seen::new();
    let mut pending = Seen::new();
    let mut last_mismatch = vec!["no answer from the watch yet".to_string()];
    let mut last_error = None;
    let deadline = tokio::time::Instant::now() + timeout;
    let name_of = |o: &DynamicObject| o.metadata.name.clone().unwrap_or_default();
    let last = |seen: &Seen| seen.values().next_back().cloned().map(Box::new);
    loop {
        let ev = tokio::select! {
            _ = cancel.cancelled() => return Err(WaitError::Cancelled),
            _ = tokio::time::sleep_until(deadline) => {
                return Err(WaitError::Timeout { timeout, last_mismatch, last_object: last(&current), last_error })
            }
            ev = stream.next() => ev,
        };
        let settled = match ev {
            None => {
                return Err(WaitError::Timeout {
                    timeout,
                    last_mismatch,
                    last_object: last(&current),
                    last_error: Some("the watch ended".into()),
                })
            }
            Some(Err(e)) => {
                if let Some(reason) = refused(&e) {
                    return Err(WaitError::Hopeless {
                        reason,
                        last_object: None,
                    });
                }
                last_error = Some(e.to_string());
                false
            }
            Some(Ok(Event::Init)) => {
                pending.clear();
                false
            }
            Some(Ok(Event::InitApply(o))) => {
                if let Ok(v) = serde_json::to_value(&o) {
                    pending.insert(name_of(&o), v);
                }
                false
            }
            Some(Ok(Event::InitDone)) => {
                current = std::mem::take(&mut pending);
                true
            }
            Some(Ok(Event::Apply(o))) => {
                if let Ok(v) = serde_json::to_value(&o) {
                    current.insert(name_of(&o), v);
                }
                true
            }
            Some(Ok(Event::Delete(o))) => {
                current.remove(&name_of(&o));
                true
            }
        };
        if settled {
            last_mismatch = check(&current);
            if last_mismatch.is_empty() {
                return Ok(current);
            }
            if let Some((reason, obj)) = hopeless(&current) {
                return Err(WaitError::Hopeless {
                    reason,
                    last_object: Some(Box::new(obj)),
                });
            }
        }
    }
}

/// The API server's answer when it rejects the watch request itself as malformed
/// (400, e.g. a field selector the kind does not support): retrying cannot help, so
/// the wait ends at once instead of at its timeout. Other errors (a connection
/// lost, a watch expired) are retried by the watcher.
fn refused(e: &watcher::Error) -> Option<String> {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
            if s.code == 400 =>
        {
            Some(format!("the API server refuses the request: {}", s.message))
        }
        _ => None,
    }
}

/// Watch one object until `until` holds, `timeout` passes, or `cancel` fires.
/// Returns the object as last seen (None when it is gone).
pub async fn wait_for(
    api: Api<DynamicObject>,
    name: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Option<Value>, WaitError> {
    let cfg = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let seen = watch_until_or(
        api,
        cfg,
        |seen| until.check(seen.get(name)),
        |seen| {
            let o = seen.get(name)?;
            until.hopeless(o).map(|r| (r, o.clone()))
        },
        timeout,
        cancel,
    )
    .await?;
    Ok(seen.get(name).cloned())
}

/// What `until` means for every object matching a label selector: with `deleted: true`
/// none may be left; otherwise at least one must exist and all must satisfy it.
pub fn check_all(until: &Until, kind: &str, seen: &Seen) -> Vec<String> {
    if until.deleted == Some(true) {
        return if seen.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "{} object(s) still exist: {}",
                seen.len(),
                seen.keys()
                    .map(|n| format!("{kind}/{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )]
        };
    }
    if seen.is_empty() {
        return vec!["no object matches the selector yet".into()];
    }
    seen.iter()
        .flat_map(|(n, o)| {
            until
                .check(Some(o))
                .into_iter()
                .map(move |m| format!("{kind}/{n}: {m}"))
        })
        .collect()
}

/// Watch every object matching `selector` until `until` holds for them (see [`check_all`]).
pub async fn wait_for_selector(
    api: Api<DynamicObject>,
    kind: &str,
    selector: &str,
    until: &Until,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<Seen, WaitError> {
    let cfg = watcher::Config::default().labels(selector);
    // every match must satisfy `until`: one that never can dooms the wait
    watch_until_or(
        api,
        cfg,
        |seen| check_all(until, kind, seen),
        |seen| {
            seen.iter().find_map(|(n, o)| {
                until
                    .hopeless(o)
                    .map(|r| (format!("{kind}/{n}: {r}"), o.clone()))
            })
        },
        timeout,
        cancel,
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn malformed_watches_are_refused_at_once_other_errors_retried() {
        use kube::core::Status;
        let api = |code| {
            kube::Error::Api(
                Status::failure(
                    "\"status.phase\" is not a known field selector",
                    "BadRequest",
                )
                .with_code(code)
                .boxed(),
            )
        };
        let bad = watcher::Error::InitialListFailed(api(400));
        assert_eq!(
            refused(&bad).as_deref(),
            Some("the API server refuses the request: \"status.phase\" is not a known field selector")
        );
        assert!(refused(&watcher::Error::WatchStartFailed(api(400))).is_some());
        assert!(refused(&watcher::Error::InitialListFailed(api(503))).is_none());
        assert!(refused(&watcher::Error::NoResourceVersion).is_none());
    }

    use super::*;
    use serde_json::json;

    fn until(yaml: &str) -> Until {
        serde_yaml::from_str(yaml).unwrap()
    }

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
    fn selector_waits_need_every_match() {
        let mut seen = Seen::new();
        assert_eq!(
            check_all(&until("{phase: Running}"), "pod", &seen),
            vec!["no object matches the selector yet"]
        );
        assert!(check_all(&until("{deleted: true}"), "pod", &seen).is_empty());
        seen.insert("a".into(), json!({"status": {"phase": "Running"}}));
        seen.insert("b".into(), json!({"status": {"phase": "Pending"}}));
        assert_eq!(
            check_all(&until("{phase: Running}"), "pod", &seen),
            vec!["pod/b: phase is Pending, not Running"]
        );
        assert_eq!(
            check_all(&until("{deleted: true}"), "pod", &seen),
            vec!["2 object(s) still exist: pod/a, pod/b"]
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

    #[test]
    fn comparisons() {
        assert!(Comparison::parse(">=1").unwrap().holds(1));
        assert!(!Comparison::parse(">1").unwrap().holds(1));
        assert!(Comparison::parse("3").unwrap().holds(3));
        assert!(Comparison::parse("x").is_err());
        assert!(serde_yaml::from_str::<Until>("{container: {restartCount: 'lots'}}").is_err());
    }

    #[test]
    fn summaries() {
        assert_eq!(until("{phase: Running}").summary(), "phase=Running");
        assert_eq!(
            until("{container: {name: nginx2, state: waiting, reason: CrashLoopBackOff}}")
                .summary(),
            "container nginx2 waiting CrashLoopBackOff"
        );
        assert_eq!(until("{}").summary(), "exists");
    }
}
