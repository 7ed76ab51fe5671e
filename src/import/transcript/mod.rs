//! The transcript grammar: every line of every code block of a post, classified.
//!
//! A block is a terminal session (commands, their continuations, here-documents and
//! outputs, comments, prompts alone), a manifest, a file, an output shown in a block of
//! its own, or text. A command is found by what it is ([`prompt::split`]): after a
//! prompt of any shape, or bare where a block has no prompts (or before its first
//! one). A line without a prompt after a command in a block with prompts is output,
//! never a command. Commands typed in a shell a command opened (`kubectl exec -it ...
//! sh`, `minikube ssh`) are marked as such until it is left. A command shown bare and
//! then again with its output, or repeated in a summary, is marked `same_as` the one
//! that runs.
//!
//! `read` drives a `Reader` over the blocks: `reader` classifies a block and its
//! manifests, files and outputs; `session` walks a terminal session line by line;
//! `classify` holds the tests on single lines (a result line, a comment, a config file,
//! a command that opens a shell); `blanks` and `same_as` are the passes after it.

mod blanks;
mod classify;
mod reader;
mod same_as;
mod session;
#[cfg(test)]
mod tests;

use super::blocks::{find_blocks, Block};
use super::kubectl;
use super::prompt;
use super::shell::{self, Open, Script};
pub use classify::is_result_line;
use same_as::same_as;
use std::collections::{BTreeMap, BTreeSet};

/// What a line of a code block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The first line of command `i` (an index into [`Transcript::commands`]).
    Command(usize),
    /// A further line of command `i`.
    Continuation(usize),
    /// A line command `i` printed.
    Output(usize),
    /// A line of the here-document of command `i` (its end marker included).
    Heredoc(usize),
    /// A line of manifest `i` (an index into [`Transcript::manifests`]).
    Manifest(usize),
    /// A file that is not a manifest (a kind config, a script, a data file).
    File,
    Comment,
    Blank,
    /// A prompt with nothing typed after it (the first line of two-line prompts).
    Prompt,
    /// Anything else: an elision (`...`, `[...]`), `^C`, a fragment, an editor buffer.
    Text,
}

/// Where a command was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// The author's own shell (also after `sudo -i`: the same machine).
    Workstation,
    /// A shell in a container that command `i` opened (`kubectl exec -it ... sh`).
    Container(usize),
    /// A shell on a node that command `i` opened (`minikube ssh`, `ssh`).
    Node(usize),
}

/// A here-document: its end marker, body and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    /// `<<-`: leading tabs are removed.
    pub strip_tabs: bool,
    /// The end marker was seen.
    pub closed: bool,
    /// The body without continuation prompts, one `\n` per line.
    pub body: String,
    pub lines: Vec<usize>,
}

/// One command the post shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The post line it starts on.
    pub line: usize,
    /// Index of its block in [`Transcript::blocks`].
    pub block: usize,
    /// The exact text before it on its line.
    pub prompt: String,
    /// The command as typed: prompt removed, continuation lines joined.
    pub text: String,
    pub shell: Shell,
    /// Its further lines (continuations).
    pub continuation: Vec<usize>,
    /// Continuation lines a blog wrapped in the middle of a word (joined without a space).
    pub wrapped: Vec<usize>,
    pub heredocs: Vec<Heredoc>,
    /// The lines it printed.
    pub output: Vec<usize>,
    /// The same command as command `i` (shown bare then run, or repeated in a summary).
    pub same_as: Option<usize>,
    /// Runs in the background (`&`).
    pub background: bool,
    /// A trailing `# comment`.
    pub comment: Option<String>,
}

impl Command {
    /// The command, parsed.
    pub fn script(&self) -> Script {
        Script::parse(&self.text)
    }

