//! The program a simple command runs (past `sudo`, `env`, `time` and assignments), and
//! the programs posts are known to run.

use super::lex::Word;
use super::{is_assignment, Simple};

/// The program a simple command runs, past `sudo`, `env`, `nohup`, `watch` and their
/// options: (index of the program word, its name). `sudo -i` alone runs sudo.
pub fn program_of(c: &Simple) -> Option<(usize, String)> {
    let w = &c.words;
    let mut i = 0;
    loop {
        let word = w.get(i)?;
        let name = program_name(&word.value);
        let next = match name.as_str() {
            "sudo" | "doas" => past_options(w, i + 1, &["-u", "-g", "-C"]),
            "env" => {
                let mut j = i + 1;
                while w
                    .get(j)
                    .is_some_and(|a| a.value.starts_with('-') || is_assignment(&a.raw))
                {
                    j += 1;
                }
                j
            }
            "nohup" | "time" | "command" | "builtin" | "exec" | "winpty" => i + 1,
            "watch" => past_options(w, i + 1, &["-n", "--interval"]),
            _ => return Some((i, name)),
        };
        // a wrapper with no command after it runs itself
        if next >= w.len() {
            return Some((i, name));
        }
        i = next;
    }
}

/// The first word from `j` on that is no option of a wrapper, past the values of its
/// options that take one (`valued`).
fn past_options(w: &[Word], mut j: usize, valued: &[&str]) -> usize {
    while let Some(a) = w.get(j) {
        if valued.contains(&a.value.as_str()) {
            j += 2;
        } else if a.value.starts_with('-') {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// `kubectl.exe`, `k` and `/usr/local/bin/kubectl` → `kubectl`; other programs by their
/// base name as written (`curl.exe` stays: it is what the post runs).
pub fn program_name(word: &str) -> String {
    let base = if word.starts_with('(') {
        word
    } else {
        word.rsplit(['/', '\\']).next().unwrap_or(word)
    };
    if matches!(base, "kubectl" | "k" | "kc" | "kubectl.exe") {
        return "kubectl".into();
    }
    base.to_string()
}

/// Programs people type in Kubernetes tutorials: a word naming one starts a command.
pub const PROGRAMS: &[&str] = &[
    // Kubernetes and its tools
    "kubectl",
    "kubectl.exe",
    "k",
    "kubeadm",
    "kubectx",
    "kubens",
    "kustomize",
    "helm",
    "helmfile",
    "minikube",
    "minikube.exe",
    "kind",
    "k3d",
    "k3s",
    "k3sup",
    "microk8s",
    "microk8s.kubectl",
    "oc",
    "stern",
    "k9s",
    "kubeseal",
    "skaffold",
    "tilt",
    "telepresence",
    "istioctl",
    "linkerd",
    "cilium",
    "calicoctl",
    "velero",
    "argocd",
    "flux",
    "kn",
    "kompose",
    "kubetail",
    "krew",
    "etcdctl",
    "crictl",
    "ctr",
    "nerdctl",
    // clouds
    "eksctl",
    "aws",
    "gcloud",
    "az",
    "doctl",
    "civo",
    "ibmcloud",
    "oci",
    // containers and builds
    "docker",
    "docker.exe",
    "podman",
    "buildah",
    "skopeo",
    "git",
    "make",
    "go",
    "mvn",
    "gradle",
    "npm",
    "npx",
    "node",
    "python",
    "python3",
    "pip",
    "pip3",
    "terraform",
    "ansible",
    "ansible-playbook",
    "vagrant",
    "multipass",
    // network
    "curl",
    "curl.exe",
    "wget",
    "http",
    "nc",
    "ncat",
    "telnet",
    "ping",
    "nslookup",
    "dig",
    "ssh",
    "scp",
    "rsync",
    "openssl",
    "ab",
    "hey",
    "iptables",
    "ip",
    "ifconfig",
    "netstat",
    "ss",
    "lsof",
    "traceroute",
    "mtr",
    // files and text
    "cat",
    "tac",
    "echo",
    "printf",
    "ls",
    "ll",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "rmdir",
    "touch",
    "chmod",
    "chown",
    "ln",
    "stat",
    "du",
    "df",
    "tee",
    "grep",
    "egrep",
    "fgrep",
    "sed",
    "awk",
    "cut",
    "sort",
    "uniq",
    "wc",
    "head",
    "tail",
    "less",
    "more",
    "xargs",
    "find",
    "jq",
    "yq",
    "base64",
    "tar",
    "unzip",
    "gzip",
    "zip",
    "sha256sum",
    "md5sum",
    "tr",
    "diff",
    "htpasswd",
    "ssh-keygen",
    "gpg",
    "vim",
    "vi",
    "nano",
    "code",
    "findstr",
    "seq",
    // processes and system
    "ps",
    "kill",
    "pkill",
    "killall",
    "sleep",
    "date",
    "env",
    "printenv",
    "hostname",
    "whoami",
    "id",
    "uname",
    "free",
    "uptime",
    "systemctl",
    "service",
    "journalctl",
    "mount",
    "umount",
    "sudo",
    "su",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "zypper",
    "apk",
    "brew",
    "choco",
    "winget",
    "scoop",
    "snap",
    "watch",
    "nohup",
    "timeout",
    "true",
    "false",
    "open",
    "explorer",
    "notepad",
    "powershell",
    "pwsh",
    "cmd",
    "bash",
    "sh",
    "zsh",
    "fish",
    "ash",
    // shell builtins and keywords
    "cd",
    "pwd",
    "export",
    "unset",
    "set",
    "source",
    "alias",
    "unalias",
    "exit",
    "logout",
    "for",
    "while",
    "until",
    "if",
    "history",
    "clear",
    "cls",
    "which",
    "where",
    "type",
    "jobs",
    "fg",
    "bg",
    "wait",
    "read",
    "eval",
    "test",
    "[",
    "ulimit",
    "umask",
    "declare",
    "local",
    "setx",
    "dir",
    "copy",
    "del",
    "type",
    "echo.",
];
