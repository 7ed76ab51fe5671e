//! `kdrill import POST.md`: a first draft of a scenario from a markdown tutorial.
//! Shell sessions are found ([`extract`]), commands become steps ([`translate`]),
//! the post's outputs become the first snapshots, inline manifests become files, and
//! everything a human must finish is listed in `IMPORT.md` with the post's lines.
//! Import never fetches anything: a linked gist becomes a marked TODO file.

pub mod blocks;
pub mod extract;
pub mod kubectl;
pub mod prompt;
pub mod shell;
pub mod transcript;
pub mod translate;

use crate::snapshot::{self, file::SnapshotFile, redact};
use extract::Item;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use translate::Draft;

/// What an import found and wrote.
#[derive(Debug, Default)]
pub struct Summary {
    pub scenario: PathBuf,
    pub commands: usize,
    pub outputs: usize,
    pub manifests: Vec<PathBuf>,
    pub snapshots: Vec<PathBuf>,
    pub todos: Vec<String>,
}

/// The first line of a manifest file that import could not fill; `apply` refuses it.
pub const TODO_MARKER: &str = "# kdrill-import: TODO";

pub(crate) fn manifest_name(text: &str) -> String {
    let v: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let kind = v
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("manifest")
        .to_ascii_lowercase();
    let name = v
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("unnamed");
    format!("{kind}-{name}.yaml")
}

