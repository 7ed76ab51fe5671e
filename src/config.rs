//! The project file `.kdrill.yaml`: defaults for a directory tree of scenarios
//! (timeouts per step kind, parallelism, reports) and the contexts kdrill may run
//! against. Found in the current directory or the nearest parent; the command line
//! wins over it, and scenarios and steps win over its timeouts.

use crate::duration::HumanDuration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const FILE_NAME: &str = ".kdrill.yaml";

#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectConfig {
    /// `kdrill.dev/v1alpha1`
    pub api_version: Option<String>,
    /// `Config`
    pub kind: Option<String>,
    /// Kubeconfig contexts kdrill may run against (`*` at the end matches any suffix).
    #[serde(default)]
    pub allowed_contexts: Vec<String>,
    #[serde(default)]
    pub defaults: Defaults,
}

#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Defaults {
    /// Timeout of a step when neither it nor its scenario sets one (CLI: --timeout).
    pub timeout: Option<HumanDuration>,
    /// Timeouts per step kind: `{apply: 20s, wait: 3m, exec: 30s}`.
    #[serde(default)]
    pub timeouts: BTreeMap<String, HumanDuration>,
    /// Scenarios at once (CLI: -j).
    pub parallel: Option<u16>,
    /// Reports written by every run: `["junit=reports/junit.xml", "json=reports/run.json"]`.
    #[serde(default)]
    pub reports: Vec<String>,
    /// First part of scenario namespaces: `<prefix>-<scenario>-<random>` (default `kdrill`).
    pub namespace_prefix: Option<String>,
}

/// A project file that was found, and where.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub config: ProjectConfig,
}

/// A project file kdrill cannot use; every message starts with its path.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}{at}: {source}")]
    Yaml {
        path: PathBuf,
        /// `:line:col`, when serde_yaml knows it.
        at: String,
        source: serde_yaml::Error,
    },
    #[error(
        "{path}: expected `apiVersion: {}`, got `{found}`",
        crate::scenario::API_VERSION
    )]
    ApiVersion { path: PathBuf, found: String },
    #[error("{path}: expected `kind: Config`, got `{found}`")]
    Kind { path: PathBuf, found: String },
    #[error("{path}: defaults.timeouts: `{found}` is not a step kind (one of {})", crate::steps::Action::KEYWORDS.join(", "))]
    StepKind { path: PathBuf, found: String },
}

impl ProjectConfig {
    pub fn parse(path: &Path, text: &str) -> Result<ProjectConfig, ConfigError> {
        let path_buf = || path.to_path_buf();
        let cfg: ProjectConfig = serde_yaml::from_str(text).map_err(|source| {
            let at = source
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            ConfigError::Yaml {
                path: path_buf(),
                at,
                source,
            }
        })?;
        if let Some(v) = &cfg.api_version {
            if v != crate::scenario::API_VERSION {
                return Err(ConfigError::ApiVersion {
                    path: path_buf(),
                    found: v.clone(),
                });
            }
        }
        if let Some(k) = &cfg.kind {
            if k != "Config" {
                return Err(ConfigError::Kind {
                    path: path_buf(),
                    found: k.clone(),
                });
            }
        }
        for k in cfg.defaults.timeouts.keys() {
            if !crate::steps::Action::KEYWORDS.contains(&k.as_str()) {
                return Err(ConfigError::StepKind {
                    path: path_buf(),
                    found: k.clone(),
                });
            }
        }
        Ok(cfg)
    }

    /// The project's timeout for a step kind, if it sets one.
    pub fn timeout_for(&self, kind: &str) -> Option<Duration> {
        self.defaults.timeouts.get(kind).map(|d| d.0)
    }
}

/// Find `.kdrill.yaml` in `start` or its nearest parent that has one.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Load the project file for the current directory (`KDRILL_CONFIG` names one directly).
pub fn load() -> Result<Loaded, ConfigError> {
    let path = match std::env::var_os("KDRILL_CONFIG") {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::current_dir().ok().and_then(|d| find(&d)),
    };
    let Some(path) = path else {
        return Ok(Loaded::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    Ok(Loaded {
        config: ProjectConfig::parse(&path, &text)?,
        path: Some(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_rejects_unknowns() {
        let p = Path::new(".kdrill.yaml");
        let c = ProjectConfig::parse(
            p,
            "apiVersion: kdrill.dev/v1alpha1\nkind: Config\nallowedContexts: [kind-*, testbed]\ndefaults:\n  timeout: 2m\n  parallel: 8\n  timeouts: {wait: 3m}\n",
        )
        .unwrap();
        assert_eq!(c.timeout_for("wait"), Some(Duration::from_secs(180)));
        assert_eq!(c.timeout_for("apply"), None);
        assert_eq!(c.defaults.parallel, Some(8));
        let e = ProjectConfig::parse(p, "defaults:\n  timeouts: {wiat: 3m}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`wiat` is not a step kind"), "{e}");
        let e = ProjectConfig::parse(p, "defautls: {}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(".kdrill.yaml:1:1"), "{e}");
    }

    #[test]
    fn found_in_the_nearest_parent() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find(&deep), None);
        std::fs::write(dir.path().join(FILE_NAME), "{}").unwrap();
        let found = find(&deep).unwrap();
        assert!(
            found.ends_with(FILE_NAME)
                && found.parent() == std::fs::canonicalize(dir.path()).ok().as_deref()
        );
    }
}
