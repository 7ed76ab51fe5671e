//! `kdrill review` and `kdrill snapshots`: pending and unused snapshot files.

use super::{colour_wanted, display_paths, exit, load_all, print_errors};
use crate::cli::{ReviewArgs, SnapshotsArgs};
use crate::scenario::Scenario;
use crate::snapshot::{self, review};
use std::path::PathBuf;

pub fn review(args: &ReviewArgs) -> u8 {
    use std::io::{BufRead, IsTerminal, Write};
    let pending = review::pending(&args.paths);
    if pending.is_empty() {
        println!(
            "kdrill review: no pending snapshots in {}",
            display_paths(&args.paths)
        );
        return exit::OK;
    }
    let fixed = if args.accept_all {
        Some(review::Decision::Accept)
    } else if args.reject_all {
        Some(review::Decision::Reject)
    } else {
        None
    };
    if fixed.is_none() && !std::io::stdin().is_terminal() {
        eprintln!("error: {} pending snapshot(s), and review asks on a terminal: use --accept-all or --reject-all in scripts", pending.len());
        return exit::USAGE;
    }
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for (i, p) in pending.iter().enumerate() {
        let decision = match fixed {
            Some(d) => d,
            None => {
                println!(
                    "\n[{}/{}] {}",
                    i + 1,
                    pending.len(),
                    review::describe(p, colour_wanted())
                );
                loop {
                    print!("accept (a), reject (r), skip (s)? ");
                    let _ = std::io::stdout().flush();
                    match lines.next() {
                        Some(Ok(l)) if l.trim() == "a" => break review::Decision::Accept,
                        Some(Ok(l)) if l.trim() == "r" => break review::Decision::Reject,
                        Some(Ok(l)) if l.trim() == "s" => break review::Decision::Skip,
                        Some(Ok(_)) => continue,
                        _ => break review::Decision::Skip,
                    }
                }
            }
        };
        if let Err(e) = review::apply(p, decision) {
            eprintln!("error: {}: {e}", p.display());
            return exit::FAILED;
        }
        match decision {
            review::Decision::Accept => accepted += 1,
            review::Decision::Reject => rejected += 1,
            review::Decision::Skip => skipped += 1,
        }
    }
    println!("kdrill review: {accepted} accepted, {rejected} rejected, {skipped} skipped");
    exit::OK
}

pub fn snapshots(args: &SnapshotsArgs) -> u8 {
    let (scenarios, errors) = load_all(&args.scenarios);
    if !errors.is_empty() {
        print_errors(&errors);
        eprintln!("kdrill: cannot tell which snapshots are used while scenario files have errors");
        return exit::USAGE;
    }
    let used: std::collections::BTreeSet<PathBuf> = scenarios
        .iter()
        .flat_map(Scenario::snapshot_files)
        .collect();
    let unused = snapshot::unused(&args.scenarios, &used, args.dir.as_deref());
    let used = used.len();
    for p in &unused {
        if args.prune {
            match std::fs::remove_file(p) {
                Ok(()) => println!("removed {}", p.display()),
                Err(e) => eprintln!("error: cannot remove {}: {e}", p.display()),
            }
        } else {
            println!("unused {}", p.display());
        }
    }
    println!(
        "kdrill snapshots: {} used, {} unused{}",
        used,
        unused.len(),
        if args.prune { " (removed)" } else { "" }
    );
    if !unused.is_empty() && !args.prune {
        exit::FAILED
    } else {
        exit::OK
    }
}
