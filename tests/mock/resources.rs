//! The kinds the fake API serves, and its discovery documents (the aggregated
//! format kdrill asks for first).

use serde_json::{json, Value};

/// A kind the fake serves.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// The top-level fields strict validation accepts; empty: any.
    pub fields: &'static [&'static str],
}

const META: &[&str] = &["apiVersion", "kind", "metadata"];

pub const RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        namespaced: false,
        fields: &["apiVersion", "kind", "metadata", "spec", "status"],
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        plural: "configmaps",
        namespaced: true,
        fields: &[
            "apiVersion",
            "kind",
            "metadata",
            "data",
            "binaryData",
            "immutable",
        ],
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
        namespaced: true,
        fields: &["apiVersion", "kind", "metadata", "spec", "status"],
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        namespaced: true,
        fields: &[],
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Event",
        plural: "events",
        namespaced: true,
        fields: &[],
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Node",
        plural: "nodes",
        namespaced: false,
        fields: &[],
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        kind: "ClusterRole",
        plural: "clusterroles",
        namespaced: false,
        fields: &[],
    },
    Resource {
        group: "apiextensions.k8s.io",
        version: "v1",
        kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions",
        namespaced: false,
        fields: &[],
    },
    // a custom resource: discovery can be told to leave it out for a while, as the
    // API server does for a CRD that was just created
    Resource {
        group: "example.com",
        version: "v1",
        kind: "Widget",
        plural: "widgets",
        namespaced: true,
        fields: &[],
    },
];

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether strict field validation accepts `field` at the top of an object.
    pub fn knows(&self, field: &str) -> bool {
        self.fields.is_empty() || META.contains(&field) || self.fields.contains(&field)
    }
}

pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

pub fn by_plural(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The aggregated discovery document of `/api` (core) or `/apis` (the others).
/// The aggregated discovery of the core group (`core`) or the named groups, without
/// the kinds in `hidden` (plurals).
pub fn discovery(core: bool, hidden: &[&str]) -> Value {
    let served = |r: &&Resource| !hidden.contains(&r.plural);
    let mut groups: Vec<&str> = RESOURCES
        .iter()
        .filter(served)
        .map(|r| r.group)
        .filter(|g| g.is_empty() == core)
        .collect();
    groups.dedup();
    let items: Vec<Value> = groups
        .iter()
        .map(|g| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(served)
                .filter(|r| r.group == *g)
                .map(|r| {
                    json!({
                        "resource": r.plural,
                        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": r.kind.to_ascii_lowercase(),
                        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    })
                })
                .collect();
            json!({
                "metadata": {"name": g},
                "versions": [{"version": "v1", "freshness": "Current", "resources": resources}],
            })
        })
        .collect();
    json!({
        "apiVersion": "apidiscovery.k8s.io/v2",
        "kind": "APIGroupDiscoveryList",
        "metadata": {},
        "items": items,
    })
}
