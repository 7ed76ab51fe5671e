//! Finding shell sessions in a markdown post: fenced blocks (any info string), Liquid
//! `{% highlight %}` blocks, indented blocks; prompts of real posts; continuation lines;
//! the output each command printed; inline manifests and `{% gist %}` references.

use regex::Regex;
use std::sync::OnceLock;

/// One command the post ran, with what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// 1-based line of the post where the command starts.
    pub line: usize,
    pub text: String,
    pub output: String,
    /// The prompt said the command ran on a node (`user@minikube:~$`), not the workstation.
    pub on_node: bool,
    /// Lines joined because the blog engine wrapped the command mid-way.
    pub rejoined: Vec<usize>,
}

/// Something found in a post, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Command(Command),
    /// A YAML block with `apiVersion` and `kind`.
    Manifest {
        line: usize,
        text: String,
    },
    /// `{% gist page.gist "file" %}`: a file the post links but does not show.
    Gist {
        line: usize,
        file: String,
    },
}

fn prompt_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(?:",
            r"➜\s+\S+(?:\s+✗)?\s+", // oh-my-zsh: `➜ ~  `, `➜ dir ✗  `
            r"|(?P<node>[\w.-]+@[\w.-]+):[^$#\s]*[$#]\s", // user@host:dir$
            r"|PS [^>]*>\s?",       // PowerShell
            r"|\$\s",               // `$ `
            r")(?P<cmd>.*)$"
        ))
        .expect("prompt regex")
    })
}

fn quotes_balanced(s: &str) -> bool {
    let (mut single, mut double) = (false, false);
    for c in s.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    !single && !double
}

