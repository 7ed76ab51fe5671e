//! One output of a post against what the cluster prints now: both sides normalised
//! (the snapshot rules of [`crate::snapshot::redact`], the post's namespaces and node
//! names, kdrill's own labels removed, what varies between runs), compared line by
//! line for meaning, a diff that shows each side as written, and the merge `refresh`
//! writes: the post's own line wherever its meaning still holds, the cluster's line
//! (in the post's names, with the post's ages and addresses where only those differ)
//! wherever it does not.

use super::rewrite::NewLine;
use crate::snapshot::redact::{self, RedactRule};
use regex::Regex;
use similar::{capture_diff_slices, Algorithm, DiffOp};
use std::sync::OnceLock;

/// What both sides of a comparison are normalised with.
#[derive(Debug, Clone, Default)]
pub struct Norm {
    /// The post's namespaces and what the run calls them (`default` → `[NAMESPACE]`,
    /// `shop` → `[NAMESPACE]-shop`), for [`redact::post_namespaces`].
    pub post_namespaces: Vec<(String, String)>,
    /// Node names the post shows.
    pub post_nodes: Vec<String>,
    /// The run's namespace, nodes and id.
    pub run: redact::Context,
    /// The post's and the scenario's own rules (the sidecar's `redact:`).
    pub rules: Vec<RedactRule>,
    /// The run's namespace → the post's name for it, longest first (`kdrill-x-shop` →
    /// `shop`, `kdrill-x` → `default`): what the post shows in a refreshed line.
    pub back_namespaces: Vec<(String, String)>,
    /// The run's node → the post's node, when each side has exactly one.
    pub back_node: Option<(String, String)>,
}

/// One side of a comparison: the lines as written and their meaning.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// The lines as a reader sees them (the post's), or in the post's names (the cluster's).
    pub text: Vec<String>,
    /// The meaning of each line: normalised, spaces collapsed.
    pub keys: Vec<String>,
    /// Lines that mean nothing either way (curl's progress meter): kept, not compared.
    pub ignored: Vec<bool>,
}

impl Side {
    fn significant(&self) -> Vec<usize> {
        (0..self.keys.len()).filter(|&i| !self.ignored[i]).collect()
    }

    fn significant_keys(&self) -> Vec<String> {
        self.significant()
            .into_iter()
            .map(|i| self.keys[i].clone())
            .collect()
    }
}

/// curl's progress meter (written to stderr, so it shows on a terminal) and `rollout
/// status`'s waiting lines: they change with every run and say nothing about the
/// cluster's end state.
pub fn is_progress_meter(line: &str) -> bool {
    let t = line.trim();
    // `rollout status` prints one such line per change it sees: how many is timing
    if t.starts_with("Waiting for ") && t.contains(" rollout to finish") {
        return true;
    }
    if t.starts_with("% Total") || t.starts_with("Dload") {
        return true;
    }
    let times = t
        .split_whitespace()
        .filter(|w| {
            *w == "--:--:--" || (w.len() == 8 && w.chars().filter(|c| *c == ':').count() == 2)
        })
        .count();
    t.chars().next().is_some_and(|c| c.is_ascii_digit()) && times >= 3
}

