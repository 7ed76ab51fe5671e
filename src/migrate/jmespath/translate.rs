//! Translating an expression to CEL on the object under assertion (`self`), with the
//! bindings in scope as constants or saved variables.

use super::fold::{server_version_field, Known, Part, Scope};
use super::parse::{JError, J};
use serde_json::Value;

/// CEL text of a constant.
pub fn cel_literal(v: &Value) -> String {
    match v {
        Value::String(s) => cel_string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(cel_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", cel_string(k), cel_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

pub fn cel_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A field access in CEL: `a.b`, or `a['b-c']` for names CEL cannot spell.
pub fn cel_field(base: &str, field: &str) -> String {
    let plain = field
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(field, "in" | "as" | "null" | "true" | "false");
    if plain {
        format!("{base}.{field}")
    } else {
        format!("{base}[{}]", cel_string(field))
    }
}

/// Translation context: CEL for the current node, loop variables in use.
pub struct Cx<'a> {
    pub scope: &'a Scope,
    pub depth: usize,
}

impl Cx<'_> {
    fn var(&self) -> String {
        format!("x{}", self.depth)
    }
    fn deeper(&self) -> Cx<'_> {
        Cx {
            scope: self.scope,
            depth: self.depth + 1,
        }
    }
}

/// CEL for `e` evaluated on the node `cur` (a CEL expression).
pub fn to_cel(e: &J, cur: &str, cx: &Cx) -> Result<String, JError> {
    let un = |what: &str| Err(JError::Untranslatable(what.to_string()));
    Ok(match e {
        J::Current => cur.to_string(),
        J::Field(f) => cel_field(cur, f),
        J::Lit(v) => cel_literal(v),
        J::Var(name) => match cx.scope.get(name) {
            Some(Known::Json(v)) => cel_literal(v),
            Some(Known::Saved(v)) => v.clone(),
            Some(Known::Cel { cel, .. }) => format!("({cel})"),
            Some(Known::ServerVersion) => format!(
                "{{{}}}",
                ["gitVersion", "major", "minor"]
                    .iter()
                    .filter_map(|f| server_version_field(f).map(|v| format!("'{f}': {v}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(Known::Text(parts)) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => cel_string(s),
                    Part::Var(v) => v.clone(),
                })
                .collect::<Vec<_>>()
                .join(" + "),
            None => return Err(JError::UnknownBinding(name.clone())),
        },
        J::Sub(l, r) => match (l.as_ref(), r.as_ref()) {
            (J::Var(v), J::Field(f)) if cx.scope.get(v) == Some(&Known::ServerVersion) => {
                match server_version_field(f) {
                    Some(var) => var.to_string(),
                    None => return un(&format!("the server version's field `{f}`")),
                }
            }
            _ => {
                let base = to_cel(l, cur, cx)?;
                to_cel(r, &base, cx)?
            }
        },
        J::Index(base, n) => {
            let b = to_cel(base, cur, cx)?;
            if *n < 0 {
                format!("{b}[size({b}) - {}]", -n)
            } else {
                format!("{b}[{n}]")
            }
        }
        J::Project(l, rest) => {
            let list = to_cel(l, cur, cx)?;
            match rest {
                None => list,
                Some(r) => {
                    let v = cx.var();
                    format!("{list}.map({v}, {})", to_cel(r, &v, &cx.deeper())?)
                }
            }
        }
        J::Filter(l, cond, rest) => {
            let list = to_cel(l, cur, cx)?;
            let v = cx.var();
            let c = to_cel_bool(cond, &v, &cx.deeper())?;
            let filtered = format!("{list}.filter({v}, {c})");
            match rest {
                None => filtered,
                Some(r) => {
                    let w = cx.deeper().var();
                    format!(
                        "{filtered}.map({w}, {})",
                        to_cel(r, &w, &cx.deeper().deeper())?
                    )
                }
            }
        }
        J::Pipe(l, r) => {
            let base = to_cel(l, cur, cx)?;
            to_cel(r, &base, cx)?
        }
        J::Cmp(op, l, r) => {
            // `x != null` / `x == null`: presence, as JMESPath reads a missing field
            match (op, l.as_ref(), r.as_ref()) {
                (&"!=", x, J::Lit(Value::Null)) | (&"!=", J::Lit(Value::Null), x) => {
                    return presence(x, cur, cx)
                }
                (&"==", x, J::Lit(Value::Null)) | (&"==", J::Lit(Value::Null), x) => {
                    return Ok(format!("!({})", presence(x, cur, cx)?))
                }
                _ => {}
            }
            format!("{} {op} {}", to_cel(l, cur, cx)?, to_cel(r, cur, cx)?)
        }
        J::And(l, r) => format!(
            "({}) && ({})",
            to_cel_bool(l, cur, cx)?,
            to_cel_bool(r, cur, cx)?
        ),
        // `cond && value || other`, JMESPath's ternary (Chainsaw documents it): with a
        // boolean condition and a value that is never false, null or empty, the
        // first operand is `value` exactly when the condition holds
        J::Or(l, r) => match l.as_ref() {
            J::And(c, v) if is_boolean(c) && always_truthy(v) => format!(
                "({}) ? {} : {}",
                to_cel_bool(c, cur, cx)?,
                to_cel(v, cur, cx)?,
                to_cel(r, cur, cx)?
            ),
            _ => format!(
                "({}) || ({})",
                to_cel_bool(l, cur, cx)?,
                to_cel_bool(r, cur, cx)?
            ),
        },
        J::Not(x) => format!("!({})", to_cel_bool(x, cur, cx)?),
        J::Arith(op, l, r) => format!("({} {op} {})", to_cel(l, cur, cx)?, to_cel(r, cur, cx)?),
        J::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| to_cel(i, cur, cx))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ")
        ),
        J::Call(f, args) => {
            let a = |i: usize| to_cel(&args[i], cur, cx);
            match (f.as_str(), args.len()) {
                ("length", 1) => format!("size({})", a(0)?),
                ("contains", 2) => {
                    // a list or a string, as JMESPath's contains
                    let (hay, needle) = (a(0)?, a(1)?);
                    match &args[0] {
                        J::Project(..) | J::Filter(..) | J::List(_) => format!("{needle} in {hay}"),
                        _ if matches!(args[1], J::Lit(Value::String(_)))
                            && is_stringy(&args[0]) =>
                        {
                            format!("{hay}.contains({needle})")
                        }
                        _ => format!("({needle} in {hay})"),
                    }
                }
                ("starts_with", 2) => format!("{}.startsWith({})", a(0)?, a(1)?),
                ("ends_with", 2) => format!("{}.endsWith({})", a(0)?, a(1)?),
                ("to_string", 1) => match &args[0] {
                    J::Lit(Value::String(_)) => a(0)?,
                    _ => format!("string({})", a(0)?),
                },
                ("to_number", 1) => format!("int({})", a(0)?),
                ("join", 2) => format!("{}.join({})", a(1)?, a(0)?),
                ("semver_compare", 2) => format!("semverCompare({}, {})", a(0)?, a(1)?),
                ("trim_prefix", 2) => {
                    let (s, p) = (a(0)?, a(1)?);
                    format!("({s}.startsWith({p}) ? {s}.substring(size({p})) : {s})")
                }
                ("trim_suffix", 2) => {
                    let (s, p) = (a(0)?, a(1)?);
                    format!("({s}.endsWith({p}) ? {s}.substring(0, size({s}) - size({p})) : {s})")
                }
                ("trim_space", 1) => format!("{}.trim()", a(0)?),
                ("lower", 1) => format!("{}.lowerAscii()", a(0)?),
                ("upper", 1) => format!("{}.upperAscii()", a(0)?),
                ("keys", 1) => format!("{}.map({}, {})", a(0)?, cx.var(), cx.var()),
                ("values", 1) => {
                    let (m, v) = (a(0)?, cx.var());
                    format!("{m}.map({v}, {m}[{v}])")
                }
                ("abs", 1) => {
                    let x = a(0)?;
                    format!("({x} < 0 ? -{x} : {x})")
                }
                (other, n) => return un(&format!("the function `{other}` ({n} argument(s))")),
            }
        }
    })
}

