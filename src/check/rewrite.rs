//! The block rewriter: runs of output lines of a post replaced in place, and nothing
//! else touched. Every byte outside the replaced runs stays as it was (prose, fences,
//! prompts, front matter, Liquid tags, line endings, a missing newline at the end);
//! inside a run, a line the refresh keeps is copied byte for byte, and a new line gets
//! the run's indentation (spaces or tabs, as the post wrote them), its line ending, and
//! for `<pre>` blocks its HTML entities and the tags that share its first or last line.

use crate::import::blocks::{dedent, Block, Style};

/// A line of a rewritten run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewLine {
    /// The post's own line `n` (1-based), copied byte for byte.
    Keep(usize),
    /// A new line, as a reader sees it (no indentation, entities decoded).
    Text(String),
}

/// One run of output lines (`first..=last`, 1-based lines of the post, inside `block`)
/// and what replaces it.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub block: Block,
    pub first: usize,
    pub last: usize,
    pub lines: Vec<NewLine>,
}

/// Why a rewrite was refused (a bug of the caller: the post is left as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error("lines {first}-{last} are not content lines of the code block at line {open}")]
    OutsideBlock {
        first: usize,
        last: usize,
        open: usize,
    },
    #[error("lines {first}-{last} overlap another rewritten run")]
    Overlap { first: usize, last: usize },
    #[error("line {0} is kept but is not a line of the post")]
    NoSuchLine(usize),
}

/// The post's lines, each with its own line ending (`\n`, `\r\n`, or none at the end).
fn split_lines(post: &str) -> Vec<(&str, &str)> {
    post.split_inclusive('\n')
        .map(|l| {
            if let Some(body) = l.strip_suffix("\r\n") {
                (body, "\r\n")
            } else if let Some(body) = l.strip_suffix('\n') {
                (body, "\n")
            } else {
                (l, "")
            }
        })
        .collect()
}

/// The line ending the post uses most (`\n` for a post without any).
fn usual_ending(lines: &[(&str, &str)]) -> &'static str {
    let crlf = lines.iter().filter(|(_, e)| *e == "\r\n").count();
    let lf = lines.iter().filter(|(_, e)| *e == "\n").count();
    if crlf > lf {
        "\r\n"
    } else {
        "\n"
    }
}

/// The indentation a block's content has in the post: the leading whitespace its
/// `strip` columns take from the first non-blank line of the run, else of the block.
fn indentation(block: &Block, lines: &[(&str, &str)], first: usize, last: usize) -> String {
    if block.strip == 0 {
        return String::new();
    }
    let (a, z) = block.lines.unwrap_or((first, last));
    let candidates = (first..=last).chain(a..=z);
    for n in candidates {
        let Some((raw, _)) = lines.get(n - 1) else {
            continue;
        };
        if raw.trim().is_empty() {
            continue;
        }
        let rest = dedent(raw, block.strip);
        return raw[..raw.len() - rest.len()].to_string();
    }
    " ".repeat(block.strip)
}

/// `<`, `>` and `&` as a `<pre>` block writes them.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The tags before the text on a `<pre>` block's opening line (`<pre class=".."><code>`).
fn pre_open_tags(raw: &str) -> &str {
    let re = regex::Regex::new(r"^\s*<pre[^>]*>(\s*<code[^>]*>)?").expect("pre regex");
    re.find(raw).map_or("", |m| m.as_str())
}

/// The tags after the text on a `<pre>` block's closing line (`</code></pre>`).
fn pre_close_tags(raw: &str) -> &str {
    let re = regex::Regex::new(r"(</code>\s*)?</pre>\s*$").expect("pre close regex");
    re.find(raw).map_or("", |m| m.as_str())
}

