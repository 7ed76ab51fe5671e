//! A TestStep's and a TestAssert's entries (CEL checks on `resourceRefs`, deletes,
//! commands) as kdrill steps.

use super::*;

/// A TestAssert's `assertAll`/`assertAny` CEL checks on its `resourceRefs`: each
/// expression that reads one reference becomes an assert on that object with `expr`
/// (the reference's name read as `self`); `assertAny` is one `||` of them.
pub(super) fn cel_asserts(c: &Doc, timeout: &str, r: &mut Reader<'_>) -> Vec<Value> {
    let (f, d) = (&c.file, c.index);
    let refs: Vec<(String, String)> = c
        .value
        .get("resourceRefs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|x| {
            let kind = crate::migrate::kind_of(x)?;
            let name = str_of(x, "name")?;
            let alias = str_of(x, "ref")?.to_string();
            let mut target = format!("{kind}/{name}");
            if let Some(ns) = str_of(x, "namespace") {
                target.push_str(&format!("@{ns}"));
            }
            Some((alias, target))
        })
        .collect();
    if c.value.get("resourceRefs").is_some() {
        r.acc(f, d, &["resourceRefs"], Fate::Converted);
    }
    let uses = |e: &str, alias: &str| {
        e.match_indices(alias).any(|(i, _)| {
            let before = e[..i].chars().last();
            let after = e[i + alias.len()..].chars().next();
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '_' || b == '.' || b == '\'')
                && matches!(after, Some('.') | Some('['))
        })
    };
    let as_self = |e: &str, alias: &str| {
        let mut out = String::new();
        let mut rest = e;
        while let Some(i) = rest.find(alias) {
            let before = if out.is_empty() && i == 0 {
                None
            } else {
                rest[..i].chars().last().or(out.chars().last())
            };
            let after = rest[i + alias.len()..].chars().next();
            let word = !before
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == '_' || b == '.' || b == '\'')
                && matches!(after, Some('.') | Some('['));
            out.push_str(&rest[..i]);
            out.push_str(if word { "self" } else { alias });
            rest = &rest[i + alias.len()..];
        }
        out.push_str(rest);
        out
    };
    let mut out = Vec::new();
    for (key, join) in [("assertAll", None), ("assertAny", Some(" || "))] {
        let Some(list) = c.value.get(key).and_then(Value::as_sequence) else {
            continue;
        };
        r.key(f, d, &[key]);
        let mut any_parts: Vec<(String, String, usize)> = Vec::new();
        for (i, e) in list.iter().enumerate() {
            let at = [key.to_string(), format!("[{i}]")];
            let expr = str_of(e, "celExpr").unwrap_or_default();
            let used: Vec<&(String, String)> = refs.iter().filter(|(a, _)| uses(expr, a)).collect();
            let cel = match used.as_slice() {
                [(alias, target)] => {
                    let c = as_self(expr, alias);
                    crate::wait::Expr::parse(&c)
                        .ok()
                        .map(|_| (target.clone(), c))
                }
                _ => None,
            };
            match (cel, join) {
                (Some((target, c)), None) => {
                    r.ledger.account(f, d, &at, Fate::Converted);
                    out.push(ref_assert(&target, &c, timeout));
                }
                (Some((target, c)), Some(_)) => any_parts.push((target, c, i)),
                (None, _) => {
                    r.list(f, d, &at, format!("`{expr}` reads several (or no) resourceRefs: kdrill's `expr` sees one object; not converted"));
                }
            }
        }
        if let Some(sep) = join {
            let same = any_parts.windows(2).all(|w| w[0].0 == w[1].0);
            if !any_parts.is_empty() && same && any_parts.len() == list.len() {
                let e = any_parts
                    .iter()
                    .map(|(_, c, _)| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(sep);
                for (_, _, i) in &any_parts {
                    r.ledger
                        .account(f, d, &[key.to_string(), format!("[{i}]")], Fate::Converted);
                }
                out.push(ref_assert(&any_parts[0].0, &e, timeout));
            } else {
                for (_, c, i) in &any_parts {
                    let at = [key.to_string(), format!("[{i}]")];
                    r.list(f, d, &at, format!("`{c}`: an alternative of an assertAny over several objects: not converted"));
                }
            }
        }
    }
    out
}

