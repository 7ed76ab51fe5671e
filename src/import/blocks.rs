//! Code blocks in a markdown post, as a Markdown reader finds them, with the
//! extensions real tutorials need (the corpus README, `tests/fixtures/tutorials/`,
//! documents each): fences of backticks or tildes at any indentation (list items,
//! mkdocs tabs and admonitions) and closed by Killercoda's ```` ```{{exec}} ````,
//! Liquid `{% highlight %}`, HTML `<pre>` with its entities, and indented blocks
//! (four columns deeper than the list item they sit in). Front matter is not a block;
//! neither is inline code, also when written ```` ```kubectl get pods``` ````.

use regex::Regex;
use std::sync::OnceLock;

/// How a block is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Backticks,
    Tildes,
    Indented,
    Highlight,
    Pre,
}

/// One code block of a post. Line numbers are 1-based lines of the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The opening line: the fence, `{% highlight %}`, `<pre>`; an indented block's first line.
    pub open: usize,
    /// The closing line; None for indented blocks and blocks left open.
    pub close: Option<usize>,
    pub style: Style,
    /// The info string (fences), the Liquid language and options, the `<pre>` class.
    pub info: String,
    /// The first and last content line; None for an empty block.
    pub lines: Option<(usize, usize)>,
    /// Columns of indentation the content has in the post (fenced and indented blocks).
    pub strip: usize,
}

impl Block {
    /// The text of content line `n` (the post's line `line`) as the reader sees it:
    /// indentation of the block removed, `<pre>` tags dropped and entities decoded.
    pub fn text_of(&self, line: &str, n: usize) -> String {
        match self.style {
            Style::Pre => {
                let s = if n == self.open || Some(n) == self.close {
                    pre_strip(line)
                } else {
                    line.to_string()
                };
                unescape_html(&s)
            }
            _ => dedent(line, self.strip).to_string(),
        }
    }

    /// The content lines: (post line, text as the reader sees it).
    pub fn content(&self, post_lines: &[&str]) -> Vec<(usize, String)> {
        let Some((a, z)) = self.lines else {
            return Vec::new();
        };
        (a..=z)
            .filter_map(|n| Some((n, self.text_of(post_lines.get(n - 1)?, n))))
            .collect()
    }

    /// The language of the info string: `yaml` for `yaml title="x.yaml"`,
    /// `console` for Qiita's `console:ターミナル`, lower-cased.
    pub fn language(&self) -> String {
        let first = self.info.split_whitespace().next().unwrap_or("");
        let first = first.split(':').next().unwrap_or("");
        let first = first.trim_start_matches('{').trim_start_matches('.');
        first.to_ascii_lowercase()
    }

    /// A file name the info string gives (Qiita's `yaml:file.yaml`, mkdocs'
    /// `title="file.yaml"`).
    pub fn file_name(&self) -> Option<String> {
        static TITLE: OnceLock<Regex> = OnceLock::new();
        let title = TITLE.get_or_init(|| Regex::new(r#"title="([^"]+)""#).expect("title regex"));
        if let Some(c) = title.captures(&self.info) {
            return (!c[1].chars().any(char::is_control)).then(|| c[1].to_string());
        }
        let first = self.info.split_whitespace().next()?;
        let (_, name) = first.split_once(':')?;
        (name.contains('.') && !name.chars().any(char::is_control)).then(|| name.to_string())
    }
}

/// Columns of leading whitespace (a tab counts to the next multiple of 4).
pub fn indent_of(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col += 4 - col % 4,
            _ => break,
        }
    }
    col
}

/// `line` without its first `cols` columns of indentation.
pub fn dedent(line: &str, cols: usize) -> &str {
    let mut col = 0;
    for (i, c) in line.char_indices() {
        if col >= cols {
            return &line[i..];
        }
        match c {
            ' ' => col += 1,
            '\t' => col += 4 - col % 4,
            _ => return &line[i..],
        }
    }
    ""
}

fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn list_item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^( *)([-*+]|\d{1,9}[.)])( +|$)").expect("list item regex"))
}

/// The content column of a list item line, if it is one.
fn list_content(line: &str) -> Option<usize> {
    let c = list_item_re().captures(line)?;
    let marker_end = c[1].len() + c[2].len();
    let spaces = c[3].len();
    Some(if spaces == 0 || spaces > 4 {
        marker_end + 1
    } else {
        marker_end + spaces
    })
}

