//! The tutorial corpus of issue 15 and its answer keys (`tests/fixtures/tutorials/`).
//!
//! Every `NAME.key.yaml` labels every line of every code block of its post. This test
//! finds the code blocks of each post (fenced with backticks or tildes, indented,
//! Liquid `{% highlight %}`, HTML `<pre>`: the importer's own block finder, whose unit
//! test pins the conventions the README describes), checks that the key names exactly
//! those blocks, that every code line has exactly one label, that the labels are
//! consistent (an output is the output of a command, a TODO says why, ...), and prints
//! the corpus table. It never runs the rest of the importer: it is the yardstick the
//! importer is measured against (`import_corpus.rs`). The key format is documented in
//! the corpus README.
//!
//! `CORPUS_SKELETON=NAME cargo test --test tutorial_corpus -- --nocapture` prints the
//! code blocks this test finds in `NAME.md`, line by line: a help to write a new key.

mod corpus;

use corpus::*;
use kdrill::import::blocks::{find_blocks, Block};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Images the project's test cluster serves (testbed/README.md).
const TESTBED_IMAGES: &[&str] = &[
    "nginx",
    "nginx:latest",
    "nginx:mainline",
    "nginx:stable",
    "bitnami/nginx",
    "bitnami/nginx:latest",
    "busybox",
    "busybox:1.28",
    "busybox:latest",
    "registry.k8s.io/pause:3.10",
];

// ---------------------------------------------------------------------------------
// Checking a key against its post

#[derive(Default)]
struct Stats {
    blocks: usize,
    code_lines: usize,
    commands: usize,
    kubectl: usize,
    native: usize,
    host: usize,
    todo: usize,
    none: usize,
    outputs: usize,
    verbs: BTreeSet<String>,
    /// verb -> (commands, native)
    per_verb: BTreeMap<String, (usize, usize)>,
    /// todo reason -> count
    todos: BTreeMap<TodoReason, usize>,
}

fn show_block(b: &Block) -> String {
    format!(
        "open: {}, close: {:?}, style: {:?}, info: {:?}, lines: {}",
        b.open,
        b.close,
        b.style,
        b.info,
        b.lines
            .map_or("none".to_string(), |(a, z)| format!("{a}-{z}"))
    )
}

