//! Prompts: where the command starts on a line of a terminal session. The command is
//! found by what it is (see [`shell::command_start`]), the text before it by what a
//! prompt can look like: anything that ends like one (`$`, `#`, `%`, `>`, `❯`, `λ`,
//! `»`, `→`: bash, zsh, sh, fish, PowerShell `PS C:\x>`, cmd `C:\x>`, `[user@host dir]$`,
//! `user@host:~/dir$`, `root@pod:/#`, `^C` glued in front), or starts like one
//! (oh-my-zsh's `➜  dir git:(main) ✗`, powerlevel10k's `╰─❯`, starship's `❯`, cmder's
//! `λ`), whatever directories, branches and contexts sit in between.

use super::shell::{command_start, Certainty};

/// Characters a prompt ends with (before the space that separates it from the command).
const TERMINATORS: &[char] = &[
    '$', '#', '%', '>', '❯', 'λ', '»', '→', '➜', '✗', '⚡', '╼', '❱', '▶', '➤', '⟩', '›',
];

/// Characters a prompt of a theme starts with; the command is the first command word
/// after them.
const LEADERS: &[char] = &[
    '➜', '❯', 'λ', '→', '»', '○', '╰', '└', '┗', '⚡', '✔', '✘', '⇒', '▶', '➤', '❱', '›',
];

/// Continuation prompts shells print for the next line of a command (bash/zsh PS2,
/// PowerShell, cmd, zsh's named ones, Python-style `...`).
pub const CONTINUATION_PROMPTS: &[&str] = &[
    "heredoc> ",
    "quote> ",
    "dquote> ",
    "bquote> ",
    "cmdand> ",
    "cmdor> ",
    "pipe> ",
    "pipe pipe> ",
    "subsh> ",
    "cursh> ",
    "for> ",
    "while> ",
    "then> ",
    "else> ",
    "More? ",
    ">> ",
    "> ",
    "... ",
];

/// A line read as prompt + command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The exact text before the command (empty: no prompt).
    pub prompt: String,
    /// The command as typed (the rest of the line).
    pub command: String,
    pub certainty: Certainty,
}

/// Whether `prefix` (the text before a command) can be a prompt.
pub fn prompt_like(prefix: &str) -> bool {
    let t = prefix.trim_end();
    if t.is_empty() || !prefix.ends_with(char::is_whitespace) && !t.ends_with(TERMINATORS) {
        return false;
    }
    let t = t.trim_start();
    let t = t.strip_prefix("^C").unwrap_or(t);
    // `# ` alone starts a comment far more often than it is root's prompt (a container
    // shell's `# ` is read where a shell is open)
    if t == "#" || t == "//" {
        return false;
    }
    if t.ends_with(TERMINATORS) {
        // `1 > 2` or `a -> b` in an output is no prompt: a terminator after a word that
        // ends in `-`/`=` is an arrow or a comparison
        return !(t.ends_with("->") || t.ends_with("=>") || t.ends_with("- >"));
    }
    t.starts_with(LEADERS) && t.split_whitespace().count() <= 6
}

/// The prompt and the command of a line, if the line holds a command. Candidates are
/// the start of the line and every word start after it; the first one where a command
/// starts and the text before reads as a prompt wins.
pub fn split(line: &str) -> Option<Split> {
    let mut starts = vec![0];
    let mut prev_space = false;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            prev_space = true;
        } else {
            if prev_space && i > 0 {
                starts.push(i);
            }
            prev_space = false;
        }
    }
    for s in starts {
        let (prefix, rest) = line.split_at(s);
        if s > 0 && !prompt_like(prefix) {
            continue;
        }
        if let Some(certainty) = command_start(rest) {
            return Some(Split {
                prompt: prefix.to_string(),
                command: rest.trim_end().to_string(),
                certainty,
            });
        }
    }
    None
}

