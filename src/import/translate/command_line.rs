//! A command line typed on the author's machine: a loop expanded, the pipelines of a
//! line, the program of each and the filters after it.

use super::kube;
use super::{spec, Emit, Outcome, TodoReason, Tr};
use crate::import::shell::{self, Script, Simple};
use crate::steps::Action;

impl Tr<'_> {
    /// A command typed on the author's machine.
    pub(super) fn workstation(&mut self, i: usize) -> Outcome {
        let c = &self.t.commands[i];
        let text = c.text.clone();
        // a shell loop: its body once per value
        if let Some(expanded) = expand_loop(&text) {
            let mut steps = Vec::new();
            for body in expanded {
                match self.line(i, &body, false) {
                    Outcome::Steps(s) => steps.extend(s),
                    other => return other,
                }
            }
            return Outcome::Steps(steps);
        }
        self.line(i, &text, true)
    }

    /// One command line (several pipelines joined by `;`, `&&`, `; and`).
    pub(super) fn line(&mut self, i: usize, text: &str, with_output: bool) -> Outcome {
        let script = Script::parse(text);
        let pipelines = pipelines(&script);
        let mut steps: Vec<Emit> = Vec::new();
        let mut nothing: Vec<String> = Vec::new();
        let last = pipelines.len().saturating_sub(1);
        // the output belongs to the pipeline that prints it: the last one that is not
        // an `echo` (`kubectl get ... -o jsonpath=...; echo`)
        let printer = pipelines
            .iter()
            .rposition(|p| {
                p.first()
                    .and_then(shell::program_of)
                    .is_none_or(|(_, p)| p != "echo")
            })
            .unwrap_or(last);
        for (k, p) in pipelines.iter().enumerate() {
            let output = if with_output && k == printer {
                self.t.output_text(i)
            } else {
                String::new()
            };
            match self.pipeline(i, p, &output) {
                Outcome::Steps(s) => steps.extend(s),
                Outcome::Nothing(why) => nothing.push(why),
                other => return other,
            }
        }
        if steps.is_empty() {
            return Outcome::Nothing(if nothing.is_empty() {
                "nothing to run".into()
            } else {
                nothing.join("; ")
            });
        }
        Outcome::Steps(steps)
    }

    /// One pipeline: the kubectl (or other) command that does the work, and the filters
    /// after it.
    pub(super) fn pipeline(&mut self, i: usize, p: &[Simple], output: &str) -> Outcome {
        let Some(head) = p.first() else {
            return Outcome::Nothing("an empty command".into());
        };
        // `cat <<EOF | kubectl apply -f -`, `kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`
        let kubectl_at = p
            .iter()
            .position(|s| crate::import::transcript::kubectl_argv(s).is_some());
        if let Some(at) = kubectl_at {
            let feeds = &p[..at];
            let mut at = at;
            let mut stdin_from: Option<kube::Stdin> = None;
            if let Some(f) = feeds.last() {
                stdin_from = self.heredoc_of(i, f).map(kube::Stdin::Text);
            }
            // a dry run piped into another kubectl: the second one applies what the first renders
            if let Some(next) = p.get(at + 1) {
                let first = crate::import::transcript::kubectl_argv(&p[at])
                    .and_then(|a| crate::import::kubectl::parse(&a).ok());
                let second = crate::import::transcript::kubectl_argv(next)
                    .and_then(|a| crate::import::kubectl::parse(&a).ok());
                if let (Some(f), Some(_)) = (&first, &second) {
                    if f.dry_run() {
                        stdin_from = Some(kube::Stdin::Generated(Box::new(f.clone())));
                        at += 1;
                    }
                }
            }
            if stdin_from.is_none() {
                stdin_from = self.heredoc_of(i, &p[at]).map(kube::Stdin::Text);
            }
            let Some(argv) = crate::import::transcript::kubectl_argv(&p[at]) else {
                return Outcome::Nothing("no kubectl command".into());
            };
            let filters = &p[at + 1..];
            return self.kubectl(i, &p[at], &argv, filters, output, stdin_from);
        }
        let Some((_, program)) = shell::program_of(head) else {
            // `IP=$(kubectl get ...)`: the kubectl inside, its value saved
            let inner = head
                .assignments
                .iter()
                .flat_map(|a| &a.subs)
                .find_map(|sub| {
                    let script = Script::parse(sub);
                    let s = script.commands.into_iter().next()?;
                    let argv = crate::import::transcript::kubectl_argv(&s)?;
                    Some((s, argv))
                });
            if let Some((s, argv)) = inner {
                return self.kubectl(i, &s, &argv, &[], output, None);
            }
            return Outcome::Nothing("sets a shell variable".into());
        };
        self.program(i, head, &program, &p[1..], output)
    }

    /// The here-document body a simple command feeds (its own `<<EOF`), if any.
    pub(super) fn heredoc_of(&self, i: usize, s: &Simple) -> Option<String> {
        let mark = s.heredocs.first()?;
        self.t.commands[i]
            .heredocs
            .iter()
            .find(|h| h.delimiter == mark.delimiter)
            .map(|h| h.body.clone())
    }

    /// A command that is not kubectl, on the author's machine.
    pub(super) fn program(
        &mut self,
        i: usize,
        s: &Simple,
        program: &str,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let argv = s.argv();
        let (pi, _) = shell::program_of(s).unwrap_or((0, String::new()));
        let args: Vec<String> = argv
            .get(pi + 1..)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let sub = args.first().map(String::as_str).unwrap_or("");
        let text = self.t.commands[i].text.clone();
        match program.trim_end_matches(".exe") {
            "curl" | "wget" | "http" | "Invoke-WebRequest" | "iwr" | "Invoke-RestMethod" => {
                self.http(i, program, &args, filters, output)
            }
            p if p.starts_with('(') => {
                // a PowerShell expression: `(Invoke-WebRequest ...).StatusCode`
                let inner = s.words.first().and_then(|w| w.subs.first()).cloned().unwrap_or_default();
                let inner = Script::parse(&inner);
                match inner.commands.first() {
                    Some(c) => {
                        let prog = shell::program_of(c).map(|p| p.1).unwrap_or_default();
                        let args: Vec<String> = c.argv().into_iter().skip(1).collect();
                        self.http(i, &prog, &args, filters, output)
                    }
                    None => Outcome::Nothing("an empty expression".into()),
                }
            }
            "minikube" => self.minikube(i, &args),
            "kind" | "k3d" | "kubeadm" | "k3s" | "k3sup" | "microk8s" | "gcloud" | "az" | "aws"
            | "eksctl" | "doctl" | "civo" | "choco" | "brew" | "apt" | "apt-get" | "yum" | "dnf"
            | "snap" | "winget" | "scoop" | "pip" | "pip3" | "npm" | "git" | "terraform" | "vagrant"
            | "multipass" | "make" | "go" | "mvn" | "gradle" | "podman" | "buildah" | "skopeo" => {
                let what = match (program, sub) {
                    ("git", "clone") => "a checkout of the author's repository",
                    ("kind" | "k3d" | "gcloud" | "az" | "aws" | "eksctl", _) if text.contains("delete") => "deletes a cluster",
                    ("kind" | "k3d" | "kubeadm" | "gcloud" | "az" | "aws" | "eksctl", _) => "makes or changes a cluster",
                    _ => "installs or builds on the author's machine",
                };
                let instead = if text.contains("delete") || text.contains("stop") {
                    "nothing: the cluster is not the scenario's; the scenario cleans up what it created"
                } else if program == "git" || matches!(program, "make" | "go" | "mvn" | "gradle") {
                    "build what the post builds before the run, and use its image in the scenario's manifests"
                } else {
                    "run the scenario against an existing cluster that has what this sets up (`kdrill run --context ...`)"
                };
                self.todo(TodoReason::Provisioning, format!("`{text}` {what}"), instead)
            }
            "docker" => match sub {
                "build" | "push" | "pull" | "tag" | "login" | "buildx" | "compose" => self.todo(
                    TodoReason::Provisioning,
                    format!("`{text}` builds or moves an image on the author's machine"),
                    "build and push the image before the run; the scenario's manifests name it",
                ),
                _ => self.todo(
                    TodoReason::Environment,
                    format!("`{text}` works on the author's Docker, not on the cluster"),
                    "leave it out, or run it as a host `command` step if the scenario needs it",
                ),
            },
            "helm" => match sub {
                "install" | "upgrade" | "uninstall" | "template" => self.todo(
                    TodoReason::Unsupported,
                    format!("`{text}` installs a chart"),
                    "render the chart with an `apply: {helm: {chart: ..., values: [...]}}` step (docs/scenario-format.md)",
                ),
                _ => Outcome::Nothing(format!("`{text}` manages the author's Helm repositories")),
            },
            "stern" | "kubetail" | "k9s" | "watch" => self.todo(
                TodoReason::Blocking,
                format!("`{text}` runs until it is stopped"),
                if program == "watch" {
                    "a `wait` step for the state it watches for"
                } else {
                    "a `logs` step (bounded) for each pod it follows"
                },
            ),
            "kubens" => {
                if let Some(ns) = args.first() {
                    self.current_ns = Some(ns.clone());
                }
                Outcome::Nothing("switches the current namespace: later commands use the scenario's name for it".into())
            }
            "kubectx" => Outcome::Nothing("switches the kubeconfig context: kdrill runs against the context it was allowed".into()),
            "export" | "set" | "setx" => {
                for a in &args {
                    if let Some((k, v)) = a.split_once('=') {
                        // a shell variable's name, or nothing kdrill can name as ${NAME}
                        let name = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                        if !name {
                            return self.todo(
                                TodoReason::Blocking,
                                format!("`{text}` sets `{k}`, which is not a variable name (letters, digits, `_`)"),
                                "set the variable under the scenario's `vars:` by the name the later commands use",
                            );
                        }
                        let v = if v.contains("$(") || v.contains('`') {
                            format!("TODO: the value `{v}` gives on your machine")
                        } else {
                            v.to_string()
                        };
                        if k == "KUBECONFIG" {
                            return Outcome::Nothing("points kubectl at a kubeconfig: kdrill uses the one it was given".into());
                        }
                        self.plan.vars.insert(k.to_string(), v);
                    }
                }
                Outcome::Nothing("sets a variable: a scenario var (`vars:`), used as ${NAME}".into())
            }
            "cd" | "pwd" | "clear" | "cls" | "history" | "alias" | "source" | "unset" => {
                Outcome::Nothing("shell bookkeeping".into())
            }
            "exit" | "logout" => Outcome::Nothing("leaves a shell".into()),
            "sudo" | "su" => Outcome::Nothing("a root shell on the same machine: the commands stay the same".into()),
            "kill" | "jobs" | "fg" | "bg" | "pkill" | "killall" => {
                Outcome::Nothing("controls a process of the post (a forward, a follower): nothing runs in the background in a scenario".into())
            }
            "sleep" => match args.first().and_then(|a| a.parse::<u64>().ok()) {
                Some(secs) => Outcome::Steps(vec![Emit::native(spec::step(Action::Sleep(
                    crate::steps::sleep::SleepSpec(crate::duration::HumanDuration(std::time::Duration::from_secs(secs))),
                )))
                .note("the post waits here; a `wait` for the state it waits for is better")]),
                None => Outcome::Nothing("a pause".into()),
            },
            "cat" | "tee" | "echo" | "printf" if !self.t.commands[i].heredocs.is_empty() || text.contains('>') => {
                // writes a file the post uses later
                let target = s
                    .redirects
                    .iter()
                    .find(|(op, _)| op == ">" || op == ">>")
                    .map(|(_, f)| f.clone())
                    .or_else(|| (program == "tee").then(|| args.iter().find(|a| !a.starts_with('-')).cloned()).flatten());
                match (target, self.heredoc_of(i, s)) {
                    (Some(file), Some(body)) => {
                        let base = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_string();
                        self.written.insert(base.clone(), body);
                        Outcome::Nothing(format!("writes {base} with a here-document: kept as manifests/{base} for the commands that use it"))
                    }
                    (Some(file), None) => Outcome::Nothing(format!("writes {file} on the author's machine")),
                    _ => Outcome::Nothing("prints text on the author's machine".into()),
                }
            }
            "mkdir" | "cp" | "mv" | "rm" | "chmod" | "chown" | "touch" | "ln" if text.contains(".kube") || text.contains("admin.conf") => {
                Outcome::Nothing("kubeconfig set-up: kdrill has its own".into())
            }
            "cat" | "ls" | "ll" | "echo" | "printf" | "base64" | "less" | "more" | "head" | "tail"
            | "grep" | "jq" | "yq" | "diff" | "vim" | "vi" | "nano" | "code" | "open" | "explorer"
            | "notepad" | "type" | "dir" | "which" | "where" | "date" | "whoami" | "hostname" => {
                Outcome::Nothing(format!("`{text}` reads or edits files on the author's machine"))
            }
            _ => self.todo(
                TodoReason::Unsupported,
                format!("kdrill does not know what `{program}` does"),
                format!("if the scenario needs it, add a host step `command: {{run: \"{text}\"}}` (it runs in the scenario's directory)"),
            ),
        }
    }
}

