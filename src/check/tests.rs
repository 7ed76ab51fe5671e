//! The judgement and the refresh of whole posts, without a cluster: a post imported
//! for a check, a run's outputs given by hand.

use super::*;
use crate::snapshot::redact;

/// Import `post` for a check (kubectl on PATH or not) and read its outputs.
fn read(post: &str, kubectl: bool) -> (Transcript, Vec<PostOutput>) {
    let dir = tempfile::tempdir().unwrap();
    let (summary, t) =
        crate::import::import_for_check("p.md", post, &dir.path().join("p"), kubectl).unwrap();
    let outputs = outputs(&t, &summary.origins, &[]);
    (t, outputs)
}

/// What the cluster prints now, by the command's text.
fn run_of(t: &Transcript, outputs: &[PostOutput], now: &[(&str, &str)]) -> RunOutputs {
    let mut run = RunOutputs::default();
    for o in outputs {
        if let Printed::Step { name, .. } = &o.printed {
            let text = &t.commands[o.command].text;
            if let Some((_, out)) = now.iter().find(|(c, _)| c == text) {
                run.captured.insert(name.clone(), out.to_string());
            }
        }
    }
    run
}

fn norm_for(t: &str) -> Norm {
    norm(
        &BTreeMap::from([("default".to_string(), String::new())]),
        &BTreeSet::new(),
        t,
        redact::Context {
            namespace: "kdrill-p-x7k2p".into(),
            nodes: vec!["vm".into()],
            run_id: "q7k2mbx9".into(),
        },
        Vec::new(),
    )
}

/// Check `post` against `now`, refresh it; then the refreshed post must check clean
/// and refresh to itself. Returns (the verdicts, the refreshed post).
fn check_and_refresh(post: &str, now: &[(&str, &str)]) -> (Vec<Judged>, String) {
    let (t, outs) = read(post, true);
    let run = run_of(&t, &outs, now);
    let judged = judge(&t, &outs, &run, &norm_for(post), false);
    let new = refreshed(post, &t, &judged).unwrap();
    // idempotent: the refreshed post matches what the cluster prints, and a second
    // refresh changes nothing
    let (t2, outs2) = read(&new, true);
    let run2 = run_of(&t2, &outs2, now);
    let judged2 = judge(&t2, &outs2, &run2, &norm_for(&new), false);
    let c2 = counts(&judged2);
    assert_eq!(c2.differed, 0, "after a refresh: {judged2:#?}");
    assert_eq!(c2.checked, counts(&judged).checked);
    assert_eq!(refreshed(&new, &t2, &judged2).unwrap(), new);
    (judged, new)
}

const POST: &str = "---\ntitle: Pods\ntags: [k8s]\n---\n\nIntro {% raw %}{{ x }}{% endraw %}.\n\n1. Run it:\n\n   - then look:\n\n     ```console\n     $ kubectl run web --image=nginx\n     pod/web created\n     $ kubectl get pods\n     NAME   READY   STATUS    RESTARTS   AGE\n     web    1/1     Running   0          33s\n     ```\n\n{% highlight console %}\n$ kubectl logs web\nhello from web\n{% endhighlight %}\n\nThe end.\n";

#[test]
fn a_stale_block_is_rewritten_and_nothing_else() {
    let now = [
        ("kubectl run web --image=nginx", "pod/web created\n"),
        (
            "kubectl get pods",
            "NAME   READY   STATUS             RESTARTS     AGE\nweb    0/1     CrashLoopBackOff   3 (5s ago)   2m\n",
        ),
        ("kubectl logs web", "hello from web\n"),
    ];
    let (judged, new) = check_and_refresh(POST, &now);
    let c = counts(&judged);
    assert_eq!((c.checked, c.matched, c.differed), (3, 2, 1), "{judged:#?}");
    let differs: Vec<usize> = judged
        .iter()
        .filter(|j| matches!(j.verdict, Verdict::Differs { .. }))
        .map(|j| j.output.line)
        .collect();
    assert_eq!(differs, vec![15]);
    // only the row that changed meaning, in the block's indentation; the header (same
    // meaning) stays the post's own, byte for byte
    let expected = POST.replace(
        "     web    1/1     Running   0          33s\n",
        "     web    0/1     CrashLoopBackOff   3 (5s ago)   2m\n",
    );
    assert_eq!(new, expected);
}

