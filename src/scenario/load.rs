//! Reading scenario files: discovery in directories, YAML parsing, validation, and
//! errors that name file, line, column and what was expected. Never panics on input;
//! collects every problem of every file instead of stopping at the first.

use super::context::{Ctx, LoadError, LoadErrors};
use super::format::{RawScenario, StepCommon, VarValue, STEP_FIELDS};
use super::positions::{Pos, PosIndex};
use super::{Action, Location, Scenario, Section, Step, Template, API_VERSION, KIND, SUITE_KIND};
use crate::expect::ExpectField;
use std::path::Path;

/// The most attempts a step may make: more is a loop that should be a `wait`.
const MAX_ATTEMPTS: u32 = 1000;

fn step_kinds() -> String {
    Action::KEYWORDS.join(", ")
}

/// True when a YAML value holds `${` anywhere (keys included).
fn mentions_vars(v: &serde_yaml::Value) -> bool {
    match v {
        serde_yaml::Value::String(s) => s.contains("${"),
        serde_yaml::Value::Sequence(items) => items.iter().any(mentions_vars),
        serde_yaml::Value::Mapping(m) => {
            m.iter().any(|(k, v)| mentions_vars(k) || mentions_vars(v))
        }
        serde_yaml::Value::Tagged(t) => mentions_vars(&t.value),
        _ => false,
    }
}

/// Load one scenario from text. `file` is used for messages and relative paths.
pub fn load_str(file: &Path, text: &str) -> Result<Scenario, LoadErrors> {
    let loc = |pos: Pos| Location {
        file: file.to_path_buf(),
        line: pos.line,
        col: pos.col,
    };
    let index = match PosIndex::build(text) {
        Ok(i) => i,
        Err(e) => {
            return Err(LoadErrors(vec![LoadError {
                location: loc(e.pos),
                message: format!("invalid YAML: {}", e.message),
            }]))
        }
    };
    if let Some(p) = index.second_document {
        return Err(LoadErrors(vec![LoadError {
            location: loc(p),
            message: "a scenario file holds one scenario: put further documents (manifests) in files of their own, or inline them with `apply: {manifest: ...}`".into(),
        }]));
    }
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let pos = e.location().map_or(Pos { line: 1, col: 1 }, |l| Pos {
                line: l.line(),
                col: l.column(),
            });
            return Err(LoadErrors(vec![LoadError {
                location: loc(pos),
                message: format!("invalid YAML: {e}"),
            }]));
        }
    };
    let mut ctx = Ctx {
        file,
        index: &index,
        errors: Vec::new(),
        lower: lower_step,
    };
    let serde_yaml::Value::Mapping(mut top) = value else {
        ctx.push(
            "",
            "expected a mapping with apiVersion, kind, name and steps",
        );
        return Err(LoadErrors(ctx.errors));
    };
    // a Suite (setup and teardown around a directory's scenarios) shares the
    // scenario's format: its setup steps run like steps, its teardown like finally
    let is_suite = top.get("kind").and_then(serde_yaml::Value::as_str) == Some(SUITE_KIND);
    let (steps_key, finally_key) = if is_suite {
        ("setup", "teardown")
    } else {
        ("steps", "finally")
    };
    if is_suite {
        for key in ["steps", "catch", "finally"] {
            if top.contains_key(key) {
                ctx.push(key, format!("a Suite has `setup` and `teardown`, not `{key}`: scenarios go in files of their own beside it"));
            }
        }
    }
    let steps_value = top.remove(steps_key);
    let catch_value = if is_suite { None } else { top.remove("catch") };
    let finally_value = top.remove(finally_key);
    let head: Option<RawScenario> = ctx.de("", serde_yaml::Value::Mapping(top));
    if let Some(h) = &head {
        if h.api_version != API_VERSION {
            let hint = if h.api_version.starts_with("kdrill.dev/") {
                format!(
                    "this kdrill reads `{API_VERSION}`; `{}` is not supported",
                    h.api_version
                )
            } else {
                format!(
                    "expected `apiVersion: {API_VERSION}`, got `{}`",
                    h.api_version
                )
            };
            ctx.push("apiVersion", hint);
        }
        if h.kind != KIND && h.kind != SUITE_KIND {
            ctx.push(
                "kind",
                format!(
                    "expected `kind: {KIND}` (or `{SUITE_KIND}`), got `{}`",
                    h.kind
                ),
            );
        }
    }
    let mut steps = Vec::new();
    let (first, last) = if is_suite {
        (Section::Setup, Section::Teardown)
    } else {
        (Section::Steps, Section::Finally)
    };
    match steps_value {
        None if is_suite => {}
        None => ctx.push(
            "",
            "missing field `steps`: a scenario needs a list of steps",
        ),
        Some(serde_yaml::Value::Sequence(items)) if items.is_empty() && !is_suite => {
            ctx.push("steps", "a scenario needs at least one step");
        }
        Some(v) => lower_section(&mut ctx, first, v, &mut steps),
    }
    for (section, value) in [(Section::Catch, catch_value), (last, finally_value)] {
        if let Some(v) = value {
            lower_section(&mut ctx, section, v, &mut steps);
        }
    }
    if let Some(h) = &head {
        if let Some(r) = &h.requires {
            if let Some(v) = &r.kubernetes {
                if let Err(e) = super::VersionReq::parse(v) {
                    ctx.push("requires.kubernetes", e.to_string());
                }
            }
            for (i, res) in r.resources.iter().enumerate() {
                if let Err(e) = crate::objref::KindRef::parse(res) {
                    ctx.push(&format!("requires.resources[{i}]"), e.to_string());
                }
            }
            for (i, c) in r.commands.iter().enumerate() {
                if c.trim().is_empty() || c.chars().any(char::is_whitespace) {
                    ctx.push(
                        &format!("requires.commands[{i}]"),
                        format!("expected a program's name or path, without arguments, got {c:?}"),
                    );
                }
            }
        }
        for (i, name) in h.inputs.iter().enumerate() {
            if let Err(e) = crate::vars::check_name(name) {
                ctx.push(&format!("inputs[{i}]"), e.to_string());
            }
        }
        if h.skip.as_deref().is_some_and(|s| s.trim().is_empty()) {
            ctx.push(
                "skip",
                "`skip` needs a reason: say why the scenario does not run",
            );
        }
    }
    let (vars, computed) = match &head {
        Some(h) => split_vars(&mut ctx, &h.vars),
        None => Default::default(),
    };
    if !ctx.errors.is_empty() {
        return Err(LoadErrors(ctx.errors));
    }
    let Some(head) = head else {
        return Err(LoadErrors(ctx.errors));
    };
    let name = head.name.unwrap_or_else(|| {
        file.file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Scenario {
        dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        file: file.to_path_buf(),
        name,
        description: head.description,
        timeout: head.timeout.map(|d| d.0),
        serial: head.serial,
        namespace_labels: head.namespace_labels,
        redact: head.redact,
        vars,
        computed,
        inputs: head.inputs,
        outside_files: head.outside_files,
        labels: head.labels,
        skip: head.skip,
        requires: head.requires,
        steps,
        is_suite,
        suite: None,
    })
}

