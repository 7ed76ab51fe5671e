//! The model of one check (every output of the post and its verdict, the steps of
//! the run that failed) and its one rendering: a diff per output that differs (post
//! file:line, command, what the post shows, what the cluster shows), then the list of
//! every output with its line and verdict, then the counts.

use super::{counts, Counts, Judged, Verdict};

/// A step of the run that failed (and was not allowed to): the post no longer runs as
/// written there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFailure {
    pub step: usize,
    /// The post's command the step comes from, and its line.
    pub command: Option<(usize, String)>,
    pub message: String,
}

/// Everything a check found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The post as the user named it.
    pub post: String,
    pub judged: Vec<Judged>,
    pub failures: Vec<RunFailure>,
}

/// Exit codes of `check` (the same as `kdrill run`'s).
pub const MATCHED: u8 = 0;
pub const OUT_OF_DATE: u8 = 1;
pub const CANNOT_CHECK: u8 = 2;

impl CheckReport {
    pub fn counts(&self) -> Counts {
        counts(&self.judged)
    }

    /// 0 when every output checked still matches and the post ran, 1 when it is out of
    /// date (an output differs, or a command no longer runs), 2 when nothing of it
    /// could be checked.
    pub fn exit_code(&self) -> u8 {
        let c = self.counts();
        if c.differed > 0 || !self.failures.is_empty() {
            OUT_OF_DATE
        } else if c.checked == 0 {
            CANNOT_CHECK
        } else {
            MATCHED
        }
    }

    pub fn render(&self, colour: bool) -> String {
        let mut out = String::new();
        let post = &self.post;
        for f in &self.failures {
            match &f.command {
                Some((line, text)) => out.push_str(&format!(
                    "{post}:{line}: `{}` no longer runs as the post says (step {}): {}\n\n",
                    one_line(text),
                    f.step,
                    f.message.trim_end()
                )),
                None => out.push_str(&format!(
                    "{post}: step {} of the run failed: {}\n\n",
                    f.step,
                    f.message.trim_end()
                )),
            }
        }
        for j in &self.judged {
            if let Verdict::Differs { diff, lines } = &j.verdict {
                let o = &j.output;
                out.push_str(&format!(
                    "{post}:{}: the output of `{}` (line {}) is out of date\n",
                    o.span(),
                    one_line(&o.text),
                    o.line
                ));
                out.push_str("  (- the post shows, + the cluster shows now)\n");
                for l in diff.lines() {
                    out.push_str(&format!("  {l}\n"));
                }
                if lines.is_none() {
                    out.push_str("  refresh cannot rewrite it: the post shows it in pieces\n");
                }
                out.push('\n');
            }
        }
        let c = self.counts();
        out.push_str(&format!(
            "kdrill check {post}: {} output(s): {} checked ({} matched, {} differ), {} not checked\n",
            c.outputs, c.checked, c.matched, c.differed, c.not_checked
        ));
        for j in &self.judged {
            let o = &j.output;
            let (tag, why) = match &j.verdict {
                Verdict::Matched => ("matched", String::new()),
                Verdict::Differs { .. } => ("DIFFERS", String::new()),
                Verdict::NotChecked(why) => ("not checked", format!(": {why}")),
            };
            let tag = match (colour, &j.verdict) {
                (true, Verdict::Differs { .. }) => format!("\x1b[31m{tag:<11}\x1b[0m"),
                (true, Verdict::Matched) => format!("\x1b[32m{tag:<11}\x1b[0m"),
                _ => format!("{tag:<11}"),
            };
            out.push_str(&format!(
                "  {tag}  line {:<9} $ {}{why}\n",
                o.span(),
                one_line(&o.text)
            ));
        }
        if !self.failures.is_empty() {
            out.push_str(&format!(
                "  {} step(s) of the run failed: the post no longer runs as written\n",
                self.failures.len()
            ));
        }
        out
    }
}

/// A command on one line, cut when long.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 70 {
        let cut: String = flat.chars().take(67).collect();
        format!("{cut}...")
    } else {
        flat
    }
}
