use super::*;

fn p(line: &str) -> Kubectl {
    let argv: Vec<String> = crate::import::shell::split(line);
    parse(&argv[1..]).unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn global_flags_go_anywhere() {
    let k = p("kubectl -n shop get pods");
    assert_eq!((k.verb.as_str(), k.namespace()), ("get", Some("shop")));
    assert_eq!(
        k.resources(),
        vec![Resource {
            kind: "pods".into(),
            name: None
        }]
    );
    let k = p("kubectl -f quota.yaml apply");
    assert_eq!((k.verb.as_str(), k.files()), ("apply", vec!["quota.yaml"]));
    let k = p("kubectl get pods --namespace=team-b -owide");
    assert_eq!(k.namespace(), Some("team-b"));
    assert_eq!(k.output(), Some(Output::Wide));
    let k = p("kubectl --context kind-dev -nkube-system get pods -A -w");
    assert_eq!(k.context(), Some("kind-dev"));
    assert_eq!(k.namespace(), Some("kube-system"));
    assert!(k.all_namespaces() && k.watch());
}

#[test]
fn verbs_subcommands_and_resources() {
    let k = p("kubectl rollout status deployment/web");
    assert_eq!(k.sub.as_deref(), Some("status"));
    assert_eq!(k.resources()[0].reference(), "deployment/web");
    let k = p("kubectl create deploy web --image=nginx --replicas=3");
    assert_eq!(k.sub.as_deref(), Some("deployment"));
    assert_eq!(k.args, vec!["web"]);
    assert_eq!(k.flag("replicas"), Some("3"));
    let k = p("kubectl create service clusterip hello --tcp=80:80");
    assert_eq!(
        (k.sub.as_deref(), k.args.clone()),
        (
            Some("service"),
            vec!["clusterip".to_string(), "hello".into()]
        )
    );
    let k = p("kubectl delete service,deployment hello");
    assert_eq!(
        k.resources()
            .iter()
            .map(Resource::reference)
            .collect::<Vec<_>>(),
        ["service/hello", "deployment/hello"]
    );
    let k = p("kubectl delete pod/client deployment/site");
    assert_eq!(k.resources().len(), 2);
    let k = p("kubectl label pod nginx version=1.0 env- -n dev");
    assert_eq!(
        k.resources(),
        vec![Resource {
            kind: "pod".into(),
            name: Some("nginx".into())
        }]
    );
    assert_eq!(k.pairs(), vec!["version=1.0", "env-"]);
    let k = p("kubectl annotate deployment/web kubernetes.io/change-cause=\"x y\"");
    assert_eq!(k.resources()[0].reference(), "deployment/web");
    let k = p("kubectl create job --from=cronjob/tick tick-now");
    assert_eq!(
        (k.sub.as_deref(), k.flag("from")),
        (Some("job"), Some("cronjob/tick"))
    );
    assert_eq!(k.args, vec!["tick-now"]);
}

#[test]
fn verb_specific_short_flags() {
    let k = p("kubectl logs -f counter -c streamer --since=5s");
    assert!(k.has("follow"));
    assert_eq!(k.flag("container"), Some("streamer"));
    assert_eq!(k.args, vec!["counter"]);
    let k = p("kubectl logs web -p");
    assert!(k.has("previous"));
    let k = p("kubectl set resources deployment/web -c nginx --limits=cpu=200m");
    assert_eq!(k.flag("containers"), Some("nginx"));
    assert_eq!(k.flag("container"), None);
    let k = p("kubectl patch svc nginx -p '{\"spec\":{}}'");
    assert_eq!(k.flag("patch"), Some("{\"spec\":{}}"));
    let k = p("kubectl exec -it web -- /bin/bash");
    assert!(k.interactive());
    assert_eq!(k.command, vec!["/bin/bash"]);
    let k = p("kubectl run busybox --rm -it --image=busybox --restart=Never -- sh");
    assert!(k.interactive() && k.has("rm"));
    let k = p("kubectl get svc hello -o jsonpath='{.spec.ports[0].nodePort}'");
    assert_eq!(
        k.output(),
        Some(Output::JsonPath("{.spec.ports[0].nodePort}".into()))
    );
    let k = p("kubectl create deploy foo --image=nginx --dry-run=client -o yaml");
    assert!(k.dry_run());
    let k = p("kubectl delete pods --all -n team-a");
    assert!(k.has("all"));
    assert_eq!(k.namespace(), Some("team-a"));
    let k = p("kubectl get pods --show-labels -l 'env in (prod,staging),tier!=backend'");
    assert!(k.has("show-labels"));
    assert_eq!(k.selector(), Some("env in (prod,staging),tier!=backend"));
}

#[test]
fn bad_argv_is_a_typed_error() {
    let v = |s: &str| crate::import::shell::split(s);
    assert_eq!(parse(&v("")), Err(KubectlError::NoVerb(String::new())));
    assert_eq!(
        parse(&v("kubectl")),
        Err(KubectlError::UnknownVerb("kubectl".into()))
    );
    assert_eq!(
        parse(&v("get pods -n")),
        Err(KubectlError::MissingValue("-n".into()))
    );
    assert!(parse(&v("-n")).is_err());
}

#[test]
fn kinds_are_canonical() {
    assert_eq!(canonical_kind("po").0, "pod");
    assert_eq!(canonical_kind("deployments.apps").0, "deployment.apps");
    assert_eq!(canonical_kind("ns"), ("namespace".into(), false));
    assert_eq!(canonical_kind("widgets").0, "widget");
}
