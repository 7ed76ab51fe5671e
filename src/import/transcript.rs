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

use super::blocks::{find_blocks, Block};
use super::kubectl;
use super::prompt::{self, strip_continuation_prompt};
use super::shell::{self, Certainty, HeredocMark, Op, Open, Script};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

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

fn result_line_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"^(?:[\w.-]+/[\w.:-]+|[\w.-]+ "[^"]+")(?: \(dry run\))? (created|configured|unchanged|deleted|scaled|labeled|unlabeled|annotated|patched|exposed|autoscaled|edited|restarted|paused|resumed|rolled back|tainted|untainted|modified|cordoned|uncordoned|drained|image updated|env updated|resource requirements updated|condition met|serviceaccount updated|selector updated)\b"#)
            .expect("result line regex")
    })
}

/// A line kubectl prints when a change worked (`pod/x created`, `pod "x" deleted`).
pub fn is_result_line(line: &str) -> bool {
    result_line_re().is_match(line.trim())
}

/// The verb a kubectl result line (`pod/x created`, `pod "x" deleted`) belongs to.
fn result_verb(line: &str) -> Option<&'static [&'static str]> {
    let c = result_line_re().captures(line.trim())?;
    Some(match c.get(1).map_or("", |m| m.as_str()) {
        "created" => &["create", "run", "apply", "expose"],
        "configured" | "unchanged" => &["apply"],
        "deleted" => &["delete"],
        "scaled" => &["scale"],
        "labeled" | "unlabeled" => &["label"],
        "annotated" => &["annotate"],
        "patched" => &["patch"],
        "exposed" => &["expose"],
        "autoscaled" => &["autoscale"],
        "edited" => &["edit"],
        "restarted" | "paused" | "resumed" | "rolled back" => &["rollout"],
        "tainted" | "untainted" => &["taint"],
        "condition met" => &["wait"],
        "cordoned" | "uncordoned" | "drained" => &["cordon", "uncordon", "drain"],
        _ => &["set"],
    })
}

/// Lines an author puts in an output to cut it: `...`, `[...]`, `[... the rest ...]`,
/// `(省略)`, `<snip>`; and `^C`, the Ctrl+C that stopped a command.
fn elision(line: &str) -> bool {
    let t = line.trim();
    matches!(
        t,
        "..." | "…" | "[...]" | "[…]" | "(...)" | "(省略)" | "<snip>" | "^C" | "[snip]"
    ) || (t.starts_with("[...") && t.ends_with(']'))
        || (t.starts_with("[…") && t.ends_with(']'))
}

/// A comment line of the author: `#`, `//`, `REM`, `::`.
fn comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') && !t.starts_with("#!")
        || t.starts_with("// ")
        || t.starts_with("REM ")
        || t.starts_with(":: ")
}

/// API groups of configuration files that look like objects but are not applied to a
/// cluster (kind and k3d cluster configs, kubeadm, kubelet, kubeconfig).
fn config_file(api_version: &str, kind: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or("");
    group.ends_with("kind.x-k8s.io")
        || group.ends_with("k3d.io")
        || group.starts_with("kubeadm.k8s.io")
        || group.ends_with(".config.k8s.io")
        || group == "audit.k8s.io"
        || group == "client.authentication.k8s.io"
        || (api_version == "v1" && kind == "Config")
}

/// What a YAML text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Yaml {
    /// Kubernetes objects.
    Objects {
        server_fields: bool,
    },
    /// A configuration file of a tool (kind, kubeadm, kubeconfig).
    Config,
    /// YAML, but no object.
    Fragment,
    Other,
}

fn classify_yaml(text: &str) -> Yaml {
    use serde::Deserialize;
    let mut docs = 0;
    let mut objects = 0;
    let mut config = 0;
    let mut server_fields = false;
    for doc in serde_yaml::Deserializer::from_str(text) {
        let Ok(v) = serde_yaml::Value::deserialize(doc) else {
            return Yaml::Other;
        };
        if v.is_null() {
            continue;
        }
        docs += 1;
        let api = v.get("apiVersion").and_then(|a| a.as_str());
        let kind = v.get("kind").and_then(|a| a.as_str());
        match (api, kind) {
            (Some(a), Some(k)) if config_file(a, k) => config += 1,
            (Some(_), Some(_)) => {
                objects += 1;
                let meta = v.get("metadata");
                server_fields |= meta.and_then(|m| m.get("uid")).is_some()
                    || meta.and_then(|m| m.get("resourceVersion")).is_some();
            }
            _ => {}
        }
        if !v.is_mapping() {
            return Yaml::Other;
        }
    }
    if docs == 0 {
        Yaml::Other
    } else if objects == docs {
        Yaml::Objects { server_fields }
    } else if config > 0 {
        Yaml::Config
    } else {
        Yaml::Fragment
    }
}

