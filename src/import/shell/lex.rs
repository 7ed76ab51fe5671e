//! The lexer: a line as words (with their quoting and substitutions) and operators,
//! and whether it is complete or continues on the next line.

/// One word of a command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// As written.
    pub raw: String,
    /// Quotes removed and escapes resolved; substitutions kept as written.
    pub value: String,
    /// The texts inside the substitutions of this word (`$(...)`, backticks, `(...)`).
    pub subs: Vec<String>,
    /// Some part of the word was quoted.
    pub quoted: bool,
}

/// An operator between or around words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Pipe,
    And,
    Or,
    Semi,
    /// `&`: the command before it runs in the background.
    Background,
    /// `>`, `>>`, `<`, `2>`, `2>&1`, `&>`, `<<<`: the operator as written.
    Redirect(String),
    /// `<<EOF`, `<<-EOF`, `<<'EOF'`.
    Heredoc(HeredocMark),
}

/// A here-document a line opens: its end marker, and whether leading tabs are removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeredocMark {
    pub delimiter: String,
    pub strip_tabs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Op(Op),
}

/// Why a line is not complete: the command goes on on the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// A `\` at the end (bash, zsh, sh, fish).
    Backslash,
    /// A `` ` `` at the end (PowerShell).
    Backtick,
    /// A `^` at the end (cmd).
    Caret,
    /// A quote left open (zsh shows `quote>`/`dquote>`; blogs wrap long lines inside one).
    Quote,
    /// A `$(` or `(` left open.
    Substitution,
    /// A line ending in `|`, `&&` or `||`.
    Operator,
}

/// A lexed line (or several joined lines).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    /// Why the text continues on the next line, if it does.
    pub open: Option<Open>,
    /// A trailing `# comment`, without the `#`.
    pub comment: Option<String>,
    /// Where the comment starts (a byte offset of the text), if there is one.
    pub comment_at: Option<usize>,
}

pub(super) fn word_char_stops(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | '&' | ';' | '<' | '>')
}

/// The length of a placeholder such as `<pod-name>` at `chars[i]`: tutorials write
/// them where a shell would see a redirection.
pub(super) fn placeholder_len(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'<') || !chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut j = i + 1;
    while let Some(&c) = chars.get(j) {
        if c == '>' {
            // a redirection's target is followed by a space; `<name>` by anything
            return Some(j + 1 - i);
        }
        if !(c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return None;
        }
        j += 1;
    }
    None
}

/// A substitution at `at` whose inside starts at `inner`, added to the word `w` with
/// its inside; one never closed takes the rest of the line and leaves it open. Returns
/// where reading goes on.
fn substitution(
    chars: &[char],
    at: usize,
    inner: usize,
    w: &mut Word,
    open: &mut Option<Open>,
) -> usize {
    match balanced(chars, inner) {
        Some((text, end)) => {
            w.value.extend(&chars[at..end]);
            w.subs.push(text);
            end
        }
        None => {
            w.value.extend(&chars[at..]);
            *open = Some(Open::Substitution);
            chars.len()
        }
    }
}

/// Read a balanced `(...)` starting after the `(` at `chars[i]`; returns the inner
/// text and the index after `)`, or None when it is not closed.
pub(super) fn balanced(chars: &[char], mut i: usize) -> Option<(String, usize)> {
    let mut depth = 1;
    let mut inner = String::new();
    let (mut single, mut double) = (false, false);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '\\' if !single && i + 1 < chars.len() => {
                inner.push(c);
                inner.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '(' if !single && !double => depth += 1,
            ')' if !single && !double => {
                depth -= 1;
                if depth == 0 {
                    return Some((inner, i + 1));
                }
            }
            _ => {}
        }
        inner.push(c);
        i += 1;
    }
    None
}

