//! The one way scenarios address objects: `kind/name` as kubectl accepts it.
//!
//! * `pod/nginx`, `pods/nginx`, `po/nginx` (kind, plural or short name);
//! * `deployment.apps/web`, `deployments.v1.apps/web` (kind or resource, then version and group);
//! * `apps/v1/Deployment/web`, `v1/Pod/nginx`, `example.com/v1/Widget/w` (group/version/kind/name).
//!
//! The kind part alone (`pods`, `deployment.apps`, `apps/v1/Deployment`) addresses a kind
//! for `get` and selector-based steps. Names are resolved through API discovery.

use std::fmt;

/// A kind as written by the user, not yet resolved through discovery.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KindRef {
    /// Kind, resource (plural), singular or short name, as written.
    pub name: String,
    pub group: Option<String>,
    pub version: Option<String>,
}

/// An object addressed by kind and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: KindRef,
    pub name: String,
}

/// Why a text does not address a kind or an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("expected a kind such as `pods`, `deployment.apps` or `apps/v1/Deployment`")]
    Empty,
    #[error("`{0}` has an empty part between slashes")]
    EmptyPart(String),
    #[error(
        "`{0}` is not a kind: write `kind`, `kind.group`, `version/Kind` or `group/version/Kind`"
    )]
    NotAKind(String),
    #[error("`{0}` is not an object reference: write `kind/name`, e.g. `pod/nginx`")]
    NotAnObject(String),
    #[error("`{0}` has no name after the last `/`")]
    NoName(String),
    #[error("`{name}` cannot be a Kubernetes object name: {why}")]
    BadName { name: String, why: &'static str },
}

/// Whether `name` can name a Kubernetes object: at most 253 characters, letters,
/// digits, `-`, `.`, `_`, `:` and `@` (the union of what the API's name rules allow),
/// not `.` or `..`. `${VARS}` in it are checked after they are replaced. A pattern
/// (`[..]`) or a Chainsaw expression (`($foo)`) is not a name.
pub fn check_name(name: &str) -> Result<(), RefError> {
    let bad = |why| {
        Err(RefError::BadName {
            name: name.to_string(),
            why,
        })
    };
    // what a variable holds is checked once it is replaced
    let mut plain = String::new();
    let mut rest = name;
    while let Some(i) = rest.find("${") {
        plain.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(end) => {
                plain.push('x');
                rest = &rest[i + end + 1..];
            }
            None => return bad("`${` without a closing `}`"),
        }
    }
    plain.push_str(rest);
    if plain.is_empty() {
        return bad("it is empty");
    }
    if plain.len() > 253 {
        return bad("longer than 253 characters");
    }
    if plain == "." || plain == ".." {
        return bad("`.` and `..` are not names");
    }
    if plain.contains("[..]") || plain.contains("...") {
        return bad(
            "a pattern matches text, it does not name an object: use `kind` with a `selector`",
        );
    }
    if plain.starts_with('(') || plain.contains('$') {
        return bad(
            "an expression is not a name (Chainsaw's `($x)`): write the name, or a `${VAR}`",
        );
    }
    if !plain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '@'))
    {
        return bad("only letters, digits, `-`, `.`, `_`, `:` and `@` may appear in a name");
    }
    Ok(())
}

fn looks_like_version(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('v') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

impl KindRef {
    pub fn parse(text: &str) -> Result<KindRef, RefError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(RefError::Empty);
        }
        let parts: Vec<&str> = t.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(RefError::EmptyPart(t.to_string()));
        }
        match parts.as_slice() {
            [k] => {
                let mut segs = k.splitn(3, '.');
                let name = segs.next().unwrap_or_default().to_string();
                let second = segs.next();
                let third = segs.next();
                Ok(match (second, third) {
                    (None, _) => KindRef {
                        name,
                        group: None,
                        version: None,
                    },
                    (Some(v), Some(g)) if looks_like_version(v) => KindRef {
                        name,
                        group: Some(g.to_string()),
                        version: Some(v.to_string()),
                    },
                    (Some(_), _) => {
                        let group = k[name.len() + 1..].to_string();
                        KindRef {
                            name,
                            group: Some(group),
                            version: None,
                        }
                    }
                })
            }
            [v, k] if looks_like_version(v) => Ok(KindRef {
                name: k.to_string(),
                group: Some(String::new()),
                version: Some(v.to_string()),
            }),
            [g, v, k] if looks_like_version(v) => Ok(KindRef {
                name: k.to_string(),
                group: Some(g.to_string()),
                version: Some(v.to_string()),
            }),
            _ => Err(RefError::NotAKind(t.to_string())),
        }
    }

    /// True when this reference could name the given discovered resource.
    pub fn accepts(
        &self,
        kind: &str,
        plural: &str,
        group: &str,
        version: &str,
        short_names: &[&str],
    ) -> bool {
        if let Some(g) = &self.group {
            if g != group {
                return false;
            }
        }
        if let Some(v) = &self.version {
            if v != version {
                return false;
            }
        }
        let n = self.name.to_ascii_lowercase();
        n == kind.to_ascii_lowercase() || n == plural || short_names.contains(&n.as_str())
    }
}

