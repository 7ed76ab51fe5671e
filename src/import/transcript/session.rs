//! The `Reader` in a terminal session: prompts, commands, continuations,
//! here-documents, outputs and the shells commands open.

use super::blanks::{blank_lines_after_outputs, blanks_inside_outputs};
use super::classify::{comment_line, elision, opens_shell, silent, WORKSTATION_TOOLS};
use super::{Command, Heredoc, Pending, Reader, Role, Shell};
use crate::import::prompt::{self, strip_continuation_prompt};
use crate::import::shell::{self, Certainty, HeredocMark, Op, Open, Script};
use std::collections::BTreeSet;

impl Reader<'_> {
    pub(super) fn session(
        &mut self,
        bi: usize,
        content: &[(usize, String)],
        splits: &[Option<prompt::Split>],
        prompted: bool,
        prompt_lines: &BTreeSet<String>,
    ) {
        let mut roles: Vec<(usize, Role)> = Vec::new();
        let mut pending = Pending::None;
        let mut current: Option<usize> = None;
        let mut seen_prompted = false;
        // a prompt line showed a background job's output: the next line is typed there
        let mut typed_after_output = false;
        let mut block_commands: Vec<usize> = Vec::new();
        for (j, (n, text)) in content.iter().enumerate() {
            let n = *n;
            match std::mem::replace(&mut pending, Pending::None) {
                Pending::Heredocs(c, k) => {
                    let cmd = &mut self.t.commands[c];
                    let h = &mut cmd.heredocs[k];
                    let body_line = strip_heredoc_prompt(text);
                    let body_line = if h.strip_tabs {
                        body_line.trim_start_matches('\t')
                    } else {
                        body_line
                    };
                    h.lines.push(n);
                    roles.push((n, Role::Heredoc(c)));
                    if body_line.trim_end() == h.delimiter {
                        h.closed = true;
                        if k + 1 < cmd.heredocs.len() {
                            pending = Pending::Heredocs(c, k + 1);
                        }
                    } else {
                        h.body.push_str(body_line);
                        h.body.push('\n');
                        pending = Pending::Heredocs(c, k);
                    }
                    continue;
                }
                Pending::Continues(c, open) => {
                    let (piece, ps2) = match strip_continuation_prompt(text) {
                        Some(rest) => (rest, true),
                        None => (text.as_str(), false),
                    };
                    let cmd = &mut self.t.commands[c];
                    let joined = match open {
                        Open::Backslash | Open::Backtick | Open::Caret => {
                            let head = cmd.text.trim_end();
                            let head = head
                                .strip_suffix('\\')
                                .or_else(|| head.strip_suffix('`'))
                                .or_else(|| head.strip_suffix('^'))
                                .unwrap_or(head)
                                .trim_end();
                            format!("{head} {}", piece.trim())
                        }
                        Open::Quote if ps2 => format!("{}\n{}", cmd.text, piece),
                        Open::Quote => {
                            cmd.wrapped.push(n);
                            format!("{}{}", cmd.text, piece.trim_end())
                        }
                        Open::Substitution | Open::Operator => {
                            format!("{} {}", cmd.text.trim_end(), piece.trim())
                        }
                    };
                    cmd.text = joined;
                    cmd.continuation.push(n);
                    roles.push((n, Role::Continuation(c)));
                    pending = self.after_command_text(c);
                    continue;
                }
                Pending::None => {}
            }
            if text.trim().is_empty() {
                roles.push((n, Role::Blank));
                continue;
            }
            let mut split = splits[j].clone();
            let mut has_prompt = split.as_ref().is_some_and(|s| !s.prompt.trim().is_empty());
            // a comment, or a root prompt (`# `) in a container shell
            if comment_line(text) && !has_prompt {
                let in_shell = self.shell != Shell::Workstation;
                let hash_command = text
                    .strip_prefix("# ")
                    .and_then(prompt::split)
                    .filter(|s| s.prompt.is_empty() && s.certainty == Certainty::Strong);
                if in_shell && hash_command.is_some() {
                    split = hash_command.map(|s| prompt::Split {
                        prompt: "# ".into(),
                        ..s
                    });
                    has_prompt = true;
                } else {
                    let output_follows = current.is_some()
                        && prompted
                        && !self.comment_before_command(content, j, splits);
                    roles.push((
                        n,
                        match current {
                            Some(c) if output_follows => {
                                self.t.commands[c].output.push(n);
                                Role::Output(c)
                            }
                            _ => Role::Comment,
                        },
                    ));
                    continue;
                }
            }
            // the first line of a two-line prompt
            let next_prompted = splits
                .get(j + 1)
                .and_then(|s| s.as_ref())
                .is_some_and(|s| !s.prompt.trim().is_empty());
            if next_prompted
                && !has_prompt
                && (prompt_lines.contains(text.trim_end()) || (j == 0 && split.is_none()))
            {
                roles.push((n, Role::Prompt));
                continue;
            }
            if prompt_lines.contains(text.trim_end()) && split.is_none() {
                roles.push((n, Role::Prompt));
                continue;
            }
            let bare_allowed = !prompted || !seen_prompted || typed_after_output;
            let is_command = match &split {
                Some(s) if !s.prompt.trim().is_empty() => true,
                Some(s) => {
                    bare_allowed
                        && !text.starts_with(char::is_whitespace)
                        && (s.certainty == Certainty::Strong
                            || current.is_none_or(|c| self.t.commands[c].output.is_empty()))
                        && !(current.is_some_and(|c| silent(&self.t.commands[c]))
                            && !text.trim().contains(char::is_whitespace)
                            && s.certainty != Certainty::Strong)
                }
                None => false,
            };
            typed_after_output = false;
            if !is_command {
                // a wrapped argument of a command that prints nothing
                if let Some(c) = current {
                    let cmd = &self.t.commands[c];
                    if cmd.output.is_empty()
                        && silent(cmd)
                        && !text.trim().contains(char::is_whitespace)
                        && cmd.continuation.is_empty()
                    {
                        let cmd = &mut self.t.commands[c];
                        cmd.text.push_str(text.trim());
                        cmd.wrapped.push(n);
                        cmd.continuation.push(n);
                        roles.push((n, Role::Continuation(c)));
                        continue;
                    }
                }
                // a prompt alone, or a prompt followed by a background job's output
                if let Some(p) = self.learned_prompt(text) {
                    let rest = &text[p.len()..];
                    if rest.trim().is_empty() {
                        roles.push((n, Role::Prompt));
                        continue;
                    }
                    if let Some(c) = current {
                        typed_after_output = true;
                        self.t.commands[c].output.push(n);
                        roles.push((n, Role::Output(c)));
                        continue;
                    }
                }
                if elision(text) {
                    roles.push((n, Role::Text));
                    continue;
                }
                // a port-forward running in the background keeps printing
                let forward = block_commands.iter().copied().rev().find(|&c| {
                    let cmd = &self.t.commands[c];
                    cmd.background
                        && cmd
                            .kubectl()
                            .first()
                            .is_some_and(|k| k.verb == "port-forward")
                });
                if let Some(f) = forward.filter(|_| {
                    text.starts_with("Handling connection for")
                        || text.starts_with("Forwarding from")
                }) {
                    roles.push((n, Role::Output(f)));
                    continue;
                }
                match current.or(if block_commands.is_empty() {
                    self.pending_outputless.last().copied()
                } else {
                    None
                }) {
                    Some(c) => {
                        self.t.commands[c].output.push(n);
                        roles.push((n, Role::Output(c)));
                    }
                    None => roles.push((n, Role::Text)),
                }
                continue;
            }
            // a command
            let Some(s) = split.as_ref() else { continue };
            if has_prompt {
                seen_prompted = true;
                self.learned.insert(s.prompt.clone());
            }
            let shell = self.shell_for(s);
            let script = Script::parse(&s.command);
            let c = self.t.commands.len();
            self.t.commands.push(Command {
                line: n,
                block: bi,
                prompt: s.prompt.clone(),
                text: s.command.clone(),
                shell,
                continuation: Vec::new(),
                wrapped: Vec::new(),
                heredocs: Vec::new(),
                output: Vec::new(),
                same_as: None,
                background: script
                    .commands
                    .last()
                    .is_some_and(|c| c.then == Some(Op::Background)),
                comment: None,
            });
            roles.push((n, Role::Command(c)));
            block_commands.push(c);
            current = Some(c);
            self.last_command = Some(c);
            pending = self.after_command_text(c);
        }
        blank_lines_after_outputs(&mut roles);
        blanks_inside_outputs(&mut roles);
        for (n, r) in roles {
            self.set(n, r);
        }
        self.pending_outputless = block_commands
            .iter()
            .copied()
            .filter(|&c| self.t.commands[c].output.is_empty())
            .collect();
    }

    /// Whether the comment at `j` is followed (past more comments and blanks) by a
    /// command of the block, or by nothing.
    pub(super) fn comment_before_command(
        &self,
        content: &[(usize, String)],
        j: usize,
        splits: &[Option<prompt::Split>],
    ) -> bool {
        for (k, (_, t)) in content.iter().enumerate().skip(j + 1) {
            if t.trim().is_empty() || comment_line(t) {
                continue;
            }
            return splits[k]
                .as_ref()
                .is_some_and(|s| !s.prompt.trim().is_empty())
                || self.learned_prompt(t).is_some();
        }
        true
    }

    pub(super) fn learned_prompt(&self, text: &str) -> Option<String> {
        self.learned
            .iter()
            .filter(|p| !p.trim().is_empty() && p.trim() != "#")
            .filter(|p| text.starts_with(p.as_str()) || text.trim_end() == p.trim_end())
            .max_by_key(|p| p.len())
            .map(|p| {
                if text.starts_with(p.as_str()) {
                    p.clone()
                } else {
                    text.to_string()
                }
            })
    }

    /// The shell a command at this point is typed in; updates the shell state.
    pub(super) fn shell_for(&mut self, s: &prompt::Split) -> Shell {
        let here = self.shell;
        match here {
            Shell::Workstation => here,
            Shell::Container(_) | Shell::Node(_) => {
                let first = shell::split(&s.command)
                    .first()
                    .map(|w| shell::program_name(w))
                    .unwrap_or_default();
                let back_at_workstation = (!s.prompt.trim().is_empty()
                    && s.prompt.trim() == self.opener_prompt.trim()
                    && !self.opener_prompt.trim().is_empty())
                    || (s.prompt.trim().is_empty() && WORKSTATION_TOOLS.contains(&first.as_str()));
                if back_at_workstation {
                    self.shell = Shell::Workstation;
                    Shell::Workstation
                } else {
                    here
                }
            }
        }
    }

    /// After a command's text grew: does it continue, open here-documents, open a shell?
    pub(super) fn after_command_text(&mut self, c: usize) -> Pending {
        let script = Script::parse(&self.t.commands[c].text);
        if let Some(open) = script.open {
            return Pending::Continues(c, open);
        }
        let cmd = &mut self.t.commands[c];
        // a trailing `# comment` is the author's, not the command's
        if let (Some(at), Some(comment)) = (script.comment_at, &script.comment) {
            cmd.text = cmd
                .text
                .get(..at)
                .unwrap_or(&cmd.text)
                .trim_end()
                .to_string();
            cmd.comment = Some(comment.clone());
        }
        let marks: Vec<HeredocMark> = script.heredocs();
        cmd.heredocs = marks
            .iter()
            .map(|m| Heredoc {
                delimiter: m.delimiter.clone(),
                strip_tabs: m.strip_tabs,
                closed: false,
                body: String::new(),
                lines: Vec::new(),
            })
            .collect();
        let exits = script
            .commands
            .first()
            .and_then(shell::program_of)
            .is_some_and(|(_, p)| matches!(p.as_str(), "exit" | "logout"));
        if cmd.shell == Shell::Workstation {
            if let Some(f) = opens_shell(&self.t.commands[c]) {
                self.shell = f(c);
                self.opener_prompt = self.t.commands[c].prompt.clone();
            }
        } else if exits {
            self.shell = Shell::Workstation;
        }
        if marks.is_empty() {
            Pending::None
        } else {
            Pending::Heredocs(c, 0)
        }
    }
}

/// A heredoc line without the continuation prompt shells show before it.
pub(super) fn strip_heredoc_prompt(line: &str) -> &str {
    if line == ">" {
        return "";
    }
    line.strip_prefix("heredoc> ")
        .or_else(|| line.strip_prefix("> "))
        .unwrap_or(line)
}
