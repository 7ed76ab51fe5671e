//! The module graph of `src/` has no cycles: data flows one way (file → spec → plan
//! → executor → step → event → report → renderers). Read from the code itself: every
//! `crate::x` path in a file of module `y` is an arrow y → x between top-level
//! modules, and inside a directory every `super::sibling` or `crate::dir::sibling`
//! is an arrow between its files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Identifiers that follow `prefix` in the code (comments and strings skipped roughly:
/// lines starting with `//` are ignored).
fn paths_after(text: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            let after = &rest[i + prefix.len()..];
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
                // `crate::{a, b::c}`
                if after.starts_with('{') {
                    let inner = &after[1..after.find('}').unwrap_or(after.len())];
                    for part in inner.split(',') {
                        let n: String = part
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !n.is_empty() {
                            out.push(n);
                        }
                    }
                }
            }
            rest = after;
        }
    }
    out
}

/// The cycles of a directed graph (each as its nodes), found by Tarjan's algorithm.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        out: Vec<Vec<String>>,
    }
    fn visit(t: &mut T, v: &str) {
        let i = t.index.len();
        t.index.insert(v.into(), i);
        t.low.insert(v.into(), i);
        t.stack.push(v.into());
        t.on.insert(v.into());
        for w in t.edges.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let lw = t.low[&w];
                let lv = t.low[v];
                t.low.insert(v.into(), lv.min(lw));
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low[v];
                t.low.insert(v.into(), lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    let nodes: Vec<String> = edges.keys().cloned().collect();
    for n in nodes {
        if !t.index.contains_key(&n) {
            visit(&mut t, &n);
        }
    }
    t.out
}

#[test]
fn no_module_imports_itself_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let tops: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_stem()?.to_string_lossy().into_owned();
            (p.is_dir() || p.extension().is_some_and(|x| x == "rs")).then_some(name)
        })
        .filter(|n| n != "lib" && n != "main")
        .collect();
    let mut top_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // per directory: its files (but mod.rs) and the arrows between them
    let mut inner: BTreeMap<PathBuf, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        // tests may reach anywhere: only the code counts
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for to in paths_after(code, "crate::") {
            if to != top && tops.contains(&to) {
                top_edges.entry(top.clone()).or_default().insert(to);
            }
        }
        top_edges.entry(top.clone()).or_default();
        let dir = f.parent().unwrap().to_path_buf();
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        if dir == src || stem == "mod" {
            continue;
        }
        let siblings: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| Some(e.ok()?.path().file_stem()?.to_string_lossy().into_owned()))
            .filter(|n| n != "mod")
            .collect();
        let dir_module = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut to: Vec<String> = paths_after(code, "super::");
        to.extend(paths_after(code, &format!("crate::{dir_module}::")));
        let g = inner.entry(dir.clone()).or_default();
        g.entry(stem.clone()).or_default();
        for t in to {
            if t != stem && siblings.contains(&t) {
                g.entry(stem.clone()).or_default().insert(t);
            }
        }
    }
    let mut found = cycles(&top_edges);
    for g in inner.values() {
        found.extend(cycles(g));
    }
    assert!(
        top_edges.len() > 20,
        "the graph was not read: {} modules",
        top_edges.len()
    );
    assert!(
        found.is_empty(),
        "modules that import each other in a circle: {found:?}"
    );
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")] {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    }
    assert_eq!(
        cycles(&g),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
    assert_eq!(
        paths_after("use crate::{a, b::c};\nlet x = crate::d::e();", "crate::"),
        vec!["a", "b", "d"]
    );
}
