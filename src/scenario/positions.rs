//! Line and column of every node of a YAML document, keyed by its path
//! (`steps[2].wait.until.phase`).
//!
//! serde_yaml gives positions only for the first syntax or type error of a whole
//! document, and none to a `Deserialize` impl, so a span-aware event parser
//! (yaml-rust2) walks the same text once to let every error, and every step at run
//! time, name its exact place.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Where each path of the first document sits in the source.
#[derive(Debug, Default)]
pub struct PosIndex {
    map: HashMap<String, Pos>,
    /// Number of documents in the stream.
    pub documents: usize,
    /// Start of the second document, if any.
    pub second_document: Option<Pos>,
    /// Paths of quoted (or block) scalars that hold `${`: they stay strings once
    /// their variables are replaced (see `vars::expand_value`).
    pub quoted: std::collections::BTreeSet<String>,
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        expect_key: bool,
        first_key_seen: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
}

struct Builder {
    index: PosIndex,
    stack: Vec<Frame>,
}

fn pos(m: Marker) -> Pos {
    // yaml-rust2 columns are 0-based, lines 1-based
    Pos {
        line: m.line(),
        col: m.col() + 1,
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Builder {
    /// Path of the node that starts now; `None` when it is a mapping key.
    fn enter_node(&mut self, at: Pos, scalar: Option<&str>) -> Option<String> {
        if self.index.documents > 1 {
            return None;
        }
        match self.stack.last_mut() {
            None => {
                self.index.map.entry(String::new()).or_insert(at);
                Some(String::new())
            }
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                self.index.map.insert(p.clone(), at);
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
                        if let Some(p) = self.index.map.get_mut(path.as_str()) {
                            if (at.line, at.col) < (p.line, p.col) {
                                *p = at;
                            }
                        }
                    }
                    let k = scalar.unwrap_or("?").to_string();
                    // the key's place is the best place for errors about the entry
                    self.index.map.insert(child(path, &k), at);
                    *key = Some(k);
                    None
                } else {
                    *expect_key = true;
                    let p = child(path, key.as_deref().unwrap_or("?"));
                    Some(p)
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
                        self.index.quoted.insert(p);
                    }
                }
            }
            Event::Alias(_) => {
                self.enter_node(at, None);
            }
            Event::SequenceStart(..) => {
                let p = self.enter_node(at, None).unwrap_or_default();
                self.stack.push(Frame::Seq { path: p, next: 0 });
            }
            Event::MappingStart(..) => {
                let p = self.enter_node(at, None).unwrap_or_default();
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
            stack: Vec::new(),
        };
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut b, true).map_err(|e| SyntaxError {
            pos: pos(*e.marker()),
            message: e.info().to_string(),
        })?;
        Ok(b.index)
    }

    /// Position of `path`, or of its nearest indexed ancestor.
    pub fn find(&self, path: &str) -> Pos {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.map.get(&p) {
                return *pos;
            }
            let cut = p.rfind(['.', '[']);
            match cut {
                Some(i) => p.truncate(i),
                None if !p.is_empty() => p.clear(),
                None => return Pos { line: 1, col: 1 },
            }
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
    fn counts_documents() {
        let idx = PosIndex::build("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(idx.documents, 2);
        assert_eq!(idx.second_document.map(|p| p.line), Some(2));
    }
}