/// Programs a scenario never runs in a container or on a node: a line starting with
/// one ends a shell the post opened without showing its `exit`.
const WORKSTATION_TOOLS: &[&str] = &[
    "kubectl", "minikube", "kind", "k3d", "helm", "docker", "podman", "gcloud", "az", "aws",
    "eksctl", "stern", "kubectx", "kubens", "choco", "brew", "winget", "git",
];

/// Shells a command can open.
fn is_shell(argv: &[String]) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    matches!(
        name,
        "sh" | "bash" | "ash" | "zsh" | "dash" | "fish" | "pwsh" | "powershell" | "cmd"
    ) && !argv.iter().any(|a| a == "-c" || a == "-s" || a == "/c")
}

/// The shell a command opens, if it opens one: `kubectl exec -it POD -- sh`,
/// `kubectl run -it --image=busybox x -- sh` (or without a command), `kubectl debug
/// -it`, `kubectl attach -it`, `minikube ssh`, `ssh host`, `docker exec -it node bash`.
fn opens_shell(c: &Command) -> Option<fn(usize) -> Shell> {
    let script = c.script();
    let first = script.commands.first()?;
    if script.commands.len() > 1 && first.then != Some(Op::Semi) {
        return None;
    }
    if let Some(argv) = kubectl_argv(first) {
        let k = kubectl::parse(&argv).ok()?;
        let interactive = k.has("stdin") && (k.has("tty") || k.verb == "attach");
        return match k.verb.as_str() {
            "exec" if interactive && is_shell(&k.command) => Some(Shell::Container),
            "run" if interactive && (k.command.is_empty() || is_shell(&k.command)) => {
                Some(Shell::Container)
            }
            "debug" if interactive && (k.command.is_empty() || is_shell(&k.command)) => {
                if k.args.first().is_some_and(|a| a.starts_with("node/")) {
                    Some(Shell::Node)
                } else {
                    Some(Shell::Container)
                }
            }
            "attach" if interactive => Some(Shell::Container),
            _ => None,
        };
    }
    let (i, p) = shell::program_of(first)?;
    let argv = first.argv();
    let rest = &argv[i + 1..];
    match p.as_str() {
        "minikube" => (rest.first().map(String::as_str) == Some("ssh")
            && !rest.iter().any(|a| a == "--"))
        .then_some(Shell::Node),
        "ssh" => {
            let positional: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            (positional.len() == 1).then_some(Shell::Node)
        }
        "vagrant" | "multipass" => {
            matches!(rest.first().map(String::as_str), Some("ssh" | "shell")).then_some(Shell::Node)
        }
        "docker" | "podman" => {
            let exec = rest.first().map(String::as_str) == Some("exec");
            let it = rest.iter().any(|a| a == "-it" || a == "-ti");
            let cmd: Vec<String> = rest
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .skip(1)
                .cloned()
                .collect();
            (exec && it && is_shell(&cmd)).then_some(Shell::Node)
        }
        _ => None,
    }
}