/// A literal JMESPath reads as true: not false, null, `''`, `[]` or `{}`.
fn always_truthy(e: &J) -> bool {
    match e {
        J::Lit(Value::Bool(b)) => *b,
        J::Lit(Value::Null) => false,
        J::Lit(Value::String(s)) => !s.is_empty(),
        J::Lit(Value::Array(a)) => !a.is_empty(),
        J::Lit(Value::Object(o)) => !o.is_empty(),
        J::Lit(Value::Number(_)) => true,
        _ => false,
    }
}

/// Does `e` read the current object (`@`, a field), rather than only bindings and
/// constants?
fn reads_object(e: &J) -> bool {
    match e {
        J::Current | J::Field(_) => true,
        J::Var(_) | J::Lit(_) => false,
        J::Sub(l, _) | J::Index(l, _) | J::Project(l, _) | J::Filter(l, _, _) | J::Pipe(l, _) => {
            reads_object(l)
        }
        J::Cmp(_, a, b) | J::And(a, b) | J::Or(a, b) | J::Arith(_, a, b) => {
            reads_object(a) || reads_object(b)
        }
        J::Not(a) => reads_object(a),
        J::Call(_, args) | J::List(args) => args.iter().any(reads_object),
    }
}

/// Every `&&`, `||` and `!` of `e` is over booleans (CEL's are; JMESPath's pass values
/// on), or is the ternary `cond && value || other`.
fn boolean_logic(e: &J) -> bool {
    match e {
        J::Or(l, r) => match l.as_ref() {
            J::And(c, v) if is_boolean(c) && always_truthy(v) => {
                boolean_logic(c) && boolean_logic(r)
            }
            _ => is_boolean(l) && is_boolean(r) && boolean_logic(l) && boolean_logic(r),
        },
        J::And(a, b) => is_boolean(a) && is_boolean(b) && boolean_logic(a) && boolean_logic(b),
        J::Not(a) => is_boolean(a) && boolean_logic(a),
        J::Current | J::Field(_) | J::Var(_) | J::Lit(_) => true,
        J::Sub(a, b) | J::Pipe(a, b) | J::Cmp(_, a, b) | J::Arith(_, a, b) => {
            boolean_logic(a) && boolean_logic(b)
        }
        J::Index(a, _) => boolean_logic(a),
        J::Project(a, rest) => boolean_logic(a) && rest.as_deref().is_none_or(boolean_logic),
        J::Filter(a, c, rest) => {
            boolean_logic(a) && boolean_logic(c) && rest.as_deref().is_none_or(boolean_logic)
        }
        J::Call(_, args) | J::List(args) => args.iter().all(boolean_logic),
    }
}

