//! Chainsaw's JMESPath expressions (`(length(spec.containers))`, `($foo)`,
//! `(join('-', [$a, 'b']))`): parsed into a small syntax tree, then either
//!
//! * evaluated at migration time ([`fold`]), when they only combine constants and
//!   bindings (the test namespace stays a `${NAMESPACE}` in the resulting text), or
//! * translated to CEL ([`to_cel`]) on the object under assertion, or
//! * left for a human, quoted, when neither is mechanical.
//!
//! Functions translated: `length`, `contains`, `starts_with`, `ends_with`, `to_string`,
//! `to_number`, `join`, `semver_compare`, `trim_prefix`, `trim_suffix`, `trim_space`
//! (as CEL's `trim()`), `lower`/`upper`, `keys`, `values`, `abs`; filters `[?...]`,
//! projections `[*]`, `| [0]`, comparisons, `&&`, `||`, `!`.

use serde_json::Value;
use std::collections::BTreeMap;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    /// `@`: the current node.
    Current,
    /// A field of the current node (`spec`, `"quoted"`).
    Field(String),
    /// `$name`.
    Var(String),
    /// `'text'`, `` `json` ``.
    Lit(Value),
    /// `a.b`: `b` evaluated on the result of `a`.
    Sub(Box<J>, Box<J>),
    /// `a[i]`.
    Index(Box<J>, i64),
    /// `a[*].rest` (`rest` None: the elements themselves).
    Project(Box<J>, Option<Box<J>>),
    /// `a[?cond].rest`.
    Filter(Box<J>, Box<J>, Option<Box<J>>),
    /// `a | b`.
    Pipe(Box<J>, Box<J>),
    Cmp(&'static str, Box<J>, Box<J>),
    And(Box<J>, Box<J>),
    Or(Box<J>, Box<J>),
    Not(Box<J>),
    /// `a + b` and friends (Chainsaw's arithmetic).
    Arith(&'static str, Box<J>, Box<J>),
    Call(String, Vec<J>),
    /// `[a, b]`: a list of expressions.
    List(Vec<J>),
}

/// Why an expression is not translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JError {
    #[error("cannot read it: {0}")]
    Syntax(String),
    #[error("{0} has no mechanical CEL form")]
    Untranslatable(String),
    #[error("`${0}` is not a binding of the test")]
    UnknownBinding(String),
}

// ------------------------------------------------------------------ parsing

struct P<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

/// Parse an expression (without its surrounding parentheses).
pub fn parse(text: &str) -> Result<J, JError> {
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
        text,
    };
    let e = p.pipe()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text"));
    }
    Ok(e)
}

/// The expression inside `(...)` of a Chainsaw key or value, when it is one.
pub fn expression_of(text: &str) -> Option<&str> {
    let t = text.trim();
    (t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]))
        .then(|| &t[1..t.len() - 1])
}