/// Parse a post into items.
pub fn extract(post: &str) -> Vec<Item> {
    let lines: Vec<&str> = post.lines().collect();
    let gist = Regex::new(r#"\{%\s*gist\s+[^"]*"([^"]+)"\s*%\}"#).expect("gist regex");
    let mut items = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        if let Some(c) = gist.captures(l) {
            items.push(Item::Gist {
                line: i + 1,
                file: c[1].to_string(),
            });
            i += 1;
            continue;
        }
        let (is_open, closer, info) = if let Some(rest) = l.strip_prefix("```") {
            (true, "```", rest.trim().to_string())
        } else if let Some(rest) = l.strip_prefix("~~~") {
            (true, "~~~", rest.trim().to_string())
        } else if l.starts_with("{% highlight") {
            let info = l
                .trim_start_matches("{% highlight")
                .trim_end_matches("%}")
                .trim()
                .to_string();
            (true, "{% endhighlight", info)
        } else {
            (false, "", String::new())
        };
        if !is_open {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with(closer) {
            end += 1;
        }
        block(&lines[start..end], start + 1, &info, &mut items);
        i = end + 1;
    }
    items
}

/// One code block (`first` is the 1-based line of its first content line).
fn block(body: &[&str], first: usize, info: &str, items: &mut Vec<Item>) {
    let text = body.join("\n");
    let has_prompt = body.iter().any(|l| prompt_re().is_match(l));
    let is_yaml = info.contains("yaml") || info.contains("yml");
    if !has_prompt && (is_yaml || text.contains("apiVersion:")) && text.contains("kind:") {
        items.push(Item::Manifest {
            line: first,
            text: text + "\n",
        });
        return;
    }
    if !has_prompt {
        // a block of bare commands (`{% highlight bash %} kubectl ... {% endhighlight %}`)
        let shell = info.is_empty()
            || ["bash", "sh", "shell", "console", "powershell", "zsh"]
                .iter()
                .any(|s| info.contains(s));
        if shell {
            let mut idx = 0;
            while idx < body.len() {
                let (cmd, used, rejoined) = read_command(body, idx, body[idx].trim(), first);
                if !cmd.is_empty() && !cmd.starts_with('#') {
                    items.push(Item::Command(Command {
                        line: first + idx,
                        text: cmd,
                        output: String::new(),
                        on_node: false,
                        rejoined,
                    }));
                }
                idx += used;
            }
        }
        return;
    }
    let mut idx = 0;
    let mut current: Option<Command> = None;
    while idx < body.len() {
        let line = body[idx];
        if let Some(c) = prompt_re().captures(line) {
            if let Some(cmd) = current.take() {
                items.push(Item::Command(finish(cmd)));
            }
            let on_node = c
                .name("node")
                .is_some_and(|n| !n.as_str().starts_with("root@localhost"));
            let start = c.name("cmd").map_or("", |m| m.as_str()).trim();
            let (cmd, used, rejoined) = read_command(body, idx, start, first);
            current = Some(Command {
                line: first + idx,
                text: cmd,
                output: String::new(),
                on_node,
                rejoined,
            });
            idx += used;
            continue;
        }
        if let Some(cmd) = current.as_mut() {
            cmd.output.push_str(line);
            cmd.output.push('\n');
        }
        idx += 1;
    }
    if let Some(cmd) = current.take() {
        items.push(Item::Command(finish(cmd)));
    }
}

/// A command starting at `body[idx]` (its text after the prompt is `start`), with
/// `\`/backtick continuations and blog-wrapped lines (unbalanced quotes) joined.
/// Returns the command, how many lines it used, and the lines that were rejoined.
fn read_command(
    body: &[&str],
    idx: usize,
    start: &str,
    first: usize,
) -> (String, usize, Vec<usize>) {
    let mut cmd = start.to_string();
    let mut used = 1;
    let mut rejoined = Vec::new();
    loop {
        let next = body.get(idx + used);
        if let Some(stripped) = cmd.strip_suffix('\\').or_else(|| cmd.strip_suffix('`')) {
            cmd = format!("{} ", stripped.trim_end());
            match next {
                Some(n) => cmd.push_str(n.trim()),
                None => break,
            }
            used += 1;
        } else if !quotes_balanced(&cmd) {
            // a wrapped line: the blog engine broke it without a continuation character
            match next {
                Some(n) => {
                    cmd.push_str(n.trim_end());
                    rejoined.push(first + idx + used);
                    used += 1;
                }
                None => break,
            }
        } else {
            break;
        }
    }
    (cmd.trim().to_string(), used, rejoined)
}

fn finish(mut c: Command) -> Command {
    // trailing blank lines are the post's spacing, not output
    while c.output.ends_with("\n\n") {
        c.output.pop();
    }
    if c.output.trim().is_empty() {
        c.output.clear();
    }
    // a copy prints nothing: one lone word after it is the blog wrapping a long path
    let silent = ["minikube cp ", "cp ", "sudo cp "]
        .iter()
        .any(|p| c.text.starts_with(p));
    let lone = c.output.trim_end_matches('\n');
    if silent && !lone.is_empty() && !lone.contains(char::is_whitespace) {
        c.text.push_str(lone);
        c.rejoined.push(c.line + 1);
        c.output.clear();
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(post: &str) -> Vec<Command> {
        extract(post)
            .into_iter()
            .filter_map(|i| match i {
                Item::Command(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn prompts_commands_and_outputs() {
        let post = "```powershell\n➜ ~  kubectl run nginx --image nginx:mainline --port 80\npod/nginx created\n\n➜ ~  kubectl get pods\nNAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          33s\n```\n";
        let c = commands(post);
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].text,
            "kubectl run nginx --image nginx:mainline --port 80"
        );
        assert_eq!(c[0].output, "pod/nginx created\n");
        assert_eq!(c[0].line, 2);
        assert!(c[1].output.starts_with("NAME"));
    }

    #[test]
    fn many_prompt_styles() {
        let post = "```\n➜ kubernetes ✗  kubectl logs x -c nginx2\nlog\n$ echo hi\nhi\nPS C:\\> kubectl get pods\ndocker@minikube:~$ sudo mkdir -p /data\n```\n";
        let c = commands(post);
        assert_eq!(
            c.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
            vec![
                "kubectl logs x -c nginx2",
                "echo hi",
                "kubectl get pods",
                "sudo mkdir -p /data"
            ]
        );
        assert!(c[3].on_node && !c[0].on_node);
    }

    #[test]
    fn continuations_and_wrapped_lines() {
        let post = "```\n$ kubectl run a \\\n  --image b\n➜ x  kubectl patch pods w --type='json' -p '[{\"op\": \"replace\", \"path\": \"/\nspec/containers/1/image\", \"value\": \"bitnami/nginx\"}]'\npod/w patched\n```\n";
        let c = commands(post);
        assert_eq!(c[0].text, "kubectl run a --image b");
        assert_eq!(c[1].text, "kubectl patch pods w --type='json' -p '[{\"op\": \"replace\", \"path\": \"/spec/containers/1/image\", \"value\": \"bitnami/nginx\"}]'");
        assert_eq!(c[1].rejoined, vec![5]);
        assert_eq!(c[1].output, "pod/w patched\n");
    }

    #[test]
    fn a_wrapped_copy_path_is_rejoined() {
        let c = commands("```\n➜ k  minikube cp .\\x\\index.html minikube:/data/nginx/html/index\n.html\n\n➜ k  minikube ssh\n```\n");
        assert_eq!(
            c[0].text,
            "minikube cp .\\x\\index.html minikube:/data/nginx/html/index.html"
        );
        assert_eq!(c[0].rejoined, vec![3]);
        assert!(c[0].output.is_empty());
    }

    #[test]
    fn manifests_gists_and_bare_command_blocks() {
        let post = "{% highlight yaml %}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hello\n{% endhighlight %}\n\n{% gist page.gist \"03b-index.html\" %}\n\n{% highlight bash %}\nkubectl patch pods w --type='json' -p '[]'\n{% endhighlight %}\n";
        let items = extract(post);
        assert!(
            matches!(&items[0], Item::Manifest { line: 2, text } if text.contains("kind: Job"))
        );
        assert_eq!(
            items[1],
            Item::Gist {
                line: 8,
                file: "03b-index.html".into()
            }
        );
        assert!(
            matches!(&items[2], Item::Command(c) if c.text.starts_with("kubectl patch") && c.line == 11)
        );
    }
}