/// The bindings `e` reads.
fn bindings(e: &J, out: &mut Vec<String>) {
    match e {
        J::Var(v) => out.push(v.clone()),
        J::Current | J::Field(_) | J::Lit(_) => {}
        J::Sub(a, b)
        | J::Pipe(a, b)
        | J::Cmp(_, a, b)
        | J::And(a, b)
        | J::Or(a, b)
        | J::Arith(_, a, b) => {
            bindings(a, out);
            bindings(b, out);
        }
        J::Index(a, _) | J::Not(a) => bindings(a, out),
        J::Project(a, rest) => {
            bindings(a, out);
            if let Some(r) = rest {
                bindings(r, out);
            }
        }
        J::Filter(a, c, rest) => {
            bindings(a, out);
            bindings(c, out);
            if let Some(r) = rest {
                bindings(r, out);
            }
        }
        J::Call(_, args) | J::List(args) => args.iter().for_each(|a| bindings(a, out)),
    }
}

/// CEL for `e` that the scenario can compute when it starts (a computed variable):
/// it reads no object, and only bindings known then: constants, the namespace, the
/// server's version, other computed values; not what a step saves.
pub fn start_cel(e: &J, scope: &Scope) -> Result<String, JError> {
    if reads_object(e) {
        return Err(JError::Untranslatable(
            "a value that reads an object".into(),
        ));
    }
    if !boolean_logic(e) {
        return Err(JError::Untranslatable(
            "`&&`/`||` over values that are not booleans (other than `cond && value || other`)"
                .into(),
        ));
    }
    let computed: Vec<&str> = scope
        .values()
        .filter_map(|k| match k {
            Known::Cel { var, .. } => Some(var.as_str()),
            _ => None,
        })
        .collect();
    let at_start = |v: &str| {
        computed.contains(&v)
            || ["NAMESPACE", "RUN_ID"].contains(&v)
            || crate::scenario::VERSION_VARS.contains(&v)
    };
    let mut used = Vec::new();
    bindings(e, &mut used);
    for name in used {
        let known = match scope.get(&name) {
            Some(Known::Json(_) | Known::Cel { .. } | Known::ServerVersion) => true,
            Some(Known::Saved(v)) => at_start(v),
            Some(Known::Text(parts)) => parts.iter().all(|p| match p {
                Part::Lit(_) => true,
                Part::Var(v) => at_start(v),
            }),
            None => return Err(JError::UnknownBinding(name)),
        };
        if !known {
            return Err(JError::Untranslatable(format!(
                "`${name}`, which a step saves while the test runs,"
            )));
        }
    }
    to_cel(e, "self", &Cx { scope, depth: 0 })
}

fn is_stringy(e: &J) -> bool {
    !matches!(e, J::Project(..) | J::Filter(..) | J::List(_))
}

/// A boolean CEL expression for `e` (a truthiness test is not translated).
pub fn to_cel_bool(e: &J, cur: &str, cx: &Cx) -> Result<String, JError> {
    to_cel(e, cur, cx)
}

