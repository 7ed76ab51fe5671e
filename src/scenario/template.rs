//! Reuse, expanded when a scenario is loaded: step templates and loops.
//!
//! A file of `kind: StepTemplate` holds steps with named parameters:
//!
//! ```yaml
//! apiVersion: kdrill.dev/v1alpha1
//! kind: StepTemplate
//! name: deployment-ready
//! params:
//!   NAME: {}                       # required
//!   REPLICAS: {default: "1"}
//! steps:
//!   - wait: {for: "deployment.apps/${NAME}", until: {condition: Available}}
//! ```
//!
//! A step `use: {template: FILE, with: {NAME: web}}` becomes the template's steps with
//! `${NAME}` replaced (templates may use templates; a cycle is an error that shows
//! the chain). `forEach: {APP: [web, api]}` on a step, or on a group of `steps`,
//! repeats it once per value, `${APP}` replaced. Errors inside a template name the
//! template's file:line and the using step's file:line.

use super::context::{Ctx, LoadError};
use super::positions::PosIndex;
use super::{Location, Section, Step, API_VERSION};
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `kind` of a step template file.
pub const TEMPLATE_KIND: &str = "StepTemplate";

/// How far a template may nest: deeper is a cycle the chain did not catch.
const MAX_DEPTH: usize = 16;
/// How many steps one `forEach` may make.
const MAX_ITEMS: usize = 1000;

