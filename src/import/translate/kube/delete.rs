//! `kubectl delete`: a `delete` step for what the scenario owns.

use crate::import::kubectl::Kubectl;
use crate::import::translate::objects;
use crate::import::translate::spec;
use crate::import::translate::{Emit, Outcome, Place, TodoReason, Tr};
use crate::steps::delete::DeleteSpec;
use crate::steps::Action;

impl Tr<'_> {
    pub(super) fn delete(&mut self, i: usize, k: &Kubectl, place: &Place) -> Outcome {
        let ns = place.field();
        let mut steps = Vec::new();
        let del =
            |object: Option<(&str, &str)>, kind_sel: Option<(&str, &str)>, ns: Option<String>| {
                Emit::native(spec::step(Action::Delete(DeleteSpec {
                    object: object.map(|(k, n)| spec::object(k, n)),
                    kind: kind_sel.map(|(k, _)| spec::kind(k)),
                    selector: kind_sel.map(|(_, s)| s.to_string()),
                    namespace: ns,
                    wait: true,
                    propagation: None,
                    // kubectl fails on a missing object unless told otherwise
                    ignore_not_found: k.has("ignore-not-found"),
                })))
            };
        // objects of a manifest
        for f in k.files() {
            let name = match self.manifest_file(i, f) {
                Ok(n) => n,
                Err(o) => return o,
            };
            let content = self
                .plan
                .files
                .get(&name)
                .map(|f| f.content.clone())
                .unwrap_or_default();
            for v in objects::documents(&content) {
                if let Some(o) = objects::from_manifest(&v) {
                    steps.push(del(Some((&o.kind, &o.name)), None, ns.clone()));
                    self.objects.remove(&o.kind, &o.name);
                }
            }
            if steps.is_empty() {
                steps.push(self.host_kubectl(k, place, &[]).note(format!("manifests/{name} is not in the post: kubectl on the host deletes what it names")));
            }
        }
        let res = k.resources();
        if let Some(o) = self.guard_write(k, place, &res) {
            return o;
        }
        if k.has("all")
            || (res.iter().any(|r| r.name.is_none())
                && k.selector().is_none()
                && k.files().is_empty())
        {
            return Outcome::Steps(vec![self
                .host_kubectl(k, place, &[])
                .note("every object of a kind: kdrill's delete refuses that without a selector; kubectl on the host with the scenario's kubeconfig")]);
        }
        for r in &res {
            let kind = r.kind_name();
            match (&r.name, k.selector()) {
                (Some(name), _) if kind == "namespace" => {
                    match self
                        .plan
                        .namespaces
                        .get(name)
                        .filter(|m| !m.is_empty())
                        .cloned()
                    {
                        Some(m) => steps.push(del(Some(("namespace", &m)), None, None).note(
                            format!("namespace {name} of the post ({m}): its objects go with it"),
                        )),
                        None => {
                            return self.todo(
                                TodoReason::UnsafeWriteOutsideNamespace,
                                format!("deletes namespace {name}, which the post did not create"),
                                "nothing a scenario may do",
                            )
                        }
                    }
                }
                (Some(name), _) => {
                    steps.push(del(Some((&kind, name)), None, ns.clone()));
                    self.objects.remove(&kind, name);
                }
                (None, Some(sel)) => steps.push(del(None, Some((&kind, sel)), ns.clone())),
                (None, None) => {}
            }
        }
        if steps.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                "`kubectl delete` of nothing kdrill can name",
                "a delete step of the objects it means",
            );
        }
        if k.has("force") || k.flag("grace-period") == Some("0") {
            if let Some(f) = steps.first_mut() {
                f.comment = Some("the post forces the delete (grace period 0); kdrill deletes with the default grace period".into());
            }
        }
        Outcome::Steps(steps)
    }
}
