//! The kubeconfig side of a cluster: which context a kubeconfig picks (for the
//! allow-list), and the pinned kubeconfig host programs get instead of the user's.

use super::{Cluster, ClusterError, Target, ALLOWED_EXTENSION};
use kube::config::Kubeconfig;

/// Name, server and allow mark of the context `opts` picks in `kc`.
pub(super) fn target_of(kc: &Kubeconfig, context: Option<&str>) -> Target {
    let name = context
        .map(str::to_string)
        .or_else(|| kc.current_context.clone())
        .unwrap_or_default();
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref());
    let server = ctx
        .and_then(|c| kc.clusters.iter().find(|k| k.name == c.cluster))
        .and_then(|k| k.cluster.as_ref())
        .and_then(|k| k.server.clone())
        .unwrap_or_default();
    let marked_allowed = ctx.and_then(|c| c.extensions.as_ref()).is_some_and(|exts| {
        exts.iter()
            .any(|e| e.name == ALLOWED_EXTENSION && e.extension != serde_json::Value::Bool(false))
    });
    Target {
        context: name,
        server,
        marked_allowed,
    }
}

/// The one context of the kubeconfig kdrill hands to host programs.
const PINNED_CONTEXT: &str = "kdrill";

/// A kubeconfig holding only the context `target` names (renamed `kdrill`), its
/// cluster and its user: what a host program may reach.
pub(super) fn pinned_from(kc: &Kubeconfig, context: &str) -> Kubeconfig {
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .unwrap_or_default();
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .cloned()
        .into_iter()
        .collect();
    let user = ctx
        .user
        .as_ref()
        .and_then(|u| kc.auth_infos.iter().find(|a| &a.name == u))
        .cloned()
        .into_iter()
        .collect();
    Kubeconfig {
        clusters: cluster,
        auth_infos: user,
        contexts: vec![kube::config::NamedContext {
            name: PINNED_CONTEXT.into(),
            context: Some(kube::config::Context {
                extensions: None,
                namespace: None,
                ..ctx
            }),
            other: Default::default(),
        }],
        current_context: Some(PINNED_CONTEXT.into()),
        api_version: Some("v1".into()),
        kind: Some("Config".into()),
        ..Default::default()
    }
}

/// The pinned kubeconfig inside a pod: its ServiceAccount's token and CA, by path.
pub(super) fn pinned_in_cluster(server: &str) -> Kubeconfig {
    const SA: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
    let cluster = kube::config::NamedCluster {
        name: "in-cluster".into(),
        cluster: Some(kube::config::Cluster {
            server: Some(server.to_string()),
            certificate_authority: Some(format!("{SA}/ca.crt")),
            ..Default::default()
        }),
        ..Default::default()
    };
    let user = kube::config::NamedAuthInfo {
        name: "in-cluster".into(),
        auth_info: Some(kube::config::AuthInfo {
            token_file: Some(format!("{SA}/token")),
            ..Default::default()
        }),
        other: Default::default(),
    };
    let mut kc = Kubeconfig {
        clusters: vec![cluster],
        auth_infos: vec![user],
        contexts: vec![kube::config::NamedContext {
            name: "in-cluster".into(),
            context: Some(kube::config::Context {
                cluster: "in-cluster".into(),
                user: Some("in-cluster".into()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        ..Default::default()
    };
    kc = pinned_from(&kc, "in-cluster");
    kc
}

impl Cluster {
    /// What in the kubeconfig kdrill uses must never be printed: tokens, passwords,
    /// client keys (and the ServiceAccount token inside a pod).
    pub fn credentials(&self) -> Vec<String> {
        use secrecy::ExposeSecret;
        let mut out = Vec::new();
        for a in self
            .pinned
            .auth_infos
            .iter()
            .filter_map(|a| a.auth_info.as_ref())
        {
            for s in [&a.token, &a.password, &a.client_key_data]
                .into_iter()
                .flatten()
            {
                out.push(s.expose_secret().to_string());
            }
            if let Some(f) = &a.token_file {
                if let Ok(t) = std::fs::read_to_string(f) {
                    out.push(t.trim().to_string());
                }
            }
        }
        out
    }

    /// The kubeconfig (YAML) for host programs of a scenario: this cluster's context
    /// alone, with `namespace` as its default.
    pub fn kubeconfig_for(&self, namespace: &str) -> Result<String, ClusterError> {
        let mut kc = self.pinned.clone();
        for c in &mut kc.contexts {
            if let Some(ctx) = c.context.as_mut() {
                ctx.namespace = Some(namespace.to_string());
            }
        }
        serde_yaml::to_string(&kc).map_err(|e| ClusterError::Config(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_programs_get_one_context_with_the_scenario_namespace() {
        let kc: Kubeconfig = serde_yaml::from_str(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- {name: c1, cluster: {server: 'https://one'}}\n- {name: c2, cluster: {server: 'https://two'}}\nusers:\n- {name: u1, user: {token: secret-one}}\n- {name: u2, user: {token: secret-two}}\ncontexts:\n- {name: prod, context: {cluster: c1, user: u1, namespace: live}}\n- {name: testbed, context: {cluster: c2, user: u2}}\n",
        )
        .unwrap();
        let pinned = pinned_from(&kc, "testbed");
        let mut with_ns = pinned.clone();
        with_ns.contexts[0].context.as_mut().unwrap().namespace = Some("kdrill-x".into());
        let text = serde_yaml::to_string(&with_ns).unwrap();
        let back: Kubeconfig = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back.contexts.len(), 1);
        assert_eq!(back.current_context.as_deref(), Some(PINNED_CONTEXT));
        let ctx = back.contexts[0].context.as_ref().unwrap();
        assert_eq!(
            (ctx.cluster.as_str(), ctx.namespace.as_deref()),
            ("c2", Some("kdrill-x"))
        );
        assert_eq!(back.clusters.len(), 1);
        assert_eq!(back.clusters[0].name, "c2");
        assert!(
            !text.contains("secret-one") && !text.contains("https://one") && !text.contains("prod"),
            "{text}"
        );
        assert!(
            text.contains("secret-two"),
            "the context's own credentials stay: {text}"
        );
        let inside = pinned_in_cluster("https://10.0.0.1:443");
        let t = serde_yaml::to_string(&inside).unwrap();
        assert!(
            t.contains("tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"),
            "{t}"
        );
    }
}
