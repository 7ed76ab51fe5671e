use super::*;

#[test]
fn confirmations_are_kubectls_own_lines() {
    assert!(confirmation("pod/nginx created\n"));
    assert!(confirmation("deployment.apps/web scaled\n\n"));
    assert!(confirmation(
        "Error from server (Forbidden): pods \"x\" is forbidden: exceeded quota\n"
    ));
    assert!(!confirmation("NAME   READY\nweb    1/1\n"));
    assert!(!confirmation(""));
}

#[test]
fn curl_options_that_print_more_than_the_body() {
    let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(curl_prints_more(&w("curl -s localhost")), None);
    assert_eq!(curl_prints_more(&w("curl -sSL --max-time=5 x")), None);
    assert_eq!(curl_prints_more(&w("curl -I x")), Some("-I".into()));
    assert_eq!(curl_prints_more(&w("curl -si x")), Some("-si".into()));
    assert_eq!(
        curl_prints_more(&w("curl --include x")),
        Some("--include".into())
    );
}

#[test]
fn a_snapshot_joins_what_a_step_already_expects() {
    let m = with_snapshot(Some(TextMatch::Pattern("a[..]".into())), "n");
    let TextMatch::Rules(r) = m else {
        panic!("rules")
    };
    assert_eq!(r.matches.as_deref(), Some("a[..]"));
    assert_eq!(r.snapshot, Some(SnapshotName::Named("n".into())));
}