    /// The program that does the work: `kubectl` wherever it appears (`sudo kubectl`,
    /// `cat <<EOF | kubectl apply -f -`, `$(kubectl ...)`), else the first program
    /// (past `sudo`, assignments and keywords; the substitution of `export X=$(...)`).
    pub fn program(&self) -> String {
        let script = self.script();
        let all = script.all_commands();
        if let Some(k) = all.iter().find_map(|c| {
            let (_, p) = shell::program_of(c)?;
            (p == "kubectl" || kubectl_wrapper(c).is_some()).then_some("kubectl".to_string())
        }) {
            return k;
        }
        let Some(first) = script.commands.first() else {
            return String::new();
        };
        let own = shell::program_of(first).map(|(_, p)| p);
        let in_value = || {
            first
                .assignments
                .iter()
                .chain(first.words.iter().skip(1))
                .flat_map(|w| &w.subs)
                .flat_map(|s| Script::parse(s).commands)
                .find_map(|c| shell::program_of(&c).map(|(_, p)| p))
        };
        match own.as_deref() {
            None => in_value().unwrap_or_default(),
            Some("export" | "set" | "setx") => in_value().or(own).unwrap_or_default(),
            Some(p) if p.starts_with('(') => first.words[0]
                .subs
                .first()
                .and_then(|s| Script::parse(s).commands.into_iter().next())
                .and_then(|c| shell::program_of(&c).map(|(_, p)| p))
                .unwrap_or_default(),
            Some(_) => own.unwrap_or_default(),
        }
    }

    /// The kubectl command that does the work: the first one, or the one a dry run
    /// pipes its manifest into (`kubectl create ... --dry-run=client -o yaml | kubectl
    /// apply -f -`).
    pub fn main_kubectl(&self) -> Option<kubectl::Kubectl> {
        let all = self.kubectl();
        let first = all.first()?;
        if first.dry_run() && all.len() > 1 {
            return all.get(1).cloned();
        }
        Some(first.clone())
    }

    /// The kubectl commands of the line, read (those that parse), in order.
    pub fn kubectl(&self) -> Vec<kubectl::Kubectl> {
        self.script()
            .all_commands()
            .iter()
            .filter_map(kubectl_argv)
            .filter_map(|argv| kubectl::parse(&argv).ok())
            .collect()
    }
}

/// `minikube kubectl --`, `microk8s kubectl`, `k3s kubectl`: kubectl run by another tool.
fn kubectl_wrapper(c: &shell::Simple) -> Option<usize> {
    let (i, p) = shell::program_of(c)?;
    let next = c.words.get(i + 1).map(|w| w.value.as_str());
    match (p.as_str(), next) {
        ("minikube", Some("kubectl")) => {
            let dash = c.words.get(i + 2).is_some_and(|w| w.value == "--");
            Some(if dash { i + 3 } else { i + 2 })
        }
        ("microk8s" | "k3s", Some("kubectl")) => Some(i + 2),
        ("microk8s.kubectl", _) => Some(i + 1),
        _ => None,
    }
}

/// The argv (without the program) of a simple command that runs kubectl.
pub fn kubectl_argv(c: &shell::Simple) -> Option<Vec<String>> {
    let argv = c.argv();
    if let Some(start) = kubectl_wrapper(c) {
        return Some(argv.get(start..).unwrap_or_default().to_vec());
    }
    let (i, p) = shell::program_of(c)?;
    (p == "kubectl").then(|| argv[i + 1..].to_vec())
}

/// A manifest block (or the YAML of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// First and last line.
    pub lines: (usize, usize),
    pub text: String,
    /// A file name the post gives it (info string, a first-line comment, the prose
    /// just before the block).
    pub file: Option<String>,
}

/// A file the post shows that is not a manifest (a data file, a script, a config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFile {
    pub lines: (usize, usize),
    pub text: String,
    /// Its name, from the info string or the prose just before the block.
    pub file: Option<String>,
}

/// A file the post links instead of showing (`{% gist %}`, Hugo's `code_sample`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub line: usize,
    pub file: String,
}

/// A post, read.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub blocks: Vec<Block>,
    /// Every content line of every block: its role.
    pub roles: BTreeMap<usize, Role>,
    /// Every content line's text as the reader sees it.
    pub texts: BTreeMap<usize, String>,
    pub commands: Vec<Command>,
    pub manifests: Vec<Manifest>,
    pub files: Vec<PostFile>,
    pub references: Vec<Reference>,
}

