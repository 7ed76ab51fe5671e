//! `kubectl apply`/`create -f`/`replace`: the manifests a command names (a block of the
//! post, a file a command wrote, a URL) become `apply` steps.

use super::{base_name, Stdin};
use crate::import::kubectl::Kubectl;
use crate::import::shell::Simple;
use crate::import::translate::objects;
use crate::import::translate::spec;
use crate::import::translate::{Emit, FileOut, Outcome, Place, TodoReason, Tr};
use crate::steps::apply::{ApplyMode, ApplySpec};
use crate::steps::Action;
use serde_yaml::Value;

impl Tr<'_> {
    pub(super) fn apply_step(
        &self,
        file: Option<String>,
        manifest: Option<Value>,
        place: &Place,
        mode: ApplyMode,
    ) -> Emit {
        Emit::native(spec::step(Action::Apply(ApplySpec {
            file,
            manifest,
            kustomize: None,
            helm: None,
            namespace: place.field(),
            mode,
        })))
    }

    pub(super) fn apply_or_create(
        &mut self,
        i: usize,
        k: &Kubectl,
        place: &Place,
        stdin: Option<Stdin>,
        output: &str,
        _s: &Simple,
    ) -> Outcome {
        let text = self.t.commands[i].text.clone();
        let mode = match k.verb.as_str() {
            "create" => ApplyMode::Create,
            "replace" => ApplyMode::Replace,
            _ => ApplyMode::Apply,
        };
        // rendered, not sent: a file the post applies later
        let redirect = self.t.commands[i]
            .script()
            .commands
            .iter()
            .flat_map(|c| c.redirects.clone())
            .find(|(op, _)| op == ">");
        if k.dry_run() {
            if let (Some((_, file)), Some(doc)) = (&redirect, self.generate(k)) {
                let base = base_name(file);
                self.written.insert(
                    base.clone(),
                    serde_yaml::to_string(&doc).unwrap_or_default(),
                );
                return Outcome::Nothing(format!("renders the object into {base} (nothing reaches the cluster); the command that applies it uses it"));
            }
            return Outcome::Nothing("a dry run: nothing reaches the cluster".into());
        }
        if let Some(sub) = k.sub.clone().filter(|_| k.verb == "create") {
            return self.create_sub(i, k, place, &sub);
        }
        if k.flag("kustomize").is_some() {
            return Outcome::Steps(vec![Emit::native(spec::step(Action::Apply(ApplySpec {
                file: None,
                manifest: None,
                kustomize: k.flag("kustomize").map(str::to_string),
                helm: None,
                namespace: place.field(),
                mode,
            })))]);
        }
        let files = k.files();
        if files.is_empty() {
            return self.todo(
                TodoReason::Unsupported,
                format!("`{text}` names no manifest"),
                "an `apply` step of the manifest it means",
            );
        }
        let mut steps = Vec::new();
        for f in files {
            if f == "-" {
                let doc_text = match &stdin {
                    Some(Stdin::Text(t)) => t.clone(),
                    Some(Stdin::Generated(g)) => match self.generate(g) {
                        Some(doc) => serde_yaml::to_string(&doc).unwrap_or_default(),
                        None => {
                            return self.todo(
                                TodoReason::Unsupported,
                                "what the dry run renders is not known to kdrill",
                                "write the manifest it renders and apply it",
                            )
                        }
                    },
                    None => {
                        return self.todo(
                            TodoReason::Unsupported,
                            "the manifest comes from stdin, which the post does not show",
                            "write the manifest and apply it",
                        )
                    }
                };
                if let Some(Stdin::Generated(g)) = &stdin {
                    if let Some(sub) = &g.sub {
                        // `create configmap ... --dry-run | apply`: an apply of that object, inline
                        let r = self.create_sub(i, g, place, sub);
                        if let Outcome::Steps(mut s) = r {
                            for e in &mut s {
                                e.comment = Some("what the dry run renders, applied".into());
                            }
                            steps.extend(s);
                            continue;
                        }
                    }
                }
                let name = crate::import::manifest_name(&doc_text);
                let name = self.unique_file(&name, &doc_text);
                let content = self.namespaced(&doc_text, place);
                self.learn_manifest(&doc_text);
                self.plan.files.insert(
                    name.clone(),
                    FileOut {
                        content,
                        source: format!("the here-document of line {}", self.t.commands[i].line),
                        todo: false,
                    },
                );
                steps.push(self.apply_step(Some(format!("manifests/{name}")), None, place, mode));
                continue;
            }
            match self.manifest_file(i, f) {
                Ok(name) => {
                    if self.plan.files.get(&name).is_some_and(|f| f.todo) {
                        steps.push(
                            self.apply_step(Some(format!("manifests/{name}")), None, place, mode)
                                .note(format!(
                                    "manifests/{name} is not in the post: fill it in (IMPORT.md)"
                                )),
                        );
                    } else {
                        steps.push(self.apply_step(
                            Some(format!("manifests/{name}")),
                            None,
                            place,
                            mode,
                        ));
                    }
                }
                Err(o) => return o,
            }
        }
        let _ = output;
        Outcome::Steps(steps)
    }

    /// The manifest file a `-f FILE` names: a block of the post, a file a command wrote,
    /// or a marked TODO file. A URL is a TODO.
    pub(super) fn manifest_file(&mut self, i: usize, f: &str) -> Result<String, Outcome> {
        if f.starts_with("http://") || f.starts_with("https://") {
            let base = base_name(f);
            let gist = self
                .t
                .references
                .iter()
                .find(|r| base_name(&r.file) == base || f.ends_with(&r.file));
            let instead = match gist {
                Some(r) => format!(
                    "save `{}` (linked at line {}) as manifests/{base} and apply that file",
                    r.file, r.line
                ),
                None => format!(
                    "download {f} once, review it, save it as manifests/{base} and apply that file"
                ),
            };
            return Err(self.todo(
                TodoReason::Url,
                format!("the manifest comes from {f}: import never fetches"),
                instead,
            ));
        }
        if f.ends_with('/') || f == "." {
            return Err(self.todo(TodoReason::Unsupported, format!("applies the directory {f}, which the post does not show"), "copy the directory's manifests to manifests/ and apply it with `apply: {file: manifests/}`".to_string()));
        }
        let base = base_name(f);
        if self.plan.files.contains_key(&base) {
            return Ok(base);
        }
        if let Some(content) = self.written.get(&base).cloned() {
            self.learn_manifest(&content);
            let c = self.namespaced(&content, &Place::Scenario);
            self.plan.files.insert(
                base.clone(),
                FileOut {
                    content: c,
                    source: "written by a command of the post".into(),
                    todo: false,
                },
            );
            return Ok(base);
        }
        // a manifest block: by the name the post gives it, else the last one shown before
        let line = self.t.commands[i].line;
        let by_name = self
            .t
            .manifests
            .iter()
            .enumerate()
            .find(|(_, m)| m.file.as_deref().is_some_and(|n| base_name(n) == base));
        // without a name: only the manifest block right before the command's block, with
        // no linked file in between (that would be the manifest)
        let block = self.t.commands[i].block;
        let before = self.t.manifests.iter().enumerate().rev().find(|(mi, m)| {
            let adjacent = block
                .checked_sub(1)
                .and_then(|b| self.t.blocks.get(b))
                .and_then(|b| b.lines)
                .is_some_and(|(a, z)| a <= m.lines.0 && m.lines.1 <= z);
            let linked_between = self
                .t
                .references
                .iter()
                .any(|r| r.line > m.lines.1 && r.line < line);
            adjacent
                && m.file.is_none()
                && !linked_between
                && !self.plan.manifest_files.contains_key(mi)
        });
        if let Some((mi, m)) = by_name.or(before) {
            let text = m.text.clone();
            self.learn_manifest(&text);
            let content = self.namespaced(&text, &Place::Scenario);
            self.plan.manifest_files.insert(mi, base.clone());
            self.plan.files.insert(
                base.clone(),
                FileOut {
                    content,
                    source: format!("the post, line {}", m.lines.0),
                    todo: false,
                },
            );
            return Ok(base);
        }
        self.need_file(&base, i);
        Ok(base)
    }

    /// A file name not yet taken by other content.
    pub(super) fn unique_file(&self, name: &str, content: &str) -> String {
        match self.plan.files.get(name) {
            Some(f) if f.content != content => {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yaml"));
                (2..)
                    .map(|n| format!("{stem}-{n}.{ext}"))
                    .find(|c| !self.plan.files.contains_key(c))
                    .unwrap_or_else(|| name.to_string())
            }
            _ => name.to_string(),
        }
    }

    /// A manifest with the namespaces of the post in the scenario's names.
    pub(super) fn namespaced(&self, text: &str, _place: &Place) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(ns) = t.strip_prefix("namespace:") {
                let ns = ns.trim().trim_matches('"').trim_matches('\'');
                match self.plan.namespaces.get(ns) {
                    Some(m) if m.is_empty() => continue,
                    Some(m) => {
                        let indent = &line[..line.len() - t.len()];
                        out.push_str(&format!("{indent}namespace: \"{m}\"\n"));
                        continue;
                    }
                    None => {}
                }
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// What the objects of a manifest tell later commands (labels, selectors, containers).
    pub(super) fn learn_manifest(&mut self, text: &str) {
        for v in objects::documents(text) {
            if let Some(o) = objects::from_manifest(&v) {
                if o.kind == "namespace" {
                    self.create_namespace(&o.name.clone());
                }
                self.objects.add(o);
            }
        }
    }

    /// The object a `create SUB ... --dry-run -o yaml` or `run --dry-run` renders.
    pub(super) fn generate(&self, k: &Kubectl) -> Option<Value> {
        match (k.verb.as_str(), k.sub.as_deref()) {
            ("create", Some("deployment")) => objects::create_deployment(k).map(|x| x.0),
            ("create", Some("configmap")) => {
                objects::config_data("configmap", k, &self.post_files).map(|x| x.0)
            }
            ("create", Some("secret")) => {
                objects::config_data("secret", k, &self.post_files).map(|x| x.0)
            }
            ("create", Some("job")) => objects::create_job(k, &self.objects).map(|x| x.0),
            ("run", _) => objects::run_pod(k).map(|x| x.0),
            _ => None,
        }
    }
}
