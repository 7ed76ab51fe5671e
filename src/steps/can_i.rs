//! `canI`: what a user or ServiceAccount may do, asked of the API server's own
//! authorizer with SubjectAccessReviews (what `kubectl auth can-i --as` does), so RBAC
//! is checked both ways: what must be allowed and what must be denied.
//!
//! RBAC changes reach the authorizer through its informers a moment after a Role is
//! written, and reviews cannot be watched: the step asks again (with a growing pause)
//! until every answer is as expected or the step times out.

use super::{Output, Problem, StepCtx, StepError, StepKind};
use crate::objref::KindRef;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use serde::Deserialize;
use std::time::Duration;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CanISpec {
    /// Who asks.
    #[serde(rename = "as")]
    pub subject: Subject,
    /// Requests that must be allowed: `"VERB RESOURCE[/SUBRESOURCE] [NAME]"`, e.g.
    /// `get pods`, `get pods/log`, `update deployments.apps/scale web`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Requests that must be denied, written the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<String>,
    /// Where the requests go (default: the scenario's namespace; `""` for cluster scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Subject {
    /// A ServiceAccount: `NAME` (in the scenario's namespace) or `NAMESPACE:NAME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// One request, parsed.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    text: String,
    verb: String,
    kind: KindRef,
    subresource: Option<String>,
    name: Option<String>,
}

/// A request that is not `VERB RESOURCE[/SUBRESOURCE] [NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("`{0}`: expected `VERB RESOURCE[/SUBRESOURCE] [NAME]`, e.g. `get pods` or `get pods/log web`")]
    Shape(String),
    #[error("`{text}`: {source}")]
    Kind {
        text: String,
        source: crate::objref::RefError,
    },
}

fn parse_request(text: &str) -> Result<Request, RequestError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (verb, resource, name) = match words.as_slice() {
        [v, r] => (*v, *r, None),
        [v, r, n] => (*v, *r, Some(n.to_string())),
        _ => return Err(RequestError::Shape(text.to_string())),
    };
    let (resource, subresource) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s.to_string())),
        None => (resource, None),
    };
    Ok(Request {
        text: text.to_string(),
        verb: verb.to_string(),
        kind: KindRef::parse(resource).map_err(|source| RequestError::Kind {
            text: text.to_string(),
            source,
        })?,
        subresource,
        name,
    })
}


/// The username and groups the API server gives this subject.
fn identity(subject: &Subject, namespace: &str) -> (String, Vec<String>) {
    match &subject.service_account {
        Some(sa) => {
            let (ns, name) = sa.split_once(':').unwrap_or((namespace, sa.as_str()));
            let mut groups = vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".to_string(),
            ];
            groups.extend(subject.groups.iter().cloned());
            (format!("system:serviceaccount:{ns}:{name}"), groups)
        }
        None => {
            let mut groups = subject.groups.clone();
            groups.push("system:authenticated".into());
            (subject.user.clone().unwrap_or_default(), groups)
        }
    }
}

impl StepKind for CanISpec {
    const KEYWORD: &'static str = "canI";

    fn summary(&self) -> String {
        let who = self
            .subject
            .service_account
            .as_ref()
            .map(|s| format!("serviceaccount {s}"))
            .or_else(|| self.subject.user.as_ref().map(|u| format!("user {u}")))
            .unwrap_or_default();
        format!(
            "{who}: {} allowed, {} denied",
            self.allowed.len(),
            self.denied.len()
        )
    }

    fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match (&self.subject.service_account, &self.subject.user) {
            (Some(_), Some(_)) => out.push(Problem::new(
                "as",
                "give `serviceAccount` or `user`, not both",
            )),
            (None, None) => out.push(Problem::new(
                "as",
                "`as` needs `serviceAccount: NAME` or `user: NAME` (and optionally `groups`)",
            )),
            _ => {}
        }
        if self.allowed.is_empty() && self.denied.is_empty() {
            out.push(Problem::new(
                "",
                "`canI` needs requests under `allowed` and/or `denied`",
            ));
        }
        for (key, list) in [("allowed", &self.allowed), ("denied", &self.denied)] {
            for (i, r) in list.iter().enumerate() {
                if let Err(e) = parse_request(r) {
                    out.push(Problem::new(format!("{key}[{i}]"), e));
                }
            }
        }
        out
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, spec: &CanISpec) -> Result<Output, StepError> {
    let namespace = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let (user, groups) = identity(&spec.subject, ctx.namespace);
    let mut reviews = Vec::new();
    for (want, list) in [(true, &spec.allowed), (false, &spec.denied)] {
        for text in list {
            let req = parse_request(text).map_err(StepError::broken)?;
            let resolved = ctx.cluster.resolve(&req.kind).await?;
            let attrs = ResourceAttributes {
                verb: Some(req.verb.clone()),
                group: Some(resolved.ar.group.clone()),
                version: Some(resolved.ar.version.clone()),
                resource: Some(resolved.ar.plural.clone()),
                subresource: req.subresource.clone(),
                name: req.name.clone(),
                namespace: (resolved.namespaced && !namespace.is_empty())
                    .then(|| namespace.to_string()),
                ..Default::default()
            };
            reviews.push((want, req, attrs));
        }
    }
    let api: Api<SubjectAccessReview> = Api::all(ctx.cluster.client.clone());
    let deadline = tokio::time::Instant::now() + ctx.timeout;
    let mut pause = Duration::from_millis(100);
    loop {
        let mut wrong = Vec::new();
        let mut notes = Vec::new();
        for (want, req, attrs) in &reviews {
            let review = SubjectAccessReview {
                spec: SubjectAccessReviewSpec {
                    user: Some(user.clone()),
                    groups: Some(groups.clone()),
                    resource_attributes: Some(attrs.clone()),
                    ..Default::default()
                },
                ..Default::default()
            };
            let answer = api.create(&PostParams::default(), &review).await?;
            let status = answer.status.unwrap_or_default();
            let word = if status.allowed { "allowed" } else { "denied" };
            let why = status
                .reason
                .filter(|r| !r.is_empty())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            if status.allowed == *want {
                notes.push(format!("{}: {word}", req.text));
            } else {
                wrong.push(format!(
                    "{}: {word}{why}, expected {}",
                    req.text,
                    if *want { "allowed" } else { "denied" }
                ));
            }
        }
        if wrong.is_empty() {
            return Ok(Output {
                notes,
                ..Default::default()
            });
        }
        if tokio::time::Instant::now() + pause > deadline {
            return Err(StepError::Failed {
                message: format!("{user} may not do exactly what was expected"),
                expected: Some(format!(
                    "allowed: {}\ndenied: {}",
                    spec.allowed.join(", "),
                    spec.denied.join(", ")
                )),
                actual: Some(wrong.join("\n")),
                object: None,
            });
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = ctx.cancel.cancelled() => return Err(StepError::Cancelled),
        }
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_identities() {
        let r = parse_request("update deployments.apps/scale web").unwrap();
        assert_eq!(r.verb, "update");
        assert_eq!(r.kind.group.as_deref(), Some("apps"));
        assert_eq!(r.subresource.as_deref(), Some("scale"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert!(parse_request("get").is_err());
        let sa = Subject {
            service_account: Some("reader".into()),
            user: None,
            groups: vec![],
        };
        let (u, g) = identity(&sa, "ns1");
        assert_eq!(u, "system:serviceaccount:ns1:reader");
        assert!(g.contains(&"system:serviceaccounts:ns1".to_string()));
        let other = Subject {
            service_account: Some("kube-system:default".into()),
            ..sa
        };
        assert_eq!(
            identity(&other, "ns1").0,
            "system:serviceaccount:kube-system:default"
        );
    }

    #[test]
    fn validation() {
        let s: CanISpec = serde_yaml::from_str("{as: {user: a}, allowed: [get]}").unwrap();
        assert_eq!(s.validate()[0].path, "allowed[0]");
        let s: CanISpec = serde_yaml::from_str("{as: {}, denied: [get pods]}").unwrap();
        assert_eq!(s.validate()[0].path, "as");
    }
}
