//! The fake API server's objects and its REST semantics: list and watch (with
//! resource versions, label and field selectors), get, create, server-side apply
//! (field manager required, strict validation of top-level fields), merge patch,
//! replace, delete (optionally with a grace period during which the object carries
//! a deletionTimestamp; a namespace takes its contents along) and delete-collection.
//! Every request is recorded, and a journal lists the changes in order.

use super::http::{failure, Request, Response};
use super::resources::{self, Resource};
use super::route::{route, Filter, Key, Route};
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;

/// A change, as watches deliver it.
#[derive(Debug, Clone)]
struct Change {
    rv: u64,
    kind: &'static str,
    key: Key,
    object: Value,
}

/// A request the fake answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Option<Value>,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    history: Vec<Change>,
    journal: Vec<String>,
    requests: Vec<Recorded>,
    deletion_delay: Duration,
    /// How many of the next requests of a method are refused with 429 (API Priority
    /// and Fairness).
    throttled: Option<(String, u32)>,
    /// A kind (plural) the next `n` answers of discovery leave out.
    unserved: Option<(&'static str, u32)>,
}

pub struct Store {
    state: Mutex<State>,
    changes: broadcast::Sender<Change>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            state: Mutex::new(State::default()),
            changes: broadcast::channel(4096).0,
        }
    }
}

impl Store {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The changes so far, in order: `DELETE configmaps ns/a` (asked), `gone configmaps
    /// ns/a` (removed), `WATCH ...`, `APPLY ...`, `CREATE ...`.
    pub fn journal(&self) -> Vec<String> {
        self.state().journal.clone()
    }

    /// Deleted objects stay (with a deletionTimestamp) this long before they are gone.
    /// Refuse the next `n` requests of `method` with 429 Too Many Requests, as a busy
    /// API server's Priority and Fairness does.
    pub fn throttle(&self, method: &str, n: u32) {
        self.state().throttled = Some((method.to_string(), n));
    }

    /// Leave `plural` out of the next `n` answers of `/apis` discovery, as the API
    /// server does for a moment after its CRD is created.
    pub fn unserved_for(&self, plural: &'static str, n: u32) {
        self.state().unserved = Some((plural, n));
    }

    pub fn set_deletion_delay(&self, d: Duration) {
        self.state().deletion_delay = d;
    }

    /// Put `obj` in place as a controller would (no validation), telling watchers.
    pub fn put(&self, obj: Value) {
        let res = resource_of(&obj).expect("a kind the fake serves");
        let key = key_of(res, &obj);
        let mut st = self.state();
        let old = st.objects.get(&key).cloned();
        self.write(&mut st, key, obj, old.as_ref());
    }

    /// The object as the fake holds it.
    pub fn object(&self, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        self.state()
            .objects
            .iter()
            .find(|(k, _)| k.plural == plural && k.namespace == namespace && k.name == name)
            .map(|(_, v)| v.clone())
    }

    pub fn handle(self: &Arc<Self>, req: Request) -> Response {
        self.state().requests.push(Recorded {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            content_type: req.header("content-type").map(str::to_string),
            body: serde_json::from_slice(&req.body).ok(),
        });
        {
            let mut st = self.state();
            if let Some((_, n)) = st
                .throttled
                .as_mut()
                .filter(|(m, n)| *m == req.method && *n > 0)
            {
                *n -= 1;
                return failure(
                    429,
                    "TooManyRequests",
                    "Too many requests, please try again later.",
                );
            }
        }
        match req.path.as_str() {
            "/api" => return ok(resources::discovery(true, &[])),
            "/apis" => {
                let mut st = self.state();
                let hidden: Vec<&str> = match st.unserved.as_mut() {
                    Some((plural, n)) if *n > 0 => {
                        *n -= 1;
                        vec![*plural]
                    }
                    _ => Vec::new(),
                };
                return ok(resources::discovery(false, &hidden));
            }
            "/version" => {
                return ok(
                    json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake", "platform": "linux/amd64"}),
                )
            }
            _ => {}
        }
        let Some(route) = route(&req.path) else {
            return failure(
                404,
                "NotFound",
                &format!("the server could not find {}", req.path),
            );
        };
        if route.sub.is_some() {
            return failure(404, "NotFound", "the fake serves no subresource");
        }
        let name = route.name.clone();
        match (req.method.as_str(), name) {
            ("GET", None) if matches!(req.param("watch"), Some("true" | "1")) => {
                self.watch(&route, &req)
            }
            ("GET", None) => self.list(&route, &req),
            ("GET", Some(n)) => match self.state().objects.get(&route.key(&n)) {
                Some(o) => ok(o.clone()),
                None => not_found(&route, &n),
            },
            ("POST", None) => self.create(&route, &req),
            ("PATCH", Some(n)) => self.patch(&route, &n, &req),
            ("PUT", Some(n)) => self.replace(&route, &n, &req),
            ("DELETE", Some(n)) => self.delete(&route, &n),
            ("DELETE", None) => self.delete_collection(&route, &req),
            _ => failure(405, "MethodNotAllowed", "not served by the fake"),
        }
    }

