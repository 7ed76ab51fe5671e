//! Turning a post's commands into kdrill steps: known `kubectl` commands become native
//! steps, what the post printed becomes the first snapshot, states the post shows
//! become waits; anything else becomes a host `command` step with a note.

use super::extract::Command;
use serde_yaml::{Mapping, Value};

/// One step of the draft scenario, with what a human should know about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// Comment lines written above the step.
    pub comments: Vec<String>,
    /// The step (a mapping), or None for a command that needs no step (`exit`).
    pub step: Option<Value>,
    /// A snapshot the step compares with: (name, the post's output).
    pub snapshot: Option<(String, String)>,
    /// A manifest file the step needs (`apply -f`), by its portable name.
    pub manifest: Option<String>,
    /// Something a human must look at.
    pub todo: Option<String>,
    /// A file to write beside the scenario (`manifests/NAME`): a here-document's body.
    pub write: Option<(String, String)>,
}

impl Draft {
    /// A step with its comments and nothing else to do.
    fn step(step: Value, comments: Vec<String>) -> Draft {
        Draft {
            comments,
            step: Some(step),
            ..Draft::default()
        }
    }
}

/// A wait for a state the post shows: states such as a restart after a crash or an
/// image pulled take longer than a wait's default timeout.
fn wait_for_shown_state(wait: Value, comments: Vec<String>) -> Draft {
    Draft::step(map(vec![("wait", wait), ("timeout", s("2m"))]), comments)
}

/// Split a command line like a POSIX shell would (quotes removed, no expansion).
pub fn split(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let (mut single, mut double) = (false, false);
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => {
                single = !single;
                has = true;
            }
            '"' if !single => {
                double = !double;
                has = true;
            }
            // an escape only before what needs one: Windows paths (`.\dir\x.yaml`) keep theirs
            '\\' if !single
                && chars
                    .peek()
                    .is_some_and(|n| matches!(n, '"' | '\'' | '\\' | '$' | ' ')) =>
            {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    has = true;
                }
            }
            c if c.is_whitespace() && !single && !double => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// `.\03-workloads\01-working-pods\x.yaml` → `x.yaml`.
pub fn portable_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

pub(crate) fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::String(k.into()), v);
    }
    Value::Mapping(m)
}

pub(crate) fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// Parsed kubectl arguments: positionals, flags with values, and what follows `--`.
struct Args {
    pos: Vec<String>,
    flags: Vec<(String, String)>,
    rest: Vec<String>,
}

impl Args {
    fn parse(tokens: &[String], valued: &[&str]) -> Args {
        let mut a = Args {
            pos: vec![],
            flags: vec![],
            rest: vec![],
        };
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            if t == "--" {
                a.rest = tokens[i + 1..].to_vec();
                break;
            }
            if let Some((k, v)) = t.split_once('=').filter(|(k, _)| k.starts_with('-')) {
                a.flags.push((k.to_string(), v.to_string()));
            } else if t.starts_with('-') && valued.contains(&t.as_str()) && i + 1 < tokens.len() {
                a.flags.push((t.clone(), tokens[i + 1].clone()));
                i += 1;
            } else if t.starts_with('-') {
                a.flags.push((t.clone(), String::new()));
            } else {
                a.pos.push(t.clone());
            }
            i += 1;
        }
        a
    }
    fn get(&self, names: &[&str]) -> Option<&str> {
        self.flags
            .iter()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }
    fn has(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|(k, _)| names.contains(&k.as_str()))
    }
}

/// `pod/nginx` or `pods nginx` from positionals starting at `at`.
fn object(pos: &[String], at: usize) -> Option<(String, String)> {
    let first = pos.get(at)?;
    match first.split_once('/') {
        Some((k, n)) => Some((k.to_string(), n.to_string())),
        None => pos.get(at + 1).map(|n| (first.clone(), n.clone())),
    }
}

fn singular(kind: &str) -> String {
    match kind {
        "pods" | "po" => "pod".into(),
        k => k.trim_end_matches('s').to_string(),
    }
}

fn slug(text: &str) -> String {
    crate::names::slug(text, 40)
}

