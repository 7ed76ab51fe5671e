//! States a post shows (kubectl tables, watch streams, `describe` text, `rollout
//! status` lines) read back into what a scenario waits for or asserts.

use std::collections::BTreeMap;

/// A kubectl table: header cells and rows (cells split on runs of 2+ spaces or tabs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The NAME cell of a row (the first cell when there is no NAME column); None
    /// when it cannot be an object's name (a table cut or mixed with prose: nothing
    /// to wait for).
    pub fn name<'a>(&self, row: &'a [String]) -> Option<&'a str> {
        let cell = match self.col("NAME") {
            Some(i) => row.get(i).map(String::as_str),
            None => row.first().map(String::as_str),
        }?;
        let base = cell.rsplit('/').next().unwrap_or(cell);
        crate::objref::check_name(base).ok().map(|_| cell)
    }

    /// The value of column `name` in `row`.
    pub fn cell<'a>(&self, row: &'a [String], name: &str) -> Option<&'a str> {
        row.get(self.col(name)?).map(String::as_str)
    }
}

/// Cells of a table line, by the header's column starts (cells may be empty).
fn cells_by_columns(line: &str, starts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts
            .get(i + 1)
            .copied()
            .unwrap_or(chars.len())
            .min(chars.len());
        let s = s.min(chars.len());
        let cell: String = chars[s..e].iter().collect();
        out.push(cell.trim().to_string());
    }
    out
}

/// Cells separated by runs of 2+ spaces or tabs.
fn split_cells(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut spaces = 0;
    for c in line.trim().chars() {
        if c == ' ' || c == '\t' {
            spaces += if c == '\t' { 2 } else { 1 };
            continue;
        }
        if spaces >= 2 {
            out.push(std::mem::take(&mut cur));
        } else if spaces == 1 {
            cur.push(' ');
        }
        spaces = 0;
        cur.push(c);
    }
    out.push(cur);
    out
}

/// Column starts of a header line: each upper-case word after 2+ spaces (or a tab).
fn header_starts(header: &str) -> Option<Vec<usize>> {
    let chars: Vec<char> = header.chars().collect();
    let mut starts = vec![0];
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\t' || (chars[i] == ' ' && chars.get(i + 1) == Some(&' ')) {
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                i += 1;
            }
            if i < chars.len() {
                starts.push(i);
            }
            continue;
        }
        i += 1;
    }
    Some(starts)
}

/// The tables of a kubectl output (several kinds print one table each, separated by a
/// blank line).
pub fn tables(output: &str) -> Vec<Table> {
    let mut out = Vec::new();
    for chunk in output.split("\n\n") {
        let lines: Vec<&str> = chunk.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(header) = lines.first() else {
            continue;
        };
        let is_header = header.split_whitespace().all(|w| {
            w.chars()
                .all(|c| c.is_ascii_uppercase() || "-()%_.".contains(c))
        }) && header.starts_with(|c: char| c.is_ascii_uppercase());
        if !is_header {
            continue;
        }
        let Some(starts) = header_starts(header) else {
            continue;
        };
        let head = cells_by_columns(header, &starts);
        let rows = lines[1..]
            .iter()
            .map(|l| {
                // a row aligned with the header is cut at its columns (cells may be empty);
                // one that is not (hand-edited) is split where 2+ spaces separate cells
                let chars: Vec<char> = l.chars().collect();
                let aligned = starts
                    .iter()
                    .skip(1)
                    .all(|&s| s >= chars.len() || chars[s - 1].is_whitespace());
                if aligned {
                    cells_by_columns(l, &starts)
                } else {
                    split_cells(l)
                }
            })
            .collect();
        out.push(Table { header: head, rows });
    }
    out
}

/// `2/3` → (2, 3).
pub fn ratio(cell: &str) -> Option<(i64, i64)> {
    let (a, b) = cell.split_once('/')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// The state one row of a pod table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// Running and every container ready.
    Ready,
    /// Running, not every container ready.
    Running,
    Succeeded,
    /// Error, CrashLoopBackOff: restarted at least this often.
    Crashing {
        restarts: i64,
        reason: Option<String>,
    },
    Failed,
    Pending,
}

/// The state a pod row shows, if it is one to wait for.
pub fn pod_state(t: &Table, row: &[String]) -> Option<PodState> {
    let status = t.cell(row, "STATUS")?;
    let ready = t.cell(row, "READY").and_then(ratio);
    let restarts: i64 = t
        .cell(row, "RESTARTS")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    Some(match status {
        "Running" if ready.is_some_and(|(a, b)| a == b && b > 0) => PodState::Ready,
        "Running" => PodState::Running,
        "Completed" | "Succeeded" => PodState::Succeeded,
        "CrashLoopBackOff" => PodState::Crashing {
            restarts: restarts.max(1),
            reason: Some("CrashLoopBackOff".into()),
        },
        "Error" if restarts > 0 => PodState::Crashing {
            restarts,
            reason: None,
        },
        "Error" => PodState::Failed,
        "Pending" => PodState::Pending,
        _ => return None,
    })
}

