//! The manifests kubectl's generators would have sent (`create deployment`, `run`,
//! `expose`, `autoscale`, `create configmap/secret`, `create job`), and what they tell
//! translation of the object.

use super::{from_manifest, Obj, Objects};
use crate::import::kubectl::{canonical_kind, Kubectl};
use crate::import::translate::spec::{map, n, s, string_map};
use serde_yaml::Value;
use std::collections::BTreeMap;

/// The container name kubectl's generators give an image: `registry/x/agnhost:2.39` →
/// `agnhost`.
pub fn container_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    let base = base.split(['@', ':']).next().unwrap_or(base);
    crate::names::slug(base, 63)
}

pub(super) fn container(name: &str, image: &str, ports: &[u16], env: &[(String, String)]) -> Value {
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

pub(super) fn labels_of(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

pub(super) fn port_of(k: &Kubectl) -> Vec<u16> {
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
