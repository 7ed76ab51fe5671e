//! The objects a post creates, as far as translation needs to know them (labels,
//! selectors, containers, replicas, ports), and the manifests kubectl's generators
//! would have sent (`create deployment`, `run`, `expose`, `autoscale`, ...).

use super::spec::{map, n, s, string_map};
use crate::import::kubectl::{canonical_kind, Kubectl};
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

/// The container name kubectl's generators give an image: `registry/x/agnhost:2.39` →
/// `agnhost`.
pub fn container_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    let base = base.split(['@', ':']).next().unwrap_or(base);
    crate::names::slug(base, 63)
}

fn container(name: &str, image: &str, ports: &[u16], env: &[(String, String)]) -> Value {
    let mut c = vec![("name", s(name)), ("image", s(image))];
    if !ports.is_empty() {
        c.push((
            "ports",
            Value::Sequence(
                ports
                    .iter()
                    .map(|p| map(vec![("containerPort", n(*p as i64))]))
                    .collect(),
            ),
        ));
    }
    if !env.is_empty() {
        c.push((
            "env",
            Value::Sequence(
                env.iter()
                    .map(|(k, v)| map(vec![("name", s(k)), ("value", s(v))]))
                    .collect(),
            ),
        ));
    }
    map(c)
}

fn labels_of(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn port_of(k: &Kubectl) -> Vec<u16> {
    k.flag("port")
        .and_then(|p| p.parse().ok())
        .into_iter()
        .collect()
}

/// `kubectl create deployment NAME --image=I [--replicas=N] [--port=P] [-- CMD]`.
pub fn create_deployment(k: &Kubectl) -> Option<(Value, Obj)> {
    let name = k.args.first()?.clone();
    let images = k.flag_values("image");
    if images.is_empty() {
        return None;
    }
    let labels: BTreeMap<String, String> = [("app".to_string(), name.clone())].into();
    let ports = port_of(k);
    let mut containers = Vec::new();
    let mut names = Vec::new();
    for img in &images {
        let cname = container_name(img);
        let mut c = container(&cname, img, &ports, &[]);
        if !k.command.is_empty() {
            if let Value::Mapping(m) = &mut c {
                m.insert(
                    s("command"),
                    Value::Sequence(k.command.iter().map(|a| s(a)).collect()),
                );
            }
        }
        names.push(cname);
        containers.push(c);
    }
    let replicas = k
        .flag("replicas")
        .and_then(|r| r.parse::<i64>().ok())
        .unwrap_or(1);
    let manifest = map(vec![
        ("apiVersion", s("apps/v1")),
        ("kind", s("Deployment")),
        (
            "metadata",
            map(vec![("name", s(&name)), ("labels", string_map(&labels))]),
        ),
        (
            "spec",
            map(vec![
                ("replicas", n(replicas)),
                ("selector", map(vec![("matchLabels", string_map(&labels))])),
                (
                    "template",
                    map(vec![
                        ("metadata", map(vec![("labels", string_map(&labels))])),
                        (
                            "spec",
                            map(vec![("containers", Value::Sequence(containers))]),
                        ),
                    ]),
                ),
            ]),
        ),
    ]);
    let obj = Obj {
        kind: "deployment".into(),
        name,
        labels: labels.clone(),
        selector: labels,
        containers: names,
        replicas: Some(replicas),
        ports: ports.iter().map(|p| (*p, *p)).collect(),
        manifest: Some(manifest.clone()),
    };
    Some((manifest, obj))
}

/// `kubectl run NAME --image=I [--port] [--labels] [--env] [--restart] [--command] [-- ARGS]`.
pub fn run_pod(k: &Kubectl) -> Option<(Value, Obj)> {
    let name = k.args.first()?.clone();
    let image = k.flag("image")?;
    let labels = match k.flag("labels") {
        Some(l) => labels_of(l),
        None => [("run".to_string(), name.clone())].into(),
    };
    let ports = port_of(k);
    let env: Vec<(String, String)> = k
        .flag_values("env")
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut c = container(&name, image, &ports, &env);
    if !k.command.is_empty() {
        let key = if k.has("command") { "command" } else { "args" };
        if let Value::Mapping(m) = &mut c {
            m.insert(
                s(key),
                Value::Sequence(k.command.iter().map(|a| s(a)).collect()),
            );
        }
    }
    let mut spec = vec![("containers", Value::Sequence(vec![c]))];
    match k.flag("restart") {
        Some("Never") => spec.push(("restartPolicy", s("Never"))),
        Some("OnFailure") => spec.push(("restartPolicy", s("OnFailure"))),
        _ => {}
    }
    let manifest = map(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Pod")),
        (
            "metadata",
            map(vec![("name", s(&name)), ("labels", string_map(&labels))]),
        ),
        ("spec", map(spec)),
    ]);
    let obj = Obj {
        kind: "pod".into(),
        name: name.clone(),
        labels,
        selector: BTreeMap::new(),
        containers: vec![name],
        replicas: None,
        ports: ports.iter().map(|p| (*p, *p)).collect(),
        manifest: Some(manifest.clone()),
    };
    Some((manifest, obj))
}

