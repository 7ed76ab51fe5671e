use super::*;

#[test]
fn control_characters_of_a_command_stay_out_of_the_yaml() {
    // found by fuzzing: a backspace in a command went raw into the comment above
    // its step, and the draft did not load ("control characters are not allowed")
    let post = "# T\n\n```\n$ kubectl run web --image=nginx\n$ kubectl wait --for=conditio\u{8}n=Ready pod/web\npod/web condition met\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let s = import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    assert!(scenario.contains("conditio\\u{8}n=Ready"), "{scenario}");
}

#[test]
fn an_export_of_no_variable_name_is_a_todo() {
    // found by fuzzing: a control character in an exported name went raw into the
    // draft's `vars:` and the draft did not load
    let post = "# T\n\n```sh\nexport \u{14}PROJECT_ID=x\nexport REGION=eu\nkubectl get pods\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let s = import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    assert!(scenario.contains("REGION: eu"), "{scenario}");
    assert!(!scenario.contains("PROJECT_ID"), "{scenario}");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(md.contains("which is not a variable name"), "{md}");
}

#[test]
fn a_command_naming_no_resource_is_a_todo_not_a_broken_step() {
    // found by fuzzing: `/etc/kubernetes/manifests` among a wait's positionals
    // became `wait: {for: /etc/kubernetes/manifests}` and the draft did not load
    let post = "# T\n\n```\n$ kubectl create deployment hello --image=nginx\n$ kubectl wait --for=condition=Available deployment/hello from /etc/kubernetes/manifests\n$ kubectl get pod/\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let s = import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(
        md.contains("(`/etc/kubernetes/manifests` names no resource)"),
        "{md}"
    );
    assert!(md.contains("(`pod/` names no resource)"), "{md}");
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    assert!(!scenario.contains("for: /etc"), "{scenario}");
}

#[test]
fn a_patch_that_is_not_json_or_yaml_is_a_todo() {
    // found by fuzzing: a cut-off JSON patch went into a `patch` step as text and
    // the draft did not load ("the patch text is not JSON or YAML")
    let post = "# T\n\n```\n$ kubectl create deployment hello --image=nginx\n$ kubectl patch deployment hello --type=json -p '[{\"op\":\"add\",\"path\":\"/x\",\"value\":{\"a\": b: c'\n```\n";
    let dir = tempfile::tempdir().unwrap();
    import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(md.contains("(the patch is not JSON or YAML)"), "{md}");
}

#[test]
fn a_json_patch_that_is_no_list_of_operations_is_a_todo() {
    // found by fuzzing: a path without its leading slash (`L"/spec/..."`) parsed as
    // YAML, and the draft's patch step did not load ("json pointer failed to parse")
    let post = "# T\n\n```\n$ kubectl create deployment hello --image=nginx\n$ kubectl patch deployment hello --type=json -p '[{\"op\":\"add\",\"path\":\"spec/x\",\"value\":1}]'\n```\n";
    let dir = tempfile::tempdir().unwrap();
    import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(md.contains("(a json patch is a list of operations"), "{md}");
}

#[test]
fn a_merge_patch_that_is_no_mapping_is_a_todo() {
    // the patch step refuses it (a merge patch is a partial object), so must the draft
    let post = "# T\n\n```\n$ kubectl create deployment hello --image=nginx\n$ kubectl patch deployment hello --type=merge -p '[1, 2]'\n```\n";
    let dir = tempfile::tempdir().unwrap();
    import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(
        md.contains("(a merge patch is a mapping (a partial object))"),
        "{md}"
    );
}

#[test]
fn set_image_of_no_valid_name_is_a_todo() {
    // found by fuzzing: `deployment/hel?<lo-web` (a glob and a redirect in the name)
    // became a patch of `hel?` and the draft did not load
    let post = "# T\n\n```\n$ kubectl create deployment hello --image=nginx\n$ kubectl set image deployment/hel?lo nginx=nginx:1.27\n$ kubectl set image deployment/hello nginx=nginx:1.27\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let s = import("t.md", post, &dir.path().join("t")).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("t/IMPORT.md")).unwrap();
    assert!(
        md.contains("(`deployment/hel?lo` names no resource)"),
        "{md}"
    );
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    assert!(scenario.contains("object: deployment/hello"), "{scenario}");
}

