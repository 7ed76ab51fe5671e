//! The kubectl grammar: an argv read the way kubectl reads it. Global flags go
//! anywhere (`kubectl -n shop get pods`, `kubectl -f quota.yaml apply`), short flags
//! cluster and take glued values (`-it`, `-owide`, `-nkube-system`), `--flag=value`
//! and `--flag value` are the same, `--` ends the flags, and flags whose meaning
//! depends on the verb (`-f` follows for `logs`, `-p` is `--previous` there) are read
//! for their verb. The result is a typed command that translation reads.
//!
//! `grammar` holds what kubectl accepts (verbs, subcommands, flags that take a value),
//! `kinds` the names of the kinds; here the typed command and the reading of an argv.

mod grammar;
mod kinds;
#[cfg(test)]
mod tests;

pub use grammar::VERBS;
use grammar::{canonical_sub, has_sub, long_valued, short_flag};
pub use kinds::canonical_kind;

use thiserror::Error;

/// Why an argv is not a kubectl command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubectlError {
    #[error("no kubectl command (verb) in `kubectl {0}`")]
    NoVerb(String),
    #[error("`{0}` is not a kubectl command")]
    UnknownVerb(String),
    #[error("flag `{0}` needs a value")]
    MissingValue(String),
}

/// How a command wants its result printed (`-o`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Wide,
    Yaml,
    Json,
    Name,
    JsonPath(String),
    GoTemplate(String),
    CustomColumns(String),
    /// Any other `-o` value, kept as written (`go-template-file=x`, `jsonpath-file=x`,
    /// a typo): a format translation has no reading of.
    Unsupported(String),
}

impl Output {
    fn parse(v: &str) -> Output {
        let (k, rest) = v.split_once('=').unwrap_or((v, ""));
        match k {
            "wide" => Output::Wide,
            "yaml" => Output::Yaml,
            "json" => Output::Json,
            "name" => Output::Name,
            "jsonpath" | "jsonpath-as-json" => Output::JsonPath(rest.to_string()),
            "go-template" | "template" => Output::GoTemplate(rest.to_string()),
            "custom-columns" => Output::CustomColumns(rest.to_string()),
            _ => Output::Unsupported(v.to_string()),
        }
    }
}

/// A resource argument: `pod/nginx`, `pods nginx`, `deploy,svc web`, `pods` alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// As written (`po`, `deploy`, `deployment.apps`).
    pub kind: String,
    pub name: Option<String>,
}

impl Resource {
    /// The kind's canonical singular name (`pod`, `deployment`), as kdrill's object
    /// references accept it.
    pub fn kind_name(&self) -> String {
        canonical_kind(&self.kind).0.to_string()
    }
    /// `kind/name`, or the kind alone.
    pub fn reference(&self) -> String {
        match &self.name {
            Some(n) => format!("{}/{n}", self.kind_name()),
            None => self.kind_name(),
        }
    }
}

/// A kubectl command line, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kubectl {
    pub verb: String,
    /// The subcommand (`rollout status`, `create deployment`, `set image`), canonical.
    pub sub: Option<String>,
    /// Positionals after the verb and subcommand.
    pub args: Vec<String>,
    /// Flags by long name, in order; None for booleans.
    pub flags: Vec<(String, Option<String>)>,
    /// Everything after `--` (the command of `exec`, `run`, `create job`, `debug`).
    pub command: Vec<String>,
}