/// Commands that print nothing when they work: a lone word after one is the blog
/// wrapping a long argument, not output.
fn silent(c: &Command) -> bool {
    let p = c.program();
    let words = shell::split(&c.text);
    matches!(
        p.as_str(),
        "cp" | "mv" | "mkdir" | "chmod" | "chown" | "ln" | "touch" | "rm"
    ) || (p == "minikube" && words.get(1).map(String::as_str) == Some("cp"))
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

impl Reader<'_> {
    fn references(&mut self, lines: &[&str]) {
        static GIST: OnceLock<Regex> = OnceLock::new();
        static SAMPLE: OnceLock<Regex> = OnceLock::new();
        let gist = GIST.get_or_init(|| {
            Regex::new(r#"\{%\s*gist\s+[^"%]*"([^"]+)"\s*%\}"#).expect("gist regex")
        });
        let sample = SAMPLE.get_or_init(|| {
            Regex::new(r#"\{\{[%<]\s*code(?:_sample)?\s+file="([^"]+)""#).expect("sample regex")
        });
        let inside: BTreeSet<usize> = self
            .t
            .blocks
            .iter()
            .filter_map(|b| b.lines)
            .flat_map(|(a, z)| a..=z)
            .collect();
        for (i, l) in lines.iter().enumerate() {
            if inside.contains(&(i + 1)) {
                continue;
            }
            for re in [gist, sample] {
                if let Some(c) = re.captures(l) {
                    self.t.references.push(Reference {
                        line: i + 1,
                        file: c[1].to_string(),
                    });
                }
            }
        }
    }

    fn set(&mut self, n: usize, role: Role) {
        self.t.roles.insert(n, role);
    }

    fn block(
        &mut self,
        bi: usize,
        b: &Block,
        content: &[(usize, String)],
        prompt_lines: &BTreeSet<String>,
    ) {
        if content.iter().all(|(_, t)| t.trim().is_empty()) {
            for (n, _) in content {
                self.set(*n, Role::Blank);
            }
            return;
        }
        let splits: Vec<Option<prompt::Split>> =
            content.iter().map(|(_, t)| prompt::split(t)).collect();
        let prompted = splits
            .iter()
            .any(|s| s.as_ref().is_some_and(|s| !s.prompt.trim().is_empty()));
        let any_command = splits.iter().zip(content).any(|(s, (_, t))| {
            s.is_some() && !comment_line(t) && !t.starts_with(char::is_whitespace)
        });
        if !prompted {
            let text: String = content.iter().map(|(_, t)| format!("{t}\n")).collect();
            let lang = b.language();
            let yaml = classify_yaml(&text);
            let yamlish = matches!(lang.as_str(), "yaml" | "yml")
                || b.file_name()
                    .is_some_and(|f| f.ends_with(".yaml") || f.ends_with(".yml"));
            let last_is = |verb: &str| {
                self.last_command.is_some_and(|c| {
                    self.t.commands[c]
                        .kubectl()
                        .first()
                        .is_some_and(|k| k.verb == verb)
                })
            };
            match yaml {
                Yaml::Objects { .. }
                    if last_is("edit")
                        && self
                            .pending_outputless
                            .contains(&self.last_command.unwrap_or(usize::MAX)) =>
                {
                    return self.whole(content, Role::Text);
                }
                Yaml::Objects {
                    server_fields: true,
                } if !self.pending_outputless.is_empty() && !yamlish => {
                    return self.output_block(content);
                }
                Yaml::Objects { .. } if yamlish || !any_command => {
                    let first = content.first().map_or(0, |c| c.0);
                    let last = content.last().map_or(0, |c| c.0);
                    let file = b.file_name().or_else(|| self.file_hint(b, content));
                    self.t.manifests.push(Manifest {
                        lines: (first, last),
                        text,
                        file,
                    });
                    let i = self.t.manifests.len() - 1;
                    return self.whole(content, Role::Manifest(i));
                }
                Yaml::Config if !any_command => return self.file(b, content, text),
                Yaml::Fragment if yamlish && !any_command => {
                    return self.whole(content, Role::Text);
                }
                _ => {}
            }
            let shebang = content.first().is_some_and(|(_, t)| t.starts_with("#!"));
            let file_info = b.file_name().is_some();
            if shebang || (file_info && !any_command) {
                return self.file(b, content, text);
            }
            if !any_command {
                if !self.pending_outputless.is_empty() {
                    return self.output_block(content);
                }
                return self.whole(content, Role::Text);
            }
        }
        self.session(bi, content, &splits, prompted, prompt_lines);
    }

    /// A block that is a file of the post, not a manifest.
    fn file(&mut self, b: &Block, content: &[(usize, String)], text: String) {
        let first = content.first().map_or(0, |c| c.0);
        let last = content.last().map_or(0, |c| c.0);
        let file = b.file_name().or_else(|| self.file_hint_any(b));
        self.t.files.push(PostFile {
            lines: (first, last),
            text,
            file,
        });
        self.whole(content, Role::File);
    }

    /// A `` `name.ext` `` in the prose line just before a block.
    fn file_hint_any(&self, b: &Block) -> Option<String> {
        static NAME: OnceLock<Regex> = OnceLock::new();
        let name = NAME
            .get_or_init(|| Regex::new(r"`([\w./\\-]+\.[A-Za-z0-9]+)`").expect("file name regex"));
        let before = self.lines[..b.open.saturating_sub(1)]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())?;
        name.captures(before).map(|c| c[1].to_string())
    }

    /// Every line of a block gets `role` (blank lines stay blank).
    fn whole(&mut self, content: &[(usize, String)], role: Role) {
        for (n, t) in content {
            let r = if t.trim().is_empty() && role == Role::Text {
                Role::Blank
            } else {
                role
            };
            self.set(*n, r);
        }
    }

    /// A file name for a manifest block: a `# file.yaml` comment on its first line, or
    /// a `` `file.yaml` `` in the prose line just before the block.
    fn file_hint(&self, b: &Block, content: &[(usize, String)]) -> Option<String> {
        static NAME: OnceLock<Regex> = OnceLock::new();
        let name =
            NAME.get_or_init(|| Regex::new(r"([\w./\\-]+\.ya?ml)\b").expect("file name regex"));
        if let Some((_, first)) = content.first() {
            if let Some(c) = first.strip_prefix('#').and_then(|c| name.captures(c)) {
                return Some(c[1].to_string());
            }
        }
        let before = self.lines[..b.open.saturating_sub(1)]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())?;
        name.captures(before).map(|c| c[1].to_string())
    }

    /// A block that only shows what earlier commands printed ("Output:", "The output is
    /// similar to this:"): its lines go to the commands of the block before, in order.
    fn output_block(&mut self, content: &[(usize, String)]) {
        let pending = std::mem::take(&mut self.pending_outputless);
        let mut at = 0;
        let mut roles: Vec<(usize, Role)> = Vec::new();
        for (n, t) in content {
            if t.trim().is_empty() {
                roles.push((*n, Role::Blank));
                continue;
            }
            if comment_line(t)
                && roles
                    .iter()
                    .all(|(_, r)| matches!(r, Role::Comment | Role::Blank))
            {
                roles.push((*n, Role::Comment));
                continue;
            }
            let verb_of = |c: usize| {
                self.t.commands[c]
                    .kubectl()
                    .first()
                    .map(|k| k.verb.clone())
                    .unwrap_or_default()
            };
            if let Some(verbs) = result_verb(t) {
                if let Some(k) =
                    (at..pending.len()).find(|&k| verbs.contains(&verb_of(pending[k]).as_str()))
                {
                    at = k;
                }
            } else if !self.t.commands[pending[at]].output.is_empty()
                && result_verb(
                    self.t
                        .texts
                        .get(self.t.commands[pending[at]].output.last().unwrap_or(&0))
                        .map_or("", String::as_str),
                )
                .is_some()
            {
                // a table after a result line: the next command that reads
                if let Some(k) = (at + 1..pending.len()).find(|&k| {
                    matches!(
                        verb_of(pending[k]).as_str(),
                        "get" | "describe" | "logs" | "exec" | "top" | "explain" | "events"
                    )
                }) {
                    at = k;
                }
            }
            let c = pending[at];
            self.t.commands[c].output.push(*n);
            roles.push((*n, Role::Output(c)));
        }
        blanks_inside_outputs(&mut roles);
        for (n, r) in roles {
            self.set(n, r);
        }
    }

    fn session(
        &mut self,
        bi: usize,
        content: &[(usize, String)],
        splits: &[Option<prompt::Split>],
        prompted: bool,
        prompt_lines: &BTreeSet<String>,
    ) {
        let mut roles: Vec<(usize, Role)> = Vec::new();
        let mut pending = Pending::None;
        let mut current: Option<usize> = None;
        let mut seen_prompted = false;
        // a prompt line showed a background job's output: the next line is typed there
        let mut typed_after_output = false;
        let mut block_commands: Vec<usize> = Vec::new();
        for (j, (n, text)) in content.iter().enumerate() {
            let n = *n;
            match std::mem::replace(&mut pending, Pending::None) {
                Pending::Heredocs(c, k) => {
                    let cmd = &mut self.t.commands[c];
                    let h = &mut cmd.heredocs[k];
                    let body_line = strip_heredoc_prompt(text);
                    let body_line = if h.strip_tabs {
                        body_line.trim_start_matches('\t')
                    } else {
                        body_line
                    };
                    h.lines.push(n);
                    roles.push((n, Role::Heredoc(c)));
                    if body_line.trim_end() == h.delimiter {
                        h.closed = true;
                        if k + 1 < cmd.heredocs.len() {
                            pending = Pending::Heredocs(c, k + 1);
                        }
                    } else {
                        h.body.push_str(body_line);
                        h.body.push('\n');
                        pending = Pending::Heredocs(c, k);
                    }
                    continue;
                }
                Pending::Continues(c, open) => {
                    let (piece, ps2) = match strip_continuation_prompt(text) {
                        Some(rest) => (rest, true),
                        None => (text.as_str(), false),
                    };
                    let cmd = &mut self.t.commands[c];
                    let joined = match open {
                        Open::Backslash | Open::Backtick | Open::Caret => {
                            let head = cmd.text.trim_end();
                            let head = head
                                .strip_suffix('\\')
                                .or_else(|| head.strip_suffix('`'))
                                .or_else(|| head.strip_suffix('^'))
                                .unwrap_or(head)
                                .trim_end();
                            format!("{head} {}", piece.trim())
                        }
                        Open::Quote if ps2 => format!("{}\n{}", cmd.text, piece),
                        Open::Quote => {
                            cmd.wrapped.push(n);
                            format!("{}{}", cmd.text, piece.trim_end())
                        }
                        Open::Substitution | Open::Operator => {
                            format!("{} {}", cmd.text.trim_end(), piece.trim())
                        }
                    };
                    cmd.text = joined;
                    cmd.continuation.push(n);
                    roles.push((n, Role::Continuation(c)));
                    pending = self.after_command_text(c);
                    continue;
                }
                Pending::None => {}
            }
            if text.trim().is_empty() {
                roles.push((n, Role::Blank));
                continue;
            }
            let mut split = splits[j].clone();
            let mut has_prompt = split.as_ref().is_some_and(|s| !s.prompt.trim().is_empty());
            // a comment, or a root prompt (`# `) in a container shell
            if comment_line(text) && !has_prompt {
                let in_shell = self.shell != Shell::Workstation;
                let hash_command = text
                    .strip_prefix("# ")
                    .and_then(prompt::split)
                    .filter(|s| s.prompt.is_empty() && s.certainty == Certainty::Strong);
                if in_shell && hash_command.is_some() {
                    split = hash_command.map(|s| prompt::Split {
                        prompt: "# ".into(),
                        ..s
                    });
                    has_prompt = true;
                } else {
                    let output_follows = current.is_some()
                        && prompted
                        && !self.comment_before_command(content, j, splits);
                    roles.push((
                        n,
                        match current {
                            Some(c) if output_follows => {
                                self.t.commands[c].output.push(n);
                                Role::Output(c)
                            }
                            _ => Role::Comment,
                        },
                    ));
                    continue;
                }
            }
            // the first line of a two-line prompt
            let next_prompted = splits
                .get(j + 1)
                .and_then(|s| s.as_ref())
                .is_some_and(|s| !s.prompt.trim().is_empty());
            if next_prompted
                && !has_prompt
                && (prompt_lines.contains(text.trim_end()) || (j == 0 && split.is_none()))
            {
                roles.push((n, Role::Prompt));
                continue;
            }
            if prompt_lines.contains(text.trim_end()) && split.is_none() {
                roles.push((n, Role::Prompt));
                continue;
            }
            let bare_allowed = !prompted || !seen_prompted || typed_after_output;
            let is_command = match &split {
                Some(s) if !s.prompt.trim().is_empty() => true,
                Some(s) => {
                    bare_allowed
                        && !text.starts_with(char::is_whitespace)
                        && (s.certainty == Certainty::Strong
                            || current.is_none_or(|c| self.t.commands[c].output.is_empty()))
                        && !(current.is_some_and(|c| silent(&self.t.commands[c]))
                            && !text.trim().contains(char::is_whitespace)
                            && s.certainty != Certainty::Strong)
                }
                None => false,
            };
            typed_after_output = false;
            if !is_command {
                // a wrapped argument of a command that prints nothing
                if let Some(c) = current {
                    let cmd = &self.t.commands[c];
                    if cmd.output.is_empty()
                        && silent(cmd)
                        && !text.trim().contains(char::is_whitespace)
                        && cmd.continuation.is_empty()
                    {
                        let cmd = &mut self.t.commands[c];
                        cmd.text.push_str(text.trim());
                        cmd.wrapped.push(n);
                        cmd.continuation.push(n);
                        roles.push((n, Role::Continuation(c)));
                        continue;
                    }
                }
                // a prompt alone, or a prompt followed by a background job's output
                if let Some(p) = self.learned_prompt(text) {
                    let rest = &text[p.len()..];
                    if rest.trim().is_empty() {
                        roles.push((n, Role::Prompt));
                        continue;
                    }
                    if let Some(c) = current {
                        typed_after_output = true;
                        self.t.commands[c].output.push(n);
                        roles.push((n, Role::Output(c)));
                        continue;
                    }
                }
                if elision(text) {
                    roles.push((n, Role::Text));
                    continue;
                }
                // a port-forward running in the background keeps printing
                let forward = block_commands.iter().copied().rev().find(|&c| {
                    let cmd = &self.t.commands[c];
                    cmd.background
                        && cmd
                            .kubectl()
                            .first()
                            .is_some_and(|k| k.verb == "port-forward")
                });
                if let Some(f) = forward.filter(|_| {
                    text.starts_with("Handling connection for")
                        || text.starts_with("Forwarding from")
                }) {
                    roles.push((n, Role::Output(f)));
                    continue;
                }
                match current.or(if block_commands.is_empty() {
                    self.pending_outputless.last().copied()
                } else {
                    None
                }) {
                    Some(c) => {
                        self.t.commands[c].output.push(n);
                        roles.push((n, Role::Output(c)));
                    }
                    None => roles.push((n, Role::Text)),
                }
                continue;
            }
            // a command
            let Some(s) = split.as_ref() else { continue };
            if has_prompt {
                seen_prompted = true;
                self.learned.insert(s.prompt.clone());
            }
            let shell = self.shell_for(s);
            let script = Script::parse(&s.command);
            let c = self.t.commands.len();
            self.t.commands.push(Command {
                line: n,
                block: bi,
                prompt: s.prompt.clone(),
                text: s.command.clone(),
                shell,
                continuation: Vec::new(),
                wrapped: Vec::new(),
                heredocs: Vec::new(),
                output: Vec::new(),
                same_as: None,
                background: script
                    .commands
                    .last()
                    .is_some_and(|c| c.then == Some(Op::Background)),
                comment: None,
            });
            roles.push((n, Role::Command(c)));
            block_commands.push(c);
            current = Some(c);
            self.last_command = Some(c);
            pending = self.after_command_text(c);
        }
        blank_lines_after_outputs(&mut roles);
        blanks_inside_outputs(&mut roles);
        for (n, r) in roles {
            self.set(n, r);
        }
        self.pending_outputless = block_commands
            .iter()
            .copied()
            .filter(|&c| self.t.commands[c].output.is_empty())
            .collect();
    }

    /// Whether the comment at `j` is followed (past more comments and blanks) by a
    /// command of the block, or by nothing.
    fn comment_before_command(
        &self,
        content: &[(usize, String)],
        j: usize,
        splits: &[Option<prompt::Split>],
    ) -> bool {
        for (k, (_, t)) in content.iter().enumerate().skip(j + 1) {
            if t.trim().is_empty() || comment_line(t) {
                continue;
            }
            return splits[k]
                .as_ref()
                .is_some_and(|s| !s.prompt.trim().is_empty())
                || self.learned_prompt(t).is_some();
        }
        true
    }

    fn learned_prompt(&self, text: &str) -> Option<String> {
        self.learned
            .iter()
            .filter(|p| !p.trim().is_empty() && p.trim() != "#")
            .filter(|p| text.starts_with(p.as_str()) || text.trim_end() == p.trim_end())
            .max_by_key(|p| p.len())
            .map(|p| {
                if text.starts_with(p.as_str()) {
                    p.clone()
                } else {
                    text.to_string()
                }
            })
    }

    /// The shell a command at this point is typed in; updates the shell state.
    fn shell_for(&mut self, s: &prompt::Split) -> Shell {
        let here = self.shell;
        match here {
            Shell::Workstation => here,
            Shell::Container(_) | Shell::Node(_) => {
                let first = shell::split(&s.command)
                    .first()
                    .map(|w| shell::program_name(w))
                    .unwrap_or_default();
                let back_at_workstation = (!s.prompt.trim().is_empty()
                    && s.prompt.trim() == self.opener_prompt.trim()
                    && !self.opener_prompt.trim().is_empty())
                    || (s.prompt.trim().is_empty() && WORKSTATION_TOOLS.contains(&first.as_str()));
                if back_at_workstation {
                    self.shell = Shell::Workstation;
                    Shell::Workstation
                } else {
                    here
                }
            }
        }
    }

    /// After a command's text grew: does it continue, open here-documents, open a shell?
    fn after_command_text(&mut self, c: usize) -> Pending {
        let script = Script::parse(&self.t.commands[c].text);
        if let Some(open) = script.open {
            return Pending::Continues(c, open);
        }
        let cmd = &mut self.t.commands[c];
        // a trailing `# comment` is the author's, not the command's
        if let (Some(at), Some(comment)) = (script.comment_at, &script.comment) {
            cmd.text = cmd
                .text
                .get(..at)
                .unwrap_or(&cmd.text)
                .trim_end()
                .to_string();
            cmd.comment = Some(comment.clone());
        }
        let marks: Vec<HeredocMark> = script.heredocs();
        cmd.heredocs = marks
            .iter()
            .map(|m| Heredoc {
                delimiter: m.delimiter.clone(),
                strip_tabs: m.strip_tabs,
                closed: false,
                body: String::new(),
                lines: Vec::new(),
            })
            .collect();
        let exits = script
            .commands
            .first()
            .and_then(shell::program_of)
            .is_some_and(|(_, p)| matches!(p.as_str(), "exit" | "logout"));
        if cmd.shell == Shell::Workstation {
            if let Some(f) = opens_shell(&self.t.commands[c]) {
                self.shell = f(c);
                self.opener_prompt = self.t.commands[c].prompt.clone();
            }
        } else if exits {
            self.shell = Shell::Workstation;
        }
        if marks.is_empty() {
            Pending::None
        } else {
            Pending::Heredocs(c, 0)
        }
    }
}

