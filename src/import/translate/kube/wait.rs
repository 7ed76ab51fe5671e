//! `kubectl wait` as a `wait` step.

use super::shown::partial_from_path;
use super::state_steps::wait;
use crate::import::kubectl::Kubectl;
use crate::import::translate::{Outcome, Place, Tr};
use crate::wait::{ConditionSpec, Until};

impl Tr<'_> {
    pub(super) fn wait(&mut self, k: &Kubectl, place: &Place) -> Outcome {
        let Some(for_) = k.flag("for") else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let until = if let Some(c) = for_.strip_prefix("condition=") {
            let (t, st) = c.split_once('=').unwrap_or((c, "True"));
            let mut chars = t.chars();
            let t = match chars.next() {
                Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
                None => String::new(),
            };
            Until {
                condition: Some(ConditionSpec {
                    type_: t,
                    status: st.to_string(),
                    reason: None,
                }),
                ..Until::default()
            }
        } else if for_ == "delete" {
            Until {
                deleted: Some(true),
                ..Until::default()
            }
        } else if let Some(jp) = for_.strip_prefix("jsonpath=") {
            let (path, value) = match jp.rsplit_once('=') {
                Some((p, v)) => (p.to_string(), v.to_string()),
                None => (jp.to_string(), "[..]".to_string()),
            };
            match partial_from_path(path.trim_matches('\''), serde_json::Value::String(value)) {
                Some(m) => Until {
                    matches: Some(m),
                    ..Until::default()
                },
                None => return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]),
            }
        } else if for_ == "create" {
            Until::default()
        } else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        let timeout = k
            .flag("timeout")
            .and_then(|t| crate::duration::parse_duration(t).ok());
        let res = k.resources();
        let mut steps = Vec::new();
        let ns = place.field();
        if let Some(sel) = k.selector() {
            let kind = res
                .first()
                .map(|r| r.kind_name())
                .unwrap_or_else(|| "pod".into());
            steps.push(wait(None, Some((&kind, sel)), until.clone(), ns.clone()));
        } else {
            for r in &res {
                if let Some(n) = &r.name {
                    steps.push(wait(
                        Some((&r.kind_name(), n)),
                        None,
                        until.clone(),
                        ns.clone(),
                    ));
                }
            }
        }
        if steps.is_empty() {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        }
        if let Some(t) = timeout {
            for e in &mut steps {
                e.step.timeout = Some(crate::duration::HumanDuration(t));
            }
        }
        Outcome::Steps(steps)
    }
}
