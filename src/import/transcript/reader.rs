//! The `Reader` on one block: references to files, manifests, files the post shows,
//! outputs in blocks of their own.

use super::blanks::blanks_inside_outputs;
use super::classify::{classify_yaml, comment_line, result_verb, Yaml};
use super::{Manifest, PostFile, Reader, Reference, Role};
use crate::import::blocks::Block;
use crate::import::prompt;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

impl Reader<'_> {
    pub(super) fn references(&mut self, lines: &[&str]) {
        static GIST: OnceLock<Regex> = OnceLock::new();
        static SAMPLE: OnceLock<Regex> = OnceLock::new();
        let gist = GIST.get_or_init(|| {
            Regex::new(r#"\{%\s*gist\s+[^"%]*"([^"]+)"\s*%\}"#).expect("gist regex")
        });
        let sample = SAMPLE.get_or_init(|| {
            Regex::new(r#"\{\{[%<]\s*code(?:_sample)?\s+file="([^"]+)""#).expect("sample regex")
        });
        let inside: BTreeSet<usize> = self
            .t
            .blocks
            .iter()
            .filter_map(|b| b.lines)
            .flat_map(|(a, z)| a..=z)
            .collect();
        for (i, l) in lines.iter().enumerate() {
            if inside.contains(&(i + 1)) {
                continue;
            }
            for re in [gist, sample] {
                if let Some(c) = re.captures(l) {
                    self.t.references.push(Reference {
                        line: i + 1,
                        file: c[1].to_string(),
                    });
                }
            }
        }
    }

    pub(super) fn set(&mut self, n: usize, role: Role) {
        self.t.roles.insert(n, role);
    }

    pub(super) fn block(
        &mut self,
        bi: usize,
        b: &Block,
        content: &[(usize, String)],
        prompt_lines: &BTreeSet<String>,
    ) {
        if content.iter().all(|(_, t)| t.trim().is_empty()) {
            for (n, _) in content {
                self.set(*n, Role::Blank);
            }
            return;
        }
        let splits: Vec<Option<prompt::Split>> =
            content.iter().map(|(_, t)| prompt::split(t)).collect();
        let prompted = splits
            .iter()
            .any(|s| s.as_ref().is_some_and(|s| !s.prompt.trim().is_empty()));
        let any_command = splits.iter().zip(content).any(|(s, (_, t))| {
            s.is_some() && !comment_line(t) && !t.starts_with(char::is_whitespace)
        });
        if !prompted {
            let text: String = content.iter().map(|(_, t)| format!("{t}\n")).collect();
            let lang = b.language();
            let yaml = classify_yaml(&text);
            let yamlish = matches!(lang.as_str(), "yaml" | "yml")
                || b.file_name()
                    .is_some_and(|f| f.ends_with(".yaml") || f.ends_with(".yml"));
            let last_is = |verb: &str| {
                self.last_command.is_some_and(|c| {
                    self.t.commands[c]
                        .kubectl()
                        .first()
                        .is_some_and(|k| k.verb == verb)
                })
            };
            match yaml {
                Yaml::Objects { .. }
                    if last_is("edit")
                        && self
                            .pending_outputless
                            .contains(&self.last_command.unwrap_or(usize::MAX)) =>
                {
                    return self.whole(content, Role::Text);
                }
                Yaml::Objects {
                    server_fields: true,
                } if !self.pending_outputless.is_empty() && !yamlish => {
                    return self.output_block(content);
                }
                Yaml::Objects { .. } if yamlish || !any_command => {
                    let first = content.first().map_or(0, |c| c.0);
                    let last = content.last().map_or(0, |c| c.0);
                    let file = b.file_name().or_else(|| self.file_hint(b, content));
                    self.t.manifests.push(Manifest {
                        lines: (first, last),
                        text,
                        file,
                    });
                    let i = self.t.manifests.len() - 1;
                    return self.whole(content, Role::Manifest(i));
                }
                Yaml::Config if !any_command => return self.file(b, content, text),
                Yaml::Fragment if yamlish && !any_command => {
                    return self.whole(content, Role::Text);
                }
                _ => {}
            }
            let shebang = content.first().is_some_and(|(_, t)| t.starts_with("#!"));
            let file_info = b.file_name().is_some();
            if shebang || (file_info && !any_command) {
                return self.file(b, content, text);
            }
            if !any_command {
                if !self.pending_outputless.is_empty() {
                    return self.output_block(content);
                }
                return self.whole(content, Role::Text);
            }
        }
        self.session(bi, content, &splits, prompted, prompt_lines);
    }

    /// A block that is a file of the post, not a manifest.
    pub(super) fn file(&mut self, b: &Block, content: &[(usize, String)], text: String) {
        let first = content.first().map_or(0, |c| c.0);
        let last = content.last().map_or(0, |c| c.0);
        let file = b.file_name().or_else(|| self.file_hint_any(b));
        self.t.files.push(PostFile {
            lines: (first, last),
            text,
            file,
        });
        self.whole(content, Role::File);
    }

    /// A `` `name.ext` `` in the prose line just before a block.
    pub(super) fn file_hint_any(&self, b: &Block) -> Option<String> {
        static NAME: OnceLock<Regex> = OnceLock::new();
        let name = NAME
            .get_or_init(|| Regex::new(r"`([\w./\\-]+\.[A-Za-z0-9]+)`").expect("file name regex"));
        let before = self.lines[..b.open.saturating_sub(1)]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())?;
        name.captures(before).map(|c| c[1].to_string())
    }

    /// Every line of a block gets `role` (blank lines stay blank).
    pub(super) fn whole(&mut self, content: &[(usize, String)], role: Role) {
        for (n, t) in content {
            let r = if t.trim().is_empty() && role == Role::Text {
                Role::Blank
            } else {
                role
            };
            self.set(*n, r);
        }
    }

    /// A file name for a manifest block: a `# file.yaml` comment on its first line, or
    /// a `` `file.yaml` `` in the prose line just before the block.
    pub(super) fn file_hint(&self, b: &Block, content: &[(usize, String)]) -> Option<String> {
        static NAME: OnceLock<Regex> = OnceLock::new();
        let name =
            NAME.get_or_init(|| Regex::new(r"([\w./\\-]+\.ya?ml)\b").expect("file name regex"));
        if let Some((_, first)) = content.first() {
            if let Some(c) = first.strip_prefix('#').and_then(|c| name.captures(c)) {
                return Some(c[1].to_string());
            }
        }
        let before = self.lines[..b.open.saturating_sub(1)]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())?;
        name.captures(before).map(|c| c[1].to_string())
    }

    /// A block that only shows what earlier commands printed ("Output:", "The output is
    /// similar to this:"): its lines go to the commands of the block before, in order.
    pub(super) fn output_block(&mut self, content: &[(usize, String)]) {
        let pending = std::mem::take(&mut self.pending_outputless);
        let mut at = 0;
        let mut roles: Vec<(usize, Role)> = Vec::new();
        for (n, t) in content {
            if t.trim().is_empty() {
                roles.push((*n, Role::Blank));
                continue;
            }
            if comment_line(t)
                && roles
                    .iter()
                    .all(|(_, r)| matches!(r, Role::Comment | Role::Blank))
            {
                roles.push((*n, Role::Comment));
                continue;
            }
            let verb_of = |c: usize| {
                self.t.commands[c]
                    .kubectl()
                    .first()
                    .map(|k| k.verb.clone())
                    .unwrap_or_default()
            };
            if let Some(verbs) = result_verb(t) {
                if let Some(k) =
                    (at..pending.len()).find(|&k| verbs.contains(&verb_of(pending[k]).as_str()))
                {
                    at = k;
                }
            } else if !self.t.commands[pending[at]].output.is_empty()
                && result_verb(
                    self.t
                        .texts
                        .get(self.t.commands[pending[at]].output.last().unwrap_or(&0))
                        .map_or("", String::as_str),
                )
                .is_some()
            {
                // a table after a result line: the next command that reads
                if let Some(k) = (at + 1..pending.len()).find(|&k| {
                    matches!(
                        verb_of(pending[k]).as_str(),
                        "get" | "describe" | "logs" | "exec" | "top" | "explain" | "events"
                    )
                }) {
                    at = k;
                }
            }
            let c = pending[at];
            self.t.commands[c].output.push(*n);
            roles.push((*n, Role::Output(c)));
        }
        blanks_inside_outputs(&mut roles);
        for (n, r) in roles {
            self.set(n, r);
        }
    }
}
