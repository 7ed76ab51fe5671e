//! The kubectl grammar: an argv read the way kubectl reads it. Global flags go
//! anywhere (`kubectl -n shop get pods`, `kubectl -f quota.yaml apply`), short flags
//! cluster and take glued values (`-it`, `-owide`, `-nkube-system`), `--flag=value`
//! and `--flag value` are the same, `--` ends the flags, and flags whose meaning
//! depends on the verb (`-f` follows for `logs`, `-p` is `--previous` there) are read
//! for their verb. The result is a typed command that translation reads.

use thiserror::Error;

/// Why an argv is not a kubectl command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubectlError {
    #[error("no kubectl command (verb) in `kubectl {0}`")]
    NoVerb(String),
    #[error("`{0}` is not a kubectl command")]
    UnknownVerb(String),
    #[error("flag `{0}` needs a value")]
    MissingValue(String),
}

/// kubectl's commands, as of 1.34 (and a few older ones posts still use).
pub const VERBS: &[&str] = &[
    "get",
    "describe",
    "create",
    "apply",
    "delete",
    "edit",
    "patch",
    "replace",
    "run",
    "expose",
    "set",
    "label",
    "annotate",
    "scale",
    "autoscale",
    "rollout",
    "logs",
    "exec",
    "attach",
    "port-forward",
    "proxy",
    "cp",
    "top",
    "wait",
    "explain",
    "api-resources",
    "api-versions",
    "config",
    "cluster-info",
    "version",
    "auth",
    "certificate",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "debug",
    "events",
    "diff",
    "kustomize",
    "plugin",
    "completion",
    "alpha",
    "convert",
    "options",
    "help",
];

/// Verbs whose first positional is a subcommand.
fn has_sub(verb: &str, next: &str) -> bool {
    match verb {
        "create" => CREATE_SUBS.iter().any(|(w, _)| *w == next),
        "set" => matches!(
            next,
            "image" | "env" | "resources" | "selector" | "serviceaccount" | "sa" | "subject"
        ),
        "rollout" => matches!(
            next,
            "status" | "history" | "undo" | "restart" | "pause" | "resume"
        ),
        "config" | "auth" | "certificate" | "plugin" | "completion" => true,
        "top" => matches!(next, "pod" | "pods" | "po" | "node" | "nodes" | "no"),
        "apply" => matches!(
            next,
            "edit-last-applied" | "set-last-applied" | "view-last-applied"
        ),
        "cluster-info" => next == "dump",
        _ => false,
    }
}

/// `kubectl create` subcommands and their canonical names.
const CREATE_SUBS: &[(&str, &str)] = &[
    ("deployment", "deployment"),
    ("deploy", "deployment"),
    ("service", "service"),
    ("svc", "service"),
    ("configmap", "configmap"),
    ("cm", "configmap"),
    ("secret", "secret"),
    ("namespace", "namespace"),
    ("ns", "namespace"),
    ("job", "job"),
    ("cronjob", "cronjob"),
    ("cj", "cronjob"),
    ("serviceaccount", "serviceaccount"),
    ("sa", "serviceaccount"),
    ("role", "role"),
    ("rolebinding", "rolebinding"),
    ("clusterrole", "clusterrole"),
    ("clusterrolebinding", "clusterrolebinding"),
    ("quota", "quota"),
    ("resourcequota", "quota"),
    ("priorityclass", "priorityclass"),
    ("pc", "priorityclass"),
    ("ingress", "ingress"),
    ("ing", "ingress"),
    ("poddisruptionbudget", "poddisruptionbudget"),
    ("pdb", "poddisruptionbudget"),
    ("token", "token"),
];

fn canonical_sub(verb: &str, sub: &str) -> String {
    match verb {
        "create" => CREATE_SUBS
            .iter()
            .find(|(w, _)| *w == sub)
            .map_or(sub, |(_, c)| c)
            .to_string(),
        "set" if sub == "sa" => "serviceaccount".into(),
        "top" if sub.starts_with('p') => "pod".into(),
        "top" => "node".into(),
        _ => sub.to_string(),
    }
}

