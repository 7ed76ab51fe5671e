//! Reading Kyverno Chainsaw tests: `chainsaw-test.yaml` files (`kind: Test`) whose
//! steps have `try`, `catch`, `finally` and `cleanup` operations. kdrill has catch and
//! finally per scenario, so each step's catch/finally/cleanup operations join the
//! scenario's (in order); JMESPath expressions in assertions have no equivalent and
//! are listed in MIGRATION.md.

use super::{
    assert_step, delete_target, documents, duration, input_error, kind_of, name_of, str_of,
    MigrateError, Migration, Note, Test,
};
use crate::import::translate::{map, s};
use serde_yaml::Value;
use std::path::{Path, PathBuf};

/// Where notes point: the test file and the line of the operation.
struct Ctx<'a> {
    file: &'a Path,
    dir: &'a Path,
    /// Lines of `- ` items in the test file, to place notes near an operation.
    line: usize,
    notes: &'a mut Vec<Note>,
    files: &'a mut Vec<(String, String)>,
    timeouts: Option<&'a Value>,
}

impl Ctx<'_> {
    fn note(&mut self, text: impl Into<String>) {
        self.notes.push(Note {
            file: self.file.to_path_buf(),
            line: self.line,
            text: text.into(),
        });
    }

    /// The test's timeout for an operation kind (`apply`, `assert`, `delete`, `error`, `exec`).
    fn timeout(&self, kind: &str) -> Option<String> {
        self.timeouts.and_then(|t| t.get(kind)).and_then(duration)
    }

    /// Chainsaw's namespace bindings in manifests become kdrill's variable.
    fn bindings(text: &str) -> String {
        text.replace("($namespace)", "${NAMESPACE}")
            .replace("$NAMESPACE", "${NAMESPACE}")
    }

    /// The documents an operation names: its `file` (copied beside the scenario) or
    /// its inline `resource`.
    fn docs(&mut self, op: &Value) -> Vec<Value> {
        if let Some(f) = str_of(op, "file") {
            let path = self.dir.join(f);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let text = Self::bindings(&text);
                    let docs = documents(&path, &text)
                        .map(|d| d.into_iter().map(|(_, v)| v).collect())
                        .unwrap_or_default();
                    if !self.files.iter().any(|(n, _)| n == f) {
                        self.files.push((f.to_string(), text));
                    }
                    docs
                }
                Err(e) => {
                    self.note(format!("`{f}` cannot be read ({e}): not converted"));
                    Vec::new()
                }
            }
        } else if let Some(r) = op.get("resource") {
            let text = Self::bindings(&serde_yaml::to_string(r).unwrap_or_default());
            serde_yaml::from_str(&text)
                .map(|v| vec![v])
                .unwrap_or_default()
        } else {
            self.note("an operation without `file` or `resource`: not converted");
            Vec::new()
        }
    }

    /// Drop JMESPath keys (`(length(x))`, `~.(...)`) from a partial object, with a note.
    fn without_expressions(&mut self, v: &Value) -> Value {
        match v {
            Value::Mapping(m) => {
                let mut out = serde_yaml::Mapping::new();
                for (k, val) in m {
                    let key = k.as_str().unwrap_or_default();
                    if key.starts_with('(') || key.starts_with('~') {
                        self.note(format!("the assertion `{key}` is a JMESPath expression: kdrill matches partial objects and `[..]` patterns, so it was left out; rewrite it as a partial object or a `count`"));
                        continue;
                    }
                    out.insert(k.clone(), self.without_expressions(val));
                }
                Value::Mapping(out)
            }
            Value::Sequence(items) => {
                Value::Sequence(items.iter().map(|i| self.without_expressions(i)).collect())
            }
            Value::String(t) if t.starts_with('(') && t.ends_with(')') => {
                self.note(format!(
                    "the value `{t}` is a JMESPath expression: replaced by `[..]` (any value)"
                ));
                s("[..]")
            }
            other => other.clone(),
        }
    }
}