/// Lex a command line. Never fails: what cannot be read is reported as `open`.
pub fn lex(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Lexed::default();
    let mut i = 0;
    let mut heredoc_next: Option<bool> = None;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // a comment starts a word
        if c == '#' {
            let rest: String = chars[i + 1..].iter().collect();
            out.comment = Some(rest.trim().to_string());
            out.comment_at = Some(chars[..i].iter().map(|c| c.len_utf8()).sum());
            break;
        }
        // operators
        let next = chars.get(i + 1).copied();
        let placeholder = placeholder_len(&chars, i).is_some();
        let op = match (c, next) {
            ('<', _) if placeholder => None,
            ('|', Some('|')) => Some((Op::Or, 2)),
            ('|', _) => Some((Op::Pipe, 1)),
            ('&', Some('&')) => Some((Op::And, 2)),
            ('&', Some('>')) => Some((Op::Redirect("&>".into()), 2)),
            ('&', _) => Some((Op::Background, 1)),
            (';', _) => Some((Op::Semi, 1)),
            ('>', Some('>')) => Some((Op::Redirect(">>".into()), 2)),
            ('>', Some('&')) => {
                let n: String = chars[i + 2..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == '-')
                    .collect();
                Some((Op::Redirect(format!(">&{n}")), 2 + n.chars().count()))
            }
            ('>', _) => Some((Op::Redirect(">".into()), 1)),
            ('<', Some('<')) => {
                if chars.get(i + 2) == Some(&'<') {
                    Some((Op::Redirect("<<<".into()), 3))
                } else {
                    let strip = chars.get(i + 2) == Some(&'-');
                    heredoc_next = Some(strip);
                    i += if strip { 3 } else { 2 };
                    continue;
                }
            }
            ('<', _) => Some((Op::Redirect("<".into()), 1)),
            _ => None,
        };
        if let Some((op, n)) = op {
            out.tokens.push(Token::Op(op));
            i += n;
            continue;
        }
        // a word
        let mut w = Word::default();
        let start = i;
        let mut open = None;
        while i < chars.len() {
            let c = chars[i];
            if let Some(n) = placeholder_len(&chars, i) {
                w.value.extend(&chars[i..i + n]);
                i += n;
                continue;
            }
            if word_char_stops(c) {
                break;
            }
            match c {
                '\'' => {
                    w.quoted = true;
                    match chars[i + 1..].iter().position(|&d| d == '\'') {
                        Some(p) => {
                            w.value.extend(&chars[i + 1..i + 1 + p]);
                            i += p + 2;
                        }
                        None => {
                            w.value.extend(&chars[i + 1..]);
                            i = chars.len();
                            open = Some(Open::Quote);
                        }
                    }
                }
                '"' => {
                    w.quoted = true;
                    i += 1;
                    let mut closed = false;
                    while i < chars.len() {
                        let d = chars[i];
                        if d == '"' {
                            closed = true;
                            i += 1;
                            break;
                        }
                        if d == '\\' && i + 1 < chars.len() {
                            let e = chars[i + 1];
                            if matches!(e, '"' | '\\' | '$' | '`') {
                                w.value.push(e);
                            } else {
                                w.value.push(d);
                                w.value.push(e);
                            }
                            i += 2;
                            continue;
                        }
                        if d == '$' && chars.get(i + 1) == Some(&'(') {
                            if let Some((inner, end)) = balanced(&chars, i + 2) {
                                w.value.extend(&chars[i..end]);
                                w.subs.push(inner);
                                i = end;
                                continue;
                            }
                        }
                        w.value.push(d);
                        i += 1;
                    }
                    if !closed {
                        open = Some(Open::Quote);
                    }
                }
                '\\' => match chars.get(i + 1) {
                    None => {
                        open = Some(Open::Backslash);
                        i += 1;
                    }
                    // an escape only before what needs one: Windows paths keep theirs
                    Some(&n)
                        if matches!(
                            n,
                            '"' | '\''
                                | '\\'
                                | '$'
                                | ' '
                                | '|'
                                | '&'
                                | ';'
                                | '('
                                | ')'
                                | '<'
                                | '>'
                                | '`'
                                | '*'
                                | '?'
                                | '!'
                                | '{'
                                | '}'
                        ) =>
                    {
                        w.value.push(n);
                        i += 2;
                    }
                    Some(_) => {
                        w.value.push('\\');
                        i += 1;
                    }
                },
                '$' if chars.get(i + 1) == Some(&'(') => {
                    i = substitution(&chars, i, i + 2, &mut w, &mut open);
                }
                // fish command substitution, a subshell, a PowerShell expression
                '(' if i == start => i = substitution(&chars, i, i + 1, &mut w, &mut open),
                '`' => match chars[i + 1..].iter().position(|&d| d == '`') {
                    Some(p) => {
                        let inner: String = chars[i + 1..i + 1 + p].iter().collect();
                        w.value.extend(&chars[i..i + p + 2]);
                        w.subs.push(inner);
                        i += p + 2;
                    }
                    None => {
                        // PowerShell continues a line with a trailing backtick
                        if i + 1 == chars.len() && i == start {
                            open = Some(Open::Backtick);
                        } else {
                            w.value.extend(&chars[i..]);
                            open = Some(Open::Quote);
                        }
                        i = chars.len();
                    }
                },
                _ => {
                    w.value.push(c);
                    i += 1;
                }
            }
        }
        w.raw = chars[start..i].iter().collect();
        // `2>` and `2>&1`: a file descriptor glued to a redirection
        if !w.quoted
            && !w.value.is_empty()
            && w.value.chars().all(|c| c.is_ascii_digit())
            && matches!(chars.get(i), Some('>') | Some('<'))
        {
            continue;
        }
        if let Some(strip) = heredoc_next.take() {
            out.tokens.push(Token::Op(Op::Heredoc(HeredocMark {
                delimiter: w.value.clone(),
                strip_tabs: strip,
            })));
        } else if w.raw == "^" && i >= chars.len() {
            open = Some(Open::Caret);
        } else if !w.raw.is_empty() || w.quoted {
            out.tokens.push(Token::Word(w));
        }
        if open.is_some() {
            out.open = open;
            return out;
        }
    }
    if let Some(Token::Op(Op::Pipe | Op::And | Op::Or)) = out.tokens.last() {
        out.open = Some(Open::Operator);
    }
    out
}

/// Split a command line into words like a POSIX shell would (quotes removed, no
/// expansion); operators become words of their own.
pub fn split(text: &str) -> Vec<String> {
    lex(text)
        .tokens
        .into_iter()
        .map(|t| match t {
            Token::Word(w) => w.value,
            Token::Op(Op::Pipe) => "|".into(),
            Token::Op(Op::And) => "&&".into(),
            Token::Op(Op::Or) => "||".into(),
            Token::Op(Op::Semi) => ";".into(),
            Token::Op(Op::Background) => "&".into(),
            Token::Op(Op::Redirect(r)) => r,
            Token::Op(Op::Heredoc(h)) => format!("<<{}", h.delimiter),
        })
        .collect()
}
