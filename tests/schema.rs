//! The committed JSON Schema accepts every bundled scenario and rejects the
//! structurally malformed fixtures that `kdrill lint` rejects.

use std::path::{Path, PathBuf};

fn schema() -> jsonschema::Validator {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("schema/scenario.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema itself is valid")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            let t = std::fs::read_to_string(&p).unwrap();
            if t.contains("apiVersion: kdrill.dev/") {
                out.push(p);
            }
        }
    }
}

fn as_json(p: &Path) -> serde_json::Value {
    let v: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    serde_json::to_value(v).unwrap()
}

/// The schema of one step (a template's steps are steps like any other).
fn step_schema() -> jsonschema::Validator {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("schema/scenario.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let step = serde_json::json!({"$defs": schema["$defs"], "$ref": "#/$defs/Step"});
    jsonschema::validator_for(&step).expect("the step schema is valid")
}

#[test]
fn every_bundled_scenario_validates() {
    let v = schema();
    let step = step_schema();
    let mut files = Vec::new();
    yaml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut files,
    );
    assert!(files.len() >= 10, "{files:?}");
    let (templates, files): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|f| as_json(f)["kind"] == "StepTemplate");
    assert!(!templates.is_empty());
    for t in templates {
        for s in as_json(&t)["steps"].as_array().unwrap() {
            let errors: Vec<String> = step.iter_errors(s).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", t.display());
        }
    }
    for f in files {
        let errors: Vec<String> = v
            .iter_errors(&as_json(&f))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

#[test]
fn structurally_malformed_fixtures_are_rejected() {
    let v = schema();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed");
    // what only lint can see: broken YAML never reaches a schema; an `expect` field that
    // does not fit the step kind and an invalid regex are checks beyond structure
    let beyond_schema = ["broken-yaml.yaml", "misplaced-expect.yaml"];
    let mut checked = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if beyond_schema.contains(&name.as_str()) {
            continue;
        }
        assert!(
            !v.is_valid(&as_json(&p)),
            "{name} should be rejected by the schema"
        );
        checked += 1;
    }
    assert_eq!(checked, 10);
}