/// Long flags that take a value (`--flag value` as well as `--flag=value`). Flags not
/// listed are booleans; `--dry-run`, `--validate`, `--cascade`, `--wait` and the like
/// take a value only with `=`.
const VALUED: &[&str] = &[
    // global
    "namespace",
    "context",
    "cluster",
    "user",
    "kubeconfig",
    "server",
    "token",
    "as",
    "as-group",
    "as-uid",
    "request-timeout",
    "cache-dir",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "tls-server-name",
    "v",
    "vmodule",
    "log-file",
    "profile-output",
    "password",
    "username",
    // common
    "filename",
    "output",
    "selector",
    "field-selector",
    "label-columns",
    "sort-by",
    "template",
    "chunk-size",
    "kustomize",
    "field-manager",
    "subresource",
    "raw",
    // run, create, expose, set
    "image",
    "port",
    "replicas",
    "labels",
    "env",
    "restart",
    "overrides",
    "serviceaccount",
    "image-pull-policy",
    "limits",
    "requests",
    "hostport",
    "name",
    "target-port",
    "protocol",
    "type",
    "external-ip",
    "load-balancer-ip",
    "session-affinity",
    "cluster-ip",
    "generator",
    "from-literal",
    "from-file",
    "from-env-file",
    "from",
    "schedule",
    "tcp",
    "clusterip",
    "node-port",
    "external-name",
    "docker-server",
    "docker-username",
    "docker-password",
    "docker-email",
    "cert",
    "key",
    "verb",
    "resource",
    "resource-name",
    "role",
    "clusterrole",
    "group",
    "hard",
    "scopes",
    "rule",
    "class",
    "default-backend",
    "min-available",
    "max-unavailable",
    "value",
    "description",
    "preemption-policy",
    "annotations",
    "containers",
    "pod-running-timeout",
    "cpu-percent",
    "min",
    "max",
    "mount-path",
    "configmap-name",
    "secret-name",
    "claim-name",
    "claim-size",
    "claim-mode",
    "path",
    "duration",
    "audience",
    "bound-object-kind",
    "bound-object-name",
    "bound-object-uid",
    "attach-timeout",
    // patch, scale, rollout, wait, delete
    "patch",
    "patch-file",
    "current-replicas",
    "resource-version",
    "timeout",
    "for",
    "to-revision",
    "revision",
    "grace-period",
    // logs, exec, cp, port-forward, debug
    "container",
    "tail",
    "since",
    "since-time",
    "limit-bytes",
    "max-log-requests",
    "address",
    "copy-to",
    "target",
    "profile",
    "set-image",
    "custom",
    "node-name",
    "retries",
    "pod-running-timeout",
    // config, auth, explain, events, drain
    "api-version",
    "for-object",
    "types",
    "pod-selector",
    "skip-wait-for-delete-timeout",
    "prune-allowlist",
    "prune-whitelist",
];

/// Short flags and their long names; `valued` is whether they take a value for `verb`.
fn short_flag(c: char, verb: &str) -> Option<(&'static str, bool)> {
    Some(match c {
        'n' => ("namespace", true),
        'o' => ("output", true),
        'l' => ("selector", true),
        'L' => ("label-columns", true),
        // `set resources|env -c`: the containers to change; elsewhere, the container
        'c' if verb == "set" => ("containers", true),
        'c' => ("container", true),
        'k' => ("kustomize", true),
        's' => ("server", true),
        'v' => ("v", true),
        'f' if verb == "logs" => ("follow", false),
        'f' => ("filename", true),
        'p' if verb == "logs" => ("previous", false),
        'p' if verb == "patch" => ("patch", true),
        'p' if verb == "exec" => ("pod", true),
        'p' => ("p", false),
        'i' => ("stdin", false),
        't' => ("tty", false),
        'w' => ("watch", false),
        'A' => ("all-namespaces", false),
        'R' => ("recursive", false),
        'q' => ("quiet", false),
        'h' => ("help", false),
        'a' => ("a", false),
        'r' => ("replicas", true),
        'e' => ("env", true),
        _ => return None,
    })
}

fn long_valued(name: &str, verb: &str) -> bool {
    match (name, verb) {
        ("raw", "config") => false,
        ("type", "delete") => true,
        _ => VALUED.contains(&name),
    }
}