#[test]
fn only_normalised_parts_differ_means_no_change() {
    // another age, another restart time: the same meaning, the post stays as it is
    let now = [
        ("kubectl run web --image=nginx", "pod/web created\n"),
        (
            "kubectl get pods",
            "NAME   READY   STATUS    RESTARTS   AGE\nweb    1/1     Running   0          4d2h\n",
        ),
        ("kubectl logs web", "hello from web\n"),
    ];
    let (judged, new) = check_and_refresh(POST, &now);
    assert_eq!(counts(&judged).differed, 0);
    assert_eq!(new, POST);
}

#[test]
fn crlf_and_tabs_survive_byte_for_byte() {
    let post = "Intro\r\n\r\n\t$ kubectl logs web\r\n\told line\r\n\r\n```\r\n$ kubectl logs db\r\nsame\r\n```\r\nend";
    let now = [
        ("kubectl logs web", "new line\nsecond\n"),
        ("kubectl logs db", "same\n"),
    ];
    let (judged, new) = check_and_refresh(post, &now);
    assert_eq!(counts(&judged).differed, 1, "{judged:#?}");
    assert_eq!(
        new,
        "Intro\r\n\r\n\t$ kubectl logs web\r\n\tnew line\r\n\tsecond\r\n\r\n```\r\n$ kubectl logs db\r\nsame\r\n```\r\nend"
    );
}

#[test]
fn outputs_a_run_could_not_print_are_not_checked_with_why() {
    let (t, outs) = read(POST, true);
    let mut run = run_of(
        &t,
        &outs,
        &[("kubectl run web --image=nginx", "pod/web created\n")],
    );
    // the step of `get pods` failed
    let get = outs.iter().find(|o| o.line == 15).unwrap();
    let Printed::Step { step, .. } = get.printed.clone() else {
        panic!("get pods is checked: {get:#?}")
    };
    run.failed.insert(step, "timed out".into());
    let judged = judge(&t, &outs, &run, &norm_for(POST), false);
    let why = |line: usize| match &judged
        .iter()
        .find(|j| j.output.line == line)
        .unwrap()
        .verdict
    {
        Verdict::NotChecked(w) => w.clone(),
        v => panic!("{v:?}"),
    };
    assert!(why(15).contains("failed: timed out"), "{}", why(15));
    assert!(why(21).contains("failed before it"), "{}", why(21));
}

#[test]
fn without_kubectl_what_only_kubectl_prints_is_not_checked() {
    let post = "```\n$ kubectl describe pod web\nName: web\n$ kubectl top pod web\nNAME CPU(cores)\nweb 1m\n```\n";
    let (_, outs) = read(post, false);
    assert_eq!(outs.len(), 2);
    for o in &outs {
        match &o.printed {
            Printed::NotChecked(why) => assert!(why.contains("kubectl is not on PATH"), "{why}"),
            p => panic!("{p:?}"),
        }
    }
    let (_, outs) = read(post, true);
    assert!(
        outs.iter()
            .all(|o| matches!(o.printed, Printed::Step { .. })),
        "{outs:#?}"
    );
}

#[test]
fn skips_by_command_and_occurrence() {
    let post = "```\n$ kubectl get pods\nNAME AGE\n$ kubectl logs web\nx\n$ kubectl get pods\nNAME AGE\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let (summary, t) =
        crate::import::import_for_check("p.md", post, &dir.path().join("p"), true).unwrap();
    let skip = settings::Skip {
        command: Some("kubectl get pods".into()),
        line: None,
        occurrence: Some(2),
        reason: "second".into(),
    };
    let outs = outputs(&t, &summary.origins, &[skip]);
    let skipped: Vec<usize> = outs
        .iter()
        .filter(|o| matches!(&o.printed, Printed::NotChecked(w) if w.contains("second")))
        .map(|o| o.line)
        .collect();
    assert_eq!(skipped, vec![6]);
}

