//! Expectations on a step's outcome: exit code, text outputs and API errors.
//! Text is checked with [`TextMatch`], which uses the one pattern language of
//! [`crate::pattern`] (`[..]`, `...`).

use crate::pattern;
use crate::text::{indent, trim_nl};
use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// `expect:` of a step. Which fields apply depends on the step kind (checked by `lint`).
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    /// Expected exit code of `exec` and `command`; without it, non-zero fails the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<TextMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<TextMatch>,
    /// The text output of `logs` and `get`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<TextMatch>,
    /// The step must fail with this API error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorExpect>,
    /// HTTP status of an `http` step; without it, 2xx and 3xx pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response headers of an `http` step (names in any case).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub headers: std::collections::BTreeMap<String, TextMatch>,
    /// Response body of an `http` step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<TextMatch>,
}

/// One field of `expect:`; each step kind says which it produces something for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectField {
    ExitCode,
    Stdout,
    Stderr,
    Output,
    Error,
    /// `error.object`: one document of a multi-document `apply`.
    ErrorObject,
    Status,
    Headers,
    Body,
}

impl ExpectField {
    /// The key as scenario files write it.
    pub fn key(self) -> &'static str {
        match self {
            ExpectField::ExitCode => "exitCode",
            ExpectField::Stdout => "stdout",
            ExpectField::Stderr => "stderr",
            ExpectField::Output => "output",
            ExpectField::Error => "error",
            ExpectField::ErrorObject => "error.object",
            ExpectField::Status => "status",
            ExpectField::Headers => "headers",
            ExpectField::Body => "body",
        }
    }
}

/// An API error the step must produce (Kubernetes `Status` fields).
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ErrorExpect {
    /// `Status.reason`, e.g. `Invalid`, `Forbidden`, `NotFound`, `AlreadyExists`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HTTP code, e.g. 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<TextMatch>,
    /// In an `apply` of many documents: only this one (`kind/name`) must be rejected;
    /// every other document must be applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<crate::objref::ObjectRef>,
}

/// How a text must look. A plain string is a whole-text pattern; a map combines rules.
#[derive(Debug, Clone)]
pub enum TextMatch {
    Pattern(String),
    Rules(Box<TextRules>),
}

#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TextRules {
    /// Exactly this text (a trailing newline is ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// This substring, or each of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains: Option<OneOrMany>,
    /// None of these substrings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_contains: Option<OneOrMany>,
    /// The whole text matches this pattern (`[..]`, `...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// A regular expression found anywhere in the text.
    #[serde(default, deserialize_with = "de_regex")]
    #[schemars(with = "Option<String>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<RegexText>,
    /// Compare the normalised text with a stored snapshot (a name, or `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotName>,
    /// Parse the text as JSON; it must contain this partial object (rules of `assert`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
    /// Parse the text as YAML; it must contain this partial object (rules of `assert`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yaml: Option<serde_json::Value>,
    /// Parse the text as JSON; this CEL expression must hold of it (`self`), as
    /// `assert`'s `expr` of an object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<crate::wait::Expr>,
}

/// One string or a list of strings.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A compiled regex that remembers its source text.
#[derive(Debug, Clone)]
pub struct RegexText(pub Regex);

fn de_regex<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RegexText>, D::Error> {
    let s = String::deserialize(d)?;
    Regex::new(&s)
        .map(|r| Some(RegexText(r)))
        .map_err(|e| de::Error::custom(format!("invalid regex: {}", regex_reason(&e))))
}

/// The regex crate explains errors over several lines with a caret; keep the reason.
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or_else(|| text.replace('\n', " "), str::to_string)
}

