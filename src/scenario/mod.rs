//! The scenario format (`apiVersion: kdrill.dev/v1alpha1`, `kind: Scenario`): the
//! typed model every other part reads, and its loading with positions (`load`).
//! See `docs/scenario-format.md` for the user-facing description.

mod context;
mod discover;
mod format;
mod load;
pub mod positions;
mod template;

pub use context::{LoadError, LoadErrors};
pub use discover::{discover, load_all, load_file};
pub use format::schema_root;
pub use load::load_str;

use crate::duration::HumanDuration;
use crate::expect::Expect;
pub use crate::steps::Action;
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The `apiVersion` of scenario files this build understands.
pub const API_VERSION: &str = "kdrill.dev/v1alpha1";
/// The `kind` of scenario files.
pub const KIND: &str = "Scenario";
/// The `kind` of a suite file: setup and teardown around a directory's scenarios.
pub const SUITE_KIND: &str = "Suite";
/// The file name of a suite: it applies to the scenarios of its directory and below.
pub const SUITE_FILE: &str = "suite.yaml";

/// A place in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One scenario, loaded and validated.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was read from.
    pub file: PathBuf,
    /// Relative paths in steps are resolved from here.
    pub dir: PathBuf,
    pub name: String,
    pub description: Option<String>,
    /// Default timeout of each step of this scenario.
    pub timeout: Option<Duration>,
    /// Run alone, never beside another scenario (it touches shared node state).
    pub serial: bool,
    /// Extra labels for the scenario's namespace (e.g. Pod Security levels).
    pub namespace_labels: std::collections::BTreeMap<String, String>,
    /// Variables for `${NAME}` (see `vars`).
    pub vars: crate::vars::Vars,
    /// Variables computed when the scenario starts, in an order where each comes after
    /// those it reads.
    pub computed: Vec<VarExpr>,
    /// Variables the run must get with `--set`.
    pub inputs: Vec<String>,
    /// It may read files outside its project.
    pub outside_files: bool,
    /// The scenario's own normalisation rules for snapshots.
    pub redact: Vec<crate::snapshot::redact::RedactRule>,
    /// Tags, selected with `kdrill run --selector`.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Why this scenario does not run, when it does not.
    pub skip: Option<String>,
    /// What the cluster must have for this scenario to run.
    pub requires: Option<Requires>,
    /// `steps`, then `catch`, then `finally`, numbered on; see [`Step::section`].
    pub steps: Vec<Step>,
    /// This is a `kind: Suite` file: `setup` and `teardown` around the scenarios of
    /// its directory (and below).
    pub is_suite: bool,
    /// The suite this scenario belongs to (the nearest suite file above it).
    pub suite: Option<std::sync::Arc<Scenario>>,
}

impl Scenario {
    /// Where the snapshots of `step` are stored, and how they are described.
    pub fn snapshot_site(&self, step: &Step) -> crate::snapshot::Site {
        crate::snapshot::Site {
            scenario_file: self.file.clone(),
            step_number: step.number,
            step_label: step.label(),
            location: step.location.to_string(),
            summary: step.action.summary(),
        }
    }

    /// Every snapshot file this scenario's steps compare with.
    pub fn snapshot_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for step in &self.steps {
            let site = self.snapshot_site(step);
            for (captured, m) in step.expect.text_fields() {
                if let Some(n) = m.and_then(|m| m.snapshot()) {
                    out.push(site.path_for(captured, n));
                }
            }
        }
        out
    }

    /// The steps of one section, in order.
    pub fn section(&self, section: Section) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(move |s| s.section == section)
    }
}

/// Which list of the scenario a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The scenario proper: run in order, stopping at the first failure.
    Steps,
    /// Run only after a failure of `steps`, to gather evidence.
    Catch,
    /// Always run after `steps` (and `catch`).
    Finally,
    /// A suite's `setup`: run like `steps`, before the suite's scenarios.
    Setup,
    /// A suite's `teardown`: run like `finally`, after the suite's scenarios.
    Teardown,
}

impl Section {
    pub fn keyword(self) -> &'static str {
        match self {
            Section::Steps => "steps",
            Section::Catch => "catch",
            Section::Finally => "finally",
            Section::Setup => "setup",
            Section::Teardown => "teardown",
        }
    }
}

