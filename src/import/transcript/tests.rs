use super::*;

fn roles(post: &str) -> Vec<(usize, Role)> {
    read(post).roles.into_iter().collect()
}

#[test]
fn prompted_sessions_commands_outputs_and_comments() {
    let post = "```\n$ kubectl get pods\nNAME   READY\nweb    1/1\n\n# the next one\n$ kubectl delete pod web\npod \"web\" deleted\n```\n";
    let t = read(post);
    assert_eq!(
        roles(post),
        vec![
            (2, Role::Command(0)),
            (3, Role::Output(0)),
            (4, Role::Output(0)),
            (5, Role::Blank),
            (6, Role::Comment),
            (7, Role::Command(1)),
            (8, Role::Output(1)),
        ]
    );
    assert_eq!(t.output_text(0), "NAME   READY\nweb    1/1\n");
    assert_eq!(t.commands[1].program(), "kubectl");
}

#[test]
fn an_output_line_that_reads_like_a_command_stays_output() {
    let post = "```console\n$ kind create cluster\nYou can now use your cluster with:\n\nkubectl cluster-info --context kind-kind\n```\n";
    let r = roles(post);
    assert_eq!(r[3], (5, Role::Output(0)));
    assert_eq!(read(post).commands.len(), 1);
}

#[test]
fn bare_blocks_and_output_blocks() {
    let post = "```bash\n#Comando:\nkubectl get pods\n#Salida:\nNAME   READY\n```\n\n```\nkubectl scale deploy web --replicas=2\nkubectl get deploy web\n```\n\nOutput:\n\n```text\ndeployment.apps/web scaled\nNAME  READY\nweb   2/2\n```\n";
    let t = read(post);
    let r: Vec<Role> = t.roles.values().copied().collect();
    assert_eq!(
        r,
        vec![
            Role::Comment,
            Role::Command(0),
            Role::Comment,
            Role::Output(0),
            Role::Command(1),
            Role::Command(2),
            Role::Output(1),
            Role::Output(2),
            Role::Output(2),
        ]
    );
}

#[test]
fn continuations_heredocs_and_shells() {
    let post = "```console\n$ cat <<EOF | kubectl apply -f -\n> apiVersion: v1\n> kind: ConfigMap\n> EOF\nconfigmap/x created\n$ kubectl run a \\\n>   --image b\n$ kubectl exec -it web -- sh\n/ # ls\nbin\n/ # exit\n$ kubectl get pods\n```\n";
    let t = read(post);
    assert_eq!(
        t.commands[0].heredocs[0].body,
        "apiVersion: v1\nkind: ConfigMap\n"
    );
    assert_eq!(t.commands[0].output, vec![6]);
    assert_eq!(t.commands[1].text, "kubectl run a --image b");
    assert_eq!(t.commands[3].shell, Shell::Container(2));
    assert_eq!(t.commands[3].text, "ls");
    assert_eq!(t.commands[4].shell, Shell::Container(2));
    assert_eq!(t.commands[5].shell, Shell::Workstation);
    assert!(t.unaccounted().is_empty());
}

#[test]
fn shown_bare_then_run_is_one_command() {
    let post = "```bash\nkubectl apply -f x.yaml\n```\n\n```\n$ kubectl apply -f x.yaml\npod/x created\n```\n";
    let t = read(post);
    assert_eq!(t.commands[0].same_as, Some(1));
}

#[test]
fn manifests_files_and_fragments() {
    let post = "`web.yaml`:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n```\n\n```yaml\nkind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n```\n\n```yaml\nmetadata:\n  labels: {a: b}\n```\n";
    let t = read(post);
    assert_eq!(t.manifests.len(), 1);
    assert_eq!(t.manifests[0].file.as_deref(), Some("web.yaml"));
    assert_eq!(t.roles[&11], Role::File);
    assert_eq!(t.roles[&16], Role::Text);
}

#[test]
fn odd_posts_are_no_panic() {
    for post in [
        "",
        "```",
        "```\n$ \n```",
        "```\n$ cat <<EOF\n```",
        "```\n$ kubectl run a \\\n```",
        "```\n\\\n```\n",
        "```yaml\n: :\n```",
        "<pre>\n",
    ] {
        let t = read(post);
        assert!(t.unaccounted().is_empty(), "{post:?}");
    }
}
