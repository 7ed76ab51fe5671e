//! Whether a line of a block without prompts is a command, and how sure that is.

use super::lex::Op;
use super::{Script, PROGRAMS};
use regex::Regex;
use std::sync::OnceLock;

/// Program words that are also ordinary English words: without a prompt, a line starting
/// with one is a command only when its next word looks like an argument.
pub(super) const WEAK: &[&str] = &[
    "make", "go", "node", "http", "ip", "ss", "cat", "more", "less", "find", "sort", "cut", "head",
    "tail", "touch", "date", "free", "uptime", "service", "mount", "true", "false", "open", "code",
    "set", "type", "wait", "read", "test", "clear", "where", "dir", "copy", "del", "history",
    "jobs", "source", "local", "declare", "watch", "timeout", "id", "for", "while", "until", "if",
    "which", "kind", "flux", "tilt", "krew", "k", "ab", "hey", "sleep", "echo", "printf", "seq",
    "ps", "kill", "diff", "env", "ln", "stat", "du", "df", "tee", "tr", "ping", "host", "exit",
    "pwd", "cd", "ls", "rm", "cp", "mv",
];

pub(super) fn powershell_cmdlet_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(Get|Set|New|Remove|Invoke|Start|Stop|Test|Write|Select|Where|ForEach|Out|Copy|Move|Add|Import|Export|ConvertTo|ConvertFrom|Measure|Enable|Disable|Restart|Wait|Clear|Resolve|Split|Join|Format|Update|Install|Uninstall|Push|Pop|Expand|Compress|Read)-[A-Z][A-Za-z]+$")
            .expect("cmdlet regex")
    })
}

/// How sure a command word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// A word that also reads as English (`kind`, `watch`, `date`) or a bare assignment.
    Weak,
    /// A program's name, a path to an executable, a cmdlet.
    Strong,
}

/// Whether the words of `line` start a command, judged by what its first word is: a
/// known program, a shell builtin, a path to an executable, an assignment, a
/// PowerShell cmdlet or expression. None when it is not a command.
pub fn command_start(line: &str) -> Option<Certainty> {
    let first_raw = line.split_whitespace().next()?;
    // `nginx:`, `Name:` are labels of output, not programs
    if first_raw.ends_with(':') || first_raw.ends_with(',') {
        return None;
    }
    let script = Script::parse(line);
    let first = script.commands.first()?;
    if first.words.is_empty() {
        // assignments only: `IP=$(kubectl ...)`, `export` without the keyword
        let a = first.assignments.first()?;
        let with_value = a.raw.contains('$') || a.quoted || a.raw.contains('`');
        return with_value.then_some(Certainty::Weak);
    }
    let w = &first.words[0];
    let v = w.value.as_str();
    let next = first.words.get(1).map(|w| w.value.as_str());
    // a subshell, fish's (...), PowerShell's (expression): judged by what is inside
    if v.starts_with('(') && !w.subs.is_empty() {
        return command_start(w.subs[0].trim());
    }
    if w.quoted {
        return None;
    }
    if powershell_cmdlet_re().is_match(v) {
        return Some(Certainty::Strong);
    }
    if matches!(v, "for" | "while" | "until" | "if") {
        // a loop or a test only with its keywords: `for i in 0 1; do ...`
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect();
        let complete = words.contains(&"do") || words.contains(&"then");
        return complete.then_some(Certainty::Strong);
    }
    if PROGRAMS.contains(&v) {
        if !first.assignments.is_empty() {
            return Some(Certainty::Strong);
        }
        if WEAK.contains(&v) {
            let sub_of = |subs: &[&str]| next.is_some_and(|n| subs.contains(&n));
            let known_sub = match v {
                "kind" => sub_of(&[
                    "create", "delete", "get", "load", "export", "build", "version",
                ]),
                "k" => next.is_some_and(|n| crate::import::kubectl::VERBS.contains(&n)),
                "flux" => sub_of(&[
                    "install",
                    "bootstrap",
                    "get",
                    "create",
                    "reconcile",
                    "check",
                ]),
                "go" => sub_of(&["run", "build", "test", "install", "get", "mod"]),
                "make" => true,
                _ => false,
            };
            let argument_like = known_sub
                || next.is_some_and(|n| {
                    n.starts_with('-')
                        || n.starts_with('/')
                        || n.starts_with("./")
                        || n.starts_with('$')
                        || n.starts_with('~')
                        || n.contains('/')
                        || n.contains('.')
                        || n.contains('=')
                })
                || first.words.len() == 1
                    && matches!(
                        v,
                        "exit" | "pwd" | "ls" | "clear" | "cls" | "history" | "jobs"
                    )
                || (first.words.get(1).is_some_and(|n| n.quoted))
                || first.then == Some(Op::Pipe)
                || !first.redirects.is_empty();
            return Some(if argument_like {
                Certainty::Strong
            } else {
                Certainty::Weak
            });
        }
        return Some(Certainty::Strong);
    }
    // a path to an executable
    let exe_ext = [".sh", ".ps1", ".exe", ".bat", ".cmd", ".py"];
    let pathish = v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with(".\\")
        || ((v.starts_with('/') || v.starts_with("~/"))
            && (v.contains("/bin/") || exe_ext.iter().any(|e| v.ends_with(e))));
    if pathish && !v.ends_with(':') {
        return Some(Certainty::Strong);
    }
    None
}
