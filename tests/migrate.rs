//! `kdrill migrate`: the fixture suites (tests/fixtures/migrate, written for this
//! project in Chainsaw's and KUTTL's formats) convert to the committed tree, and every
//! converted scenario loads. Running them on the cluster is in tests/cluster.rs.

mod common;
use common::{kdrill, text, tree_text};

fn migrate(format: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = kdrill(&[
        "migrate",
        format,
        &format!("tests/fixtures/migrate/{format}"),
        "--out",
    ])
    .arg(&out)
    .output()
    .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("11 test(s)"), "{stdout}");
    let tree = tree_text(&out);
    (dir, tree)
}

#[test]
fn chainsaw_suite_converts_to_the_committed_tree() {
    let (dir, tree) = migrate("chainsaw");
    insta::assert_snapshot!("chainsaw_tree", tree);
    // every construct without an exact equivalent is listed with file:line
    let md = std::fs::read_to_string(dir.path().join("out/MIGRATION.md")).unwrap();
    for needle in [
        "catch-and-finally/chainsaw-test.yaml:23`: `describe`",
        "0 not accounted for",
    ] {
        assert!(md.contains(needle), "{needle}\n{md}");
    }
    // `($error != null)`: any non-zero exit, or Chainsaw's timeout, the script negated
    // by the shell and stopped at that timeout
    assert!(tree.contains("! timeout 20 sh -c 'exit 1'"), "{tree}");
    // a JMESPath assertion key became CEL on the object
    assert!(
        tree.contains("expr: size(self.data.namespace) > 0"),
        "{tree}"
    );
}

#[test]
fn kuttl_suite_converts_to_the_committed_tree() {
    let (_dir, tree) = migrate("kuttl");
    insta::assert_snapshot!("kuttl_tree", tree);
    assert!(tree.contains("mode: merge"), "KUTTL applies merge");
    assert!(
        tree.contains("match: none"),
        "errors files become absence checks"
    );
    assert!(tree.contains("allowFailure: true"), "ignoreFailure");
}