/// A heredoc line without the continuation prompt shells show before it.
fn strip_heredoc_prompt(line: &str) -> &str {
    if line == ">" {
        return "";
    }
    line.strip_prefix("heredoc> ")
        .or_else(|| line.strip_prefix("> "))
        .unwrap_or(line)
}

/// Blank lines after an output: the author's spacing where every command of the block
/// follows a blank line, otherwise what the command printed (`rollout history` and
/// `curl -I` end with one).
fn blank_lines_after_outputs(roles: &mut [(usize, Role)]) {
    let (mut spaced, mut tight) = (0, 0);
    for k in 1..roles.len() {
        if !matches!(roles[k].1, Role::Command(_) | Role::Prompt) {
            continue;
        }
        match roles[k - 1].1 {
            Role::Output(_) => tight += 1,
            Role::Blank if k >= 2 && matches!(roles[k - 2].1, Role::Output(_)) => spaced += 1,
            _ => {}
        }
    }
    if spaced > 0 && tight == 0 {
        return;
    }
    let mut i = 0;
    while i < roles.len() {
        let Role::Output(c) = roles[i].1 else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < roles.len() && roles[j].1 == Role::Blank {
            j += 1;
        }
        let ends = j == roles.len() || matches!(roles[j].1, Role::Command(_) | Role::Prompt);
        if j > i + 1 && ends {
            for r in &mut roles[i + 1..j] {
                r.1 = Role::Output(c);
            }
        }
        i = j.max(i + 1);
    }
}