/// `assert` of one object (`kind/name`, `@namespace` when another) with a CEL `expr`.
fn ref_assert(target: &str, expr: &str, timeout: &str) -> Value {
    let (object, ns) = match target.split_once('@') {
        Some((o, n)) => (o, Some(n)),
        None => (target, None),
    };
    let mut a = vec![("object", s(object))];
    if let Some(n) = ns {
        a.push(("namespace", s(n)));
    }
    a.push(("expr", s(expr)));
    map(vec![("assert", map(a)), ("timeout", s(timeout))])
}

/// A TestStep `delete` entry: by name, or every object of a kind with labels, or
/// every object of a kind in the namespace.
pub(super) fn delete_step(d: &Value, timeout: &str) -> Option<Value> {
    let Some(mut del) = delete_target(d) else {
        return delete_kind_step(d, timeout);
    };
    if let Some(ns) = str_of(d, "namespace") {
        del.push(("namespace", s(ns)));
    }
    // KUTTL's delete accepts an object that is already gone
    del.push(("ignoreNotFound", Value::Bool(true)));
    Some(map(vec![("delete", map(del)), ("timeout", s(timeout))]))
}

/// A delete of every object of a kind (no name, no labels): kdrill's `delete` never
/// deletes a whole kind, so the test's own kubectl does, in the test's namespace (the
/// scenario's, as KUTTL's was the test's), waiting until they are gone as KUTTL waits.
fn delete_kind_step(d: &Value, timeout: &str) -> Option<Value> {
    let kind = str_of(d, "kind")?.to_ascii_lowercase();
    let group = str_of(d, "apiVersion")?
        .rsplit_once('/')
        .map(|(g, _)| g.to_string());
    let resource = match group {
        Some(g) => format!("{kind}.{g}"),
        None => kind,
    };
    let ns = match str_of(d, "namespace") {
        Some(n) => crate::migrate::shell::quote(n),
        None => "\"${NAMESPACE}\"".to_string(),
    };
    let run = format!(
        "kubectl delete {} --all --namespace {ns} --ignore-not-found --wait=true",
        crate::migrate::shell::quote(&resource)
    );
    Some(map(vec![
        ("command", map(vec![("run", s(&run))])),
        ("timeout", s(timeout)),
    ]))
}

