use super::*;
use crate::import::kubectl::{parse, Kubectl};
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
