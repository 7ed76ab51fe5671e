//! The snapshot file: a small header of `key: value` lines (what was captured, where),
//! a `---` line, then the normalised body exactly as compared. Unknown header keys are
//! kept and ignored, so older kdrill versions read newer files.

use std::collections::BTreeMap;

/// The extension of kdrill's snapshot files (not insta's `.snap`).
pub const EXT: &str = "ksnap";
/// Pending (not yet accepted) snapshots: `<name>.ksnap.pending`.
pub const PENDING_EXT: &str = "ksnap.pending";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotFile {
    pub header: BTreeMap<String, String>,
    pub body: String,
}

impl SnapshotFile {
    pub fn new(header: &[(&str, String)], body: &str) -> SnapshotFile {
        SnapshotFile {
            header: header
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            body: body.to_string(),
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# kdrill snapshot: review changes like code; `kdrill run --update` rewrites it\n",
        );
        for (k, v) in &self.header {
            // one line per key: newlines in values would break the format
            out.push_str(&format!("{k}: {}\n", v.replace('\n', " ")));
        }
        out.push_str("---\n");
        out.push_str(&self.body);
        if !self.body.is_empty() && !self.body.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    pub fn parse(text: &str) -> Result<SnapshotFile, NotASnapshot> {
        let mut header = BTreeMap::new();
        let mut rest = text;
        loop {
            let (line, tail) = match rest.find('\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => return Err(NotASnapshot),
            };
            rest = tail;
            if line == "---" {
                break;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            match line.split_once(": ") {
                Some((k, v)) => header.insert(k.trim().to_string(), v.to_string()),
                None => header.insert(line.trim_end_matches(':').trim().to_string(), String::new()),
            };
        }
        Ok(SnapshotFile {
            header,
            body: rest.to_string(),
        })
    }
}

/// A file that is not a kdrill snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no `---` line between header and body")]
pub struct NotASnapshot;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let f = SnapshotFile::new(
            &[
                ("scenario", "scenarios/a.yaml".into()),
                ("step", "3 (get pods)".into()),
            ],
            "NAME   AGE\nnginx  [AGE]\n",
        );
        let text = f.render();
        insta::assert_snapshot!(text, @r"
        # kdrill snapshot: review changes like code; `kdrill run --update` rewrites it
        scenario: scenarios/a.yaml
        step: 3 (get pods)
        ---
        NAME   AGE
        nginx  [AGE]
        ");
        assert_eq!(SnapshotFile::parse(&text).unwrap(), f);
    }

    #[test]
    fn tolerates_unknown_keys_and_an_empty_body() {
        let f = SnapshotFile::parse("future: yes\nscenario: x\n---\n").unwrap();
        assert_eq!(f.header.get("future").map(String::as_str), Some("yes"));
        assert_eq!(f.body, "");
        assert!(SnapshotFile::parse("no separator").is_err());
    }

    #[test]
    fn a_body_that_contains_separators_survives() {
        let f = SnapshotFile::new(&[], "a\n---\nb\n");
        assert_eq!(
            SnapshotFile::parse(&f.render()).unwrap().body,
            "a\n---\nb\n"
        );
    }
}
