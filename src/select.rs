//! Choosing scenarios for a run: `--filter REGEX` on names and paths, `--selector`
//! on scenario `labels` (kubectl's label selector syntax: `k=v`, `k!=v`, `k`, `!k`,
//! `k in (a,b)`, `k notin (a,b)`, joined by commas, all must hold), and `--shard I/N`:
//! this machine's part of a suite split over N (see [`shard`]).

use crate::scenario::Scenario;
use regex::Regex;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    Missing(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed label selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector(Vec<Req>);

/// Split on commas that are not inside `( )`.
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// A `--filter` or `--selector` that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectError {
    #[error("--selector: `{0}` is not a requirement; use k=v, k!=v, k, !k, `k in (a,b)` or `k notin (a,b)`, joined by commas")]
    NotARequirement(String),
    #[error("--filter: invalid regex: {0}")]
    Filter(#[from] regex::Error),
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, SelectError> {
        let bad = |part: &str| SelectError::NotARequirement(part.to_string());
        let mut reqs = Vec::new();
        for part in split_top(text) {
            let p = part.trim();
            let set = |rest: &str| -> Option<Vec<String>> {
                let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let req = if let Some((k, v)) = p.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some(k) = p.strip_prefix('!') {
                Req::Missing(k.trim().into())
            } else if let Some((k, rest)) = p.split_once(" notin ") {
                Req::NotIn(k.trim().into(), set(rest).ok_or_else(|| bad(p))?)
            } else if let Some((k, rest)) = p.split_once(" in ") {
                Req::In(k.trim().into(), set(rest).ok_or_else(|| bad(p))?)
            } else {
                Req::Exists(p.into())
            };
            let key = match &req {
                Req::Eq(k, _)
                | Req::Ne(k, _)
                | Req::Exists(k)
                | Req::Missing(k)
                | Req::In(k, _)
                | Req::NotIn(k, _) => k,
            };
            if !valid_key(key) {
                return Err(bad(p));
            }
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::Ne(k, v) => labels.get(k) != Some(v),
            Req::Exists(k) => labels.contains_key(k),
            Req::Missing(k) => !labels.contains_key(k),
            Req::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
        })
    }
}

/// Keep the scenarios that match `--filter` (name or path) and `--selector` (labels).
pub fn select(
    scenarios: Vec<Scenario>,
    filter: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Scenario>, SelectError> {
    let re = filter.map(Regex::new).transpose()?;
    let sel = selector.map(Selector::parse).transpose()?;
    Ok(scenarios
        .into_iter()
        .filter(|s| {
            re.as_ref()
                .is_none_or(|re| re.is_match(&s.name) || re.is_match(&s.file.to_string_lossy()))
        })
        .filter(|s| sel.as_ref().is_none_or(|sel| sel.matches(&s.labels)))
        .collect())
}

/// `--shard I/N`: the I-th of N parts (1 <= I <= N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

/// A `--shard` or `--shard-timings` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got `{0}`")]
    BadShard(String),
    #[error("--shard-timings: cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("--shard-timings: {path} is not a kdrill JSON report (`--report json=PATH`): {why}")]
    NotAReport {
        path: std::path::PathBuf,
        why: String,
    },
}

impl std::str::FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError::BadShard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How long scenarios took in an earlier run, by file (from its JSON report): the
/// time each held its parallel slot (its steps: `cleanupStartedAtSeconds -
/// startedAtSeconds`, else `durationSeconds`).
#[derive(Debug, Clone, Default)]
pub struct Timings {
    by_key: std::collections::HashMap<String, f64>,
    by_name: std::collections::HashMap<String, f64>,
}

impl Timings {
    /// Read the JSON report of an earlier run (a merged one too).
    pub fn read(path: &std::path::Path) -> Result<Timings, ShardError> {
        let text = std::fs::read_to_string(path).map_err(|source| ShardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let not = |why: String| ShardError::NotAReport {
            path: path.to_path_buf(),
            why,
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| not(e.to_string()))?;
        let list = v
            .get("scenarios")
            .and_then(|s| s.as_array())
            .ok_or_else(|| not("no `scenarios` list".into()))?;
        let mut t = Timings::default();
        for s in list {
            let secs = |k: &str| s.get(k).and_then(serde_json::Value::as_f64);
            let held = match (secs("startedAtSeconds"), secs("cleanupStartedAtSeconds")) {
                (Some(a), Some(b)) if b >= a => Some(b - a),
                _ => secs("durationSeconds"),
            };
            let Some(held) = held else { continue };
            if let Some(file) = s.get("file").and_then(|f| f.as_str()) {
                *t.by_key
                    .entry(shard_key(std::path::Path::new(file)))
                    .or_default() += held;
            }
            if let Some(name) = s.get("name").and_then(|f| f.as_str()) {
                *t.by_name.entry(name.to_string()).or_default() += held;
            }
        }
        Ok(t)
    }

    fn of(&self, s: &Scenario) -> Option<f64> {
        self.by_key
            .get(&shard_key(&s.file))
            .or_else(|| self.by_name.get(&s.name))
            .copied()
    }
}

/// A scenario file's name for sharding: its path from the project's root (the
/// nearest directory above it with `.kdrill.yaml` or `.git`), else from the current
/// directory, with `/` between parts. The same on every machine and however the
/// path was written on the command line, so every shard of a run (and the next run)
/// agrees on it.
pub fn shard_key(file: &std::path::Path) -> String {
    use std::path::{Component, Path};
    let lexical = |p: &Path| -> String {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(x) => parts.push(x.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop();
                }
                _ => {}
            }
        }
        parts.join("/")
    };
    let Ok(abs) = std::fs::canonicalize(file) else {
        return lexical(file);
    };
    let root = abs
        .ancestors()
        .skip(1)
        .find(|d| d.join(crate::config::FILE_NAME).is_file() || d.join(".git").exists());
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok());
    match root
        .and_then(|r| abs.strip_prefix(r).ok())
        .or_else(|| cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()))
    {
        Some(rel) => lexical(rel),
        None => lexical(&abs),
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every build and on every machine
/// (std's hasher promises neither).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// splitmix64's finaliser: spreads a hash and a shard number over all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The shards in the order a unit prefers them (rendezvous hashing: each shard's
/// score for this key, highest first). Depends on the key and N alone.
fn preference(hash: u64, count: usize) -> Vec<usize> {
    let mut order: Vec<(u64, usize)> = (0..count)
        .map(|s| (mix(hash ^ mix(s as u64 + 1)), s))
        .collect();
    order.sort_by(|a, b| b.cmp(a));
    order.into_iter().map(|(_, s)| s).collect()
}

/// Which of `count` shards (0-based) each unit goes to, given its key and weight.
///
/// Without timings (`by_time` false) the weight is the number of scenarios in the
/// unit, and the split is by count: units are taken in the order of their key's
/// hash, and each goes to the first shard of its own preference order that still
/// has room (ceil(total / N), or the unit's size if larger). A unit's place depends
/// on its key, not on its position in a list, so adding a file moves few others.
///
/// With timings, balance comes first: the longest units first, each to the shard
/// with the least time so far (ties broken by the unit's preference order).
pub fn assign(units: &[(String, f64)], count: usize, by_time: bool) -> Vec<usize> {
    let count = count.max(1);
    let hashes: Vec<u64> = units.iter().map(|(k, _)| fnv1a(k.as_bytes())).collect();
    let mut order: Vec<usize> = (0..units.len()).collect();
    let mut load = vec![0.0f64; count];
    let mut out = vec![0; units.len()];
    if by_time {
        order.sort_by(|&a, &b| {
            units[b]
                .1
                .total_cmp(&units[a].1)
                .then(hashes[a].cmp(&hashes[b]))
                .then(units[a].0.cmp(&units[b].0))
        });
        for i in order {
            let pref = preference(hashes[i], count);
            let best = pref
                .iter()
                .copied()
                .min_by(|&a, &b| load[a].total_cmp(&load[b]))
                .unwrap_or(0);
            load[best] += units[i].1;
            out[i] = best;
        }
    } else {
        order.sort_by(|&a, &b| hashes[a].cmp(&hashes[b]).then(units[a].0.cmp(&units[b].0)));
        let total: f64 = units.iter().map(|u| u.1).sum();
        let room = (total / count as f64).ceil();
        for i in order {
            let pref = preference(hashes[i], count);
            let w = units[i].1;
            let fits = pref
                .iter()
                .copied()
                .find(|&s| load[s] + w <= room.max(w) + 1e-9);
            let chosen = fits.unwrap_or_else(|| {
                pref.iter()
                    .copied()
                    .min_by(|&a, &b| load[a].total_cmp(&load[b]))
                    .unwrap_or(0)
            });
            load[chosen] += w;
            out[i] = chosen;
        }
    }
    out
}

/// Keep this shard's scenarios (in their order). A suite goes whole to one shard:
/// its scenarios share its setup. Every shard of a run must be given the same
/// files, selection and timings, so that they agree on the split.
pub fn shard(scenarios: Vec<Scenario>, shard: Shard, timings: Option<&Timings>) -> Vec<Scenario> {
    // units: a scenario without a suite, or a whole suite
    let mut keys: Vec<String> = Vec::new();
    let mut unit_of = Vec::with_capacity(scenarios.len());
    let mut weights: Vec<Option<f64>> = Vec::new();
    let mut sizes: Vec<f64> = Vec::new();
    for s in &scenarios {
        let key = match &s.suite {
            Some(suite) => format!("suite:{}", shard_key(&suite.file)),
            None => shard_key(&s.file),
        };
        let u = match keys.iter().position(|k| *k == key) {
            Some(u) => u,
            None => {
                keys.push(key);
                weights.push(
                    s.suite
                        .as_ref()
                        .map(|x| timings.and_then(|t| t.of(x)).unwrap_or(0.0)),
                );
                sizes.push(0.0);
                keys.len() - 1
            }
        };
        unit_of.push(u);
        sizes[u] += 1.0;
        let own = timings.and_then(|t| t.of(s));
        weights[u] = match (weights[u], own) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }
    let by_time = timings.is_some();
    let units: Vec<(String, f64)> = if by_time {
        // a scenario the timings do not know counts as the median one
        let mut known: Vec<f64> = weights
            .iter()
            .flatten()
            .copied()
            .filter(|w| *w > 0.0)
            .collect();
        known.sort_by(f64::total_cmp);
        let median = known.get(known.len() / 2).copied().unwrap_or(1.0);
        keys.iter()
            .zip(&weights)
            .zip(&sizes)
            .map(|((k, w), n)| (k.clone(), w.filter(|w| *w > 0.0).unwrap_or(median * n)))
            .collect()
    } else {
        keys.iter().cloned().zip(sizes.iter().copied()).collect()
    };
    let place = assign(&units, shard.count, by_time);
    scenarios
        .into_iter()
        .zip(unit_of)
        .filter(|(_, u)| place[*u] == shard.index - 1)
        .map(|(s, _)| s)
        .collect()
}

/// `--shard` and `--shard-timings` of a command line: this shard's scenarios, or
/// all of them without `--shard`.
pub fn shard_of(
    scenarios: Vec<Scenario>,
    part: Option<Shard>,
    timings: Option<&std::path::Path>,
) -> Result<Vec<Scenario>, ShardError> {
    let Some(part) = part else {
        return Ok(scenarios);
    };
    let timings = timings.map(Timings::read).transpose()?;
    Ok(shard(scenarios, part, timings.as_ref()))
}

#[cfg(test)]
mod tests;
