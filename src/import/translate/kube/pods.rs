//! Verbs that work inside pods: `logs`, `exec`, `cp` and `port-forward`.

use super::shown::without_curl_meter;
use super::state_steps::wait;
use super::{base_name, exec_step, is_shell_cmd, IntoEmit};
use crate::command_line::CommandLine;
use crate::import::kubectl::{self, canonical_kind, Kubectl};
use crate::import::shell::Simple;
use crate::import::translate::objects::Obj;
use crate::import::translate::spec;
use crate::import::translate::{http, Emit, Outcome, Place, TodoReason, Tr};
use crate::steps::logs::LogsSpec;
use crate::steps::Action;
use crate::wait::{CmpOp, Comparison, ContainerUntil, Until};

impl Tr<'_> {
    pub(super) fn logs(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        s: &Simple,
        output: &str,
    ) -> Outcome {
        let host = |this: &Self| {
            Outcome::Steps(vec![this.host_kubectl(k, place, &[]).note(
                "the pods it reads are not known from the post: kubectl on the host",
            )])
        };
        // `kubectl logs (kubectl get pods -l SEL -o name)`: the selector
        let sub_selector = s.words.iter().flat_map(|w| &w.subs).find_map(|sub| {
            let script = crate::import::shell::Script::parse(sub);
            let argv = crate::import::transcript::kubectl_argv(script.commands.first()?)?;
            kubectl::parse(&argv).ok()?.selector().map(str::to_string)
        });
        let (pod, selector) = match (k.args.first(), k.selector(), sub_selector) {
            (_, _, Some(sel)) => (None, Some(sel)),
            (_, Some(sel), _) => (None, Some(sel.to_string())),
            (Some(a), _, _) if !a.starts_with('(') && !a.starts_with('$') => {
                match a.split_once('/') {
                    None => (Some(a.clone()), None),
                    Some((kind, n)) => match canonical_kind(kind).0.as_str() {
                        "pod" => (Some(n.to_string()), None),
                        "job" => (None, Some(format!("job-name={n}"))),
                        other => match self.objects.get(other, n).and_then(Obj::selector_text) {
                            Some(sel) => (None, Some(sel)),
                            None => return host(self),
                        },
                    },
                }
            }
            _ => return host(self),
        };
        let mut steps = Vec::new();
        let mut previous = k.has("previous");
        if let Some(p) = &pod {
            if self.crashing.contains(p) && !previous {
                let until = Until {
                    container: Some(ContainerUntil {
                        name: k.flag("container").map(str::to_string),
                        restart_count: Some(Comparison {
                            op: CmpOp::Ge,
                            value: 1,
                        }),
                        ..ContainerUntil::default()
                    }),
                    ..Until::default()
                };
                steps.push(spec::with_timeout(wait(Some(("pod", p)), None, until, place.field()).step, 120)
                    .into_emit()
                    .note("the post shows this container crash-looping, where `kubectl logs` prints its last finished run: that run is read (`previous`), not the restarted one that is still writing"));
                previous = true;
            }
        }
        // every container: one logs step each, when the post's manifest names them
        if k.has("all-containers") {
            let known = match (&pod, &selector) {
                (Some(p), _) => self.objects.get("pod", p).map(|o| o.containers.clone()),
                (None, Some(sel)) => self
                    .objects
                    .all()
                    .find(|o| {
                        o.selector_text().as_deref() == Some(sel.as_str())
                            || o.labels_text() == *sel
                    })
                    .map(|o| o.containers.clone()),
                _ => None,
            };
            let Some(containers) = known.filter(|c| !c.is_empty()) else {
                return host(self);
            };
            for c in containers {
                steps.push(Emit::native(spec::step(Action::Logs(LogsSpec {
                    pod: pod.clone(),
                    selector: selector.clone(),
                    container: Some(c),
                    previous,
                    tail_lines: k.flag("tail").and_then(|t| t.parse().ok()),
                    namespace: place.field(),
                }))));
            }
            if let Some(f) = steps.first_mut() {
                f.comment = Some("--all-containers: the log of each container (what it prints varies: not compared)".into());
            }
            return Outcome::Steps(steps);
        }
        let mut e = Emit::native(spec::step(Action::Logs(LogsSpec {
            pod,
            selector,
            container: k.flag("container").map(str::to_string),
            previous,
            tail_lines: k.flag("tail").and_then(|t| t.parse().ok()),
            namespace: place.field(),
        })));
        // kubectl's own decorations are not in the log kdrill reads
        let output: String = if k.has("timestamps") || k.has("prefix") {
            output
                .lines()
                .map(|l| {
                    let l = if k.has("prefix") && l.starts_with('[') {
                        l.split_once("] ").map_or(l, |(_, r)| r)
                    } else {
                        l
                    };
                    let l = if k.has("timestamps") {
                        l.split_once(' ')
                            .filter(|(t, _)| t.ends_with('Z'))
                            .map_or(l, |(_, r)| r)
                    } else {
                        l
                    };
                    format!("{l}\n")
                })
                .collect()
        } else {
            output.to_string()
        };
        let output = output.as_str();
        if !output.trim().is_empty() {
            let name = self.next_snapshot(&format!(
                "logs {}",
                k.args.first().cloned().unwrap_or_default()
            ));
            e.step.expect = spec::expect_output(spec::snapshot(&name));
            // `--tail=N` and the post shows N lines: the pod had printed that many when
            // the author looked (a clock that prints every few seconds). A log is not
            // watchable, so the step reads it again until it has as many lines
            let tail = k.flag("tail").and_then(|t| t.parse::<usize>().ok());
            let shown = output.lines().filter(|l| !l.trim().is_empty()).count();
            if tail == Some(shown) && shown > 1 && !previous && !k.has("follow") {
                if let Some(crate::expect::TextMatch::Rules(r)) = &mut e.step.expect.output {
                    r.matches = Some(vec!["[..]"; shown].join("\n"));
                }
                e.step.retry = Some(crate::scenario::Retry {
                    attempts: 30,
                    backoff: crate::duration::HumanDuration(std::time::Duration::from_secs(1)),
                });
                e = e.note(format!(
                    "read again (up to 30 s) until the log has the {shown} lines the post shows"
                ));
            }
            e.snapshot = Some((name, output.to_string()));
        }
        if k.has("follow") {
            e = e.note("`-f` follows forever: the log as it is when the step runs");
        }
        let _ = i;
        steps.push(e);
        Outcome::Steps(steps)
    }

    pub(super) fn exec(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        s: &Simple,
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let Some(target) = k.args.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl exec` without a pod",
                "name the pod",
            );
        };
        if k.interactive()
            && crate::import::transcript::kubectl_argv(s).is_some()
            && is_shell_cmd(&k.command)
        {
            return self.todo(
                TodoReason::Interactive,
                "opens a shell in the container",
                "the commands typed in it follow as `exec` steps in the same pod",
            );
        }
        let pod = match target.split_once('/') {
            None => target.clone(),
            Some((kind, n)) if canonical_kind(kind).0 == "pod" => n.to_string(),
            Some(_) => {
                return Outcome::Steps(vec![self
                    .host_kubectl(k, place, filters)
                    .note("exec in a pod of a controller: kdrill's exec names a pod; kubectl on the host picks one")])
            }
        };
        if k.command.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl exec` without a command",
                "add the command after --",
            );
        }
        // stdin from a file the post shows: the script is the command
        let stdin_file = s
            .redirects
            .iter()
            .find(|(op, _)| op == "<")
            .map(|(_, f)| base_name(f));
        let command = match stdin_file.and_then(|f| self.post_files.get(&f).cloned()) {
            Some(script) if k.command.first().is_some_and(|c| c.ends_with("sh")) => {
                CommandLine::Shell(script)
            }
            _ => CommandLine::Argv(k.command.clone()),
        };
        let curl = k
            .command
            .first()
            .is_some_and(|c| c == "curl" || c == "wget");
        let mut e = exec_step(&pod, k.flag("container"), command, place.field());
        if curl {
            e.step.retry = Some(spec::network_retry());
        }
        if !output.trim().is_empty() {
            if filters.is_empty() {
                let name = self.next_snapshot(&format!("exec {pod} {}", k.command.join(" ")));
                e.step.expect = spec::expect_stdout(spec::snapshot(&name));
                e.snapshot = Some((name, without_curl_meter(output)));
            } else {
                // the filter ran on the workstation: the lines it kept are in the output
                let lines: Vec<String> = output
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                e.step.expect = spec::expect_stdout(spec::contains(lines));
                e = e.note("the post filters the output on the workstation: the lines it shows must be in it");
            }
        }
        let _ = i;
        Outcome::Steps(vec![e])
    }

    pub(super) fn cp(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let (Some(src), Some(dst)) = (k.args.first(), k.args.get(1)) else {
            return Outcome::Steps(vec![self.host_kubectl(k, place, &[])]);
        };
        match src
            .split_once(':')
            .filter(|(p, _)| !p.contains('/') && p.len() > 1)
        {
            Some((pod, path)) => {
                let e = exec_step(
                    pod,
                    k.flag("container"),
                    CommandLine::Argv(vec!["cat".into(), path.into()]),
                    place.field(),
                );
                Outcome::Steps(vec![e.note(format!(
                    "a copy out of the pod: its content read with cat (the post saves it as {dst})"
                ))])
            }
            None => {
                self.need_file(&base_name(src), i);
                let mut host = self.host_kubectl(k, place, &[]);
                if let CommandLine::Shell(run) = match &host.step.action {
                    Action::Command(c) => c.run.clone(),
                    _ => CommandLine::Shell(String::new()),
                } {
                    let fixed =
                        run.replacen(src.as_str(), &format!("manifests/{}", base_name(src)), 1);
                    host = self.host(fixed);
                }
                Outcome::Steps(vec![host.note("a copy into the pod: kubectl on the host with the scenario's kubeconfig (kdrill's exec has no stdin)")])
            }
        }
    }

    pub(super) fn port_forward(&mut self, k: &Kubectl, place: &Place) -> Outcome {
        let Some(target) = k.args.first() else {
            return self.todo(
                TodoReason::Unsupported,
                "a port-forward to nothing",
                "name the pod or Service",
            );
        };
        let Some(ports) = k.args.get(1) else {
            return self.todo(
                TodoReason::Unsupported,
                "a port-forward without a port",
                "name the port",
            );
        };
        let (local, remote) = ports.split_once(':').unwrap_or((ports, ports));
        let (Ok(local), Ok(remote)) = (local.parse::<u16>(), remote.parse::<u16>()) else {
            return self.todo(
                TodoReason::Unsupported,
                format!("a port-forward of {ports}"),
                "an `http` step to the pod or Service",
            );
        };
        if matches!(remote, 5432 | 3306 | 6379 | 27017 | 9092 | 5672 | 11211) {
            return self.todo(
                TodoReason::Unsupported,
                format!("forwards port {remote}, which does not speak HTTP"),
                "exec a client of that protocol in a pod of the scenario, or a bounded forward on the host",
            );
        }
        let (kind, name) = match target.split_once('/') {
            Some((k, n)) => (canonical_kind(k).0, n.to_string()),
            None => ("pod".to_string(), target.clone()),
        };
        let t = match kind.as_str() {
            "pod" => http::Target::pod(&name, Some(remote)),
            "service" => {
                // the Service's port the forward's remote port names
                http::Target::service(&name, Some(remote))
            }
            _ => {
                let sel = self
                    .objects
                    .get(&kind, &name)
                    .map(|o| o.selector.clone())
                    .unwrap_or_default();
                let svc = self
                    .objects
                    .all()
                    .find(|o| o.kind == "service" && !sel.is_empty() && o.selector == sel)
                    .cloned();
                match svc {
                    Some(svc) => {
                        let port = svc
                            .ports
                            .iter()
                            .find(|p| p.1 == remote)
                            .map(|p| p.0)
                            .unwrap_or(remote);
                        http::Target::service(&svc.name, Some(port))
                    }
                    None => {
                        self.dead_forwards
                            .insert(local, (format!("{kind} {name}"), self.current_line));
                        return self.todo(
                            TodoReason::Unsupported,
                            format!("forwards to a pod of {kind} {name}: kdrill reaches pods by name or through a Service"),
                            format!("expose {kind} {name} (a Service) and request it with an `http` step"),
                        );
                    }
                }
            }
        };
        self.forwards
            .insert(local, t.clone().with_place(place.clone()));
        let mut e = self.http_step(&t, place, "/", "GET");
        e = e.note(format!(
            "port-forward: kdrill reaches {} through the API server instead",
            t.describe()
        ));
        Outcome::Steps(vec![e])
    }
}
