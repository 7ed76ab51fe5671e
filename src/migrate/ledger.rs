//! The tally of a migration: every key of every YAML file of the input, found by a
//! generic walk of the files' YAML events (not by the converters), and what became of
//! each. The converters account for what they read, a key and all below it at once
//! (a manifest copied whole) or one key at a time; the most specific account of a key
//! decides. A key no account covers was lost silently: `kdrill migrate` fails then.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml_rust2::parser::{Event, Parser};

/// Where a key is: file, document (0-based among non-empty ones), path of keys and
/// `[i]` indexes.
pub type Path_ = Vec<String>;

/// What became of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Converted to an equivalent (a test shows the meaning is the same).
    Converted,
    /// Listed in MIGRATION.md, with the reason.
    Listed,
}

/// The documents of a file, each with its first line and its keys' lines.
#[derive(Debug, Default, Clone)]
pub struct Walked {
    /// (document, path) → line, for every key.
    pub keys: BTreeMap<(usize, Path_), usize>,
    /// First line of each non-empty document.
    pub doc_lines: Vec<usize>,
    /// document → its top-level `kind`, when it has a text one.
    pub kinds: BTreeMap<usize, String>,
}

/// Every key of a YAML text, with its line, from the parser's events (an unreadable
/// text has the one key `[]` of document 0, at line 1: the file itself).
pub fn walk(text: &str) -> Walked {
    let mut w = Walked::default();
    enum Frame {
        Map { key: Option<String> },
        Seq { next: usize },
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Path_ = Vec::new();
    let mut doc: Option<usize> = None;
    let mut doc_count = 0;
    let mut doc_start_line = 1;
    let mut failed = false;
    // the path segment of the value that is starting, in the current container
    fn enter(stack: &mut [Frame], path: &mut Path_) -> bool {
        match stack.last_mut() {
            Some(Frame::Map { key: Some(k) }) => {
                path.push(k.clone());
                true
            }
            Some(Frame::Seq { next }) => {
                path.push(format!("[{next}]"));
                *next += 1;
                true
            }
            _ => false,
        }
    }
    fn leave(stack: &mut [Frame], path: &mut Path_, pushed: bool) {
        if pushed {
            path.pop();
        }
        if let Some(Frame::Map { key }) = stack.last_mut() {
            *key = None;
        }
    }
    let mut pushed_stack: Vec<bool> = Vec::new();
    loop {
        let (ev, mark) = match parser.next_token() {
            Ok(x) => x,
            Err(_) => {
                failed = true;
                break;
            }
        };
        let line = mark.line().max(1);
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                doc = None;
                doc_start_line = line;
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if stack.is_empty() {
                    doc = Some(doc_count);
                    doc_count += 1;
                    w.doc_lines.push(line.max(doc_start_line));
                }
                let pushed = enter(&mut stack, &mut path);
                pushed_stack.push(pushed);
                stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                let pushed = pushed_stack.pop().unwrap_or(false);
                leave(&mut stack, &mut path, pushed);
            }
            Event::Scalar(value, ..) => match stack.last_mut() {
                Some(Frame::Map { key: k @ None }) => {
                    *k = Some(value.clone());
                    let mut p = path.clone();
                    p.push(value);
                    if let Some(d) = doc {
                        w.keys.insert((d, p), line);
                    }
                }
                Some(_) => {
                    let pushed = enter(&mut stack, &mut path);
                    if let (Some(d), [k]) = (doc, path.as_slice()) {
                        if k == "kind" && stack.len() == 1 {
                            w.kinds.insert(d, value.clone());
                        }
                    }
                    leave(&mut stack, &mut path, pushed);
                }
                None => {
                    // a document that is a lone scalar: a non-empty one counts
                    if !value.is_empty() && value != "~" && value != "null" {
                        doc = Some(doc_count);
                        doc_count += 1;
                        w.doc_lines.push(line);
                        w.keys.insert((doc_count - 1, Vec::new()), line);
                    }
                }
            },
            Event::Alias(_) => {
                let pushed = enter(&mut stack, &mut path);
                leave(&mut stack, &mut path, pushed);
            }
            _ => {}
        }
    }
    if failed {
        w.keys.clear();
        w.kinds.clear();
        w.keys.insert((0, Vec::new()), 1);
    }
    w
}