#[test]
fn a_namespace_the_post_deletes_is_dry_run_under_the_runs_name() {
    let post = "```\n$ kubectl create ns dev\nnamespace/dev created\n$ kubectl run web --image=nginx -n dev\npod/web created\n$ kubectl delete ns dev\nnamespace \"dev\" deleted\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    crate::import::import_for_check("p.md", post, &out, true).unwrap();
    let draft = std::fs::read_to_string(out.join("p.yaml")).unwrap();
    assert!(
        draft.contains("kubectl create namespace \"${NAMESPACE}-dev\" --dry-run=server"),
        "{draft}"
    );
    assert!(
        draft.contains("kubectl delete ns \"${NAMESPACE}-dev\" --dry-run=server"),
        "{draft}"
    );
}

#[test]
fn the_clusters_nodes_are_not_checked_named_or_not() {
    let post = "```\n$ kubectl get nodes\nNAME             STATUS   ROLES           AGE   VERSION\ndocker-desktop   Ready    control-plane   12d   v1.29.2\n$ kubectl get node docker-desktop -o wide\nNAME             STATUS   ROLES\ndocker-desktop   Ready    control-plane\n$ kubectl get pods\nNo resources found in default namespace.\n```\n";
    let (_, outs) = read(post, true);
    let why: Vec<String> = outs
        .iter()
        .map(|o| match &o.printed {
            Printed::NotChecked(w) => w.clone(),
            Printed::Step { .. } => "checked".into(),
        })
        .collect();
    assert!(why[0].contains("the cluster's nodes"), "{why:?}");
    assert!(why[1].contains("the cluster's nodes"), "{why:?}");
    assert_eq!(why[2], "checked");
}

#[test]
fn set_resources_dry_run_keeps_its_containers_flag() {
    let post = "```\n$ kubectl create deployment web --image=nginx\ndeployment.apps/web created\n$ kubectl set resources deployment/web -c nginx --limits=cpu=200m\ndeployment.apps/web resource requirements updated\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    crate::import::import_for_check("p.md", post, &out, true).unwrap();
    let draft = std::fs::read_to_string(out.join("p.yaml")).unwrap();
    assert!(
        draft.contains("kubectl set resources deployment/web --containers=nginx "),
        "{draft}"
    );
}

#[test]
fn a_dry_run_flag_goes_before_the_containers_command() {
    // after `--` it would be the container's argument, and kubectl would create the job
    let post = "```\n$ kubectl create job hello --image=busybox:1.28 -- echo \"hello from a job\"\njob.batch/hello created\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    crate::import::import_for_check("p.md", post, &out, true).unwrap();
    let draft = std::fs::read_to_string(out.join("p.yaml")).unwrap();
    let line = draft
        .lines()
        .find(|l| l.contains("run: kubectl create job hello"))
        .unwrap_or_else(|| panic!("{draft}"));
    let dry = line
        .find("--dry-run=server")
        .unwrap_or_else(|| panic!("{line}"));
    let sep = line.find(" -- ").unwrap_or_else(|| panic!("{line}"));
    assert!(dry < sep, "{line}");
}

#[test]
fn a_filter_the_runs_sh_lacks_is_not_checked() {
    // fish's `string match` is a builtin: under sh it is "string: not found"
    let post = "```\n$ kubectl describe job oops | string match -r 'Pods Statuses'\nPods Statuses:  0 Active (0 Ready) / 0 Succeeded / 2 Failed\n$ kubectl describe job oops | grep 'Pods Statuses'\nPods Statuses:  0 Active (0 Ready) / 0 Succeeded / 2 Failed\n```\n";
    let (_, outs) = read(post, true);
    match &outs[0].printed {
        Printed::NotChecked(why) => assert!(why.contains("`string`"), "{why}"),
        p => panic!("{p:?}"),
    }
    assert!(matches!(outs[1].printed, Printed::Step { .. }), "{outs:#?}");
}
