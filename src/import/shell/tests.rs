use super::*;

fn programs(line: &str) -> Vec<String> {
    Script::parse(line)
        .all_commands()
        .iter()
        .filter_map(|c| program_of(c).map(|(_, p)| p))
        .collect()
}

#[test]
fn words_keep_windows_paths_and_resolve_quotes() {
    assert_eq!(
        split(r#"kubectl patch pod nginx --type='json' -p='[{"op": "replace"}]'"#),
        vec![
            "kubectl",
            "patch",
            "pod",
            "nginx",
            "--type=json",
            r#"-p=[{"op": "replace"}]"#
        ]
    );
    assert_eq!(
        split(r#"kubectl patch pod x -p "{\"a\": 1}""#)[5],
        r#"{"a": 1}"#
    );
    assert_eq!(split(r"kubectl apply -f .\a\b.yaml")[3], r".\a\b.yaml");
    assert_eq!(split("a  'b c'  d"), vec!["a", "b c", "d"]);
}

#[test]
fn pipes_lists_substitutions_and_loops() {
    assert_eq!(
        programs("cat <<EOF | kubectl apply -f -"),
        ["cat", "kubectl"]
    );
    assert_eq!(
        programs("kubectl delete cronjob tick; and kubectl delete job hello"),
        ["kubectl", "kubectl"]
    );
    assert_eq!(
        programs("kubectl logs (kubectl get pods -l job-name=hello -o name)"),
        ["kubectl", "kubectl"]
    );
    assert_eq!(
        programs("for i in 0 1; do kubectl exec web-$i -- sh -c 'hostname'; done"),
        ["kubectl"]
    );
    assert_eq!(
        programs("export PROJECT_ID=$(gcloud config get-value project)"),
        ["export", "gcloud"]
    );
    assert_eq!(
        programs("sudo chown $(id -u):$(id -g) x"),
        ["chown", "id", "id"]
    );
    assert_eq!(programs("sudo -i"), ["sudo"]);
    assert_eq!(
        programs("(Invoke-WebRequest -UseBasicParsing http://x).StatusCode"),
        [
            "(Invoke-WebRequest -UseBasicParsing http://x).StatusCode",
            "Invoke-WebRequest"
        ]
    );
    let s = Script::parse("kubectl exec -i web -- sh -s < check.sh");
    assert_eq!(
        s.commands[0].redirects,
        vec![("<".to_string(), "check.sh".to_string())]
    );
    let s = Script::parse("kubectl port-forward svc/hello 8080:80 &");
    assert_eq!(s.commands[0].then, Some(Op::Background));
    let s = Script::parse("nginx -t 2>&1 | tail -n 1");
    assert_eq!(s.commands[0].argv(), ["nginx", "-t"]);
}

#[test]
fn here_documents_and_open_lines() {
    let s = Script::parse("cat <<'EOF' > client.yaml");
    assert_eq!(
        s.heredocs(),
        vec![HeredocMark {
            delimiter: "EOF".into(),
            strip_tabs: false
        }]
    );
    assert_eq!(s.commands[0].redirects[0].1, "client.yaml");
    assert_eq!(
        Script::parse("kubectl apply -f - <<-END").heredocs()[0].delimiter,
        "END"
    );
    assert_eq!(lex("kubectl run a \\").open, Some(Open::Backslash));
    assert_eq!(
        lex("kubectl create configmap x `").open,
        Some(Open::Backtick)
    );
    assert_eq!(lex("kubectl run x ^").open, Some(Open::Caret));
    assert_eq!(
        lex("kubectl annotate x d=\"serves the page").open,
        Some(Open::Quote)
    );
    assert_eq!(lex("kubectl get pods |").open, Some(Open::Operator));
    assert_eq!(
        lex("kubectl get pods # a comment").comment.as_deref(),
        Some("a comment")
    );
    assert_eq!(lex("echo a#b").comment, None);
    assert_eq!(
        split("kubectl logs <pod-name> -c <container> -l app=<app> < in.txt"),
        [
            "kubectl",
            "logs",
            "<pod-name>",
            "-c",
            "<container>",
            "-l",
            "app=<app>",
            "<",
            "in.txt"
        ]
    );
    assert_eq!(
        split("set image d/x <container>=<image>:<tag>")[3],
        "<container>=<image>:<tag>"
    );
}

#[test]
fn command_words_are_programs_builtins_paths_and_assignments() {
    assert_eq!(command_start("kubectl get pods"), Some(Certainty::Strong));
    assert_eq!(command_start("./deploy.sh prod"), Some(Certainty::Strong));
    assert_eq!(
        command_start("IP=$(kubectl get svc x)"),
        Some(Certainty::Weak)
    );
    assert_eq!(
        command_start("Invoke-WebRequest http://x"),
        Some(Certainty::Strong)
    );
    assert_eq!(
        command_start("(Invoke-WebRequest -UseBasicParsing http://x).StatusCode"),
        Some(Certainty::Strong)
    );
    assert_eq!(command_start("exit"), Some(Certainty::Strong));
    assert_eq!(
        command_start("kind create cluster"),
        Some(Certainty::Strong)
    );
    assert_eq!(command_start("kind of a thing"), Some(Certainty::Weak));
    assert_eq!(command_start("k get pods"), Some(Certainty::Strong));
    assert_eq!(
        command_start("kind delete cluster --name x"),
        Some(Certainty::Strong)
    );
    for output in [
        "NAME    READY   STATUS",
        "pod/nginx created",
        "nginx version: nginx/1.25.4",
        "/docker-entrypoint.sh: Configuration complete",
        "Name:         nginx",
        "APP_MODE=debug",
        "deployment \"web\" successfully rolled out",
        "",
        "\"True\"",
    ] {
        assert_eq!(command_start(output), None, "{output}");
    }
}

#[test]
fn odd_input_is_no_panic() {
    for s in [
        "$(", "'", "\"", "`", "<<", "2>", "(((", "\\", "a\\", "$((1+2))", "é`",
    ] {
        let _ = Script::parse(s).all_commands();
        let _ = command_start(s);
    }
}
