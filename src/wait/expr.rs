//! `expr:` of `assert` and `until` (of `wait`): a CEL expression (the language of CRD
//! validation rules and admission policies) evaluated on the watched object, `self`.
//! The scenario's variables (`vars:`, `--set`, what earlier steps saved, `NAMESPACE`)
//! are CEL variables by name, as values, never pasted into the text: a value that is a
//! JSON object or list is that object or list, anything else a string.
//!
//! Compiled when the scenario is read (a syntax error is a load and lint error with its
//! place in the expression); on failure, the values of its parts are shown:
//! `self.status.readyReplicas == self.spec.replicas` → `self.status.readyReplicas = 1,
//! self.spec.replicas = 2`.
//!
//! Beyond standard CEL: the `strings` and `lists` extensions (`join`, `lowerAscii`,
//! `split`, ...) and `semverCompare(version, constraint)` (`>=1.30.0`, `<2, >=1.2`,
//! `=1.2.3 || =1.3.0`; a version that is not `MAJOR.MINOR.PATCH` is an error).

use cel::common::ast::{Expr as Ast, LiteralValue};
use cel::{Context, Env, ExecutionError, IdedExpr, Program, Value as Cel};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A compiled CEL expression and its text.
#[derive(Clone)]
pub struct Expr {
    text: String,
    program: Arc<Program>,
}

/// Why a text is not a usable expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// A CEL syntax error, at 1-based line and column of the expression.
    #[error("CEL: {line}:{col}: {message}")]
    Syntax {
        line: usize,
        col: usize,
        message: String,
    },
    #[error("CEL sees variables by name: write `{0}`, not `${{{0}}}`")]
    Pasted(String),
    #[error("the expression is empty")]
    Empty,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Holds,
    /// It is false (or not a boolean); the values of its parts, as `part = value`.
    Fails(Vec<String>),
    /// It could not be evaluated (a missing field, a type error).
    Error(String),
}

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // both are declarations into a fresh environment: they cannot conflict
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        Arc::new(env)
    })
    .clone()
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        if text.trim().is_empty() {
            return Err(ExprError::Empty);
        }
        if let Some(i) = text.find("${") {
            let name: String = text[i + 2..].chars().take_while(|c| *c != '}').collect();
            return Err(ExprError::Pasted(name));
        }
        let program = env().compile(text).map_err(|e| {
            let first = e.errors.first();
            let (line, col) = first.map_or((1, 1), |e| {
                (
                    usize::try_from(e.pos.0).unwrap_or(1).max(1),
                    usize::try_from(e.pos.1).unwrap_or(0) + 1,
                )
            });
            ExprError::Syntax {
                line,
                col,
                message: first.map_or_else(|| e.to_string(), |e| e.msg.clone()),
            }
        })?;
        Ok(Expr {
            text: text.to_string(),
            program: Arc::new(program),
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluate on `object` with the scenario's variables.
    pub fn eval(&self, object: &Value, vars: &BTreeMap<String, String>) -> Verdict {
        let ctx = context(Some(object), vars);
        match self.program.execute(&ctx) {
            Ok(Cel::Bool(true)) => Verdict::Holds,
            Ok(other) => {
                let mut parts = explain(&self.program.expression().clone(), &ctx);
                if !matches!(other, Cel::Bool(_)) {
                    parts.insert(0, format!("the result is {}, not a boolean", show(&other)));
                }
                Verdict::Fails(parts)
            }
            Err(e) => Verdict::Error(error_text(&e)),
        }
    }
}

impl Expr {
    /// The value of the expression, without an object (`self` is unknown), as JSON:
    /// a variable computed when the scenario starts (`vars: {X: {expr: ...}}`).
    pub fn value(&self, vars: &BTreeMap<String, String>) -> Result<Value, String> {
        let ctx = context(None, vars);
        let v = self.program.execute(&ctx).map_err(|e| error_text(&e))?;
        v.json()
            .map_err(|_| format!("the result {} is not a JSON value", show(&v)))
    }

    /// The names the expression reads (variables, `self`), without the variables its
    /// macros bind (`x` of `list.all(x, ...)`).
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let (mut used, mut bound) = Default::default();
        names(self.program.expression(), &mut used, &mut bound);
        used.retain(|n| !bound.contains(n));
        used
    }
}