/// One walked key and what became of it.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub file: &'a Path,
    pub doc: usize,
    /// The `kind` of the key's document (`Test`, `TestStep`, `ConfigMap`), when it says.
    pub kind: Option<&'a str>,
    pub path: &'a [String],
    pub line: usize,
    pub fate: Option<Fate>,
}

/// The accounts of one migration.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    /// Every YAML file of the input, walked.
    files: BTreeMap<PathBuf, Walked>,
    /// (file, document, path) → fate; covers the key and everything below it.
    accounts: BTreeMap<(PathBuf, usize, Path_), Fate>,
    /// (file, document, path) → fate of that key alone (a structural key such as
    /// `spec.steps`, whose contents are accounted one by one).
    exact: BTreeMap<(PathBuf, usize, Path_), Fate>,
}

/// The tally: keys read, and what became of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub files: usize,
    pub read: usize,
    pub converted: usize,
    pub listed: usize,
    /// Keys nothing accounts for, with file:line.
    pub lost: Vec<String>,
}

impl Tally {
    pub fn balanced(&self) -> bool {
        self.lost.is_empty() && self.read == self.converted + self.listed
    }
}

/// One name per file however it was reached (`a/../b/x.yaml` is `b/x.yaml`).
fn same(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// A file as people read it: relative to the working directory when it is below it.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| path.strip_prefix(d).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

impl Ledger {
    /// Walk a file (once); its text is read again from disk by whoever converts it.
    pub fn walk_file(&mut self, path: &Path) {
        let path = &same(path);
        if self.files.contains_key(path) {
            return;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        self.files.insert(path.to_path_buf(), walk(text));
    }

    /// Walk every `.yaml`/`.yml` file under `root` (hidden directories too: a
    /// `.chainsaw-test/` holds a test).
    pub fn walk_tree(&mut self, root: &Path) {
        if root.is_file() {
            self.walk_file(root);
            return;
        }
        let Ok(rd) = std::fs::read_dir(root) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                self.walk_tree(&p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                self.walk_file(&p);
            }
        }
    }

    /// The line of a key (or of its document, for the empty path).
    pub fn line(&self, file: &Path, doc: usize, path: &[String]) -> usize {
        let Some(w) = self.files.get(&same(file)) else {
            return 1;
        };
        if path.is_empty() {
            return w.doc_lines.get(doc).copied().unwrap_or(1);
        }
        // the nearest key at or above the path
        let mut p = path.to_vec();
        while !p.is_empty() {
            if let Some(l) = w.keys.get(&(doc, p.clone())) {
                return *l;
            }
            p.pop();
        }
        w.doc_lines.get(doc).copied().unwrap_or(1)
    }

    /// Account for a key and everything below it (a more specific account wins).
    pub fn account(&mut self, file: &Path, doc: usize, path: &[String], fate: Fate) {
        self.accounts.insert((same(file), doc, path.to_vec()), fate);
    }

    /// Account for one key alone, not what is below it.
    pub fn account_key(&mut self, file: &Path, doc: usize, path: &[String], fate: Fate) {
        self.exact.insert((same(file), doc, path.to_vec()), fate);
    }

    /// Account for a whole file (every document).
    pub fn account_file(&mut self, file: &Path, fate: Fate) {
        let docs = self
            .files
            .get(&same(file))
            .map_or(1, |w| w.doc_lines.len().max(1));
        for d in 0..docs {
            self.account(file, d, &[], fate);
        }
    }

    /// Whether anything accounts for this file yet.
    pub fn touched(&self, file: &Path) -> bool {
        let file = same(file);
        self.accounts.keys().any(|(f, _, _)| *f == file)
    }

    /// The walked files.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.keys()
    }

    fn fate_of(&self, file: &Path, doc: usize, path: &[String]) -> Option<Fate> {
        if let Some(f) = self.exact.get(&(file.to_path_buf(), doc, path.to_vec())) {
            return Some(*f);
        }
        let mut p = path.to_vec();
        loop {
            if let Some(f) = self.accounts.get(&(file.to_path_buf(), doc, p.clone())) {
                return Some(*f);
            }
            if p.is_empty() {
                return None;
            }
            p.pop();
        }
    }

    /// Every walked key with its line, its document's `kind` and its fate (None: nothing
    /// accounts for it), file by file in order.
    pub fn entries(&self) -> Vec<Entry<'_>> {
        let mut out = Vec::new();
        for (file, w) in &self.files {
            for ((doc, path), line) in &w.keys {
                out.push(Entry {
                    file,
                    doc: *doc,
                    kind: w.kinds.get(doc).map(String::as_str),
                    path,
                    line: *line,
                    fate: self.fate_of(file, *doc, path),
                });
            }
        }
        out
    }

    /// Count every walked key by its fate.
    pub fn tally(&self) -> Tally {
        let mut t = Tally {
            files: self.files.len(),
            ..Tally::default()
        };
        for e in self.entries() {
            t.read += 1;
            match e.fate {
                Some(Fate::Converted) => t.converted += 1,
                Some(Fate::Listed) => t.listed += 1,
                None => t.lost.push(format!(
                    "{}:{}: `{}`",
                    shown(e.file),
                    e.line,
                    if e.path.is_empty() {
                        "(the file)".to_string()
                    } else {
                        e.path.join(".")
                    }
                )),
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_finds_every_key_with_its_line() {
        let w = walk("# c\na: 1\nb:\n  - c: 2\n    d: [1, {e: 3}]\n---\n---\nf: x\n");
        let keys: Vec<(usize, String, usize)> = w
            .keys
            .iter()
            .map(|((d, p), l)| (*d, p.join("."), *l))
            .collect();
        assert_eq!(
            keys,
            vec![
                (0, "a".into(), 2),
                (0, "b".into(), 3),
                (0, "b.[0].c".into(), 4),
                (0, "b.[0].d".into(), 5),
                (0, "b.[0].d.[1].e".into(), 5),
                (1, "f".into(), 8),
            ]
        );
        assert_eq!(w.doc_lines, vec![2, 8]);
        let w =
            walk("kind: Test\nspec: {kind: Inner}\n---\nitems: [{kind: X}]\n---\nkind: TestStep\n");
        assert_eq!(w.kinds, [(0, "Test".into()), (2, "TestStep".into())].into());
    }

    #[test]
    fn the_most_specific_account_decides_and_the_rest_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.yaml");
        std::fs::write(&f, "spec:\n  a: 1\n  b: {c: 2}\nother: 3\n").unwrap();
        let mut l = Ledger::default();
        l.walk_file(&f);
        l.account(&f, 0, &["spec".into()], Fate::Converted);
        l.account(&f, 0, &["spec".into(), "b".into()], Fate::Listed);
        let t = l.tally();
        assert_eq!((t.read, t.converted, t.listed), (5, 2, 2));
        assert_eq!(t.lost.len(), 1);
        assert!(t.lost[0].ends_with("t.yaml:4: `other`"), "{:?}", t.lost);
        assert!(!t.balanced());
        // a structural key alone leaves its contents to their own accounts
        let mut l = Ledger::default();
        l.walk_file(&f);
        l.account_key(&f, 0, &["spec".into()], Fate::Converted);
        l.account(&f, 0, &["spec".into(), "a".into()], Fate::Converted);
        let t = l.tally();
        assert_eq!(
            (t.read, t.converted, t.lost.len()),
            (5, 2, 3),
            "{:?}",
            t.lost
        );
    }
}
