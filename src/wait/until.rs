//! The `until:` of a wait: what an object must look like (phase, condition,
//! container state, restart count, a partial object, deletion), as scenario files
//! write it, and its short summary. How an object is checked against it is in
//! [`super::check`].

use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

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
    /// A CEL expression on the object (`self`) that must be true; the scenario's
    /// variables are CEL variables by name (docs/scenario-format.md, Expressions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<super::Expr>,
    /// The variables `expr` sees, set when the step runs ([`Until::with_vars`]).
    #[serde(skip)]
    #[schemars(skip)]
    pub vars: std::sync::Arc<std::collections::BTreeMap<String, String>>,
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
    pub(super) fn key(self) -> &'static str {
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

/// Text that is neither a number nor a comparison.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a number or a comparison such as `>=1`, got `{text}`")]
pub struct ComparisonError {
    pub text: String,
}

impl Comparison {
    pub fn parse(text: &str) -> Result<Comparison, ComparisonError> {
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
        let value = rest
            .trim()
            .parse::<i64>()
            .map_err(|_| ComparisonError { text: text.into() })?;
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
    /// This condition with the variables its `expr` sees.
    pub fn with_vars(&self, vars: &std::collections::BTreeMap<String, String>) -> Until {
        let mut u = self.clone();
        if u.expr.is_some() {
            u.vars = std::sync::Arc::new(vars.clone());
        }
        u
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
        if let Some(e) = &self.expr {
            parts.push(format!("expr `{e}`"));
        }
        if parts.is_empty() {
            "exists".into()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait::replay::until;

    #[test]
    fn comparisons() {
        assert!(Comparison::parse(">=1").unwrap().holds(1));
        assert!(!Comparison::parse(">1").unwrap().holds(1));
        assert!(Comparison::parse("3").unwrap().holds(3));
        assert_eq!(
            Comparison::parse("x").unwrap_err().to_string(),
            "expected a number or a comparison such as `>=1`, got `x`"
        );
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