#[test]
fn a_non_empty_output_directory_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "").unwrap();
    let o = kdrill(&["migrate", "kuttl", "tests/fixtures/migrate/kuttl", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--force"));
}

#[test]
fn a_directory_without_tests_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = kdrill(&["migrate", "chainsaw"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no chainsaw-test.yaml found"));
}

/// The migrate corpus (tests/fixtures/migrate-corpus: real-style suites nobody wrote for
/// the converter) converts with every key of its YAML files accounted for: converted, or
/// listed in MIGRATION.md with a reason. The tally is the ledger's walk of the files,
/// not the converter's own count.
#[test]
fn the_corpus_loses_nothing_silently() {
    let inputs = [
        ("chainsaw", "chainsaw"),
        ("kuttl", "kuttl/core"),
        ("kuttl", "kuttl/operator"),
        ("kuttl", "kuttl/fixed-namespace"),
        ("kuttl", "kuttl/slow-script"),
    ];
    for (format, dir) in inputs {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = kdrill(&[
            "migrate",
            format,
            &format!("tests/fixtures/migrate-corpus/{dir}"),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{dir}: {stdout}\n{stderr}");
        assert!(stdout.contains(" 0 not accounted for"), "{dir}: {stdout}");
        let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
        assert!(md.contains("0 not accounted for."), "{dir}: {md}");
        if format == "chainsaw" {
            let tree = tree_text(&out);
            // a step template inlined with the caller's bindings
            assert!(tree.contains("file: settings.yaml"), "{tree}");
            // names computed from bindings, the namespace a variable
            assert!(
                tree.contains("object: apps/v1/Deployment/catalog-api"),
                "{tree}"
            );
            // JMESPath assertion keys as CEL
            assert!(tree.contains("size(self.spec.containers) == 2"), "{tree}");
            // two Tests with one name are two scenarios
            assert!(out.join("configmap-lifecycle-2").is_dir());
            // a JMESPath key compared with a list: as long, each element partial
            assert!(tree.contains("[0].reason == 'MetricsHealthy'"), "{tree}");
            // the CEL of the JMESPath assertions (keys and `~.(list)` iterations) holds
            // on the pod the test makes, as Chainsaw's did, and not on a changed one
            let scenario: serde_yaml::Value = serde_yaml::from_str(
                &std::fs::read_to_string(out.join("jmespath-assertions/jmespath-assertions.yaml"))
                    .unwrap(),
            )
            .unwrap();
            let mut pod: serde_json::Value = serde_yaml::from_str(
                &std::fs::read_to_string(
                    "tests/fixtures/migrate-corpus/chainsaw/jmespath-assertions/pod.yaml",
                )
                .unwrap(),
            )
            .unwrap();
            pod["status"] = serde_json::json!({"phase": "Running",
                "containerStatuses": [{"name": "web", "ready": true}, {"name": "log-shipper", "ready": true}]});
            let exprs: Vec<kdrill::wait::Expr> = scenario["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter_map(|st| st["assert"]["expr"].as_str())
                .map(|e| kdrill::wait::Expr::parse(e).unwrap())
                .collect();
            assert_eq!(exprs.len(), 2, "{scenario:?}");
            let holds = |e: &kdrill::wait::Expr, p: &serde_json::Value| {
                e.eval(p, &Default::default()) == kdrill::wait::expr::Verdict::Holds
            };
            assert!(exprs.iter().all(|e| holds(e, &pod)), "{exprs:?}");
            let mut unready = pod.clone();
            unready["status"]["containerStatuses"][1]["ready"] = serde_json::json!(false);
            assert!(!holds(&exprs[0], &unready));
            let mut no_role = pod.clone();
            no_role["spec"]["containers"][1]["env"] = serde_json::json!([]);
            assert!(!holds(&exprs[0], &no_role));
        }
        if dir == "kuttl/operator" {
            // the TestSuite's crdDir, manifestDirs and commands: a kdrill Suite's setup
            let suite = std::fs::read_to_string(out.join("suite.yaml")).unwrap();
            for needle in [
                "file: crds/widgets.yaml",
                "condition: Established",
                "file: manifests/shared.yaml",
                "( sh ./hack/reconcile-widgets.sh ) >/dev/null 2>&1 &",
            ] {
                assert!(suite.contains(needle), "{needle}\n{suite}");
            }
            assert!(out.join("hack/reconcile-widgets.sh").is_file());
        }
    }
}

#[test]
fn a_key_nothing_accounts_for_fails_the_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().join("in/t");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("chainsaw-test.yaml"),
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nspec:\n  steps:\n  - try:\n    - sleep: {duration: 1s}\n    futureKey: 3\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = kdrill(&["migrate", "chainsaw"])
        .arg(&t)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("chainsaw-test.yaml:8: `spec.steps.[0].futureKey`"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    assert!(md.contains("`spec.steps.[0].futureKey`"), "{md}");
}

// ------------------------------------------------------------------ compatibility table

/// The corpus inputs, as `kdrill migrate` reads them: (format, directory).
const CORPUS_INPUTS: [(&str, &str); 5] = [
    ("chainsaw", "chainsaw"),
    ("kuttl", "kuttl/core"),
    ("kuttl", "kuttl/operator"),
    ("kuttl", "kuttl/fixed-namespace"),
    ("kuttl", "kuttl/slow-script"),
];

/// What each construct of the table becomes in kdrill: (tool, construct, kdrill form).
/// The only hand-written column; a construct the corpus has and this lacks, or one
/// the corpus does not have, fails the test.
const FORMS: &[(&str, &str, &str)] = &[
    ("chainsaw", "a Test, its steps and their `try`", "a scenario named after the test; every step's operations in order"),
    ("chainsaw", "`metadata.labels`", "the scenario's `labels`"),
    ("chainsaw", "`spec.skip`", "`skip: reason`"),
    ("chainsaw", "`spec.concurrent`", "`serial: true` (when false)"),
    ("chainsaw", "`spec.namespace`", "the scenario's own namespace stands for the fixed one"),
    ("chainsaw", "`template` (test, operation)", "expressions evaluated at migration time (Chainsaw's default)"),
    ("chainsaw", "`timeouts` (test, step), operation `timeout`", "each step's `timeout`; Chainsaw's default for its kind when none is given"),
    ("chainsaw", "`bindings` (test, step, operation)", "computed at migration time (`$namespace` is `${NAMESPACE}`), string functions of the namespace by a `command` that `save`s them, or values known when the test starts (`x_k8s_server_version`'s fields are `KUBERNETES_VERSION`/`MAJOR`/`MINOR`; numbers, `cond && a || b`) as computed `vars` (`{expr: CEL}`)"),
    ("chainsaw", "step `use` (step templates)", "the template's operations inlined, its bindings as defaults under `with`"),
    ("chainsaw", "`catch` (test, step)", "the scenario's `catch`"),
    ("chainsaw", "step `finally`, `cleanup`", "the scenario's `finally`"),
    ("chainsaw", "`apply`", "`apply: {mode: merge}`; `expect` of `$error != null` is `expect: {error: {}}`; `outputs` of the applied object (`(@)`) fold its written fields where used"),
    ("chainsaw", "`create`", "`apply: {mode: create}`"),
    ("chainsaw", "`update`", "`apply: {mode: replace}`"),
    ("chainsaw", "`patch`", "`patch: {type: merge}` per document, `subresource` kept"),
    ("chainsaw", "`assert`", "`assert` with `matches`; JMESPath keys as its CEL `expr`"),
    ("chainsaw", "`error`", "`assert` with `match: none`"),
    ("chainsaw", "`delete`", "`delete` with `ignoreNotFound: true`"),
    ("chainsaw", "`script`", "`command: {run}`; `check` as its exit rule and `expect.stdout`/`stderr` (JMESPath keys of `json_parse` as CEL `expr`); `outputs` as `save`"),
    ("chainsaw", "`command`", "`command: {run}` (a shell line when the argv uses `$VARS`)"),
    ("chainsaw", "`sleep`", "`sleep`"),
    ("chainsaw", "`wait`", "`wait` until a condition, or `deleted: true`"),
    ("chainsaw", "`podLogs`", "`logs` with `allowFailure: true` and the exec timeout (as `kubectl logs`)"),
    ("chainsaw", "`events`", "`get: {kind: events}` with `allowFailure: true`"),
    ("chainsaw", "`describe`, `get`", "`get` (YAML) with `allowFailure: true`"),
    ("chainsaw", "objects in manifest files", "files copied beside the scenario, expressions folded"),
    ("kuttl", "a TestSuite (`testDirs`)", "the tests under it, one scenario each"),
    ("kuttl", "TestSuite `timeout`", "the `timeout` of every assert, command and delete"),
    ("kuttl", "TestSuite `crdDir`, `manifestDirs`, `commands`", "a kdrill Suite's `setup` (`suite.yaml`)"),
    ("kuttl", "TestSuite `parallel`, `namespace`, `suppress`", "(kdrill's own `-j`, a namespace per scenario)"),
    ("kuttl", "a TestStep document", "the step's place among the test's steps"),
    ("kuttl", "TestStep `apply`, `assert`, `error`", "`apply`, `assert`, `assert` with `match: none`"),
    ("kuttl", "TestStep `delete`", "`delete` with `ignoreNotFound: true`; a whole kind (no name, no labels) `kubectl delete KIND --all` in the namespace, waiting"),
    ("kuttl", "TestStep `commands`", "`command: {run}` (`$VAR` expanded as KUTTL does, `ignoreFailure` as `allowFailure`)"),
    ("kuttl", "a TestAssert document, `timeout`", "the assert steps' `timeout`"),
    ("kuttl", "TestAssert `commands`", "`command` retried until the timeout (`retry`)"),
    ("kuttl", "TestAssert `collectors`", "(kdrill shows evidence of a failed step itself)"),
    ("kuttl", "TestAssert `resourceRefs`, `assertAll`, `assertAny`", "`assert: {object, expr}` per object; `assertAny` one `||`"),
    ("kuttl", "`NN-*.yaml` objects", "`apply: {mode: merge}`"),
    ("kuttl", "`NN-assert.yaml` objects", "`assert` (by name, or any object of the kind by labels)"),
    ("kuttl", "`NN-errors.yaml` objects", "`assert` with `match: none`"),
    ("kuttl", "step directories `NN-name/`", "the step's files, in order"),
    ("kuttl", "other files (`crdDir`, `manifestDirs`, files scripts name)", "copied beside the scenario or the suite"),
];

/// The construct of the table a key of the input belongs to, and the key's own name
/// in it: Chainsaw operations by kind (any section), test and step keys by path;
/// KUTTL TestSuite/TestStep/TestAssert keys by kind; objects by the role of their file.
fn construct_of(tool: &str, rel: &str, kind: Option<&str>, path: &[String]) -> (String, String) {
    let p: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|s| !s.starts_with('['))
        .collect();
    let c = |row: &str, key: &str| (row.to_string(), key.to_string());
    let numbered = |f: &str| {
        f.split_once('-')
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let file = rel.rsplit('/').next().unwrap_or(rel);
    match (tool, kind) {
        ("chainsaw", Some("Test" | "StepTemplate")) => {
            let (section, rest) = match p.as_slice() {
                ["spec", "steps", s, rest @ ..] | ["spec", s, rest @ ..] => (*s, rest),
                _ => ("", &[][..]),
            };
            let op = match (section, rest) {
                ("try" | "catch" | "finally" | "cleanup", [op, rest @ ..]) => Some((*op, rest)),
                _ => None,
            };
            match op {
                Some((_, [key @ ("bindings" | "template" | "timeout"), ..])) => match *key {
                    "bindings" => c("`bindings` (test, step, operation)", "operation"),
                    "template" => c("`template` (test, operation)", "operation"),
                    _ => c("`timeouts` (test, step), operation `timeout`", "operation"),
                },
                Some(("describe" | "get", rest)) => {
                    c("`describe`, `get`", rest.first().unwrap_or(&""))
                }
                Some((op, rest)) => c(&format!("`{op}`"), rest.first().unwrap_or(&"")),
                None => match p.as_slice() {
                    ["spec", "catch", ..] => c("`catch` (test, step)", "test"),
                    ["spec", "steps", "catch", ..] => c("`catch` (test, step)", "step"),
                    ["spec", "steps", s @ ("finally" | "cleanup"), ..] => {
                        c("step `finally`, `cleanup`", s)
                    }
                    ["spec", "steps", "use", ..] => c("step `use` (step templates)", "use"),
                    ["spec", "steps", "bindings", ..] => {
                        c("`bindings` (test, step, operation)", "step")
                    }
                    ["spec", "bindings", ..] if kind == Some("StepTemplate") => {
                        c("step `use` (step templates)", "template bindings")
                    }
                    ["spec", "bindings", ..] => c("`bindings` (test, step, operation)", "test"),
                    ["spec", "steps", "timeouts", ..] => {
                        c("`timeouts` (test, step), operation `timeout`", "step")
                    }
                    ["spec", "timeouts", ..] => {
                        c("`timeouts` (test, step), operation `timeout`", "test")
                    }
                    ["spec", "template", ..] => c("`template` (test, operation)", "test"),
                    ["spec", k @ ("skip" | "concurrent" | "namespace"), ..] => {
                        c(&format!("`spec.{k}`"), k)
                    }
                    ["metadata", "labels", ..] => c("`metadata.labels`", "labels"),
                    _ if kind == Some("StepTemplate") => {
                        c("step `use` (step templates)", "template")
                    }
                    [] => c("a Test, its steps and their `try`", "document"),
                    [k, ..] => c("a Test, its steps and their `try`", k),
                },
            }
        }
        ("kuttl", Some(k @ ("TestSuite" | "TestStep" | "TestAssert"))) => {
            let key = p.first().copied().unwrap_or("");
            let sub = p.get(1).copied().unwrap_or(key);
            match (k, key) {
                ("TestSuite", "timeout") => c("TestSuite `timeout`", key),
                ("TestSuite", "crdDir" | "manifestDirs" | "commands") => {
                    c("TestSuite `crdDir`, `manifestDirs`, `commands`", sub)
                }
                ("TestSuite", "parallel" | "namespace" | "suppress") => {
                    c("TestSuite `parallel`, `namespace`, `suppress`", key)
                }
                ("TestSuite", _) => c("a TestSuite (`testDirs`)", key),
                ("TestStep", "apply" | "assert" | "error") => {
                    c("TestStep `apply`, `assert`, `error`", key)
                }
                ("TestStep", "delete" | "commands") => c(&format!("TestStep `{key}`"), sub),
                ("TestStep", _) => c("a TestStep document", key),
                ("TestAssert", "commands" | "collectors") => c(&format!("TestAssert `{key}`"), sub),
                ("TestAssert", "resourceRefs" | "assertAll" | "assertAny") => {
                    c("TestAssert `resourceRefs`, `assertAll`, `assertAny`", key)
                }
                _ => c("a TestAssert document, `timeout`", key),
            }
        }
        ("chainsaw", _) => c("objects in manifest files", ""),
        _ if numbered(file) && file.contains("-assert") => c("`NN-assert.yaml` objects", ""),
        _ if numbered(file) && file.contains("-errors") => c("`NN-errors.yaml` objects", ""),
        _ if numbered(file) => c("`NN-*.yaml` objects", ""),
        _ if rel.split('/').any(numbered) => c("step directories `NN-name/`", ""),
        _ => c(
            "other files (`crdDir`, `manifestDirs`, files scripts name)",
            "",
        ),
    }
}

#[derive(Default)]
struct Row {
    /// key name -> (converted, listed)
    keys: std::collections::BTreeMap<String, (usize, usize)>,
    reasons: std::collections::BTreeSet<String>,
    fixtures: std::collections::BTreeSet<String>,
}

/// The table, from the ledger of the corpus' migration: for each construct, how many
/// of its keys were converted and how many listed (with MIGRATION.md's reason), and
/// the corpus tests that use it (their verdicts are compared with the source tools'
/// by tests/cluster.rs `migrated_corpus_keeps_the_source_verdicts`).
fn compatibility_table() -> String {
    use kdrill::migrate::ledger::Fate;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migrate-corpus")
        .canonicalize()
        .unwrap();
    let index: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("corpus.yaml")).unwrap()).unwrap();
    let tests: Vec<(String, String)> = index["tests"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["path"].as_str().unwrap().to_string(),
                t["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut rows: std::collections::BTreeMap<(String, String), Row> = Default::default();
    for (tool, dir) in CORPUS_INPUTS {
        let m = match tool {
            "chainsaw" => kdrill::migrate::chainsaw::read(&root.join(dir)),
            _ => kdrill::migrate::kuttl::read(&root.join(dir)),
        }
        .unwrap();
        let notes: Vec<(std::path::PathBuf, usize, &str)> = m
            .notes
            .iter()
            .map(|n| {
                (
                    n.file.canonicalize().unwrap_or(n.file.clone()),
                    n.line,
                    n.text.as_str(),
                )
            })
            .collect();
        let entries = m.ledger.entries();
        // (file, document, path) -> line: a note on a key is at its line or an ancestor's
        let lines: std::collections::HashMap<(&std::path::Path, usize, &[String]), usize> = entries
            .iter()
            .map(|e| ((e.file, e.doc, e.path), e.line))
            .collect();
        for e in &entries {
            let rel = e
                .file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let (construct, key) = construct_of(tool, &rel, e.kind, e.path);
            let row = rows.entry((tool.to_string(), construct)).or_default();
            let counts = row.keys.entry(key).or_default();
            match e.fate {
                Some(Fate::Converted) => counts.0 += 1,
                Some(Fate::Listed) => {
                    counts.1 += 1;
                    // the notes at the key's own line, else at its nearest ancestor's
                    let reasons = (0..=e.path.len()).rev().find_map(|n| {
                        let line = *lines.get(&(e.file, e.doc, &e.path[..n]))?;
                        let at: Vec<&str> = notes
                            .iter()
                            .filter(|(f, l, _)| f == e.file && *l == line)
                            .map(|n| n.2)
                            .collect();
                        (!at.is_empty()).then_some(at)
                    });
                    row.reasons
                        .extend(reasons.into_iter().flatten().map(str::to_string));
                }
                None => panic!("{rel}:{}: `{}` lost", e.line, e.path.join(".")),
            }
            // the corpus test the file belongs to (the longest path that holds it)
            let owner = tests
                .iter()
                .filter(|(p, _)| rel.starts_with(&format!("{p}/")))
                .max_by_key(|(p, _)| p.len())
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("`{}`", rel.rsplit_once('/').map_or("", |(d, _)| d)));
            row.fixtures.insert(owner);
        }
    }
    let form = |tool: &str, c: &str| {
        FORMS
            .iter()
            .find(|(t, k, _)| *t == tool && *k == c)
            .map(|f| f.2)
    };
    let mut missing: Vec<String> = rows
        .keys()
        .filter(|(t, c)| form(t, c).is_none())
        .map(|(t, c)| format!("{t}: {c}"))
        .collect();
    missing.extend(
        FORMS
            .iter()
            .filter(|(t, c, _)| !rows.contains_key(&(t.to_string(), c.to_string())))
            .map(|(t, c, _)| format!("{t}: {c} (in FORMS, not in the corpus)")),
    );
    assert!(
        missing.is_empty(),
        "constructs without a row in FORMS, or rows without a construct:\n{}",
        missing.join("\n")
    );
    let (mut read, mut converted) = (0, 0);
    for row in rows.values() {
        for (a, b) in row.keys.values() {
            read += a + b;
            converted += a;
        }
    }
    let mut out = format!(
        "{read} keys of the corpus in {} constructs: {converted} converted ({:.1}%), {} listed, 0 lost.\n\n",
        rows.len(),
        100.0 * converted as f64 / read as f64,
        read - converted
    );
    out.push_str(
        "| Tool | Construct | kdrill form | Keys in the corpus: converted, listed | Listed because (MIGRATION.md) | Corpus tests |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (tool, c, f) in FORMS {
        let row = &rows[&(tool.to_string(), c.to_string())];
        let (conv, list) = row
            .keys
            .values()
            .fold((0, 0), |a, k| (a.0 + k.0, a.1 + k.1));
        let detail: Vec<String> = row
            .keys
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, (a, b))| match b {
                0 => format!("`{k}` {a}"),
                _ => format!("`{k}` {a}+{b} listed"),
            })
            .collect();
        let keys = match detail.len() {
            0 | 1 => format!("{conv}, {list}"),
            _ => format!("{conv}, {list} ({})", detail.join(", ")),
        };
        let reasons: Vec<String> = row
            .reasons
            .iter()
            .map(|r| {
                // the words of a long reason that fit in 100 characters, outside code spans
                if r.chars().count() <= 100 {
                    return r.clone();
                }
                let mut short = String::new();
                for w in r.split(' ') {
                    if short.chars().count() + w.chars().count() > 100 {
                        break;
                    }
                    short.push_str(w);
                    short.push(' ');
                }
                while short.matches('`').count() % 2 == 1 {
                    short = short.rsplit_once('`').map_or("", |(a, _)| a).to_string();
                }
                format!("{}…", short.trim_end())
            })
            .collect();
        let fx: Vec<&String> = row.fixtures.iter().collect();
        let fixtures = match fx.len() {
            0..=3 => fx.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            n => format!(
                "{} and {} more",
                fx[..3]
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                n - 3
            ),
        };
        out.push_str(&format!(
            "| {} | {c} | {} | {keys} | {} | {fixtures} |\n",
            if *tool == "chainsaw" {
                "Chainsaw"
            } else {
                "KUTTL"
            },
            f.replace('|', "\\|"),
            reasons.join("<br>").replace('|', "\\|")
        ));
    }
    out
}

/// docs/migrating.md's compatibility table is the one generated from the corpus'
/// ledger (a golden file): `KDRILL_UPDATE=always cargo test --test migrate
/// compatibility` rewrites it.
#[test]
fn the_compatibility_table_in_the_docs_is_generated_from_the_corpus() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/migrating.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        "<!-- BEGIN compatibility (tests/migrate.rs) -->\n",
        "<!-- END compatibility -->",
    );
    let (before, rest) = doc
        .split_once(begin)
        .expect("docs/migrating.md has the table's markers");
    let (_, after) = rest.split_once(end).expect("the table's end marker");
    let want = format!("{before}{begin}{}{end}{after}", compatibility_table());
    if std::env::var("KDRILL_UPDATE").as_deref() == Ok("always") {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        doc == want,
        "docs/migrating.md's compatibility table is out of date: KDRILL_UPDATE=always cargo test --test migrate compatibility\n{}",
        similar::TextDiff::from_lines(&doc, &want).unified_diff()
    );
}

