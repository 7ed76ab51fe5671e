//! The cleanup stack of a scenario: every object kdrill creates is recorded here as
//! it is created and deleted in reverse order when the scenario ends, also on
//! failure and on Ctrl-C. Objects that existed before the run are never recorded.

use crate::cluster::Resolved;
use std::sync::Mutex;

/// An object this run created.
#[derive(Debug, Clone)]
pub struct Created {
    pub resolved: Resolved,
    pub namespace: Option<String>,
    pub name: String,
}

impl Created {
    pub fn display(&self) -> String {
        let kind = self.resolved.ar.kind.to_ascii_lowercase();
        match &self.namespace {
            Some(ns) => format!("{kind}/{} (namespace {ns})", self.name),
            None => format!("{kind}/{}", self.name),
        }
    }
}

#[derive(Debug, Default)]
pub struct Cleanup {
    items: Mutex<Vec<Created>>,
}

impl Cleanup {
    pub fn push(&self, c: Created) {
        if let Ok(mut v) = self.items.lock() {
            let dup = v.iter().any(|x| {
                x.name == c.name && x.namespace == c.namespace && x.resolved.ar == c.resolved.ar
            });
            if !dup {
                v.push(c);
            }
        }
    }

    /// Forget an object the scenario deleted itself.
    pub fn forget(&self, resolved: &Resolved, namespace: Option<&str>, name: &str) {
        if let Ok(mut v) = self.items.lock() {
            v.retain(|x| {
                !(x.name == name
                    && x.namespace.as_deref() == namespace
                    && x.resolved.ar == resolved.ar)
            });
        }
    }

    /// Everything recorded, newest first, leaving the stack empty.
    pub fn take_reversed(&self) -> Vec<Created> {
        let mut v = self
            .items
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        v.reverse();
        v
    }
}