/// A variable computed when the scenario starts: `vars: {NAME: {expr: CEL}}`.
#[derive(Debug, Clone)]
pub struct VarExpr {
    pub name: String,
    pub expr: crate::wait::Expr,
    /// Its place in the file, for a failure to compute it.
    pub location: Location,
}

/// The built-in variables of the API server's version (`/version`, read when the run
/// starts): `KUBERNETES_VERSION` as the server says it (`v1.34.4`), and
/// `KUBERNETES_MAJOR`, `KUBERNETES_MINOR` as plain numbers (`1`, `34`; providers'
/// suffixes such as `30+` dropped). Empty when the server's version cannot be read.
pub fn version_vars(server: &str) -> [(&'static str, String); 3] {
    let (major, minor) = parse_version(server)
        .map(|(a, b, _)| (a.to_string(), b.to_string()))
        .unwrap_or_default();
    [
        (VERSION_VARS[0], server.to_string()),
        (VERSION_VARS[1], major),
        (VERSION_VARS[2], minor),
    ]
}

/// The names [`version_vars`] defines.
pub const VERSION_VARS: [&str; 3] = ["KUBERNETES_VERSION", "KUBERNETES_MAJOR", "KUBERNETES_MINOR"];

/// `requires:` of a scenario: it is skipped (with the reason) on clusters (or
/// machines) without these.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Requires {
    /// Kubernetes server version, e.g. `">=1.30"`, `"<1.35"`, `">=1.29, <1.35"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<String>,
    /// Resources that must be served, as kinds are written elsewhere:
    /// `certificates.cert-manager.io`, `deployment.apps`, `cronjobs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Programs the scenario's steps start on this machine (`helm` for a chart,
    /// `kustomize`, a host command's tool): on `PATH`, or a path to an executable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
}

/// A value of a scenario that its type alone does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{0}` is not a comparison: use >=, >, <=, < or =")]
    NotAComparison(String),
    #[error("`{0}` is not a version: expected MAJOR.MINOR, e.g. `>=1.30`")]
    NotAVersion(String),
    #[error("`{0}` is not a source: expected stdout, stderr, output, or a field path such as `.status.podIP`")]
    NotASource(String),
    #[error(transparent)]
    FieldPath(#[from] crate::fieldpath::FieldPathError),
}

/// A version requirement: comma-separated `OP MAJOR.MINOR[.PATCH]` with OP one of
/// `>=`, `>`, `<=`, `<`, `=`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionReq(Vec<(String, (u64, u64, u64))>);

impl VersionReq {
    pub fn parse(text: &str) -> Result<VersionReq, ValueError> {
        let mut parts = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let op_len = part
                .find(|c: char| c.is_ascii_digit() || c == 'v')
                .unwrap_or(part.len());
            let (op, version) = part.split_at(op_len);
            let op = match op.trim() {
                "" => "=",
                o @ (">=" | ">" | "<=" | "<" | "=") => o,
                o => return Err(ValueError::NotAComparison(o.to_string())),
            };
            let v = parse_version(version)
                .ok_or_else(|| ValueError::NotAVersion(version.to_string()))?;
            parts.push((op.to_string(), v));
        }
        Ok(VersionReq(parts))
    }

    /// Does a server version such as `v1.34.4` satisfy it?
    pub fn matches(&self, server: &str) -> bool {
        let Some(v) = parse_version(server) else {
            return false;
        };
        self.0.iter().all(|(op, want)| {
            // a requirement without patch compares major.minor only
            let v = if want.2 == u64::MAX {
                (v.0, v.1, u64::MAX)
            } else {
                v
            };
            match op.as_str() {
                ">=" => v >= *want,
                ">" => v > *want,
                "<=" => v <= *want,
                "<" => v < *want,
                _ => v == *want,
            }
        })
    }
}

/// `v1.34.4`, `1.34`, `v1.34.4-gke.1` → (1, 34, 4); a missing patch is `u64::MAX`.
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim().trim_start_matches('v');
    let core = t.split(['-', '+']).next()?;
    let mut it = core.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    let patch = match it.next() {
        Some(p) => p.parse().ok()?,
        None => u64::MAX,
    };
    Some((major, minor, patch))
}

