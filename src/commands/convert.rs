//! `kdrill import` and `kdrill migrate`: scenarios drafted from a tutorial, or
//! converted from Chainsaw and KUTTL suites.

use super::{exit, load_all, occupied, print_errors, read_post};
use crate::cli::{ImportArgs, MigrateArgs, MigrateFrom};
use std::path::PathBuf;

pub fn import(args: &ImportArgs) -> u8 {
    let (post, name, stem) = match read_post(&args.post) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return exit::USAGE;
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios/imported").join(&stem));
    let occupied = std::fs::read_dir(&out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if occupied && !args.force {
        eprintln!(
            "error: {} is not empty: choose another --out, or --force to write into it",
            out.display()
        );
        return exit::USAGE;
    }
    match crate::import::import(&name, &post, &out) {
        Ok(s) => {
            println!(
                "kdrill import: {} command(s) ({} with output) from {}",
                s.commands,
                s.outputs,
                args.post.display()
            );
            println!("  scenario   {}", s.scenario.display());
            println!("  manifests  {}", s.manifests.len());
            println!("  snapshots  {}", s.snapshots.len());
            println!(
                "  to do      {} (listed in {})",
                s.todos.len(),
                out.join("IMPORT.md").display()
            );
            exit::OK
        }
        Err(e) if e.is_usage() => {
            eprintln!("error: {e}");
            exit::USAGE
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILED
        }
    }
}

/// Import a post into a fresh temporary `scenarios/` tree (for `run --from-markdown`).
/// Import a post into a new temporary directory: (that directory, the scenario dir).
pub(super) fn import_to_temp(post: &std::path::Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let (text, name, stem) = read_post(post)?;
    let root =
        std::env::temp_dir().join(format!("kdrill-import-{}", crate::executor::new_run_id()));
    let out = root.join("scenarios").join(&stem);
    crate::import::import(&name, &text, &out)?;
    Ok((root, out))
}

pub fn migrate(args: &MigrateArgs) -> u8 {
    let stem = args
        .path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "suite".into());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios/migrated").join(&stem));
    if occupied(&out) && !args.force {
        eprintln!(
            "error: {} is not empty: choose another --out, or --force to write into it",
            out.display()
        );
        return exit::USAGE;
    }
    let read = match args.from {
        MigrateFrom::Chainsaw => crate::migrate::chainsaw::read(&args.path),
        MigrateFrom::Kuttl => crate::migrate::kuttl::read(&args.path),
    };
    let migration = match read {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    match crate::migrate::write(&migration, &out) {
        Ok(s) => {
            println!(
                "kdrill migrate {}: {} test(s) from {}",
                migration.format,
                s.scenarios.len(),
                args.path.display()
            );
            println!("  scenarios  {} (in {})", s.scenarios.len(), out.display());
            println!("  steps      {}", s.steps);
            println!("  manifests  {}", s.files);
            println!(
                "  to check   {} (listed in {})",
                s.notes,
                out.join("MIGRATION.md").display()
            );
            let t = &s.tally;
            println!(
                "  keys read  {} in {} file(s): {} converted, {} listed, {} not accounted for",
                t.read,
                t.files,
                t.converted,
                t.listed,
                t.lost.len()
            );
            // what was written must load: a converter bug must not reach `run`
            let (_, errors) = load_all(std::slice::from_ref(&out));
            if !errors.is_empty() {
                print_errors(&errors);
                eprintln!("kdrill migrate: the converted scenarios do not load (a bug in the converter: please report it)");
                return exit::FAILED;
            }
            // nothing may be lost silently: a key neither converted nor listed fails
            if !t.balanced() {
                for l in t.lost.iter().take(20) {
                    eprintln!("not accounted for: {l}");
                }
                eprintln!(
                    "kdrill migrate: {} key(s) of the input were neither converted nor listed (all in {})",
                    t.lost.len(),
                    out.join("MIGRATION.md").display()
                );
                return exit::FAILED;
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
