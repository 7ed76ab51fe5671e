//! What one line or one command is, on its own: a result line (`pod/x created`), an
//! elision, a comment, a config file rather than a manifest, a command that opens a
//! shell or prints nothing.

use super::{kubectl_argv, Command, Shell};
use crate::import::kubectl;
use crate::import::shell::{self, Op};
use regex::Regex;
use std::sync::OnceLock;

pub(super) fn result_line_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"^(?:[\w.-]+/[\w.:-]+|[\w.-]+ "[^"]+")(?: \(dry run\))? (created|configured|unchanged|deleted|scaled|labeled|unlabeled|annotated|patched|exposed|autoscaled|edited|restarted|paused|resumed|rolled back|tainted|untainted|modified|cordoned|uncordoned|drained|image updated|env updated|resource requirements updated|condition met|serviceaccount updated|selector updated)\b"#)
            .expect("result line regex")
    })
}

/// A line kubectl prints when a change worked (`pod/x created`, `pod "x" deleted`).
pub fn is_result_line(line: &str) -> bool {
    result_line_re().is_match(line.trim())
}

/// The verb a kubectl result line (`pod/x created`, `pod "x" deleted`) belongs to.
pub(super) fn result_verb(line: &str) -> Option<&'static [&'static str]> {
    let c = result_line_re().captures(line.trim())?;
    Some(match c.get(1).map_or("", |m| m.as_str()) {
        "created" => &["create", "run", "apply", "expose"],
        "configured" | "unchanged" => &["apply"],
        "deleted" => &["delete"],
        "scaled" => &["scale"],
        "labeled" | "unlabeled" => &["label"],
        "annotated" => &["annotate"],
        "patched" => &["patch"],
        "exposed" => &["expose"],
        "autoscaled" => &["autoscale"],
        "edited" => &["edit"],
        "restarted" | "paused" | "resumed" | "rolled back" => &["rollout"],
        "tainted" | "untainted" => &["taint"],
        "condition met" => &["wait"],
        "cordoned" | "uncordoned" | "drained" => &["cordon", "uncordon", "drain"],
        _ => &["set"],
    })
}

/// Lines an author puts in an output to cut it: `...`, `[...]`, `[... the rest ...]`,
/// `(省略)`, `<snip>`; and `^C`, the Ctrl+C that stopped a command.
pub(super) fn elision(line: &str) -> bool {
    let t = line.trim();
    matches!(
        t,
        "..." | "…" | "[...]" | "[…]" | "(...)" | "(省略)" | "<snip>" | "^C" | "[snip]"
    ) || (t.starts_with("[...") && t.ends_with(']'))
        || (t.starts_with("[…") && t.ends_with(']'))
}

/// A comment line of the author: `#`, `//`, `REM`, `::`.
pub(super) fn comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') && !t.starts_with("#!")
        || t.starts_with("// ")
        || t.starts_with("REM ")
        || t.starts_with(":: ")
}

/// API groups of configuration files that look like objects but are not applied to a
/// cluster (kind and k3d cluster configs, kubeadm, kubelet, kubeconfig).
pub(super) fn config_file(api_version: &str, kind: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or("");
    group.ends_with("kind.x-k8s.io")
        || group.ends_with("k3d.io")
        || group.starts_with("kubeadm.k8s.io")
        || group.ends_with(".config.k8s.io")
        || group == "audit.k8s.io"
        || group == "client.authentication.k8s.io"
        || (api_version == "v1" && kind == "Config")
}

/// What a YAML text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Yaml {
    /// Kubernetes objects.
    Objects {
        server_fields: bool,
    },
    /// A configuration file of a tool (kind, kubeadm, kubeconfig).
    Config,
    /// YAML, but no object.
    Fragment,
    Other,
}

