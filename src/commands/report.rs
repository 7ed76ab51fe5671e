//! `kdrill report merge`: the reports of the shards of a run (files, directories of
//! them, or the ConfigMaps an in-cluster Indexed Job wrote) combined into one JSON
//! and one JUnit report, and the merged result printed.

use super::{allowed, connect, exit};
use crate::cli::{MergeArgs, ReportArgs, ReportCommand};
use crate::report::merge::{self, Input};
use std::path::Path;

pub async fn report(args: &ReportArgs) -> u8 {
    match &args.command {
        ReportCommand::Merge(m) => merge_command(m).await,
    }
}

/// The report files of a directory (not recursive): `*.json` and `*.xml`, by name.
fn files_in(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json" || x == "xml"))
        .collect();
    out.sort();
    Ok(out)
}

/// Why the report files named on the command line cannot be merged.
#[derive(Debug, thiserror::Error)]
enum InputError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Report(#[from] merge::MergeError),
}

fn read_inputs(paths: &[std::path::PathBuf]) -> Result<Vec<Input>, InputError> {
    let read = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InputError::Read { path, source }
    };
    let mut out = Vec::new();
    for p in paths {
        let files = if p.is_dir() {
            files_in(p).map_err(read(p))?
        } else {
            vec![p.clone()]
        };
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(read(&f))?;
            out.push(merge::classify(&f.display().to_string(), &text)?);
        }
    }
    Ok(out)
}

/// The reports kept in ConfigMaps (`--report configmap=...`) that match `selector`,
/// in the order of their names.
async fn read_configmaps(args: &MergeArgs, selector: &str) -> Result<Vec<Input>, u8> {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, ListParams};
    let project = match crate::config::load() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit::USAGE);
        }
    };
    let (cluster, _) = match connect(&args.cluster).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit::CLUSTER);
        }
    };
    allowed(&cluster, &args.cluster, &project.config)?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| cluster.client.default_namespace().to_string());
    let api: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), &namespace);
    let list = match api.list(&ListParams::default().labels(selector)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot list configmaps in {namespace} with {selector}: {e}");
            return Err(exit::CLUSTER);
        }
    };
    let mut maps = list.items;
    maps.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let mut out = Vec::new();
    for cm in maps {
        let name = cm.metadata.name.unwrap_or_default();
        let data = cm.data.unwrap_or_default();
        let mut any = false;
        for key in ["report.json", "junit.xml"] {
            if let Some(text) = data.get(key) {
                any = true;
                let source = format!("configmap {namespace}/{name} {key}");
                match merge::classify(&source, text) {
                    Ok(i) => out.push(i),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Err(exit::USAGE);
                    }
                }
            }
        }
        if !any {
            eprintln!("kdrill: configmap {namespace}/{name} holds no report (report.json, junit.xml); skipped");
        }
    }
    eprintln!(
        "kdrill: {} report configmap(s) in {namespace} match {selector}",
        out.iter()
            .filter(|i| matches!(i, Input::Json { .. }))
            .count()
    );
    Ok(out)
}

fn write(path: &Path, text: &str) -> Result<(), u8> {
    std::fs::write(path, text).map_err(|e| {
        eprintln!("error: cannot write {}: {e}", path.display());
        exit::USAGE
    })
}

async fn merge_command(args: &MergeArgs) -> u8 {
    if args.inputs.is_empty() && args.from_configmaps.is_none() {
        eprintln!("error: nothing to merge: give report files or directories, or --from-configmaps SELECTOR");
        return exit::USAGE;
    }
    let mut inputs = match read_inputs(&args.inputs) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if let Some(selector) = &args.from_configmaps {
        match read_configmaps(args, selector).await {
            Ok(more) => inputs.extend(more),
            Err(code) => return code,
        }
    }
    let mut json = Vec::new();
    let mut junit = Vec::new();
    for i in inputs {
        match i {
            Input::Json { source, report } => json.push((source, report)),
            Input::Junit { source, xml } => junit.push((source, xml)),
        }
    }
    if args.junit.is_some() && junit.is_empty() {
        eprintln!(
            "error: --junit: no JUnit report among the inputs (each shard's `--report junit=PATH`)"
        );
        return exit::USAGE;
    }
    if args.json.is_some() && json.is_empty() {
        eprintln!(
            "error: --json: no JSON report among the inputs (each shard's `--report json=PATH`)"
        );
        return exit::USAGE;
    }
    let (_, twice) = merge::distinct_runs(&json);
    for s in &twice {
        eprintln!("kdrill: {s}: a run already read (same runId); counted once");
    }
    let shards = json.len() - twice.len();
    let mut failed = false;
    if let Some(want) = args.expect {
        let have = if json.is_empty() { junit.len() } else { shards };
        if have != want {
            eprintln!("error: --expect {want}: found {have} shard report(s)");
            failed = true;
        }
    }
    if let Some(path) = &args.junit {
        match merge::merge_junit(&junit) {
            Ok((xml, _)) => {
                if let Err(code) = write(path, &xml) {
                    return code;
                }
                eprintln!("kdrill: merged JUnit report written to {}", path.display());
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    }
    if !json.is_empty() {
        let merged = merge::merge_json(&json);
        if let Some(path) = &args.json {
            let text = serde_json::to_string_pretty(&merged).unwrap_or_default();
            if let Err(code) = write(path, &text) {
                return code;
            }
            eprintln!("kdrill: merged JSON report written to {}", path.display());
        }
        print!("{}", merge::summary_text(&merged));
        failed |=
            merged["summary"]["failed"].as_u64().unwrap_or(0) > 0 || merged["interrupted"] == true;
    } else {
        // JUnit alone: its counts
        match merge::merge_junit(&junit) {
            Ok((_, c)) => {
                println!(
                    "kdrill: {} passed, {} failed, {} skipped in {:.1}s (merged from {} JUnit report(s))",
                    c.tests.saturating_sub(c.failures + c.errors + c.skipped),
                    c.failures + c.errors,
                    c.skipped,
                    c.time,
                    junit.len()
                );
                failed |= c.failures + c.errors > 0;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    }
    if failed {
        exit::FAILED
    } else {
        exit::OK
    }
}