/// What the steps being lowered come from.
#[derive(Debug, Default, Clone)]
pub(super) struct Scope {
    /// Template files being expanded, outermost first (for cycles).
    chain: Vec<PathBuf>,
    /// Said in each step's label: `template x used at f:l`, `APP=web`.
    context: Vec<String>,
    /// The use sites of the templates being expanded, for errors inside them.
    used_at: Vec<Location>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UseSpec {
    template: String,
    #[serde(default)]
    with: BTreeMap<String, Scalar>,
}

/// A parameter or loop value: written as a string, number or boolean.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Scalar {
    S(String),
    N(serde_yaml::Number),
    B(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::S(s) => s.clone(),
            Scalar::N(n) => n.to_string(),
            Scalar::B(b) => b.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TemplateHead {
    api_version: String,
    kind: String,
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, Param>,
    #[serde(default)]
    steps: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Param {
    default: Option<Scalar>,
    #[allow(dead_code)]
    description: Option<String>,
}

/// Lower one item of a list of steps: a step, a `use` of a template, or a
/// `forEach` over a step or a group of `steps`.
pub(super) fn lower_item(
    ctx: &mut Ctx<'_>,
    section: Section,
    base: &str,
    item: Value,
    out: &mut Vec<Step>,
    scope: &Scope,
) {
    let Value::Mapping(mut m) = item else {
        return push_step(ctx, section, base, item, out, scope);
    };
    if let Some(each) = m.remove("forEach") {
        let Some(rows) = for_each_rows(ctx, &format!("{base}.forEach"), each) else {
            return;
        };
        let group = m.remove("steps");
        for row in rows {
            let vars: BTreeMap<String, String> = row.iter().cloned().collect();
            let mut inner = scope.clone();
            inner.context.push(
                row.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            match &group {
                Some(Value::Sequence(steps)) => {
                    if !m.is_empty() {
                        ctx.push(
                            base,
                            "a `forEach` group has `steps` and nothing else: put step fields in its steps",
                        );
                        return;
                    }
                    for (j, s) in steps.iter().enumerate() {
                        let at = format!("{base}.steps[{j}]");
                        let s = substitute(ctx, &at, s, &vars);
                        lower_item(ctx, section, &at, s, out, &inner);
                    }
                }
                Some(_) => {
                    ctx.push(&format!("{base}.steps"), "expected a list of steps");
                    return;
                }
                None => {
                    let s = substitute(ctx, base, &Value::Mapping(m.clone()), &vars);
                    lower_item(ctx, section, base, s, out, &inner);
                }
            }
        }
        return;
    }
    if m.contains_key("steps") {
        ctx.push(
            &format!("{base}.steps"),
            "a group of `steps` inside a list of steps needs `forEach` (to repeat it); otherwise write its steps in the list",
        );
        return;
    }
    if let Some(u) = m.remove("use") {
        if let Some(k) = m.keys().filter_map(Value::as_str).next() {
            ctx.push(
                &format!("{base}.{k}"),
                format!("a `use` step takes only `use` (and `forEach`): `{k}` belongs in the template's steps"),
            );
            return;
        }
        return use_template(ctx, section, base, u, out, scope);
    }
    push_step(ctx, section, base, Value::Mapping(m), out, scope);
}

fn push_step(
    ctx: &mut Ctx<'_>,
    section: Section,
    base: &str,
    item: Value,
    out: &mut Vec<Step>,
    scope: &Scope,
) {
    let number = out.len() + 1;
    if let Some(mut step) = (ctx.lower)(ctx, section, base, number, item) {
        step.context = scope.context.clone();
        out.push(step);
    }
}

/// The rows of a `forEach`: one map of NAME → value per repetition (several names
/// make every combination).
fn for_each_rows(ctx: &mut Ctx<'_>, at: &str, each: Value) -> Option<Vec<Vec<(String, String)>>> {
    let Value::Mapping(m) = each else {
        ctx.push(at, "expected `forEach: {NAME: [value, ...]}`");
        return None;
    };
    let mut rows: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (k, v) in m {
        let Some(name) = k.as_str() else {
            ctx.push(at, "a `forEach` variable is a name");
            return None;
        };
        if let Err(e) = crate::vars::check_name(name) {
            ctx.push(&format!("{at}.{name}"), e.to_string());
            return None;
        }
        let values: Vec<Scalar> = match serde_yaml::from_value(v) {
            Ok(vs) => vs,
            Err(_) => {
                ctx.push(
                    &format!("{at}.{name}"),
                    "expected a list of values (strings, numbers or booleans)",
                );
                return None;
            }
        };
        if values.is_empty() {
            ctx.push(&format!("{at}.{name}"), "an empty list repeats nothing");
            return None;
        }
        let mut next = Vec::new();
        for row in &rows {
            for v in &values {
                let mut r = row.clone();
                r.push((name.to_string(), v.text()));
                next.push(r);
            }
        }
        rows = next;
        if rows.len() > MAX_ITEMS {
            ctx.push(
                at,
                format!("a `forEach` makes at most {MAX_ITEMS} repetitions"),
            );
            return None;
        }
    }
    Some(rows)
}

/// `value` (found at `at` in the file `ctx` reads) with `${NAME}` replaced for the
/// names in `vars` only: the rest stay for when the step runs. As for variables at
/// run time, a plain scalar is read again for its type (`replicas: ${REPLICAS}` is a
/// number), a quoted one stays a string.
fn substitute(ctx: &Ctx<'_>, at: &str, value: &Value, vars: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) if s.contains("${") => {
            let text = crate::vars::expand_known(s, vars);
            if text.contains("${") || ctx.index.is_quoted(at) {
                return Value::String(text);
            }
            crate::vars::plain_scalar(text)
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| substitute(ctx, &format!("{at}[{i}]"), v, vars))
                .collect(),
        ),
        Value::Mapping(m) => Value::Mapping(
            m.iter()
                .map(|(k, v)| {
                    let path = match k.as_str() {
                        Some(k) if at.is_empty() => k.to_string(),
                        Some(k) => format!("{at}.{k}"),
                        None => at.to_string(),
                    };
                    (
                        substitute(ctx, at, k, vars),
                        substitute(ctx, &path, v, vars),
                    )
                })
                .collect(),
        ),
        Value::Tagged(t) => Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: t.tag.clone(),
            value: substitute(ctx, at, &t.value, vars),
        })),
        other => other.clone(),
    }
}