pub(super) fn classify_yaml(text: &str) -> Yaml {
    use serde::Deserialize;
    let mut docs = 0;
    let mut objects = 0;
    let mut config = 0;
    let mut server_fields = false;
    for doc in serde_yaml::Deserializer::from_str(text) {
        let Ok(v) = serde_yaml::Value::deserialize(doc) else {
            return Yaml::Other;
        };
        if v.is_null() {
            continue;
        }
        docs += 1;
        let api = v.get("apiVersion").and_then(|a| a.as_str());
        let kind = v.get("kind").and_then(|a| a.as_str());
        match (api, kind) {
            (Some(a), Some(k)) if config_file(a, k) => config += 1,
            (Some(_), Some(_)) => {
                objects += 1;
                let meta = v.get("metadata");
                server_fields |= meta.and_then(|m| m.get("uid")).is_some()
                    || meta.and_then(|m| m.get("resourceVersion")).is_some();
            }
            _ => {}
        }
        if !v.is_mapping() {
            return Yaml::Other;
        }
    }
    if docs == 0 {
        Yaml::Other
    } else if objects == docs {
        Yaml::Objects { server_fields }
    } else if config > 0 {
        Yaml::Config
    } else {
        Yaml::Fragment
    }
}

/// Programs a scenario never runs in a container or on a node: a line starting with
/// one ends a shell the post opened without showing its `exit`.
pub(super) const WORKSTATION_TOOLS: &[&str] = &[
    "kubectl", "minikube", "kind", "k3d", "helm", "docker", "podman", "gcloud", "az", "aws",
    "eksctl", "stern", "kubectx", "kubens", "choco", "brew", "winget", "git",
];

/// Shells a command can open.
pub(super) fn is_shell(argv: &[String]) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    matches!(
        name,
        "sh" | "bash" | "ash" | "zsh" | "dash" | "fish" | "pwsh" | "powershell" | "cmd"
    ) && !argv.iter().any(|a| a == "-c" || a == "-s" || a == "/c")
}

/// The shell a command opens, if it opens one: `kubectl exec -it POD -- sh`,
/// `kubectl run -it --image=busybox x -- sh` (or without a command), `kubectl debug
/// -it`, `kubectl attach -it`, `minikube ssh`, `ssh host`, `docker exec -it node bash`.
pub(super) fn opens_shell(c: &Command) -> Option<fn(usize) -> Shell> {
    let script = c.script();
    let first = script.commands.first()?;
    if script.commands.len() > 1 && first.then != Some(Op::Semi) {
        return None;
    }
    if let Some(argv) = kubectl_argv(first) {
        let k = kubectl::parse(&argv).ok()?;
        let interactive = k.has("stdin") && (k.has("tty") || k.verb == "attach");
        return match k.verb.as_str() {
            "exec" if interactive && is_shell(&k.command) => Some(Shell::Container),
            "run" if interactive && (k.command.is_empty() || is_shell(&k.command)) => {
                Some(Shell::Container)
            }
            "debug" if interactive && (k.command.is_empty() || is_shell(&k.command)) => {
                if k.args.first().is_some_and(|a| a.starts_with("node/")) {
                    Some(Shell::Node)
                } else {
                    Some(Shell::Container)
                }
            }
            "attach" if interactive => Some(Shell::Container),
            _ => None,
        };
    }
    let (i, p) = shell::program_of(first)?;
    let argv = first.argv();
    let rest = &argv[i + 1..];
    match p.as_str() {
        "minikube" => (rest.first().map(String::as_str) == Some("ssh")
            && !rest.iter().any(|a| a == "--"))
        .then_some(Shell::Node),
        "ssh" => {
            let positional: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            (positional.len() == 1).then_some(Shell::Node)
        }
        "vagrant" | "multipass" => {
            matches!(rest.first().map(String::as_str), Some("ssh" | "shell")).then_some(Shell::Node)
        }
        "docker" | "podman" => {
            let exec = rest.first().map(String::as_str) == Some("exec");
            let it = rest.iter().any(|a| a == "-it" || a == "-ti");
            let cmd: Vec<String> = rest
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .skip(1)
                .cloned()
                .collect();
            (exec && it && is_shell(&cmd)).then_some(Shell::Node)
        }
        _ => None,
    }
}

/// Commands that print nothing when they work: a lone word after one is the blog
/// wrapping a long argument, not output.
pub(super) fn silent(c: &Command) -> bool {
    let p = c.program();
    let words = shell::split(&c.text);
    matches!(
        p.as_str(),
        "cp" | "mv" | "mkdir" | "chmod" | "chown" | "ln" | "touch" | "rm"
    ) || (p == "minikube" && words.get(1).map(String::as_str) == Some("cp"))
}