/// The CEL context of an evaluation: the variables, the object as `self` (when there
/// is one), and kdrill's functions.
fn context(object: Option<&Value>, vars: &BTreeMap<String, String>) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(env());
    for (name, value) in vars {
        if is_identifier(name) {
            ctx.add_variable_from_value(name.clone(), var_value(value));
        }
    }
    if let Some(o) = object {
        ctx.add_variable_from_value("self", to_cel(o));
    }
    // Context::add_function refuses names of declared overloads; ours is not one
    let _ = ctx.add_function("semverCompare", semver_compare);
    ctx
}

fn names(
    e: &IdedExpr,
    used: &mut std::collections::BTreeSet<String>,
    bound: &mut std::collections::BTreeSet<String>,
) {
    use cel::common::ast::EntryExpr;
    match &e.expr {
        Ast::Ident(n) => {
            used.insert(n.clone());
        }
        Ast::Select(s) => names(&s.operand, used, bound),
        Ast::Call(c) => {
            if let Some(t) = &c.target {
                names(t, used, bound);
            }
            for a in &c.args {
                names(a, used, bound);
            }
        }
        Ast::List(l) => {
            for x in &l.elements {
                names(x, used, bound);
            }
        }
        Ast::Map(m) => {
            for entry in &m.entries {
                match &entry.expr {
                    EntryExpr::MapEntry(me) => {
                        names(&me.key, used, bound);
                        names(&me.value, used, bound);
                    }
                    EntryExpr::StructField(f) => names(&f.value, used, bound),
                }
            }
        }
        Ast::Struct(st) => {
            for entry in &st.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    names(&f.value, used, bound);
                }
            }
        }
        Ast::Comprehension(c) => {
            bound.insert(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.insert(c.accu_var.clone());
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                names(x, used, bound);
            }
        }
        Ast::Literal(_) | Ast::Unspecified => {}
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.text)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.text == other.text
    }
}

impl<'de> serde::Deserialize<'de> for Expr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Expr::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl schemars::JsonSchema for Expr {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CelExpression".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A CEL expression on the object, `self`; the scenario's variables by name"
        })
    }
}

/// What is wrong when `e` does not hold on `obj`, as lines for a failure report
/// (empty when it holds).
pub fn unmet(e: &Expr, obj: &Value, vars: &BTreeMap<String, String>) -> Vec<String> {
    match e.eval(obj, vars) {
        Verdict::Holds => Vec::new(),
        Verdict::Fails(parts) => vec![format!("`{e}` is false: {}", parts.join(", "))],
        Verdict::Error(m) => vec![format!("`{e}` cannot be evaluated: {m}")],
    }
}

fn is_identifier(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
        "self",
    ];
    crate::vars::check_name(name).is_ok() && !RESERVED.contains(&name)
}

/// A variable's text as a CEL value: JSON objects and lists as such, else a string.
fn var_value(text: &str) -> Cel {
    let t = text.trim();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return to_cel(&v);
        }
    }
    Cel::String(Arc::new(text.to_string()))
}

/// JSON as CEL: every integer an `int` (Kubernetes' integers are signed), objects maps.
pub fn to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => n
                .as_u64()
                .map(Cel::UInt)
                .unwrap_or_else(|| Cel::Float(n.as_f64().unwrap_or_default())),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(items) => Cel::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(m) => {
            let map: std::collections::HashMap<String, Cel> =
                m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Cel::from(map)
        }
    }
}

fn error_text(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no field `{k}` (absent in the object)"),
        ExecutionError::UndeclaredReference(r) => {
            format!("unknown name `{r}`: `self` is the object; variables are used by name")
        }
        other => other.to_string(),
    }
}