fn use_template(
    ctx: &mut Ctx<'_>,
    section: Section,
    base: &str,
    spec: Value,
    out: &mut Vec<Step>,
    scope: &Scope,
) {
    let at = format!("{base}.use");
    let Some(spec): Option<UseSpec> = ctx.de(&at, spec) else {
        return;
    };
    let dir = ctx.file.parent().unwrap_or(Path::new(""));
    let file = dir.join(&spec.template);
    let key = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
    if scope.chain.contains(&key) || scope.chain.len() >= MAX_DEPTH {
        let chain: Vec<String> = scope
            .chain
            .iter()
            .chain(std::iter::once(&key))
            .map(|p| p.display().to_string())
            .collect();
        ctx.push(
            &format!("{at}.template"),
            format!(
                "templates use each other in a circle: {}",
                chain.join(" -> ")
            ),
        );
        return;
    }
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            ctx.push(
                &format!("{at}.template"),
                format!("cannot read template {}: {e}", file.display()),
            );
            return;
        }
    };
    let use_site = ctx.at(ctx.index.find(base));
    let index = match PosIndex::build(&text) {
        Ok(i) => i,
        Err(e) => {
            ctx.errors.push(LoadError {
                location: Location {
                    file: file.clone(),
                    line: e.pos.line,
                    col: e.pos.col,
                },
                message: format!("invalid YAML: {} (template used at {use_site})", e.message),
            });
            return;
        }
    };
    let value: Value = match serde_yaml::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            ctx.push(
                &format!("{at}.template"),
                format!("{}: invalid YAML: {e}", file.display()),
            );
            return;
        }
    };
    let mut sub = Ctx {
        file: &file,
        index: &index,
        errors: Vec::new(),
        lower: ctx.lower,
    };
    let steps = expand_template(&mut sub, &spec, value, section, out, scope, &key, &use_site);
    // errors inside the template say where it was used from
    for mut e in sub.errors {
        e.message = format!("{} (template used at {use_site})", e.message);
        ctx.errors.push(e);
    }
    if !steps {
        ctx.push(
            &at,
            format!("template {} has errors (above)", file.display()),
        );
    }
}

/// Check the template's head and parameters and lower its steps; false when the
/// template itself is wrong (its errors are in `sub`).
#[allow(clippy::too_many_arguments)] // one expansion's state, passed through once
fn expand_template(
    sub: &mut Ctx<'_>,
    spec: &UseSpec,
    value: Value,
    section: Section,
    out: &mut Vec<Step>,
    scope: &Scope,
    key: &Path,
    use_site: &Location,
) -> bool {
    let Value::Mapping(mut top) = value else {
        sub.push(
            "",
            "expected a step template: apiVersion, kind: StepTemplate, params, steps",
        );
        return false;
    };
    let steps = top.remove("steps");
    let before = sub.errors.len();
    let Some(head): Option<TemplateHead> = sub.de("", Value::Mapping(top)) else {
        return false;
    };
    let _ = &head.steps;
    if head.api_version != API_VERSION {
        sub.push(
            "apiVersion",
            format!(
                "expected `apiVersion: {API_VERSION}`, got `{}`",
                head.api_version
            ),
        );
    }
    if head.kind != TEMPLATE_KIND {
        sub.push(
            "kind",
            format!("expected `kind: {TEMPLATE_KIND}`, got `{}`", head.kind),
        );
    }
    let mut vars = BTreeMap::new();
    for (name, p) in &head.params {
        if let Err(e) = crate::vars::check_name(name) {
            sub.push(&format!("params.{name}"), e.to_string());
            continue;
        }
        match (spec.with.get(name), &p.default) {
            (Some(v), _) | (None, Some(v)) => {
                vars.insert(name.clone(), v.text());
            }
            (None, None) => sub.push(
                &format!("params.{name}"),
                format!("parameter `{name}` has no default and the step at {use_site} gives none in `with`"),
            ),
        }
    }
    for given in spec.with.keys() {
        if !head.params.contains_key(given) {
            let known: Vec<&str> = head.params.keys().map(String::as_str).collect();
            sub.push(
                "params",
                format!(
                    "the step at {use_site} gives `{given}`, which is not a parameter of this template (it has: {})",
                    known.join(", ")
                ),
            );
        }
    }
    let Some(Value::Sequence(items)) = steps else {
        sub.push("", "a step template needs `steps`: a list of steps");
        return false;
    };
    if sub.errors.len() > before {
        return false;
    }
    let name = head.name.unwrap_or_else(|| {
        key.file_stem()
            .map_or_else(|| "template".into(), |s| s.to_string_lossy().into_owned())
    });
    let mut inner = scope.clone();
    inner.chain.push(key.to_path_buf());
    inner.used_at.push(use_site.clone());
    // short in labels (the errors give the whole place): `web-ready from for-each.yaml:8`
    let site_file = use_site
        .file
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    inner
        .context
        .push(format!("{name} from {site_file}:{}", use_site.line));
    for (j, item) in items.iter().enumerate() {
        let at = format!("steps[{j}]");
        let item = substitute(sub, &at, item, &vars);
        lower_item(sub, section, &at, item, out, &inner);
    }
    sub.errors.len() == before
}

#[cfg(test)]
mod tests;
