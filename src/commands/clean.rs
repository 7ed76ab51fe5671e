//! `kdrill clean`: remove what interrupted runs left behind.

use super::{allowed, connect, exit};
use crate::cli::CleanArgs;
use crate::cluster::CleanOutcome;
use crate::steps::{MANAGED_BY, RUN_LABEL};

pub async fn clean(args: &CleanArgs) -> u8 {
    let (cluster, _) = match connect(&args.cluster).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    // deleting is touching: the same allow-list as `run`
    let project = crate::config::load().unwrap_or_default();
    if let Err(code) = allowed(&cluster, &args.cluster, &project.config) {
        return code;
    }
    let selector = match &args.run {
        Some(id) => format!("{}={},{RUN_LABEL}={id}", MANAGED_BY.0, MANAGED_BY.1),
        None => format!("{}={}", MANAGED_BY.0, MANAGED_BY.1),
    };
    let cleaned = match cluster
        .clean(&selector, args.dry_run, args.include_live)
        .await
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    for (run, age) in &cleaned.live {
        println!(
            "left run {run} alone: it is live (heartbeat {age}s ago); --include-live removes it anyway"
        );
    }
    let mut removed = 0;
    let mut failures = 0;
    for f in cleaned.found {
        match f.outcome {
            CleanOutcome::Deleted => {
                println!("deleted {}", f.what);
                removed += 1;
            }
            CleanOutcome::WouldDelete => {
                println!("would delete {}", f.what);
                removed += 1;
            }
            CleanOutcome::Failed(e) => {
                eprintln!("error: cannot delete {}: {e}", f.what);
                failures += 1;
            }
        }
    }
    println!(
        "kdrill clean: {removed} object(s) {}",
        if args.dry_run {
            "would be deleted"
        } else {
            "deleted"
        }
    );
    if failures > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}
