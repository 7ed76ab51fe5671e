//! One KUTTL test directory (its `NN-*` files and `NN-name/` step directories) as a
//! kdrill scenario.

use super::*;

pub(super) fn read_test(
    dir: &Path,
    timeout: &str,
    r: &mut Reader<'_>,
) -> Result<Test, MigrateError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut steps: BTreeMap<u32, Step> = BTreeMap::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input_error(dir, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for f in entries {
        let fname = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((index, rest)) = step_index(&fname) else {
            continue;
        };
        if f.is_dir() {
            // a step directory `NN-name/`: every file in it belongs to step NN
            for inner in yaml_files(&f, false) {
                let iname = inner
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let docs = read_docs(&inner)?;
                let rel = format!("{fname}/{iname}");
                add_file(steps.entry(index).or_default(), &inner, &iname, docs, &rel);
            }
            continue;
        }
        if !fname.ends_with(".yaml") {
            continue;
        }
        let docs = read_docs(&f)?;
        add_file(steps.entry(index).or_default(), &f, rest, docs, &fname);
    }
    let mut t = Test {
        name: name.clone(),
        source: dir.to_path_buf(),
        ..Default::default()
    };
    for (index, mut step) in steps {
        let mut step_timeout = timeout.to_string();
        let mut before = Vec::new();
        let mut after = Vec::new();
        let configs = std::mem::take(&mut step.configs);
        for c in &configs {
            if let Some(tm) = c.value.get("timeout").and_then(duration) {
                step_timeout = tm;
            }
        }
        for c in &configs {
            let (f, d) = (&c.file, c.index);
            let assert_kind = is_kuttl(&c.value, "TestAssert");
            for (k, _) in c.value.as_mapping().into_iter().flatten() {
                let key = k.as_str().unwrap_or_default();
                match key {
                    "apiVersion" | "kind" | "timeout" => r.acc(f, d, &[key], Fate::Converted),
                    "metadata" => {
                        r.key(f, d, &[key]);
                        r.acc(f, d, &[key, "name"], Fate::Converted);
                    }
                    "delete" => r.key(f, d, &[key]),
                    "commands" => r.key(f, d, &[key]),
                    "apply" | "assert" | "error" => {
                        // files listed by a TestStep: read as if they were the step's own
                        r.key(f, d, &[key]);
                        for (i, p) in c.value[key].as_sequence().into_iter().flatten().enumerate() {
                            let Some(rel) = p.as_str() else { continue };
                            let at = [key, &format!("[{i}]")].map(|x| x.to_string());
                            let listed = dir.join(rel);
                            match read_docs(&listed) {
                                Ok(docs) => {
                                    r.ledger.walk_file(&listed);
                                    r.ledger.account_file(&listed, Fate::Converted);
                                    r.ledger.account(f, d, &at, Fate::Converted);
                                    let objects: Vec<Doc> = docs.into_iter().filter(|x| !x.value.is_null()).collect();
                                    match key {
                                        "apply" => step.apply.push((rel.to_string(), objects)),
                                        "assert" => step.asserts.extend(objects),
                                        _ => step.errors.extend(objects),
                                    }
                                }
                                Err(e) => {
                                    r.list(f, d, &at, format!("`{rel}` cannot be read ({e}): not converted"));
                                }
                            }
                        }
                    }
                    "resourceRefs" | "assertAll" | "assertAny" if assert_kind => {}
                    "collectors" if assert_kind => r.note(f, d, &[key], "`collectors`: kdrill's report of a failed step shows the object, its events and its pods' log tails; not converted"),
                    _ => r.note(f, d, &[key], format!("`{key}` of a {}: not converted", str_of(&c.value, "kind").unwrap_or("TestStep"))),
                }
            }
            for (i, del) in c
                .value
                .get("delete")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = ["delete".to_string(), format!("[{i}]")];
                match delete_step(del, &step_timeout) {
                    Some(st) => {
                        r.ledger.account(f, d, &at, Fate::Converted);
                        before.push(st);
                    }
                    None => {
                        r.list(
                            f,
                            d,
                            &at,
                            "a TestStep delete without apiVersion/kind: not converted",
                        );
                    }
                }
            }
            for (i, cmd) in c
                .value
                .get("commands")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = ["commands".to_string(), format!("[{i}]")];
                let (mut st, note) = command_step(cmd, &step_timeout, dir, &mut t.files, r);
                r.ledger.account(f, d, &at, Fate::Converted);
                if let Some(n) = note {
                    r.list(f, d, &at, n);
                }
                // a TestAssert's commands check, after the objects, again every second
                // until the step's time is up (as KUTTL does); a TestStep's run first
                if assert_kind {
                    if let Value::Mapping(m) = &mut st {
                        let secs = crate::duration::parse_duration(&step_timeout)
                            .map(|d| d.as_secs().max(1))
                            .unwrap_or(30);
                        m.insert(
                            s("retry"),
                            map(vec![
                                ("attempts", Value::Number(secs.into())),
                                ("backoff", s("1s")),
                            ]),
                        );
                    }
                    after.push(st);
                } else {
                    before.push(st);
                }
            }
            if assert_kind {
                after.extend(cel_asserts(c, &step_timeout, r));
            }
        }
        t.steps.extend(before);
        for (fname, objects) in &step.apply {
            let text = objects
                .iter()
                .map(|d| serde_yaml::to_string(&r.local(&d.value)).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("---\n");
            for o in objects {
                r.acc(&o.file, o.index, &[], Fate::Converted);
            }
            // `${` of the source is the source's: kdrill would read it as a variable
            t.files.push((fname.clone(), text.replace("${", "$${")));
            let mut st = vec![("apply", map(vec![("mode", s("merge")), ("file", s(fname))]))];
            st.insert(0, ("name", s(&format!("step {index}: apply {fname}"))));
            t.steps.push(map(st));
        }
        // NN-assert.yaml documents must hold, NN-errors.yaml documents must not
        for (docs, absent, what) in [
            (&step.asserts, false, "assert"),
            (&step.errors, true, "errors"),
        ] {
            for doc in docs {
                match assert_step(&r.local(&doc.value), absent, Some(&step_timeout)) {
                    Some(st) => {
                        r.acc(&doc.file, doc.index, &[], Fate::Converted);
                        t.steps.push(st);
                    }
                    None => r.note(
                        &doc.file,
                        doc.index,
                        &[],
                        format!("an {what} document without apiVersion/kind: not converted"),
                    ),
                }
            }
        }
        t.steps.extend(after);
        let _ = &step.configs;
    }
    Ok(t)
}
