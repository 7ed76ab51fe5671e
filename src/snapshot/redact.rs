//! Normalisation of step output before it is compared with or stored as a snapshot:
//! what changes from run to run (ages, times, IPs, uids, generated names, the run's
//! namespace, node names, container ids, digests) becomes a stable placeholder.
//! Built-in rules, then the scenario's own `redact:` rules. Deterministic.

use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

/// A scenario's own rule: `{pattern: REGEX, replacement: TEXT}`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RedactRule {
    #[serde(deserialize_with = "de_regex")]
    #[schemars(with = "String")]
    pub pattern: Regex,
    pub replacement: String,
}

fn de_regex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
    let s = String::deserialize(d)?;
    Regex::new(&s).map_err(|e| serde::de::Error::custom(format!("invalid regex: {e}")))
}

/// What a run knows that must be hidden from snapshots.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The scenario's namespace (random per run).
    pub namespace: String,
    /// Names of the cluster's nodes.
    pub nodes: Vec<String>,
    /// The run's id (on every object kdrill labels).
    pub run_id: String,
}

struct Builtin {
    re: Regex,
    with: &'static str,
}

fn builtins() -> &'static [Builtin] {
    static RULES: OnceLock<Vec<Builtin>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |re: &str, with: &'static str| Builtin { re: Regex::new(re).expect("built-in redaction regex"), with };
        vec![
            // container ids and image digests before anything that could eat their hex
            r(r"\b(containerd|docker|cri-o)://[0-9a-f]{64}\b", "$1://[CONTAINER-ID]"),
            r(r"\bsha256:[0-9a-f]{64}\b", "sha256:[DIGEST]"),
            r(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "[UID]"),
            // RFC 3339 (API objects), nginx access logs, nginx/Go error logs
            r(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "[TIME]"),
            r(r"\b\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}", "[TIME]"),
            r(r"\b\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\b", "[TIME]"),
            // `date` (the busybox loop of many tutorials) and HTTP `Date:` headers
            r(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} (?:[A-Z]{2,5} )?\d{4}\b", "[TIME]"),
            r(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\b", "[TIME]"),
            r(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", "[IP]"),
            // node ports the API server picked (3xxxx): tables and objects
            r(r"\b(\d{1,5}):3[0-2]\d{3}/(TCP|UDP|SCTP)\b", "$1:[NODEPORT]/$2"),
            r(r"\bnodePort: 3[0-2]\d{3}\b", "nodePort: [NODEPORT]"),
            r(r"\bNodePort:( +\S+ +)3[0-2]\d{3}/", "NodePort:${1}[NODEPORT]/"),
            // how long something took (`pulled image "x" in 5.39s`): a duration, not an age
            r(r"\bin \d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h)\b", "in [DURATION]"),
            // restarts with their age, as kubectl prints them: `2 (5s ago)`
            r(r"\b\d+ \((?:\d+[dhms])+ ago\)", "[RESTARTS]"),
            // generated names: deployment pods, then job/daemonset pods
            r(r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b", "$1-[HASH]-[ID]"),
            r(r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)-[bcdfghjklmnpqrstvwxz2456789]{5}\b", "$1-[ID]"),
            // a ReplicaSet's template hash alone (`web-5f7c8d9b6d`, `replica set web-5f7c8d9b6d`)
            r(r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)-[bcdfghjklmnpqrstvwxz2456789]{8,10}\b", "$1-[HASH]"),
            // ages: `12s`, `3m2s`, `5d` as whole words (table AGE columns, `since 2m`)
            r(r"\b(?:\d+[dhms]){1,3}\b", "[AGE]"),
        ]
    })
}

/// Normalise `text`: run facts first, built-in rules, then the scenario's rules.
pub fn normalise(text: &str, ctx: &Context, rules: &[RedactRule]) -> String {
    let mut out = text.replace("\r\n", "\n");
    if !ctx.namespace.is_empty() {
        out = out.replace(&ctx.namespace, "[NAMESPACE]");
    }
    if !ctx.run_id.is_empty() {
        out = out.replace(&ctx.run_id, "[RUN]");
    }
    // longest first, so `node-10` is not half-replaced by `node-1`
    let mut nodes: Vec<&String> = ctx.nodes.iter().filter(|n| !n.is_empty()).collect();
    nodes.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in nodes {
        let re = Regex::new(&format!(r"\b{}\b", regex::escape(n)));
        if let Ok(re) = re {
            out = re.replace_all(&out, "[NODE]").into_owned();
        }
    }
    for b in builtins() {
        out = b.re.replace_all(&out, b.with).into_owned();
    }
    for r in rules {
        out = r
            .pattern
            .replace_all(&out, r.replacement.as_str())
            .into_owned();
    }
    realign_table(&out)
}

