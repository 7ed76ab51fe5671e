//! Choosing scenarios for a run: `--filter REGEX` on names and paths, `--selector`
//! on scenario `labels` (kubectl's label selector syntax: `k=v`, `k!=v`, `k`, `!k`,
//! `k in (a,b)`, `k notin (a,b)`, joined by commas, all must hold).

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

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selector_requirements() {
        let l = labels(&[("tier", "fast"), ("area", "network")]);
        for (sel, want) in [
            ("tier=fast", true),
            ("tier==fast", true),
            ("tier=slow", false),
            ("tier!=slow", true),
            ("area", true),
            ("!area", false),
            ("!breaks", true),
            ("area in (network, dns)", true),
            ("area notin (network)", false),
            ("tier=fast,area in (dns,storage)", false),
            ("tier=fast, area", true),
        ] {
            assert_eq!(Selector::parse(sel).unwrap().matches(&l), want, "{sel}");
        }
        assert!(Selector::parse("a in b").is_err());
        assert!(Selector::parse("=x").is_err());
        assert!(Selector::parse("a b").is_err());
    }
}
