//! The machine kdrill runs on: which programs it can start, and how it starts them.
//!
//! Every program a scenario starts here (host `command` steps, kustomize and helm
//! rendering) runs through [`HostScope::run`]: in a process group of its own, with
//! no standard input, and with the scenario's pinned kubeconfig (only the allowed
//! context, the scenario's namespace as default) instead of the user's. The groups
//! live as long as their scenario: a program a step left in the background is
//! killed, with its children, when the scenario ends, and [`kill_all`] ends every
//! group still alive when kdrill itself must stop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Process groups alive now, with the scope that started them.
static LIVE: Mutex<BTreeMap<i32, u64>> = Mutex::new(BTreeMap::new());
static NEXT_SCOPE: AtomicU64 = AtomicU64::new(1);

/// Environment that would point a tool at another cluster than the scenario's.
const FOREIGN_ENV: &[&str] = &[
    "KUBECONFIG",
    "HELM_KUBECONTEXT",
    "HELM_KUBEAPISERVER",
    "HELM_KUBETOKEN",
    "HELM_KUBECAFILE",
    "HELM_NAMESPACE",
];

/// Why a host program could not be run.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("`{0}` is not installed (not on PATH)")]
    Missing(String),
    #[error("cannot start `{program}` in {dir}: {source}")]
    Start {
        program: String,
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("`{program}`: {source}")]
    Io {
        program: String,
        source: std::io::Error,
    },
    #[error("the command is empty")]
    Empty,
    #[error("host programs cannot run: {0}")]
    Blocked(String),
    #[error("interrupted")]
    Cancelled,
    #[error("cannot write the scenario's kubeconfig {path}: {source}")]
    Kubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a finished program left.
#[derive(Debug, Clone)]
pub struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The exit code; -1 when a signal ended it.
    pub code: i32,
}

/// One program to run.
#[derive(Debug, Clone, Default)]
pub struct HostCommand {
    pub argv: Vec<String>,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

/// The host programs of one scenario: its pinned kubeconfig (a private file,
/// removed with the scope) and the process groups that end with it.
#[derive(Debug)]
pub struct HostScope {
    id: u64,
    kubeconfig: Option<PathBuf>,
    /// Why no program may run in this scope (its kubeconfig could not be written).
    blocked: Option<String>,
}

impl HostScope {
    /// A scope whose programs see `kubeconfig` (YAML text) as their only cluster,
    /// written to a file of mode 0600 in `dir` (which must be private to this run).
    pub fn new(dir: &Path, name: &str, kubeconfig: Option<&str>) -> Result<HostScope, HostError> {
        let id = NEXT_SCOPE.fetch_add(1, Ordering::Relaxed);
        let Some(text) = kubeconfig else {
            return Ok(HostScope {
                id,
                kubeconfig: None,
                blocked: None,
            });
        };
        let path = dir.join(format!("{name}-{id}.kubeconfig"));
        write_private(&path, text).map_err(|source| HostError::Kubeconfig {
            path: path.clone(),
            source,
        })?;
        Ok(HostScope {
            id,
            kubeconfig: Some(path),
            blocked: None,
        })
    }

    /// A scope in which no program may run, and why: a scenario without host
    /// programs is not held up by it.
    pub fn blocked(reason: String) -> HostScope {
        HostScope {
            id: NEXT_SCOPE.fetch_add(1, Ordering::Relaxed),
            kubeconfig: None,
            blocked: Some(reason),
        }
    }

    /// The pinned kubeconfig's path, if this scope has one.
    pub fn kubeconfig(&self) -> Option<&Path> {
        self.kubeconfig.as_deref()
    }

    /// Run `cmd` to its end, or until `cancel` fires (then its whole group is killed).
    pub async fn run(
        &self,
        cmd: &HostCommand,
        cancel: &CancellationToken,
    ) -> Result<Finished, HostError> {
        if let Some(reason) = &self.blocked {
            return Err(HostError::Blocked(reason.clone()));
        }
        let Some((program, args)) = cmd.argv.split_first() else {
            return Err(HostError::Empty);
        };
        let dir = if cmd.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            cmd.dir.as_path()
        };
        let mut c = tokio::process::Command::new(program);
        c.args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            // its own group: a signal to the group reaches the program's children too
            .process_group(0)
            .kill_on_drop(true);
        for k in FOREIGN_ENV {
            c.env_remove(k);
        }
        c.envs(cmd.env.iter().map(|(k, v)| (k, v)));
        match &self.kubeconfig {
            Some(k) => c.env("KUBECONFIG", k),
            // no cluster to offer: make sure the user's default one is not taken
            None => c.env("KUBECONFIG", "/dev/null"),
        };
        let child = c.spawn().map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound if !program.contains('/') => {
                HostError::Missing(program.clone())
            }
            _ => HostError::Start {
                program: program.clone(),
                dir: dir.to_path_buf(),
                source,
            },
        })?;
        if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
            if let Ok(mut live) = LIVE.lock() {
                live.insert(pid, self.id);
            }
        }
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        tokio::select! {
            out = child.wait_with_output() => {
                // nothing left in the background: the group needs no watching
                if let Some(g) = pid.filter(|g| !group_alive(*g)) {
                    if let Ok(mut live) = LIVE.lock() {
                        live.remove(&g);
                    }
                }
                let out = out.map_err(|source| HostError::Io { program: program.clone(), source })?;
                Ok(Finished {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    code: out.status.code().unwrap_or(-1),
                })
            }
            _ = cancel.cancelled() => {
                if let Some(g) = pid {
                    kill_group(g);
                }
                Err(HostError::Cancelled)
            }
        }
    }
}