/// The column a line's content starts at in the list item it belongs to (0 outside lists).
fn container_column(lines: &[&str], i: usize) -> usize {
    let ind = indent_of(lines[i]);
    let mut min_seen = usize::MAX;
    for j in (0..i).rev() {
        if blank(lines[j]) {
            continue;
        }
        let k = indent_of(lines[j]);
        if let Some(c) = list_content(lines[j]) {
            if ind >= c && min_seen >= c {
                return c;
            }
        } else if k == 0 {
            return 0;
        }
        min_seen = min_seen.min(k);
    }
    0
}

/// A fence opener: its character, length, indentation and info string.
fn fence_open(line: &str) -> Option<(char, usize, usize, String)> {
    let ind = indent_of(line);
    let t = line.trim_start();
    let ch = t.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let n = t.chars().take_while(|&c| c == ch).count();
    if n < 3 {
        return None;
    }
    let info = t[n..].trim();
    if ch == '`' && info.contains('`') {
        // ```kubectl get pods``` on one line is inline code, not a block
        return None;
    }
    Some((ch, n, ind, info.to_string()))
}

fn fence_closes(line: &str, ch: char, n: usize) -> bool {
    let t = line.trim();
    let m = t.chars().take_while(|&c| c == ch).count();
    if m < n {
        return false;
    }
    let rest = t[m..].trim();
    // Katacoda/Killercoda write ```{{exec}} to close a block and make it clickable
    rest.is_empty() || (rest.starts_with("{{") && rest.ends_with("}}"))
}

fn pre_class(line: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r#"class="([^"]*)""#).expect("class regex"));
    re.captures(line)
        .map(|c| c[1].to_string())
        .unwrap_or_default()
}

/// The text of a `<pre>` line without the tags that open or close the block.
fn pre_strip(line: &str) -> String {
    static OPEN: OnceLock<Regex> = OnceLock::new();
    static CLOSE: OnceLock<Regex> = OnceLock::new();
    let open =
        OPEN.get_or_init(|| Regex::new(r"^\s*<pre[^>]*>(\s*<code[^>]*>)?").expect("pre regex"));
    let close =
        CLOSE.get_or_init(|| Regex::new(r"(</code>\s*)?</pre>\s*$").expect("pre close regex"));
    let s = open.replace(line, "");
    close.replace(&s, "").into_owned()
}

/// HTML entities WordPress and other editors write in `<pre>` blocks.
pub fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#039;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The lines of the front matter (`---` or `+++` at the top), if any: (first, last).
pub fn front_matter(lines: &[&str]) -> Option<(usize, usize)> {
    let f = lines.first()?.trim_end();
    if f != "---" && f != "+++" {
        return None;
    }
    let end = lines.iter().skip(1).position(|l| l.trim_end() == f)?;
    Some((1, end + 2))
}

