//! `kdrill explain [STEP]`: the documentation of a step kind, with examples, taken
//! from docs/scenario-format.md itself (compiled in), so help and docs never disagree.

const DOC: &str = include_str!("../docs/scenario-format.md");

/// The step kinds that have a section in the format documentation.
pub fn topics() -> Vec<&'static str> {
    DOC.lines()
        .filter_map(|l| l.strip_prefix("### `").and_then(|r| r.strip_suffix('`')))
        .collect()
}

/// The section for `topic` (a step kind, or `expect`/`patterns`), if there is one.
pub fn explain(topic: &str) -> Option<String> {
    let (start_heading, level) = match topic {
        "expect" | "expectations" => ("## Expectations".to_string(), "## "),
        "patterns" | "pattern" => ("### The pattern language".to_string(), "### "),
        "objects" | "addressing" => ("### Addressing objects".to_string(), "### "),
        "vars" | "variables" => ("## Variables".to_string(), "## "),
        "templates" | "use" | "forEach" | "foreach" | "loops" => {
            ("## Templates and loops".to_string(), "## ")
        }
        kind => (format!("### `{kind}`"), "### "),
    };
    let mut out = String::new();
    let mut inside = false;
    let mut in_code = false;
    for line in DOC.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line == start_heading {
            inside = true;
        } else if inside
            && !in_code
            && (line.starts_with(level) || (level == "### " && line.starts_with("## ")))
        {
            break;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_kind_is_documented_with_an_example() {
        for kind in crate::steps::Action::KEYWORDS {
            let text = explain(kind).unwrap_or_else(|| panic!("no section for {kind}"));
            assert!(text.contains("```yaml"), "{kind} has no example");
            assert!(
                text.contains(&format!("- {kind}:")),
                "{kind}'s example does not use it"
            );
        }
        // a section per registered step kind, and none for a kind that is gone
        let mut documented = topics();
        documented.sort_unstable();
        let mut registered = crate::steps::Action::KEYWORDS.to_vec();
        registered.sort_unstable();
        assert_eq!(documented, registered);
    }

    #[test]
    fn other_topics_and_unknown_ones() {
        assert!(explain("expect").unwrap().contains("exitCode"));
        assert!(explain("patterns").unwrap().contains("[..]"));
        let vars = explain("vars").unwrap();
        assert!(vars.contains("KUBERNETES_MINOR") && vars.contains("{expr: CEL}"));
        assert!(explain("frobnicate").is_none());
    }
}

#[cfg(test)]
mod doc_examples {
    use super::DOC;

    /// Every YAML example of steps in the format documentation is a valid step: the
    /// docs cannot drift from what the loader accepts.
    #[test]
    fn documented_step_examples_load() {
        let mut in_yaml = false;
        let mut block = String::new();
        let mut checked = 0;
        for line in DOC.lines() {
            if line == "```yaml" {
                in_yaml = true;
                block.clear();
                continue;
            }
            if in_yaml && line == "```" {
                in_yaml = false;
                // examples that use a template need its file: scenarios/reuse/ runs those
                if block.starts_with("- ") && !block.contains("template:") {
                    let steps: String = block.lines().map(|l| format!("  {l}\n")).collect();
                    let text = format!("apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: doc example\nsteps:\n{steps}");
                    if let Err(e) = crate::scenario::load_str(
                        std::path::Path::new("docs/scenario-format.md"),
                        &text,
                    ) {
                        panic!("a documented example does not load:\n{block}\n{e}");
                    }
                    checked += 1;
                }
                continue;
            }
            if in_yaml {
                block.push_str(line);
                block.push('\n');
            }
        }
        assert!(checked >= 10, "only {checked} step examples found");
    }
}