/// Waits for the states a `kubectl get pods` table shows, so the replay waits for them
/// instead of racing them.
pub fn waits_from_table(output: &str) -> Vec<Value> {
    let mut lines = output.lines();
    let Some(header) = lines.next() else {
        return vec![];
    };
    let cols: Vec<&str> = header.split_whitespace().collect();
    let (Some(ni), Some(si)) = (
        cols.iter().position(|c| *c == "NAME"),
        cols.iter().position(|c| *c == "STATUS"),
    ) else {
        return vec![];
    };
    let ri = cols.iter().position(|c| *c == "READY");
    let mut out = Vec::new();
    for row in lines {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let (Some(name), Some(status)) = (cells.get(ni), cells.get(si)) else {
            continue;
        };
        // `2/2` means every container is ready: wait for that, not just for the phase
        let all_ready = ri
            .and_then(|i| cells.get(i))
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(a, b)| a == b && a != "0");
        let until = match *status {
            "Running" if all_ready => map(vec![("condition", s("Ready"))]),
            "Running" => map(vec![("phase", s("Running"))]),
            "Completed" => map(vec![("phase", s("Succeeded"))]),
            "CrashLoopBackOff" | "Error" => {
                map(vec![("container", map(vec![("restartCount", s(">=1"))]))])
            }
            _ => continue,
        };
        out.push(map(vec![
            ("for", s(&format!("pod/{name}"))),
            ("until", until),
        ]));
    }
    out
}

/// The pod a step waits to see crash (the post showed it in `CrashLoopBackOff`/`Error`).
pub fn crash_shown(step: &Value) -> Option<String> {
    let wait = step.get("wait")?;
    wait.get("until")?.get("container")?.get("restartCount")?;
    let pod = wait.get("for")?.as_str()?.strip_prefix("pod/")?;
    Some(pod.to_string())
}

/// `kubectl logs` of a container the post showed crash-looping printed its last,
/// finished run (a container in back-off has no current one). The replay reads that
/// run (`previous`) once the container has restarted: the live log of the restarted
/// run is still growing while it is read, and a snapshot of it changes run to run.
pub fn logs_of_crashed_run(
    mut d: Draft,
    crashing: &std::collections::BTreeSet<String>,
) -> Vec<Draft> {
    let Some(logs) = d
        .step
        .as_mut()
        .and_then(|st| st.get_mut("logs"))
        .and_then(Value::as_mapping_mut)
    else {
        return vec![d];
    };
    let Some(pod) = logs.get("pod").and_then(Value::as_str).map(str::to_string) else {
        return vec![d];
    };
    if !crashing.contains(&pod) || logs.contains_key("previous") || logs.contains_key("namespace") {
        return vec![d];
    }
    let mut container = vec![("restartCount", s(">=1"))];
    if let Some(name) = logs.get("container").and_then(Value::as_str) {
        container.insert(0, ("name", s(name)));
    }
    logs.insert(s("previous"), Value::Bool(true));
    // the post's line goes above the wait, which starts this command's steps
    let mut comments = std::mem::take(&mut d.comments);
    comments.push(
        "the post shows this container crash-looping, where `kubectl logs` prints its last finished run: \
         that run is read (`previous`), not the restarted one that is still writing"
            .into(),
    );
    let wait = map(vec![
        ("for", s(&format!("pod/{pod}"))),
        ("until", map(vec![("container", map(container))])),
    ]);
    vec![wait_for_shown_state(wait, comments), d]
}