/// `vars:` as texts and computed variables, the latter ordered so that each comes
/// after the computed ones it reads; a cycle is an error at each of its variables.
fn split_vars(
    ctx: &mut Ctx<'_>,
    raw: &std::collections::BTreeMap<String, VarValue>,
) -> (crate::vars::Vars, Vec<super::VarExpr>) {
    let mut vars = crate::vars::Vars::new();
    let mut pending = Vec::new();
    for (name, v) in raw {
        if let Err(e) = crate::vars::check_name(name) {
            ctx.push(&format!("vars.{name}"), e.to_string());
            continue;
        }
        match v {
            VarValue::Text(t) => {
                vars.insert(name.clone(), t.clone());
            }
            VarValue::Computed(c) => {
                let path = format!("vars.{name}.expr");
                if c.expr.names().contains("self") {
                    ctx.push(
                        &path,
                        "a variable is computed without an object: `self` is unknown here",
                    );
                    continue;
                }
                pending.push(super::VarExpr {
                    name: name.clone(),
                    expr: c.expr.clone(),
                    location: ctx.at(ctx.index.find(&path)),
                });
            }
        }
    }
    let mut ordered: Vec<super::VarExpr> = Vec::new();
    while !pending.is_empty() {
        let waiting: Vec<String> = pending.iter().map(|p| p.name.clone()).collect();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| {
            p.expr
                .names()
                .iter()
                .all(|n| n == &p.name || !waiting.contains(n))
        });
        if ready.is_empty() {
            for p in &rest {
                ctx.push(
                    &format!("vars.{}.expr", p.name),
                    format!(
                        "the computed variables {} read each other in a circle",
                        waiting.join(", ")
                    ),
                );
            }
            break;
        }
        for p in &ready {
            if p.expr.names().contains(&p.name) {
                ctx.push(
                    &format!("vars.{}.expr", p.name),
                    format!("`{}` reads itself", p.name),
                );
            }
        }
        ordered.extend(ready);
        pending = rest;
    }
    (vars, ordered)
}

