//! What a request addresses: its route (`/api/v1/namespaces/NS/pods/NAME`) and,
//! for lists, watches and delete-collection, the objects its label and field
//! selectors admit (field selectors as the API restricts them: a 400 otherwise).

use super::http::{failure, Request, Response};
use super::resources::{self, Resource};
use serde_json::Value;

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub plural: &'static str,
    pub group: &'static str,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl Key {
    /// `configmaps ns/name`, or `namespaces name`.
    pub fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.plural, self.name)
        } else {
            format!("{} {}/{}", self.plural, self.namespace, self.name)
        }
    }
}

/// The request's target: a kind, and perhaps a namespace, a name and a subresource.
pub struct Route {
    pub res: &'static Resource,
    pub namespace: String,
    pub name: Option<String>,
    pub sub: Option<String>,
}

impl Route {
    pub fn key(&self, name: &str) -> Key {
        Key {
            plural: self.res.plural,
            group: self.res.group,
            namespace: self.namespace.clone(),
            name: name.to_string(),
        }
    }
}

/// `/api/v1/...` or `/apis/GROUP/VERSION/...`, then `[namespaces/NS/]PLURAL[/NAME[/SUB]]`.
pub fn route(path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match *segs.first()? {
        "api" => ("", *segs.get(1)?, &segs[2..]),
        "apis" => (*segs.get(1)?, *segs.get(2)?, segs.get(3..)?),
        _ => return None,
    };
    let namespaced = rest.len() >= 3
        && rest[0] == "namespaces"
        && resources::by_plural(group, version, rest[2]).is_some_and(|r| r.namespaced);
    let (namespace, rest) = if namespaced {
        (rest[1].to_string(), &rest[2..])
    } else {
        (String::new(), rest)
    };
    let res = resources::by_plural(group, version, rest.first()?)?;
    Some(Route {
        res,
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        sub: rest.get(2).map(|s| s.to_string()),
    })
}

/// Which objects a list, watch or delete-collection addresses.
pub struct Filter {
    plural: &'static str,
    group: &'static str,
    namespace: String,
    pub name: Option<String>,
    /// (key, wanted value: None for "exists", equal or not)
    labels: Vec<(String, Option<String>, bool)>,
    /// (JSON pointer, value, equal or not)
    fields: Vec<(String, String, bool)>,
}

impl Filter {
    pub fn of(route: &Route, req: &Request) -> Result<Filter, Response> {
        let mut f = Filter {
            plural: route.res.plural,
            group: route.res.group,
            namespace: route.namespace.clone(),
            name: None,
            labels: Vec::new(),
            fields: Vec::new(),
        };
        for term in req.param("labelSelector").unwrap_or_default().split(',') {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            if term.contains(" in ") || term.contains(" notin ") || term.contains('(') {
                return Err(failure(
                    400,
                    "BadRequest",
                    "the fake takes no set-based selectors",
                ));
            }
            let (k, v, eq) = if let Some((k, v)) = term.split_once("!=") {
                (k, Some(v), false)
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (k, Some(v), true)
            } else if let Some(k) = term.strip_prefix('!') {
                (k, None, false)
            } else {
                (term, None, true)
            };
            f.labels
                .push((k.trim().into(), v.map(|v| v.trim().to_string()), eq));
        }
        for term in req.param("fieldSelector").unwrap_or_default().split(',') {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            let (field, value, eq) = if let Some((k, v)) = term.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (k, v, true)
            } else {
                return Err(failure(
                    400,
                    "BadRequest",
                    &format!("invalid selector: '{term}'"),
                ));
            };
            let allowed = matches!(field, "metadata.name" | "metadata.namespace")
                || (route.res.kind == "Pod" && matches!(field, "status.phase" | "spec.nodeName"))
                || route.res.kind == "Event";
            if !allowed {
                return Err(failure(
                    400,
                    "BadRequest",
                    &format!("field label not supported: {field}"),
                ));
            }
            if field == "metadata.name" && eq {
                f.name = Some(value.to_string());
            }
            f.fields.push((
                format!("/{}", field.replace('.', "/")),
                value.to_string(),
                eq,
            ));
        }
        Ok(f)
    }

    pub fn admits(&self, key: &Key, obj: &Value) -> bool {
        if key.plural != self.plural
            || key.group != self.group
            || (!self.namespace.is_empty() && key.namespace != self.namespace)
        {
            return false;
        }
        let labels_hold = self.labels.iter().all(|(k, want, eq)| {
            let have = obj
                .pointer("/metadata/labels")
                .and_then(|l| l.get(k))
                .and_then(Value::as_str);
            match want {
                None => have.is_some() == *eq,
                Some(w) => (have == Some(w.as_str())) == *eq,
            }
        });
        let fields_hold = self.fields.iter().all(|(p, want, eq)| {
            let have = obj.pointer(p).and_then(Value::as_str).unwrap_or_default();
            (have == want) == *eq
        });
        labels_hold && fields_hold
    }
}