impl Kubectl {
    /// The value of a flag (the last one given), by long name.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value of a repeated flag (`-f a -f b`, `--from-literal` twice).
    pub fn flag_values(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    /// Whether a flag is given (and not `--flag=false`).
    pub fn has(&self, name: &str) -> bool {
        self.flags
            .iter()
            .any(|(k, v)| k == name && v.as_deref() != Some("false"))
    }

    pub fn namespace(&self) -> Option<&str> {
        self.flag("namespace")
    }

    pub fn all_namespaces(&self) -> bool {
        self.has("all-namespaces")
    }

    pub fn context(&self) -> Option<&str> {
        self.flag("context")
    }

    pub fn files(&self) -> Vec<&str> {
        self.flag_values("filename")
    }

    pub fn output(&self) -> Option<Output> {
        self.flag("output").map(Output::parse)
    }

    pub fn watch(&self) -> bool {
        self.has("watch") || self.has("watch-only")
    }

    pub fn selector(&self) -> Option<&str> {
        self.flag("selector")
    }

    pub fn field_selector(&self) -> Option<&str> {
        self.flag("field-selector")
    }

    /// `--dry-run` with any value but `none`: prints instead of changing anything.
    pub fn dry_run(&self) -> bool {
        self.flags
            .iter()
            .any(|(k, v)| k == "dry-run" && v.as_deref() != Some("none"))
    }

    /// The resources the positionals name, for verbs that take `TYPE NAME...`,
    /// `TYPE/NAME...` or `TYPE1,TYPE2 NAME`.
    pub fn resources(&self) -> Vec<Resource> {
        let pairs = self.pairs();
        let args: Vec<String> = self
            .args
            .iter()
            .filter(|a| !pairs.contains(a))
            .cloned()
            .collect();
        resources(&args)
    }

    /// The `KEY=VALUE` and `KEY-` arguments of `label`, `annotate`, `set env` and
    /// `set image` (what they change, not what they name).
    pub fn pairs(&self) -> Vec<String> {
        let takes_pairs = matches!(self.verb.as_str(), "label" | "annotate")
            || (self.verb == "set" && matches!(self.sub.as_deref(), Some("env" | "image")));
        if !takes_pairs {
            return Vec::new();
        }
        self.args
            .iter()
            .filter(|a| {
                let removal = a.ends_with('-') && !a.contains('/') && !a.contains('=');
                a.contains('=')
                    || (removal && (self.verb != "set" || self.sub.as_deref() == Some("env")))
            })
            .cloned()
            .collect()
    }

    /// Both `-i` and `-t`: a terminal is attached.
    pub fn interactive(&self) -> bool {
        self.has("stdin") && self.has("tty")
    }
}

/// Resources named by positionals.
pub fn resources(args: &[String]) -> Vec<Resource> {
    let Some(first) = args.first() else {
        return Vec::new();
    };
    if first.contains('/') {
        return args
            .iter()
            .map(|a| match a.split_once('/') {
                Some((k, n)) => Resource {
                    kind: k.to_string(),
                    name: Some(n.to_string()),
                },
                None => Resource {
                    kind: a.clone(),
                    name: None,
                },
            })
            .collect();
    }
    let kinds: Vec<&str> = first.split(',').filter(|k| !k.is_empty()).collect();
    let names = &args[1..];
    let mut out = Vec::new();
    for k in &kinds {
        if names.is_empty() {
            out.push(Resource {
                kind: k.to_string(),
                name: None,
            });
        }
        for n in names {
            out.push(Resource {
                kind: k.to_string(),
                name: Some(n.clone()),
            });
        }
    }
    out
}

/// Read kubectl's argv (without the program word).
pub fn parse(argv: &[String]) -> Result<Kubectl, KubectlError> {
    let mut k = Kubectl::default();
    let mut positionals: Vec<String> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let verb = k.verb.as_str();
        if a == "--" {
            k.command = argv[i + 1..].to_vec();
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, v)) => k.flags.push((name.to_string(), Some(v.to_string()))),
                None if long_valued(long, verb) => {
                    let v = argv
                        .get(i + 1)
                        .ok_or_else(|| KubectlError::MissingValue(a.clone()))?;
                    k.flags.push((long.to_string(), Some(v.clone())));
                    i += 1;
                }
                None => k.flags.push((long.to_string(), None)),
            }
            i += 1;
            continue;
        }
        if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty() && *a != "-") {
            let chars: Vec<char> = cluster.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some((name, valued)) = short_flag(c, verb) else {
                    // an unknown short flag: keep it as written, whole
                    k.flags.push((cluster[j..].to_string(), None));
                    break;
                };
                if valued {
                    let glued: String = chars[j + 1..].iter().collect();
                    let glued = glued.strip_prefix('=').unwrap_or(&glued).to_string();
                    if glued.is_empty() {
                        let v = argv
                            .get(i + 1)
                            .ok_or_else(|| KubectlError::MissingValue(a.clone()))?;
                        k.flags.push((name.to_string(), Some(v.clone())));
                        i += 1;
                    } else {
                        k.flags.push((name.to_string(), Some(glued)));
                    }
                    break;
                }
                k.flags.push((name.to_string(), None));
                j += 1;
            }
            i += 1;
            continue;
        }
        if k.verb.is_empty() {
            if !VERBS.contains(&a.as_str()) {
                return Err(KubectlError::UnknownVerb(a.clone()));
            }
            k.verb = a.clone();
        } else if k.sub.is_none() && positionals.is_empty() && has_sub(&k.verb, a) {
            k.sub = Some(canonical_sub(&k.verb, a));
        } else {
            positionals.push(a.clone());
        }
        i += 1;
    }
    if k.verb.is_empty() {
        return Err(KubectlError::NoVerb(argv.join(" ")));
    }
    k.args = positionals;
    Ok(k)
}
