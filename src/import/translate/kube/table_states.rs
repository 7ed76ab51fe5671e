//! The rows of a table a post shows (pods Running, a Deployment ready, a Job complete)
//! as the waits and asserts that reach the same state.

use super::state_steps::{
    assert_spec, condition, daemonset_settled, deployment_rolled_out, matches_for, phase,
    until_for, wait,
};
use crate::import::kubectl::canonical_kind;
use crate::import::translate::objects::{self, looks_generated, Obj};
use crate::import::translate::spec;
use crate::import::translate::states::{self, PodState, Table};
use crate::import::translate::{objects_kind, Emit, Place, Tr};
use crate::steps::Action;
use crate::wait::Until;
use std::collections::BTreeMap;

impl Tr<'_> {
    /// Waits and asserts for the states the rows of a table show.
    pub(super) fn table_states(
        &self,
        kind: &str,
        t: &Table,
        place: &Place,
        selector: Option<&str>,
        watch: bool,
    ) -> Vec<Emit> {
        let ns = place.field();
        let rows = if watch {
            states::final_rows(t)
        } else {
            t.rows.clone()
        };
        let mut out: Vec<crate::scenario::StepSpec> = Vec::new();
        // generated pods, grouped by how they are found: (kind, selector or name pattern) -> states
        let mut groups: BTreeMap<(String, String, bool), Vec<PodState>> = BTreeMap::new();
        // Deployments whose rollout end is already waited for
        let mut rolled = std::collections::BTreeSet::new();
        for row in &rows {
            let Some(raw) = t.name(row).map(str::to_string) else {
                continue;
            };
            // a NAMESPACE column (`-A`): the row's own namespace, in the scenario's name
            let ns = match t.cell(row, "NAMESPACE") {
                None => ns.clone(),
                Some(n) => match self.plan.namespaces.get(n) {
                    Some(m) if m.is_empty() => None,
                    Some(m) => Some(m.clone()),
                    None => continue,
                },
            };
            let (rkind, name) = match raw.split_once('/') {
                Some((a, b)) => (objects_kind(a), b.to_string()),
                None => (canonical_kind(kind).0, raw.clone()),
            };
            match rkind.as_str() {
                "pod" => {
                    let Some(state) = states::pod_state(t, row) else {
                        continue;
                    };
                    if !looks_generated(&name) {
                        if let Some(u) = until_for(&state) {
                            out.push(spec::with_timeout(
                                wait(Some(("pod", &name)), None, u, ns.clone()).step,
                                120,
                            ));
                        }
                        continue;
                    }
                    let key = match self
                        .objects
                        .owner_of_generated(&name)
                        .and_then(Obj::selector_text)
                        .or(selector.map(str::to_string))
                    {
                        Some(sel) => ("pods".to_string(), sel, true),
                        None => ("pods".to_string(), name_pattern(&name), false),
                    };
                    groups.entry(key).or_default().push(state);
                }
                "replicaset" if looks_generated(&name) => {
                    // a Deployment's ReplicaSets, all shown settled: the rollout's end, once
                    let settled_row =
                        |r: &Vec<String>| match (t.cell(r, "READY"), t.cell(r, "DESIRED")) {
                            (Some(a), Some(d)) => a == d,
                            _ => false,
                        };
                    let Some(owner) = name.rsplit_once('-').map(|(o, _)| o.to_string()) else {
                        continue;
                    };
                    let Some(dep) = self.objects.get("deployment", &owner) else {
                        continue;
                    };
                    let settled = rows
                        .iter()
                        .filter(|r| {
                            t.name(r)
                                .and_then(|n| n.rsplit_once('-'))
                                .is_some_and(|(o, _)| o == owner)
                        })
                        .all(settled_row);
                    if settled && rolled.insert(dep.name.clone()) {
                        out.push(spec::with_timeout(
                            wait(
                                Some(("deployment", &dep.name)),
                                None,
                                deployment_rolled_out(dep.replicas),
                                ns.clone(),
                            )
                            .step,
                            180,
                        ));
                        // the rollout's end leaves old ReplicaSets at zero a moment later:
                        // as many ReplicaSets of each size as the post shows
                        let sel = selector.map(str::to_string).or_else(|| dep.selector_text());
                        let mut sizes: BTreeMap<i64, usize> = BTreeMap::new();
                        for r in rows.iter().filter(|r| {
                            t.name(r)
                                .and_then(|n| n.rsplit_once('-'))
                                .is_some_and(|(o, _)| o == owner)
                        }) {
                            if let Some(d) = t.cell(r, "DESIRED").and_then(|d| d.parse().ok()) {
                                *sizes.entry(d).or_default() += 1;
                            }
                        }
                        for (size, n) in sizes {
                            let m = serde_json::json!({"spec": {"replicas": size}, "status": {"replicas": size}});
                            let mut a = assert_spec(
                                None,
                                Some(("replicasets", sel.as_deref())),
                                m,
                                ns.clone(),
                            );
                            a.count = Some(n);
                            out.push(spec::with_timeout(spec::step(Action::Assert(a)), 60));
                        }
                    }
                }
                "daemonset" => {
                    // shown settled: every scheduled pod available (the counts depend on
                    // the post's nodes, so only their agreement is waited for)
                    let ready = t.cell(row, "READY").and_then(|c| c.parse::<i64>().ok());
                    let desired = t.cell(row, "DESIRED").and_then(|c| c.parse::<i64>().ok());
                    if let (Some(r), Some(d)) = (ready, desired) {
                        if r == d && d > 0 {
                            out.push(spec::with_timeout(
                                wait(
                                    Some(("daemonset", &name)),
                                    None,
                                    daemonset_settled(),
                                    ns.clone(),
                                )
                                .step,
                                120,
                            ));
                        }
                    }
                }
                "deployment" | "statefulset" | "replicaset" => {
                    let Some((a, b)) = t.cell(row, "READY").and_then(states::ratio) else {
                        continue;
                    };
                    let up_to_date = t
                        .cell(row, "UP-TO-DATE")
                        .and_then(|c| c.parse::<i64>().ok());
                    if rkind == "deployment" && a == b && b > 0 && up_to_date == Some(b) {
                        // every replica of the current template: the rollout ended
                        out.push(spec::with_timeout(
                            wait(
                                Some(("deployment", &name)),
                                None,
                                deployment_rolled_out(Some(b)),
                                ns.clone(),
                            )
                            .step,
                            180,
                        ));
                    } else if a == b && b > 0 {
                        let m = serde_json::json!({"status": {"readyReplicas": b}});
                        let until = Until {
                            condition: (rkind == "deployment").then(|| condition("Available")),
                            matches: Some(m),
                            ..Until::default()
                        };
                        out.push(spec::with_timeout(
                            wait(Some((&rkind, &name)), None, until, ns.clone()).step,
                            120,
                        ));
                    }
                }
                "job" => {
                    let status = t.cell(row, "STATUS").unwrap_or("");
                    let done = t
                        .cell(row, "COMPLETIONS")
                        .and_then(states::ratio)
                        .is_some_and(|(a, b)| a == b && b > 0);
                    let cond = match status {
                        "Complete" => Some("Complete"),
                        "Failed" => Some("Failed"),
                        _ if done => Some("Complete"),
                        _ => None,
                    };
                    let Some(cond) = cond else { continue };
                    if looks_generated(&name) {
                        // a Job of a CronJob: found by its owner, not its generated name
                        let owner = name
                            .rsplit_once('-')
                            .map(|(o, _)| o.to_string())
                            .unwrap_or_default();
                        if self.objects.get("cronjob", &owner).is_some() {
                            let m = serde_json::json!({
                                "metadata": {"ownerReferences": [{"kind": "CronJob", "name": owner}]},
                                "status": {"conditions": [{"type": cond, "status": "True"}]}
                            });
                            let mut a = assert_spec(None, Some(("jobs", None)), m, ns.clone());
                            a.quantifier = Some(crate::steps::assert::Quantifier::Any);
                            out.push(spec::with_timeout(spec::step(Action::Assert(a)), 180));
                        }
                        continue;
                    }
                    let until = Until {
                        condition: Some(condition(cond)),
                        ..Until::default()
                    };
                    out.push(spec::with_timeout(
                        wait(Some(("job", &name)), None, until, ns.clone()).step,
                        120,
                    ));
                }
                "persistentvolumeclaim" if t.cell(row, "STATUS") == Some("Bound") => {
                    let until = phase("Bound");
                    out.push(
                        wait(
                            Some(("persistentvolumeclaim", &name)),
                            None,
                            until,
                            ns.clone(),
                        )
                        .step,
                    );
                }
                "horizontalpodautoscaler" if watch => {
                    if let Some(r) = t.cell(row, "REPLICAS").and_then(|r| r.parse::<i64>().ok()) {
                        let until = Until {
                            matches: Some(serde_json::json!({"status": {"currentReplicas": r}})),
                            ..Until::default()
                        };
                        out.push(spec::with_timeout(
                            wait(
                                Some(("horizontalpodautoscaler", &name)),
                                None,
                                until,
                                ns.clone(),
                            )
                            .step,
                            300,
                        ));
                    }
                }
                "namespace" => {
                    if let Some(m) = self.plan.namespaces.get(&name).filter(|m| !m.is_empty()) {
                        let until = phase("Active");
                        out.push(wait(Some(("namespace", m)), None, until, None).step);
                    }
                }
                _ => {}
            }
        }
        for ((kind, found_by, is_selector), states) in groups {
            let uniform = states.windows(2).all(|w| w[0] == w[1]);
            if is_selector && uniform {
                if let Some(u) = until_for(&states[0]) {
                    out.push(spec::with_timeout(
                        wait(None, Some((&kind, &found_by)), u, ns.clone()).step,
                        120,
                    ));
                }
                // as many as the post shows: a Job's failed pods come one per retry, a
                // Deployment's Ready ones one by one, and the selector wait above holds
                // with the first
                let settled = matches!(
                    states[0],
                    PodState::Ready | PodState::Succeeded | PodState::Failed
                );
                if states.len() > 1 && settled {
                    let mut a = assert_spec(
                        None,
                        Some((&kind, Some(&found_by))),
                        matches_for(&states[0]).unwrap_or_default(),
                        ns.clone(),
                    );
                    a.count = Some(states.len());
                    out.push(spec::with_timeout(spec::step(Action::Assert(a)), 120));
                }
                continue;
            }
            let mut done = Vec::new();
            for st in &states {
                if done.contains(st) {
                    continue;
                }
                done.push(st.clone());
                let Some(mut m) = matches_for(st) else {
                    continue;
                };
                let sel = if is_selector {
                    Some(found_by.as_str())
                } else {
                    if let serde_json::Value::Object(o) = &mut m {
                        o.insert("metadata".into(), serde_json::json!({"name": found_by}));
                    }
                    None
                };
                let mut a = assert_spec(None, Some((&kind, sel)), m, ns.clone());
                a.quantifier = Some(crate::steps::assert::Quantifier::Any);
                out.push(spec::with_timeout(spec::step(Action::Assert(a)), 120));
            }
        }
        out.into_iter().map(Emit::native).collect()
    }
}

/// `coredns-7db6d8ff4d-4wdbn` → `coredns-[..]` (a name pattern for a generated name
/// whose owner the post does not show).
pub(super) fn name_pattern(name: &str) -> String {
    let parts: Vec<&str> = name.split('-').collect();
    let keep: Vec<&str> = parts
        .iter()
        .take_while(|p| !objects::is_generated_part(p))
        .copied()
        .collect();
    format!("{}-[..]", keep.join("-"))
}

#[cfg(test)]
#[test]
fn generated_names_become_patterns() {
    assert_eq!(name_pattern("coredns-7db6d8ff4d-4wdbn"), "coredns-[..]");
}