/// Lower one list of steps (`steps`, `catch` or `finally`), numbering on from `out`.
fn lower_section(
    ctx: &mut Ctx<'_>,
    section: Section,
    value: serde_yaml::Value,
    out: &mut Vec<Step>,
) {
    let key = section.keyword();
    let serde_yaml::Value::Sequence(items) = value else {
        ctx.push(key, format!("expected `{key}` to be a list of steps"));
        return;
    };
    for (i, item) in items.into_iter().enumerate() {
        let base = format!("{key}[{i}]");
        super::template::lower_item(ctx, section, &base, item, out, &Default::default());
    }
}

/// Lower one step (no `use`, no `forEach`: see [`super::template`]) found at `base`.
pub(super) fn lower_step(
    ctx: &mut Ctx<'_>,
    section: Section,
    base: &str,
    number: usize,
    item: serde_yaml::Value,
) -> Option<Step> {
    let base = base.to_string();
    let serde_yaml::Value::Mapping(mut fields) = item else {
        ctx.push(
            &base,
            format!("expected a step: a mapping with one of {}", step_kinds()),
        );
        return None;
    };
    for key in fields.keys().filter_map(serde_yaml::Value::as_str) {
        if !Action::KEYWORDS.contains(&key) && !STEP_FIELDS.contains(&key) {
            ctx.push(
                &format!("{base}.{key}"),
                format!(
                    "unknown step kind `{key}`: a step has one of {}, and optionally {}",
                    step_kinds(),
                    STEP_FIELDS.join(", ")
                ),
            );
            return None;
        }
    }
    let kinds: Vec<&'static str> = Action::KEYWORDS
        .iter()
        .copied()
        .filter(|k| fields.contains_key(*k))
        .collect();
    let keyword = match kinds.as_slice() {
        [one] => *one,
        [] => {
            ctx.push(
                &base,
                format!("a step needs one action: one of {}", step_kinds()),
            );
            return None;
        }
        [_, second, ..] => {
            ctx.push(
                &format!("{base}.{second}"),
                format!(
                    "a step has exactly one action, this one has {}: split it into steps",
                    kinds.join(" and ")
                ),
            );
            return None;
        }
    };
    let action_value = fields.remove(keyword).unwrap_or_default();
    // steps that use `${VARS}` are read again, variables replaced, when they run
    let expect_value = fields.get("expect").cloned();
    let template = (mentions_vars(&action_value)
        || expect_value.as_ref().is_some_and(mentions_vars))
    .then(|| Template {
        action: action_value.clone(),
        expect: expect_value.filter(mentions_vars),
        quoted: ctx.index.quoted_below(&base),
    });
    let common: Option<StepCommon> = ctx.de(&base, serde_yaml::Value::Mapping(fields));
    let action = match Action::from_value(keyword, action_value) {
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => {
            ctx.report(&format!("{base}.{keyword}"), &e);
            None
        }
        None => None,
    };
    let (common, action) = (common?, action?);
    let before = ctx.errors.len();
    for p in action.validate() {
        let path = if p.path.is_empty() {
            format!("{base}.{keyword}")
        } else {
            format!("{base}.{keyword}.{}", p.path)
        };
        ctx.push(&path, p.message);
    }
    let allowed = action.expectations();
    let given = common.expect.given();
    for field in &given {
        if allowed.contains(field) {
            continue;
        }
        let at = format!("{base}.expect.{}", field.key());
        if *field == ExpectField::ErrorObject {
            // said once: under `error` when the kind expects no API error at all
            if allowed.contains(&ExpectField::Error) {
                ctx.push(&at, "`error.object` picks one document of an `apply`; other steps address one object already");
            }
            continue;
        }
        let what = if allowed.is_empty() {
            format!("a `{keyword}` step checks its own condition and takes no `expect`")
        } else {
            format!(
                "`expect.{}` does not apply to a `{keyword}` step (it can expect: {})",
                field.key(),
                allowed
                    .iter()
                    .filter(|f| **f != ExpectField::ErrorObject)
                    .map(|f| f.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        ctx.push(&at, what);
    }
    if let Some(r) = &common.retry {
        if r.attempts == 0 || r.attempts > MAX_ATTEMPTS {
            ctx.push(
                &format!("{base}.retry.attempts"),
                format!("retry.attempts is a number from 1 to {MAX_ATTEMPTS}"),
            );
        }
    }
    if ctx.errors.len() > before {
        return None;
    }
    for (var, source) in &common.save {
        if let Err(e) = crate::vars::check_name(var) {
            ctx.push(&format!("{base}.save.{var}"), e.to_string());
        }
        if let Err(e) = super::SaveSource::parse(source) {
            ctx.push(&format!("{base}.save.{var}"), e.to_string());
        }
    }
    if ctx.errors.len() > before {
        return None;
    }
    let save = common
        .save
        .into_iter()
        .filter_map(|(k, v)| super::SaveSource::parse(&v).ok().map(|s| (k, s)))
        .collect();
    let pos = ctx.index.find(&base);
    Some(Step {
        number,
        section,
        name: common.name,
        timeout: common.timeout.map(|d| d.0),
        expect: common.expect,
        template,
        retry: common.retry,
        allow_failure: common.allow_failure,
        save,
        action,
        location: ctx.at(pos),
        context: Vec::new(),
    })
}

#[cfg(test)]
mod robustness {
    use super::super::discover::{discover, load_file};
    use super::*;

    /// Every prefix of every bundled scenario, and a few mangled versions, loads or
    /// fails with positioned errors: the loader never panics on user input.
    #[test]
    fn never_panics_on_truncated_or_mangled_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (files, _) = discover(&[root.join("scenarios"), root.join("tests/fixtures")]);
        assert!(files.len() > 15);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut cuts: Vec<usize> = (0..text.len())
                .step_by(7)
                .filter(|i| text.is_char_boundary(*i))
                .collect();
            cuts.push(text.len());
            for cut in cuts {
                let part = &text[..cut];
                let _ = load_str(&f, part);
                let _ = load_str(&f, &part.replace(':', ""));
                let _ = load_str(&f, &part.replace("  ", "\t"));
                let _ = load_str(&f, &part.replace('-', "!"));
            }
        }
    }

    /// Every step of every bundled scenario, written back as a typed `StepSpec`
    /// (what import and migrate write) and loaded again, is the same step.
    #[test]
    fn typed_steps_write_back_to_what_was_read() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (files, _) = discover(&[root.join("scenarios"), root.join("tests/fixtures")]);
        let mut checked = 0;
        for f in files {
            let Ok(s) = load_file(&f) else { continue };
            let (first, last) = if s.is_suite {
                (Section::Setup, Section::Teardown)
            } else {
                (Section::Steps, Section::Finally)
            };
            let mut text = format!(
                "apiVersion: {API_VERSION}\nkind: {}\nname: round trip\n",
                if s.is_suite { SUITE_KIND } else { KIND }
            );
            for section in [first, Section::Catch, last] {
                let specs: Vec<_> = s.section(section).map(|st| st.spec()).collect();
                if !specs.is_empty() {
                    let list = serde_yaml::to_string(&specs).unwrap();
                    text.push_str(&format!("{}:\n{list}", section.keyword()));
                }
            }
            let again =
                load_str(&f, &text).unwrap_or_else(|e| panic!("{}:\n{text}\n{e}", f.display()));
            assert_eq!(again.steps.len(), s.steps.len(), "{}", f.display());
            for (a, b) in s.steps.iter().zip(&again.steps) {
                assert_eq!(
                    format!("{:?}", a.action),
                    format!("{:?}", b.action),
                    "{}",
                    f.display()
                );
                assert_eq!(
                    format!("{:?}", a.expect),
                    format!("{:?}", b.expect),
                    "{}",
                    f.display()
                );
                assert_eq!(
                    (a.timeout, &a.name, a.allow_failure),
                    (b.timeout, &b.name, b.allow_failure)
                );
                assert_eq!(a.save, b.save);
                checked += 1;
            }
        }
        assert!(checked > 150, "only {checked} steps checked");
    }

    #[test]
    fn suites_have_setup_and_teardown_not_steps() {
        let ok = "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nname: s\nsetup:\n  - sleep: 1s\nteardown:\n  - sleep: 1s\n";
        let s = load_str(Path::new("suite.yaml"), ok).unwrap();
        assert!(s.is_suite);
        let sections: Vec<Section> = s.steps.iter().map(|st| st.section).collect();
        assert_eq!(sections, vec![Section::Setup, Section::Teardown]);
        assert_eq!(s.steps[1].label(), "teardown: sleep 1.0s");
        let bad = "apiVersion: kdrill.dev/v1alpha1\nkind: Suite\nsteps:\n  - sleep: 1s\n";
        let e = load_str(Path::new("suite.yaml"), bad).unwrap_err().0;
        assert!(
            e[0].message
                .contains("a Suite has `setup` and `teardown`, not `steps`"),
            "{e:?}"
        );
        assert_eq!(e[0].location.line, 3);
    }

    #[test]
    fn requires_names_programs_without_arguments() {
        let head = "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: r\n";
        let ok =
            format!("{head}requires: {{commands: [helm, /usr/bin/env]}}\nsteps:\n  - sleep: 1s\n");
        let s = load_str(Path::new("r.yaml"), &ok).unwrap();
        assert_eq!(
            s.requires.map(|r| r.commands).unwrap_or_default(),
            ["helm", "/usr/bin/env"]
        );
        let bad = format!(
            "{head}requires:\n  commands: [helm, \"helm template\"]\nsteps:\n  - sleep: 1s\n"
        );
        let e = load_str(Path::new("r.yaml"), &bad).unwrap_err().0;
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("without arguments"), "{e:?}");
        assert_eq!(e[0].location.line, 5, "{e:?}");
    }

    #[test]
    fn errors_always_carry_a_position_inside_the_file() {
        let text = "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nsteps:\n  - wait: {for: pod/x, until: {phase: [1]}}\n  - exec: {pod: x, command: 5}\n";
        let errs = load_str(Path::new("x.yaml"), text).unwrap_err().0;
        assert_eq!(errs.len(), 2, "{errs:?}");
        for e in errs {
            assert!(
                e.location.line >= 4 && e.location.line <= 5 && e.location.col > 1,
                "{e}"
            );
        }
    }
}

