//! `kdrill lint` and `kdrill list`: scenario files without a cluster.

use super::{display_paths, exit, load_all, print_errors};
use crate::cli::{LintArgs, ListArgs};

pub fn lint(args: &LintArgs) -> u8 {
    let (scenarios, mut errors) = load_all(&args.paths);
    let sets: std::collections::BTreeSet<String> =
        args.set.iter().map(|(k, _)| k.clone()).collect();
    for s in &scenarios {
        errors.extend(crate::lint::problems(s, &sets));
    }
    // the project file is part of what lint checks: a run would refuse it
    let mut project_errors = 0;
    if let Err(e) = crate::config::load() {
        eprintln!("error: {e}");
        project_errors += 1;
    }
    print_errors(&errors);
    let mut warned = 0;
    for s in &scenarios {
        for w in crate::lint::warnings(s) {
            eprintln!("{w}");
            warned += 1;
        }
    }
    if errors.is_empty() {
        for w in crate::lint::unused_snapshots(&args.paths, &scenarios) {
            eprintln!("{w}");
            warned += 1;
        }
    }
    let files: std::collections::BTreeSet<_> =
        errors.iter().map(|e| e.location.file.clone()).collect();
    let bad: std::collections::BTreeSet<_> = files.iter().collect();
    let valid = scenarios.iter().filter(|s| !bad.contains(&s.file)).count();
    println!(
        "kdrill lint: {valid} scenario(s) valid, {} error(s) in {} file(s), {warned} warning(s)",
        errors.len() + project_errors,
        files.len() + project_errors
    );
    if project_errors > 0 {
        return exit::USAGE;
    }
    if errors.is_empty() && scenarios.is_empty() {
        eprintln!(
            "error: no scenario files found in {}",
            display_paths(&args.paths)
        );
        return exit::USAGE;
    }
    if errors.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }
}

pub fn list(args: &ListArgs) -> u8 {
    let (scenarios, errors) = load_all(&args.paths);
    print_errors(&errors);
    let scenarios =
        match crate::select::select(scenarios, args.filter.as_deref(), args.selector.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
    let scenarios = match crate::select::shard_of(
        scenarios,
        args.shard.shard,
        args.shard.shard_timings.as_deref(),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if errors.is_empty() && scenarios.is_empty() && args.shard.shard.is_none() {
        eprintln!(
            "error: no scenarios in {}",
            super::display_paths(&args.paths)
        );
        return exit::USAGE;
    }
    for s in &scenarios {
        let serial = if s.serial { " [serial]" } else { "" };
        let suite = s
            .suite
            .as_ref()
            .map(|x| format!(" [suite: {}]", x.name))
            .unwrap_or_default();
        println!("{} ({}){serial}{suite}", s.name, s.file.display());
        for step in &s.steps {
            println!("  {:>2}. {}", step.number, step.label());
        }
    }
    if errors.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    }
}
