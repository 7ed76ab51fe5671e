//! A post's own settings for `kdrill check` and `kdrill refresh`: a sidecar file beside
//! the post (`POST.kdrill.yaml` for `POST.md`), or a `kdrill:` key in the post's YAML
//! front matter, never both.
//!
//! ```yaml
//! context: kind-blog            # the context to check against (it must still be allowed)
//! namespace: blog-demo          # an existing namespace instead of a fresh one
//! files:                        # what the post links but does not show (gists), by the
//!   pod.yaml: gists/pod.yaml    #   draft's name for it: a path relative to the post
//! skip:                         # outputs not compared: by command (or a part of it), or by a
//!   - {command: kubectl get pods -n kube-system, reason: the system pods differ}
//!   - {command: kubectl get pods web, occurrence: 2, reason: ...}   # only the second one
//!   - {line: 465, reason: ...}  #   line of the command or its output (lines move on a refresh)
//! redact:                       # more normalisation, on both sides, after kdrill's own
//!   - {pattern: 'Restart Count:\s+\d+', replacement: 'Restart Count: [N]'}
//! ```

use crate::snapshot::redact::RedactRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a post says about how it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// The kubeconfig context to check against; `--context` wins. It must be allowed
    /// like any other.
    #[serde(default)]
    pub context: Option<String>,
    /// Run in this existing namespace (kdrill deletes only what it created there)
    /// instead of a fresh one; `--namespace` wins.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Files the post links instead of showing (a gist, a repository): the draft's
    /// name for it (`manifests/NAME`, as IMPORT.md lists it) → a path relative to the post.
    #[serde(default)]
    pub files: BTreeMap<String, PathBuf>,
    /// Outputs that are not compared, and why.
    #[serde(default)]
    pub skip: Vec<Skip>,
    /// More normalisation, applied to the post and to the cluster alike.
    #[serde(default)]
    pub redact: Vec<RedactRule>,
}

/// An output that is not compared: by its command (the command as the post writes
/// it, or a part of it: stays true when a refresh moves lines), or by a post line of
/// the command or of its output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Skip {
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
    /// With `command:`, only its Nth occurrence in the post (1-based).
    #[serde(default)]
    pub occurrence: Option<usize>,
    pub reason: String,
}

impl Skip {
    /// Does it name the command `text` at post line `line`, with output at `output`?
    pub fn names(&self, text: &str, line: usize, output: &[usize]) -> bool {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let by_command = self
            .command
            .as_deref()
            .is_some_and(|c| flat(text).contains(&flat(c)));
        let by_line = self.line.is_some_and(|n| n == line || output.contains(&n));
        by_command || by_line
    }
}

/// Where the settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    None,
    Sidecar(PathBuf),
    FrontMatter,
}

/// Why a post's settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: files: {name}: {file} does not exist")]
    MissingFile {
        path: String,
        name: String,
        file: PathBuf,
    },
    #[error("{path}: files: `{name}` is not a file name of the draft (no `/`, no `..`)")]
    BadName { path: String, name: String },
    #[error(
        "{sidecar} and the `kdrill:` key of the post's front matter both hold settings: keep one"
    )]
    Twice { sidecar: PathBuf },
}

/// The sidecar file of a post: `x.md` → `x.kdrill.yaml`.
pub fn sidecar_path(post: &Path) -> PathBuf {
    let stem = post
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "post".into());
    post.with_file_name(format!("{stem}.kdrill.yaml"))
}

/// The `kdrill:` key of a post's YAML front matter, if it has one.
fn front_matter(post: &str) -> Result<Option<serde_yaml::Value>, String> {
    let lines: Vec<&str> = post.lines().collect();
    let Some((a, z)) = crate::import::blocks::front_matter(&lines) else {
        return Ok(None);
    };
    if lines[0].trim_end() != "---" {
        // TOML front matter (`+++`): no YAML to read
        return Ok(None);
    }
    let body = lines[a..z - 1].join("\n");
    let v: serde_yaml::Value = match serde_yaml::from_str(&body) {
        Ok(v) => v,
        // a front matter kdrill cannot read has no settings for it either
        Err(_) => return Ok(None),
    };
    Ok(v.get("kdrill").cloned())
}

fn parse(value: serde_yaml::Value, at: &str) -> Result<Settings, SettingsError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        SettingsError::Invalid {
            path: if path == "." {
                at.to_string()
            } else {
                format!("{at}: {path}")
            },
            message: e.into_inner().to_string(),
        }
    })
}

