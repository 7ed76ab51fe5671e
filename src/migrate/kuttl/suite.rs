//! A TestSuite's own steps (`crdDir`, `manifestDirs`, `commands`) as a kdrill Suite's setup.

use super::*;

/// A TestSuite's `crdDir`, `manifestDirs` and `commands` as the setup of a kdrill
/// Suite around the migrated tests: the CRDs applied and waited for until Established
/// (as KUTTL waits), the manifests applied, the commands run in order (a `background`
/// one left running, its output discarded, until the suite ends).
#[allow(clippy::too_many_arguments)]
pub(super) fn suite_setup(
    doc: &Value,
    i: usize,
    f: &Path,
    root: &Path,
    timeout: &str,
    r: &mut Reader<'_>,
    setup: &mut Vec<Value>,
    files: &mut Vec<(String, String)>,
) {
    let apply_dir = |dir: &str,
                     crds: bool,
                     r: &mut Reader<'_>,
                     setup: &mut Vec<Value>,
                     files: &mut Vec<(String, String)>| {
        for file in yaml_files(&root.join(dir), false) {
            let rel = crate::migrate::shell::normalise(file.strip_prefix(root).unwrap_or(&file));
            let name = rel.display().to_string();
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            r.ledger.walk_file(&file);
            r.ledger.account_file(&file, Fate::Converted);
            files.push((name.clone(), text.replace("${", "$${")));
            setup.push(map(vec![(
                "apply",
                map(vec![("mode", s("merge")), ("file", s(&name))]),
            )]));
            if crds {
                for d in read_docs(&file).unwrap_or_default() {
                    if str_of(&d.value, "kind") == Some("CustomResourceDefinition") {
                        if let Some(n) = crate::migrate::name_of(&d.value) {
                            setup.push(map(vec![
                                ("wait", map(vec![
                                    ("for", s(&format!("apiextensions.k8s.io/v1/CustomResourceDefinition/{n}"))),
                                    ("until", map(vec![("condition", s("Established"))])),
                                ])),
                                ("timeout", s(timeout)),
                            ]));
                        }
                    }
                }
            }
        }
    };
    if let Some(dir) = str_of(doc, "crdDir") {
        r.acc(f, i, &["crdDir"], Fate::Converted);
        apply_dir(dir, true, r, setup, files);
    }
    if let Some(dirs) = doc.get("manifestDirs").and_then(Value::as_sequence) {
        r.acc(f, i, &["manifestDirs"], Fate::Converted);
        for d in dirs.iter().filter_map(Value::as_str) {
            apply_dir(d, false, r, setup, files);
        }
    }
    if let Some(cmds) = doc.get("commands").and_then(Value::as_sequence) {
        r.key(f, i, &["commands"]);
        for (ci, c) in cmds.iter().enumerate() {
            let at = ["commands".to_string(), format!("[{ci}]")];
            let (mut st, note) = command_step(c, timeout, root, files, r);
            if c.get("background").and_then(Value::as_bool) == Some(true) {
                // left running until the suite ends; its output must not hold the step
                if let Some(Value::Mapping(cmd)) = st.get_mut("command") {
                    if let Some(Value::String(run)) = cmd.get("run").cloned() {
                        cmd.insert(
                            s("run"),
                            s(&format!("( {} ) >/dev/null 2>&1 &", run.trim_end())),
                        );
                    }
                }
                r.ledger.account(f, i, &at, Fate::Converted);
            } else if let Some(n) = note {
                r.list(f, i, &at, n);
            } else {
                r.ledger.account(f, i, &at, Fate::Converted);
            }
            setup.push(st);
        }
    }
}