/// The pipelines of a parsed line: simple commands joined by `|`.
pub(super) fn pipelines(s: &Script) -> Vec<Vec<Simple>> {
    let mut out: Vec<Vec<Simple>> = Vec::new();
    let mut cur: Vec<Simple> = Vec::new();
    for c in &s.commands {
        let piped = c.then == Some(shell::Op::Pipe);
        cur.push(c.clone());
        if !piped {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `for i in 0 1; do BODY; done` → BODY with `$i` replaced, once per value.
pub(super) fn expand_loop(text: &str) -> Option<Vec<String>> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"^\s*for\s+(\w+)\s+in\s+([^;]+);\s*do\s+(.+?);?\s*done\s*$")
            .expect("loop regex")
    });
    let c = re.captures(text)?;
    let var = &c[1];
    let body = c[3].trim().trim_end_matches(';');
    let values: Vec<&str> = c[2].split_whitespace().collect();
    Some(
        values
            .iter()
            .map(|v| {
                body.replace(&format!("${{{var}}}"), v)
                    .replace(&format!("${var}"), v)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_expand() {
        assert_eq!(
            expand_loop("for i in 0 1; do kubectl exec web-$i -- sh -c 'hostname'; done"),
            Some(vec![
                "kubectl exec web-0 -- sh -c 'hostname'".to_string(),
                "kubectl exec web-1 -- sh -c 'hostname'".to_string()
            ])
        );
        assert_eq!(expand_loop("kubectl get pods"), None);
    }
}
