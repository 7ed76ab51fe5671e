//! `http`: an HTTP request to a Service or pod, sent through the API server's proxy
//! (`.../services/NAME:PORT/proxy/PATH`), so a check from the host needs neither a
//! port-forward nor `curl` inside an image. Status, headers and body are expectations.

use crate::expect::ExpectField;
use super::{Output, Problem, StepCtx, StepError, StepKind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpSpec {
    /// A Service of the namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Or a pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Or a path of the API server itself, e.g. `/readyz?verbose` (health endpoints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_path: Option<String>,
    /// Port number or name (default: the proxy's default, the first port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortRef>,
    /// `https` for a TLS backend (default `http`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Path and query, e.g. `/healthz?verbose` (default `/`).
    #[serde(default = "root")]
    pub path: String,
    /// `GET` (default), `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`.
    #[serde(default = "get")]
    pub method: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body (with `${VARS}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A port by number or by name.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

fn root() -> String {
    "/".into()
}

fn get() -> String {
    "GET".into()
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl HttpSpec {


    /// The API server proxy path for this request.
    fn proxy_path(&self, namespace: &str) -> String {
        if let Some(p) = &self.api_path {
            return p.clone();
        }
        let (resource, name) = match (&self.service, &self.pod) {
            (Some(s), _) => ("services", s.as_str()),
            (_, Some(p)) => ("pods", p.as_str()),
            _ => ("services", ""),
        };
        let mut target = String::new();
        if let Some(s) = &self.scheme {
            target.push_str(&format!("{s}:"));
        }
        target.push_str(name);
        match &self.port {
            Some(PortRef::Number(n)) => target.push_str(&format!(":{n}")),
            Some(PortRef::Name(n)) => target.push_str(&format!(":{n}")),
            None if self.scheme.is_some() => target.push(':'),
            None => {}
        }
        format!(
            "/api/v1/namespaces/{namespace}/{resource}/{target}/proxy{}",
            self.path
        )
    }
}

impl StepKind for HttpSpec {
    const KEYWORD: &'static str = "http";

    const EXPECTS: &'static [ExpectField] = &[ExpectField::Status, ExpectField::Headers, ExpectField::Body];

    fn summary(&self) -> String {
        if let Some(p) = &self.api_path {
            return format!("{} apiserver{p}", self.method.to_ascii_uppercase());
        }
        let target = match (&self.service, &self.pod) {
            (Some(s), _) => format!("service/{s}"),
            (_, Some(p)) => format!("pod/{p}"),
            _ => String::new(),
        };
        let port = match &self.port {
            Some(PortRef::Number(n)) => format!(":{n}"),
            Some(PortRef::Name(n)) => format!(":{n}"),
            None => String::new(),
        };
        format!(
            "{} {target}{port}{}",
            self.method.to_ascii_uppercase(),
            self.path
        )
    }

    fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let targets = [
            self.service.is_some(),
            self.pod.is_some(),
            self.api_path.is_some(),
        ];
        match targets.iter().filter(|t| **t).count() {
            0 => out.push(Problem::new(
                "",
                "`http` needs `service: NAME`, `pod: NAME` or `apiPath: /PATH`",
            )),
            1 => {}
            _ => out.push(Problem::new(
                "",
                "give one of `service`, `pod` and `apiPath`",
            )),
        }
        if self
            .api_path
            .as_deref()
            .is_some_and(|p| !p.starts_with('/'))
        {
            out.push(Problem::new("apiPath", "the path starts with `/`"));
        }
        if !METHODS.contains(&self.method.to_ascii_uppercase().as_str()) {
            out.push(Problem::new(
                "method",
                format!("`{}` is not one of {}", self.method, METHODS.join(", ")),
            ));
        }
        if !self.path.starts_with('/') {
            out.push(Problem::new("path", "the path starts with `/`"));
        }
        out
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
        run(ctx, self).await
    }
}

/// Why an `http` request could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot build the request {path}: {source}")]
    Build { path: String, source: http::Error },
    #[error("{what}: {source}")]
    Send { what: String, source: kube::Error },
    #[error("{what}: reading the body: {source}")]
    Body {
        what: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

async fn run(ctx: &StepCtx<'_>, spec: &HttpSpec) -> Result<Output, StepError> {
    let ns = spec.namespace.as_deref().unwrap_or(ctx.namespace);
    let path = spec.proxy_path(ns);
    let body = spec.body.clone().unwrap_or_default();
    let mut req = http::Request::builder()
        .method(spec.method.to_ascii_uppercase().as_str())
        .uri(&path);
    for (k, v) in &spec.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req
        .body(kube::client::Body::from(body.into_bytes()))
        .map_err(|source| {
            StepError::broken(HttpError::Build {
                path: path.clone(),
                source,
            })
        })?;
    let resp = tokio::select! {
        r = ctx.cluster.client.send(req) => r.map_err(|source| StepError::broken(HttpError::Send { what: spec.summary(), source }))?,
        _ = ctx.cancel.cancelled() => return Err(StepError::Cancelled),
    };
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = resp
        .into_body()
        .collect_bytes()
        .await
        .map_err(|e| {
            StepError::broken(HttpError::Body {
                what: spec.summary(),
                source: e.into(),
            })
        })?;
    Ok(Output {
        output: Some(String::from_utf8_lossy(&bytes).into_owned()),
        http_status: Some(status),
        headers,
        notes: vec![format!("{} answered {status}", spec.summary())],
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> HttpSpec {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn proxy_paths() {
        assert_eq!(
            spec("{service: web, port: 80, path: /index.html}").proxy_path("ns"),
            "/api/v1/namespaces/ns/services/web:80/proxy/index.html"
        );
        assert_eq!(
            spec("{pod: nginx, port: http}").proxy_path("ns"),
            "/api/v1/namespaces/ns/pods/nginx:http/proxy/"
        );
        assert_eq!(
            spec("{service: api, scheme: https}").proxy_path("ns"),
            "/api/v1/namespaces/ns/services/https:api:/proxy/"
        );
        assert_eq!(spec("{service: web}").summary(), "GET service/web/");
        assert_eq!(spec("{apiPath: /readyz}").proxy_path("ns"), "/readyz");
        assert!(!spec("{apiPath: /readyz, pod: x}").validate().is_empty());
    }

    #[test]
    fn validation() {
        assert!(!spec("{path: /}").validate().is_empty());
        assert_eq!(
            spec("{service: a, method: FETCH}").validate()[0].path,
            "method"
        );
        assert_eq!(spec("{service: a, path: x}").validate()[0].path, "path");
    }
}