/// The namespaces a post ran in, in the places kubectl prints a namespace (`NAMESPACE`
/// columns, `Namespace:` lines, `ns/name` in events, `in ns namespace`, `deleted from
/// ns namespace`), replaced by what they are in a run (`[NAMESPACE]`,
/// `[NAMESPACE]-team-a`). For snapshots `kdrill import` takes from a post; a run
/// replaces its own namespace everywhere with [`normalise`].
pub fn post_namespaces(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (ns, with) in names {
        let e = regex::escape(ns);
        let rules = [
            (
                format!(r"(?m)^(Namespace:\s+){e}$"),
                format!("${{1}}{with}"),
            ),
            (
                format!(r"\b(in|from) {e} namespace\b"),
                format!("$1 {with} namespace"),
            ),
            (
                format!(r"(assigned |\s){e}/([a-z0-9])"),
                format!("${{1}}{with}/$2"),
            ),
            (format!(r"(?m)^{e}(\s{{2,}})"), format!("{with}$1")),
            (
                format!(r#"(?m)^(\s*namespace: ){e}$"#),
                format!("${{1}}{with}"),
            ),
        ];
        for (re, rep) in rules {
            if let Ok(re) = Regex::new(&re) {
                out = re.replace_all(&out, rep.as_str()).into_owned();
            }
        }
    }
    out
}

/// Placeholders change cell widths; re-pad kubectl tables (3-space separated
/// columns under an upper-case header) so the stored table stays aligned.
fn realign_table(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(header) = lines.first() else {
        return text.to_string();
    };
    let is_header = header.contains("   ")
        && header.split_whitespace().all(|w| {
            w.chars()
                .all(|c| c.is_ascii_uppercase() || c == '-' || c == '(' || c == ')')
        })
        && header.starts_with("NAME");
    if !is_header {
        return text.to_string();
    }
    let split = |l: &str| -> Vec<String> {
        l.split("   ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut rows: Vec<Vec<String>> = lines.iter().map(|l| split(l)).collect();
    let cols = rows[0].len();
    if rows.iter().any(|r| r.len() != cols) {
        return text.to_string();
    }
    // kubectl sorts rows by name; names that normalise alike (`web-[HASH]` of two
    // ReplicaSets) come in the random order of their hashes: order such runs by content
    let mut i = 1;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j][0] == rows[i][0] {
            j += 1;
        }
        rows[i..j].sort();
        i = j;
    }
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        for (c, cell) in r.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < cols {
                out.push_str(&" ".repeat(widths[c] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            namespace: "kdrill-pods-x7k2p".into(),
            nodes: vec!["node-1".into()],
            run_id: "q7k2mbx9".into(),
        }
    }

    #[test]
    fn tables_lose_ages_and_restart_times_and_stay_aligned() {
        let t = "NAME                 READY   STATUS             RESTARTS      AGE\nnginx                1/1     Running            0             12s\nwebapps-same-image   1/2     CrashLoopBackOff   3 (20s ago)   2m13s\n";
        insta::assert_snapshot!(normalise(t, &ctx(), &[]), @r"
        NAME                 READY   STATUS             RESTARTS     AGE
        nginx                1/1     Running            0            [AGE]
        webapps-same-image   1/2     CrashLoopBackOff   [RESTARTS]   [AGE]
        ");
    }

    #[test]
    fn wide_tables_lose_ips_and_node_names() {
        let t = "NAME    READY   STATUS    RESTARTS   AGE   IP          NODE\nnginx   1/1     Running   0          5s    10.88.0.12   node-1\n";
        assert_eq!(
            normalise(t, &ctx(), &[]),
            "NAME    READY   STATUS    RESTARTS   AGE     IP     NODE\nnginx   1/1     Running   0          [AGE]   [IP]   [NODE]\n"
        );
    }

    #[test]
    fn objects_lose_uids_times_and_namespace() {
        let y = "metadata:\n  labels:\n    kdrill.dev/run: q7k2mbx9\n  creationTimestamp: \"2026-11-25T00:12:01Z\"\n  namespace: kdrill-pods-x7k2p\n  uid: 0b6f5a8e-3f1c-4d8e-9a57-8d1f2c3b4a5e\nstatus:\n  containerStatuses:\n  - containerID: containerd://4f0c3a1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a\n    imageID: docker.io/library/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
        insta::assert_snapshot!(normalise(y, &ctx(), &[]), @r#"
        metadata:
          labels:
            kdrill.dev/run: [RUN]
          creationTimestamp: "[TIME]"
          namespace: [NAMESPACE]
          uid: [UID]
        status:
          containerStatuses:
          - containerID: containerd://[CONTAINER-ID]
            imageID: docker.io/library/nginx@sha256:[DIGEST]
        "#);
    }

    #[test]
    fn logs_lose_times_and_client_ips() {
        let l = "127.0.0.1 - - [25/Nov/2026:00:12:01 +0000] \"GET / HTTP/1.1\" 200 615 \"-\" \"curl/7.88.1\" \"-\"\n2026/11/25 00:12:01 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)\n";
        insta::assert_snapshot!(normalise(l, &ctx(), &[]), @r#"
        [IP] - - [[TIME]] "GET / HTTP/1.1" 200 615 "-" "curl/7.88.1" "-"
        [TIME] [emerg] 1#1: bind() to [IP]:80 failed (98: Address already in use)
        "#);
    }

    #[test]
    fn date_output_and_http_dates_are_times() {
        let l = "Sun Nov 29 16:54:18 UTC 2026\nMon Jan  5 09:01:02 2026\nDate: Sun, 29 Nov 2026 16:54:18 GMT\n";
        insta::assert_snapshot!(normalise(l, &ctx(), &[]), @r"
        [TIME]
        [TIME]
        Date: [TIME]
        ");
    }

    #[test]
    fn node_ports_the_api_server_picked_are_placeholders() {
        let l = "hello   NodePort   10.96.1.2   <none>   80:31922/TCP,443:30001/TCP   5s\n    nodePort: 30241\nNodePort:                 <unset>  32000/TCP\n";
        insta::assert_snapshot!(normalise(l, &ctx(), &[]), @r"
        hello   NodePort   [IP]   <none>   80:[NODEPORT]/TCP,443:[NODEPORT]/TCP   [AGE]
            nodePort: [NODEPORT]
        NodePort:                 <unset>  [NODEPORT]/TCP
        ");
    }

    #[test]
    fn rows_whose_names_normalise_alike_are_ordered_by_content() {
        let a = "NAME             DESIRED   CURRENT   READY   AGE\nweb-5f7c8d9b6d   0         0         0       3m\nweb-7d4b9c6f58   3         3         3       41s\n";
        let b = "NAME             DESIRED   CURRENT   READY   AGE\nweb-7d4b9c6f58   0         0         0       3m\nweb-5f7c8d9b6d   3         3         3       41s\n";
        assert_eq!(normalise(a, &ctx(), &[]), normalise(b, &ctx(), &[]));
        // distinct names keep kubectl's order
        let c = "NAME   READY\nzed    1/1\nabe    1/1\n";
        assert_eq!(normalise(c, &ctx(), &[]), c);
    }

    #[test]
    fn generated_names_become_placeholders() {
        assert_eq!(
            normalise("pod/web-7d9c5b8f6-x8k2p\npod/hello-b2k4z\n", &ctx(), &[]),
            "pod/web-[HASH]-[ID]\npod/hello-[ID]\n"
        );
        assert_eq!(
            normalise("pod/nginx\npod/webapps\n", &ctx(), &[]),
            "pod/nginx\npod/webapps\n",
            "real words keep their vowels"
        );
    }

    #[test]
    fn durations_and_replicaset_hashes() {
        assert_eq!(
            normalise(
                "Successfully pulled image \"bitnami/nginx\" in 16.8660425s\n",
                &ctx(),
                &[]
            ),
            "Successfully pulled image \"bitnami/nginx\" in [DURATION]\n",
        );
        assert_eq!(
            normalise("Scaled up replica set web-5f7c8d9b6d to 3\n", &ctx(), &[]),
            "Scaled up replica set web-[HASH] to 3\n"
        );
        assert_eq!(
            normalise("kube-controller-manager\n", &ctx(), &[]),
            "kube-controller-manager\n"
        );
    }

    #[test]
    fn a_posts_namespaces_where_kubectl_prints_namespaces() {
        let names = vec![
            ("default".to_string(), "[NAMESPACE]".to_string()),
            ("team-b".to_string(), "[NAMESPACE]-team-b".to_string()),
        ];
        let t = "No resources found in team-b namespace.\npod \"x\" deleted from default namespace\nNamespace:    default\n  Normal  Scheduled  5s  default-scheduler  Successfully assigned default/web to minikube\nNAMESPACE   NAME\nteam-b      sleeper\n";
        assert_eq!(
            post_namespaces(t, &names),
            "No resources found in [NAMESPACE]-team-b namespace.\npod \"x\" deleted from [NAMESPACE] namespace\nNamespace:    [NAMESPACE]\n  Normal  Scheduled  5s  default-scheduler  Successfully assigned [NAMESPACE]/web to minikube\nNAMESPACE   NAME\n[NAMESPACE]-team-b      sleeper\n"
        );
    }

    #[test]
    fn scenario_rules_come_last() {
        let rules: Vec<RedactRule> =
            serde_yaml::from_str("[{pattern: 'restarts=\\d+', replacement: 'restarts=[N]'}]")
                .unwrap();
        assert_eq!(normalise("restarts=4", &ctx(), &rules), "restarts=[N]");
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let t =
            "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          12s\n";
        let once = normalise(t, &ctx(), &[]);
        assert_eq!(normalise(&once, &ctx(), &[]), once);
    }
}