impl fmt::Display for KindRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.group, &self.version) {
            (Some(g), Some(v)) if g.is_empty() => write!(f, "{v}/{}", self.name),
            (Some(g), Some(v)) => write!(f, "{g}/{v}/{}", self.name),
            (Some(g), None) => write!(f, "{}.{g}", self.name),
            _ => f.write_str(&self.name),
        }
    }
}

impl ObjectRef {
    pub fn parse(text: &str) -> Result<ObjectRef, RefError> {
        let t = text.trim();
        let Some((kind, name)) = t.rsplit_once('/') else {
            return Err(RefError::NotAnObject(t.to_string()));
        };
        if name.is_empty() {
            return Err(RefError::NoName(t.to_string()));
        }
        check_name(name)?;
        Ok(ObjectRef {
            kind: KindRef::parse(kind)?,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

impl<'de> serde::Deserialize<'de> for ObjectRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        ObjectRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for KindRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        KindRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for KindRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str, group: Option<&str>, version: Option<&str>) -> KindRef {
        KindRef {
            name: name.into(),
            group: group.map(Into::into),
            version: version.map(Into::into),
        }
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(
            ObjectRef::parse("pod/nginx").unwrap().kind,
            k("pod", None, None)
        );
        assert_eq!(
            ObjectRef::parse("deployment.apps/web").unwrap().kind,
            k("deployment", Some("apps"), None)
        );
        assert_eq!(
            ObjectRef::parse("deployments.v1.apps/web").unwrap().kind,
            k("deployments", Some("apps"), Some("v1"))
        );
        assert_eq!(
            ObjectRef::parse("widgets.example.com/w").unwrap().kind,
            k("widgets", Some("example.com"), None)
        );
        assert_eq!(
            ObjectRef::parse("apps/v1/Deployment/web").unwrap().kind,
            k("Deployment", Some("apps"), Some("v1"))
        );
        assert_eq!(
            ObjectRef::parse("v1/Pod/nginx").unwrap().kind,
            k("Pod", Some(""), Some("v1"))
        );
        assert_eq!(ObjectRef::parse("v1/Pod/nginx").unwrap().name, "nginx");
    }

    #[test]
    fn rejects_malformed_references_with_a_hint() {
        assert!(ObjectRef::parse("nginx")
            .unwrap_err()
            .to_string()
            .contains("kind/name"));
        assert!(ObjectRef::parse("pod/")
            .unwrap_err()
            .to_string()
            .contains("no name"));
        assert!(ObjectRef::parse("a/b/c/d/e")
            .unwrap_err()
            .to_string()
            .contains("is not a kind"));
        assert!(KindRef::parse("").is_err());
    }

    #[test]
    fn names_that_cannot_be_kubernetes_names_are_refused() {
        for bad in [
            "v1/ConfigMap/[..]",
            "v1/ConfigMap/($foo)",
            "pod/a b",
            "pod/x*",
            "pod/..",
            "pod/${X",
        ] {
            let e = ObjectRef::parse(bad).unwrap_err();
            assert!(matches!(e, RefError::BadName { .. }), "{bad}: {e}");
        }
        for good in [
            "pod/nginx",
            "v1/ConfigMap/kube-root-ca.crt",
            "clusterrole.rbac.authorization.k8s.io/system:aggregate-to-edit",
            "v1/ConfigMap/${NAME}",
            "v1/Namespace/${NAMESPACE}-peer",
        ] {
            assert!(ObjectRef::parse(good).is_ok(), "{good}");
        }
        assert!(ObjectRef::parse("v1/ConfigMap/[..]")
            .unwrap_err()
            .to_string()
            .contains("use `kind` with a `selector`"));
    }

    #[test]
    fn accepts_kind_plural_and_short_names() {
        let r = KindRef::parse("po").unwrap();
        assert!(r.accepts("Pod", "pods", "", "v1", &["po"]));
        assert!(KindRef::parse("Pod")
            .unwrap()
            .accepts("Pod", "pods", "", "v1", &[]));
        assert!(!KindRef::parse("deployment.apps").unwrap().accepts(
            "Deployment",
            "deployments",
            "extensions",
            "v1",
            &[]
        ));
    }

    #[test]
    fn displays_round_trip() {
        for s in [
            "pod/nginx",
            "deployment.apps/web",
            "apps/v1/Deployment/web",
            "v1/Pod/nginx",
        ] {
            assert_eq!(ObjectRef::parse(s).unwrap().to_string(), s);
        }
    }
}