/// Convert every `chainsaw-test.yaml` under `path`.
pub fn read(path: &Path) -> Result<Migration, MigrateError> {
    let mut m = Migration {
        format: "chainsaw",
        ..Default::default()
    };
    let mut files = Vec::new();
    find_tests(path, &mut files);
    files.sort();
    if files.is_empty() {
        return Err(input_error(path, "no chainsaw-test.yaml found"));
    }
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| input_error(&f, e.to_string()))?;
        for (line, doc) in documents(&f, &text)? {
            if str_of(&doc, "kind") != Some("Test") {
                continue;
            }
            let t = read_test(&f, &text, line, &doc, &mut m.notes);
            m.tests.push(t);
        }
    }
    Ok(m)
}

fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            find_tests(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n == "chainsaw-test.yaml" || n == "chainsaw-test.yml")
        {
            out.push(p);
        }
    }
}

/// Line of the `n`th occurrence of `- <op>:` (or `<op>:`) at or after `from`.
fn line_of(text: &str, from: usize, op: &str, nth: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .filter(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{op}:"))
        })
        .nth(nth)
        .map_or(from, |(i, _)| i + 1)
}

fn read_test(file: &Path, text: &str, line: usize, doc: &Value, notes: &mut Vec<Note>) -> Test {
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = doc
        .get("metadata")
        .and_then(|m| str_of(m, "name"))
        .unwrap_or("chainsaw-test")
        .to_string();
    let spec = doc.get("spec").cloned().unwrap_or(Value::Null);
    let mut t = Test {
        name,
        source: file.to_path_buf(),
        ..Default::default()
    };
    if spec.get("skip").and_then(Value::as_bool) == Some(true) {
        t.skip = Some("skipped in the Chainsaw test (spec.skip)".into());
    }
    if spec.get("concurrent").and_then(Value::as_bool) == Some(false) {
        t.serial = true;
    }
    let timeouts = spec.get("timeouts").cloned();
    for key in ["bindings", "template", "namespace", "clusters", "cluster"] {
        if spec.get(key).is_some() {
            notes.push(Note {
                file: file.to_path_buf(),
                line,
                text: format!("spec.{key} has no kdrill equivalent (kdrill: `vars:`, a fresh namespace per scenario, --context): not converted"),
            });
        }
    }
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    let mut files = Vec::new();
    for step in spec
        .get("steps")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        for (section, target) in [("try", 0), ("catch", 1), ("finally", 2), ("cleanup", 2)] {
            for op in step
                .get(section)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let Some(kind) = op.as_mapping().and_then(|m| {
                    m.keys()
                        .filter_map(Value::as_str)
                        .find(|k| *k != "description")
                }) else {
                    continue;
                };
                let n = counts.entry(kind.to_string()).or_default();
                let op_line = line_of(text, line, kind, *n);
                *n += 1;
                let mut ctx = Ctx {
                    file,
                    dir,
                    line: op_line,
                    notes,
                    files: &mut files,
                    timeouts: timeouts.as_ref(),
                };
                let body = op.get(kind).cloned().unwrap_or(Value::Null);
                let steps = operation(&mut ctx, kind, &body, op);
                match target {
                    0 => t.steps.extend(steps),
                    1 => t.catch.extend(steps),
                    _ => t.finally.extend(steps),
                }
            }
        }
    }
    t.files = files;
    t
}

