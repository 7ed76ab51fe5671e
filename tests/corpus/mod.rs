//! The answer keys of the tutorial corpus (`tests/fixtures/tutorials/`, issue 15):
//! their format (documented in the corpus README) and loading. Shared by
//! `tutorial_corpus.rs` (the keys checked against the posts) and `import_corpus.rs`
//! (the importer measured against the keys).
#![allow(dead_code)]

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CORPUS: &str = "tests/fixtures/tutorials";

// ---------------------------------------------------------------------------------
// The key format

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// The post, relative to the key's directory (default: the key's own name, `.md`).
    pub post: Option<String>,
    /// Only images the testbed has, nothing it lacks: to be replayed for real.
    pub testbed: bool,
    /// The post is stored with Windows line endings, on purpose.
    #[serde(default)]
    pub crlf: bool,
    #[serde(default)]
    pub blocks: Vec<KeyBlock>,
    /// Commands the post gives outside code blocks (a bold paragraph, inline code);
    /// not counted for coverage, but outputs in code blocks may belong to them.
    #[serde(default)]
    pub prose: Vec<Label>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBlock {
    /// The opening line: the fence, `{% highlight %}`, `<pre>`; an indented block's first line.
    pub open: usize,
    /// The closing line; absent for indented blocks and blocks that run to the end.
    pub close: Option<usize>,
    pub style: Style,
    #[serde(default)]
    pub info: String,
    /// The content lines; absent for an empty block.
    pub lines: Option<Span>,
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    Backticks,
    Tildes,
    Indented,
    Highlight,
    Pre,
}

impl Style {
    /// The library's name for the same style.
    pub fn lib(self) -> kdrill::import::blocks::Style {
        use kdrill::import::blocks::Style as S;
        match self {
            Style::Backticks => S::Backticks,
            Style::Tildes => S::Tildes,
            Style::Indented => S::Indented,
            Style::Highlight => S::Highlight,
            Style::Pre => S::Pre,
        }
    }
}

/// `12` or `"12-20"` (YAML reads `12-20` as a string).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Span {
    One(usize),
    Range(String),
}