/// The last row per name of a watch stream (`-w`): the final state it shows.
pub fn final_rows(t: &Table) -> Vec<Vec<String>> {
    let mut order: Vec<String> = Vec::new();
    let mut last: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &t.rows {
        let Some(name) = t.name(r).map(str::to_string) else {
            continue;
        };
        let name = &name;
        if !last.contains_key(name) {
            order.push(name.clone());
        }
        last.insert(name.clone(), r.clone());
    }
    order.into_iter().filter_map(|n| last.remove(&n)).collect()
}

/// `Key:   value` lines of `describe` output at the top level (no indentation).
pub fn describe_fields(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        if l.starts_with(' ') || l.starts_with('\t') {
            continue;
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.trim();
            if !k.contains("  ") && !v.is_empty() {
                out.entry(k.trim().to_string())
                    .or_insert_with(|| v.to_string());
            }
        }
    }
    out
}

/// The events of a `describe` or `get events` text: (type, reason, message).
pub fn events(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for l in text.lines() {
        let words: Vec<&str> = l.split_whitespace().collect();
        // describe: `  Warning  BackOff  5s (x9 over 2m4s)  kubelet  Back-off ...`
        // get events: `6s  Warning  BackOff  pod/x  Back-off ...`
        let Some(i) = words.iter().position(|w| *w == "Warning" || *w == "Normal") else {
            continue;
        };
        if i > 1 {
            continue;
        }
        let Some(reason) = words.get(i + 1) else {
            continue;
        };
        if *reason == "Reason" || reason.starts_with('-') {
            continue;
        }
        out.push((words[i].to_string(), reason.to_string(), l.to_string()));
    }
    out
}

/// The annotations or labels a `describe` shows (the block after `Annotations:`).
pub fn describe_map(text: &str, field: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    for l in text.lines() {
        let line = l.trim_end();
        if let Some(rest) = line.trim_start().strip_prefix(&format!("{field}:")) {
            inside = true;
            if let Some((k, v)) = kv(rest) {
                out.insert(k, v);
            }
            continue;
        }
        if inside {
            let starts_new =
                !line.starts_with(' ') && line.contains(':') && !line.trim().is_empty();
            if starts_new || line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = kv(line) {
                out.insert(k, v);
            }
        }
    }
    out
}

fn kv(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    if t.is_empty() || t == "<none>" {
        return None;
    }
    if let Some((k, v)) = t.split_once(": ") {
        return Some((k.trim().to_string(), v.trim().to_string()));
    }
    let (k, v) = t.split_once('=')?;
    Some((k.trim().to_string(), v.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_states() {
        let out = "NAME    READY   STATUS             RESTARTS      AGE\napi-6f5b7c9d8b-k2x7p   0/1     CrashLoopBackOff   3 (21s ago)   79s\nweb   1/1   Running   0   5s\n";
        let t = &tables(out)[0];
        assert_eq!(t.header, vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
        assert_eq!(
            pod_state(t, &t.rows[0]),
            Some(PodState::Crashing {
                restarts: 3,
                reason: Some("CrashLoopBackOff".into())
            })
        );
        assert_eq!(pod_state(t, &t.rows[1]), Some(PodState::Ready));
        let two = "NAME   READY\npod/a   1/1\n\nNAME   TYPE\nservice/b   ClusterIP\n";
        assert_eq!(tables(two).len(), 2);
        let w = "NAME    READY   STATUS\nweb-0   0/1     Pending\nweb-0   1/1     Running\n";
        assert_eq!(final_rows(&tables(w)[0])[0][2], "Running");
        // found by the import fuzz target: a row mixed with prose names no object
        let cut = "NAME   READY\nweb-0the author'   1/1\npod/web-1   1/1\n";
        let t = &tables(cut)[0];
        assert_eq!(t.name(&t.rows[0]), None);
        assert_eq!(t.name(&t.rows[1]), Some("pod/web-1"));
    }

    #[test]
    fn describe_text() {
        let d = "Name:         back-1\nAnnotations:      description: the payment backend\n                  owner: team@example.com\nStatus:           Running\n";
        let a = describe_map(d, "Annotations");
        assert_eq!(a.get("owner").map(String::as_str), Some("team@example.com"));
        assert_eq!(
            describe_fields(d).get("Status").map(String::as_str),
            Some("Running")
        );
        let ev = "  Warning  Unhealthy  12s (x3 over 22s)  kubelet  Liveness probe failed\n  Normal   Killing    12s                kubelet  Container app failed\n";
        assert_eq!(events(ev).len(), 2);
        assert_eq!(events(ev)[0].1, "Unhealthy");
    }
}