/// How a command wants its result printed (`-o`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Wide,
    Yaml,
    Json,
    Name,
    JsonPath(String),
    GoTemplate(String),
    CustomColumns(String),
    Other(String),
}

impl Output {
    fn parse(v: &str) -> Output {
        let (k, rest) = v.split_once('=').unwrap_or((v, ""));
        match k {
            "wide" => Output::Wide,
            "yaml" => Output::Yaml,
            "json" => Output::Json,
            "name" => Output::Name,
            "jsonpath" | "jsonpath-as-json" => Output::JsonPath(rest.to_string()),
            "go-template" | "template" => Output::GoTemplate(rest.to_string()),
            "custom-columns" => Output::CustomColumns(rest.to_string()),
            _ => Output::Other(v.to_string()),
        }
    }
}

/// A resource argument: `pod/nginx`, `pods nginx`, `deploy,svc web`, `pods` alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// As written (`po`, `deploy`, `deployment.apps`).
    pub kind: String,
    pub name: Option<String>,
}

impl Resource {
    /// The kind's canonical singular name (`pod`, `deployment`), as kdrill's object
    /// references accept it.
    pub fn kind_name(&self) -> String {
        canonical_kind(&self.kind).0.to_string()
    }
    /// `kind/name`, or the kind alone.
    pub fn reference(&self) -> String {
        match &self.name {
            Some(n) => format!("{}/{n}", self.kind_name()),
            None => self.kind_name(),
        }
    }
}

/// Singular names, short names and plurals of the kinds tutorials use:
/// (singular, namespaced).
pub fn canonical_kind(kind: &str) -> (String, bool) {
    let lower = kind.to_ascii_lowercase();
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    let table: &[(&[&str], &str, bool)] = &[
        (&["po", "pod", "pods"], "pod", true),
        (&["svc", "service", "services"], "service", true),
        (&["deploy", "deployment", "deployments"], "deployment", true),
        (&["rs", "replicaset", "replicasets"], "replicaset", true),
        (&["ds", "daemonset", "daemonsets"], "daemonset", true),
        (&["sts", "statefulset", "statefulsets"], "statefulset", true),
        (&["job", "jobs"], "job", true),
        (&["cj", "cronjob", "cronjobs"], "cronjob", true),
        (&["cm", "configmap", "configmaps"], "configmap", true),
        (&["secret", "secrets"], "secret", true),
        (
            &["sa", "serviceaccount", "serviceaccounts"],
            "serviceaccount",
            true,
        ),
        (&["ep", "endpoints", "endpoint"], "endpoints", true),
        (&["endpointslice", "endpointslices"], "endpointslice", true),
        (&["ing", "ingress", "ingresses"], "ingress", true),
        (
            &["pvc", "persistentvolumeclaim", "persistentvolumeclaims"],
            "persistentvolumeclaim",
            true,
        ),
        (
            &["hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"],
            "horizontalpodautoscaler",
            true,
        ),
        (
            &["pdb", "poddisruptionbudget", "poddisruptionbudgets"],
            "poddisruptionbudget",
            true,
        ),
        (
            &["netpol", "networkpolicy", "networkpolicies"],
            "networkpolicy",
            true,
        ),
        (&["ev", "event", "events"], "event", true),
        (
            &["quota", "resourcequota", "resourcequotas"],
            "resourcequota",
            true,
        ),
        (&["limits", "limitrange", "limitranges"], "limitrange", true),
        (&["role", "roles"], "role", true),
        (&["rolebinding", "rolebindings"], "rolebinding", true),
        (
            &["rc", "replicationcontroller", "replicationcontrollers"],
            "replicationcontroller",
            true,
        ),
        (&["ns", "namespace", "namespaces"], "namespace", false),
        (&["no", "node", "nodes"], "node", false),
        (
            &["pv", "persistentvolume", "persistentvolumes"],
            "persistentvolume",
            false,
        ),
        (
            &["sc", "storageclass", "storageclasses"],
            "storageclass",
            false,
        ),
        (
            &[
                "crd",
                "crds",
                "customresourcedefinition",
                "customresourcedefinitions",
            ],
            "customresourcedefinition",
            false,
        ),
        (&["clusterrole", "clusterroles"], "clusterrole", false),
        (
            &["clusterrolebinding", "clusterrolebindings"],
            "clusterrolebinding",
            false,
        ),
        (
            &["pc", "priorityclass", "priorityclasses"],
            "priorityclass",
            false,
        ),
        (
            &[
                "csr",
                "certificatesigningrequest",
                "certificatesigningrequests",
            ],
            "certificatesigningrequest",
            false,
        ),
        (&["all"], "all", true),
    ];
    for (words, singular, namespaced) in table {
        if words.contains(&base.as_str()) {
            let s = match &group {
                Some(g) if !g.starts_with('v') || g.contains('.') => format!("{singular}.{g}"),
                _ => singular.to_string(),
            };
            return (s, *namespaced);
        }
    }
    (lower.trim_end_matches('s').to_string(), true)
}