/// A TestStep/TestAssert command: `script` (a shell script, as it is) or `command`
/// (one command line KUTTL expands `$VAR` in and splits itself: written back for
/// `sh -c` with the same meaning, `$$` a dollar). The suite's timeout is every
/// command's unless it has its own. Files the command names are copied. Returns the
/// step and, when something differs, a note.
pub(super) fn command_step(
    c: &Value,
    timeout: &str,
    dir: &Path,
    files: &mut Vec<(String, String)>,
    r: &mut Reader<'_>,
) -> (Value, Option<String>) {
    let (mut text, is_script) = match (str_of(c, "script"), str_of(c, "command")) {
        (Some(t), _) => (t.to_string(), true),
        (None, Some(t)) => (
            crate::migrate::shell::split_command(t)
                .iter()
                .map(|w| crate::migrate::shell::word(w))
                .collect::<Vec<_>>()
                .join(" "),
            false,
        ),
        _ => (String::new(), false),
    };
    let mut note = None;
    if c.get("namespaced").and_then(Value::as_bool) == Some(true) && !is_script {
        let words = crate::migrate::shell::words(&text);
        let has_ns = words
            .iter()
            .any(|w| w == "-n" || w.starts_with("--namespace") || w.starts_with("-n="));
        if words.first().is_some_and(|w| w == "kubectl") && !has_ns {
            text.push_str(" --namespace \"${NAMESPACE}\"");
        }
    }
    crate::migrate::copy_referenced(&text, dir, Path::new(""), files, r.ledger);
    let mut step = vec![("command", map(vec![("run", s(&text))]))];
    if c.get("ignoreFailure").and_then(Value::as_bool) == Some(true) {
        step.push(("allowFailure", Value::Bool(true)));
    }
    let t = c
        .get("timeout")
        .and_then(duration)
        .unwrap_or_else(|| timeout.to_string());
    step.push(("timeout", s(&t)));
    if c.get("background").and_then(Value::as_bool) == Some(true) {
        note = Some(format!("`{text}` ran in the background in KUTTL; kdrill runs host commands to completion: start it with `&` and a pid file if it must outlive the step"));
    }
    if text.is_empty() {
        note = Some("a command without `command` or `script`: kept empty".into());
    }
    (map(step), note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_keep_failure_policy_and_timeouts() {
        let c: Value = serde_yaml::from_str(
            "{script: 'kubectl get pods -n $NAMESPACE', ignoreFailure: true, timeout: 20}",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (mut notes, mut ledger) = (Vec::new(), Ledger::default());
        let mut r = Reader {
            notes: &mut notes,
            ledger: &mut ledger,
            suite_ns: None,
        };
        let mut files = Vec::new();
        let (st, note) = command_step(&c, "30s", dir.path(), &mut files, &mut r);
        assert_eq!(
            serde_yaml::to_string(&st).unwrap(),
            "command:\n  run: kubectl get pods -n $NAMESPACE\nallowFailure: true\ntimeout: 20s\n"
        );
        assert!(note.is_none());
        let c: Value = serde_yaml::from_str("{command: 'sleep 100', background: true}").unwrap();
        assert!(command_step(&c, "30s", dir.path(), &mut files, &mut r)
            .1
            .unwrap()
            .contains("background"));
        // KUTTL expands $VARS in a command itself, `$$` is a dollar; `namespaced` adds
        // the namespace; the suite timeout is the command's
        let c: Value = serde_yaml::from_str(
            "{command: 'kubectl annotate cm x p=$$5 -l a=$NAMESPACE', namespaced: true}",
        )
        .unwrap();
        let (st, _) = command_step(&c, "45s", dir.path(), &mut files, &mut r);
        assert_eq!(
            serde_yaml::to_string(&st).unwrap(),
            "command:\n  run: kubectl annotate cm x 'p=$5' -l \"a=${NAMESPACE}\" --namespace \"${NAMESPACE}\"\ntimeout: 45s\n"
        );
    }

    #[test]
    fn deletes_by_name_and_labels() {
        let d: Value = serde_yaml::from_str("{apiVersion: v1, kind: Pod, name: a}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d, "30s").unwrap()).unwrap(),
            "delete:\n  object: v1/Pod/a\n  ignoreNotFound: true\ntimeout: 30s\n"
        );
        let d: Value =
            serde_yaml::from_str("{apiVersion: v1, kind: Pod, labels: {app: x}}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d, "30s").unwrap()).unwrap(),
            "delete:\n  kind: v1/Pod\n  selector: app=x\n  ignoreNotFound: true\ntimeout: 30s\n"
        );
        // a whole kind: kubectl deletes them all in the scenario's namespace and waits
        let d: Value = serde_yaml::from_str("{apiVersion: apps/v1, kind: Deployment}").unwrap();
        assert_eq!(
            serde_yaml::to_string(&delete_step(&d, "30s").unwrap()).unwrap(),
            "command:\n  run: kubectl delete deployment.apps --all --namespace \"${NAMESPACE}\" --ignore-not-found --wait=true\ntimeout: 30s\n"
        );
        let d: Value = serde_yaml::from_str("{apiVersion: v1, kind: Pod}").unwrap();
        assert!(serde_yaml::to_string(&delete_step(&d, "30s").unwrap())
            .unwrap()
            .contains("kubectl delete pod --all"));
    }
}