impl Drop for HostScope {
    fn drop(&mut self) {
        let groups: Vec<i32> = match LIVE.lock() {
            Ok(mut live) => {
                let mine: Vec<i32> = live
                    .iter()
                    .filter(|(_, s)| **s == self.id)
                    .map(|(p, _)| *p)
                    .collect();
                for p in &mine {
                    live.remove(p);
                }
                mine
            }
            Err(_) => Vec::new(),
        };
        for g in groups {
            kill_group(g);
        }
        if let Some(p) = &self.kubeconfig {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// End every process group kdrill started that is still alive (kdrill is exiting).
pub fn kill_all() {
    let groups: Vec<i32> = match LIVE.lock() {
        Ok(mut live) => std::mem::take(&mut *live).into_keys().collect(),
        Err(_) => Vec::new(),
    };
    for g in groups {
        kill_group(g);
    }
}

/// Kill what is left of a group kdrill started. A group whose programs have all
/// ended frees its number for reuse, so a number is only signalled while a process
/// of kdrill's own session still carries it.
fn kill_group(pgid: i32) {
    if !group_is_ours(pgid) {
        return;
    }
    // SAFETY: killpg only sends a signal; a group that is gone gives ESRCH, ignored
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// Does any process carry this group id?
fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 sends nothing; it only asks whether the group exists
    unsafe { libc::killpg(pgid, 0) == 0 }
}

/// Is there a process in group `pgid` that belongs to kdrill's session (as the
/// groups kdrill starts do: they are new groups, not new sessions)?
fn group_is_ours(pgid: i32) -> bool {
    // SAFETY: getsid(0) reads this process's session id
    let session = unsafe { libc::getsid(0) };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // after the command name in parentheses: state ppid pgrp session ...
        let fields: Vec<&str> = stat
            .rsplit_once(") ")
            .map(|(_, rest)| rest.split(' ').collect())
            .unwrap_or_default();
        let num = |i: usize| fields.get(i).and_then(|f| f.parse::<i32>().ok());
        num(2) == Some(pgid) && num(3) == Some(session)
    })
}

/// Write `text` to a new file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// A new directory only this user can enter, for one run's private files.
pub fn private_dir(name: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::env::temp_dir().join(name);
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Is `program` something this process could start: a path to an executable file, or
/// a name found in an executable file on `PATH`?
pub fn can_run(program: &str) -> bool {
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(kubeconfig: Option<&str>) -> (tempfile::TempDir, HostScope) {
        let dir = tempfile::tempdir().unwrap();
        let s = HostScope::new(dir.path(), "ns", kubeconfig).unwrap();
        (dir, s)
    }

    fn sh(script: &str) -> HostCommand {
        HostCommand {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            ..Default::default()
        }
    }

    fn running(pattern: &str) -> bool {
        std::process::Command::new("pgrep")
            .args(["-f", pattern])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[tokio::test]
    async fn programs_see_only_the_pinned_kubeconfig_and_it_is_private() {
        let (_d, s) = scope(Some("apiVersion: v1\nkind: Config\n"));
        let path = s.kubeconfig().unwrap().to_path_buf();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(path.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        std::env::set_var("HELM_KUBECONTEXT", "elsewhere");
        let out = s
            .run(
                &sh("echo \"$KUBECONFIG|${HELM_KUBECONTEXT:-}\""),
                &CancellationToken::new(),
            )
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{}|", path.display())
        );
        drop(s);
        assert!(
            !path.exists(),
            "the pinned kubeconfig is removed with its scope"
        );
        let (_d, none) = scope(None);
        let out = none
            .run(&sh("echo $KUBECONFIG"), &CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "/dev/null");
    }

    #[tokio::test]
    async fn background_children_end_with_their_scope() {
        let (_d, s) = scope(None);
        let out = s
            .run(
                &sh("sleep 97.123 >/dev/null 2>&1 & echo started"),
                &CancellationToken::new(),
            )
            .await
            .unwrap();
        assert_eq!(out.code, 0);
        assert!(
            running("sleep 97.123"),
            "the background child outlives its step"
        );
        drop(s);
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!running("sleep 97.123"), "and not its scenario");
    }

    #[tokio::test]
    async fn cancelling_kills_the_whole_group() {
        let (_d, s) = scope(None);
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            c2.cancel();
        });
        let r = s.run(&sh("sleep 98.321; echo never"), &cancel).await;
        assert!(matches!(r, Err(HostError::Cancelled)), "{r:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            !running("sleep 98.321"),
            "the shell's child is killed with it"
        );
    }

    #[tokio::test]
    async fn a_missing_program_is_named() {
        let (_d, s) = scope(None);
        let cmd = HostCommand {
            argv: vec!["kdrill-no-such-program".into()],
            ..Default::default()
        };
        let e = s.run(&cmd, &CancellationToken::new()).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "`kdrill-no-such-program` is not installed (not on PATH)"
        );
    }

    #[test]
    fn finds_programs_on_path_and_by_path() {
        use std::os::unix::fs::PermissionsExt;
        assert!(can_run("sh"));
        assert!(can_run("/bin/sh"));
        assert!(!can_run("kdrill-no-such-program"));
        let dir = tempfile::tempdir().unwrap();
        assert!(!can_run(&dir.path().to_string_lossy()), "a directory");
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        let with_mode = |mode| {
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(mode)).unwrap();
            can_run(&tool.to_string_lossy())
        };
        assert!(!with_mode(0o644), "a file that is not executable");
        assert!(with_mode(0o755));
    }
}