#[cfg(test)]
mod computed_vars {
    use super::*;

    fn load(vars: &str) -> Result<Scenario, LoadErrors> {
        let text = format!(
            "apiVersion: {API_VERSION}\nkind: {KIND}\nvars:\n{vars}\nsteps:\n- sleep: 1s\n"
        );
        load_str(Path::new("s.yaml"), &text)
    }

    #[test]
    fn texts_and_expressions_each_after_what_it_reads() {
        let s = load(
            "  A_STAGE: {expr: \"B_MINOR >= 30 ? 'ga' : 'beta'\"}\n  B_MINOR: {expr: int(KUBERNETES_MINOR)}\n  IMAGE: nginx",
        )
        .unwrap();
        assert_eq!(s.vars.get("IMAGE").map(String::as_str), Some("nginx"));
        let order: Vec<&str> = s.computed.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(order, ["B_MINOR", "A_STAGE"], "A reads B: B first");
        assert_eq!(s.computed[1].location.line, 4);
    }

    #[test]
    fn circles_self_syntax_and_non_text_are_positioned_errors() {
        let e = load("  A: {expr: B + 'x'}\n  B: {expr: A}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.yaml:4:") && e.contains("in a circle"), "{e}");
        let e = load("  A: {expr: A + 'x'}").unwrap_err().to_string();
        assert!(e.contains("reads itself"), "{e}");
        let e = load("  A: {expr: self.x}").unwrap_err().to_string();
        assert!(e.contains("`self` is unknown"), "{e}");
        let e = load("  A: {expr: '1 +'}").unwrap_err().to_string();
        assert!(e.contains("s.yaml:4:") && e.contains("CEL: 1:"), "{e}");
        let e = load("  N: 3").unwrap_err().to_string();
        assert!(e.contains("s.yaml:4:") && e.contains("quote it"), "{e}");
        let e = load("  A: {exp: x}").unwrap_err().to_string();
        assert!(e.contains("exp"), "{e}");
    }
}
