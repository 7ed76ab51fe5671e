//! `curl`, `wget`, `Invoke-WebRequest` → `http` steps. kdrill reaches pods and
//! Services through the API server, so the address the post used (a port-forward on
//! localhost, `kubectl proxy`, a pod or ClusterIP, a node port, a load balancer's IP)
//! is read back into the pod or Service it pointed at.

use super::spec;
use super::{Emit, Outcome, Place, TodoReason, Tr};
use crate::expect::Expect;
use crate::import::shell::Simple;
use crate::steps::http::{HttpSpec, PortRef};
use crate::steps::Action;
use std::collections::BTreeMap;

/// What an address of the post pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: bool,
    pub name: String,
    pub port: Option<u16>,
    /// The namespace, when the address said (a forward with `-n`, a proxy path).
    pub place: Option<Place>,
}

impl Target {
    pub fn pod(name: &str, port: Option<u16>) -> Target {
        Target {
            service: false,
            name: name.to_string(),
            port,
            place: None,
        }
    }

    pub fn service(name: &str, port: Option<u16>) -> Target {
        Target {
            service: true,
            name: name.to_string(),
            port,
            place: None,
        }
    }

    pub fn with_place(mut self, p: Place) -> Target {
        self.place = Some(p);
        self
    }

    pub fn describe(&self) -> String {
        let kind = if self.service { "service" } else { "pod" };
        match self.port {
            Some(p) => format!("{kind} {} port {p}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }
}

/// A request as the post wrote it.
#[derive(Debug, Default)]
struct Request {
    url: String,
    method: Option<String>,
    headers: BTreeMap<String, String>,
    body: Option<String>,
    /// `-w '%{http_code}'` with the body sent elsewhere: the output is the status.
    status_only: bool,
    /// `-i`: the output starts with the status line and headers.
    with_headers: bool,
}

fn read_request(program: &str, args: &[String]) -> Option<Request> {
    let mut r = Request::default();
    let mut i = 0;
    let prog = program.trim_end_matches(".exe");
    let mut write_out = false;
    let mut to_null = false;
    while i < args.len() {
        let a = &args[i];
        let next = args.get(i + 1).cloned();
        match prog {
            "curl" => match a.as_str() {
                "-X" | "--request" => {
                    r.method = next;
                    i += 1;
                }
                "-d" | "--data" | "--data-raw" | "--data-binary" => {
                    r.body = next;
                    r.method.get_or_insert("POST".into());
                    i += 1;
                }
                "-H" | "--header" => {
                    if let Some((k, v)) = next.as_deref().and_then(|h| h.split_once(':')) {
                        r.headers.insert(k.trim().to_string(), v.trim().to_string());
                    }
                    i += 1;
                }
                "-o" | "--output" => {
                    to_null = next.as_deref() == Some("/dev/null");
                    i += 1;
                }
                "-w" | "--write-out" => {
                    write_out = next.as_deref().is_some_and(|w| w.contains("http_code"));
                    i += 1;
                }
                "-m" | "--max-time" | "--connect-timeout" | "-u" | "--user" | "-A" | "-e"
                | "--resolve" | "-x" | "-b" | "-c" | "-F" | "-T" | "--retry" => i += 1,
                "--head" => r.method = Some("HEAD".into()),
                "--include" => r.with_headers = true,
                f if f.starts_with("--") => {}
                f if f.starts_with('-') => {
                    if f.contains('I') {
                        r.method = Some("HEAD".into());
                    }
                    if f.contains('i') {
                        r.with_headers = true;
                    }
                    if f.ends_with('o') {
                        to_null = next.as_deref() == Some("/dev/null");
                        i += 1;
                    } else if f.ends_with('w') {
                        write_out = next.as_deref().is_some_and(|w| w.contains("http_code"));
                        i += 1;
                    } else if f.ends_with('X')
                        || f.ends_with('H')
                        || f.ends_with('d')
                        || f.ends_with('m')
                    {
                        i += 1;
                    }
                }
                _ if r.url.is_empty() => r.url = a.clone(),
                _ => {}
            },
            "wget" => match a.as_str() {
                "-O" | "--output-document" | "-T" | "--timeout" | "-t" | "--tries" | "--header" => {
                    i += 1
                }
                "--spider" => r.method = Some("HEAD".into()),
                f if f.starts_with('-') && (f.ends_with('O') || f.ends_with('T')) => i += 1,
                f if f.starts_with('-') => {}
                _ if r.url.is_empty() => r.url = a.clone(),
                _ => {}
            },
            _ => match a.as_str() {
                "-Uri" | "-uri" => {
                    r.url = next.unwrap_or_default();
                    i += 1;
                }
                "-Method" | "-method" => {
                    r.method = next;
                    i += 1;
                }
                "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH" => r.method = Some(a.clone()),
                f if f.starts_with('-') => {}
                _ if r.url.is_empty() => r.url = a.clone(),
                _ => {}
            },
        }
        i += 1;
    }
    r.status_only = write_out && to_null;
    (!r.url.is_empty()).then_some(r)
}

/// (host, port, path) of a URL; the port is None when the URL has none.
fn split_url(url: &str) -> (String, Option<u16>, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        match h.split_once("]:") {
            Some((a, p)) => (a.to_string(), p.parse().ok()),
            None => (h.trim_end_matches(']').to_string(), None),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => {
                (h.to_string(), p.parse().ok())
            }
            _ => (hostport.to_string(), None),
        }
    };
    (host, port, path)
}

impl Tr<'_> {
    pub(super) fn http_step(&self, t: &Target, place: &Place, path: &str, method: &str) -> Emit {
        let place = t.place.clone().unwrap_or_else(|| place.clone());
        let mut step = spec::step(Action::Http(HttpSpec {
            service: t.service.then(|| t.name.clone()),
            pod: (!t.service).then(|| t.name.clone()),
            api_path: None,
            port: t.port.map(PortRef::Number),
            scheme: None,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.to_string()
            },
            method: method.to_string(),
            headers: BTreeMap::new(),
            body: None,
            namespace: place.field(),
        }));
        step.retry = Some(spec::network_retry());
        Emit::native(step)
    }