/// A CEL value as people read it (JSON-like).
fn show(v: &Cel) -> String {
    let text = match v {
        Cel::String(s) => format!("{s:?}"),
        Cel::Int(i) => i.to_string(),
        Cel::UInt(u) => format!("{u}u"),
        Cel::Float(f) => f.to_string(),
        Cel::Bool(b) => b.to_string(),
        Cel::Null => "null".into(),
        Cel::List(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Cel::Map(m) => {
            let mut entries: Vec<String> = m
                .map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k), show(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(", "))
        }
        other => format!("{other:?}"),
    };
    if text.chars().count() > 160 {
        let cut: String = text.chars().take(157).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn key_text(k: &cel::objects::Key) -> String {
    match k {
        cel::objects::Key::String(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}

/// The expression written back as text (for the parts shown on failure).
fn unparse(e: &IdedExpr) -> String {
    match &e.expr {
        Ast::Ident(n) => n.clone(),
        Ast::Select(s) if s.test => format!("has({}.{})", unparse(&s.operand), s.field),
        Ast::Select(s) => format!("{}.{}", unparse(&s.operand), s.field),
        Ast::Literal(l) => match l {
            LiteralValue::Boolean(b) => format!("{}", bool::from(*b)),
            LiteralValue::Int(i) => format!("{}", i64::from(*i)),
            LiteralValue::UInt(u) => format!("{}u", u64::from(*u)),
            LiteralValue::Double(d) => format!("{}", f64::from(*d)),
            LiteralValue::String(s) => format!("{:?}", String::from(s.clone())),
            LiteralValue::Null => "null".into(),
            LiteralValue::Bytes(_) => "b\"...\"".into(),
        },
        Ast::List(l) => format!(
            "[{}]",
            l.elements
                .iter()
                .map(unparse)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ast::Call(c) => {
            let args: Vec<String> = c.args.iter().map(unparse).collect();
            let infix = |op: &str| format!("{} {op} {}", args[0], args[1]);
            match (c.func_name.as_str(), args.len(), &c.target) {
                ("_[_]", 2, None) => format!("{}[{}]", args[0], args[1]),
                ("!_", 1, None) => format!("!{}", args[0]),
                ("-_", 1, None) => format!("-{}", args[0]),
                ("_?_:_", 3, None) => format!("{} ? {} : {}", args[0], args[1], args[2]),
                (op, 2, None) if op.starts_with('_') && op.ends_with('_') => {
                    infix(op.trim_matches('_'))
                }
                ("@in", 2, None) => infix("in"),
                (f, _, Some(t)) => format!("{}.{f}({})", unparse(t), args.join(", ")),
                (f, _, None) => format!("{f}({})", args.join(", ")),
            }
        }
        // a macro (`all`, `exists`, `map`, `filter`): its range and its macro
        Ast::Comprehension(c) => format!("{}.<{}>(…)", unparse(&c.iter_range), c.iter_var),
        Ast::Map(_) => "{…}".into(),
        _ => "…".into(),
    }
}

/// The values of the parts of a false expression: the operands of `&&`, `||` and `!`
/// followed down, and of each comparison or call the value of every argument.
fn explain(e: &IdedExpr, ctx: &Context) -> Vec<String> {
    let value = |x: &IdedExpr| match ctx.resolve(x) {
        Ok(v) => show(&v),
        Err(err) => format!("<{}>", error_text(&err)),
    };
    match &e.expr {
        Ast::Call(c) if matches!(c.func_name.as_str(), "_&&_" | "_||_") => {
            let mut out = Vec::new();
            for a in &c.args {
                let holds = matches!(ctx.resolve(a), Ok(Cel::Bool(true)));
                // for `&&` only the parts that fail matter; for `||` all of them
                if c.func_name == "_||_" || !holds {
                    out.extend(explain(a, ctx));
                }
            }
            out
        }
        Ast::Call(c) if c.func_name == "!_" => {
            vec![format!("{} = {}", unparse(&c.args[0]), value(&c.args[0]))]
        }
        Ast::Call(c) => {
            let mut out = Vec::new();
            if let Some(t) = &c.target {
                out.push(format!("{} = {}", unparse(t), value(t)));
            }
            for a in &c.args {
                if !matches!(a.expr, Ast::Literal(_)) {
                    out.push(format!("{} = {}", unparse(a), value(a)));
                }
            }
            if out.is_empty() {
                out.push(format!("{} = {}", unparse(e), value(e)));
            }
            out
        }
        _ => vec![format!("{} = {}", unparse(e), value(e))],
    }
}

/// `semverCompare(version, constraint)`, as Chainsaw's `semver_compare`.
fn semver_compare(version: Arc<String>, constraint: Arc<String>) -> Result<bool, ExecutionError> {
    let fail = |m: String| ExecutionError::function_error("semverCompare", m);
    let v = parse_semver(&version)
        .ok_or_else(|| fail(format!("`{version}` is not a version MAJOR.MINOR.PATCH")))?;
    let mut any = false;
    for alternative in constraint.split("||") {
        let mut all = true;
        for part in alternative
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let op_len = part
                .find(|c: char| c.is_ascii_digit() || c == 'v')
                .unwrap_or(part.len());
            let (op, want) = part.split_at(op_len);
            let w = parse_semver(want)
                .ok_or_else(|| fail(format!("`{part}` is not a constraint such as `>=1.30.0`")))?;
            let holds = match op.trim() {
                ">=" => v >= w,
                ">" => v > w,
                "<=" => v <= w,
                "<" => v < w,
                "!=" => v != w,
                "" | "=" | "==" => v == w,
                o => return Err(fail(format!("`{o}` is not a comparison"))),
            };
            all &= holds;
        }
        any |= all;
    }
    Ok(any)
}

/// `1.30.0`, `1.30` (patch 0); a leading `v` is not a version (as Chainsaw).
fn parse_semver(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim().split(['-', '+']).next()?;
    let mut it = core.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
    let patch = it.next().map_or(Some(0), |p| p.parse().ok())?;
    if it.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(text: &str, obj: Value) -> Verdict {
        Expr::parse(text).unwrap().eval(&obj, &BTreeMap::new())
    }

    /// A computed variable: a value without an object, from the other variables.
    #[test]
    fn values_without_an_object() {
        let vars: BTreeMap<String, String> = [
            ("KUBERNETES_MINOR".to_string(), "34".to_string()),
            ("KUBERNETES_VERSION".to_string(), "v1.34.4".to_string()),
        ]
        .into();
        let v = |t: &str| Expr::parse(t).unwrap().value(&vars);
        assert_eq!(
            v("int(KUBERNETES_MINOR) >= 30 ? 'ga' : 'beta'"),
            Ok(json!("ga"))
        );
        assert_eq!(v("int(KUBERNETES_MINOR) + 1"), Ok(json!(35)));
        assert_eq!(
            v("semverCompare(KUBERNETES_VERSION.substring(1), '>=1.30.0')"),
            Ok(json!(true))
        );
        assert_eq!(v("[1, 'a']"), Ok(json!([1, "a"])));
        assert!(v("int('x')").is_err());
        assert!(v("self.a").unwrap_err().contains("self"));
    }

    #[test]
    fn the_names_an_expression_reads() {
        let n = |t: &str| {
            Expr::parse(t)
                .unwrap()
                .names()
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(n("A + B.c"), ["A", "B"]);
        assert_eq!(n("L.all(x, x > N)"), ["L", "N"], "`x` is the macro's own");
        assert_eq!(n("{'k': V}['k'] == size([W])"), ["V", "W"]);
        assert_eq!(n("1 + 2"), Vec::<String>::new());
    }

    #[test]
    fn holds_fails_and_shows_the_parts() {
        let d = json!({"spec": {"replicas": 2}, "status": {"readyReplicas": 1}});
        assert_eq!(
            eval("self.status.readyReplicas == self.spec.replicas", d.clone()),
            Verdict::Fails(vec![
                "self.status.readyReplicas = 1".into(),
                "self.spec.replicas = 2".into()
            ])
        );
        assert_eq!(eval("self.spec.replicas == 2", d.clone()), Verdict::Holds);
        assert_eq!(
            eval(
                "self.spec.replicas == 2 && self.status.readyReplicas > 1",
                d.clone()
            ),
            Verdict::Fails(vec!["self.status.readyReplicas = 1".into()])
        );
        match eval("self.status.missing == 1", d) {
            Verdict::Error(e) => assert!(e.contains("missing"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_have_a_place_and_pasted_variables_are_refused() {
        match Expr::parse("self.spec.replicas ==") {
            Err(ExprError::Syntax { line: 1, col, .. }) => assert!(col > 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Expr::parse("self.metadata.name == '${NAME}'").unwrap_err(),
            ExprError::Pasted("NAME".into())
        );
        assert_eq!(Expr::parse(" ").unwrap_err(), ExprError::Empty);
    }

    #[test]
    fn variables_are_values_by_name() {
        let vars: BTreeMap<String, String> = [
            ("REGION".to_string(), "us-east-2".to_string()),
            ("secondary".to_string(), r#"{"data": {"n": 3}}"#.to_string()),
        ]
        .into();
        let e = Expr::parse("self.data.region != REGION && secondary.data.n == 3").unwrap();
        assert_eq!(
            e.eval(&json!({"data": {"region": "eu-west-1"}}), &vars),
            Verdict::Holds
        );
        let quote = Expr::parse("self.data.v == NAME").unwrap();
        let tricky: BTreeMap<String, String> =
            [("NAME".to_string(), "it's \"x\"".to_string())].into();
        assert_eq!(
            quote.eval(&json!({"data": {"v": "it's \"x\""}}), &tricky),
            Verdict::Holds
        );
    }

    #[test]
    fn extensions_and_semver() {
        let o =
            json!({"metadata": {"labels": {"tier": "frontend"}}, "v": "1.34.4", "l": ["a", "b"]});
        assert_eq!(
            eval("self.metadata.labels.tier.startsWith('front')", o.clone()),
            Verdict::Holds
        );
        assert_eq!(eval("self.l.join('-') == 'a-b'", o.clone()), Verdict::Holds);
        assert_eq!(
            eval("semverCompare(self.v, '>=1.30.0')", o.clone()),
            Verdict::Holds
        );
        assert_eq!(
            eval("semverCompare(self.v, '>=1.30.0, <1.34.0')", o.clone()),
            Verdict::Fails(vec!["self.v = \"1.34.4\"".into()])
        );
        assert_eq!(
            eval("semverCompare(self.v, '<1.0.0 || =1.34.4')", o.clone()),
            Verdict::Holds
        );
        assert!(matches!(
            eval("semverCompare('v1.34.4', '>=1.30.0')", o.clone()),
            Verdict::Error(_)
        ));
        // a kubelet version with its `v`, as the docs show
        assert_eq!(
            eval("semverCompare('v1.34.4'.substring(1), '>=1.30')", o.clone()),
            Verdict::Holds
        );
        assert_eq!(
            eval("self.l.size() == 2 && self.l.exists(x, x == 'b')", o),
            Verdict::Holds
        );
    }

    #[test]
    fn an_absent_field_is_an_error_and_has_tests_presence() {
        let o = json!({"status": {}});
        match eval("self.status.readyReplicas == 1", o.clone()) {
            Verdict::Error(m) => assert_eq!(m, "no field `readyReplicas` (absent in the object)"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            eval("has(self.status.readyReplicas)", o),
            Verdict::Fails(vec!["has(self.status.readyReplicas) = false".into()])
        );
    }
}