/// Where `save:` takes a value from.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveSource {
    Stdout,
    Stderr,
    /// The text output of `get` or `logs`.
    Output,
    /// A field of the step's object, e.g. `.status.podIP`, `.spec.containers[0].image`.
    Field(String),
}

impl SaveSource {
    pub fn parse(text: &str) -> Result<SaveSource, ValueError> {
        match text.trim() {
            "stdout" => Ok(SaveSource::Stdout),
            "stderr" => Ok(SaveSource::Stderr),
            "output" => Ok(SaveSource::Output),
            t if t.starts_with('.') => {
                crate::fieldpath::validate(t)?;
                Ok(SaveSource::Field(t.to_string()))
            }
            t => Err(ValueError::NotASource(t.to_string())),
        }
    }
}

impl fmt::Display for SaveSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveSource::Stdout => f.write_str("stdout"),
            SaveSource::Stderr => f.write_str("stderr"),
            SaveSource::Output => f.write_str("output"),
            SaveSource::Field(p) => f.write_str(p),
        }
    }
}

/// One step: what to do, and what to expect of it.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position in the scenario (`steps`, then `catch`, then `finally`).
    pub number: usize,
    pub section: Section,
    pub name: Option<String>,
    pub timeout: Option<Duration>,
    pub expect: Expect,
    /// The action and `expect` as written, when they use `${VARS}`: read again, with
    /// the variables replaced, just before the step runs ([`Step::resolve`]).
    pub template: Option<Template>,
    pub retry: Option<Retry>,
    /// A failure is reported but does not fail the scenario.
    pub allow_failure: bool,
    /// Variables for later steps, taken from this step's outcome.
    pub save: Vec<(String, SaveSource)>,
    pub action: Action,
    pub location: Location,
    /// Where it came from when it is not written as it is: `template NAME used at
    /// FILE:LINE`, `APP=web` (a `forEach` item); shown in its label.
    pub context: Vec<String>,
}

/// A step's action and expectations as written, for steps that use `${VARS}`.
#[derive(Debug, Clone)]
pub struct Template {
    pub action: serde_yaml::Value,
    pub expect: Option<serde_yaml::Value>,
    /// Quoted scalars, by their paths from the step (`wait.for`, `expect.stdout`).
    pub quoted: positions::QuotedPaths,
}

/// Why a step could not be made ready to run once its variables were replaced.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Vars(#[from] crate::vars::VarsError),
    #[error("{at}, after variables: {message}")]
    Spec { at: String, message: String },
}

impl Step {
    /// This step with `${VARS}` replaced in its action and expectations, read again
    /// and checked as the loader does (a copy only when the step uses variables). The
    /// one place where variables reach a step; each kind's `VERBATIM` keys stay as
    /// written.
    pub fn resolve(
        &self,
        vars: &crate::vars::Vars,
    ) -> Result<std::borrow::Cow<'_, Step>, ResolveError> {
        use crate::vars::expand_value;
        let Some(t) = &self.template else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        let keyword = self.action.keyword();
        let verbatim = Action::verbatim(keyword);
        let action = match &t.action {
            serde_yaml::Value::Mapping(m) => {
                let mut out = serde_yaml::Mapping::new();
                for (k, v) in m {
                    let key = k.as_str().unwrap_or_default();
                    let v = if verbatim.contains(&key) {
                        v.clone()
                    } else {
                        expand_value(v, vars, &format!("{keyword}.{key}"), &t.quoted)?
                    };
                    out.insert(k.clone(), v);
                }
                serde_yaml::Value::Mapping(out)
            }
            other => expand_value(other, vars, keyword, &t.quoted)?,
        };
        let spec_error = |at: &str, message: String| ResolveError::Spec {
            at: at.to_string(),
            message,
        };
        let action = match Action::from_value(keyword, action) {
            Some(Ok(a)) => a,
            Some(Err(e)) => return Err(spec_error(keyword, e.to_string())),
            None => return Err(spec_error(keyword, "not a step kind".into())),
        };
        if let Some(p) = action.validate().into_iter().next() {
            let at = if p.path.is_empty() {
                keyword.to_string()
            } else {
                format!("{keyword}.{}", p.path)
            };
            return Err(spec_error(&at, p.message));
        }
        let mut step = self.clone();
        step.action = action;
        if let Some(e) = &t.expect {
            let e = expand_value(e, vars, "expect", &t.quoted)?;
            step.expect =
                serde_yaml::from_value(e).map_err(|e| spec_error("expect", e.to_string()))?;
        }
        Ok(std::borrow::Cow::Owned(step))
    }

    /// The step as a scenario file would hold it.
    pub fn spec(&self) -> StepSpec {
        StepSpec {
            name: self.name.clone(),
            action: self.action.clone(),
            timeout: self.timeout.map(HumanDuration),
            expect: self.expect.clone(),
            retry: self.retry.clone(),
            allow_failure: self.allow_failure,
            save: self
                .save
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
        }
    }

    /// The step's own name, or its summary; `catch`/`finally` steps say so, and
    /// steps from a template or a `forEach` say which.
    pub fn label(&self) -> String {
        let mut label = self.name.clone().unwrap_or_else(|| self.action.summary());
        if !self.context.is_empty() {
            label = format!("{label} ({})", self.context.join(", "));
        }
        match self.section {
            Section::Steps => label,
            s => format!("{}: {label}", s.keyword()),
        }
    }
}