/// Read the settings of the post at `post` (its text is `text`): its sidecar, or its
/// front matter's `kdrill:` key, or none. Files it names must exist.
pub fn load(post: &Path, text: &str) -> Result<(Settings, Source), SettingsError> {
    let sidecar = sidecar_path(post);
    let in_front = front_matter(text).unwrap_or(None);
    let (settings, source, at) = match std::fs::read_to_string(&sidecar) {
        Ok(yaml) => {
            if in_front.is_some() {
                return Err(SettingsError::Twice { sidecar });
            }
            let at = sidecar.display().to_string();
            let value: serde_yaml::Value =
                serde_yaml::from_str(&yaml).map_err(|e| SettingsError::Invalid {
                    path: at.clone(),
                    message: e.to_string(),
                })?;
            let settings = if value.is_null() {
                Settings::default()
            } else {
                parse(value, &at)?
            };
            (settings, Source::Sidecar(sidecar), at)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match in_front {
            Some(v) => {
                let at = format!("{} (front matter, kdrill)", post.display());
                (parse(v, &at)?, Source::FrontMatter, at)
            }
            None => return Ok((Settings::default(), Source::None)),
        },
        Err(source) => {
            return Err(SettingsError::Read {
                path: sidecar,
                source,
            })
        }
    };
    for (k, skip) in settings.skip.iter().enumerate() {
        if skip.command.is_none() == skip.line.is_none() {
            return Err(SettingsError::Invalid {
                path: format!("{at}: skip[{k}]"),
                message: "give the output's `command:` or a `line:` (one of them)".into(),
            });
        }
    }
    let base = post.parent().unwrap_or(Path::new(""));
    let mut settings = settings;
    for (name, file) in settings.files.iter_mut() {
        if name.is_empty()
            || name.contains('/')
            || name.contains('\\')
            || name == ".."
            || name == "."
        {
            return Err(SettingsError::BadName {
                path: at.clone(),
                name: name.clone(),
            });
        }
        let full = base.join(&*file);
        if !full.is_file() {
            return Err(SettingsError::MissingFile {
                path: at.clone(),
                name: name.clone(),
                file: full,
            });
        }
        *file = full;
    }
    Ok((settings, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_settings_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let post = dir.path().join("p.md");
        let (s, src) = load(&post, "# p\n").unwrap();
        assert_eq!(src, Source::None);
        assert!(s.files.is_empty() && s.skip.is_empty() && s.context.is_none());
    }

    #[test]
    fn a_sidecar_names_files_skips_and_rules() {
        let dir = tempfile::tempdir().unwrap();
        let post = dir.path().join("p.md");
        std::fs::create_dir(dir.path().join("gists")).unwrap();
        std::fs::write(dir.path().join("gists/pod.yaml"), "kind: Pod\n").unwrap();
        std::fs::write(
            sidecar_path(&post),
            "context: kind-blog\nfiles:\n  pod.yaml: gists/pod.yaml\nskip:\n- {line: 12, reason: system pods}\nredact:\n- {pattern: 'x\\d', replacement: '[X]'}\n",
        )
        .unwrap();
        let (s, src) = load(&post, "# p\n").unwrap();
        assert_eq!(src, Source::Sidecar(dir.path().join("p.kdrill.yaml")));
        assert_eq!(s.context.as_deref(), Some("kind-blog"));
        assert_eq!(s.files["pod.yaml"], dir.path().join("gists/pod.yaml"));
        assert_eq!(s.skip[0].line, Some(12));
        assert!(s.skip[0].names("kubectl get pods", 10, &[11, 12]));
        assert!(!s.skip[0].names("kubectl get pods", 10, &[11]));
        let by_command = Skip {
            command: Some("logs  web".into()),
            line: None,
            occurrence: None,
            reason: String::new(),
        };
        assert!(by_command.names("kubectl logs web -c x", 99, &[]));
        assert!(!by_command.names("kubectl logs db", 99, &[]));
        assert_eq!(s.redact.len(), 1);
    }

    #[test]
    fn front_matter_settings_and_their_errors() {
        let dir = tempfile::tempdir().unwrap();
        let post = dir.path().join("p.md");
        let text = "---\ntitle: x\nkdrill:\n  namespace: demo\n---\n# p\n";
        let (s, src) = load(&post, text).unwrap();
        assert_eq!(src, Source::FrontMatter);
        assert_eq!(s.namespace.as_deref(), Some("demo"));
        // a key kdrill does not know is an error that names it
        let bad = "---\nkdrill:\n  skips: []\n---\n";
        let e = load(&post, bad).unwrap_err().to_string();
        assert!(e.contains("skips"), "{e}");
        // a file that is not there, a name that is not a name
        let missing = "---\nkdrill:\n  files: {a.yaml: nowhere.yaml}\n---\n";
        let e = load(&post, missing).unwrap_err();
        assert!(matches!(e, SettingsError::MissingFile { .. }), "{e}");
        let escape = "---\nkdrill:\n  files: {../a.yaml: p.md}\n---\n";
        let e = load(&post, escape).unwrap_err();
        assert!(matches!(e, SettingsError::BadName { .. }), "{e}");
        // both places
        std::fs::write(sidecar_path(&post), "context: a\n").unwrap();
        let e = load(&post, text).unwrap_err();
        assert!(matches!(e, SettingsError::Twice { .. }), "{e}");
    }

    #[test]
    fn a_bad_pattern_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let post = dir.path().join("p.md");
        std::fs::write(
            sidecar_path(&post),
            "redact:\n- {pattern: '(', replacement: x}\n",
        )
        .unwrap();
        let e = load(&post, "").unwrap_err().to_string();
        assert!(e.contains("invalid regex"), "{e}");
    }
}
