//! Replayed watches for the tests of the wait loop: objects, the event sequences a
//! watcher produces (a complete re-list, a change, a deletion) and the API errors
//! it meets, fed to [`super::settle`] as a stream.

use super::until::Until;
use super::watch::WatchItem;
use super::WaitError;
use futures::{stream, Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use kube::runtime::watcher::Event;
use serde_json::json;
use std::time::Duration;

/// A timeout for waits that must end on an event, long before it.
pub const PATIENT: Duration = Duration::from_secs(60);
/// A timeout for waits that must time out.
pub const BRIEF: Duration = Duration::from_millis(200);

/// A pod named `name` in phase `phase`.
pub fn object(name: &str, phase: &str) -> DynamicObject {
    DynamicObject::new(name, &ApiResource::erase::<Pod>(&()))
        .within("test")
        .data(json!({"status": {"phase": phase}}))
}

/// A pod with a full status.
pub fn object_with(name: &str, status: serde_json::Value) -> DynamicObject {
    DynamicObject::new(name, &ApiResource::erase::<Pod>(&()))
        .within("test")
        .data(json!({ "status": status }))
}

/// A complete (re-)list holding `objects`.
pub fn relist(objects: Vec<DynamicObject>) -> Vec<WatchItem> {
    let mut out = vec![Ok(Event::Init)];
    out.extend(objects.into_iter().map(|o| Ok(Event::InitApply(o))));
    out.push(Ok(Event::InitDone));
    out
}

/// `o` added or changed.
pub fn applied(o: DynamicObject) -> Vec<WatchItem> {
    vec![Ok(Event::Apply(o))]
}

/// `o` deleted.
pub fn deleted(o: DynamicObject) -> Vec<WatchItem> {
    vec![Ok(Event::Delete(o))]
}

/// The items, then a watch that stays open without news (as a real one does).
pub fn replay(items: Vec<WatchItem>) -> impl Stream<Item = WatchItem> {
    stream::iter(items).chain(stream::pending())
}

/// The items, then the end of the stream.
pub fn ended(items: Vec<WatchItem>) -> impl Stream<Item = WatchItem> {
    stream::iter(items)
}

/// The API server's answer `code` with `message`.
pub fn api_error(code: u16, message: &str) -> kube::Error {
    kube::Error::Api(
        kube::core::Status::failure(message, "BadRequest")
            .with_code(code)
            .boxed(),
    )
}

/// One sequence of the parts, in order.
pub fn sequence<const N: usize>(parts: [Vec<WatchItem>; N]) -> Vec<WatchItem> {
    parts.into_iter().flatten().collect()
}

/// `yaml` as an `until:`.
pub fn until(yaml: &str) -> Until {
    serde_yaml::from_str(yaml).expect("a valid until")
}

/// The reason and the evidence of a wait that ended hopeless; any other end fails the
/// test.
pub fn expect_hopeless<T: std::fmt::Debug>(
    r: Result<T, WaitError>,
) -> (String, Box<serde_json::Value>) {
    match r {
        Err(WaitError::Hopeless {
            reason,
            last_object: Some(o),
        }) => (reason, o),
        other => panic!("expected hopeless with evidence, got {other:?}"),
    }
}
