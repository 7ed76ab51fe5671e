//! The names of the kinds tutorials use: singular, short names and plurals.

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
