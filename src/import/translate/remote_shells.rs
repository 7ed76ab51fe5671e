//! Commands that run elsewhere than the author's machine: `minikube` (its `ssh` and
//! `cp` reach the node), commands typed in a container shell or on a node.

use super::kube;
use super::{spec, Outcome, TodoReason, Tr};

impl Tr<'_> {
    pub(super) fn minikube(&mut self, i: usize, args: &[String]) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let sub = args.first().map(String::as_str).unwrap_or("");
        match sub {
            "ssh" => {
                if let Some(dd) = args.iter().position(|a| a == "--") {
                    let cmd = args[dd + 1..].join(" ");
                    return Outcome::Steps(vec![self
                        .host(strip_sudo(&cmd))
                        .note("on the node: the testbed's node is this machine")]);
                }
                self.todo(
                    TodoReason::Interactive,
                    "`minikube ssh` opens a shell on the node",
                    "the commands typed on the node follow as host `command` steps (on the testbed the node is this machine); elsewhere run them on the node",
                )
            }
            "cp" if args.len() >= 3 => {
                let src = args[1].rsplit(['/', '\\']).next().unwrap_or(&args[1]).to_string();
                let dst = args[2].split_once(':').map_or(args[2].as_str(), |(_, p)| p).to_string();
                self.need_file(&src, i);
                Outcome::Steps(vec![self
                    .host(format!("cp manifests/{src} {dst}"))
                    .note("minikube cp copies onto the node; the testbed's node is this machine")])
            }
            "service" | "ip" => self.todo(
                TodoReason::Environment,
                format!("`{text}` prints an address of the author's minikube"),
                "an `http` step reaches Services and pods through the API server: no address needed",
            ),
            "mount" | "tunnel" | "dashboard" => self.todo(
                TodoReason::Blocking,
                format!("`{text}` runs until it is stopped"),
                "prepare what the scenario needs on the node with host `command` steps instead",
            ),
            "status" | "version" | "profile" | "logs" => Outcome::Nothing(format!("`{text}` shows the author's minikube")),
            _ => self.todo(
                TodoReason::Provisioning,
                format!("`{text}` changes the author's minikube"),
                if matches!(sub, "stop" | "delete") || text.contains("disable") {
                    "nothing: the scenario cleans up what it created"
                } else if sub == "addons" {
                    "run the scenario on a cluster that has this add-on (`requires:` can say so)"
                } else {
                    "run the scenario against an existing cluster"
                },
            ),
        }
    }

    /// A command typed in a container shell command `o` opened.
    pub(super) fn in_container(&mut self, i: usize, o: usize) -> Outcome {
        let c = &self.t.commands[i];
        let text = c.text.clone();
        let program = c.program();
        if matches!(program.as_str(), "exit" | "logout") {
            return Outcome::Nothing("leaves the container shell".into());
        }
        if kube::has_placeholder(&text) {
            return self.todo(
                TodoReason::Placeholder,
                "the post leaves a placeholder for the reader to fill in",
                "an `exec` step in the pod, with the placeholder filled in (a Service's name works where an IP is asked for)",
            );
        }
        let Some(opener) = self.t.commands[o].main_kubectl() else {
            return self.todo(
                TodoReason::Unsupported,
                "typed in a shell kdrill cannot reach",
                "run it as an `exec` in the pod it concerns",
            );
        };
        let place = self.place(&opener);
        let pod = match opener.verb.as_str() {
            "exec" | "attach" => opener.args.first().map(|p| {
                p.trim_start_matches("pod/")
                    .trim_start_matches("po/")
                    .to_string()
            }),
            "run" => opener.args.first().cloned(),
            _ => None,
        };
        let Some(pod) = pod.filter(|p| !p.contains('/')) else {
            return self.todo(
                TodoReason::Unsupported,
                format!(
                    "runs in the {} container of line {}, which kdrill cannot add",
                    opener.verb, self.t.commands[o].line
                ),
                "check the same thing with an `exec` in the pod's own container, or with its logs",
            );
        };
        let output = self.t.output_text(i);
        let mut e = kube::exec_step(
            &pod,
            opener.flag("container"),
            crate::command_line::CommandLine::Shell(text.clone()),
            place.field(),
        );
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&format!("exec {pod} {text}"));
            e.step.expect = spec::expect_stdout(spec::snapshot(&name));
            e.snapshot = Some((name, output));
        }
        Outcome::Steps(vec![e.note(format!(
            "typed in the shell of line {}: an exec in pod {pod}",
            self.t.commands[o].line
        ))])
    }

    /// A command typed on a node (a `minikube ssh` session).
    pub(super) fn on_node(&mut self, i: usize, _o: usize) -> Outcome {
        let c = &self.t.commands[i];
        let program = c.program();
        if matches!(program.as_str(), "exit" | "logout") {
            return Outcome::Nothing("leaves the node".into());
        }
        let text = strip_sudo(&c.text);
        let output = self.t.output_text(i);
        let mut e = self
            .host(text.clone())
            .note("typed on the node: the testbed's node is this machine");
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&text);
            e.step.expect = spec::expect_stdout(spec::snapshot(&name));
            e.snapshot = Some((name, output));
        }
        Outcome::Steps(vec![e])
    }
}

pub(super) fn strip_sudo(text: &str) -> String {
    text.trim()
        .strip_prefix("sudo ")
        .map(str::trim_start)
        .unwrap_or(text.trim())
        .to_string()
}