fn check(f: &Fixture) -> (Vec<String>, Stats) {
    let mut errors = Vec::new();
    let mut stats = Stats::default();
    let lines: Vec<&str> = f.post.lines().collect();
    let found = find_blocks(&f.post);

    // line endings are part of the fixture
    let crlf_lines = f.post.matches("\r\n").count();
    if f.key.crlf && crlf_lines != f.post.matches('\n').count() {
        errors
            .push("key says crlf but not every line ends with CRLF (check .gitattributes)".into());
    }
    if !f.key.crlf && f.post.contains('\r') {
        errors.push("the post has CR characters but its key does not say crlf".into());
    }

    // the key names exactly the blocks the post has
    let named: Vec<Block> = f
        .key
        .blocks
        .iter()
        .map(|b| Block {
            open: b.open,
            close: b.close,
            style: b.style.lib(),
            info: b.info.trim().to_string(),
            lines: b.lines.as_ref().and_then(|s| s.bounds().ok()),
            strip: 0,
        })
        .collect();
    let same = named.len() == found.len()
        && named.iter().zip(&found).all(|(a, b)| {
            a.open == b.open
                && a.close == b.close
                && a.style == b.style
                && a.info == b.info
                && a.lines == b.lines
        });
    if !same {
        let mut msg = String::from("the key's blocks differ from the post's:\n  key:\n");
        for b in &named {
            let _ = writeln!(msg, "    {}", show_block(b));
        }
        msg.push_str("  post:\n");
        for b in &found {
            let _ = writeln!(msg, "    {}", show_block(b));
        }
        errors.push(msg);
        return (errors, stats);
    }
    stats.blocks = found.len();

    // every label, by its first line
    let mut by_line: BTreeMap<usize, &Label> = BTreeMap::new();
    for l in f
        .key
        .prose
        .iter()
        .chain(f.key.blocks.iter().flat_map(|b| &b.labels))
    {
        match l.span() {
            Ok((a, _)) => {
                if by_line.insert(a, l).is_some() {
                    errors.push(format!("line {a}: two labels start here"));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    for p in &f.key.prose {
        if !p.role.is_command() || p.line.is_none() {
            errors.push("prose entries are single command lines".into());
        }
    }

    // the prompts the post's commands are typed at: a line of an output (or a manifest,
    // a heredoc...) that starts with one of them and a program is a command in disguise
    let prompts: BTreeSet<&str> = f
        .key
        .blocks
        .iter()
        .flat_map(|b| &b.labels)
        .filter(|l| l.role.is_command())
        .filter_map(|l| l.prompt.as_deref())
        .filter(|p| !p.trim().is_empty())
        .collect();
    let typed = Regex::new(r"^(sudo )?(kubectl|k|minikube|kind|k3d|docker|curl|helm)( |$)")
        .expect("program regex");
    for (kb, b) in f.key.blocks.iter().zip(&found) {
        let Some((first, last)) = b.lines else {
            if !kb.labels.is_empty() {
                errors.push(format!("block at {}: empty, but labelled", b.open));
            }
            continue;
        };
        stats.code_lines += last - first + 1;
        let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
        for l in &kb.labels {
            let Ok((a, z)) = l.span() else { continue };
            if a < first || z > last {
                errors.push(format!(
                    "block at {}: label {a}-{z} is outside its lines {first}-{last}",
                    b.open
                ));
                continue;
            }
            for n in a..=z {
                *seen.entry(n).or_default() += 1;
            }
            let text_of = |n: usize| b.text_of(lines[n - 1], n);
            check_label(l, a, z, false, &text_of, &by_line, &mut errors);
            if !l.role.is_command() && l.role != Role::Continuation {
                for n in a..=z {
                    let t = text_of(n);
                    if prompts
                        .iter()
                        .any(|p| t.strip_prefix(p).is_some_and(|rest| typed.is_match(rest)))
                    {
                        errors.push(format!(
                            "line {n} is labelled {:?} but reads like a command: {t:?}",
                            l.role
                        ));
                    }
                }
            }
        }
        for n in first..=last {
            match seen.get(&n).copied().unwrap_or(0) {
                0 => errors.push(format!(
                    "line {n} is not labelled: {:?}",
                    b.text_of(lines[n - 1], n)
                )),
                1 => {}
                k => errors.push(format!("line {n} is labelled {k} times")),
            }
        }
    }
    for p in &f.key.prose {
        let (a, _) = p.span().unwrap_or((0, 0));
        if a == 0 || a > lines.len() {
            errors.push(format!("prose line {a} is not in the post"));
            continue;
        }
        if found
            .iter()
            .any(|b| b.lines.is_some_and(|(x, y)| (x..=y).contains(&a)))
        {
            errors.push(format!("prose line {a} is inside a code block"));
        }
        let t = lines[a - 1].to_string();
        check_label(p, a, a, true, &|_: usize| t.clone(), &by_line, &mut errors);
    }

    // statistics over the code blocks' commands
    for l in f.key.blocks.iter().flat_map(|b| &b.labels) {
        if l.role == Role::Output {
            stats.outputs += l.span().map_or(0, |(a, z)| z - a + 1);
        }
        if !l.role.is_command() || l.same_as.is_some() || l.alternative_to.is_some() {
            continue;
        }
        stats.commands += 1;
        match l.run {
            Some(Run::Native) => stats.native += 1,
            Some(Run::Host) => stats.host += 1,
            Some(Run::Todo) => stats.todo += 1,
            Some(Run::None) | None => stats.none += 1,
        }
        if let Some(r) = l.todo {
            *stats.todos.entry(r).or_default() += 1;
        }
        if l.program.as_deref() == Some("kubectl") {
            stats.kubectl += 1;
            if let Some(v) = &l.verb {
                stats.verbs.insert(v.clone());
                let e = stats.per_verb.entry(v.clone()).or_default();
                e.0 += 1;
                if l.run == Some(Run::Native) {
                    e.1 += 1;
                }
            }
        }
    }

    if f.key.testbed {
        check_testbed(f, &mut errors);
    }
    (errors, stats)
}

const CONTINUATION_MARKS: &[char] = &['\\', '`', '^'];

fn check_label(
    l: &Label,
    a: usize,
    z: usize,
    prose: bool,
    text_of: &dyn Fn(usize) -> String,
    by_line: &BTreeMap<usize, &Label>,
    errors: &mut Vec<String>,
) {
    let at = |m: &str| format!("line {a}: {m}");
    let target = |n: usize| by_line.get(&n).copied();
    let is_cmd = |n: usize| target(n).is_some_and(|t| t.role.is_command());
    match l.role {
        Role::Command | Role::ContainerShell | Role::NodeShell => {
            if a != z {
                errors.push(at("a command is labelled by its own `line`"));
            }
            let (Some(text), Some(step), Some(run)) = (&l.text, l.step, l.run) else {
                errors.push(at("a command needs `text`, `step` and `run`"));
                return;
            };
            if l.role == Role::Command && l.program.is_none() {
                errors.push(at("a command needs `program`"));
            }
            if l.role != Role::Command && !l.of.is_some_and(|o| o < a && is_cmd(o)) {
                errors.push(at("a container or node shell command needs `of`: the command that opened the shell"));
            }
            // the line is the prompt and the start of the command
            let line = text_of(a);
            let line = line.trim_end();
            let prompt = l.prompt.as_deref().unwrap_or("");
            if prose && !words(line).contains(&words(text)) {
                errors.push(at(&format!("text {text:?} is not in the line {line:?}")));
            }
            match line.strip_prefix(prompt).filter(|_| !prose) {
                None if prose => {}
                None => errors.push(at(&format!(
                    "does not start with the prompt {prompt:?}: {line:?}"
                ))),
                Some(rest) => {
                    let continued = by_line
                        .get(&(a + 1))
                        .is_some_and(|n| n.role == Role::Continuation && n.of == Some(a));
                    let rest = words(rest);
                    let text = words(text);
                    let ok = if continued {
                        let head = words(rest.trim_end_matches(CONTINUATION_MARKS));
                        text.starts_with(&head)
                    } else {
                        rest == text
                            || rest
                                .strip_prefix(&text)
                                .is_some_and(|r| r.trim_start().starts_with('#'))
                    };
                    if !ok {
                        errors.push(at(&format!(
                            "text {text:?} is not what the line says: {rest:?}"
                        )));
                    }
                }
            }
            // program and verb are words of the command
            let toks: Vec<&str> = text.split_whitespace().collect();
            if let Some(p) = &l.program {
                let aliases: &[&str] = if p == "kubectl" {
                    &["kubectl", "k", "kc", "kubectl.exe"]
                } else {
                    &[]
                };
                let named = text
                    .split(|c: char| c.is_whitespace() || "()$`\"';|&=<>".contains(c))
                    .any(|t| t == p || aliases.contains(&t) || t.ends_with(&format!("/{p}")));
                if !named {
                    errors.push(at(&format!("program {p:?} is not in {text:?}")));
                }
                if p == "kubectl" && l.verb.is_none() {
                    errors.push(at("a kubectl command needs `verb`"));
                }
            }
            if let Some(v) = &l.verb {
                if !toks.contains(&v.as_str()) {
                    errors.push(at(&format!("verb {v:?} is not a word of {text:?}")));
                }
            }
            // step, run and todo agree
            let expected = match step {
                Step::Todo => Run::Todo,
                Step::Command => Run::Host,
                Step::None => Run::None,
                _ => Run::Native,
            };
            if run != expected {
                errors.push(at(&format!("step {step:?} runs {expected:?}, not {run:?}")));
            }
            if (step == Step::Todo) != l.todo.is_some() {
                errors.push(at(
                    "`todo` (the reason) is given exactly when the step is todo",
                ));
            }
            if step == Step::Todo && l.instead.is_none() && l.same_as.is_none() {
                errors.push(at("a TODO says what to do `instead`"));
            }
            if let Some(s) = l.same_as {
                match target(s) {
                    Some(t)
                        if t.role.is_command()
                            && t.text.as_deref().map(words) == Some(words(text)) => {}
                    _ => errors.push(at(&format!("same-as {s}: not the same command"))),
                }
            }
            if let Some(v) = l.alternative_to {
                if !is_cmd(v) {
                    errors.push(at(&format!("alternative-to {v}: not a command")));
                }
            }
            if let Some(v) = l.via {
                if !is_cmd(v) {
                    errors.push(at(&format!("via {v}: not a command")));
                }
            }
            match &l.manifest {
                Some(ManifestRef::Line(m))
                    if !target(*m)
                        .is_some_and(|t| matches!(t.role, Role::Manifest | Role::Heredoc)) =>
                {
                    errors.push(at(&format!("manifest {m}: no manifest starts there")));
                }
                Some(ManifestRef::Word(w))
                    if !["url", "gist", "generated"].contains(&w.as_str()) =>
                {
                    errors.push(at(&format!(
                        "manifest {w:?}: a line, url, gist or generated"
                    )));
                }
                _ => {}
            }
        }
        Role::Continuation | Role::Output | Role::Heredoc => match l.of {
            Some(o) if o < a && is_cmd(o) => {}
            _ => errors.push(at(&format!(
                "{:?} needs `of`: an earlier command line",
                l.role
            ))),
        },
        Role::Manifest => {
            if let Some(o) = l.of {
                if !(o < a && is_cmd(o)) {
                    errors.push(at("manifest `of` is not an earlier command"));
                }
            }
        }
        Role::Blank => {
            if (a..=z).any(|n| !text_of(n).trim().is_empty()) {
                errors.push(at("a blank label covers a line that is not blank"));
            }
        }
        Role::Comment => {
            let prompt = l.prompt.as_deref().unwrap_or("");
            let marks = ["#", "//", ";", "<!--", "REM ", "rem ", "::"];
            if (a..=z).any(|n| {
                let t = text_of(n);
                let t = t.trim_start();
                let t = t.strip_prefix(prompt).unwrap_or(t).trim_start();
                !marks.iter().any(|m| t.starts_with(m))
            }) {
                errors.push(at("a comment line does not start like a comment"));
            }
        }
        Role::Prompt | Role::File | Role::Text => {}
    }
    if !l.role.is_command()
        && (l.step.is_some()
            || l.run.is_some()
            || l.verb.is_some()
            || l.todo.is_some()
            || l.text.is_some())
    {
        errors.push(at("step, run, verb and todo are for commands"));
    }
}

fn check_testbed(f: &Fixture, errors: &mut Vec<String>) {
    let image = Regex::new(r#"(?m)(?:image:\s*|--image[= ])["']?([A-Za-z0-9./:@_-]+)"#)
        .expect("image regex");
    for c in image.captures_iter(&f.post) {
        if !TESTBED_IMAGES.contains(&&c[1]) {
            errors.push(format!(
                "testbed fixture uses image {:?}, which the testbed lacks",
                &c[1]
            ));
        }
    }
    let lacking = Regex::new(
        r"(?i)PersistentVolumeClaim|StorageClass|volumeClaimTemplates|kubectl top|metrics-server",
    )
    .expect("lacking regex");
    if let Some(m) = lacking.find(&f.post) {
        errors.push(format!(
            "testbed fixture needs {:?}, which the testbed lacks",
            m.as_str()
        ));
    }
    for l in f.key.blocks.iter().flat_map(|b| &b.labels) {
        if matches!(l.todo, Some(TodoReason::Url | TodoReason::ExternalNetwork)) {
            errors.push(format!(
                "testbed fixture line {:?}: needs the outside network",
                l.line
            ));
        }
    }
}

fn skeleton(name: &str) {
    let path = Path::new(CORPUS).join(format!("{name}.md"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    for b in find_blocks(&text) {
        println!("- {}", show_block(&b));
        if let Some((a, z)) = b.lines {
            for n in a..=z {
                println!("  {n:>4} | {}", b.text_of(lines[n - 1], n));
            }
        }
    }
}

#[test]
fn every_line_of_every_code_block_has_one_label() {
    if let Ok(name) = std::env::var("CORPUS_SKELETON") {
        skeleton(&name);
    }
    let keys = corpus();
    let mut failures = String::new();
    let mut fixtures = Vec::new();
    for k in &keys {
        match load(k) {
            Ok(f) => {
                let (errors, stats) = check(&f);
                for e in &errors {
                    let _ = writeln!(failures, "{}: {e}", f.post_path.display());
                }
                fixtures.push((f, stats));
            }
            Err(e) => {
                let _ = writeln!(failures, "{e}");
            }
        }
    }

    // the corpus table
    let mut table = String::from(
        "| fixture | testbed | blocks | code lines | output lines | commands | kubectl | native | host | todo | none | verbs |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut total = Stats::default();
    let mut verb_fixtures: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (f, s) in &fixtures {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.name,
            if f.key.testbed { "yes" } else { "" },
            s.blocks,
            s.code_lines,
            s.outputs,
            s.commands,
            s.kubectl,
            s.native,
            s.host,
            s.todo,
            s.none,
            s.verbs.iter().cloned().collect::<Vec<_>>().join(" ")
        );
        total.blocks += s.blocks;
        total.code_lines += s.code_lines;
        total.outputs += s.outputs;
        total.commands += s.commands;
        total.kubectl += s.kubectl;
        total.native += s.native;
        total.host += s.host;
        total.todo += s.todo;
        total.none += s.none;
        for v in &s.verbs {
            verb_fixtures
                .entry(v.clone())
                .or_default()
                .insert(f.name.clone());
        }
        for (v, (c, n)) in &s.per_verb {
            let e = total.per_verb.entry(v.clone()).or_default();
            e.0 += c;
            e.1 += n;
        }
        for (r, c) in &s.todos {
            *total.todos.entry(*r).or_default() += c;
        }
    }
    let _ = writeln!(
        table,
        "| **{} fixtures** | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} verbs |",
        fixtures.len(),
        fixtures.iter().filter(|(f, _)| f.key.testbed).count(),
        total.blocks,
        total.code_lines,
        total.outputs,
        total.commands,
        total.kubectl,
        total.native,
        total.host,
        total.todo,
        total.none,
        verb_fixtures.len()
    );
    table.push_str(
        "\n| kubectl verb | fixtures | commands | native in the key |\n|---|---|---|---|\n",
    );
    for (v, fs) in &verb_fixtures {
        let (c, n) = total.per_verb.get(v).copied().unwrap_or_default();
        let _ = writeln!(table, "| {v} | {} | {c} | {n} |", fs.len());
    }
    table.push_str("\n| TODO reason | commands |\n|---|---|\n");
    for (r, c) in &total.todos {
        let _ = writeln!(table, "| {r:?} | {c} |");
    }
    println!("{table}");

    // what the corpus must be
    let own = fixtures
        .iter()
        .filter(|(f, _)| f.key.post.is_none())
        .count();
    if own < 28 {
        let _ = writeln!(
            failures,
            "the corpus has {own} fixtures of its own, fewer than 28"
        );
    }
    if !fixtures
        .iter()
        .any(|(f, _)| f.post_path.ends_with("posts/working-with-pods.md"))
    {
        let _ = writeln!(failures, "the seed post is not in the corpus");
    }
    let testbed = fixtures.iter().filter(|(f, _)| f.key.testbed).count();
    if testbed < 6 {
        let _ = writeln!(
            failures,
            "{testbed} testbed-replayable fixtures, fewer than 6"
        );
    }
    if !fixtures.iter().any(|(f, _)| f.key.crlf) {
        let _ = writeln!(failures, "no fixture with Windows line endings");
    }
    let wide = verb_fixtures.values().filter(|fs| fs.len() >= 6).count();
    if wide < 12 {
        let _ = writeln!(
            failures,
            "{wide} kubectl verbs appear in 6 or more fixtures, fewer than 12"
        );
    }
    assert!(failures.is_empty(), "{table}\n{failures}");
}