/// The post with every run replaced. Runs must lie inside their block's content and
/// must not overlap; a post without runs comes back unchanged.
pub fn rewrite(post: &str, runs: &[Replacement]) -> Result<String, RewriteError> {
    let lines = split_lines(post);
    let mut runs: Vec<&Replacement> = runs.iter().collect();
    runs.sort_by_key(|r| r.first);
    for w in runs.windows(2) {
        if w[1].first <= w[0].last {
            return Err(RewriteError::Overlap {
                first: w[1].first,
                last: w[1].last,
            });
        }
    }
    for r in &runs {
        let inside = r
            .block
            .lines
            .is_some_and(|(a, z)| a <= r.first && r.first <= r.last && r.last <= z);
        if !inside || r.last > lines.len() {
            return Err(RewriteError::OutsideBlock {
                first: r.first,
                last: r.last,
                open: r.block.open,
            });
        }
        for l in &r.lines {
            if let NewLine::Keep(n) = l {
                if *n == 0 || *n > lines.len() {
                    return Err(RewriteError::NoSuchLine(*n));
                }
            }
        }
    }
    let usual = usual_ending(&lines);
    let mut out = String::with_capacity(post.len());
    let mut next = 1;
    for r in runs {
        for (raw, end) in &lines[next - 1..r.first - 1] {
            out.push_str(raw);
            out.push_str(end);
        }
        let indent = indentation(&r.block, &lines, r.first, r.last);
        let pre = r.block.style == Style::Pre;
        // the tags that share the run's first or last line in a `<pre>` block
        let open_tags = if pre && r.first == r.block.open {
            pre_open_tags(lines[r.first - 1].0)
        } else {
            ""
        };
        let close_tags = if pre && Some(r.last) == r.block.close {
            pre_close_tags(lines[r.last - 1].0)
        } else {
            ""
        };
        let run_ending = lines[r.last - 1].1;
        let inner_ending = if run_ending.is_empty() {
            usual
        } else {
            run_ending
        };
        let count = r.lines.len();
        for (k, l) in r.lines.iter().enumerate() {
            let last = k + 1 == count;
            let mut body = match l {
                NewLine::Keep(n) => {
                    let raw = lines[n - 1].0;
                    // a kept line that carried the block's tags loses them where it moves
                    let mut s = raw.to_string();
                    if pre && *n == r.block.open && (k != 0 || open_tags.is_empty()) {
                        s = s[pre_open_tags(raw).len()..].to_string();
                    }
                    if pre && Some(*n) == r.block.close && (!last || close_tags.is_empty()) {
                        let t = pre_close_tags(&s).len();
                        s.truncate(s.len() - t);
                    }
                    if k == 0 && !open_tags.is_empty() && *n != r.block.open {
                        s = format!("{open_tags}{s}");
                    }
                    if last && !close_tags.is_empty() && Some(*n) != r.block.close {
                        s.push_str(close_tags);
                    }
                    s
                }
                NewLine::Text(t) => {
                    let text = if pre { escape_html(t) } else { t.clone() };
                    let mut s = if text.trim().is_empty() && open_tags.is_empty() {
                        String::new()
                    } else {
                        format!("{indent}{text}")
                    };
                    if k == 0 && !open_tags.is_empty() {
                        s = format!("{open_tags}{s}");
                    }
                    if last {
                        s.push_str(close_tags);
                    }
                    s
                }
            };
            if count == 0 {
                body.clear();
            }
            out.push_str(&body);
            out.push_str(if last { run_ending } else { inner_ending });
        }
        if count == 0 && (!open_tags.is_empty() || !close_tags.is_empty()) {
            // an emptied run keeps the block's tags on a line of their own
            out.push_str(open_tags);
            out.push_str(close_tags);
            out.push_str(run_ending);
        }
        next = r.last + 1;
    }
    for (raw, end) in lines.iter().skip(next - 1) {
        out.push_str(raw);
        out.push_str(end);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::blocks::find_blocks;

    fn block_at(post: &str, line: usize) -> Block {
        find_blocks(post)
            .into_iter()
            .find(|b| b.lines.is_some_and(|(a, z)| a <= line && line <= z))
            .expect("a block holds the line")
    }

    fn run(post: &str, first: usize, last: usize, lines: Vec<NewLine>) -> Replacement {
        Replacement {
            block: block_at(post, first),
            first,
            last,
            lines,
        }
    }

    fn text(s: &str) -> NewLine {
        NewLine::Text(s.into())
    }

    #[test]
    fn no_runs_is_the_same_bytes() {
        for post in [
            "",
            "no newline at the end",
            "a\r\nb\r\n",
            "```\n$ x\nout\n```",
        ] {
            assert_eq!(rewrite(post, &[]).unwrap(), post);
        }
    }

    #[test]
    fn a_run_is_replaced_and_everything_else_kept() {
        let post =
            "# T\n\n```console\n$ kubectl get pods\nNAME   READY\nweb    0/1\n```\n\nprose\n";
        let r = run(post, 5, 6, vec![NewLine::Keep(5), text("web    1/1")]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "# T\n\n```console\n$ kubectl get pods\nNAME   READY\nweb    1/1\n```\n\nprose\n"
        );
    }

    #[test]
    fn crlf_posts_keep_crlf_and_a_missing_final_newline() {
        let post = "Intro\r\n\r\n```\r\n$ kubectl get pods\r\nold\r\n```\r\nend";
        let r = run(post, 5, 5, vec![text("new"), text("second")]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "Intro\r\n\r\n```\r\n$ kubectl get pods\r\nnew\r\nsecond\r\n```\r\nend"
        );
        // an indented block that runs to the end of a file without a final newline
        let post = "Text\n\n    $ kubectl get ns\n    old";
        let r = run(post, 4, 4, vec![text("a"), text("b")]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "Text\n\n    $ kubectl get ns\n    a\n    b"
        );
    }

    #[test]
    fn tabs_and_nested_list_indentation_are_the_posts_own() {
        // a tab-indented block, and a fence inside a nested list item
        let post = "Para\n\n\t$ kubectl get pods\n\told line\n\n1. Step\n   - sub\n\n     ```\n     $ kubectl get svc\n     old svc\n     ```\n";
        let a = run(post, 4, 4, vec![text("new line")]);
        let b = run(post, 11, 11, vec![text("new svc"), text(""), text("more")]);
        assert_eq!(
            rewrite(post, &[b, a]).unwrap(),
            "Para\n\n\t$ kubectl get pods\n\tnew line\n\n1. Step\n   - sub\n\n     ```\n     $ kubectl get svc\n     new svc\n\n     more\n     ```\n"
        );
    }

    #[test]
    fn liquid_and_pre_blocks() {
        let post = "{% highlight console %}\n$ kubectl get pods\nold\n{% endhighlight %}\n{% raw %}x{% endraw %}\n";
        let r = run(post, 3, 3, vec![text("<new>")]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "{% highlight console %}\n$ kubectl get pods\n<new>\n{% endhighlight %}\n{% raw %}x{% endraw %}\n"
        );
        // WordPress: entities, and the closing tags on the last output line
        let post = "<pre class=\"wp-block-code\"><code>$ kubectl get svc\nNAME &amp; TYPE\nold &lt;none&gt;</code></pre>\n";
        let r = run(post, 2, 3, vec![NewLine::Keep(2), text("new <none>")]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "<pre class=\"wp-block-code\"><code>$ kubectl get svc\nNAME &amp; TYPE\nnew &lt;none&gt;</code></pre>\n"
        );
    }

    #[test]
    fn runs_outside_blocks_or_overlapping_are_refused() {
        let post = "text\n```\n$ x\nout\nout2\n```\n";
        let b = block_at(post, 3);
        let outside = Replacement {
            block: b.clone(),
            first: 1,
            last: 1,
            lines: vec![],
        };
        assert!(matches!(
            rewrite(post, &[outside]),
            Err(RewriteError::OutsideBlock { .. })
        ));
        let a = run(post, 4, 5, vec![]);
        let c = run(post, 5, 5, vec![]);
        assert!(matches!(
            rewrite(post, &[a, c]),
            Err(RewriteError::Overlap { .. })
        ));
    }

    #[test]
    fn an_emptied_run_removes_its_lines() {
        let post = "```\n$ kubectl delete pod x\npod \"x\" deleted\n```\n";
        let r = run(post, 3, 3, vec![]);
        assert_eq!(
            rewrite(post, &[r]).unwrap(),
            "```\n$ kubectl delete pod x\n```\n"
        );
    }
}
