//! The shell grammar of the command lines posts show: words with their quoting,
//! substitutions (`$(...)`, backticks, fish's and PowerShell's `(...)`), pipes and
//! lists (`|`, `&&`, `||`, `;`, `&`, fish's `; and`), redirections and here-documents,
//! and whether a line is complete or continues on the next one. Enough of POSIX sh,
//! bash, zsh, fish, PowerShell and cmd to find the programs a line runs; never a
//! shell: nothing is expanded.
//!
//! `lex` turns a line into words and operators, `Script::parse` (here) into simple
//! commands, `programs` finds the program a command runs, `command_start` whether a
//! line of a block without prompts is a command at all.

mod command_start;
mod lex;
mod programs;
#[cfg(test)]
mod tests;

pub use command_start::{command_start, Certainty};
pub use lex::{lex, split, HeredocMark, Lexed, Op, Open, Token, Word};
pub use programs::{program_name, program_of, PROGRAMS};
use regex::Regex;
use std::sync::OnceLock;

/// One simple command: assignments, words, redirections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Simple {
    /// `NAME=value` words before the command.
    pub assignments: Vec<Word>,
    pub words: Vec<Word>,
    /// (operator, target) pairs: `> file`, `2>&1`, `< check.sh`.
    pub redirects: Vec<(String, String)>,
    pub heredocs: Vec<HeredocMark>,
    /// The operator that follows this command (`|`, `&&`, `;`, `&`), if any.
    pub then: Option<Op>,
}

impl Simple {
    /// The words' values.
    pub fn argv(&self) -> Vec<String> {
        self.words.iter().map(|w| w.value.clone()).collect()
    }
}

/// A parsed command line: its simple commands in order (pipelines and lists flattened;
/// keywords such as `for`, `do`, `done`, fish's `and` dropped).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub commands: Vec<Simple>,
    pub open: Option<Open>,
    pub comment: Option<String>,
    /// Where the comment starts (a byte offset of the text), if there is one.
    pub comment_at: Option<usize>,
}

const KEYWORDS: &[&str] = &[
    "do", "then", "else", "elif", "{", "}", "!", "and", "or", "not", "begin", "time",
];

fn assignment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*=").expect("assignment regex"))
}

/// `NAME=value`.
pub fn is_assignment(raw: &str) -> bool {
    assignment_re().is_match(raw)
}

impl Script {
    pub fn parse(text: &str) -> Script {
        let lexed = lex(text);
        let mut script = Script {
            open: lexed.open,
            comment: lexed.comment,
            comment_at: lexed.comment_at,
            ..Script::default()
        };
        let mut cur = Simple::default();
        let mut tokens = lexed.tokens.into_iter().peekable();
        let push = |cur: &mut Simple, then: Option<Op>, script: &mut Script| {
            let mut c = std::mem::take(cur);
            c.then = then;
            // keywords and loop headers are not commands
            while c
                .words
                .first()
                .is_some_and(|w| !w.quoted && KEYWORDS.contains(&w.value.as_str()))
            {
                c.words.remove(0);
            }
            let head = c.words.first().map(|w| w.value.clone()).unwrap_or_default();
            if matches!(head.as_str(), "for" | "done" | "fi" | "end" | "esac" | "in")
                || (c.words.is_empty() && c.assignments.is_empty())
            {
                return;
            }
            script.commands.push(c);
        };
        while let Some(t) = tokens.next() {
            match t {
                Token::Word(w) => {
                    if cur.words.is_empty() && !w.quoted && is_assignment(&w.raw) {
                        cur.assignments.push(w);
                    } else {
                        cur.words.push(w);
                    }
                }
                Token::Op(Op::Redirect(r)) => {
                    let target = if r.starts_with(">&") {
                        String::new()
                    } else {
                        match tokens.peek() {
                            Some(Token::Word(_)) => match tokens.next() {
                                Some(Token::Word(w)) => w.value,
                                _ => String::new(),
                            },
                            _ => String::new(),
                        }
                    };
                    cur.redirects.push((r, target));
                }
                Token::Op(Op::Heredoc(h)) => cur.heredocs.push(h),
                Token::Op(op) => push(&mut cur, Some(op), &mut script),
            }
        }
        push(&mut cur, None, &mut script);
        script
    }

    /// Every simple command, those inside substitutions included (after the command
    /// whose word holds them), in order.
    pub fn all_commands(&self) -> Vec<Simple> {
        let mut out = Vec::new();
        for c in &self.commands {
            out.push(c.clone());
            for w in c.assignments.iter().chain(&c.words) {
                for s in &w.subs {
                    out.extend(Script::parse(s).all_commands());
                }
            }
        }
        out
    }

    /// The here-documents the line opens, in order.
    pub fn heredocs(&self) -> Vec<HeredocMark> {
        self.commands
            .iter()
            .flat_map(|c| c.heredocs.iter().cloned())
            .collect()
    }
}