fn balanced(t: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in t.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '`' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

impl P<'_> {
    fn err(&self, what: &str) -> JError {
        JError::Syntax(format!("{what} at {} in `{}`", self.i + 1, self.text))
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.text[self.i..].starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn pipe(&mut self) -> Result<J, JError> {
        let mut l = self.or()?;
        while self.peek() == Some(b'|') && !self.text[self.i..].starts_with("||") {
            self.i += 1;
            let r = self.or()?;
            l = J::Pipe(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn or(&mut self) -> Result<J, JError> {
        let mut l = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            l = J::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<J, JError> {
        let mut l = self.not()?;
        while self.eat("&&") {
            let r = self.not()?;
            l = J::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<J, JError> {
        if self.peek() == Some(b'!') && !self.text[self.i..].starts_with("!=") {
            self.i += 1;
            return Ok(J::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<J, JError> {
        let l = self.arith()?;
        for op in ["==", "!=", ">=", "<=", ">", "<"] {
            if self.eat(op) {
                let r = self.arith()?;
                return Ok(J::Cmp(op, Box::new(l), Box::new(r)));
            }
        }
        Ok(l)
    }
    fn arith(&mut self) -> Result<J, JError> {
        let mut l = self.postfix()?;
        loop {
            let op = match self.peek() {
                Some(b'+') => "+",
                Some(b'-') => "-",
                Some(b'*') if !self.text[self.i..].starts_with("*]") => "*",
                Some(b'%') => "%",
                _ => return Ok(l),
            };
            self.i += 1;
            let r = self.postfix()?;
            l = J::Arith(op, Box::new(l), Box::new(r));
        }
    }
    fn postfix(&mut self) -> Result<J, JError> {
        let mut e = self.atom()?;
        loop {
            if self.peek() == Some(b'.') {
                self.i += 1;
                let r = self.atom_after_dot()?;
                e = attach(e, r);
            } else if self.peek() == Some(b'[') {
                self.i += 1;
                if self.eat("*") {
                    self.expect("]")?;
                    e = J::Project(Box::new(e), None);
                } else if self.eat("?") {
                    let cond = self.pipe()?;
                    self.expect("]")?;
                    e = J::Filter(Box::new(e), Box::new(cond), None);
                } else {
                    let n = self.number()?;
                    self.expect("]")?;
                    e = attach(e, J::Index(Box::new(J::Current), n));
                }
            } else {
                return Ok(e);
            }
        }
    }
    fn expect(&mut self, t: &str) -> Result<(), JError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{t}`")))
        }
    }
    fn number(&mut self) -> Result<i64, JError> {
        self.ws();
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.text[start..self.i]
            .parse()
            .map_err(|_| self.err("expected a number"))
    }
    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        (self.i > start).then(|| self.text[start..self.i].to_string())
    }
    fn quoted(&mut self, q: u8) -> Result<String, JError> {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != q {
            if self.s[self.i] == b'\\' {
                self.i += 1;
            }
            self.i += 1;
        }
        if self.i >= self.s.len() {
            return Err(self.err("unclosed quote"));
        }
        let t = self.text[start..self.i].replace("\\'", "'");
        self.i += 1;
        Ok(t)
    }
    fn atom_after_dot(&mut self) -> Result<J, JError> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                Ok(J::Field(self.quoted(b'"')?))
            }
            _ => self
                .ident()
                .map(J::Field)
                .ok_or_else(|| self.err("expected a field name")),
        }
    }
    fn atom(&mut self) -> Result<J, JError> {
        match self.peek() {
            Some(b'@') => {
                self.i += 1;
                Ok(J::Current)
            }
            Some(b'$') => {
                self.i += 1;
                self.ident()
                    .map(J::Var)
                    .ok_or_else(|| self.err("expected a binding name"))
            }
            Some(b'\'') => {
                self.i += 1;
                Ok(J::Lit(Value::String(self.quoted(b'\'')?)))
            }
            Some(b'`') => {
                self.i += 1;
                let raw = self.quoted(b'`')?;
                serde_json::from_str(&raw)
                    .or_else(|_| Ok(Value::String(raw.clone())))
                    .map(J::Lit)
            }
            Some(b'"') => {
                self.i += 1;
                Ok(J::Field(self.quoted(b'"')?))
            }
            Some(b'(') => {
                self.i += 1;
                let e = self.pipe()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(b'[') => {
                self.i += 1;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(J::List(Vec::new()));
                }
                // `[0]` after a pipe: an index of the current node
                if self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'-') {
                    let n = self.number()?;
                    self.expect("]")?;
                    return Ok(J::Index(Box::new(J::Current), n));
                }
                let mut items = vec![self.pipe()?];
                while self.eat(",") {
                    items.push(self.pipe()?);
                }
                self.expect("]")?;
                Ok(J::List(items))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let n = self.number()?;
                Ok(J::Lit(Value::from(n)))
            }
            _ => {
                let name = self
                    .ident()
                    .ok_or_else(|| self.err("unexpected character"))?;
                if self.peek() == Some(b'(') {
                    self.i += 1;
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        args.push(self.pipe()?);
                        while self.eat(",") {
                            args.push(self.pipe()?);
                        }
                        self.expect(")")?;
                    }
                    return Ok(J::Call(name, args));
                }
                match name.as_str() {
                    "true" => Ok(J::Lit(Value::Bool(true))),
                    "false" => Ok(J::Lit(Value::Bool(false))),
                    "null" => Ok(J::Lit(Value::Null)),
                    _ => Ok(J::Field(name)),
                }
            }
        }
    }
}

/// `r` evaluated on the result of `e`, inside a projection when `e` is one.
fn attach(e: J, r: J) -> J {
    match e {
        J::Project(l, None) => J::Project(l, Some(Box::new(r))),
        J::Project(l, Some(rest)) => J::Project(l, Some(Box::new(attach(*rest, r)))),
        J::Filter(l, c, None) => J::Filter(l, c, Some(Box::new(r))),
        J::Filter(l, c, Some(rest)) => J::Filter(l, c, Some(Box::new(attach(*rest, r)))),
        // `a[0]` parsed as a then [0]
        J::Index(base, n) if *base == J::Current => {
            J::Sub(Box::new(J::Index(base, n)), Box::new(r))
        }
        e => J::Sub(Box::new(e), Box::new(r)),
    }
}

// ------------------------------------------------------------------ folding

/// What a binding is known as at migration time.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// A constant.
    Json(Value),
    /// Text only known when the scenario runs: literal parts and `${VAR}`s.
    Text(Vec<Part>),
    /// A variable the scenario saves while it runs (an output, a computed binding),
    /// as CEL and as `${NAME}` text.
    Saved(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Var(String),
}

impl Known {
    /// As scenario text: constants as they are, variables as `${NAME}`, the source's own
    /// `${` escaped.
    pub fn text(&self) -> Option<String> {
        Some(match self {
            Known::Json(Value::String(s)) => escape_vars(s),
            Known::Json(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Known::Json(_) => return None,
            Known::Text(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => escape_vars(s),
                    Part::Var(v) => format!("${{{v}}}"),
                })
                .collect(),
            Known::Saved(v) => format!("${{{v}}}"),
        })
    }

    fn as_text_parts(&self) -> Option<Vec<Part>> {
        match self {
            Known::Json(Value::String(s)) => Some(vec![Part::Lit(s.clone())]),
            Known::Json(v @ (Value::Number(_) | Value::Bool(_))) => {
                Some(vec![Part::Lit(v.to_string())])
            }
            Known::Text(p) => Some(p.clone()),
            Known::Saved(v) => Some(vec![Part::Var(v.clone())]),
            Known::Json(_) => None,
        }
    }
}

/// kdrill reads `${` as a variable: the source's own is written `$${`.
pub fn escape_vars(s: &str) -> String {
    s.replace("${", "$${")
}

/// Bindings by name.
pub type Scope = BTreeMap<String, Known>;

/// Evaluate `e` at migration time with `scope`; None when it needs the object or
/// something only known at run time that is not plain text.
pub fn fold(e: &J, scope: &Scope) -> Result<Option<Known>, JError> {
    let json = |v: Value| Ok(Some(Known::Json(v)));
    match e {
        J::Lit(v) => json(v.clone()),
        J::Var(name) => match scope.get(name) {
            Some(k) => Ok(Some(k.clone())),
            None => Err(JError::UnknownBinding(name.clone())),
        },
        J::Sub(l, r) => match (fold(l, scope)?, r.as_ref()) {
            (Some(Known::Json(v)), J::Field(f)) => json(v.get(f).cloned().unwrap_or(Value::Null)),
            _ => Ok(None),
        },
        J::List(items) => {
            let mut out = Vec::new();
            for i in items {
                match fold(i, scope)? {
                    Some(Known::Json(v)) => out.push(v),
                    _ => return Ok(None),
                }
            }
            json(Value::Array(out))
        }
        J::Arith(op, l, r) => match (fold(l, scope)?, fold(r, scope)?) {
            (Some(Known::Json(a)), Some(Known::Json(b))) => match (a.as_i64(), b.as_i64()) {
                (Some(a), Some(b)) => json(Value::from(match *op {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    _ if b != 0 => a % b,
                    _ => return Ok(None),
                })),
                _ => Ok(None),
            },
            _ => Ok(None),
        },
        J::Call(f, args) => fold_call(f, args, scope),
        _ => Ok(None),
    }
}

fn fold_call(f: &str, args: &[J], scope: &Scope) -> Result<Option<Known>, JError> {
    match (f, args) {
        ("join", [sep, J::List(items)]) => {
            let Some(Known::Json(Value::String(sep))) = fold(sep, scope)? else {
                return Ok(None);
            };
            let mut parts: Vec<Part> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    parts.push(Part::Lit(sep.clone()));
                }
                match fold(item, scope)? {
                    Some(k) => match k.as_text_parts() {
                        Some(p) => parts.extend(p),
                        None => return Ok(None),
                    },
                    None => return Ok(None),
                }
            }
            Ok(Some(simplify(parts)))
        }
        ("to_string", [x]) => Ok(match fold(x, scope)? {
            Some(Known::Json(Value::String(s))) => Some(Known::Json(Value::String(s))),
            Some(Known::Json(v @ (Value::Number(_) | Value::Bool(_)))) => {
                Some(Known::Json(Value::String(v.to_string())))
            }
            Some(k @ (Known::Text(_) | Known::Saved(_))) => Some(k),
            _ => None,
        }),
        ("to_number", [x]) => Ok(match fold(x, scope)? {
            Some(Known::Json(Value::String(s))) => {
                s.parse::<i64>().ok().map(|n| Known::Json(n.into()))
            }
            Some(k @ Known::Json(Value::Number(_))) => Some(k),
            _ => None,
        }),
        _ => Ok(None),
    }
}

/// Literal parts merged; all literal: a constant string.
fn simplify(parts: Vec<Part>) -> Known {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    match out.as_slice() {
        [] => Known::Json(Value::String(String::new())),
        [Part::Lit(s)] => Known::Json(Value::String(s.clone())),
        _ => Known::Text(out),
    }
}

// ------------------------------------------------------------------ CEL

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
        J::Sub(l, r) => {
            let base = to_cel(l, cur, cx)?;
            to_cel(r, &base, cx)?
        }
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
        J::Or(l, r) => format!(
            "({}) || ({})",
            to_cel_bool(l, cur, cx)?,
            to_cel_bool(r, cur, cx)?
        ),
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
    use serde_json::json;

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

    #[test]
    fn folding_keeps_the_namespace_a_variable() {
        let scope: Scope = [
            (
                "namespace".to_string(),
                Known::Text(vec![Part::Var("NAMESPACE".into())]),
            ),
            ("basePort".to_string(), Known::Json(json!(8000))),
            ("offset".to_string(), Known::Json(json!(80))),
            ("service".to_string(), Known::Json(json!("inventory"))),
        ]
        .into();
        let f = |t: &str| {
            fold(&parse(t).unwrap(), &scope)
                .unwrap()
                .and_then(|k| k.text())
        };
        assert_eq!(
            f("join('-', ['replica-cap', $namespace])").as_deref(),
            Some("replica-cap-${NAMESPACE}")
        );
        assert_eq!(f("$basePort + $offset").as_deref(), Some("8080"));
        assert_eq!(
            f("join('', ['http://', $service, ':', to_string($basePort + $offset)])").as_deref(),
            Some("http://inventory:8080")
        );
        assert_eq!(
            f("truncate($service, `3`)"),
            None,
            "not folded: left for run time"
        );
        assert_eq!(expression_of("(length(x))"), Some("length(x)"));
        assert_eq!(expression_of("(a) && (b)"), None);
    }
}
