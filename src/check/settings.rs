//! A post's own settings for `kdrill check` and `kdrill refresh`: a sidecar file beside
//! the post (`POST.kdrill.yaml` for `POST.md`), or a `kdrill:` key in the post's YAML
//! front matter, never both.
//!
//! ```yaml
//! context: kind-blog            # the context to check against (it must still be allowed)
//! namespace: blog-demo          # an existing namespace instead of a fresh one
//! skip:                         # outputs not compared, by a line of the command or its output
//!   - {line: 465, reason: the system pods differ from cluster to cluster}
//! redact:                       # more normalisation, on both sides, after kdrill's own
//!   - {pattern: 'Restart Count:\s+\d+', replacement: 'Restart Count: [N]'}
//! ```

use crate::snapshot::redact::RedactRule;
use serde::Deserialize;
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
    /// Outputs that are not compared, and why.
    #[serde(default)]
    pub skip: Vec<Skip>,
    /// More normalisation, applied to the post and to the cluster alike.
    #[serde(default)]
    pub redact: Vec<RedactRule>,
}

/// An output that is not compared: by a post line of its command or of the output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Skip {
    pub line: usize,
    pub reason: String,
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
/// front matter's `kdrill:` key, or none.
pub fn load(post: &Path, text: &str) -> Result<(Settings, Source), SettingsError> {
    let sidecar = sidecar_path(post);
    let in_front = front_matter(text).unwrap_or(None);
    let (settings, source) = match std::fs::read_to_string(&sidecar) {
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
            (settings, Source::Sidecar(sidecar))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match in_front {
            Some(v) => {
                let at = format!("{} (front matter, kdrill)", post.display());
                (parse(v, &at)?, Source::FrontMatter)
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
        assert!(s.skip.is_empty() && s.context.is_none());
    }

    #[test]
    fn a_sidecar_names_files_skips_and_rules() {
        let dir = tempfile::tempdir().unwrap();
        let post = dir.path().join("p.md");
        std::fs::write(
            sidecar_path(&post),
            "context: kind-blog\nskip:\n- {line: 12, reason: system pods}\nredact:\n- {pattern: 'x\\d', replacement: '[X]'}\n",
        )
        .unwrap();
        let (s, src) = load(&post, "# p\n").unwrap();
        assert_eq!(src, Source::Sidecar(dir.path().join("p.kdrill.yaml")));
        assert_eq!(s.context.as_deref(), Some("kind-blog"));
        assert_eq!(s.skip[0].line, 12);
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
