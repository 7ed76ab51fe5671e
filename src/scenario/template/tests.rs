use crate::scenario::{load_file, LoadError};
use std::path::Path;

fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in list {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const S: &str = "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: s\nsteps:\n";
const T: &str = "apiVersion: kdrill.dev/v1alpha1\nkind: StepTemplate\n";

/// The scenario `s.yaml` (which uses the template `t.yaml`) in a directory of its own.
fn scenario_and_template(scenario: &str, template: &str) -> tempfile::TempDir {
    files(&[("s.yaml", scenario), ("t.yaml", template)])
}

/// The messages of the errors loading `s.yaml` of `dir` gives.
fn messages(dir: &Path) -> Vec<String> {
    let errors: Vec<LoadError> = load_file(&dir.join("s.yaml")).unwrap_err().0;
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_template_expands_with_its_parameters_and_defaults() {
    let d = scenario_and_template(&format!("{S}  - use: {{template: t.yaml, with: {{NAME: web, N: 3}}}}\n  - sleep: 1s\n"), &format!("{T}name: ready\nparams:\n  NAME: {{}}\n  N: {{default: 1}}\n  KIND: {{default: pods}}\nsteps:\n  - wait:\n      for: 'deployment/${{NAME}}'\n      until:\n        matches:\n          status:\n            readyReplicas: ${{N}}\n  - get: {{kind: '${{KIND}}', selector: 'app=${{NAME}}-${{NAMESPACE}}'}}\n"));
    let s = load_file(&d.path().join("s.yaml")).unwrap();
    assert_eq!(s.steps.len(), 3);
    let label = s.steps[0].label();
    assert!(
        label.starts_with("wait deployment/web ") && label.ends_with(" (ready from s.yaml:5)"),
        "{label}"
    );
    assert!(
        s.steps[0].location.file.ends_with("t.yaml") && s.steps[0].location.line == 9,
        "{:?}",
        s.steps[0].location
    );
    assert!(
        s.steps[1]
            .label()
            .starts_with("get pods -l app=web-${NAMESPACE}"),
        "{}",
        s.steps[1].label()
    );
    assert_eq!(s.steps[2].number, 3);
    // a quoted or plain `${N}` keeps YAML's reading: readyReplicas is the number 3
    let until = format!("{:?}", s.steps[0].action);
    assert!(until.contains("Number(3)"), "{until}");
}

#[test]
fn errors_inside_a_template_name_both_files() {
    let d = scenario_and_template(
        &format!("{S}  - sleep: 1s\n  - use: {{template: t.yaml}}\n"),
        &format!("{T}params:\n  NAME: {{}}\nsteps:\n  - wait: {{for: pod/x, untill: {{}}}}\n"),
    );
    let msgs = messages(d.path());
    assert!(
        msgs.iter().any(|m| m.contains("t.yaml:4:3")
            && m.contains("has no default")
            && m.contains("s.yaml:6:5")),
        "{msgs:#?}"
    );
    let d2 = scenario_and_template(
        &format!("{S}  - use: {{template: t.yaml, with: {{NAME: x, EXTRA: 1}}}}\n"),
        &format!("{T}params: {{NAME: {{}}}}\nsteps:\n  - wait: {{for: pod/x, untill: {{}}}}\n"),
    );
    let msgs = messages(d2.path());
    assert!(
        msgs.iter()
            .any(|m| m.contains("`EXTRA`, which is not a parameter")),
        "{msgs:#?}"
    );
    let d3 = scenario_and_template(
        &format!("{S}  - use: {{template: t.yaml, with: {{NAME: x}}}}\n"),
        &format!("{T}params: {{NAME: {{}}}}\nsteps:\n  - wait: {{for: pod/x, untill: {{}}}}\n"),
    );
    let msgs = messages(d3.path());
    assert!(
        msgs.iter().any(|m| m.contains("t.yaml:5:")
            && m.contains("unknown field `untill`")
            && m.contains("(template used at")
            && m.contains("s.yaml:5:5")),
        "{msgs:#?}"
    );
}

#[test]
fn templates_that_use_each_other_in_a_circle_are_refused_with_the_chain() {
    let d = files(&[
        ("s.yaml", &format!("{S}  - use: {{template: a.yaml}}\n")),
        (
            "a.yaml",
            &format!("{T}name: a\nsteps:\n  - use: {{template: b.yaml}}\n"),
        ),
        (
            "b.yaml",
            &format!("{T}name: b\nsteps:\n  - use: {{template: a.yaml}}\n"),
        ),
    ]);
    let msgs = messages(d.path());
    assert!(
        msgs.iter().any(|m| m.contains("in a circle")
            && m.contains("a.yaml -> ")
            && m.contains("b.yaml -> ")),
        "{msgs:#?}"
    );
}

#[test]
fn for_each_repeats_a_step_or_a_group_per_value() {
    let d = files(&[(
        "s.yaml",
        &format!("{S}  - forEach: {{APP: [web, api]}}\n    wait: {{for: 'deployment/${{APP}}'}}\n  - forEach: {{N: [1, 2], M: [a]}}\n    steps:\n      - sleep: 1s\n      - get: {{kind: pods, selector: 'n=${{N}},m=${{M}}'}}\n"),
    )]);
    let s = load_file(&d.path().join("s.yaml")).unwrap();
    let labels: Vec<String> = s.steps.iter().map(|x| x.label()).collect();
    assert_eq!(
        labels,
        [
            "wait deployment/web exists (APP=web)",
            "wait deployment/api exists (APP=api)",
            "sleep 1.0s (N=1 M=a)",
            "get pods -l n=1,m=a (N=1 M=a)",
            "sleep 1.0s (N=2 M=a)",
            "get pods -l n=2,m=a (N=2 M=a)",
        ]
    );
    let bad = files(&[(
        "s.yaml",
        &format!("{S}  - forEach: {{APP: []}}\n    sleep: 1s\n  - steps: [{{sleep: 1s}}]\n"),
    )]);
    let msgs = messages(bad.path());
    assert!(
        msgs.iter()
            .any(|m| m.contains("s.yaml:5:15") && m.contains("repeats nothing")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("needs `forEach`")),
        "{msgs:#?}"
    );
}

#[test]
fn template_files_are_not_scenarios_of_a_directory() {
    let d = scenario_and_template(
        &format!("{S}  - use: {{template: t.yaml}}\n"),
        &format!("{T}steps:\n  - sleep: 1s\n"),
    );
    let (found, errs) = crate::scenario::load_all(&[d.path().to_path_buf()]);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].steps.len(), 1);
}