fn indent_step(step: &serde_yaml::Value) -> String {
    let text = serde_yaml::to_string(step).unwrap_or_default();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(if i == 0 { "  - " } else { "    " });
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Import `post` (its text, and its file name for titles) into directory `out`.
pub fn import(post_name: &str, post: &str, out: &Path) -> std::io::Result<Summary> {
    let stem = Path::new(post_name)
        .file_stem()
        .map_or("post".into(), |s| s.to_string_lossy().into_owned());
    let scenario_path = out.join(format!("{stem}.yaml"));
    let manifests_dir = out.join("manifests");
    std::fs::create_dir_all(&manifests_dir)?;
    let mut summary = Summary {
        scenario: scenario_path.clone(),
        ..Default::default()
    };
    let mut steps = String::new();
    let mut todo_rows: Vec<String> = Vec::new();
    let mut found_rows: Vec<String> = Vec::new();
    let mut needed: Vec<(String, usize)> = Vec::new();
    let mut gists: Vec<(String, usize)> = Vec::new();
    let mut snapshots: Vec<(String, String, usize)> = Vec::new();
    let mut n = 0;
    let mut previous: Option<(String, bool)> = None;
    // pods the post has shown crash-looping so far
    let mut crashing = std::collections::BTreeSet::new();
    for item in extract::extract(post) {
        match item {
            Item::Manifest { line, text } => {
                let name = manifest_name(&text);
                std::fs::write(
                    manifests_dir.join(&name),
                    format!("# from the post, line {line}\n{text}"),
                )?;
                summary.manifests.push(manifests_dir.join(&name));
                found_rows.push(format!(
                    "| {line} | manifest | written to `manifests/{name}` |"
                ));
            }
            Item::Gist { line, file } => {
                gists.push((file.clone(), line));
                found_rows.push(format!(
                    "| {line} | gist `{file}` | not fetched (import never goes online): see TODO |"
                ));
            }
            Item::Command(c) => {
                summary.commands += 1;
                // posts often show a command, then the session that runs it: replay it once
                let shown_before = previous
                    .as_ref()
                    .is_some_and(|(t, printed)| *t == c.text && !printed);
                previous = Some((c.text.clone(), !c.output.is_empty()));
                if shown_before {
                    found_rows.push(format!("| {} | `{}` | the same command as just before (shown, then run): replayed once |", c.line, c.text.replace('|', "\\|")));
                    continue;
                }
                if !c.output.is_empty() {
                    summary.outputs += 1;
                }
                let drafts: Vec<Draft> = translate::translate(&c, n + 1)
                    .into_iter()
                    .flat_map(|d| translate::logs_of_crashed_run(d, &crashing))
                    .collect();
                crashing.extend(
                    drafts
                        .iter()
                        .filter_map(|d| d.step.as_ref().and_then(translate::crash_shown)),
                );
                let mut what = Vec::new();
                let mut snapshotted = false;
                for d in drafts {
                    if let Some(m) = &d.manifest {
                        needed.push((m.clone(), c.line));
                    }
                    if let Some((file, body)) = &d.write {
                        std::fs::write(
                            manifests_dir.join(file),
                            format!("# from the post, line {} (here-document)\n{body}", c.line),
                        )?;
                        summary.manifests.push(manifests_dir.join(file));
                    }
                    if let Some(t) = &d.todo {
                        todo_rows.push(format!("- [ ] {t}"));
                    }
                    for r in &c.rejoined {
                        todo_rows.push(format!("- [ ] line {r}: joined to the command above it (the blog wrapped it); check `{}`", c.text));
                    }
                    if let Some((name, body)) = &d.snapshot {
                        snapshotted = true;
                        snapshots.push((name.clone(), body.clone(), c.line));
                    }
                    for com in &d.comments {
                        let _ = writeln!(steps, "  # {com}");
                    }
                    if let Some(step) = &d.step {
                        n += 1;
                        steps.push_str(&indent_step(step));
                        what.push(
                            step.as_mapping()
                                .and_then(|m| {
                                    m.keys().find(|k| {
                                        k.as_str() != Some("expect")
                                            && k.as_str() != Some("timeout")
                                    })
                                })
                                .and_then(|k| k.as_str())
                                .unwrap_or("?")
                                .to_string(),
                        );
                    }
                }
                let became = if what.is_empty() {
                    "nothing to run (see the comment in the scenario)".to_string()
                } else {
                    what.join(" + ")
                };
                let output = match (c.output.is_empty(), snapshotted) {
                    (true, _) => "",
                    (false, true) => ", output → snapshot",
                    (false, false) => ", output not checked",
                };
                found_rows.push(format!(
                    "| {} | `{}` | {became}{output} |",
                    c.line,
                    c.text.replace('|', "\\|")
                ));
            }
        }
    }
    // manifests the commands need that the post did not show: marked TODO files
    for (file, line) in &needed {
        let path = manifests_dir.join(file);
        if path.exists() {
            continue;
        }
        let gist = gists
            .iter()
            .find(|(g, _)| g.ends_with(file.as_str()) || file.ends_with(g.as_str()));
        let hint = match gist {
            Some((g, gl)) => format!("the post links it as gist file `{g}` (line {gl})"),
            None => "the post does not show it".to_string(),
        };
        std::fs::write(&path, format!("{TODO_MARKER}: `{file}` is used at line {line} of the post; {hint}. Replace this file with its content.\n"))?;
        todo_rows.push(format!(
            "- [ ] `manifests/{file}`: fill it in ({hint}; used at line {line})"
        ));
        summary.manifests.push(path);
    }
    let header = format!(
        "apiVersion: {}\nkind: Scenario\nname: {stem} (imported)\ndescription: >\n  Imported from {post_name} by `kdrill import`: a first draft. See IMPORT.md for what\n  a human must finish before it runs.\nsteps:\n",
        crate::scenario::API_VERSION
    );
    std::fs::write(&scenario_path, format!("{header}{steps}"))?;
    // the post's outputs as first snapshots, normalised (its node is minikube)
    let ctx = redact::Context {
        namespace: String::new(),
        nodes: vec!["minikube".into()],
        run_id: String::new(),
    };
    let snap_dir = snapshot::dir_for(&scenario_path);
    for (name, body, line) in &snapshots {
        std::fs::create_dir_all(&snap_dir)?;
        let f = SnapshotFile::new(
            &[
                ("scenario", snapshot::repo_relative(&scenario_path)),
                ("captured", format!("the post's output at line {line}")),
                (
                    "source",
                    "kdrill import: review it against the first run".into(),
                ),
            ],
            &redact::normalise(body, &ctx, &[]),
        );
        let p = snap_dir.join(format!("{name}.{}", snapshot::file::EXT));
        std::fs::write(&p, f.render())?;
        summary.snapshots.push(p);
    }
    if !snapshots.is_empty() {
        let shown = snapshot::repo_relative(&snap_dir);
        todo_rows.push(format!("- [ ] snapshots under `{shown}` hold the post's outputs: run once, then `kdrill review` what differs on your cluster (versions, banners, names)"));
    }
    summary.todos = todo_rows.clone();
    let mut md = format!("# Import of {post_name}\n\n`kdrill import` wrote `{}` from the post. Every shell block is accounted for below.\n\n## To do before it runs\n\n", scenario_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default());
    if todo_rows.is_empty() {
        md.push_str("Nothing: run it.\n");
    }
    for t in &todo_rows {
        md.push_str(t);
        md.push('\n');
    }
    md.push_str("\n## What was found\n\n| post line | found | became |\n| --- | --- | --- |\n");
    for r in &found_rows {
        md.push_str(r);
        md.push('\n');
    }
    std::fs::write(out.join("IMPORT.md"), md)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_the_seed_post() {
        let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("scenarios/working-with-pods");
        let s = import("working-with-pods.md", post, &out).unwrap();
        // the files themselves: the_seed_post_imports_to_the_committed_tree
        let scenario = std::fs::read_to_string(&s.scenario).unwrap();
        // the draft is a valid scenario: it loads (lint would pass)
        crate::scenario::load_str(&s.scenario, &scenario).expect("the imported scenario loads");
        assert!(out.join("manifests/job-hello.yaml").exists());
        let todo =
            std::fs::read_to_string(out.join("manifests/failed-port-same-binding.yaml")).unwrap();
        assert!(
            todo.starts_with(TODO_MARKER) && todo.contains("03b-failed-port-same-binding.yaml"),
            "{todo}"
        );
        assert!(s.commands >= 15, "{}", s.commands);
        let get = std::fs::read_to_string(
            s.snapshots
                .iter()
                .find(|p| p.to_string_lossy().contains("get-pods"))
                .unwrap(),
        )
        .unwrap();
        assert!(
            get.contains("nginx   1/1     Running   0          [AGE]"),
            "{get}"
        );
    }

    /// Every file the import writes (scenario, IMPORT.md, manifests, TODO files,
    /// snapshots), as one text: the generated tree is the golden file.
    fn tree(root: &Path) -> String {
        fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(root, &mut files);
        files
            .iter()
            .map(|f| {
                let rel = f.strip_prefix(root).unwrap().display().to_string();
                format!("=== {rel}\n{}", std::fs::read_to_string(f).unwrap())
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_seed_post_imports_to_the_committed_tree() {
        let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("scenarios/working-with-pods");
        import("working-with-pods.md", post, &out).unwrap();
        insta::assert_snapshot!("seed_tree", tree(dir.path()));
    }

    #[test]
    fn every_shell_block_of_the_seed_post_is_accounted_for() {
        let post = include_str!("../../tests/fixtures/posts/working-with-pods.md");
        let dir = tempfile::tempdir().unwrap();
        import("working-with-pods.md", post, dir.path()).unwrap();
        let report = std::fs::read_to_string(dir.path().join("IMPORT.md")).unwrap();
        // the post lines IMPORT.md's table cites
        let cited: Vec<usize> = report
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(' ').next()?.parse().ok())
            .collect();
        let lines: Vec<&str> = post.lines().collect();
        let mut i = 0;
        let mut blocks = 0;
        while i < lines.len() {
            let l = lines[i].trim_start();
            let closer = if l.starts_with("```") {
                "```"
            } else if l.starts_with("{% highlight") {
                "{% endhighlight"
            } else {
                i += 1;
                continue;
            };
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].trim_start().starts_with(closer) {
                end += 1;
            }
            let body = &lines[start..end];
            if body.iter().any(|l| !l.trim().is_empty()) {
                blocks += 1;
                assert!(
                    cited.iter().any(|c| *c > start && *c <= end),
                    "the block at post lines {}-{} is not in IMPORT.md:\n{}",
                    start + 1,
                    end,
                    body.join("\n")
                );
            }
            i = end + 1;
        }
        assert_eq!(blocks, 7, "the seed post has 7 code blocks");
    }

    #[test]
    fn posts_without_sessions_import_to_an_empty_draft_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let s = import(
            "x.md",
            "# Title\n\nJust prose, `inline code`, and ```unclosed",
            dir.path(),
        )
        .unwrap();
        assert_eq!(s.commands, 0);
        assert!(std::fs::read_to_string(dir.path().join("IMPORT.md"))
            .unwrap()
            .contains("What was found"));
    }
}
