//! Shell text, both ways: the files a script names (so they are copied with the
//! test), and command lines written back for `sh -c` with exactly the meaning the peer
//! gave them (KUTTL and Chainsaw expand `$VAR` in a command's words themselves; `$$` is
//! a dollar).

use super::jmespath::Part;
use std::path::{Path, PathBuf};

/// Words of shell text, quotes removed (good enough to find file names: no expansion).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, c) if c.is_whitespace() || "|;&<>()`".contains(c) => {
                flush(&mut cur, &mut out);
                if c == '<' || c == '>' {
                    out.push(c.to_string());
                }
            }
            (None, '#') if cur.is_empty() => {
                // a comment to the end of the line
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            (None, c) => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The files (and directories) shell text names that exist relative to `dir`: words
/// after `-f`/`--filename`, redirections, and any word that is the path of a file
/// there (`sed ... policy.yaml`, `./check.sh`, `. ../lib.sh`). Paths as written,
/// normalised (`./a` is `a`).
pub fn referenced_files(text: &str, dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for w in words(text) {
        let w = w
            .strip_prefix("--filename=")
            .or_else(|| w.strip_prefix("-f="))
            .unwrap_or(&w)
            .to_string();
        if w.is_empty() || w.starts_with('-') || w.contains('$') || w.starts_with('/') {
            continue;
        }
        let rel = normalise(Path::new(&w));
        if rel.as_os_str().is_empty() || rel == Path::new(".") {
            continue;
        }
        let p = dir.join(&rel);
        if (p.is_file() || (p.is_dir() && w.contains('/') || p.is_dir() && w.ends_with(".yaml")))
            && !out.contains(&rel)
        {
            out.push(rel);
        }
    }
    out
}

/// `./a/../b` → `b`; leading `..` kept.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if out.last().is_some_and(|l| l != "..") {
                    out.pop();
                } else {
                    out.push("..".into());
                }
            }
            std::path::Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    out.iter().collect()
}

/// `'text'` for sh.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A word for sh whose variables the shell expands: literal parts protected,
/// `${NAME}` kept.
pub fn word(parts: &[Part]) -> String {
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        let lit: String = parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.as_str(),
                Part::Var(_) => "",
            })
            .collect();
        return quote(&lit);
    }
    let mut out = String::from("\"");
    for p in parts {
        match p {
            Part::Lit(s) => {
                for c in s.chars() {
                    if matches!(c, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Part::Var(v) => out.push_str(&format!("${{{v}}}")),
        }
    }
    out.push('"');
    out
}

/// `$NAME`, `${NAME}` as variables, `$$` as a dollar, everything else literal (the
/// expansion KUTTL and Chainsaw apply to a command's text before it runs).
pub fn expand_parts(text: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut lit = String::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                lit.push('$');
                i += 2;
                continue;
            }
            let (name, len) = if b.get(i + 1) == Some(&b'{') {
                match text[i + 2..].find('}') {
                    Some(end) => (text[i + 2..i + 2 + end].to_string(), end + 3),
                    None => (String::new(), 0),
                }
            } else {
                let n: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let l = n.len() + 1;
                (n, l)
            };
            if !name.is_empty() && crate::vars::check_name(&name).is_ok() {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Var(name));
                i += len;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or_default();
        lit.push(c);
        i += c.len_utf8().max(1);
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

/// Split a command line as KUTTL does (its variables expanded first, then words as a
/// POSIX shell splits them, quotes removed), each word as parts.
pub fn split_command(text: &str) -> Vec<Vec<Part>> {
    let parts = expand_parts(text);
    let mut words: Vec<Vec<Part>> = Vec::new();
    let mut cur: Vec<Part> = Vec::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    let push_char = |cur: &mut Vec<Part>, c: char| match cur.last_mut() {
        Some(Part::Lit(s)) => s.push(c),
        _ => cur.push(Part::Lit(c.to_string())),
    };
    for p in parts {
        match p {
            Part::Var(v) => {
                cur.push(Part::Var(v));
                started = true;
            }
            Part::Lit(s) => {
                let mut chars = s.chars();
                while let Some(c) = chars.next() {
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), c) => push_char(&mut cur, c),
                        (None, '\'' | '"') => {
                            quote = Some(c);
                            started = true;
                        }
                        (None, '\\') => {
                            if let Some(n) = chars.next() {
                                push_char(&mut cur, n);
                            }
                        }
                        (None, c) if c.is_whitespace() => {
                            if started || !cur.is_empty() {
                                words.push(std::mem::take(&mut cur));
                            }
                            started = false;
                        }
                        (None, c) => {
                            push_char(&mut cur, c);
                            started = true;
                        }
                    }
                }
            }
        }
    }
    if started || !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_in_scripts_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("t");
        std::fs::create_dir_all(d.join("files")).unwrap();
        std::fs::create_dir_all(dir.path().join("_common")).unwrap();
        for f in [
            "t/files/limits.yaml",
            "t/policy.yaml",
            "t/check.sh",
            "_common/lib.sh",
        ] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let found = referenced_files(
            "kubectl apply -n \"$NAMESPACE\" -f files/limits.yaml\nsed \"s/x/y/\" policy.yaml | kubectl apply -f -\n./check.sh < policy.yaml\n. ../_common/lib.sh # not ./nothing.yaml\n",
            &d,
        );
        let found: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            found,
            vec![
                "files/limits.yaml",
                "policy.yaml",
                "check.sh",
                "../_common/lib.sh"
            ]
        );
    }

    #[test]
    fn commands_are_written_back_with_the_peers_expansion() {
        let line = |t: &str| {
            split_command(t)
                .iter()
                .map(|w| word(w))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line("kubectl annotate configmap build-info -n $NAMESPACE example.com/price=$$5"),
            "kubectl annotate configmap build-info -n \"${NAMESPACE}\" 'example.com/price=$5'"
        );
        assert_eq!(
            line("kubectl label cm x -n ${NAMESPACE} 'a b'=c"),
            "kubectl label cm x -n \"${NAMESPACE}\" 'a b=c'"
        );
        assert_eq!(line("echo \"\""), "echo ''");
    }
}
