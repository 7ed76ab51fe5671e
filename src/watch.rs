//! Watch mode for authors (`kdrill run --watch`): which files each scenario reads
//! ([`Inputs`]: the scenario file, its suite, the manifests, charts and other files
//! its steps name, its snapshots), a debounced file watcher on them ([`Watcher`]),
//! and which scenarios a batch of changes concerns.
//!
//! A file counts as changed when its content differs from what the last run read,
//! so saving without a change, or kdrill reading a file, reruns nothing. kdrill's own
//! writes never count: pending snapshots by name, reports and artifacts by path, and
//! the snapshots `--update` writes because snapshot files are read again after each
//! run (an edit of a snapshot file *during* a run is missed for that reason).

use crate::scenario::Scenario;
use crate::snapshot::file::PENDING_EXT;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the watcher waits for a burst of writes (an editor's save) to end.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Why watching failed.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot start watching files: {0}")]
    Start(#[source] notify_debouncer_full::notify::Error),
    #[error("cannot watch {path}: {source}")]
    Path {
        path: PathBuf,
        #[source]
        source: notify_debouncer_full::notify::Error,
    },
    #[error("file watching failed: {0}")]
    Events(String),
    #[error("the file watcher stopped")]
    Stopped,
}

/// The files the scenarios read, by absolute path, and which scenarios read each.
/// Scenarios are named by their `file` as loaded (the key `run` selects them by).
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    files: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    /// Directories read as a whole (a kustomization, a chart, a manifest directory).
    dirs: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

impl Inputs {
    pub fn of(scenarios: &[Scenario]) -> Inputs {
        let mut inputs = Inputs::default();
        for s in scenarios {
            let mut add = |sc: &Scenario| {
                let (files, dirs) = scenario_inputs(sc);
                for f in files {
                    inputs.files.entry(f).or_default().insert(s.file.clone());
                }
                for d in dirs {
                    inputs.dirs.entry(d).or_default().insert(s.file.clone());
                }
            };
            add(s);
            if let Some(suite) = &s.suite {
                add(suite);
            }
        }
        inputs
    }

    /// The scenarios that read `path` (absolute).
    pub fn readers(&self, path: &Path) -> BTreeSet<PathBuf> {
        let mut out = self.files.get(path).cloned().unwrap_or_default();
        for (dir, readers) in &self.dirs {
            if path.starts_with(dir) {
                out.extend(readers.iter().cloned());
            }
        }
        out
    }

    /// How many files and directories are read.
    pub fn len(&self) -> usize {
        self.files.len() + self.dirs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The files and directories one scenario (or suite) reads: its own file, its
/// snapshot files, and every relative path its steps name that exists beside it
/// (`apply: {file: ...}`, a chart or kustomization directory, a file a host
/// command reads). Absolute paths and the scenario's own directory and its parents
/// are left out: watching `/tmp` or the whole tree would rerun on anything.
fn scenario_inputs(s: &Scenario) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut files = vec![absolute(&s.file)];
    files.extend(s.snapshot_files().iter().map(|p| absolute(p)));
    let mut dirs = Vec::new();
    let home = absolute(&s.dir);
    let mut words = Vec::new();
    for step in &s.steps {
        if let Ok(v) = step.action.spec_value() {
            strings(&v, &mut words);
        }
    }
    for word in words {
        let candidates = std::iter::once(word.as_str()).chain(word.split_whitespace());
        for c in candidates {
            if c.is_empty() || Path::new(c).is_absolute() || c.contains("${") {
                continue;
            }
            let p = normalize(&home.join(c));
            if p.is_file() {
                files.push(p);
            } else if p.is_dir() && !home.starts_with(&p) {
                dirs.push(p);
            }
        }
    }
    files.sort();
    files.dedup();
    dirs.sort();
    dirs.dedup();
    (files, dirs)
}

/// Every string value (not key) in a step spec.
fn strings(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|i| strings(i, out)),
        serde_yaml::Value::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

/// `p` from the root, without `.` and `..` (symbolic links are not followed).
pub fn absolute(p: &Path) -> PathBuf {
    normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The content of a file as a number; None when it cannot be read (gone).
fn fingerprint(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(h.finish())
}

/// Every file under `dir`.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Watches the files of a set of scenarios; see the module documentation.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    events: mpsc::UnboundedReceiver<DebounceEventResult>,
    /// The paths given on the command line (new scenario files appear there).
    roots: Vec<PathBuf>,
    /// kdrill's own outputs: report files, the artifacts directory.
    ignored: Vec<PathBuf>,
    watched: BTreeMap<PathBuf, RecursiveMode>,
    inputs: Inputs,
    /// The content of each input as the last run read it.
    seen: HashMap<PathBuf, Option<u64>>,
}

impl Watcher {
    /// Start watching `roots` (the scenario paths of the command line); changes
    /// under `ignored` (kdrill's report files and artifacts) never count.
    pub fn start(roots: &[PathBuf], ignored: &[PathBuf]) -> Result<Watcher, WatchError> {
        let (tx, events) = mpsc::unbounded_channel();
        let debouncer = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| {
            let _ = tx.send(res);
        })
        .map_err(WatchError::Start)?;
        Ok(Watcher {
            debouncer,
            events,
            roots: roots.iter().map(|r| absolute(r)).collect(),
            ignored: ignored.iter().map(|r| absolute(r)).collect(),
            watched: BTreeMap::new(),
            inputs: Inputs::default(),
            seen: HashMap::new(),
        })
    }

    /// Follow these scenarios from now on: their inputs are watched, and the
    /// content of the inputs not seen before is what later changes are compared
    /// with (the others keep theirs: a change whose event is still on its way must
    /// not be taken for the reference). Returns the paths that could not be
    /// watched (the rest still is).
    pub fn track(&mut self, scenarios: &[Scenario]) -> Vec<WatchError> {
        self.inputs = Inputs::of(scenarios);
        let files = self.input_files_read_by(None);
        let current: std::collections::HashSet<&PathBuf> = files.iter().collect();
        self.seen.retain(|p, _| current.contains(p));
        for f in files {
            self.seen.entry(f).or_insert_with_key(|f| fingerprint(f));
        }
        self.rewatch()
    }

    /// After a run: read the snapshot files again, since the run may have written
    /// them (`--update`); kdrill's own writes are not changes.
    pub fn after_run(&mut self) {
        let snapshots: Vec<PathBuf> = self
            .seen
            .keys()
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == crate::snapshot::file::EXT)
            })
            .cloned()
            .collect();
        for p in snapshots {
            let print = fingerprint(&p);
            self.seen.insert(p, print);
        }
    }

    /// How many files and directories the tracked scenarios read.
    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// The input files (those under input directories too) of these scenarios, or
    /// of all.
    fn input_files_read_by(&self, scenarios: Option<&BTreeSet<PathBuf>>) -> Vec<PathBuf> {
        let wanted = |readers: &BTreeSet<PathBuf>| {
            scenarios.is_none_or(|s| readers.iter().any(|r| s.contains(r)))
        };
        let mut files: Vec<PathBuf> = self
            .inputs
            .files
            .iter()
            .filter(|(_, r)| wanted(r))
            .map(|(f, _)| f.clone())
            .collect();
        for (d, r) in &self.inputs.dirs {
            if wanted(r) {
                files_under(d, &mut files);
            }
        }
        files
    }

    /// Watch what the inputs and roots need, and nothing else: a file's directory
    /// (editors replace files by renaming), directories read whole and directory
    /// roots recursively. A directory not there yet (a snapshot directory before
    /// the first snapshot) is watched through its nearest existing parent.
    fn rewatch(&mut self) -> Vec<WatchError> {
        let mut want: BTreeMap<PathBuf, RecursiveMode> = BTreeMap::new();
        let mut put = |p: PathBuf, mode: RecursiveMode| {
            let mut at = p.as_path();
            let mut mode = mode;
            while !at.is_dir() {
                match at.parent() {
                    Some(parent) => at = parent,
                    None => return,
                }
                mode = RecursiveMode::NonRecursive;
            }
            let e = want.entry(at.to_path_buf()).or_insert(mode);
            if mode == RecursiveMode::Recursive {
                *e = mode;
            }
        };
        for f in self.inputs.files.keys() {
            if let Some(parent) = f.parent() {
                put(parent.to_path_buf(), RecursiveMode::NonRecursive);
            }
        }
        for d in self.inputs.dirs.keys() {
            put(d.clone(), RecursiveMode::Recursive);
        }
        for r in &self.roots {
            if r.is_file() {
                if let Some(parent) = r.parent() {
                    put(parent.to_path_buf(), RecursiveMode::NonRecursive);
                }
            } else {
                put(r.clone(), RecursiveMode::Recursive);
            }
        }
        // one watch per directory: what a recursive watch covers gets no other
        let recursive: Vec<PathBuf> = want
            .iter()
            .filter(|(_, m)| **m == RecursiveMode::Recursive)
            .map(|(p, _)| p.clone())
            .collect();
        want.retain(|p, _| !recursive.iter().any(|r| p.starts_with(r) && p != r));
        let mut errors = Vec::new();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(p, m)| want.get(*p) != Some(*m))
            .map(|(p, _)| p.clone())
            .collect();
        for p in stale {
            // a directory that is gone is not watched any more anyway
            let _ = self.debouncer.unwatch(&p);
            self.watched.remove(&p);
        }
        for (p, mode) in want {
            if self.watched.contains_key(&p) {
                continue;
            }
            match self.debouncer.watch(&p, mode) {
                Ok(()) => {
                    self.watched.insert(p, mode);
                }
                Err(source) => errors.push(WatchError::Path { path: p, source }),
            }
        }
        errors
    }

    /// Could a change of `path` concern a scenario: one of the inputs, or a YAML
    /// file under a root (a new scenario, a suite)? kdrill's own writes cannot.
    fn relevant(&self, path: &Path) -> bool {
        if self.ignored.iter().any(|i| path.starts_with(i))
            || path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(&format!(".{PENDING_EXT}")))
        {
            return false;
        }
        let yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
        !self.inputs.readers(path).is_empty()
            || (yaml && self.roots.iter().any(|r| path.starts_with(r)))
    }

    /// Wait for the next batch of changes that may concern a scenario; the paths
    /// (absolute), not yet compared with what the last run read ([`Watcher::changed`]).
    pub async fn next_batch(&mut self) -> Result<BTreeSet<PathBuf>, WatchError> {
        loop {
            let batch = match self.events.recv().await {
                None => return Err(WatchError::Stopped),
                Some(Err(errors)) => {
                    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    return Err(WatchError::Events(text.join("; ")));
                }
                Some(Ok(events)) => events,
            };
            let mut paths = BTreeSet::new();
            for ev in batch {
                // opening and reading a file (kdrill loads them) changes nothing
                let writes = !matches!(
                    ev.event.kind,
                    EventKind::Access(
                        AccessKind::Open(_)
                            | AccessKind::Read
                            | AccessKind::Close(AccessMode::Read)
                    ) | EventKind::Modify(ModifyKind::Metadata(_))
                );
                if writes {
                    paths.extend(ev.event.paths.iter().map(|p| normalize(p)));
                }
            }
            paths.retain(|p| self.relevant(p));
            if !paths.is_empty() {
                return Ok(paths);
            }
        }
    }

    /// Of `paths` (a batch), the files whose content differs from what was last
    /// seen, and the scenarios (of `scenarios`, freshly loaded) that read them; their
    /// content now is the new reference. The scenarios are then followed.
    pub fn changed(
        &mut self,
        paths: &BTreeSet<PathBuf>,
        scenarios: &[Scenario],
    ) -> (Vec<PathBuf>, BTreeSet<PathBuf>, Vec<WatchError>) {
        let inputs = Inputs::of(scenarios);
        let mut files = Vec::new();
        let mut rerun = BTreeSet::new();
        for p in paths {
            let readers = inputs.readers(p);
            if readers.is_empty() {
                continue;
            }
            // a file not seen before (a new scenario, a new manifest) is a change
            let now = fingerprint(p);
            if self.seen.insert(p.clone(), now) != Some(now) {
                files.push(p.clone());
                rerun.extend(readers);
            }
        }
        // what the reruns are about to read is their reference; other new inputs
        // get none yet: an event on its way for them is a change, not the reference
        self.inputs = inputs;
        let current = self.input_files_read_by(None);
        let current: std::collections::HashSet<&PathBuf> = current.iter().collect();
        self.seen.retain(|p, _| current.contains(p));
        for f in self.input_files_read_by(Some(&rerun)) {
            self.seen.entry(f).or_insert_with_key(|f| fingerprint(f));
        }
        let errors = self.rewatch();
        (files, rerun, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(dir: &Path, name: &str, body: &str) -> Scenario {
        let file = dir.join(format!("{name}.yaml"));
        let text = format!(
            "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: {name}\nsteps:\n{body}"
        );
        std::fs::write(&file, &text).unwrap();
        crate::scenario::load_file(&file).unwrap()
    }

    #[test]
    fn a_scenario_reads_its_file_manifests_host_files_and_snapshots() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("scenarios");
        std::fs::create_dir_all(dir.join("manifests/many")).unwrap();
        std::fs::create_dir_all(dir.join("chart")).unwrap();
        for f in ["manifests/cm.yaml", "manifests/many/a.yaml", "greeting.txt"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        let s = scenario(
            &dir,
            "reader",
            "  - apply: {file: manifests/cm.yaml}\n  - apply: {file: ./manifests/many}\n  - command: {run: \"cat greeting.txt /etc/hostname\"}\n    expect: {stdout: {snapshot: greeting}}\n  - command: {run: [ls, ., .., /tmp]}\n",
        );
        let other = scenario(&dir, "other", "  - sleep: 1s\n");
        let inputs = Inputs::of(&[s.clone(), other.clone()]);
        let abs = |p: &str| absolute(&dir.join(p));
        let reader = BTreeSet::from([s.file.clone()]);
        assert_eq!(inputs.readers(&abs("reader.yaml")), reader);
        assert_eq!(inputs.readers(&abs("manifests/cm.yaml")), reader);
        assert_eq!(inputs.readers(&abs("manifests/many/a.yaml")), reader);
        assert_eq!(inputs.readers(&abs("greeting.txt")), reader);
        // the snapshot file, before it exists
        let snap = absolute(&s.snapshot_files()[0]);
        assert!(
            snap.ends_with("snapshots/reader/greeting.ksnap"),
            "{snap:?}"
        );
        assert_eq!(inputs.readers(&snap), reader);
        assert_eq!(
            inputs.readers(&abs("other.yaml")),
            BTreeSet::from([other.file.clone()])
        );
        // `.`, `..` and absolute paths are not inputs: the chart directory nobody names
        // is read by nobody, /etc/hostname is not followed
        assert!(inputs.readers(&abs("chart/Chart.yaml")).is_empty());
        assert!(inputs.readers(Path::new("/etc/hostname")).is_empty());
        assert!(inputs.readers(&abs("unrelated.txt")).is_empty());
        // reader.yaml, its snapshot, cm.yaml, greeting.txt; other.yaml; the directory
        assert_eq!(inputs.len(), 6, "{inputs:?}");
    }

    /// The next batch, with a guard against a hang (not a wait for something).
    async fn next(w: &mut Watcher) -> BTreeSet<PathBuf> {
        tokio::time::timeout(Duration::from_secs(60), w.next_batch())
            .await
            .expect("a batch of changes")
            .unwrap()
    }

    /// Batches until one holds `path`; the ones before it (the rest of an earlier
    /// write's events) must rerun nothing.
    async fn batch_with(w: &mut Watcher, path: &Path, all: &[Scenario]) -> BTreeSet<PathBuf> {
        loop {
            let batch = next(w).await;
            if batch.contains(path) {
                return batch;
            }
            let (files, rerun, _) = w.changed(&batch, all);
            assert!(files.is_empty() && rerun.is_empty(), "{batch:?}: {files:?}");
        }
    }

    #[tokio::test]
    async fn only_changed_content_by_someone_else_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("scenarios");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("greeting.txt"), "hello").unwrap();
        let a = scenario(
            &dir,
            "a",
            "  - command: {run: cat greeting.txt}\n    expect: {stdout: {snapshot: greeting}}\n",
        );
        let b = scenario(&dir, "b", "  - sleep: 1s\n");
        let snap = absolute(&a.snapshot_files()[0]);
        std::fs::create_dir_all(snap.parent().unwrap()).unwrap();
        std::fs::write(&snap, "hello").unwrap();
        let report = dir.join("report.json");
        let mut w =
            Watcher::start(std::slice::from_ref(&dir), std::slice::from_ref(&report)).unwrap();
        let all = [a.clone(), b.clone()];
        assert!(w.track(&all).is_empty());

        // a run (as with --update) rewrites the snapshot, leaves a pending file and
        // a report, reads every file; then someone edits greeting.txt
        std::fs::write(&snap, "bonjour").unwrap();
        w.after_run();
        std::fs::write(snap.with_extension("ksnap.pending"), "x").unwrap();
        std::fs::write(&report, "{}").unwrap();
        let _ = std::fs::read_to_string(dir.join("b.yaml")).unwrap();
        std::fs::write(dir.join("greeting.txt"), "bonjour").unwrap();
        let greeting = absolute(&dir.join("greeting.txt"));
        let mut batch = batch_with(&mut w, &greeting, &all).await;
        batch.remove(&snap);
        assert_eq!(batch, BTreeSet::from([greeting.clone()]));
        let (files, rerun, _) = w.changed(&batch, &all);
        assert_eq!(files, vec![greeting]);
        assert_eq!(rerun, BTreeSet::from([a.file.clone()]));

        // saved without a change: an event, no rerun; a new scenario file: a rerun of it
        let b_file = absolute(&b.file);
        std::fs::write(&b_file, std::fs::read(&b_file).unwrap()).unwrap();
        let batch = batch_with(&mut w, &b_file, &all).await;
        let (files, rerun, _) = w.changed(&batch, &all);
        assert!(files.is_empty() && rerun.is_empty(), "{files:?}");
        let c = scenario(&dir, "c", "  - sleep: 1s\n");
        let all = [a, b, c.clone()];
        let batch = batch_with(&mut w, &absolute(&c.file), &all).await;
        let (_, rerun, _) = w.changed(&batch, &all);
        assert_eq!(rerun, BTreeSet::from([c.file]));
    }
}