/// A Chainsaw test that reads the server's version (`x_k8s_server_version`) and makes
/// values of it converts to computed variables over kdrill's built-ins, with nothing
/// listed; one that ships a CRD runs alone.
#[test]
fn the_server_version_becomes_computed_variables_and_a_shipped_crd_runs_alone() {
    let corpus = "tests/fixtures/migrate-corpus/chainsaw";
    let dir = tempfile::tempdir().unwrap();
    for test in ["server-version-gate", "ships-its-crd"] {
        let out = dir.path().join(test);
        let o = kdrill(&["migrate", "chainsaw", &format!("{corpus}/{test}"), "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    }
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    let gate = read("server-version-gate/server-version-gate/server-version-gate.yaml");
    for want in [
        "  minor:\n    expr: int(KUBERNETES_MINOR)\n",
        "  admissionPolicies:\n    expr: '((int(KUBERNETES_MINOR)) >= 30) ? ''ga'' : ''beta'''\n",
        "        admissionPolicies: ${admissionPolicies}\n        server: ${KUBERNETES_VERSION}\n",
    ] {
        assert!(gate.contains(want), "{want}\n{gate}");
    }
    let md = read("server-version-gate/MIGRATION.md");
    assert!(md.contains("nothing needs a human"), "{md}");
    let crd = read("ships-its-crd/ships-its-crd/ships-its-crd.yaml");
    assert!(crd.contains("\nserial: true\n"), "{crd}");
    let md = read("ships-its-crd/MIGRATION.md");
    assert!(
        md.contains("## Serial\n\n- `ships-its-crd`: creates the cluster-wide `CustomResourceDefinition/backupplans.chainsaw-corpus.kdrill.dev`"),
        "{md}"
    );
}
