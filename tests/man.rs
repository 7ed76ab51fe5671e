//! `kdrill man DIR`: the generated pages render with the system's `man -l` (groff
//! warnings on) and say what the command line says. Needs man-db (scripts/test
//! installs it).

mod common;
use common::{kdrill, text};
use std::process::Command;

/// The page as `man -l` shows it, plain text; panics on groff warnings.
fn render(page: &std::path::Path) -> String {
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "120")
        .env("MANPAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("`man` runs (apt-get install man-db)");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "man -l {}: {stderr}", page.display());
    assert_eq!(stderr, "", "groff warnings for {}", page.display());
    stdout
}

#[test]
fn man_writes_a_page_per_subcommand_that_man_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = kdrill(&["man"])
        .arg(dir.path().join("man1"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let written: Vec<&str> = stdout.lines().collect();
    let subcommands = [
        "run",
        "lint",
        "list",
        "clean",
        "review",
        "snapshots",
        "report",
        "import",
        "migrate",
        "schema",
        "explain",
        "completions",
        "man",
    ];
    // and the pages of sub-subcommands, listed on their parent's page
    let nested = [("report", "report-merge")];
    assert_eq!(
        written.len(),
        1 + subcommands.len() + nested.len(),
        "{stdout}"
    );
    for (parent, sub) in nested {
        let text = render(&dir.path().join(format!("man1/kdrill-{parent}.1")));
        assert!(text.contains(&format!("kdrill-{sub}(1)")), "{text}");
        let page = render(&dir.path().join(format!("man1/kdrill-{sub}.1")));
        // NAME: the page's name, then its summary (justified: spaces may be doubled)
        let name = page.split("NAME").nth(1).unwrap_or("").trim_start();
        assert!(name.starts_with(&format!("kdrill-{sub} ")), "{page}");
    }
    let main = render(&dir.path().join("man1/kdrill.1"));
    assert!(main.starts_with("kdrill(1)"), "{main}");
    assert!(
        main.contains("kdrill - Declarative scenario tests for Kubernetes"),
        "{main}"
    );
    for sub in subcommands {
        let page = dir.path().join(format!("man1/kdrill-{sub}.1"));
        assert!(written.contains(&page.to_str().unwrap()), "{stdout}");
        // the main page lists every subcommand's page
        assert!(main.contains(&format!("kdrill-{sub}(1)")), "{sub}\n{main}");
        let text = render(&page);
        assert!(
            text.contains(&format!("kdrill-{sub} - ")),
            "{sub}: no NAME line\n{text}"
        );
    }
    assert!(main.contains("130 interrupted (after cleanup)"), "{main}");
    assert!(main.contains("kdrill 0.1.0"), "{main}");
    let run = render(&dir.path().join("man1/kdrill-run.1"));
    for flag in [
        "--kubeconfig <FILE>",
        "--allow-context <NAME>",
        "-j, --parallel <N>",
    ] {
        assert!(run.contains(flag), "{flag}\n{run}");
    }
    assert!(
        run.contains("Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)"),
        "{run}"
    );
}

#[test]
fn man_into_an_unwritable_place_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = kdrill(&["man"]).arg(file.join("man1")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("error: cannot create"),
        "{:?}",
        text(&out)
    );
}
