//! The objects a post creates, as far as translation needs to know them (labels,
//! selectors, containers, replicas, ports), and the manifests kubectl's generators
//! would have sent (`create deployment`, `run`, `expose`, `autoscale`, ...).
//!
//! Here what translation knows of the objects; `generators` renders what kubectl's
//! generators would send.

mod generators;
#[cfg(test)]
mod tests;

pub use generators::{
    autoscaler, config_data, container_name, create_deployment, create_job, namespace, run_pod,
    service, service_type,
};

use crate::import::kubectl::canonical_kind;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// What translation knows of one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obj {
    /// Canonical singular kind (`deployment`, `pod`, `service`).
    pub kind: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The pods it manages or serves (controllers' matchLabels, a Service's selector).
    pub selector: BTreeMap<String, String>,
    /// Container names (of the pod, or the pod template).
    pub containers: Vec<String>,
    pub replicas: Option<i64>,
    /// A Service's (port, targetPort) pairs; a pod's container ports as (port, port).
    pub ports: Vec<(u16, u16)>,
    /// The whole manifest, when one was shown or generated.
    pub manifest: Option<Value>,
}

impl Obj {
    /// `app=web,tier=x` from the labels.
    pub fn labels_text(&self) -> String {
        self.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `app=web,tier=x` from the selector.
    pub fn selector_text(&self) -> Option<String> {
        (!self.selector.is_empty()).then(|| {
            self.selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// The objects of the post, by (kind, name).
#[derive(Debug, Clone, Default)]
pub struct Objects {
    map: BTreeMap<(String, String), Obj>,
}

impl Objects {
    pub fn add(&mut self, o: Obj) {
        self.map.insert((o.kind.clone(), o.name.clone()), o);
    }

    pub fn all(&self) -> impl Iterator<Item = &Obj> {
        self.map.values()
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&Obj> {
        let k = canonical_kind(kind).0;
        let k = k.split('.').next().unwrap_or(&k).to_string();
        self.map.get(&(k, name.to_string()))
    }

    pub fn get_mut(&mut self, kind: &str, name: &str) -> Option<&mut Obj> {
        let k = canonical_kind(kind).0;
        let k = k.split('.').next().unwrap_or(&k).to_string();
        self.map.get_mut(&(k, name.to_string()))
    }

    pub fn remove(&mut self, kind: &str, name: &str) {
        let k = canonical_kind(kind).0;
        let k = k.split('.').next().unwrap_or(&k).to_string();
        self.map.remove(&(k, name.to_string()));
    }

    /// Objects of a kind whose labels match a simple `k=v,k2=v2` selector.
    pub fn matching(&self, kind: &str, selector: &str) -> Option<Vec<&Obj>> {
        let want = parse_selector(selector)?;
        let k = canonical_kind(kind).0;
        Some(
            self.map
                .values()
                .filter(|o| o.kind == k)
                .filter(|o| want.iter().all(|(a, b)| o.labels.get(a) == Some(b)))
                .collect(),
        )
    }

    /// The controller a generated pod name belongs to: `web-5f7c8d9b6d-k2x7p` →
    /// deployment web, `oops-8qvtn` → job oops, `node-agent-w5s2d` → daemonset.
    pub fn owner_of_generated(&self, pod: &str) -> Option<&Obj> {
        let parts: Vec<&str> = pod.split('-').collect();
        for cut in (1..parts.len()).rev() {
            let prefix = parts[..cut].join("-");
            let tail = &parts[cut..];
            let generated = tail.iter().all(|p| is_generated_part(p));
            if !generated || tail.len() > 2 {
                continue;
            }
            for kind in [
                "deployment",
                "replicaset",
                "job",
                "daemonset",
                "statefulset",
                "cronjob",
            ] {
                if let Some(o) = self.map.get(&(kind.to_string(), prefix.clone())) {
                    return Some(o);
                }
            }
        }
        None
    }
}

/// A part of a name kubernetes generated: a pod suffix (5) or a template hash (8-10),
/// from the alphabet of its random names.
pub fn is_generated_part(p: &str) -> bool {
    (p.len() == 5 || (8..=10).contains(&p.len()))
        && p.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        && p.chars().any(|c| c.is_ascii_digit())
}

/// Whether a name carries a generated suffix (`web-5f7c8d9b6d-k2x7p`, `oops-8qvtn`,
/// `tick-28700914`).
pub fn looks_generated(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 2
        && parts.last().is_some_and(|p| {
            is_generated_part(p) || (p.len() >= 8 && p.chars().all(|c| c.is_ascii_digit()))
        })
}

/// `a=b,c=d` (equality only); None for set-based selectors.
pub fn parse_selector(sel: &str) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for part in sel.split(',') {
        let (k, v) = part.split_once('=')?;
        if k.ends_with('!') || k.contains(' ') || v.contains('(') {
            return None;
        }
        out.insert(
            k.trim().to_string(),
            v.trim_start_matches('=').trim().to_string(),
        );
    }
    Some(out)
}

fn str_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((k.as_str()?.to_string(), v))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The YAML documents of a text, up to the first one that does not parse (serde_yaml's
/// document iterator repeats a parse error forever).
pub fn documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match Value::deserialize(doc) {
            Ok(v) => out.push(v),
            Err(_) => break,
        }
    }
    out
}

/// What a manifest document says about its object.
pub fn from_manifest(doc: &Value) -> Option<Obj> {
    let kind = doc.get("kind")?.as_str()?.to_ascii_lowercase();
    let meta = doc.get("metadata")?;
    let name = meta.get("name")?.as_str()?.to_string();
    let spec = doc.get("spec");
    let pod_spec = match kind.as_str() {
        "pod" => spec,
        "cronjob" => spec
            .and_then(|s| s.get("jobTemplate"))
            .and_then(|j| j.get("spec"))
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec")),
        _ => spec
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec")),
    };
    let containers: Vec<String> = pod_spec
        .and_then(|p| p.get("containers"))
        .and_then(Value::as_sequence)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let selector = match kind.as_str() {
        "service" => str_map(spec.and_then(|s| s.get("selector"))),
        _ => str_map(
            spec.and_then(|s| s.get("selector"))
                .and_then(|s| s.get("matchLabels")),
        ),
    };
    let ports = match kind.as_str() {
        "service" => spec
            .and_then(|s| s.get("ports"))
            .and_then(Value::as_sequence)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        let port = p.get("port")?.as_u64()? as u16;
                        let target = p
                            .get("targetPort")
                            .and_then(Value::as_u64)
                            .map_or(port, |t| t as u16);
                        Some((port, target))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => pod_spec
            .and_then(|p| p.get("containers"))
            .and_then(Value::as_sequence)
            .map(|cs| {
                cs.iter()
                    .flat_map(|c| {
                        c.get("ports")
                            .and_then(Value::as_sequence)
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p.get("containerPort")?.as_u64())
                            .map(|p| (p as u16, p as u16))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut labels = str_map(meta.get("labels"));
    if kind == "pod" && labels.is_empty() {
        labels = BTreeMap::new();
    }
    // a controller's pods carry the template's labels
    let template_labels = str_map(
        spec.and_then(|s| s.get("template"))
            .and_then(|t| t.get("metadata"))
            .and_then(|m| m.get("labels")),
    );
    Some(Obj {
        kind,
        name,
        labels: if labels.is_empty() {
            template_labels
        } else {
            labels
        },
        selector,
        containers,
        replicas: spec.and_then(|s| s.get("replicas")).and_then(Value::as_i64),
        ports,
        manifest: Some(doc.clone()),
    })
}
