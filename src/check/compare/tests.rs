use super::*;

fn norm() -> Norm {
    Norm {
        post_namespaces: vec![("default".into(), "[NAMESPACE]".into())],
        post_nodes: vec!["minikube".into()],
        run: redact::Context {
            namespace: "kdrill-post-x7k2p".into(),
            nodes: vec!["vm".into()],
            run_id: "q7k2mbx9".into(),
        },
        rules: vec![],
        back_namespaces: vec![("kdrill-post-x7k2p".into(), "default".into())],
        back_node: Some(("vm".into(), "minikube".into())),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

#[test]
fn ages_ips_names_and_layout_are_not_meaning() {
    let n = norm();
    let post = n.post(&lines(
        "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          33s",
    ));
    let cluster = n.cluster(
        "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          2m11s\n",
    );
    assert!(same_meaning(&post, &cluster, &[2]));
    let crashed = n.cluster(
        "NAME    READY   STATUS    RESTARTS   AGE\nnginx   0/1     Error     0          2m11s\n",
    );
    assert!(!same_meaning(&post, &crashed, &[2]));
}

#[test]
fn describe_in_the_posts_names() {
    let n = norm();
    let post = n.post(&lines("Name:         nginx\nNamespace:    default\nNode:         minikube/192.168.49.2\nLabels:       run=nginx\nEvents:\n  Type    Reason     Age   From               Message\n  ----    ------     ----  ----               -------\n  Normal  Scheduled  21m   default-scheduler  Successfully assigned default/nginx to minikube\n  Normal  Created    3m33s (x3 over 21m)  kubelet  Created container nginx\n  Normal  Started    3m    kubelet            Started container nginx"));
    let raw = "Name:         nginx\nNamespace:    kdrill-post-x7k2p\nNode:         vm/10.0.0.5\nLabels:       app.kubernetes.io/managed-by=kdrill\n              kdrill.dev/run=q7k2mbx9\n              run=nginx\nEvents:\n  Type    Reason     Age   From               Message\n  ----    ------     ----  ----               -------\n  Normal  Scheduled  5s    default-scheduler  Successfully assigned kdrill-post-x7k2p/nginx to vm\n  Normal  Started    4s    kubelet            Started container nginx\n  Normal  Created    4s    kubelet            Created container nginx\n";
    let cluster = n.cluster(raw);
    assert!(
        same_meaning(&post, &cluster, &[10]),
        "{:#?}\n{:#?}",
        post.keys,
        cluster.keys
    );
    assert_eq!(cluster.text[1], "Namespace:    default");
    assert_eq!(cluster.text[2], "Node:         minikube/10.0.0.5");
}

#[test]
fn a_blank_line_that_closes_the_posts_block_is_not_meaning() {
    let n = norm();
    // `kubectl rollout history` ends with an empty line, which authors copy along
    let mut shown =
        lines("deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>");
    shown.push(String::new());
    let post = n.post(&shown);
    assert_eq!(post.ignored, vec![false, false, false, false, true]);
    let cluster = n.cluster(
        "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n",
    );
    assert!(same_meaning(&post, &cluster, &[5]));
    let third = n.cluster("deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         <none>\n");
    assert!(!same_meaning(&post, &third, &[5]));
}

#[test]
fn elided_outputs_match_piece_by_piece() {
    let n = norm();
    let post = n.post(&lines("a\nb\nz"));
    let cluster = n.cluster("a\nb\nc\nd\nz\n");
    assert!(same_meaning(&post, &cluster, &[2, 1]));
    assert!(!same_meaning(&post, &cluster, &[3]));
    let reordered = n.cluster("z\na\nb\n");
    assert!(!same_meaning(&post, &reordered, &[2, 1]));
}

#[test]
fn the_progress_meter_is_kept_not_compared() {
    let n = norm();
    let text = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n100   615  100   615    0     0   600k      0 --:--:-- --:--:-- --:--:--  600k\n<title>Welcome to nginx!</title>";
    let post = n.post(&lines(text));
    assert_eq!(post.ignored, vec![true, true, true, false]);
    let cluster = n.cluster("<title>Welcome to nginx!</title>\n");
    assert!(same_meaning(&post, &cluster, &[4]));
    let changed = n.cluster("<title>Welcome to nginx 2!</title>\n");
    let merged = merge(&n, &post, &[10, 11, 12, 13], &changed);
    assert_eq!(
        merged,
        vec![
            NewLine::Keep(10),
            NewLine::Keep(11),
            NewLine::Keep(12),
            NewLine::Text("<title>Welcome to nginx 2!</title>".into())
        ]
    );
}

#[test]
fn a_merge_keeps_the_posts_lines_and_values() {
    let n = norm();
    let post = n.post(&lines(
        "Name:   web\nImage:  nginx:1.14\n  Normal  Pulled  21m   kubelet  Container image \"nginx:1.14\" already present on machine\nReady:  True",
    ));
    let cluster = n.cluster("Name:   web\nImage:  nginx:1.27\n  Normal  Pulled  5s    kubelet  Container image \"nginx:1.27\" already present on machine\nReady:  True\n");
    assert!(!same_meaning(&post, &cluster, &[4]));
    let merged = merge(&n, &post, &[20, 21, 22, 23], &cluster);
    assert_eq!(
        merged,
        vec![
            NewLine::Keep(20),
            NewLine::Text("Image:  nginx:1.27".into()),
            NewLine::Text(
                "  Normal  Pulled  21m   kubelet  Container image \"nginx:1.27\" already present on machine".into()
            ),
            NewLine::Keep(23),
        ]
    );
    let d = diff(&post, &cluster, false);
    assert!(d.contains("- Image:  nginx:1.14\n"), "{d}");
    assert!(d.contains("+ Image:  nginx:1.27\n"), "{d}");
    assert!(
        d.starts_with("  Name:   web\n") && d.ends_with("  Ready:  True\n"),
        "{d}"
    );
}

#[test]
fn values_are_kept_only_where_they_fit() {
    let n = norm();
    assert_eq!(
        n.keep_values("web   1/1   33s", "web   1/2   5s"),
        "web   1/2   33s"
    );
    // a longer age than the column allows: the cluster's stays
    assert_eq!(
        n.keep_values("nginx 2d3h4m5s Running", "nginx 5s Error"),
        "nginx 5s Error"
    );
    // columns stay where they were
    assert_eq!(
        n.keep_values("a  10.1.2.3    x", "b  192.168.1.1 y"),
        "b  10.1.2.3    y"
    );
}

#[test]
fn a_namespace_the_post_creates_is_the_runs() {
    let mut n = norm();
    n.post_namespaces
        .push(("dev".into(), "[NAMESPACE]-dev".into()));
    n.back_namespaces
        .insert(0, ("kdrill-post-x7k2p-dev".into(), "dev".into()));
    let post = n.post(&lines("namespace/dev created"));
    let cluster = n.cluster("namespace/kdrill-post-x7k2p-dev created\n");
    assert!(same_meaning(&post, &cluster, &[1]));
    assert_eq!(cluster.text[0], "namespace/dev created");
    let post = n.post(&lines("namespace \"dev\" deleted"));
    let cluster = n.cluster("namespace \"kdrill-post-x7k2p-dev\" deleted\n");
    assert!(same_meaning(&post, &cluster, &[1]));
    let other = n.cluster("namespace/kdrill-post-x7k2p-prod created\n");
    assert!(!same_meaning(
        &n.post(&lines("namespace/dev created")),
        &other,
        &[1]
    ));
}

#[test]
fn a_secrets_keys_and_rollout_waits_in_any_order_or_number() {
    let n = norm();
    let post = n.post(&lines(
        "Type:  Opaque\n\nData\n====\npassword:  6 bytes\nusername:  3 bytes",
    ));
    let cluster =
        n.cluster("Type:  Opaque\n\nData\n====\nusername:  3 bytes\npassword:  6 bytes\n");
    assert!(same_meaning(&post, &cluster, &[6]));
    let other = n.cluster("Type:  Opaque\n\nData\n====\nusername:  4 bytes\npassword:  6 bytes\n");
    assert!(!same_meaning(&post, &other, &[6]));
    let post = n.post(&lines("daemon set \"a\" successfully rolled out"));
    let cluster = n.cluster("Waiting for daemon set \"a\" rollout to finish: 0 out of 1 new pods have been updated...\nWaiting for daemon set \"a\" rollout to finish: 0 of 1 updated pods are available...\ndaemon set \"a\" successfully rolled out\n");
    assert!(same_meaning(&post, &cluster, &[1]));
}

#[test]
fn confirmations_of_a_dry_run() {
    assert_eq!(
        without_dry_run("pod/nginx created (server dry run)\n"),
        "pod/nginx created\n"
    );
}

#[test]
fn an_event_shown_once_or_folded_with_its_repeat_is_the_same_event() {
    // seen on the testbed: a sidecar's image pulled twice, 16 ms and 21 ms apart in the
    // refreshed post (two rows), folded into one `x2` row in the next run
    let n = norm();
    let table = "Events:\n  Type    Reason   Age  From     Message\n  ----    ------   ---- ----     -------\n";
    let post = n.post(&lines(&format!("{table}  Normal  Pulled   4s   kubelet  Successfully pulled image \"nginx\" in 16ms (16ms including waiting)\n  Normal  Pulling  1s (x2 over 4s)  kubelet  Pulling image \"nginx\"\n  Normal  Pulled   1s   kubelet  Successfully pulled image \"nginx\" in 21ms (21ms including waiting)")));
    let folded = n.cluster(&format!("{table}  Normal  Pulling  1s (x2 over 4s)  kubelet  Pulling image \"nginx\"\n  Normal  Pulled   1s (x2 over 4s)  kubelet  Successfully pulled image \"nginx\" in 16ms (16ms including waiting)\n"));
    assert!(
        same_meaning(&post, &folded, &[6]),
        "{:#?}\n{:#?}",
        post.keys,
        folded.keys
    );
    // an event the post does not show is still a difference
    let failed = n.cluster(&format!("{table}  Normal  Pulling  1s (x2 over 4s)  kubelet  Pulling image \"nginx\"\n  Warning  Failed   1s   kubelet  Failed to pull image \"nginx\"\n"));
    assert!(!same_meaning(&post, &failed, &[6]));
}