/// `line` without a continuation prompt, if it starts with one.
pub fn strip_continuation_prompt(line: &str) -> Option<&str> {
    if line == ">" || line == ">>" {
        return Some("");
    }
    CONTINUATION_PROMPTS
        .iter()
        .find_map(|p| line.strip_prefix(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(line: &str) -> Option<(String, String)> {
        split(line).map(|s| (s.prompt, s.command))
    }

    #[test]
    fn prompts_of_many_shells_and_themes() {
        let cases = [
            ("$ kubectl get pods", "$ "),
            ("% kubectl apply -f - <<'EOF'", "% "),
            (
                "[root@k8s-master01 ~]# kubectl create ns dev",
                "[root@k8s-master01 ~]# ",
            ),
            (
                "^C[root@k8s-master01 ~]# kubectl get pod -n dev -o wide",
                "^C[root@k8s-master01 ~]# ",
            ),
            (
                "[devops@k8s-master01 k8s]$ kubectl get pod,svc -n dev",
                "[devops@k8s-master01 k8s]$ ",
            ),
            ("ubuntu@cp-1:~$ sudo kubeadm init", "ubuntu@cp-1:~$ "),
            ("root@web:/# head -n 2 /etc/os-release", "root@web:/# "),
            ("/ # env | grep DATABASE", "/ # "),
            (
                "docker@minikube:~$ sudo mkdir -p /srv/site",
                "docker@minikube:~$ ",
            ),
            (
                "lukas@thinkpad:~/k8s/secrets$ kubectl get secret db",
                "lukas@thinkpad:~/k8s/secrets$ ",
            ),
            (
                "PS C:\\Users\\marta\\k8s-lab> kubectl get nodes",
                "PS C:\\Users\\marta\\k8s-lab> ",
            ),
            (
                "C:\\WINDOWS\\system32> choco install minikube -y",
                "C:\\WINDOWS\\system32> ",
            ),
            ("➜ ~  kubectl get pods", "➜ ~  "),
            (
                "➜ kubernetes ✗  kubectl logs x -c nginx2",
                "➜ kubernetes ✗  ",
            ),
            (
                "➜  rollout-demo git:(main) ✗ kubectl rollout pause deployment/web",
                "➜  rollout-demo git:(main) ✗ ",
            ),
            (
                "➜  rollout-demo git:(main) kubectl get nodes",
                "➜  rollout-demo git:(main) ",
            ),
            ("╰─❯ kubectl -n shop get pods", "╰─❯ "),
            ("❯ kubectl apply -f node-agent.yaml", "❯ "),
            ("λ kubectl config current-context", "λ "),
            ("kubectl get pods", ""),
            (
                "PS C:\\x> (Invoke-WebRequest -UseBasicParsing http://x).StatusCode",
                "PS C:\\x> ",
            ),
        ];
        for (line, p) in cases {
            assert_eq!(prompt(line).map(|x| x.0), Some(p.to_string()), "{line}");
        }
        assert_eq!(
            prompt("➜  rollout-demo git:(main) kubectl get nodes").map(|x| x.1),
            Some("kubectl get nodes".into())
        );
    }

    #[test]
    fn output_lines_hold_no_command() {
        for line in [
            "root@cp-1:~# Forwarding from 0.0.0.0:8080 -> 80",
            "Forwarding from 127.0.0.1:8080 -> 80",
            "NAME    READY   STATUS    RESTARTS   AGE",
            "   You can now use your cluster with: kubectl cluster-info",
            "INFO[0021] You can now use it like this:",
            "deployment.apps/web with revision #2",
            "# 在 dev 命名空间里运行一个 nginx",
            "C:\\Users\\jonas\\src\\shop (main -> origin)",
            "╭─ ~/work/shop  main ⎈ kind-dev",
            "~/src/batch on  main ☸ kind-batch",
            "Handling connection for 8080",
        ] {
            assert_eq!(prompt(line), None, "{line}");
        }
    }

    #[test]
    fn continuation_prompts() {
        assert_eq!(
            strip_continuation_prompt(">   --tcp=80:80"),
            Some("  --tcp=80:80")
        );
        assert_eq!(
            strip_continuation_prompt(">> --type=configmap"),
            Some("--type=configmap")
        );
        assert_eq!(strip_continuation_prompt("More? -- sh"), Some("-- sh"));
        assert_eq!(
            strip_continuation_prompt("quote> from the site"),
            Some("from the site")
        );
        assert_eq!(
            strip_continuation_prompt("heredoc> kind: Pod"),
            Some("kind: Pod")
        );
        assert_eq!(strip_continuation_prompt("  --image=x"), None);
    }
}