/// A Service NAME selecting `selector`, as `expose`/`run --expose`/`create service` make it.
pub fn service(
    name: &str,
    selector: &BTreeMap<String, String>,
    ports: &[(u16, u16)],
    type_: Option<&str>,
    labels: &BTreeMap<String, String>,
) -> (Value, Obj) {
    let port_list: Vec<Value> = ports
        .iter()
        .map(|(p, t)| {
            let mut m = vec![("port", n(*p as i64)), ("targetPort", n(*t as i64))];
            if ports.len() > 1 {
                m.insert(0, ("name", s(&format!("port-{p}"))));
            }
            map(m)
        })
        .collect();
    let mut spec = vec![
        ("selector", string_map(selector)),
        ("ports", Value::Sequence(port_list)),
    ];
    if let Some(t) = type_ {
        spec.push(("type", s(t)));
    }
    let mut meta = vec![("name", s(name))];
    if !labels.is_empty() {
        meta.push(("labels", string_map(labels)));
    }
    let manifest = map(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", map(meta)),
        ("spec", map(spec)),
    ]);
    let obj = Obj {
        kind: "service".into(),
        name: name.to_string(),
        labels: labels.clone(),
        selector: selector.clone(),
        containers: Vec::new(),
        replicas: None,
        ports: ports.to_vec(),
        manifest: Some(manifest.clone()),
    };
    (manifest, obj)
}

/// kubectl's service type names.
pub fn service_type(t: &str) -> Option<&'static str> {
    match t.to_ascii_lowercase().as_str() {
        "clusterip" => Some("ClusterIP"),
        "nodeport" => Some("NodePort"),
        "loadbalancer" => Some("LoadBalancer"),
        "externalname" => Some("ExternalName"),
        _ => None,
    }
}

/// `kubectl autoscale KIND NAME --min --max --cpu-percent`.
pub fn autoscaler(kind: &str, name: &str, k: &Kubectl) -> Option<Value> {
    let max: i64 = k.flag("max")?.parse().ok()?;
    let min: i64 = k.flag("min").and_then(|m| m.parse().ok()).unwrap_or(1);
    let (target_kind, api) = match canonical_kind(kind).0.as_str() {
        "deployment" => ("Deployment", "apps/v1"),
        "statefulset" => ("StatefulSet", "apps/v1"),
        "replicaset" => ("ReplicaSet", "apps/v1"),
        _ => return None,
    };
    let mut spec = vec![
        (
            "scaleTargetRef",
            map(vec![
                ("apiVersion", s(api)),
                ("kind", s(target_kind)),
                ("name", s(name)),
            ]),
        ),
        ("minReplicas", n(min)),
        ("maxReplicas", n(max)),
    ];
    if let Some(cpu) = k.flag("cpu-percent").and_then(|c| c.parse::<i64>().ok()) {
        spec.push((
            "metrics",
            Value::Sequence(vec![map(vec![
                ("type", s("Resource")),
                (
                    "resource",
                    map(vec![
                        ("name", s("cpu")),
                        (
                            "target",
                            map(vec![
                                ("type", s("Utilization")),
                                ("averageUtilization", n(cpu)),
                            ]),
                        ),
                    ]),
                ),
            ])]),
        ));
    }
    Some(map(vec![
        ("apiVersion", s("autoscaling/v2")),
        ("kind", s("HorizontalPodAutoscaler")),
        (
            "metadata",
            map(vec![("name", s(k.flag("name").unwrap_or(name)))]),
        ),
        ("spec", map(spec)),
    ]))
}