    fn list(&self, route: &Route, req: &Request) -> Response {
        let filter = match Filter::of(route, req) {
            Ok(f) => f,
            Err(refusal) => return refusal,
        };
        let st = self.state();
        let items: Vec<Value> = st
            .objects
            .iter()
            .filter(|(k, o)| filter.admits(k, o))
            .map(|(_, o)| o.clone())
            .collect();
        ok(json!({
            "apiVersion": route.res.api_version(),
            "kind": format!("{}List", route.res.kind),
            "metadata": {"resourceVersion": st.rv.to_string()},
            "items": items,
        }))
    }

    fn watch(&self, route: &Route, req: &Request) -> Response {
        let filter = match Filter::of(route, req) {
            Ok(f) => f,
            Err(refusal) => return refusal,
        };
        let mut st = self.state();
        let what = match &filter.name {
            Some(n) => format!("{} {}", route.res.plural, join(&route.namespace, n)),
            None => format!(
                "{} {}{}",
                route.res.plural,
                route.namespace,
                req.param("labelSelector")
                    .map(|l| format!(" -l {l}"))
                    .unwrap_or_default()
            ),
        };
        st.journal.push(format!("WATCH {what}"));
        let since: Option<u64> = req
            .param("resourceVersion")
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0);
        let backlog: Vec<Value> = match since {
            Some(rv) => st
                .history
                .iter()
                .filter(|c| c.rv > rv && filter.admits(&c.key, &c.object))
                .map(event)
                .collect(),
            None => st
                .objects
                .iter()
                .filter(|(k, o)| filter.admits(k, o))
                .map(|(_, o)| json!({"type": "ADDED", "object": o}))
                .collect(),
        };
        // subscribed under the lock: no change falls between the backlog and the rest
        let live = self.changes.subscribe();
        drop(st);
        let live = stream::unfold((live, filter), |(mut rx, filter)| async move {
            loop {
                match rx.recv().await {
                    Ok(c) if filter.admits(&c.key, &c.object) => {
                        return Some((event(&c), (rx, filter)))
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Response::Lines(stream::iter(backlog).chain(live).boxed())
    }

    fn create(self: &Arc<Self>, route: &Route, req: &Request) -> Response {
        let Ok(mut obj) = serde_json::from_slice::<Value>(&req.body) else {
            return failure(400, "BadRequest", "the body is not JSON");
        };
        if let Err(refusal) = self.namespace_exists(route) {
            return refusal;
        }
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let prefix = obj
                    .pointer("/metadata/generateName")
                    .and_then(Value::as_str)
                    .unwrap_or("x-");
                format!("{prefix}{}", self.state().rv + 1)
            });
        obj["metadata"]["name"] = json!(name);
        let key = route.key(&name);
        let mut st = self.state();
        if st.objects.contains_key(&key) {
            return failure(
                409,
                "AlreadyExists",
                &format!("{} \"{name}\" already exists", route.res.plural),
            );
        }
        st.journal.push(format!("CREATE {}", key.describe()));
        let written = self.write(&mut st, key, obj, None);
        drop(st);
        if route.res.kind == "Namespace" {
            self.make_default_service_account(&name);
        }
        created(written)
    }

    /// The ServiceAccount controller: `default` appears in a new namespace shortly after.
    fn make_default_service_account(self: &Arc<Self>, namespace: &str) {
        let this = Arc::clone(self);
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}});
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            this.put(sa);
        });
    }

    fn patch(self: &Arc<Self>, route: &Route, name: &str, req: &Request) -> Response {
        let Ok(patch) = serde_json::from_slice::<Value>(&req.body) else {
            return failure(400, "BadRequest", "the patch is not JSON");
        };
        let key = route.key(name);
        let content_type = req.header("content-type").unwrap_or_default();
        let mut st = self.state();
        let old = st.objects.get(&key).cloned();
        let obj = match content_type {
            "application/apply-patch+yaml" => {
                if req.param("fieldManager").unwrap_or_default().is_empty() {
                    return failure(
                        422,
                        "Invalid",
                        "fieldManager: Required value: is required for apply patch",
                    );
                }
                if req.param("fieldValidation") == Some("Strict") {
                    if let Some(unknown) = patch
                        .as_object()
                        .into_iter()
                        .flat_map(|m| m.keys())
                        .find(|f| !route.res.knows(f))
                    {
                        return failure(
                            400,
                            "BadRequest",
                            &format!(
                                "failed to create typed patch object ({}, Kind={}): .{unknown}: field not declared in schema",
                                route.res.api_version(),
                                route.res.kind
                            ),
                        );
                    }
                }
                if old.is_none() {
                    drop(st);
                    if let Err(refusal) = self.namespace_exists(route) {
                        return refusal;
                    }
                    st = self.state();
                }
                let mut obj = old.clone().unwrap_or_else(|| json!({}));
                merge(&mut obj, &patch, false);
                obj
            }
            "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                let Some(mut obj) = old.clone() else {
                    return not_found(route, name);
                };
                merge(&mut obj, &patch, true);
                obj
            }
            other => {
                return failure(
                    415,
                    "UnsupportedMediaType",
                    &format!("the fake does not take {other}"),
                )
            }
        };
        st.journal.push(format!("APPLY {}", key.describe()));
        let is_new = old.is_none();
        let written = self.write(&mut st, key, obj, old.as_ref());
        drop(st);
        if is_new && route.res.kind == "Namespace" {
            self.make_default_service_account(name);
        }
        if is_new {
            created(written)
        } else {
            ok(written)
        }
    }

    fn replace(&self, route: &Route, name: &str, req: &Request) -> Response {
        let Ok(obj) = serde_json::from_slice::<Value>(&req.body) else {
            return failure(400, "BadRequest", "the body is not JSON");
        };
        let key = route.key(name);
        let mut st = self.state();
        let Some(old) = st.objects.get(&key).cloned() else {
            return not_found(route, name);
        };
        st.journal.push(format!("REPLACE {}", key.describe()));
        ok(self.write(&mut st, key, obj, Some(&old)))
    }

    fn delete(self: &Arc<Self>, route: &Route, name: &str) -> Response {
        let key = route.key(name);
        let mut st = self.state();
        if !st.objects.contains_key(&key) {
            return not_found(route, name);
        }
        st.journal.push(format!("DELETE {}", key.describe()));
        ok(self.start_deleting(st, key))
    }

    fn delete_collection(self: &Arc<Self>, route: &Route, req: &Request) -> Response {
        let filter = match Filter::of(route, req) {
            Ok(f) => f,
            Err(refusal) => return refusal,
        };
        let mut st = self.state();
        st.journal.push(format!(
            "DELETE-COLLECTION {} {}",
            route.res.plural, route.namespace
        ));
        let keys: Vec<Key> = st
            .objects
            .iter()
            .filter(|(k, o)| {
                filter.admits(k, o) && o.pointer("/metadata/deletionTimestamp").is_none()
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut items = Vec::new();
        for key in keys {
            items.push(self.start_deleting(st, key));
            st = self.state();
        }
        ok(
            json!({"apiVersion": route.res.api_version(), "kind": format!("{}List", route.res.kind), "metadata": {}, "items": items}),
        )
    }

    /// Mark `key` deleted; gone now, or after the deletion delay.
    fn start_deleting(self: &Arc<Self>, mut st: MutexGuard<'_, State>, key: Key) -> Value {
        let delay = st.deletion_delay;
        let Some(old) = st.objects.get(&key).cloned() else {
            return Value::Null;
        };
        if delay.is_zero() {
            self.remove(&mut st, &key);
            return old;
        }
        if old.pointer("/metadata/deletionTimestamp").is_some() {
            return old;
        }
        let mut marked = old.clone();
        marked["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:01Z");
        let marked = self.write(&mut st, key.clone(), marked, Some(&old));
        drop(st);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let mut st = this.state();
            this.remove(&mut st, &key);
        });
        marked
    }

    /// Remove an object now (a namespace with everything in it), telling watchers.
    fn remove(&self, st: &mut State, key: &Key) {
        if key.plural == "namespaces" {
            let inside: Vec<Key> = st
                .objects
                .keys()
                .filter(|k| k.namespace == key.name)
                .cloned()
                .collect();
            for k in inside {
                self.remove(st, &k);
            }
        }
        if let Some(obj) = st.objects.remove(key) {
            st.journal.push(format!("gone {}", key.describe()));
            st.rv += 1;
            let change = Change {
                rv: st.rv,
                kind: "DELETED",
                key: key.clone(),
                object: obj,
            };
            st.history.push(change.clone());
            let _ = self.changes.send(change);
        }
    }

    /// Store `obj` under `key` with server-set metadata, telling watchers.
    fn write(&self, st: &mut State, key: Key, mut obj: Value, old: Option<&Value>) -> Value {
        st.rv += 1;
        let res = resources::RESOURCES
            .iter()
            .find(|r| r.plural == key.plural && r.group == key.group)
            .expect("a served kind");
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        if !obj.get("metadata").is_some_and(Value::is_object) {
            obj["metadata"] = json!({});
        }
        let meta = &mut obj["metadata"];
        meta["name"] = json!(key.name);
        if !key.namespace.is_empty() {
            meta["namespace"] = json!(key.namespace);
        }
        meta["resourceVersion"] = json!(st.rv.to_string());
        let keep = |field: &str, default: Value| {
            old.and_then(|o| o["metadata"].get(field).cloned())
                .unwrap_or(default)
        };
        meta["uid"] = keep("uid", json!(format!("uid-{}", st.rv)));
        meta["creationTimestamp"] = keep("creationTimestamp", json!("2026-01-01T00:00:00Z"));
        if res.kind == "Namespace" && obj.pointer("/status/phase").is_none() {
            obj["status"] = json!({"phase": "Active"});
        }
        let change = Change {
            rv: st.rv,
            kind: if old.is_some() { "MODIFIED" } else { "ADDED" },
            key: key.clone(),
            object: obj.clone(),
        };
        st.objects.insert(key, obj.clone());
        st.history.push(change.clone());
        let _ = self.changes.send(change);
        obj
    }

    fn namespace_exists(&self, route: &Route) -> Result<(), Response> {
        if !route.res.namespaced {
            return Ok(());
        }
        let key = Key {
            plural: "namespaces",
            group: "",
            namespace: String::new(),
            name: route.namespace.clone(),
        };
        if self.state().objects.contains_key(&key) {
            Ok(())
        } else {
            Err(failure(
                404,
                "NotFound",
                &format!("namespaces \"{}\" not found", route.namespace),
            ))
        }
    }
}

fn event(c: &Change) -> Value {
    json!({"type": c.kind, "object": c.object})
}

fn resource_of(obj: &Value) -> Option<&'static Resource> {
    resources::by_kind(obj.get("apiVersion")?.as_str()?, obj.get("kind")?.as_str()?)
}

fn key_of(res: &'static Resource, obj: &Value) -> Key {
    let text = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Key {
        plural: res.plural,
        group: res.group,
        namespace: if res.namespaced {
            text("/metadata/namespace")
        } else {
            String::new()
        },
        name: text("/metadata/name"),
    }
}

fn join(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// Merge `patch` into `target`: maps deeply, everything else replaced; with
/// `nulls_delete` (a JSON merge patch) a null removes the key.
fn merge(target: &mut Value, patch: &Value, nulls_delete: bool) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() && nulls_delete {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v, nulls_delete);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn ok(body: Value) -> Response {
    Response::Whole { status: 200, body }
}

fn created(body: Value) -> Response {
    Response::Whole { status: 201, body }
}

fn not_found(route: &Route, name: &str) -> Response {
    failure(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", route.res.plural),
    )
}
