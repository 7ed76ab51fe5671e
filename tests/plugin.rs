//! kdrill as a kubectl plugin, through the machine's real `kubectl`: a link named
//! `kubectl-kdrill` makes `kubectl kdrill ...` behave exactly like `kdrill ...`, and
//! the krew archive and manifest of deploy/krew/package install with krew itself.
//! (The run against the testbed is in tests/cluster.rs.)

mod common;
use common::{kdrill, kubectl, plugin_on_path, text, with_first_on_path};
use std::process::Command;

#[test]
fn kubectl_kdrill_takes_the_same_flags_and_names_itself_kubectl_kdrill() {
    let (_dir, path) = plugin_on_path();
    let listed = kubectl(&path, &["plugin", "list", "--name-only"])
        .output()
        .unwrap();
    assert!(
        text(&listed).0.lines().any(|l| l == "kubectl-kdrill"),
        "{:?}",
        text(&listed)
    );
    // the same help, flag for flag; only the program's name differs
    for args in [&["--help"][..], &["run", "--help"], &["lint", "--help"]] {
        let plugin = kubectl(&path, &[&["kdrill"], args].concat())
            .output()
            .unwrap();
        let direct = kdrill(args).output().unwrap();
        assert_eq!(plugin.status.code(), Some(0), "{:?}", text(&plugin));
        let (p, d) = (text(&plugin).0, text(&direct).0);
        assert!(p.contains("Usage: kubectl kdrill"), "{p}");
        assert_eq!(p.replace("kubectl kdrill", "kdrill"), d);
    }
    // the same work and the same exit codes, usage errors included
    for (args, code) in [
        (&["lint", "scenarios/"][..], 0),
        (&["lint", "tests/fixtures/malformed"], 2),
        (&["run", "--no-such-flag"], 2),
        (&["--version"], 0),
    ] {
        let plugin = kubectl(&path, &[&["kdrill"], args].concat())
            .output()
            .unwrap();
        let direct = kdrill(args).output().unwrap();
        assert_eq!(
            plugin.status.code(),
            Some(code),
            "{args:?}: {:?}",
            text(&plugin)
        );
        assert_eq!(direct.status.code(), Some(code), "{args:?}");
        let (po, pe) = text(&plugin);
        let (d_o, de) = text(&direct);
        assert_eq!(po, d_o, "{args:?}");
        assert_eq!(pe.replace("kubectl kdrill", "kdrill"), de, "{args:?}");
    }
}

/// The manifest's `field: value` line.
fn field<'a>(manifest: &'a str, key: &str) -> &'a str {
    manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in\n{manifest}"))
}

#[test]
fn krew_installs_the_packaged_plugin_from_its_manifest() {
    let Some(krew) = common::which("krew") else {
        if std::env::var_os("KDRILL_REQUIRE_CLUSTER").is_some() {
            panic!("krew is not on PATH (scripts/test builds it: ensure_krew)");
        }
        eprintln!("SKIPPED krew_installs_the_packaged_plugin_from_its_manifest: no krew on PATH");
        return;
    };
    let dist = tempfile::tempdir().unwrap();
    let out = Command::new(common::root().join("deploy/krew/package"))
        .arg(env!("CARGO_BIN_EXE_kdrill"))
        .arg(dist.path())
        .env(
            "KDRILL_RELEASE_URL",
            "https://releases.example/kdrill/v0.1.0/",
        )
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let archive = dist.path().join("kdrill-v0.1.0-linux-amd64.tar.gz");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            archive.to_str().unwrap(),
            dist.path().join("kdrill.yaml").to_str().unwrap()
        ]
    );
    let manifest = std::fs::read_to_string(dist.path().join("kdrill.yaml")).unwrap();
    assert_eq!(
        field(&manifest, "version"),
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        field(&manifest, "uri"),
        "https://releases.example/kdrill/v0.1.0/kdrill-v0.1.0-linux-amd64.tar.gz"
    );
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    assert_eq!(
        field(&manifest, "sha256"),
        text(&sum).0.split_whitespace().next().unwrap()
    );
    // krew checks the manifest and the archive's sha256, unpacks it and links the plugin
    let krew_root = tempfile::tempdir().unwrap();
    let install = Command::new(&krew)
        .arg("install")
        .arg(format!(
            "--manifest={}",
            dist.path().join("kdrill.yaml").display()
        ))
        .arg(format!("--archive={}", archive.display()))
        .env("KREW_ROOT", krew_root.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(install.status.success(), "{:?}", text(&install));
    let bin = krew_root.path().join("bin");
    assert!(bin.join("kubectl-kdrill").exists());
    let version = kubectl(&with_first_on_path(&bin), &["kdrill", "--version"])
        .output()
        .unwrap();
    assert_eq!(
        text(&version).0.trim(),
        format!("kdrill {}", env!("CARGO_PKG_VERSION"))
    );
    let help = kubectl(&with_first_on_path(&bin), &["kdrill", "run", "--help"])
        .output()
        .unwrap();
    assert!(
        text(&help)
            .0
            .contains("Usage: kubectl kdrill run [OPTIONS] [PATHS]..."),
        "{:?}",
        text(&help)
    );
    // a manifest whose sha256 does not match the archive is refused
    let tampered = dist.path().join("tampered.yaml");
    std::fs::write(
        &tampered,
        manifest.replace(field(&manifest, "sha256"), &"0".repeat(64)),
    )
    .unwrap();
    let other_root = tempfile::tempdir().unwrap();
    let refused = Command::new(&krew)
        .arg("install")
        .arg(format!("--manifest={}", tampered.display()))
        .arg(format!("--archive={}", archive.display()))
        .env("KREW_ROOT", other_root.path())
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{:?}", text(&refused));
}