/// One Chainsaw operation as kdrill steps.
fn operation(ctx: &mut Ctx<'_>, kind: &str, body: &Value, op: &Value) -> Vec<Value> {
    let with_timeout = |mut step: Vec<(&str, Value)>, t: Option<String>| {
        if let Some(t) = t {
            step.push(("timeout", s(&t)));
        }
        map(step)
    };
    let own_timeout = body.get("timeout").and_then(duration);
    match kind {
        "apply" | "create" | "update" => {
            let mode = match kind {
                "apply" => "merge",
                "create" => "create",
                _ => "replace",
            };
            let expects_error = body
                .get("expect")
                .and_then(Value::as_sequence)
                .is_some_and(|e| {
                    serde_yaml::to_string(e)
                        .unwrap_or_default()
                        .contains("$error != null")
                });
            let source = match str_of(body, "file") {
                Some(f) => {
                    ctx.docs(body);
                    ("file", s(f))
                }
                None => {
                    let docs = ctx.docs(body);
                    ("manifest", docs.into_iter().next().unwrap_or(Value::Null))
                }
            };
            let mut step = vec![("apply", map(vec![("mode", s(mode)), source]))];
            if expects_error {
                ctx.note(format!("`{kind}` expected to fail (`$error != null`): kdrill expects an API error of any reason; name the reason or message in `expect.error` if it matters"));
                step.push(("expect", map(vec![("error", map(vec![]))])));
            }
            vec![with_timeout(
                step,
                own_timeout.or_else(|| ctx.timeout("apply")),
            )]
        }
        "patch" => ctx
            .docs(body)
            .iter()
            .filter_map(|d| {
                let target = format!("{}/{}", kind_of(d)?, name_of(d)?);
                let mut p = d.clone();
                if let Value::Mapping(m) = &mut p {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                Some(with_timeout(
                    vec![(
                        "patch",
                        map(vec![
                            ("object", s(&target)),
                            ("type", s("merge")),
                            ("patch", p),
                        ]),
                    )],
                    own_timeout.clone().or_else(|| ctx.timeout("apply")),
                ))
            })
            .collect(),
        "assert" | "error" => {
            let t = own_timeout.or_else(|| ctx.timeout(kind));
            let docs = ctx.docs(body);
            docs.iter()
                .filter_map(|d| {
                    let clean = ctx.without_expressions(d);
                    assert_step(&clean, kind == "error", t.as_deref())
                })
                .collect()
        }
        "delete" => {
            let t = own_timeout.or_else(|| ctx.timeout("delete"));
            let refs: Vec<Value> = match body.get("ref") {
                Some(r) => vec![r.clone()],
                None => ctx.docs(body),
            };
            refs.iter()
                .filter_map(|r| {
                    let del = delete_target(r)?;
                    Some(with_timeout(vec![("delete", map(del))], t.clone()))
                })
                .collect()
        }
        "script" | "command" => {
            let run = if kind == "script" {
                s(str_of(body, "content").unwrap_or_default())
            } else {
                let mut argv = vec![s(str_of(body, "entrypoint").unwrap_or_default())];
                argv.extend(
                    body.get("args")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
                Value::Sequence(argv)
            };
            let mut step = vec![("command", map(vec![("run", run)]))];
            if let Some(check) = body.get("check").and_then(Value::as_mapping) {
                let mut expect = Vec::new();
                let mut contains = Vec::new();
                for (k, v) in check {
                    let k = k.as_str().unwrap_or_default();
                    let truth = v.as_bool() == Some(true);
                    if k.replace(' ', "") == "($error!=null)" && truth {
                        ctx.note("a script expected to fail (`$error != null`): kdrill expects exit code 1; set the exact code");
                        expect.push(("exitCode", Value::Number(1.into())));
                    } else if k.replace(' ', "") == "($error==null)" && truth {
                        // kdrill's default: exit code 0
                    } else if let Some(inner) = k
                        .strip_prefix("(contains($stdout, '")
                        .and_then(|r| r.strip_suffix("'))"))
                        .filter(|_| truth)
                    {
                        contains.push(s(inner));
                    } else {
                        ctx.note(format!("the check `{k}` is a JMESPath expression: not converted; write it as `expect.stdout` rules"));
                    }
                }
                if !contains.is_empty() {
                    expect.push(("stdout", map(vec![("contains", Value::Sequence(contains))])));
                }
                if !expect.is_empty() {
                    step.push(("expect", map(expect)));
                }
            }
            vec![with_timeout(
                step,
                own_timeout.or_else(|| ctx.timeout("exec")),
            )]
        }
        "sleep" => {
            let d = body
                .get("duration")
                .and_then(duration)
                .unwrap_or("1s".into());
            vec![map(vec![("sleep", s(&d))])]
        }
        "wait" => {
            let Some(k) = kind_of(body) else {
                ctx.note("`wait` without apiVersion/kind: not converted");
                return Vec::new();
            };
            let target = match str_of(body, "name") {
                Some(n) => vec![("for", s(&format!("{k}/{n}")))],
                None => match body.get("selector").and_then(Value::as_str) {
                    Some(sel) => vec![("kind", s(&k)), ("selector", s(sel))],
                    None => {
                        ctx.note("`wait` on a whole kind without selector: kdrill waits on a name or a label selector; not converted");
                        return Vec::new();
                    }
                },
            };
            let until = match body.get("for") {
                Some(f) if f.get("deletion").is_some() => map(vec![("deleted", Value::Bool(true))]),
                Some(f) => match f.get("condition") {
                    Some(c) => {
                        let name = str_of(c, "name").unwrap_or("Ready");
                        let value = c.get("value").map_or("True".to_string(), |v| match v {
                            Value::String(t) => t.clone(),
                            other => serde_yaml::to_string(other)
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                        });
                        let value = if value.eq_ignore_ascii_case("true") {
                            "True".into()
                        } else if value.eq_ignore_ascii_case("false") {
                            "False".into()
                        } else {
                            value
                        };
                        map(vec![("condition", s(&format!("{name}={value}")))])
                    }
                    None => {
                        ctx.note("`wait` for a JSONPath value: kdrill waits with `until.matches` (a partial object); not converted");
                        return Vec::new();
                    }
                },
                None => map(vec![]),
            };
            let mut w = target;
            w.push(("until", until));
            vec![with_timeout(vec![("wait", map(w))], own_timeout)]
        }
        "podLogs" => {
            let mut l = Vec::new();
            match (str_of(body, "name"), str_of(body, "selector")) {
                (Some(n), _) => l.push(("pod", s(n))),
                (None, Some(sel)) => l.push(("selector", s(sel))),
                _ => {
                    ctx.note("`podLogs` of every pod: kdrill reads one pod's log (by name or selector); the evidence of a failed step already shows log tails");
                    return Vec::new();
                }
            }
            if let Some(c) = str_of(body, "container") {
                l.push(("container", s(c)));
            }
            vec![map(vec![("logs", map(l))])]
        }
        "events" => vec![map(vec![("get", map(vec![("kind", s("events"))]))])],
        "describe" | "get" => {
            let Some(k) = kind_of(body) else {
                ctx.note(format!("`{kind}` without apiVersion/kind: not converted"));
                return Vec::new();
            };
            let mut g = vec![("kind", s(&k))];
            if let Some(n) = str_of(body, "name") {
                g.push(("name", s(n)));
            }
            if kind == "describe" {
                ctx.note(
                    "`describe`: kdrill shows the object as YAML (`get ... output: yaml`) instead",
                );
                g.push(("output", s("yaml")));
            }
            vec![map(vec![("get", map(g))])]
        }
        other => {
            ctx.note(format!(
                "the operation `{other}` has no kdrill equivalent: not converted ({})",
                serde_yaml::to_string(op)
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_line_up_with_their_source_lines() {
        let text = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nspec:\n  steps:\n  - try:\n    - apply:\n        file: a.yaml\n    - assert:\n        file: a.yaml\n    - apply:\n        file: b.yaml\n";
        assert_eq!(line_of(text, 1, "apply", 0), 6);
        assert_eq!(line_of(text, 1, "apply", 1), 10);
        assert_eq!(line_of(text, 1, "assert", 0), 8);
    }
}