/// curl's progress meter: stderr in reality, mixed into the post's output.
fn without_curl_meter(output: &str) -> String {
    output
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("% Total")
                || t.starts_with("Dload")
                || (t.starts_with("100 ") && t.contains("--:--:--")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Translate one command of the post (the `n`th step, for snapshot names).
pub fn translate(c: &Command, n: usize) -> Vec<Draft> {
    let tokens = split(&c.text);
    let mut comments = vec![format!("post line {}: {}", c.line, c.text)];
    if !c.rejoined.is_empty() {
        comments.push(format!(
            "(lines {:?} of the post were joined: the blog wrapped this command)",
            c.rejoined
        ));
    }
    let (Some(program), rest) = (
        tokens.first().map(String::as_str),
        tokens.get(1..).unwrap_or(&[]),
    ) else {
        return vec![];
    };
    let program = if program == "sudo" {
        rest.first().map(String::as_str).unwrap_or("")
    } else {
        program
    };
    let rest = if tokens.first().map(String::as_str) == Some("sudo") {
        rest.get(1..).unwrap_or(&[])
    } else {
        rest
    };
    if let Some(body) = &c.heredoc {
        if let Some(d) = heredoc(program, rest, body, &comments) {
            return vec![d];
        }
    }
    if program == "kubectl" {
        if let Some(d) = kubectl(c, rest, n, &comments) {
            return d;
        }
    }
    match (program, rest.first().map(String::as_str)) {
        ("minikube", Some("ssh")) | ("exit", _) => vec![Draft {
            comments: vec![format!("post line {}: {} (a shell on the node: the testbed's node is this machine, so its commands are host `command` steps)", c.line, c.text)],
            ..Draft::default()
        }],
        ("minikube", Some("cp")) if rest.len() >= 3 => {
            let src = portable_name(&rest[1]);
            let dst = rest[2].split_once(':').map_or(rest[2].as_str(), |(_, p)| p);
            comments.push("minikube cp copies onto the node; the testbed's node is this machine".into());
            let mut d = Draft::step(map(vec![("command", map(vec![("run", s(&format!("cp manifests/{src} {dst}")))]))]), comments);
            d.manifest = Some(src);
            vec![d]
        }
        _ => {
            let mut run = c.text.trim_start_matches("sudo ").to_string();
            if let (Some(body), Some(delim)) = (&c.heredoc, super::extract::heredoc_delimiter(&c.text)) {
                run = format!("{run}\n{body}{delim}\n");
            }
            let mut d = Draft::step(map(vec![("command", map(vec![("run", s(&run))]))]), comments);
            d.todo = Some(format!("line {}: `{}` is not a kubectl command kdrill knows; it runs on this machine as a host command: check that is right", c.line, c.text));
            if !c.output.is_empty() {
                let name = format!("{n:02}-{}", slug(&c.text));
                d.step = d.step.map(|st| with_expect(st, "stdout", &name));
                d.snapshot = Some((name, c.output.clone()));
            }
            vec![d]
        }
    }
}

/// A command with a here-document: `kubectl apply -f - <<EOF` applies the manifest
/// it carries; `cat <<EOF > FILE` (or `cat > FILE`, `tee FILE`) writes a file the
/// post uses later, kept beside the scenario. Anything else stays a host command,
/// here-document included (see the caller).
fn heredoc(program: &str, args: &[String], body: &str, comments: &[String]) -> Option<Draft> {
    let manifest = body.contains("apiVersion:") && body.contains("kind:");
    let stdin =
        args.iter().any(|a| a == "-") || args.windows(2).any(|w| w[0] == "-f" && w[1] == "-");
    if program == "kubectl"
        && matches!(args.first().map(String::as_str), Some("apply" | "create"))
        && stdin
        && manifest
    {
        let name = super::manifest_name(body);
        return Some(Draft {
            comments: comments.to_vec(),
            step: Some(map(vec![(
                "apply",
                map(vec![("file", s(&format!("manifests/{name}")))]),
            )])),
            write: Some((name, body.to_string())),
            ..Draft::default()
        });
    }
    // where `cat`/`tee` writes: `> FILE`, `>FILE`, or tee's argument
    let target = match program {
        "cat" => args.iter().enumerate().find_map(|(i, a)| {
            if a == ">" {
                args.get(i + 1).cloned()
            } else {
                a.strip_prefix('>')
                    .filter(|f| !f.is_empty() && !f.starts_with('>'))
                    .map(str::to_string)
            }
        }),
        "tee" => args
            .iter()
            .find(|a| !a.starts_with('-') && !a.starts_with("<<"))
            .cloned(),
        _ => None,
    };
    let file = portable_name(&target?);
    let mut comments = comments.to_vec();
    comments.push(format!(
        "the post writes {file} with a here-document: kept as manifests/{file}"
    ));
    Some(Draft {
        comments,
        write: Some((file, body.to_string())),
        ..Draft::default()
    })
}

fn kubectl(c: &Command, args: &[String], n: usize, comments: &[String]) -> Option<Vec<Draft>> {
    let verb = args.first()?.as_str();
    let a = Args::parse(
        &args[1..],
        &[
            "-p",
            "--patch",
            "--type",
            "-c",
            "--container",
            "-n",
            "--namespace",
            "--image",
            "--port",
            "-f",
            "--filename",
            "-o",
            "--output",
            "-l",
            "--selector",
            "--for",
            "--timeout",
        ],
    );
    let ns = a.get(&["-n", "--namespace"]).map(s);
    let with_ns = |mut m: Value| {
        if let (Some(ns), Value::Mapping(mm)) = (&ns, &mut m) {
            mm.insert(s("namespace"), ns.clone());
        }
        m
    };
    let one = |step: Value| Draft::step(step, comments.to_vec());
    let snap_name = |what: &str| format!("{n:02}-{}", slug(what));
    match verb {
        "run" => {
            let name = a.pos.first()?.clone();
            let image = a.get(&["--image"])?.to_string();
            let mut container = vec![("name", s(&name)), ("image", s(&image))];
            if let Some(p) = a.get(&["--port"]).and_then(|p| p.parse::<u64>().ok()) {
                container.push((
                    "ports",
                    Value::Sequence(vec![map(vec![("containerPort", Value::Number(p.into()))])]),
                ));
            }
            let manifest = map(vec![
                ("apiVersion", s("v1")),
                ("kind", s("Pod")),
                (
                    "metadata",
                    map(vec![
                        ("name", s(&name)),
                        ("labels", map(vec![("run", s(&name))])),
                    ]),
                ),
                (
                    "spec",
                    map(vec![("containers", Value::Sequence(vec![map(container)]))]),
                ),
            ]);
            Some(vec![one(map(vec![(
                "apply",
                map(vec![("manifest", manifest)]),
            )]))])
        }
        "apply" | "create" => {
            let file = portable_name(a.get(&["-f", "--filename"])?);
            let mut d = one(map(vec![(
                "apply",
                with_ns(map(vec![("file", s(&format!("manifests/{file}")))])),
            )]));
            d.manifest = Some(file);
            Some(vec![d])
        }
        "patch" => {
            let (kind, name) = object(&a.pos, 0)?;
            let patch = a.get(&["-p", "--patch"])?;
            let ty = a.get(&["--type"]).unwrap_or("strategic");
            let step = with_ns(map(vec![
                ("object", s(&format!("{}/{name}", singular(&kind)))),
                ("type", s(ty)),
                ("patch", s(patch)),
            ]));
            Some(vec![one(map(vec![("patch", step)]))])
        }
        "get" => {
            let kind = a.pos.first()?.split('/').next()?.to_string();
            let name = a
                .pos
                .first()
                .and_then(|p| p.split_once('/').map(|(_, n)| n.to_string()))
                .or_else(|| a.pos.get(1).cloned());
            let mut drafts: Vec<Draft> = Vec::new();
            if matches!(kind.as_str(), "pods" | "pod" | "po") && ns.is_none() {
                for w in waits_from_table(&c.output) {
                    drafts.push(wait_for_shown_state(
                        w,
                        vec!["the post shows this state: wait for it instead of racing it".into()],
                    ));
                }
            }
            let mut step = vec![("kind", s(&kind))];
            if let Some(nm) = &name {
                step.push(("name", s(nm)));
            }
            match a.get(&["-o", "--output"]) {
                Some("wide") => step.push(("output", s("wide"))),
                Some("yaml") => step.push(("output", s("yaml"))),
                Some("name") => step.push(("output", s("name"))),
                _ => {}
            }
            let mut d = one(map(vec![("get", with_ns(map(step)))]));
            if !c.output.is_empty() {
                let nm = snap_name(&format!("get {kind} {}", name.clone().unwrap_or_default()));
                d.step = d.step.map(|st| with_expect(st, "output", &nm));
                d.snapshot = Some((nm, c.output.clone()));
            }
            drafts.push(d);
            Some(drafts)
        }
        "describe" => {
            let (kind, name) = object(&a.pos, 0)?;
            let target = format!("{}/{name}", singular(&kind));
            // describe prints `Status: Running`: wait for that phase, not mere existence
            let phase = c
                .output
                .lines()
                .find_map(|l| l.strip_prefix("Status:"))
                .map(str::trim)
                .filter(|p| !p.is_empty());
            let mut w = vec![("for", s(&target))];
            if let Some(p) = phase {
                w.push(("until", map(vec![("phase", s(p))])));
            }
            let wait = one(map(vec![("wait", with_ns(map(w)))]));
            let get = Draft::step(
                with_expect(map(vec![("get", with_ns(map(vec![("kind", s(&singular(&kind))), ("name", s(&name)), ("output", s("yaml"))])))]), "output", &snap_name(&format!("object {name}"))),
                vec!["describe's text is kubectl's own: the object is snapshotted as YAML instead (review it after the first run)".into()],
            );
            Some(vec![wait, get])
        }
        "logs" => {
            let a = Args::parse(
                &args[1..],
                &["-c", "--container", "-n", "--namespace", "--tail"],
            );
            let pod = a.pos.first()?.trim_start_matches("pod/").to_string();
            let mut step = vec![("pod", s(&pod))];
            if let Some(cn) = a.get(&["-c", "--container"]) {
                step.push(("container", s(cn)));
            }
            if a.has(&["-p", "--previous"]) {
                step.push(("previous", Value::Bool(true)));
            }
            let mut d = one(map(vec![("logs", with_ns(map(step)))]));
            if !c.output.is_empty() {
                let nm = snap_name(&format!("logs {pod}"));
                d.step = d.step.map(|st| with_expect(st, "output", &nm));
                d.snapshot = Some((nm, c.output.clone()));
            }
            Some(vec![d])
        }
        "exec" => {
            let pod = a.pos.first()?.trim_start_matches("pod/").to_string();
            if a.rest.is_empty() {
                return None;
            }
            let mut step = vec![("pod", s(&pod))];
            if let Some(cn) = a.get(&["-c", "--container"]) {
                step.push(("container", s(cn)));
            }
            step.push((
                "command",
                Value::Sequence(a.rest.iter().map(|t| s(t)).collect()),
            ));
            // a container that just started may not listen yet: a server behind `exec curl`
            // is retried briefly rather than raced
            let retry = map(vec![
                ("attempts", Value::Number(10.into())),
                ("backoff", s("500ms")),
            ]);
            let mut d = one(map(vec![("exec", with_ns(map(step))), ("retry", retry)]));
            if !c.output.is_empty() {
                let nm = snap_name(&format!("exec {pod} {}", a.rest.join(" ")));
                d.step = d.step.map(|st| with_expect(st, "stdout", &nm));
                d.snapshot = Some((nm, without_curl_meter(&c.output)));
            }
            Some(vec![d])
        }
        "delete" => {
            let (kind, name) = object(&a.pos, 0)?;
            Some(vec![one(map(vec![(
                "delete",
                with_ns(map(vec![(
                    "object",
                    s(&format!("{}/{name}", singular(&kind))),
                )])),
            )]))])
        }
        "wait" => {
            let (kind, name) = object(&a.pos, 0)?;
            let cond = a.get(&["--for"])?.strip_prefix("condition=")?.to_string();
            let mut step = vec![(
                "wait",
                with_ns(map(vec![
                    ("for", s(&format!("{}/{name}", singular(&kind)))),
                    ("until", map(vec![("condition", s(&cond))])),
                ])),
            )];
            if let Some(t) = a.get(&["--timeout"]) {
                step.push(("timeout", s(t)));
            }
            Some(vec![one(map(step))])
        }
        _ => None,
    }
}

/// Add `expect: {<field>: {snapshot: name}}` to a step.
fn with_expect(mut step: Value, field: &str, name: &str) -> Value {
    if let Value::Mapping(m) = &mut step {
        m.insert(
            s("expect"),
            map(vec![(field, map(vec![("snapshot", s(name))]))]),
        );
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(text: &str, output: &str) -> Command {
        Command {
            line: 1,
            text: text.into(),
            output: output.into(),
            on_node: false,
            rejoined: vec![],
            heredoc: None,
        }
    }

    fn yaml(d: &Draft) -> String {
        serde_yaml::to_string(d.step.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn shell_splitting_handles_every_quoting_style() {
        assert_eq!(
            split(r#"kubectl patch pod nginx --type='json' -p='[{"op": "replace"}]'"#),
            vec![
                "kubectl",
                "patch",
                "pod",
                "nginx",
                "--type=json",
                r#"-p=[{"op": "replace"}]"#
            ]
        );
        assert_eq!(
            split(r#"kubectl patch pod x -p "{\"a\": 1}""#)[5],
            r#"{"a": 1}"#
        );
        assert_eq!(split(r"kubectl apply -f .\a\b.yaml")[3], r".\a\b.yaml");
        assert_eq!(split("a  'b c'  d"), vec!["a", "b c", "d"]);
    }

    #[test]
    fn kubectl_run_becomes_an_inline_pod() {
        let d = translate(
            &cmd(
                "kubectl run nginx --image nginx:mainline --port 80",
                "pod/nginx created\n",
            ),
            1,
        );
        insta::assert_snapshot!(yaml(&d[0]), @r"
        apply:
          manifest:
            apiVersion: v1
            kind: Pod
            metadata:
              name: nginx
              labels:
                run: nginx
            spec:
              containers:
              - name: nginx
                image: nginx:mainline
                ports:
                - containerPort: 80
        ");
    }

    #[test]
    fn get_waits_for_the_states_the_post_shows_then_snapshots() {
        let out =
            "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          33s\n";
        let d = translate(&cmd("kubectl get pods", out), 2);
        assert_eq!(d.len(), 2);
        assert!(
            yaml(&d[0]).contains("for: pod/nginx") && yaml(&d[0]).contains("condition: Ready"),
            "1/1 is all ready: {}",
            yaml(&d[0])
        );
        let partly = translate(
            &cmd(
                "kubectl get pods",
                "NAME   READY   STATUS    RESTARTS   AGE\nw      1/2     Running   0          3s\n",
            ),
            3,
        );
        assert!(yaml(&partly[0]).contains("phase: Running"));
        assert!(
            yaml(&d[1]).contains("snapshot: 02-get-pods"),
            "{}",
            yaml(&d[1])
        );
        assert_eq!(d[1].snapshot.as_ref().unwrap().1, out);
    }

    #[test]
    fn patch_exec_logs_describe_and_windows_paths() {
        let d = translate(
            &cmd(
                r#"kubectl patch pod nginx --type='json' -p='[{"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:latest"}]'"#,
                "",
            ),
            3,
        );
        assert!(
            yaml(&d[0]).contains("object: pod/nginx") && yaml(&d[0]).contains("type: json"),
            "{}",
            yaml(&d[0])
        );
        let d = translate(
            &cmd(
                r"kubectl apply -f .\03-workloads\01-working-pods\failed-port-same-binding.yaml",
                "",
            ),
            4,
        );
        assert_eq!(
            d[0].manifest.as_deref(),
            Some("failed-port-same-binding.yaml")
        );
        let d = translate(&cmd("kubectl exec -it pod/webapps -c nginx -- curl localhost", "  % Total    % Received\n                                 Dload  Upload\n100   615  100   615    0     0   600k      0 --:--:-- --:--:-- --:--:--  600k\n<html>\n"), 5);
        assert!(yaml(&d[0]).contains("container: nginx") && yaml(&d[0]).contains("- curl"));
        assert_eq!(
            d[0].snapshot.as_ref().unwrap().1,
            "<html>\n",
            "curl's meter is not page output"
        );
        let d = translate(&cmd("kubectl logs webapps-same-image -c nginx2", "x\n"), 6);
        assert!(yaml(&d[0]).contains("container: nginx2"));
        assert!(!yaml(&d[0]).contains("previous"));
        let d = translate(&cmd("kubectl describe pod nginx", "Name: nginx\n"), 7);
        assert_eq!(d.len(), 2);
        assert!(yaml(&d[1]).contains("output: yaml"));
    }

    #[test]
    fn logs_of_a_pod_shown_crashing_read_the_finished_run() {
        let table = "NAME READY STATUS RESTARTS AGE\nweb 1/2 CrashLoopBackOff 7 5m\n";
        let get = translate(&cmd("kubectl get pods web", table), 1);
        let crashing: std::collections::BTreeSet<String> = get
            .iter()
            .filter_map(|d| d.step.as_ref().and_then(crash_shown))
            .collect();
        assert_eq!(crashing.iter().collect::<Vec<_>>(), ["web"]);
        let logs = translate(&cmd("kubectl logs web -c nginx2", "bind() failed\n"), 2);
        let d = logs_of_crashed_run(logs[0].clone(), &crashing);
        assert_eq!(d.len(), 2);
        assert_eq!(
            yaml(&d[0]),
            "wait:\n  for: pod/web\n  until:\n    container:\n      name: nginx2\n      restartCount: '>=1'\ntimeout: 2m\n"
        );
        assert!(yaml(&d[1]).contains("previous: true"), "{}", yaml(&d[1]));
        assert_eq!(
            d[1].snapshot, logs[0].snapshot,
            "the post's output stays the snapshot"
        );
        // other pods, and logs the post already asked of the previous run, are left alone
        let other = translate(&cmd("kubectl logs db", "ok\n"), 3);
        assert_eq!(logs_of_crashed_run(other[0].clone(), &crashing), other);
        let prev = translate(&cmd("kubectl logs web -p", "x\n"), 4);
        assert_eq!(logs_of_crashed_run(prev[0].clone(), &crashing), prev);
    }

    #[test]
    fn unknown_commands_degrade_to_host_commands_with_a_todo() {
        let d = translate(&cmd("sudo chmod -R 777 /data/nginx/html", ""), 8);
        assert!(yaml(&d[0]).contains("run: chmod -R 777 /data/nginx/html"));
        assert!(d[0].todo.is_some());
        let d = translate(
            &cmd(
                r"minikube cp .\03-workloads\01-working-pods\index.html minikube:/data/nginx/html/index.html",
                "",
            ),
            9,
        );
        assert!(yaml(&d[0]).contains("cp manifests/index.html /data/nginx/html/index.html"));
        assert!(translate(&cmd("minikube ssh", "Last login"), 10)[0]
            .step
            .is_none());
        assert!(translate(&cmd("", ""), 11).is_empty());
    }

    #[test]
    fn here_documents_become_manifests_or_stay_commands() {
        let mut c = cmd("kubectl apply -f - <<EOF", "");
        c.heredoc = Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n".into());
        let d = &translate(&c, 1)[0];
        assert_eq!(
            yaml(d),
            "apply:\n  file: manifests/configmap-settings.yaml\n"
        );
        assert_eq!(d.write.as_ref().unwrap().0, "configmap-settings.yaml");
        let mut c = cmd("cat <<'EOF' > .\\pods\\pod.yaml", "");
        c.heredoc = Some("apiVersion: v1\nkind: Pod\n".into());
        let d = &translate(&c, 1)[0];
        assert!(d.step.is_none());
        assert_eq!(d.write.as_ref().unwrap().0, "pod.yaml");
        let mut c = cmd("sudo tee /etc/motd <<EOF", "");
        c.heredoc = Some("hello\n".into());
        let d = &translate(&c, 1)[0];
        assert_eq!(d.write.as_ref().unwrap().0, "motd");
        let mut c = cmd("wc -l <<EOF", "2\n");
        c.heredoc = Some("a\nb\n".into());
        let d = &translate(&c, 3)[0];
        assert!(
            yaml(d).contains("run: |\n    wc -l <<EOF\n    a\n    b\n    EOF\n"),
            "{}",
            yaml(d)
        );
    }
}
