//! Line and column of every node of a YAML document, keyed by its path
//! (`steps[2].wait.until.phase`).
//!
//! serde_yaml gives positions only for the first syntax or type error of a whole
//! document, and none to a `Deserialize` impl, so a span-aware event parser
//! (yaml-rust2) walks the same text once to let every error, and every step at run
//! time, name its exact place.
//!
//! No node stores its path: below long keys every path is long, and a path per node
//! made memory grow with the product of the two (a 389 KB file took 2 GB). A node is
//! keyed by the hash of its path instead, which continues its parent's hash, so the
//! index is linear in the file's size and a lookup hashes the path it is given.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A path's hash: 128-bit FNV-1a of its text, computed piece by piece as the
/// parser goes down (`steps` → `steps[2]` → `steps[2].wait`), so a child's hash
/// continues its parent's and no path is ever written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PathHash {
    state: u128,
    /// The empty path (the document's root): its children have no `.` before them.
    root: bool,
}

impl PathHash {
    const ROOT: PathHash = PathHash {
        state: 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d,
        root: true,
    };

    fn push(mut self, text: &str) -> PathHash {
        for b in text.bytes() {
            self.state ^= u128::from(b);
            self.state = self
                .state
                .wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
        self.root = self.root && text.is_empty();
        self
    }

    /// `path` as a whole.
    fn of(path: &str) -> PathHash {
        PathHash::ROOT.push(path)
    }

    /// `path.key` (or `key` below the root).
    fn key(self, key: &str) -> PathHash {
        if self.root {
            self.push(key)
        } else {
            self.push(".").push(key)
        }
    }

    /// `path[n]`.
    fn item(self, n: usize) -> PathHash {
        self.push("[").push(&n.to_string()).push("]")
    }
}

/// Where each path of the first document sits in the source.
#[derive(Debug, Default)]
pub struct PosIndex {
    map: HashMap<PathHash, Pos>,
    /// Number of documents in the stream.
    pub documents: usize,
    /// Start of the second document, if any.
    pub second_document: Option<Pos>,
    /// Quoted (or block) scalars that hold `${`: they stay strings once their
    /// variables are replaced (see `vars::expand_value`).
    quoted: Arc<HashSet<PathHash>>,
}

/// The quoted scalars below one node (a step), by their path from it: what
/// `vars::expand_value` asks when it replaces variables.
#[derive(Debug, Clone, Default)]
pub struct QuotedPaths {
    /// The hash of `<node path>.`, from which relative paths continue.
    base: Option<PathHash>,
    all: Arc<HashSet<PathHash>>,
}

impl QuotedPaths {
    /// Whether the scalar at `path` (relative to the node) was quoted.
    pub fn contains(&self, path: &str) -> bool {
        self.base.is_some_and(|b| self.all.contains(&b.push(path)))
    }
}

impl crate::vars::Quoted for QuotedPaths {
    fn is_quoted(&self, path: &str) -> bool {
        self.contains(path)
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Map {
        path: PathHash,
        key: Option<PathHash>,
        expect_key: bool,
        first_key_seen: bool,
    },
    Seq {
        path: PathHash,
        next: usize,
    },
}

struct Builder {
    index: PosIndex,
    quoted: HashSet<PathHash>,
    stack: Vec<Frame>,
}

fn pos(m: Marker) -> Pos {
    // yaml-rust2 columns are 0-based, lines 1-based
    Pos {
        line: m.line(),
        col: m.col() + 1,
    }
}

impl Builder {
    /// Path of the node that starts now; `None` when it is a mapping key.
    fn enter_node(&mut self, at: Pos, scalar: Option<&str>) -> Option<PathHash> {
        if self.index.documents > 1 {
            return None;
        }
        match self.stack.last_mut() {
            None => {
                self.index.map.entry(PathHash::ROOT).or_insert(at);
                Some(PathHash::ROOT)
            }
            Some(Frame::Seq { path, next }) => {
                let p = path.item(*next);
                *next += 1;
                self.index.map.insert(p, at);
                Some(p)
            }
            Some(Frame::Map {
                path,
                key,
                expect_key,
                first_key_seen,
            }) => {
                if *expect_key {
                    *expect_key = false;
                    if !*first_key_seen {
                        // a block mapping's start event is marked at its first `:`;
                        // the first key is where a reader sees it begin
                        *first_key_seen = true;
                        if let Some(p) = self.index.map.get_mut(path) {
                            if (at.line, at.col) < (p.line, p.col) {
                                *p = at;
                            }
                        }
                    }
                    let k = path.key(scalar.unwrap_or("?"));
                    // the key's place is the best place for errors about the entry
                    self.index.map.insert(k, at);
                    *key = Some(k);
                    None
                } else {
                    *expect_key = true;
                    Some(key.unwrap_or_else(|| path.key("?")))
                }
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = pos(mark);
        match ev {
            Event::DocumentStart => {
                self.index.documents += 1;
                if self.index.documents == 2 {
                    self.index.second_document = Some(at);
                }
            }
            Event::Scalar(value, style, ..) => {
                let path = self.enter_node(at, Some(&value));
                if let Some(p) = path {
                    if style != TScalarStyle::Plain && value.contains("${") {
                        self.quoted.insert(p);
                    }
                }
            }
            Event::Alias(_) => {
                self.enter_node(at, None);
            }
            Event::SequenceStart(..) => {
                let p = self.enter_node(at, None).unwrap_or(PathHash::ROOT);
                self.stack.push(Frame::Seq { path: p, next: 0 });
            }
            Event::MappingStart(..) => {
                let p = self.enter_node(at, None).unwrap_or(PathHash::ROOT);
                self.stack.push(Frame::Map {
                    path: p,
                    key: None,
                    expect_key: true,
                    first_key_seen: false,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

impl PosIndex {
    /// Index `text`, or say where its YAML syntax is broken.
    pub fn build(text: &str) -> Result<PosIndex, SyntaxError> {
        let mut b = Builder {
            index: PosIndex::default(),
            quoted: HashSet::new(),
            stack: Vec::new(),
        };
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut b, true).map_err(|e| SyntaxError {
            pos: pos(*e.marker()),
            message: e.info().to_string(),
        })?;
        b.index.quoted = Arc::new(b.quoted);
        Ok(b.index)
    }

    /// Position of `path`, or of its nearest indexed ancestor.
    pub fn find(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.map.get(&PathHash::of(p)) {
                return *pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None if !p.is_empty() => p = "",
                None => return Pos { line: 1, col: 1 },
            }
        }
    }

    /// Whether the scalar at `path` was quoted (or a block scalar) and holds `${`.
    pub fn is_quoted(&self, path: &str) -> bool {
        !self.quoted.is_empty() && self.quoted.contains(&PathHash::of(path))
    }

    /// The quoted scalars below `path` (a step), by their paths from it.
    pub fn quoted_below(&self, path: &str) -> QuotedPaths {
        QuotedPaths {
            base: (!self.quoted.is_empty()).then(|| PathHash::of(path).push(".")),
            all: Arc::clone(&self.quoted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name: x\nsteps:\n  - apply: {file: a.yaml}\n  - wait:\n      for: pod/nginx\n      until: {phase: Running}\n";

    #[test]
    fn finds_steps_and_nested_keys() {
        let idx = PosIndex::build(DOC).unwrap();
        assert_eq!(idx.find("steps[0]"), Pos { line: 3, col: 5 });
        assert_eq!(idx.find("steps[1]"), Pos { line: 4, col: 5 });
        assert_eq!(idx.find("steps[1].wait.for"), Pos { line: 5, col: 7 });
        assert_eq!(
            idx.find("steps[1].wait.until.phase"),
            Pos { line: 6, col: 15 }
        );
        // unknown paths fall back to the nearest ancestor
        assert_eq!(
            idx.find("steps[1].wait.until.nope"),
            Pos { line: 6, col: 7 }
        );
        assert_eq!(idx.documents, 1);
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = PosIndex::build("name: x\nsteps:\n  - apply: {file: a.yaml\n").unwrap_err();
        assert!(err.pos.line >= 3, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn quoted_scalars_below_a_step_by_their_relative_paths() {
        let doc = "steps:\n  - wait:\n      for: \"${P}\"\n      n: ${N}\n  - exec:\n      expect:\n        stdout: |\n          ${OUT}\n";
        let idx = PosIndex::build(doc).unwrap();
        let first = idx.quoted_below("steps[0]");
        assert!(first.contains("wait.for"));
        assert!(!first.contains("wait.n"), "a plain scalar is not quoted");
        assert!(!first.contains("exec.expect.stdout"), "another step's path");
        let second = idx.quoted_below("steps[1]");
        assert!(
            second.contains("exec.expect.stdout"),
            "a block scalar counts as quoted"
        );
        assert!(!second.contains("wait.for"));
        assert!(idx.is_quoted("steps[0].wait.for") && !idx.is_quoted("steps[0].wait.n"));
        // the same path text, however it was reached, is the same node
        assert_eq!(
            idx.find("steps[1].exec.expect.stdout"),
            Pos { line: 7, col: 9 }
        );
        assert!(!PosIndex::build("a: 1\n")
            .unwrap()
            .quoted_below("a")
            .contains(""));
    }

    #[test]
    fn counts_documents() {
        let idx = PosIndex::build("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(idx.documents, 2);
        assert_eq!(idx.second_document.map(|p| p.line), Some(2));
    }
}