/// `has(...)` for a field path (JMESPath reads a missing field as null).
fn presence(x: &J, cur: &str, cx: &Cx) -> Result<String, JError> {
    match x {
        J::Field(f) => Ok(has(cur, f)),
        J::Sub(l, r) => match r.as_ref() {
            J::Field(f) => {
                let base = to_cel(l, cur, cx)?;
                let outer = presence(l, cur, cx)?;
                Ok(format!("{outer} && {}", has(&base, f)))
            }
            _ => Ok(format!("{} != null", to_cel(x, cur, cx)?)),
        },
        _ => Ok(format!("{} != null", to_cel(x, cur, cx)?)),
    }
}

fn has(base: &str, f: &str) -> String {
    let access = cel_field(base, f);
    if access.ends_with(']') {
        format!("{} in {base}", cel_string(f))
    } else {
        format!("has({access})")
    }
}

/// Is `e` evidently boolean (a comparison, a logical operator, a predicate)?
pub fn is_boolean(e: &J) -> bool {
    match e {
        J::Cmp(..) | J::And(..) | J::Or(..) | J::Not(_) => true,
        J::Call(f, _) => matches!(
            f.as_str(),
            "contains" | "starts_with" | "ends_with" | "semver_compare"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::jmespath::parse;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn cel(text: &str) -> String {
        let scope: Scope = [
            ("region".to_string(), Known::Saved("region".into())),
            ("tag".to_string(), Known::Json(json!("stable"))),
        ]
        .into();
        to_cel(
            &parse(text).unwrap(),
            "self.spec",
            &Cx {
                scope: &scope,
                depth: 0,
            },
        )
        .unwrap()
    }

    #[test]
    fn one_test_per_function() {
        assert_eq!(cel("length(containers)"), "size(self.spec.containers)");
        assert_eq!(
            cel("contains(containers[*].image, 'busybox:1.28')"),
            "'busybox:1.28' in self.spec.containers.map(x0, x0.image)"
        );
        assert_eq!(
            cel("contains(name, 'web')"),
            "self.spec.name.contains('web')"
        );
        assert_eq!(
            cel("starts_with(@, 'front')"),
            "self.spec.startsWith('front')"
        );
        assert_eq!(cel("to_string(port)"), "string(self.spec.port)");
        assert_eq!(
            cel("join(':', ['nginx', $tag])"),
            "['nginx', 'stable'].join(':')"
        );
        assert_eq!(
            cel("semver_compare(trim_prefix(server, 'v'), '>=1.30.0')"),
            "semverCompare((self.spec.server.startsWith('v') ? self.spec.server.substring(size('v')) : self.spec.server), '>=1.30.0')"
        );
        assert_eq!(cel("trim_space(out)"), "self.spec.out.trim()");
        assert_eq!(cel("to_number(minor)"), "int(self.spec.minor)");
    }

    /// Chainsaw's `x_k8s_server_version` and values made of it: CEL computed when
    /// the scenario starts, over kdrill's built-in variables.
    #[test]
    fn values_known_when_the_test_starts() {
        use crate::migrate::jmespath::fold;
        let mut scope: Scope = [
            ("version".to_string(), Known::ServerVersion),
            ("out".to_string(), Known::Saved("out".into())),
        ]
        .into();
        let start = |t: &str, scope: &Scope| start_cel(&parse(t).unwrap(), scope);
        let version = fold(&parse("x_k8s_server_version($config)").unwrap(), &scope);
        assert_eq!(version, Ok(Some(Known::ServerVersion)));
        assert_eq!(
            fold(&parse("$version.gitVersion").unwrap(), &scope)
                .unwrap()
                .and_then(|k| k.text())
                .as_deref(),
            Some("${KUBERNETES_VERSION}")
        );
        let minor = start("to_number($version.minor)", &scope).unwrap();
        assert_eq!(minor, "int(KUBERNETES_MINOR)");
        scope.insert(
            "minor".into(),
            Known::Cel {
                var: "minor".into(),
                cel: minor,
            },
        );
        assert_eq!(
            start("($minor >= `30` && 'ga') || 'beta'", &scope).unwrap(),
            "((int(KUBERNETES_MINOR)) >= 30) ? 'ga' : 'beta'"
        );
        // not mechanical: a value that may be falsy, an object's field, a saved output,
        // a field of the version kdrill has no variable for
        assert!(start("($minor >= `30` && '') || 'beta'", &scope).is_err());
        assert!(start("length(spec)", &scope).is_err());
        assert!(start("to_number($out)", &scope).is_err());
        assert!(start("$version.platform", &scope).is_err());
    }

    /// The ternary and the version fields mean what Chainsaw computes, on both sides
    /// of the condition.
    #[test]
    fn the_ternary_evaluates_as_chainsaw_would() {
        use crate::wait::expr::Expr;
        let scope: Scope = [("version".to_string(), Known::ServerVersion)].into();
        let cel = start_cel(
            &parse("(to_number($version.minor) >= `30` && 'ga') || 'beta'").unwrap(),
            &scope,
        )
        .unwrap();
        let e = Expr::parse(&cel).unwrap();
        for (minor, want) in [("34", "ga"), ("30", "ga"), ("29", "beta")] {
            let vars: BTreeMap<String, String> =
                [("KUBERNETES_MINOR".to_string(), minor.to_string())].into();
            assert_eq!(e.value(&vars), Ok(json!(want)), "minor {minor}");
        }
    }

    #[test]
    fn comparisons_filters_projections_and_bindings() {
        assert_eq!(cel("region != $region"), "self.spec.region != region");
        assert_eq!(
            cel("length(containers[?ports != null]) > `0`"),
            "size(self.spec.containers.filter(x0, has(x0.ports))) > 0"
        );
        assert_eq!(
            cel("conditions[?type == 'Established'].status | [0]"),
            "self.spec.conditions.filter(x0, x0.type == 'Established').map(x1, x1.status)[0]"
        );
        assert_eq!(
            cel("observedGeneration >= `1`"),
            "self.spec.observedGeneration >= 1"
        );
        assert_eq!(cel("targets != null"), "has(self.spec.targets)");
        assert_eq!(
            cel("\"app.kubernetes.io/name\""),
            "self.spec['app.kubernetes.io/name']"
        );
        assert_eq!(
            cel("env[?name == 'ROLE'] | length(@)"),
            "size(self.spec.env.filter(x0, x0.name == 'ROLE'))"
        );
        assert!(matches!(
            to_cel(
                &parse("x_k8s_get($client, 'v1')").unwrap(),
                "self",
                &Cx {
                    scope: &Scope::new(),
                    depth: 0
                }
            ),
            Err(JError::Untranslatable(_))
        ));
    }

    /// The translation means what the JMESPath meant: each is evaluated by kdrill's
    /// CEL on an object where the source expression (as Chainsaw reads it) is true,
    /// and on one where it is false.
    #[test]
    fn translations_evaluate_as_chainsaw_would() {
        use crate::wait::expr::{Expr, Verdict};
        let pod = json!({"spec": {
            "containers": [{"name": "web", "image": "nginx:stable", "ports": [{"containerPort": 80}]},
                           {"name": "side", "image": "busybox:1.28"}],
            "name": "frontend-web", "port": 8080, "server": "v1.34.4", "out": "  ok \n",
            "minor": "34", "region": "us-east-2", "labels": {"tier": "front"},
            "conditions": [{"type": "Established", "status": "True"}]
        }});
        let other = json!({"spec": {
            "containers": [{"name": "web", "image": "nginx:1.0"}],
            "name": "backend", "port": 9090, "server": "v1.29.0", "out": "no",
            "minor": "29", "region": "us-west-2", "labels": {},
            "conditions": [{"type": "Established", "status": "False"}]
        }});
        let vars: BTreeMap<String, String> =
            [("region".to_string(), "us-east-2".to_string())].into();
        for (jmes, value) in [
            ("length(containers)", "2"),
            ("contains(containers[*].image, 'busybox:1.28')", "true"),
            ("contains(name, 'web')", "true"),
            ("starts_with(name, 'front')", "true"),
            ("ends_with(name, '-web')", "true"),
            ("to_string(port)", "'8080'"),
            ("join(':', ['nginx', name])", "'nginx:frontend-web'"),
            (
                "semver_compare(trim_prefix(server, 'v'), '>=1.30.0')",
                "true",
            ),
            ("trim_space(out)", "'ok'"),
            ("to_number(minor)", "34"),
            ("region == $region", "true"),
            ("length(containers[?ports != null])", "1"),
            ("conditions[?type == 'Established'].status | [0]", "'True'"),
            ("length(keys(labels))", "1"),
        ] {
            let cel = format!("{} == {value}", cel(jmes));
            let e = Expr::parse(&cel).unwrap_or_else(|e| panic!("{jmes} → {cel}: {e}"));
            assert_eq!(e.eval(&pod, &vars), Verdict::Holds, "{jmes} → {cel}");
            assert!(
                !matches!(e.eval(&other, &vars), Verdict::Holds),
                "{jmes} → {cel} holds on the other object"
            );
        }
    }
}