/// Blank lines between two lines of one command's output belong to the output.
fn blanks_inside_outputs(roles: &mut [(usize, Role)]) {
    let owner = |r: &Role| match r {
        Role::Output(c) | Role::Command(c) | Role::Continuation(c) | Role::Heredoc(c) => Some(*c),
        _ => None,
    };
    let mut i = 0;
    while i < roles.len() {
        if roles[i].1 != Role::Blank {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < roles.len() && roles[j].1 == Role::Blank {
            j += 1;
        }
        let before = i.checked_sub(1).and_then(|k| owner(&roles[k].1));
        let after = roles.get(j).and_then(|(_, r)| match r {
            Role::Output(c) => Some(*c),
            _ => None,
        });
        if let (Some(b), Some(a)) = (before, after) {
            if a == b {
                for r in &mut roles[i..j] {
                    r.1 = Role::Output(a);
                }
            }
        }
        i = j;
    }
}

/// Commands shown bare and then run with their output in the next block, and
/// summaries that repeat a session: `same_as` the command that runs.
fn same_as(t: &mut Transcript) {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut by_block: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in t.commands.iter().enumerate() {
        by_block.entry(c.block).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = by_block.into_values().collect();
    for (g, cmds) in groups.iter().enumerate() {
        let bare = cmds
            .iter()
            .all(|&c| t.commands[c].output.is_empty() && t.commands[c].prompt.trim().is_empty());
        if !bare {
            continue;
        }
        // shown, then run in the next block
        if let Some(next) = groups.get(g + 1) {
            let shown: Vec<String> = cmds.iter().map(|&c| norm(&t.commands[c].text)).collect();
            let run: Vec<String> = next
                .iter()
                .take(cmds.len())
                .map(|&c| norm(&t.commands[c].text))
                .collect();
            if shown == run && next.iter().any(|&c| !t.commands[c].output.is_empty()) {
                for (k, &c) in cmds.iter().enumerate() {
                    t.commands[c].same_as = Some(next[k]);
                }
                continue;
            }
        }
        // a summary repeating commands run before
        let earlier: Vec<usize> = groups[..g].iter().flatten().copied().collect();
        let repeats: Vec<(usize, usize)> = cmds
            .iter()
            .filter_map(|&c| {
                let text = norm(&t.commands[c].text);
                earlier
                    .iter()
                    .rev()
                    .find(|&&e| norm(&t.commands[e].text) == text)
                    .map(|&e| (c, e))
            })
            .collect();
        // a summary restating one as a pipe (`kubectl get ... | base64 -d`)
        let restated: Vec<(usize, usize)> = cmds
            .iter()
            .filter(|c| !repeats.iter().any(|(r, _)| r == *c))
            .filter_map(|&c| {
                let text = norm(&t.commands[c].text);
                let head = text.split(" | ").next().unwrap_or("").to_string();
                earlier
                    .iter()
                    .rev()
                    .find(|&&e| head != text && norm(&t.commands[e].text) == head)
                    .map(|&e| (c, e))
            })
            .collect();
        if cmds.len() >= 2 && repeats.len() * 2 >= cmds.len() {
            for (c, e) in repeats.into_iter().chain(restated) {
                t.commands[c].same_as = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(post: &str) -> Vec<(usize, Role)> {
        read(post).roles.into_iter().collect()
    }

    #[test]
    fn prompted_sessions_commands_outputs_and_comments() {
        let post = "```\n$ kubectl get pods\nNAME   READY\nweb    1/1\n\n# the next one\n$ kubectl delete pod web\npod \"web\" deleted\n```\n";
        let t = read(post);
        assert_eq!(
            roles(post),
            vec![
                (2, Role::Command(0)),
                (3, Role::Output(0)),
                (4, Role::Output(0)),
                (5, Role::Blank),
                (6, Role::Comment),
                (7, Role::Command(1)),
                (8, Role::Output(1)),
            ]
        );
        assert_eq!(t.output_text(0), "NAME   READY\nweb    1/1\n");
        assert_eq!(t.commands[1].program(), "kubectl");
    }

    #[test]
    fn an_output_line_that_reads_like_a_command_stays_output() {
        let post = "```console\n$ kind create cluster\nYou can now use your cluster with:\n\nkubectl cluster-info --context kind-kind\n```\n";
        let r = roles(post);
        assert_eq!(r[3], (5, Role::Output(0)));
        assert_eq!(read(post).commands.len(), 1);
    }

    #[test]
    fn bare_blocks_and_output_blocks() {
        let post = "```bash\n#Comando:\nkubectl get pods\n#Salida:\nNAME   READY\n```\n\n```\nkubectl scale deploy web --replicas=2\nkubectl get deploy web\n```\n\nOutput:\n\n```text\ndeployment.apps/web scaled\nNAME  READY\nweb   2/2\n```\n";
        let t = read(post);
        let r: Vec<Role> = t.roles.values().copied().collect();
        assert_eq!(
            r,
            vec![
                Role::Comment,
                Role::Command(0),
                Role::Comment,
                Role::Output(0),
                Role::Command(1),
                Role::Command(2),
                Role::Output(1),
                Role::Output(2),
                Role::Output(2),
            ]
        );
    }

    #[test]
    fn continuations_heredocs_and_shells() {
        let post = "```console\n$ cat <<EOF | kubectl apply -f -\n> apiVersion: v1\n> kind: ConfigMap\n> EOF\nconfigmap/x created\n$ kubectl run a \\\n>   --image b\n$ kubectl exec -it web -- sh\n/ # ls\nbin\n/ # exit\n$ kubectl get pods\n```\n";
        let t = read(post);
        assert_eq!(
            t.commands[0].heredocs[0].body,
            "apiVersion: v1\nkind: ConfigMap\n"
        );
        assert_eq!(t.commands[0].output, vec![6]);
        assert_eq!(t.commands[1].text, "kubectl run a --image b");
        assert_eq!(t.commands[3].shell, Shell::Container(2));
        assert_eq!(t.commands[3].text, "ls");
        assert_eq!(t.commands[4].shell, Shell::Container(2));
        assert_eq!(t.commands[5].shell, Shell::Workstation);
        assert!(t.unaccounted().is_empty());
    }

    #[test]
    fn shown_bare_then_run_is_one_command() {
        let post = "```bash\nkubectl apply -f x.yaml\n```\n\n```\n$ kubectl apply -f x.yaml\npod/x created\n```\n";
        let t = read(post);
        assert_eq!(t.commands[0].same_as, Some(1));
    }

    #[test]
    fn manifests_files_and_fragments() {
        let post = "`web.yaml`:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n```\n\n```yaml\nkind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n```\n\n```yaml\nmetadata:\n  labels: {a: b}\n```\n";
        let t = read(post);
        assert_eq!(t.manifests.len(), 1);
        assert_eq!(t.manifests[0].file.as_deref(), Some("web.yaml"));
        assert_eq!(t.roles[&11], Role::File);
        assert_eq!(t.roles[&16], Role::Text);
    }

    #[test]
    fn odd_posts_are_no_panic() {
        for post in [
            "",
            "```",
            "```\n$ \n```",
            "```\n$ cat <<EOF\n```",
            "```\n$ kubectl run a \\\n```",
            "```\n\\\n```\n",
            "```yaml\n: :\n```",
            "<pre>\n",
        ] {
            let t = read(post);
            assert!(t.unaccounted().is_empty(), "{post:?}");
        }
    }
}
