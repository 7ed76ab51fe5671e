//! Manual pages, generated from the clap definitions of the command line
//! (`kdrill man DIR`): `kdrill.1` and one page per subcommand (`kdrill-run.1`, ...),
//! so the pages say exactly what `--help` says.

use crate::cli::Cli;
use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Why the pages could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ManError {
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every page: its file name and its roff text, the main page first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // display names (`kdrill-run`) and propagated settings are set by build()
    cmd.build();
    let mut out = Vec::new();
    render(&cmd, &mut out);
    out
}

fn render(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("kdrill {}", env!("CARGO_PKG_VERSION")))
        .manual("kdrill manual");
    let mut text = Vec::new();
    // writing into a Vec cannot fail
    let _ = man.render(&mut text);
    out.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render(sub, out);
    }
}

/// Write every page into `dir` (created when missing); the files written, in order.
pub fn write_pages(dir: &Path) -> Result<Vec<PathBuf>, ManError> {
    std::fs::create_dir_all(dir).map_err(|source| ManError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in pages() {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| ManError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_subcommand_named_like_man_expects() {
        let names: Vec<String> = pages().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names[0], "kdrill.1");
        for sub in [
            "kdrill-run.1",
            "kdrill-lint.1",
            "kdrill-man.1",
            "kdrill-review.1",
        ] {
            assert!(
                names.iter().any(|n| n == sub),
                "{sub} missing from {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n == "kdrill-help.1"), "{names:?}");
    }
}
