//! The shell grammar of the command lines posts show: words with their quoting,
//! substitutions (`$(...)`, backticks, fish's and PowerShell's `(...)`), pipes and
//! lists (`|`, `&&`, `||`, `;`, `&`, fish's `; and`), redirections and here-documents,
//! and whether a line is complete or continues on the next one. Enough of POSIX sh,
//! bash, zsh, fish, PowerShell and cmd to find the programs a line runs; never a
//! shell: nothing is expanded.

use regex::Regex;
use std::sync::OnceLock;

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

fn word_char_stops(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | '&' | ';' | '<' | '>')
}

/// The length of a placeholder such as `<pod-name>` at `chars[i]`: tutorials write
/// them where a shell would see a redirection.
fn placeholder_len(chars: &[char], i: usize) -> Option<usize> {
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

/// Read a balanced `(...)` starting after the `(` at `chars[i]`; returns the inner
/// text and the index after `)`, or None when it is not closed.
fn balanced(chars: &[char], mut i: usize) -> Option<(String, usize)> {
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
                '$' if chars.get(i + 1) == Some(&'(') => match balanced(&chars, i + 2) {
                    Some((inner, end)) => {
                        w.value.extend(&chars[i..end]);
                        w.subs.push(inner);
                        i = end;
                    }
                    None => {
                        w.value.extend(&chars[i..]);
                        i = chars.len();
                        open = Some(Open::Substitution);
                    }
                },
                '(' if i == start => match balanced(&chars, i + 1) {
                    // fish command substitution, a subshell, a PowerShell expression
                    Some((inner, end)) => {
                        w.value.extend(&chars[i..end]);
                        w.subs.push(inner);
                        i = end;
                    }
                    None => {
                        w.value.extend(&chars[i..]);
                        i = chars.len();
                        open = Some(Open::Substitution);
                    }
                },
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

/// The program a simple command runs, past `sudo`, `env`, `nohup`, `watch` and their
/// options: (index of the program word, its name). `sudo -i` alone runs sudo.
pub fn program_of(c: &Simple) -> Option<(usize, String)> {
    let w = &c.words;
    let mut i = 0;
    loop {
        let word = w.get(i)?;
        let name = program_name(&word.value);
        match name.as_str() {
            "sudo" | "doas" => {
                let mut j = i + 1;
                while let Some(a) = w.get(j) {
                    if a.value == "-u" || a.value == "-g" || a.value == "-C" {
                        j += 2;
                    } else if a.value.starts_with('-') {
                        j += 1;
                    } else {
                        break;
                    }
                }
                if j >= w.len() {
                    return Some((i, name));
                }
                i = j;
            }
            "env" => {
                let mut j = i + 1;
                while w
                    .get(j)
                    .is_some_and(|a| a.value.starts_with('-') || is_assignment(&a.raw))
                {
                    j += 1;
                }
                if j >= w.len() {
                    return Some((i, name));
                }
                i = j;
            }
            "nohup" | "time" | "command" | "builtin" | "exec" | "winpty" => {
                if i + 1 >= w.len() {
                    return Some((i, name));
                }
                i += 1;
            }
            "watch" => {
                let mut j = i + 1;
                while let Some(a) = w.get(j) {
                    if a.value == "-n" || a.value == "--interval" {
                        j += 2;
                    } else if a.value.starts_with('-') {
                        j += 1;
                    } else {
                        break;
                    }
                }
                if j >= w.len() {
                    return Some((i, name));
                }
                i = j;
            }
            _ => return Some((i, name)),
        }
    }
}

/// `kubectl.exe`, `k` and `/usr/local/bin/kubectl` → `kubectl`; other programs by their
/// base name as written (`curl.exe` stays: it is what the post runs).
pub fn program_name(word: &str) -> String {
    let base = if word.starts_with('(') {
        word
    } else {
        word.rsplit(['/', '\\']).next().unwrap_or(word)
    };
    if matches!(base, "kubectl" | "k" | "kc" | "kubectl.exe") {
        return "kubectl".into();
    }
    base.to_string()
}

/// Programs people type in Kubernetes tutorials: a word naming one starts a command.
pub const PROGRAMS: &[&str] = &[
    // Kubernetes and its tools
    "kubectl",
    "kubectl.exe",
    "k",
    "kubeadm",
    "kubectx",
    "kubens",
    "kustomize",
    "helm",
    "helmfile",
    "minikube",
    "minikube.exe",
    "kind",
    "k3d",
    "k3s",
    "k3sup",
    "microk8s",
    "microk8s.kubectl",
    "oc",
    "stern",
    "k9s",
    "kubeseal",
    "skaffold",
    "tilt",
    "telepresence",
    "istioctl",
    "linkerd",
    "cilium",
    "calicoctl",
    "velero",
    "argocd",
    "flux",
    "kn",
    "kompose",
    "kubetail",
    "krew",
    "etcdctl",
    "crictl",
    "ctr",
    "nerdctl",
    // clouds
    "eksctl",
    "aws",
    "gcloud",
    "az",
    "doctl",
    "civo",
    "ibmcloud",
    "oci",
    // containers and builds
    "docker",
    "docker.exe",
    "podman",
    "buildah",
    "skopeo",
    "git",
    "make",
    "go",
    "mvn",
    "gradle",
    "npm",
    "npx",
    "node",
    "python",
    "python3",
    "pip",
    "pip3",
    "terraform",
    "ansible",
    "ansible-playbook",
    "vagrant",
    "multipass",
    // network
    "curl",
    "curl.exe",
    "wget",
    "http",
    "nc",
    "ncat",
    "telnet",
    "ping",
    "nslookup",
    "dig",
    "ssh",
    "scp",
    "rsync",
    "openssl",
    "ab",
    "hey",
    "iptables",
    "ip",
    "ifconfig",
    "netstat",
    "ss",
    "lsof",
    "traceroute",
    "mtr",
    // files and text
    "cat",
    "tac",
    "echo",
    "printf",
    "ls",
    "ll",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "rmdir",
    "touch",
    "chmod",
    "chown",
    "ln",
    "stat",
    "du",
    "df",
    "tee",
    "grep",
    "egrep",
    "fgrep",
    "sed",
    "awk",
    "cut",
    "sort",
    "uniq",
    "wc",
    "head",
    "tail",
    "less",
    "more",
    "xargs",
    "find",
    "jq",
    "yq",
    "base64",
    "tar",
    "unzip",
    "gzip",
    "zip",
    "sha256sum",
    "md5sum",
    "tr",
    "diff",
    "htpasswd",
    "ssh-keygen",
    "gpg",
    "vim",
    "vi",
    "nano",
    "code",
    "findstr",
    "seq",
    // processes and system
    "ps",
    "kill",
    "pkill",
    "killall",
    "sleep",
    "date",
    "env",
    "printenv",
    "hostname",
    "whoami",
    "id",
    "uname",
    "free",
    "uptime",
    "systemctl",
    "service",
    "journalctl",
    "mount",
    "umount",
    "sudo",
    "su",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "zypper",
    "apk",
    "brew",
    "choco",
    "winget",
    "scoop",
    "snap",
    "watch",
    "nohup",
    "timeout",
    "true",
    "false",
    "open",
    "explorer",
    "notepad",
    "powershell",
    "pwsh",
    "cmd",
    "bash",
    "sh",
    "zsh",
    "fish",
    "ash",
    // shell builtins and keywords
    "cd",
    "pwd",
    "export",
    "unset",
    "set",
    "source",
    "alias",
    "unalias",
    "exit",
    "logout",
    "for",
    "while",
    "until",
    "if",
    "history",
    "clear",
    "cls",
    "which",
    "where",
    "type",
    "jobs",
    "fg",
    "bg",
    "wait",
    "read",
    "eval",
    "test",
    "[",
    "ulimit",
    "umask",
    "declare",
    "local",
    "setx",
    "dir",
    "copy",
    "del",
    "type",
    "echo.",
];

/// Program words that are also ordinary English words: without a prompt, a line starting
/// with one is a command only when its next word looks like an argument.
const WEAK: &[&str] = &[
    "make", "go", "node", "http", "ip", "ss", "cat", "more", "less", "find", "sort", "cut", "head",
    "tail", "touch", "date", "free", "uptime", "service", "mount", "true", "false", "open", "code",
    "set", "type", "wait", "read", "test", "clear", "where", "dir", "copy", "del", "history",
    "jobs", "source", "local", "declare", "watch", "timeout", "id", "for", "while", "until", "if",
    "which", "kind", "flux", "tilt", "krew", "k", "ab", "hey", "sleep", "echo", "printf", "seq",
    "ps", "kill", "diff", "env", "ln", "stat", "du", "df", "tee", "tr", "ping", "host", "exit",
    "pwd", "cd", "ls", "rm", "cp", "mv",
];

fn powershell_cmdlet_re() -> &'static Regex {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(line: &str) -> Vec<String> {
        Script::parse(line)
            .all_commands()
            .iter()
            .filter_map(|c| program_of(c).map(|(_, p)| p))
            .collect()
    }

    #[test]
    fn words_keep_windows_paths_and_resolve_quotes() {
        assert_eq!(
            split(r#"kubectl patch pod nginx --type='json' -p='[{"op": "replace"}]'"#),
            vec![
                "kubectl",
                "patch",
                "pod",
                "nginx",
                "--type=json",
                r#"-p=[{"op": "replace"}]"#
            ]
        );
        assert_eq!(
            split(r#"kubectl patch pod x -p "{\"a\": 1}""#)[5],
            r#"{"a": 1}"#
        );
        assert_eq!(split(r"kubectl apply -f .\a\b.yaml")[3], r".\a\b.yaml");
        assert_eq!(split("a  'b c'  d"), vec!["a", "b c", "d"]);
    }

    #[test]
    fn pipes_lists_substitutions_and_loops() {
        assert_eq!(
            programs("cat <<EOF | kubectl apply -f -"),
            ["cat", "kubectl"]
        );
        assert_eq!(
            programs("kubectl delete cronjob tick; and kubectl delete job hello"),
            ["kubectl", "kubectl"]
        );
        assert_eq!(
            programs("kubectl logs (kubectl get pods -l job-name=hello -o name)"),
            ["kubectl", "kubectl"]
        );
        assert_eq!(
            programs("for i in 0 1; do kubectl exec web-$i -- sh -c 'hostname'; done"),
            ["kubectl"]
        );
        assert_eq!(
            programs("export PROJECT_ID=$(gcloud config get-value project)"),
            ["export", "gcloud"]
        );
        assert_eq!(
            programs("sudo chown $(id -u):$(id -g) x"),
            ["chown", "id", "id"]
        );
        assert_eq!(programs("sudo -i"), ["sudo"]);
        assert_eq!(
            programs("(Invoke-WebRequest -UseBasicParsing http://x).StatusCode"),
            [
                "(Invoke-WebRequest -UseBasicParsing http://x).StatusCode",
                "Invoke-WebRequest"
            ]
        );
        let s = Script::parse("kubectl exec -i web -- sh -s < check.sh");
        assert_eq!(
            s.commands[0].redirects,
            vec![("<".to_string(), "check.sh".to_string())]
        );
        let s = Script::parse("kubectl port-forward svc/hello 8080:80 &");
        assert_eq!(s.commands[0].then, Some(Op::Background));
        let s = Script::parse("nginx -t 2>&1 | tail -n 1");
        assert_eq!(s.commands[0].argv(), ["nginx", "-t"]);
    }

    #[test]
    fn here_documents_and_open_lines() {
        let s = Script::parse("cat <<'EOF' > client.yaml");
        assert_eq!(
            s.heredocs(),
            vec![HeredocMark {
                delimiter: "EOF".into(),
                strip_tabs: false
            }]
        );
        assert_eq!(s.commands[0].redirects[0].1, "client.yaml");
        assert_eq!(
            Script::parse("kubectl apply -f - <<-END").heredocs()[0].delimiter,
            "END"
        );
        assert_eq!(lex("kubectl run a \\").open, Some(Open::Backslash));
        assert_eq!(
            lex("kubectl create configmap x `").open,
            Some(Open::Backtick)
        );
        assert_eq!(lex("kubectl run x ^").open, Some(Open::Caret));
        assert_eq!(
            lex("kubectl annotate x d=\"serves the page").open,
            Some(Open::Quote)
        );
        assert_eq!(lex("kubectl get pods |").open, Some(Open::Operator));
        assert_eq!(
            lex("kubectl get pods # a comment").comment.as_deref(),
            Some("a comment")
        );
        assert_eq!(lex("echo a#b").comment, None);
        assert_eq!(
            split("kubectl logs <pod-name> -c <container> -l app=<app> < in.txt"),
            [
                "kubectl",
                "logs",
                "<pod-name>",
                "-c",
                "<container>",
                "-l",
                "app=<app>",
                "<",
                "in.txt"
            ]
        );
        assert_eq!(
            split("set image d/x <container>=<image>:<tag>")[3],
            "<container>=<image>:<tag>"
        );
    }

    #[test]
    fn command_words_are_programs_builtins_paths_and_assignments() {
        assert_eq!(command_start("kubectl get pods"), Some(Certainty::Strong));
        assert_eq!(command_start("./deploy.sh prod"), Some(Certainty::Strong));
        assert_eq!(
            command_start("IP=$(kubectl get svc x)"),
            Some(Certainty::Weak)
        );
        assert_eq!(
            command_start("Invoke-WebRequest http://x"),
            Some(Certainty::Strong)
        );
        assert_eq!(
            command_start("(Invoke-WebRequest -UseBasicParsing http://x).StatusCode"),
            Some(Certainty::Strong)
        );
        assert_eq!(command_start("exit"), Some(Certainty::Strong));
        assert_eq!(
            command_start("kind create cluster"),
            Some(Certainty::Strong)
        );
        assert_eq!(command_start("kind of a thing"), Some(Certainty::Weak));
        assert_eq!(command_start("k get pods"), Some(Certainty::Strong));
        assert_eq!(
            command_start("kind delete cluster --name x"),
            Some(Certainty::Strong)
        );
        for output in [
            "NAME    READY   STATUS",
            "pod/nginx created",
            "nginx version: nginx/1.25.4",
            "/docker-entrypoint.sh: Configuration complete",
            "Name:         nginx",
            "APP_MODE=debug",
            "deployment \"web\" successfully rolled out",
            "",
            "\"True\"",
        ] {
            assert_eq!(command_start(output), None, "{output}");
        }
    }

    #[test]
    fn odd_input_is_no_panic() {
        for s in [
            "$(", "'", "\"", "`", "<<", "2>", "(((", "\\", "a\\", "$((1+2))", "é`",
        ] {
            let _ = Script::parse(s).all_commands();
            let _ = command_start(s);
        }
    }
}