/// Every code block of a post, in order.
pub fn find_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = front_matter(&lines).map_or(0, |(_, z)| z);
    let body_start = i;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if let Some((ch, n, ind, info)) = fence_open(line) {
            let close = (i + 1..lines.len()).find(|&j| fence_closes(lines[j], ch, n));
            let end = close.unwrap_or(lines.len());
            blocks.push(Block {
                open: i + 1,
                close: close.map(|c| c + 1),
                style: if ch == '`' {
                    Style::Backticks
                } else {
                    Style::Tildes
                },
                info,
                lines: (end > i + 1).then_some((i + 2, end)),
                strip: ind,
            });
            i = end + 1;
            continue;
        }
        if t.starts_with("{% highlight") {
            let info = t
                .trim_start_matches("{% highlight")
                .trim_end()
                .trim_end_matches("%}")
                .trim()
                .to_string();
            let close =
                (i + 1..lines.len()).find(|&j| lines[j].trim().starts_with("{% endhighlight"));
            let end = close.unwrap_or(lines.len());
            blocks.push(Block {
                open: i + 1,
                close: close.map(|c| c + 1),
                style: Style::Highlight,
                info,
                lines: (end > i + 1).then_some((i + 2, end)),
                strip: 0,
            });
            i = end + 1;
            continue;
        }
        if t.starts_with("<pre") {
            let close = (i..lines.len()).find(|&j| lines[j].contains("</pre>"));
            let end = close.unwrap_or(lines.len() - 1);
            let mut first = i;
            if blank(&pre_strip(lines[i])) {
                first += 1;
            }
            let mut last = end;
            if close.is_some() && end > i && blank(&pre_strip(lines[end])) {
                last -= 1;
            }
            blocks.push(Block {
                open: i + 1,
                close: close.map(|c| c + 1),
                style: Style::Pre,
                info: pre_class(line),
                lines: (first <= last && !(first == last && blank(&pre_strip(lines[first]))))
                    .then_some((first + 1, last + 1)),
                strip: 0,
            });
            i = end + 1;
            continue;
        }
        // an indented code block: after a blank line (it cannot interrupt a paragraph),
        // four columns deeper than the list item it sits in (if any)
        if !blank(line) && (i == body_start || blank(lines[i - 1])) {
            let base = container_column(&lines, i);
            if indent_of(line) >= base + 4 {
                let mut end = i;
                while end < lines.len() && (blank(lines[end]) || indent_of(lines[end]) >= base + 4)
                {
                    end += 1;
                }
                while end > i && blank(lines[end - 1]) {
                    end -= 1;
                }
                blocks.push(Block {
                    open: i + 1,
                    close: None,
                    style: Style::Indented,
                    info: String::new(),
                    lines: Some((i + 1, end)),
                    strip: base + 4,
                });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_finder_reads_the_conventions_the_corpus_readme_describes() {
        let post = "\
---
title: x
---
Text.

    $ kubectl get pods
    NAME   READY

1. A step:

   ```bash
   kubectl apply -f web.yaml
   ```

2. Another, with an indented block in the list item:

       kubectl get svc

- a list item

    not code: a paragraph of the item

```kubectl get pods``` is inline code.

~~~~
$ kubectl version
~~~~

{% highlight console %}
$ kubectl get nodes
{% endhighlight %}

<pre><code>$ kubectl get ns
NAME      STATUS
</code></pre>

```plain
kubectl get nodes
```{{exec}}
";
        type Found = (usize, Style, Option<(usize, usize)>);
        let blocks: Vec<Found> = find_blocks(post)
            .into_iter()
            .map(|b| (b.open, b.style, b.lines))
            .collect();
        assert_eq!(
            blocks,
            vec![
                (6, Style::Indented, Some((6, 7))),
                (11, Style::Backticks, Some((12, 12))),
                (17, Style::Indented, Some((17, 17))),
                (25, Style::Tildes, Some((26, 26))),
                (29, Style::Highlight, Some((30, 30))),
                (33, Style::Pre, Some((33, 34))),
                (37, Style::Backticks, Some((38, 38))),
            ]
        );
        let lines: Vec<&str> = post.lines().collect();
        let pre = &find_blocks(post)[5];
        assert_eq!(
            pre.content(&lines),
            vec![
                (33, "$ kubectl get ns".to_string()),
                (34, "NAME      STATUS".to_string())
            ]
        );
        let listed = &find_blocks(post)[1];
        assert_eq!(
            listed.content(&lines),
            vec![(12, "kubectl apply -f web.yaml".to_string())]
        );
    }

    #[test]
    fn info_strings_name_languages_and_files() {
        let b = |info: &str| Block {
            open: 1,
            close: None,
            style: Style::Backticks,
            info: info.into(),
            lines: None,
            strip: 0,
        };
        assert_eq!(b("console:ターミナル").language(), "console");
        assert_eq!(b("console:ターミナル").file_name(), None);
        assert_eq!(
            b("yaml:configmap-pod.yaml").file_name().as_deref(),
            Some("configmap-pod.yaml")
        );
        assert_eq!(
            b(r#"yaml title="hello-nginx.yaml""#).file_name().as_deref(),
            Some("hello-nginx.yaml")
        );
        assert_eq!(b("bash linenos").language(), "bash");
        assert_eq!(b("").language(), "");
    }

    #[test]
    fn odd_input_is_no_panic() {
        for post in [
            "",
            "```",
            "<pre>",
            "{% highlight x %}",
            "    x",
            "---",
            "\n\n    \t",
        ] {
            let _ = find_blocks(post);
        }
    }
}