/// A step as a scenario file holds it, for the code that writes scenarios (import,
/// migrate): typed, so a draft that would not load does not compile.
#[derive(Debug, Clone)]
pub struct StepSpec {
    pub name: Option<String>,
    pub action: Action,
    pub timeout: Option<HumanDuration>,
    pub expect: Expect,
    pub retry: Option<Retry>,
    pub allow_failure: bool,
    pub save: std::collections::BTreeMap<String, String>,
}

impl StepSpec {
    pub fn new(action: Action) -> StepSpec {
        StepSpec {
            name: None,
            action,
            timeout: None,
            expect: Expect::default(),
            retry: None,
            allow_failure: false,
            save: Default::default(),
        }
    }
}

impl serde::Serialize for StepSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let mut m = s.serialize_map(None)?;
        if let Some(n) = &self.name {
            m.serialize_entry("name", n)?;
        }
        let spec = self.action.spec_value().map_err(S::Error::custom)?;
        m.serialize_entry(self.action.keyword(), &spec)?;
        if let Some(t) = &self.timeout {
            m.serialize_entry("timeout", t)?;
        }
        if !self.expect.is_empty() {
            m.serialize_entry("expect", &self.expect)?;
        }
        if let Some(r) = &self.retry {
            m.serialize_entry("retry", r)?;
        }
        if self.allow_failure {
            m.serialize_entry("allowFailure", &true)?;
        }
        if !self.save.is_empty() {
            m.serialize_entry("save", &self.save)?;
        }
        m.end()
    }
}

/// `retry:` for steps that are only eventually true.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retry {
    pub attempts: u32,
    #[serde(default = "default_backoff")]
    pub backoff: HumanDuration,
}

fn default_backoff() -> HumanDuration {
    HumanDuration(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_requirements() {
        let r = VersionReq::parse(">=1.30, <1.35").unwrap();
        assert!(r.matches("v1.34.4"));
        assert!(r.matches("v1.30.0-gke.1"));
        assert!(!r.matches("v1.29.9"));
        assert!(!r.matches("v1.35.0"));
        assert!(VersionReq::parse("1.34").unwrap().matches("v1.34.4"));
        assert!(!VersionReq::parse("=1.34.3").unwrap().matches("v1.34.4"));
        assert!(VersionReq::parse("~1.3").is_err());
        assert!(VersionReq::parse(">=one").is_err());
    }

    #[test]
    fn save_sources() {
        assert_eq!(SaveSource::parse("stdout"), Ok(SaveSource::Stdout));
        assert_eq!(
            SaveSource::parse(".status.podIP"),
            Ok(SaveSource::Field(".status.podIP".into()))
        );
        assert!(SaveSource::parse("status.podIP").is_err());
    }
}