    /// Where an address of the post pointed.
    fn resolve(
        &self,
        host: &str,
        port: Option<u16>,
        path: &str,
    ) -> Result<(Target, String), (TodoReason, String, String)> {
        let local = matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "::1");
        if local {
            let p = port.unwrap_or(80);
            // through `kubectl proxy`
            if let Some(rest) = path.strip_prefix("/api/v1/namespaces/") {
                let parts: Vec<&str> = rest.splitn(5, '/').collect();
                if let [ns, res @ ("pods" | "services"), name, "proxy", ..] = parts.as_slice() {
                    let (name, port) = match name.split_once(':') {
                        Some((n, p)) => (n.to_string(), p.parse().ok()),
                        None => (name.to_string(), None),
                    };
                    let port = port.or_else(|| {
                        let kind = if *res == "pods" { "pod" } else { "service" };
                        self.objects
                            .get(kind, &name)
                            .and_then(|o| o.ports.first())
                            .map(|p| if *res == "pods" { p.1 } else { p.0 })
                    });
                    let rest_path = parts.get(4).map_or("/".to_string(), |p| format!("/{p}"));
                    let place = match self.plan.namespaces.get(*ns) {
                        Some(m) if m.is_empty() => Place::Scenario,
                        Some(m) => Place::Mapped(ns.to_string(), m.clone()),
                        None if super::SYSTEM_NAMESPACES.contains(ns) => {
                            Place::System(ns.to_string())
                        }
                        None => Place::Scenario,
                    };
                    let t = if *res == "pods" {
                        Target::pod(&name, port)
                    } else {
                        Target::service(&name, port)
                    };
                    return Ok((t.with_place(place), rest_path));
                }
            }
            if let Some(t) = self.forwards.get(&p) {
                return Ok((t.clone(), path.to_string()));
            }
            if let Some((what, line)) = self.dead_forwards.get(&p) {
                return Err((
                    TodoReason::Unsupported,
                    format!("goes through the port-forward of line {line} to {what}, which kdrill cannot make"),
                    format!("a Service for {what}, and an `http` step to it with what this request expects"),
                ));
            }
            return Err((
                TodoReason::Environment,
                format!("nothing the post shows listens on localhost:{p}"),
                "an `http` step to the pod or Service the post means".to_string(),
            ));
        }
        if let Some(t) = self.ips.get(host) {
            let mut t = t.clone();
            if port.is_some() || t.port.is_none() {
                t.port = Some(port.unwrap_or(80));
            }
            return Ok((t, path.to_string()));
        }
        if let Some(t) = port.and_then(|p| self.node_ports.get(&p)) {
            return Ok((t.clone(), path.to_string()));
        }
        let name = host.split('.').next().unwrap_or(host);
        if let Some(o) = self.objects.get("service", name) {
            let p = port.or_else(|| o.ports.first().map(|p| p.0));
            return Ok((Target::service(&o.name, p), path.to_string()));
        }
        let outside = host.contains('.')
            && host.chars().any(|c| c.is_ascii_alphabetic())
            && !host.contains('$');
        if outside {
            return Err((
                TodoReason::ExternalNetwork,
                format!("{host} is outside the cluster"),
                "leave it out, or a host `command` step if the scenario may reach the network"
                    .to_string(),
            ));
        }
        Err((
            TodoReason::Environment,
            format!("the address {host} is the author's (a node or load balancer IP the post does not tie to a Service)"),
            "an `http` step to the Service the post means (kdrill goes through the API server)".to_string(),
        ))
    }

    /// `curl`/`wget`/`Invoke-WebRequest`: an `http` step to what the address meant.
    pub(super) fn http(
        &mut self,
        i: usize,
        program: &str,
        args: &[String],
        filters: &[Simple],
        output: &str,
    ) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let Some(req) = read_request(program, args) else {
            return self.todo(
                TodoReason::Unsupported,
                format!("`{text}` names no address"),
                "an `http` step to the pod or Service it means",
            );
        };
        let url = req.url.replace("$(minikube ip)", "MINIKUBE_IP");
        let (host, port, path) = split_url(&url);
        let (target, path) = match self.resolve(&host, port, &path) {
            Ok(x) => x,
            Err((reason, why, instead)) => return self.todo(reason, why, instead),
        };
        let method = req
            .method
            .clone()
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase();
        let mut e = self.http_step(&target, &Place::Scenario, &path, &method);
        if let Action::Http(h) = &mut e.step.action {
            h.headers = req.headers.clone();
            h.body = req.body.clone();
            if target.place.is_none() {
                h.namespace = None;
            }
        }
        // what the post saw: a status, or lines of the body
        let shown: Vec<&str> = output
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let status_line = shown.first().and_then(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.first().is_some_and(|h| h.starts_with("HTTP/")))
                .then(|| w.get(1).and_then(|c| c.parse::<u16>().ok()))
                .flatten()
        });
        let mut expect = Expect::default();
        if req.status_only || text.contains(".StatusCode") {
            expect.status = shown.first().and_then(|s| s.parse().ok());
        } else if let Some(st) = status_line {
            expect.status = Some(st);
        } else if !shown.is_empty() && method != "HEAD" {
            let picked: Vec<String> = if !filters.is_empty() || shown.len() <= 4 {
                shown.iter().map(|s| s.to_string()).collect()
            } else {
                let key: Vec<String> = shown
                    .iter()
                    .filter(|l| l.contains("<title>") || l.contains("<h1>"))
                    .map(|s| s.to_string())
                    .collect();
                if key.is_empty() {
                    vec![shown[0].to_string()]
                } else {
                    key
                }
            };
            expect.body = Some(spec::contains(picked));
        }
        e.step.expect = expect;
        let via = match (self.forwards.values().any(|t| *t == target), host.as_str()) {
            (true, "localhost" | "127.0.0.1") => "the port-forward's target",
            _ => "the address's pod or Service",
        };
        Outcome::Steps(vec![e.note(format!(
            "`{text}`: {via}, {}, through the API server",
            target.describe()
        ))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_urls() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = read_request("curl", &a(&["-sI", "localhost:8080"])).unwrap();
        assert_eq!(
            (r.url.as_str(), r.method.as_deref()),
            ("localhost:8080", Some("HEAD"))
        );
        let r = read_request(
            "curl",
            &a(&[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}\\n",
                "localhost",
            ]),
        )
        .unwrap();
        assert!(r.status_only);
        let r = read_request("wget", &a(&["-qO-", "http://web"])).unwrap();
        assert_eq!(r.url, "http://web");
        assert_eq!(
            split_url("http://192.168.1.40:30452/x"),
            ("192.168.1.40".into(), Some(30452), "/x".into())
        );
        assert_eq!(
            split_url("localhost:8001/api/v1/x"),
            ("localhost".into(), Some(8001), "/api/v1/x".into())
        );
        assert_eq!(split_url("http://web"), ("web".into(), None, "/".into()));
    }
}
