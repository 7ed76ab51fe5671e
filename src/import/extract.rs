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
    /// The body of a here-document (`cat <<EOF > pod.yaml`, `kubectl apply -f - <<EOF`).
    pub heredoc: Option<String>,
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
            i += indented_block(&lines, i, &mut items).unwrap_or(1);
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

fn indented(line: &str) -> bool {
    (line.starts_with("    ") || line.starts_with('\t')) && !line.trim().is_empty()
}

/// A markdown indented code block starting at `lines[i]`: it follows a blank line
/// (it cannot interrupt a paragraph) and is not a list item's continuation. Taken
/// only when it shows a shell session (a prompt) or a manifest, since prose under
/// a list is indented too. Returns how many lines it spans.
fn indented_block(lines: &[&str], i: usize, items: &mut Vec<Item>) -> Option<usize> {
    if !indented(lines[i]) || (i > 0 && !lines[i - 1].trim().is_empty()) {
        return None;
    }
    let before = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
    let list = Regex::new(r"^\s*(?:[-*+]|\d+[.)])\s").expect("list regex");
    if before.is_some_and(|l| list.is_match(l) || indented(l)) {
        return None;
    }
    let mut end = i;
    while end < lines.len() && (indented(lines[end]) || lines[end].trim().is_empty()) {
        end += 1;
    }
    while end > i && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let body: Vec<&str> = lines[i..end]
        .iter()
        .map(|l| {
            l.strip_prefix("    ")
                .or_else(|| l.strip_prefix('\t'))
                .unwrap_or(l.trim_start())
        })
        .collect();
    let text = body.join("\n");
    let has_prompt = body.iter().any(|l| prompt_re().is_match(l));
    let manifest = text.contains("apiVersion:") && text.contains("kind:");
    if has_prompt || manifest {
        block(&body, i + 1, "indented", items);
    }
    Some(end - i)
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
                let (cmd, used, rejoined, heredoc) =
                    read_command(body, idx, body[idx].trim(), first);
                if !cmd.is_empty() && !cmd.starts_with('#') {
                    items.push(Item::Command(Command {
                        line: first + idx,
                        text: cmd,
                        output: String::new(),
                        on_node: false,
                        rejoined,
                        heredoc,
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
            let (cmd, used, rejoined, heredoc) = read_command(body, idx, start, first);
            current = Some(Command {
                line: first + idx,
                text: cmd,
                output: String::new(),
                on_node,
                rejoined,
                heredoc,
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

fn heredoc_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"<<(-?)\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?"#).expect("heredoc regex")
    })
}

/// The end marker of the here-document a command opens, if any.
pub fn heredoc_delimiter(cmd: &str) -> Option<String> {
    heredoc_re().captures(cmd).map(|c| c[2].to_string())
}

/// A command starting at `body[idx]` (its text after the prompt is `start`), with
/// `\`/backtick continuations and blog-wrapped lines (unbalanced quotes) joined, and
/// the body of a here-document it opens. Returns the command, how many lines it used,
/// the lines that were rejoined, and the here-document.
fn read_command(
    body: &[&str],
    idx: usize,
    start: &str,
    first: usize,
) -> (String, usize, Vec<usize>, Option<String>) {
    let (cmd, used, rejoined) = read_command_line(body, idx, start, first);
    let Some(c) = heredoc_re().captures(&cmd) else {
        return (cmd, used, rejoined, None);
    };
    let tabs = !c[1].is_empty();
    let delim = c[2].to_string();
    let mut text = String::new();
    let mut n = used;
    while let Some(line) = body.get(idx + n) {
        n += 1;
        let l = if tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        // prompts of posts sometimes show `> ` before each line of a here-document
        let l = l.strip_prefix("> ").unwrap_or(l);
        if l.trim_end() == delim {
            return (cmd, n, rejoined, Some(text));
        }
        text.push_str(l);
        text.push('\n');
    }
    // no end marker: the block ended first, keep what there is
    (cmd, n, rejoined, Some(text))
}

fn read_command_line(
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

    #[test]
    fn here_documents_are_part_of_their_command() {
        let post = "```console\n$ cat <<EOF > pod.yaml\n> apiVersion: v1\n> kind: Pod\n> EOF\n$ kubectl apply -f - <<-END\n\tkind: X\n\tEND\nconfigmap/x created\n```\n";
        let c = commands(post);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].heredoc.as_deref(), Some("apiVersion: v1\nkind: Pod\n"));
        assert!(c[0].output.is_empty());
        assert_eq!(c[1].heredoc.as_deref(), Some("kind: X\n"));
        assert_eq!(c[1].output, "configmap/x created\n");
    }

    #[test]
    fn indented_blocks_with_sessions_or_manifests_count() {
        let post = "Run this:\n\n    $ kubectl get pods\n    No resources found\n\nThe manifest:\n\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: a\n\n- a list item\n\n    continued prose, not code\n\nplain text\n    not a block (no blank line before)\n";
        let items = extract(post);
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(
            matches!(&items[0], Item::Command(c) if c.text == "kubectl get pods" && c.line == 3 && c.output == "No resources found\n")
        );
        assert!(
            matches!(&items[1], Item::Manifest { line: 8, text } if text.starts_with("apiVersion: v1\nkind: Pod\n"))
        );
    }
}