#[test]
fn imports_the_seed_post() {
    let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scenarios/working-with-pods");
    let s = import("working-with-pods.md", post, &out).unwrap();
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    crate::scenario::load_str(&s.scenario, &scenario).expect("the imported scenario loads");
    assert!(out.join("manifests/job-hello.yaml").exists());
    let todo =
        std::fs::read_to_string(out.join("manifests/failed-port-same-binding.yaml")).unwrap();
    assert!(
        todo.starts_with(TODO_MARKER) && todo.contains("03b-failed-port-same-binding.yaml"),
        "{todo}"
    );
    assert!(s.commands >= 15, "{}", s.commands);
    let get = std::fs::read_to_string(
        s.snapshots
            .iter()
            .find(|p| p.to_string_lossy().contains("get-pod"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        get.contains("nginx   1/1     Running   0          [AGE]"),
        "{get}"
    );
}

/// Every file the import writes (scenario, IMPORT.md, manifests, TODO files,
/// snapshots), as one text: the generated tree is the golden file.
fn tree(root: &Path) -> String {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap().display().to_string();
            format!("=== {rel}\n{}", std::fs::read_to_string(f).unwrap())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_seed_post_imports_to_the_committed_tree() {
    let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scenarios/working-with-pods");
    import("working-with-pods.md", post, &out).unwrap();
    insta::assert_snapshot!("seed_tree", tree(dir.path()));
}

#[test]
fn every_line_of_the_seed_posts_code_blocks_is_in_import_md() {
    let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
    let dir = tempfile::tempdir().unwrap();
    import("working-with-pods.md", post, dir.path()).unwrap();
    let report = std::fs::read_to_string(dir.path().join("IMPORT.md")).unwrap();
    let mut cited = BTreeSet::new();
    for row in report.lines().filter_map(|l| l.strip_prefix("| ")) {
        let cell = row.split(" |").next().unwrap_or("");
        for part in cell.split(", ") {
            let (a, z) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(a), Ok(z)) = (a.parse::<usize>(), z.parse::<usize>()) {
                cited.extend(a..=z);
            }
        }
    }
    let blocks = blocks::find_blocks(post);
    assert_eq!(blocks.len(), 7, "the seed post has 7 code blocks");
    for b in blocks {
        let (a, z) = b.lines.unwrap();
        for n in a..=z {
            assert!(
                cited.contains(&n),
                "line {n} is not in IMPORT.md:\n{report}"
            );
        }
    }
}

#[test]
fn posts_without_code_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    for post in [
        "",
        "# Title\n\nJust prose, `inline code`, and a ```kubectl get pods``` too.\n",
    ] {
        let e = import("x.md", post, dir.path()).unwrap_err();
        assert!(e.is_usage(), "{e}");
        assert!(e.to_string().contains("nothing to import"), "{e}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
    let huge = "x".repeat(MAX_POST_BYTES + 1);
    assert!(matches!(
        import("x.md", &huge, dir.path()),
        Err(ImportError::TooLarge { .. })
    ));
}

#[test]
fn a_post_whose_commands_all_need_a_human_is_refused_not_drafted() {
    let dir = tempfile::tempdir().unwrap();
    let post = "```\n$ minikube start\n$ kubectl edit deployment web\n```\n";
    let e = import("x.md", post, dir.path()).unwrap_err();
    assert!(
        e.is_usage() && e.to_string().contains("2 need a human"),
        "{e}"
    );
}

#[test]
fn a_post_of_manifests_only_applies_them() {
    let dir = tempfile::tempdir().unwrap();
    let post = "```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n```\n";
    let s = import("m.md", post, dir.path()).unwrap();
    let text = std::fs::read_to_string(&s.scenario).unwrap();
    assert!(text.contains("file: manifests/configmap-a.yaml"), "{text}");
}

/// Tables a replay would catch half-way: the post shows them settled, so the
/// scenario waits for that before it snapshots them.
#[test]
fn settled_daemonset_and_replicaset_tables_are_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let post = "```\n$ kubectl create deployment web --image=nginx --replicas=3\n\
deployment.apps/web created\n\
$ kubectl set image deployment/web nginx=nginx:1.27\n\
deployment.apps/web image updated\n\
$ kubectl get rs -l app=web\n\
NAME             DESIRED   CURRENT   READY   AGE\n\
web-7c5ddbdf54   0         0         0       2m\n\
web-5f7c8d9b6d   3         3         3       20s\n\
$ kubectl apply -f agent.yaml\n\
daemonset.apps/agent created\n\
$ kubectl get ds agent\n\
NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\n\
agent   3         3         3       3            3           <none>          12s\n```\n";
    let s = import("t.md", post, dir.path()).unwrap();
    let text = std::fs::read_to_string(&s.scenario).unwrap();
    let rs = text.find("kubectl get rs").unwrap();
    let ds = text.find("kubectl get ds").unwrap();
    let (rs_part, ds_part) = (&text[rs..ds], &text[ds..]);
    assert!(
        rs_part.contains("deployment/web")
            && rs_part.contains("NewReplicaSetAvailable")
            && rs_part.contains("updatedReplicas: 3"),
        "{rs_part}"
    );
    // and as many ReplicaSets of each size as the post shows
    assert!(
        rs_part.contains("kind: replicasets") && rs_part.matches("count: 1").count() == 2,
        "{rs_part}"
    );
    assert!(
        ds_part.contains("daemonset/agent") && ds_part.contains("numberUnavailable: null"),
        "{ds_part}"
    );
    // the counts are the post's nodes, not a fact to wait for
    assert!(!ds_part.contains("numberReady: 3"), "{ds_part}");
    crate::scenario::load_str(&s.scenario, &text).expect("loads");
}

/// Found by the import fuzz target: kubectl refuses names with `-l`; the draft
/// had a `get` with both, which does not load.
#[test]
fn a_name_with_a_label_selector_is_a_todo_not_a_broken_step() {
    let dir = tempfile::tempdir().unwrap();
    let post = "```\n$ kubectl get endpointslices -l app=web web-abc\n$ kubectl get pods\n```\n";
    let s = import("t.md", post, dir.path()).unwrap();
    let text = std::fs::read_to_string(&s.scenario).unwrap();
    crate::scenario::load_str(&s.scenario, &text).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("IMPORT.md")).unwrap();
    assert!(md.contains("a name together with a label selector"), "{md}");
}

/// Found by the import fuzz target: YAML with a non-string key is no JSON patch.
#[test]
fn a_patch_json_cannot_hold_is_a_todo_not_a_broken_step() {
    let dir = tempfile::tempdir().unwrap();
    let post = "```\n$ kubectl patch deployment web -p '{[a, b]: 1}'\n$ kubectl get pods\n```\n";
    let s = import("t.md", post, dir.path()).unwrap();
    let text = std::fs::read_to_string(&s.scenario).unwrap();
    crate::scenario::load_str(&s.scenario, &text).expect("the draft loads");
    let md = std::fs::read_to_string(dir.path().join("IMPORT.md")).unwrap();
    assert!(md.contains("the patch is not JSON or YAML"), "{md}");
}

#[test]
fn a_table_of_failed_job_pods_is_waited_for_to_its_count() {
    // the post shows both pods of a Job with backoffLimit 1; the selector wait holds
    // with the first, so the table the run prints (and `kdrill check` compares) had one
    let post = include_str!("../../tests/fixtures/tutorials/fish-starship-jobs.md");
    let dir = tempfile::tempdir().unwrap();
    let s = import("fish.md", post, &dir.path().join("t")).unwrap();
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    let at = scenario
        .find("# post line 67: kubectl get pods -l job-name=oops")
        .unwrap_or_else(|| panic!("{scenario}"));
    let next = scenario[at..]
        .find("\n  # post line")
        .map_or(scenario.len(), |n| at + n);
    let steps = &scenario[at..next];
    assert!(steps.contains("phase: Failed"), "{steps}");
    assert!(steps.contains("count: 2"), "{steps}");
}

#[test]
fn logs_tail_of_a_pod_still_writing_waits_for_the_lines_the_post_shows() {
    // a clock printing every 5 s: right after it starts, its log has one line
    let post = "# T\n\n```\n$ kubectl run clock --image=busybox:1.28 --restart=Never -- sh -c 'while true; do date; sleep 5; done'\npod/clock created\n$ kubectl logs clock --tail=3\nThu Nov  2 19:40:05 UTC 2023\nThu Nov  2 19:40:10 UTC 2023\nThu Nov  2 19:40:15 UTC 2023\n$ kubectl logs clock --tail=1\nThu Nov  2 19:40:20 UTC 2023\n```\n";
    let dir = tempfile::tempdir().unwrap();
    let s = import("t.md", post, &dir.path().join("t")).unwrap();
    let scenario = std::fs::read_to_string(&s.scenario).unwrap();
    let three = scenario
        .find("kubectl logs clock --tail=3")
        .unwrap_or_else(|| panic!("{scenario}"));
    let one = scenario.find("kubectl logs clock --tail=1").unwrap();
    let (first, second) = (&scenario[three..one], &scenario[one..]);
    assert!(
        first.contains("matches: |-\n          [..]\n          [..]\n          [..]")
            || first.contains("matches: \"[..]\\n[..]\\n[..]\""),
        "{first}"
    );
    assert!(first.contains("attempts: 30"), "{first}");
    assert!(!second.contains("attempts:"), "{second}");
}
