//! Whether a server-side dry run can replay the confirmation a command printed
//! (`pod/x created`), and the command as that dry run sends it.

use crate::import::kubectl::Kubectl;
use crate::import::translate::{Emit, Tr};
use crate::steps::Action;
use std::collections::BTreeMap;

/// Why a server-side dry run cannot replay a command's confirmation (`pod/x created`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum NoDryRun {
    #[error("a dry run of its own")]
    OwnDryRun,
    #[error("it reads files on the author's machine")]
    ReadsLocalFiles,
    #[error("it reads its objects from standard input or several files")]
    StdinOrSeveralFiles,
    #[error("its file is not one the draft applies as written")]
    FileNotApplied,
    #[error("its file names the scenario's namespace")]
    FileNamesNamespace,
}

impl Tr<'_> {
    /// `k` as a dry run can send it: its `-f FILE` replaced by the file the draft
    /// applies, a namespace the post creates under the scenario's name for it.
    pub(super) fn dry_runnable(
        &self,
        k: &Kubectl,
        emits: &[Emit],
        before: Option<&BTreeMap<String, String>>,
    ) -> Result<Kubectl, NoDryRun> {
        let mut k = k.clone();
        if k.dry_run() {
            return Err(NoDryRun::OwnDryRun);
        }
        if ["from-file", "from-env-file"].iter().any(|f| k.has(f)) {
            return Err(NoDryRun::ReadsLocalFiles);
        }
        let files = k.files();
        if !files.is_empty() {
            if files.len() > 1 || files[0] == "-" {
                return Err(NoDryRun::StdinOrSeveralFiles);
            }
            let applied: Vec<&String> = emits
                .iter()
                .filter_map(|e| match &e.step.action {
                    Action::Apply(a) => a.file.as_ref(),
                    _ => None,
                })
                .collect();
            let [file] = applied.as_slice() else {
                return Err(NoDryRun::FileNotApplied);
            };
            let name = file.trim_start_matches("manifests/");
            if self
                .plan
                .files
                .get(name)
                .is_some_and(|f| f.content.contains("${"))
            {
                return Err(NoDryRun::FileNamesNamespace);
            }
            for (n, v) in k.flags.iter_mut() {
                if n == "filename" {
                    *v = Some((*file).clone());
                }
            }
        }
        // namespaces the post names (`create ns dev`, `delete ns dev`, `delete
        // namespace/dev`, `delete ns a b`) under the run's names for them
        let of_namespaces = k.sub.as_deref() == Some("namespace")
            || (k.verb == "delete"
                && k.args.first().is_some_and(|a| {
                    !a.contains('/')
                        && a.split(',')
                            .all(|t| crate::import::kubectl::canonical_kind(t).0 == "namespace")
                }));
        let lookup = |name: &str| -> Option<String> {
            self.plan
                .namespaces
                .get(name)
                .or_else(|| before.and_then(|b| b.get(name)))
                .filter(|m| !m.is_empty())
                .cloned()
        };
        let first_name = usize::from(k.verb == "delete" && of_namespaces);
        for (n, a) in k.args.iter_mut().enumerate() {
            let slashed = ["namespace/", "namespaces/", "ns/"]
                .iter()
                .find_map(|p| a.strip_prefix(p).map(|rest| (*p, rest.to_string())));
            match slashed {
                Some((prefix, name)) => {
                    if let Some(m) = lookup(&name) {
                        *a = format!("{prefix}{m}");
                    }
                }
                None if of_namespaces && n >= first_name => {
                    if let Some(m) = lookup(a) {
                        *a = m;
                    }
                }
                None => {}
            }
        }
        Ok(k)
    }
}