impl<'de> Deserialize<'de> for TextMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextMatch;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a text pattern, or a map with equals/contains/notContains/matches/regex/snapshot/json/yaml/expr",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextMatch, E> {
                Ok(TextMatch::Pattern(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TextMatch, E> {
                Ok(TextMatch::Pattern(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TextMatch, E> {
                Ok(TextMatch::Pattern(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextMatch, A::Error> {
                let rules = TextRules::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if rules.equals.is_none()
                    && rules.contains.is_none()
                    && rules.not_contains.is_none()
                    && rules.matches.is_none()
                    && rules.regex.is_none()
                    && rules.snapshot.is_none()
                    && rules.json.is_none()
                    && rules.yaml.is_none()
                    && rules.expr.is_none()
                {
                    return Err(de::Error::custom(
                        "a text expectation needs at least one of equals, contains, notContains, matches, regex, snapshot, json, yaml, expr",
                    ));
                }
                Ok(TextMatch::Rules(Box::new(rules)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `snapshot:` in a text expectation: a name, or `true` for a name derived from the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotName {
    Auto,
    Named(String),
}

impl<'de> Deserialize<'de> for SnapshotName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SnapshotName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a snapshot name (letters, digits, `-`, `_`, `.`) or `true`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<SnapshotName, E> {
                if v {
                    Ok(SnapshotName::Auto)
                } else {
                    Err(E::custom(
                        "`snapshot: false` means nothing: leave the key out",
                    ))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SnapshotName, E> {
                let ok = !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && !v.starts_with('.');
                if ok {
                    Ok(SnapshotName::Named(v.to_string()))
                } else {
                    Err(E::custom(format!(
                        "`{v}` is not a snapshot name: use letters, digits, `-`, `_` and `.`"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl serde::Serialize for TextMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TextMatch::Pattern(p) => s.serialize_str(p),
            TextMatch::Rules(r) => r.serialize(s),
        }
    }
}

impl serde::Serialize for RegexText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl serde::Serialize for SnapshotName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SnapshotName::Auto => s.serialize_bool(true),
            SnapshotName::Named(n) => s.serialize_str(n),
        }
    }
}

/// A parsed output compared with a partial object, one line per differing path.
fn subset_gaps(lang: &str, want: &serde_json::Value, got: &serde_json::Value) -> Vec<String> {
    crate::subset::diff(want, got, false)
        .into_iter()
        .map(|m| format!("as {lang}, {m}"))
        .collect()
}

impl fmt::Display for TextMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextMatch::Pattern(p) => write!(f, "matching {p:?}"),
            TextMatch::Rules(r) => {
                let mut parts = Vec::new();
                if let Some(e) = &r.equals {
                    parts.push(format!("equal to {e:?}"));
                }
                if let Some(c) = &r.contains {
                    parts.push(format!("containing {:?}", c.items()));
                }
                if let Some(c) = &r.not_contains {
                    parts.push(format!("not containing {:?}", c.items()));
                }
                if let Some(m) = &r.matches {
                    parts.push(format!("matching {m:?}"));
                }
                if let Some(RegexText(re)) = &r.regex {
                    parts.push(format!("matching /{}/", re.as_str()));
                }
                if r.snapshot.is_some() {
                    parts.push("as in its snapshot".into());
                }
                for (lang, v) in [("JSON", &r.json), ("YAML", &r.yaml)] {
                    if let Some(v) = v {
                        parts.push(format!("{lang} containing {v}"));
                    }
                }
                if let Some(e) = &r.expr {
                    parts.push(format!("JSON where `{e}` holds"));
                }
                f.write_str(&parts.join(", "))
            }
        }
    }
}

impl Expect {
    /// True when no field is set (the step's own default checks apply).
    pub fn is_empty(&self) -> bool {
        self.given().is_empty()
    }

    /// The fields this `expect` sets.
    pub fn given(&self) -> Vec<ExpectField> {
        let e = self.error.as_ref();
        [
            (ExpectField::ExitCode, self.exit_code.is_some()),
            (ExpectField::Stdout, self.stdout.is_some()),
            (ExpectField::Stderr, self.stderr.is_some()),
            (ExpectField::Output, self.output.is_some()),
            (ExpectField::Error, e.is_some()),
            (
                ExpectField::ErrorObject,
                e.is_some_and(|e| e.object.is_some()),
            ),
            (ExpectField::Status, self.status.is_some()),
            (ExpectField::Headers, !self.headers.is_empty()),
            (ExpectField::Body, self.body.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect()
    }

    /// The text expectations with the output field each reads.
    pub fn text_fields(&self) -> [(&'static str, Option<&TextMatch>); 4] {
        [
            ("stdout", self.stdout.as_ref()),
            ("stderr", self.stderr.as_ref()),
            ("output", self.output.as_ref()),
            ("body", self.body.as_ref()),
        ]
    }
}

impl TextMatch {
    /// The snapshot this expectation compares with, if any.
    pub fn snapshot(&self) -> Option<&SnapshotName> {
        match self {
            TextMatch::Rules(r) => r.snapshot.as_ref(),
            TextMatch::Pattern(_) => None,
        }
    }

    /// `Ok` when `actual` satisfies every rule, else a description of each rule it breaks.
    pub fn check(&self, actual: &str) -> Result<(), Vec<String>> {
        let mut failed = Vec::new();
        match self {
            TextMatch::Pattern(p) => {
                if !pattern::matches(p, actual) {
                    failed.push(format!("to match {}", quote(p)));
                }
            }
            TextMatch::Rules(r) => {
                if let Some(e) = &r.equals {
                    if trim_nl(e) != trim_nl(actual) {
                        failed.push(format!("to equal {}", quote(e)));
                    }
                }
                if let Some(c) = &r.contains {
                    for s in c.items() {
                        if !actual.contains(s) {
                            failed.push(format!("to contain {}", quote(s)));
                        }
                    }
                }
                if let Some(c) = &r.not_contains {
                    for s in c.items() {
                        if actual.contains(s) {
                            failed.push(format!("not to contain {}", quote(s)));
                        }
                    }
                }
                if let Some(p) = &r.matches {
                    if !pattern::matches(p, actual) {
                        failed.push(format!("to match {}", quote(p)));
                    }
                }
                if let Some(RegexText(re)) = &r.regex {
                    if !re.is_match(actual) {
                        failed.push(format!("to match regex /{}/", re.as_str()));
                    }
                }
                if let Some(want) = &r.json {
                    match serde_json::from_str::<serde_json::Value>(actual) {
                        Ok(v) => failed.extend(subset_gaps("JSON", want, &v)),
                        Err(e) => failed.push(format!("to be JSON ({e})")),
                    }
                }
                if let Some(want) = &r.yaml {
                    match serde_yaml::from_str::<serde_json::Value>(actual) {
                        Ok(v) => failed.extend(subset_gaps("YAML", want, &v)),
                        Err(e) => failed.push(format!("to be YAML ({e})")),
                    }
                }
                if let Some(e) = &r.expr {
                    use crate::wait::expr::Verdict;
                    match serde_json::from_str::<serde_json::Value>(actual) {
                        Ok(v) => match e.eval(&v, &Default::default()) {
                            Verdict::Holds => {}
                            Verdict::Fails(parts) => {
                                failed.push(format!("`{e}` to hold, got {}", parts.join(", ")))
                            }
                            Verdict::Error(m) => failed.push(format!("`{e}` to hold: {m}")),
                        },
                        Err(err) => failed.push(format!("to be JSON ({err})")),
                    }
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed)
        }
    }
}

fn quote(s: &str) -> String {
    if s.contains('\n') {
        format!("\n{}", indent(s, "    | "))
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(yaml: &str) -> TextMatch {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn plain_string_is_a_whole_text_pattern() {
        assert!(tm("'hello [..]'").check("hello world\n").is_ok());
        assert!(tm("hello").check("hello world").is_err());
    }

    #[test]
    fn rules_combine_and_report_each_failure() {
        let m = tm("{contains: [Welcome, nginx], notContains: error, regex: '<title>.*</title>'}");
        assert!(m.check("<title>Welcome to nginx!</title>").is_ok());
        let errs = m.check("<h1>error</h1>").unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].contains("to contain \"Welcome\""));
        assert!(errs[2].contains("not to contain \"error\""));
    }

    #[test]
    fn equals_ignores_one_trailing_newline() {
        assert!(tm("{equals: hi}").check("hi\n").is_ok());
        assert!(tm("{equals: hi}").check("hi there").is_err());
    }

    #[test]
    fn empty_rule_maps_and_bad_regexes_are_rejected() {
        assert!(serde_yaml::from_str::<TextMatch>("{}").is_err());
        let e = serde_yaml::from_str::<TextMatch>("{regex: '('}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid regex"), "{e}");
    }

    #[test]
    fn json_and_yaml_outputs_match_as_subsets() {
        let m: TextMatch = serde_yaml::from_str("{json: {items: [{name: a}], ok: true}}").unwrap();
        assert!(m
            .check(r#"{"items":[{"name":"a","x":1}],"ok":true,"more":2}"#)
            .is_ok());
        let e = m
            .check(r#"{"items":[{"name":"b"}],"ok":true}"#)
            .unwrap_err();
        assert_eq!(e, vec![r#"as JSON, items[0].name: expected "a", got "b""#]);
        assert!(m.check("not json").unwrap_err()[0].starts_with("to be JSON"));
        let m: TextMatch =
            serde_yaml::from_str("{expr: \"size(self.items) == 1 && self.items[0].name == 'a'\"}")
                .unwrap();
        assert!(m.check(r#"{"items": [{"name": "a"}]}"#).is_ok());
        let gaps = m
            .check(r#"{"items": [{"name": "a"}, {"name": "b"}]}"#)
            .unwrap_err();
        assert!(gaps[0].contains("size(self.items) = 2"), "{gaps:?}");
        assert!(serde_yaml::from_str::<TextMatch>("{expr: 'size(self.items) =='}").is_err());
        let y: TextMatch = serde_yaml::from_str("{yaml: {kind: Pod}}").unwrap();
        assert!(y.check("kind: Pod\nmetadata: {name: x}\n").is_ok());
    }
}