impl Span {
    pub fn bounds(&self) -> Result<(usize, usize), String> {
        match self {
            Span::One(n) => Ok((*n, *n)),
            Span::Range(s) => {
                let (a, b) = s
                    .split_once('-')
                    .ok_or_else(|| format!("`{s}` is not a line range like 12-20"))?;
                let a: usize = a.trim().parse().map_err(|_| format!("bad range `{s}`"))?;
                let b: usize = b.trim().parse().map_err(|_| format!("bad range `{s}`"))?;
                if a > b {
                    return Err(format!("range `{s}` runs backwards"));
                }
                Ok((a, b))
            }
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A command typed at the workstation's shell (with or without a prompt).
    Command,
    /// A further line of the command at `of` (`\`, backtick, `^`, a PS2 `>` prompt, a
    /// line the blog wrapped, an unclosed quote).
    Continuation,
    /// What the command at `of` printed.
    Output,
    /// Kubernetes YAML that becomes a manifest file (`of`: the command that printed it).
    Manifest,
    /// The body (and terminator) of the here-document of the command at `of`.
    Heredoc,
    /// A shell comment of the post's author.
    Comment,
    Blank,
    /// A prompt alone, nothing typed after it.
    Prompt,
    /// A command typed inside the container shell that the command at `of` opened.
    ContainerShell,
    /// A command typed on a node (`minikube ssh`, `ssh`, `docker exec` into a node).
    NodeShell,
    /// A file that is not a manifest (Dockerfile, HTML, a config file).
    File,
    /// Anything else in a code block: prose, a diagram, an editor buffer, `...`.
    Text,
}

impl Role {
    pub fn is_command(self) -> bool {
        matches!(self, Role::Command | Role::ContainerShell | Role::NodeShell)
    }
}

/// The kdrill step a command should become.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Apply,
    Patch,
    Delete,
    Wait,
    Assert,
    Exec,
    Logs,
    Get,
    Events,
    CanI,
    Http,
    Sleep,
    /// A host command (kubectl ones with the scenario's pinned kubeconfig).
    Command,
    /// Not runnable as written: a TODO in IMPORT.md, with `todo` saying why.
    Todo,
    /// Nothing to run: shell bookkeeping (`cd`, `exit`, `export`), documentation,
    /// environment checks kdrill does itself, a namespace switch the scenario maps.
    None,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Run {
    Native,
    Host,
    Todo,
    None,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum TodoReason {
    /// Needs a human at a terminal or editor (`edit`, `exec -it sh`, `run -it`).
    Interactive,
    /// Does not end by itself (a server, `proxy`, an unbounded watch).
    Blocking,
    /// Makes or changes machines and clusters, images, checkouts (`minikube start`,
    /// `kind create cluster`, `docker build`, `git clone`, `az aks create`).
    Provisioning,
    /// Writes outside the scenario's namespace (nodes, cluster-scoped objects, other
    /// namespaces the post did not create).
    UnsafeWriteOutsideNamespace,
    /// Applies a manifest from a URL: import never fetches.
    Url,
    /// Depends on the author's machine or cloud (`minikube ip`, a load balancer's IP).
    Environment,
    /// Needs the outside network from the cluster or the host.
    ExternalNetwork,
    /// A placeholder the reader must fill (`<pod-name>`).
    Placeholder,
    /// kdrill has no way to express it (yet).
    Unsupported,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum ManifestRef {
    Line(usize),
    Word(String),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Label {
    pub line: Option<usize>,
    pub lines: Option<Span>,
    pub role: Role,
    pub of: Option<usize>,
    pub prompt: Option<String>,
    pub text: Option<String>,
    pub program: Option<String>,
    pub verb: Option<String>,
    pub step: Option<Step>,
    pub run: Option<Run>,
    pub todo: Option<TodoReason>,
    pub instead: Option<String>,
    pub same_as: Option<usize>,
    pub alternative_to: Option<usize>,
    pub via: Option<usize>,
    pub manifest: Option<ManifestRef>,
    // For people and for the comparison with the importer's output, not checked here:
    #[allow(dead_code)]
    pub sub: Option<String>,
    #[allow(dead_code)]
    pub ns: Option<String>,
    #[allow(dead_code)]
    pub file: Option<String>,
    #[allow(dead_code)]
    pub note: Option<String>,
}

impl Label {
    pub fn span(&self) -> Result<(usize, usize), String> {
        match (&self.line, &self.lines) {
            (Some(l), None) => Ok((*l, *l)),
            (None, Some(s)) => s.bounds(),
            _ => Err("a label has exactly one of `line` and `lines`".into()),
        }
    }
}

// ---------------------------------------------------------------------------------
// Loading the corpus

pub struct Fixture {
    pub name: String,
    pub key: Key,
    pub post_path: PathBuf,
    pub post: String,
}

pub fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn load(key_path: &Path) -> Result<Fixture, String> {
    let name = key_path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".key.yaml"))
        .ok_or("not a .key.yaml file")?
        .to_string();
    let text = std::fs::read_to_string(key_path).map_err(|e| e.to_string())?;
    let key: Key =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", key_path.display()))?;
    let dir = key_path.parent().expect("key has a directory");
    let post_path = dir.join(key.post.clone().unwrap_or_else(|| format!("{name}.md")));
    let post =
        std::fs::read_to_string(&post_path).map_err(|e| format!("{}: {e}", post_path.display()))?;
    Ok(Fixture {
        name,
        key,
        post_path,
        post,
    })
}

/// The answer keys of the corpus, sorted.
pub fn corpus() -> Vec<PathBuf> {
    let mut keys: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".key.yaml"))
        .collect();
    keys.sort();
    keys
}

impl Fixture {
    /// Every label of the key (prose and blocks), by its first line.
    pub fn labels(&self) -> std::collections::BTreeMap<usize, &Label> {
        self.key
            .prose
            .iter()
            .chain(self.key.blocks.iter().flat_map(|b| &b.labels))
            .filter_map(|l| l.span().ok().map(|(a, _)| (a, l)))
            .collect()
    }
}