/// `kubectl create configmap|secret generic NAME --from-literal=k=v --from-file=[k=]path`:
/// the object, with the files' contents when the post shows them (`files`), and the
/// files it does not show.
pub fn config_data(
    kind: &str,
    k: &Kubectl,
    files: &BTreeMap<String, String>,
) -> Option<(Value, Obj, Vec<String>)> {
    let name = k.args.iter().find(|a| *a != "generic")?.clone();
    let mut data = BTreeMap::new();
    let mut missing = Vec::new();
    for lit in k.flag_values("from-literal") {
        let (a, b) = lit.split_once('=')?;
        data.insert(a.to_string(), b.to_string());
    }
    for f in k.flag_values("from-file") {
        let (key, path) = match f.split_once('=') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (
                f.rsplit(['/', '\\']).next().unwrap_or(f).to_string(),
                f.to_string(),
            ),
        };
        let base = path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string();
        match files.get(&base) {
            Some(content) => {
                data.insert(key, content.clone());
            }
            None => missing.push(f.to_string()),
        }
    }
    if !k.flag_values("from-env-file").is_empty() {
        return None;
    }
    let (api_kind, field) = if kind == "secret" {
        ("Secret", "stringData")
    } else {
        ("ConfigMap", "data")
    };
    let mut doc = vec![
        ("apiVersion", s("v1")),
        ("kind", s(api_kind)),
        ("metadata", map(vec![("name", s(&name))])),
        (field, string_map(&data)),
    ];
    if kind == "secret" {
        doc.push(("type", s("Opaque")));
    }
    let manifest = map(doc);
    let obj = Obj {
        kind: kind.to_string(),
        name,
        manifest: Some(manifest.clone()),
        ..Obj::default()
    };
    Some((manifest, obj, missing))
}

/// `kubectl create job NAME --image=I -- CMD`, or `--from=cronjob/X` with X's template.
pub fn create_job(k: &Kubectl, objects: &Objects) -> Option<(Value, Obj)> {
    let name = k.args.first()?.clone();
    let spec = if let Some(from) = k.flag("from") {
        let (kind, src) = from.split_once('/')?;
        let cron = objects.get(kind, src)?.manifest.as_ref()?;
        cron.get("spec")?.get("jobTemplate")?.get("spec")?.clone()
    } else {
        let image = k.flag("image")?;
        let mut c = container(&name, image, &[], &[]);
        if !k.command.is_empty() {
            if let Value::Mapping(m) = &mut c {
                m.insert(
                    s("command"),
                    Value::Sequence(k.command.iter().map(|a| s(a)).collect()),
                );
            }
        }
        map(vec![(
            "template",
            map(vec![(
                "spec",
                map(vec![
                    ("containers", Value::Sequence(vec![c])),
                    ("restartPolicy", s("Never")),
                ]),
            )]),
        )])
    };
    let manifest = map(vec![
        ("apiVersion", s("batch/v1")),
        ("kind", s("Job")),
        ("metadata", map(vec![("name", s(&name))])),
        ("spec", spec),
    ]);
    let mut obj = from_manifest(&manifest)?;
    obj.selector = [("job-name".to_string(), name)].into();
    Some((manifest, obj))
}

/// `kubectl create namespace NAME` under the name the scenario gives it.
pub fn namespace(mapped: &str) -> Value {
    map(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Namespace")),
        ("metadata", map(vec![("name", s(mapped))])),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::kubectl::parse;
    use crate::import::shell::split;

    fn k(line: &str) -> Kubectl {
        parse(&split(line)[1..]).unwrap()
    }

    #[test]
    fn generators_make_what_kubectl_makes() {
        let (m, o) = create_deployment(&k(
            "kubectl create deployment web --image=nginx:stable --replicas=3 --port=80",
        ))
        .unwrap();
        assert_eq!(o.selector_text().as_deref(), Some("app=web"));
        assert_eq!(o.containers, vec!["nginx"]);
        let text = serde_yaml::to_string(&m).unwrap();
        assert!(
            text.contains("replicas: 3") && text.contains("containerPort: 80"),
            "{text}"
        );
        let (m, o) = run_pod(&k("kubectl run shop-clock --image=busybox:1.28 --restart=Never --labels=app=shop,tier=worker -- sh -c date")).unwrap();
        assert_eq!(o.labels.get("tier").map(String::as_str), Some("worker"));
        let text = serde_yaml::to_string(&m).unwrap();
        assert!(
            text.contains("restartPolicy: Never") && text.contains("args:"),
            "{text}"
        );
        assert_eq!(
            container_name("registry.k8s.io/e2e-test-images/agnhost:2.39"),
            "agnhost"
        );
    }

    #[test]
    fn generated_names() {
        assert!(looks_generated("web-5f7c8d9b6d-k2x7p"));
        assert!(looks_generated("oops-8qvtn"));
        assert!(looks_generated("tick-28700914"));
        assert!(!looks_generated("web-0"));
        assert!(!looks_generated("nginx"));
        assert!(!looks_generated("sonde-pret"));
        let mut objs = Objects::default();
        objs.add(Obj {
            kind: "deployment".into(),
            name: "api".into(),
            ..Obj::default()
        });
        assert_eq!(
            objs.owner_of_generated("api-6f5b7c9d8b-k2x7p")
                .map(|o| o.name.as_str()),
            Some("api")
        );
        assert!(objs.owner_of_generated("other-6f5b7c9d8b-k2x7p").is_none());
    }
}