/// Runs of spaces inside a line are layout, not meaning (a longer age widens a
/// column); leading indentation stays (it nests describe's fields).
fn collapse(line: &str) -> String {
    let trimmed = line.trim_end();
    let lead = trimmed.len() - trimmed.trim_start().len();
    let mut out = trimmed[..lead].to_string();
    let mut space = false;
    for c in trimmed[lead..].chars() {
        if c == ' ' || c == '\t' {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

fn keys_of(normalised: &str, count: usize) -> Vec<String> {
    let mut keys: Vec<String> = normalised
        .split('\n')
        .map(|l| collapse(&redact::volatile(l)))
        .collect();
    keys.resize(count, String::new());
    keys
}

fn lines_of(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .replace("\r\n", "\n")
        .split('\n')
        .map(str::to_string)
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

impl Norm {
    /// The post's side: its output lines as a reader sees them.
    pub fn post(&self, lines: &[String]) -> Side {
        let joined = lines.join("\n");
        let ctx = redact::Context {
            namespace: String::new(),
            nodes: self.post_nodes.clone(),
            run_id: String::new(),
        };
        let normalised = redact::normalise(
            &post_namespace_objects(
                &redact::post_namespaces(&joined, &self.post_namespaces),
                &self.post_namespaces,
            ),
            &ctx,
            &self.rules,
        );
        // blank lines that close a block (kubectl's trailing newline, copied along)
        // are invisible to a reader; the cluster's side drops them too
        let last = lines.iter().rposition(|l| !l.trim().is_empty());
        Side {
            text: lines.to_vec(),
            keys: keys_of(&normalised, lines.len()),
            ignored: lines
                .iter()
                .enumerate()
                .map(|(i, l)| is_progress_meter(l) || last.is_none_or(|z| i > z))
                .collect(),
        }
    }

    /// The cluster's side: what the step printed, in the post's names.
    pub fn cluster(&self, raw: &str) -> Side {
        let clean = redact::without_kdrill_labels(&raw.replace("\r\n", "\n"));
        let lines = lines_of(&clean);
        let normalised = redact::normalise(&lines.join("\n"), &self.run, &self.rules);
        let keys = keys_of(&normalised, lines.len());
        let text: Vec<String> = lines.iter().map(|l| self.back(l)).collect();
        Side {
            ignored: text.iter().map(|l| is_progress_meter(l)).collect(),
            text,
            keys,
        }
    }

    /// A line of the cluster in the post's names: its namespaces and node.
    fn back(&self, line: &str) -> String {
        let mut out = line.to_string();
        for (run, post) in &self.back_namespaces {
            if !run.is_empty() {
                out = out.replace(run, post);
            }
        }
        if let Some((run, post)) = &self.back_node {
            if let Ok(re) = Regex::new(&format!(r"\b{}\b", regex::escape(run))) {
                out = re.replace_all(&out, post.as_str()).into_owned();
            }
        }
        out
    }

    /// The meaning of one word (for keeping the post's ages and addresses).
    fn word_key(&self, w: &str) -> String {
        redact::volatile(&redact::normalise(
            w,
            &redact::Context::default(),
            &self.rules,
        ))
    }

    /// `cluster` with each word whose meaning equals the post's word at the same place
    /// replaced by the post's (its age, IP, generated name), where it fits the column.
    pub fn keep_values(&self, post: &str, cluster: &str) -> String {
        let words = |s: &str| -> Vec<(usize, usize)> {
            let mut out = Vec::new();
            let mut start = None;
            for (i, c) in s.char_indices() {
                match (c.is_whitespace(), start) {
                    (false, None) => start = Some(i),
                    (true, Some(a)) => {
                        out.push((a, i));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(a) = start {
                out.push((a, s.len()));
            }
            out
        };
        let pw = words(post);
        let cw = words(cluster);
        if pw.len() != cw.len() {
            return cluster.to_string();
        }
        let mut out = String::new();
        let mut at = 0;
        for (k, (&(pa, pz), &(ca, cz))) in pw.iter().zip(&cw).enumerate() {
            let (p, c) = (&post[pa..pz], &cluster[ca..cz]);
            out.push_str(&cluster[at..ca]);
            let next = cw.get(k + 1).map(|w| w.0);
            // room up to the next word, keeping kubectl's gap of at least one space
            let room = next.map_or(usize::MAX, |n| n - ca - 1);
            if p != c && self.word_key(p) == self.word_key(c) && p.len() <= room.max(c.len()) {
                out.push_str(p);
                if let Some(n) = next {
                    // pad or shrink the gap so the next column starts where it did
                    let used = ca + p.len();
                    out.push_str(&" ".repeat(n.saturating_sub(used).max(1)));
                    at = n;
                    continue;
                }
            } else {
                out.push_str(c);
            }
            at = cz;
        }
        out.push_str(&cluster[at..]);
        out
    }
}

/// The namespaces a post creates, named as objects (`namespace/dev created`,
/// `namespace "dev" deleted`): in a run they are the scenario's (`[NAMESPACE]-dev`).
fn post_namespace_objects(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (ns, with) in names {
        if ns == "default" {
            continue;
        }
        let e = regex::escape(ns);
        for (re, rep) in [
            (
                format!(r"\b(namespaces?|ns)/{e}\b"),
                format!("${{1}}/{with}"),
            ),
            (
                format!(r#"\b(namespaces?) "{e}""#),
                format!(r#"${{1}} "{with}""#),
            ),
        ] {
            if let Ok(re) = Regex::new(&re) {
                out = re.replace_all(&out, rep.as_str()).into_owned();
            }
        }
    }
    out
}

/// describe's event table (`Type Reason Age From Message`) and a Secret's or
/// ConfigMap's `Data` keys (`====` under the title): their rows in sorted order,
/// since events of the same second, and map keys, come in no fixed order; an event
/// row once however often it repeats.
fn canonical(keys: &[String]) -> Vec<String> {
    let mut out = keys.to_vec();
    let mut i = 0;
    while i < out.len() {
        let t = out[i].trim();
        if t == "Type Reason Age From Message" {
            let mut a = i + 1;
            if out.get(a).is_some_and(|l| l.trim().starts_with("----")) {
                a += 1;
            }
            let mut z = a;
            while z < out.len() && out[z].starts_with(' ') && !out[z].trim().is_empty() {
                z += 1;
            }
            // which events happened is meaning; how often is timing: kubelet folds
            // a repeat into the row before (`x2 over`) only when its message is
            // identical, so a post and a run can show one event as one row or two
            let mut rows = out[a..z].to_vec();
            rows.sort();
            rows.dedup();
            let n = rows.len();
            out.splice(a..z, rows);
            i = a + n;
        } else if t == "====" && i > 0 && out[i - 1].trim() == "Data" {
            // `key: N bytes` lines up to a blank line or the next title
            let a = i + 1;
            let mut z = a;
            while z < out.len()
                && !out[z].trim().is_empty()
                && !out.get(z + 1).is_some_and(|l| l.trim().starts_with("===="))
            {
                z += 1;
            }
            out[a..z].sort();
            i = z;
        } else {
            i += 1;
        }
    }
    out
}

/// Does the cluster's output mean what the post's shows? `segments` are the lengths
/// of the post's pieces when the author cut the output (`...`): each must appear, in
/// order, in the cluster's.
pub fn same_meaning(post: &Side, cluster: &Side, segments: &[usize]) -> bool {
    let p = post.significant_keys();
    let c = cluster.significant_keys();
    if segments.len() <= 1 {
        return canonical(&p) == canonical(&c);
    }
    // the pieces, each a run of the cluster's lines, in order
    let mut from = 0;
    let mut offset = 0;
    let sig: Vec<usize> = post.significant();
    for &len in segments {
        let piece: Vec<&String> = sig
            .iter()
            .filter(|&&i| i >= offset && i < offset + len)
            .map(|&i| &post.keys[i])
            .collect();
        offset += len;
        if piece.is_empty() {
            continue;
        }
        let found = (from..=c.len().saturating_sub(piece.len())).find(|&s| {
            c[s..s + piece.len()]
                .iter()
                .zip(&piece)
                .all(|(a, b)| a == *b)
        });
        match found {
            Some(s) => from = s + piece.len(),
            None => return false,
        }
    }
    true
}

/// The line-by-line differences of meaning (on the significant lines).
fn ops(post: &Side, cluster: &Side) -> Vec<DiffOp> {
    let p = post.significant_keys();
    let c = cluster.significant_keys();
    capture_diff_slices(Algorithm::Patience, &p, &c)
}

/// A readable diff: `-` the post as written, `+` the cluster in the post's names,
/// the post's own lines around them; lines that only differ in what is normalised
/// are equal.
pub fn diff(post: &Side, cluster: &Side, colour: bool) -> String {
    let ps = post.significant();
    let cs = cluster.significant();
    let ops = ops(post, cluster);
    let mut out = String::new();
    let paint = |sign: char, line: &str, code: &str| -> String {
        if colour {
            format!("{code}{sign} {line}\x1b[0m\n")
        } else {
            format!("{sign} {line}\n")
        }
    };
    for op in &ops {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index: _,
                len,
            } => {
                // context: up to two lines after a change and before the next
                let lines: Vec<&String> = (old_index..old_index + len)
                    .map(|i| &post.text[ps[i]])
                    .collect();
                if lines.len() <= 4 {
                    for l in lines {
                        out.push_str(&paint(' ', l, ""));
                    }
                } else {
                    for l in &lines[..2] {
                        out.push_str(&paint(' ', l, ""));
                    }
                    out.push_str(&format!("  ... {} equal lines\n", lines.len() - 4));
                    for l in &lines[lines.len() - 2..] {
                        out.push_str(&paint(' ', l, ""));
                    }
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for &i in &ps[old_index..old_index + old_len] {
                    out.push_str(&paint('-', &post.text[i], "\x1b[31m"));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for &i in &cs[new_index..new_index + new_len] {
                    out.push_str(&paint('+', &cluster.text[i], "\x1b[32m"));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for &i in &ps[old_index..old_index + old_len] {
                    out.push_str(&paint('-', &post.text[i], "\x1b[31m"));
                }
                for &i in &cs[new_index..new_index + new_len] {
                    out.push_str(&paint('+', &cluster.text[i], "\x1b[32m"));
                }
            }
        }
    }
    out
}

/// The lines `refresh` writes for a post output (`post_lines`: its post line numbers,
/// one per line of `post`): the post's own line where the meaning holds, the
/// cluster's where it does not (with the post's values where only they differ);
/// lines that mean nothing (a progress meter) stay where they were.
pub fn merge(norm: &Norm, post: &Side, post_lines: &[usize], cluster: &Side) -> Vec<NewLine> {
    let ps = post.significant();
    let cs = cluster.significant();
    let mut out = Vec::new();
    let mut next_post = 0; // the next post line (index into `post`) not yet placed
    let flush_ignored = |upto: usize, next_post: &mut usize, out: &mut Vec<NewLine>| {
        while *next_post < upto {
            if post.ignored[*next_post] {
                out.push(NewLine::Keep(post_lines[*next_post]));
            }
            *next_post += 1;
        }
    };
    for op in ops(post, cluster) {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                for i in old_index..old_index + len {
                    flush_ignored(ps[i], &mut next_post, &mut out);
                    out.push(NewLine::Keep(post_lines[ps[i]]));
                    next_post = ps[i] + 1;
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for &i in &ps[old_index..old_index + old_len] {
                    flush_ignored(i, &mut next_post, &mut out);
                    next_post = i + 1;
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for &i in &cs[new_index..new_index + new_len] {
                    out.push(NewLine::Text(cluster.text[i].clone()));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                if let Some(&first) = ps.get(old_index) {
                    flush_ignored(first, &mut next_post, &mut out);
                }
                for k in 0..new_len {
                    let c = &cluster.text[cs[new_index + k]];
                    let line = if k < old_len {
                        norm.keep_values(&post.text[ps[old_index + k]], c)
                    } else {
                        c.clone()
                    };
                    out.push(NewLine::Text(line));
                }
                next_post = ps[old_index + old_len - 1] + 1;
            }
        }
    }
    flush_ignored(post.text.len(), &mut next_post, &mut out);
    out
}

/// `pod/x created (server dry run)`: kubectl's confirmation of a server-side dry run,
/// as the real command prints it.
pub fn without_dry_run(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r" \(server dry run\)").expect("dry run regex"));
    re.replace_all(text, "").into_owned()
}

#[cfg(test)]
mod tests;