impl Transcript {
    /// The text command `i` printed, one `\n` per line.
    pub fn output_text(&self, i: usize) -> String {
        let mut s = String::new();
        for n in &self.commands[i].output {
            s.push_str(self.texts.get(n).map_or("", String::as_str));
            s.push('\n');
        }
        s
    }

    /// Content lines no role was given to: the grammar's own invariant says none.
    pub fn unaccounted(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for b in &self.blocks {
            if let Some((a, z)) = b.lines {
                out.extend((a..=z).filter(|n| !self.roles.contains_key(n)));
            }
        }
        out
    }
}

/// Read a post.
pub fn read(post: &str) -> Transcript {
    let lines: Vec<&str> = post.lines().collect();
    let blocks = find_blocks(post);
    let mut r = Reader {
        t: Transcript {
            blocks: blocks.clone(),
            ..Transcript::default()
        },
        lines: &lines,
        shell: Shell::Workstation,
        opener_prompt: String::new(),
        learned: BTreeSet::new(),
        pending_outputless: Vec::new(),
        last_command: None,
    };
    r.references(&lines);
    let prompt_lines = prompt_line_texts(&blocks, &lines);
    let mut previous_end = 0;
    for (bi, b) in blocks.iter().enumerate() {
        // `exit` in the prose between blocks (Killercoda's `exit`{{execute}}) leaves a shell
        if r.shell != Shell::Workstation
            && lines
                .get(previous_end..b.open.saturating_sub(1))
                .is_some_and(|between| between.iter().any(|l| l.contains("`exit`")))
        {
            r.shell = Shell::Workstation;
        }
        previous_end = b.close.or(b.lines.map(|(_, z)| z)).unwrap_or(b.open);
        let content = b.content(&lines);
        for (n, text) in &content {
            r.t.texts.insert(*n, text.clone());
        }
        r.block(bi, b, &content, &prompt_lines);
    }
    // the outputs, in order, as the roles say
    for c in &mut r.t.commands {
        c.output.clear();
    }
    for (&n, role) in &r.t.roles {
        if let Role::Output(c) = role {
            r.t.commands[*c].output.push(n);
        }
    }
    same_as(&mut r.t);
    r.t
}

/// Texts of lines that are the first line of a two-line prompt: lines right before a
/// command typed after a prompt, that start with a box-drawing corner (powerlevel10k),
/// or occur there at least twice in the post (cmder's path line, starship's line).
fn prompt_line_texts(blocks: &[Block], lines: &[&str]) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for b in blocks {
        let content = b.content(lines);
        for (k, w) in content.windows(2).enumerate() {
            let (before, line) = (&w[0].1, &w[1].1);
            // a prompt line starts the block or follows a blank line; a line right after
            // a command is its output
            let after = k.checked_sub(1).map(|p| content[p].1.as_str());
            if after.is_some_and(|a| !a.trim().is_empty()) && !before.starts_with(['╭', '┌', '┏'])
            {
                continue;
            }
            let Some(s) = prompt::split(line) else {
                continue;
            };
            if s.prompt.trim().is_empty() || before.trim().is_empty() {
                continue;
            }
            if prompt::split(before).is_some_and(|p| !p.prompt.trim().is_empty()) {
                continue;
            }
            *seen.entry(before.trim_end().to_string()).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(t, n)| *n >= 2 || t.starts_with(['╭', '┌', '┏']))
        .map(|(t, _)| t)
        .collect()
}

struct Reader<'a> {
    t: Transcript,
    lines: &'a [&'a str],
    /// The shell commands are typed in now.
    shell: Shell,
    /// The prompt of the command that opened `shell`.
    opener_prompt: String,
    /// Prompts seen before commands in this post.
    learned: BTreeSet<String>,
    /// Commands of the last block with commands that printed nothing there: an output
    /// block right after is theirs.
    pending_outputless: Vec<usize>,
    last_command: Option<usize>,
}

/// What is going on at a line of a session.
enum Pending {
    None,
    /// The command goes on (continuation).
    Continues(usize, Open),
    /// The here-document `k` of command `c` is being read.
    Heredocs(usize, usize),
}