/// A kubectl command line, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kubectl {
    pub verb: String,
    /// The subcommand (`rollout status`, `create deployment`, `set image`), canonical.
    pub sub: Option<String>,
    /// Positionals after the verb and subcommand.
    pub args: Vec<String>,
    /// Flags by long name, in order; None for booleans.
    pub flags: Vec<(String, Option<String>)>,
    /// Everything after `--` (the command of `exec`, `run`, `create job`, `debug`).
    pub command: Vec<String>,
}

impl Kubectl {
    /// The value of a flag (the last one given), by long name.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value of a repeated flag (`-f a -f b`, `--from-literal` twice).
    pub fn flag_values(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    /// Whether a flag is given (and not `--flag=false`).
    pub fn has(&self, name: &str) -> bool {
        self.flags
            .iter()
            .any(|(k, v)| k == name && v.as_deref() != Some("false"))
    }

    pub fn namespace(&self) -> Option<&str> {
        self.flag("namespace")
    }

    pub fn all_namespaces(&self) -> bool {
        self.has("all-namespaces")
    }

    pub fn context(&self) -> Option<&str> {
        self.flag("context")
    }

    pub fn files(&self) -> Vec<&str> {
        self.flag_values("filename")
    }

    pub fn output(&self) -> Option<Output> {
        self.flag("output").map(Output::parse)
    }

    pub fn watch(&self) -> bool {
        self.has("watch") || self.has("watch-only")
    }

    pub fn selector(&self) -> Option<&str> {
        self.flag("selector")
    }

    pub fn field_selector(&self) -> Option<&str> {
        self.flag("field-selector")
    }

    /// `--dry-run` with any value but `none`: prints instead of changing anything.
    pub fn dry_run(&self) -> bool {
        self.flags
            .iter()
            .any(|(k, v)| k == "dry-run" && v.as_deref() != Some("none"))
    }

    /// The resources the positionals name, for verbs that take `TYPE NAME...`,
    /// `TYPE/NAME...` or `TYPE1,TYPE2 NAME`.
    pub fn resources(&self) -> Vec<Resource> {
        let pairs = self.pairs();
        let args: Vec<String> = self
            .args
            .iter()
            .filter(|a| !pairs.contains(a))
            .cloned()
            .collect();
        resources(&args)
    }

    /// The `KEY=VALUE` and `KEY-` arguments of `label`, `annotate`, `set env` and
    /// `set image` (what they change, not what they name).
    pub fn pairs(&self) -> Vec<String> {
        let takes_pairs = matches!(self.verb.as_str(), "label" | "annotate")
            || (self.verb == "set" && matches!(self.sub.as_deref(), Some("env" | "image")));
        if !takes_pairs {
            return Vec::new();
        }
        self.args
            .iter()
            .filter(|a| {
                let removal = a.ends_with('-') && !a.contains('/') && !a.contains('=');
                a.contains('=')
                    || (removal && (self.verb != "set" || self.sub.as_deref() == Some("env")))
            })
            .cloned()
            .collect()
    }

    /// Both `-i` and `-t`: a terminal is attached.
    pub fn interactive(&self) -> bool {
        self.has("stdin") && self.has("tty")
    }
}

/// Resources named by positionals.
pub fn resources(args: &[String]) -> Vec<Resource> {
    let Some(first) = args.first() else {
        return Vec::new();
    };
    if first.contains('/') {
        return args
            .iter()
            .map(|a| match a.split_once('/') {
                Some((k, n)) => Resource {
                    kind: k.to_string(),
                    name: Some(n.to_string()),
                },
                None => Resource {
                    kind: a.clone(),
                    name: None,
                },
            })
            .collect();
    }
    let kinds: Vec<&str> = first.split(',').filter(|k| !k.is_empty()).collect();
    let names = &args[1..];
    let mut out = Vec::new();
    for k in &kinds {
        if names.is_empty() {
            out.push(Resource {
                kind: k.to_string(),
                name: None,
            });
        }
        for n in names {
            out.push(Resource {
                kind: k.to_string(),
                name: Some(n.clone()),
            });
        }
    }
    out
}

/// Read kubectl's argv (without the program word).
pub fn parse(argv: &[String]) -> Result<Kubectl, KubectlError> {
    let mut k = Kubectl::default();
    let mut positionals: Vec<String> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let verb = k.verb.as_str();
        if a == "--" {
            k.command = argv[i + 1..].to_vec();
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, v)) => k.flags.push((name.to_string(), Some(v.to_string()))),
                None if long_valued(long, verb) => {
                    let v = argv
                        .get(i + 1)
                        .ok_or_else(|| KubectlError::MissingValue(a.clone()))?;
                    k.flags.push((long.to_string(), Some(v.clone())));
                    i += 1;
                }
                None => k.flags.push((long.to_string(), None)),
            }
            i += 1;
            continue;
        }
        if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty() && *a != "-") {
            let chars: Vec<char> = cluster.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some((name, valued)) = short_flag(c, verb) else {
                    // an unknown short flag: keep it as written, whole
                    k.flags.push((cluster[j..].to_string(), None));
                    break;
                };
                if valued {
                    let glued: String = chars[j + 1..].iter().collect();
                    let glued = glued.strip_prefix('=').unwrap_or(&glued).to_string();
                    if glued.is_empty() {
                        let v = argv
                            .get(i + 1)
                            .ok_or_else(|| KubectlError::MissingValue(a.clone()))?;
                        k.flags.push((name.to_string(), Some(v.clone())));
                        i += 1;
                    } else {
                        k.flags.push((name.to_string(), Some(glued)));
                    }
                    break;
                }
                k.flags.push((name.to_string(), None));
                j += 1;
            }
            i += 1;
            continue;
        }
        if k.verb.is_empty() {
            if !VERBS.contains(&a.as_str()) {
                return Err(KubectlError::UnknownVerb(a.clone()));
            }
            k.verb = a.clone();
        } else if k.sub.is_none() && positionals.is_empty() && has_sub(&k.verb, a) {
            k.sub = Some(canonical_sub(&k.verb, a));
        } else {
            positionals.push(a.clone());
        }
        i += 1;
    }
    if k.verb.is_empty() {
        return Err(KubectlError::NoVerb(argv.join(" ")));
    }
    k.args = positionals;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Kubectl {
        let argv: Vec<String> = crate::import::shell::split(line);
        parse(&argv[1..]).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn global_flags_go_anywhere() {
        let k = p("kubectl -n shop get pods");
        assert_eq!((k.verb.as_str(), k.namespace()), ("get", Some("shop")));
        assert_eq!(
            k.resources(),
            vec![Resource {
                kind: "pods".into(),
                name: None
            }]
        );
        let k = p("kubectl -f quota.yaml apply");
        assert_eq!((k.verb.as_str(), k.files()), ("apply", vec!["quota.yaml"]));
        let k = p("kubectl get pods --namespace=team-b -owide");
        assert_eq!(k.namespace(), Some("team-b"));
        assert_eq!(k.output(), Some(Output::Wide));
        let k = p("kubectl --context kind-dev -nkube-system get pods -A -w");
        assert_eq!(k.context(), Some("kind-dev"));
        assert_eq!(k.namespace(), Some("kube-system"));
        assert!(k.all_namespaces() && k.watch());
    }

    #[test]
    fn verbs_subcommands_and_resources() {
        let k = p("kubectl rollout status deployment/web");
        assert_eq!(k.sub.as_deref(), Some("status"));
        assert_eq!(k.resources()[0].reference(), "deployment/web");
        let k = p("kubectl create deploy web --image=nginx --replicas=3");
        assert_eq!(k.sub.as_deref(), Some("deployment"));
        assert_eq!(k.args, vec!["web"]);
        assert_eq!(k.flag("replicas"), Some("3"));
        let k = p("kubectl create service clusterip hello --tcp=80:80");
        assert_eq!(
            (k.sub.as_deref(), k.args.clone()),
            (
                Some("service"),
                vec!["clusterip".to_string(), "hello".into()]
            )
        );
        let k = p("kubectl delete service,deployment hello");
        assert_eq!(
            k.resources()
                .iter()
                .map(Resource::reference)
                .collect::<Vec<_>>(),
            ["service/hello", "deployment/hello"]
        );
        let k = p("kubectl delete pod/client deployment/site");
        assert_eq!(k.resources().len(), 2);
        let k = p("kubectl label pod nginx version=1.0 env- -n dev");
        assert_eq!(
            k.resources(),
            vec![Resource {
                kind: "pod".into(),
                name: Some("nginx".into())
            }]
        );
        assert_eq!(k.pairs(), vec!["version=1.0", "env-"]);
        let k = p("kubectl annotate deployment/web kubernetes.io/change-cause=\"x y\"");
        assert_eq!(k.resources()[0].reference(), "deployment/web");
        let k = p("kubectl create job --from=cronjob/tick tick-now");
        assert_eq!(
            (k.sub.as_deref(), k.flag("from")),
            (Some("job"), Some("cronjob/tick"))
        );
        assert_eq!(k.args, vec!["tick-now"]);
    }

    #[test]
    fn verb_specific_short_flags() {
        let k = p("kubectl logs -f counter -c streamer --since=5s");
        assert!(k.has("follow"));
        assert_eq!(k.flag("container"), Some("streamer"));
        assert_eq!(k.args, vec!["counter"]);
        let k = p("kubectl logs web -p");
        assert!(k.has("previous"));
        let k = p("kubectl set resources deployment/web -c nginx --limits=cpu=200m");
        assert_eq!(k.flag("containers"), Some("nginx"));
        assert_eq!(k.flag("container"), None);
        let k = p("kubectl patch svc nginx -p '{\"spec\":{}}'");
        assert_eq!(k.flag("patch"), Some("{\"spec\":{}}"));
        let k = p("kubectl exec -it web -- /bin/bash");
        assert!(k.interactive());
        assert_eq!(k.command, vec!["/bin/bash"]);
        let k = p("kubectl run busybox --rm -it --image=busybox --restart=Never -- sh");
        assert!(k.interactive() && k.has("rm"));
        let k = p("kubectl get svc hello -o jsonpath='{.spec.ports[0].nodePort}'");
        assert_eq!(
            k.output(),
            Some(Output::JsonPath("{.spec.ports[0].nodePort}".into()))
        );
        let k = p("kubectl create deploy foo --image=nginx --dry-run=client -o yaml");
        assert!(k.dry_run());
        let k = p("kubectl delete pods --all -n team-a");
        assert!(k.has("all"));
        assert_eq!(k.namespace(), Some("team-a"));
        let k = p("kubectl get pods --show-labels -l 'env in (prod,staging),tier!=backend'");
        assert!(k.has("show-labels"));
        assert_eq!(k.selector(), Some("env in (prod,staging),tier!=backend"));
    }

    #[test]
    fn bad_argv_is_a_typed_error() {
        let v = |s: &str| crate::import::shell::split(s);
        assert_eq!(parse(&v("")), Err(KubectlError::NoVerb(String::new())));
        assert_eq!(
            parse(&v("kubectl")),
            Err(KubectlError::UnknownVerb("kubectl".into()))
        );
        assert_eq!(
            parse(&v("get pods -n")),
            Err(KubectlError::MissingValue("-n".into()))
        );
        assert!(parse(&v("-n")).is_err());
    }

    #[test]
    fn kinds_are_canonical() {
        assert_eq!(canonical_kind("po").0, "pod");
        assert_eq!(canonical_kind("deployments.apps").0, "deployment.apps");
        assert_eq!(canonical_kind("ns"), ("namespace".into(), false));
        assert_eq!(canonical_kind("widgets").0, "widget");
    }
}
