//! Parsing a JMESPath expression into [`J`]: a recursive descent over Chainsaw's
//! subset (paths, filters, projections, pipes, comparisons, arithmetic, calls).

use serde_json::Value;

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
