//! What the post tells later commands: the files it shows, the nodes it lists, and
//! what an output names (labels, IPs, containers).

use super::{http, objects_kind, states, Tr};
use crate::import::transcript::Role;

impl Tr<'_> {
    /// Files the post shows that are not manifests (a `text:greeting.txt` block, a script).
    pub(super) fn collect_files(&mut self) {
        for f in &self.t.files {
            if let Some(name) = &f.file {
                self.post_files.insert(name.clone(), f.text.clone());
            }
        }
    }

    /// Node names the post's outputs show (NODE columns, `get nodes`, `Node:` lines).
    pub(super) fn collect_nodes(&mut self) {
        // where kubectl prints a node: `Node: name/ip`, `assigned ns/pod to NODE`
        let node_field =
            regex::Regex::new(r"^Node:\s+([a-z0-9][a-z0-9.-]*)(?:/|$)").expect("node regex");
        let assigned = regex::Regex::new(r"Successfully assigned \S+ to ([a-z0-9][a-z0-9.-]*)\s*$")
            .expect("assigned regex");
        self.plan.nodes.insert("minikube".into());
        for (n, role) in &self.t.roles {
            if !matches!(role, Role::Output(_)) {
                continue;
            }
            let text = self.t.texts.get(n).map_or("", String::as_str);
            for re in [&node_field, &assigned] {
                if let Some(c) = re.captures(text.trim()) {
                    self.plan.nodes.insert(c[1].to_string());
                }
            }
        }
        for (i, c) in self.t.commands.iter().enumerate() {
            let Some(k) = c.main_kubectl() else { continue };
            let out = self.t.output_text(i);
            for table in states::tables(&out) {
                let col = if k.verb == "get"
                    && k.resources()
                        .first()
                        .is_some_and(|r| r.kind_name() == "node")
                {
                    table.col("NAME")
                } else {
                    table.col("NODE")
                };
                let Some(col) = col else { continue };
                for row in &table.rows {
                    if let Some(node) = row.get(col).filter(|n| !n.is_empty() && *n != "<none>") {
                        self.plan
                            .nodes
                            .insert(node.trim_start_matches("node/").to_string());
                    }
                }
            }
        }
    }

    /// IPs and node ports the output of command `i` shows, for later `curl`s.
    pub(super) fn learn_from_output(&mut self, i: usize) {
        let Some(k) = self.t.commands[i].main_kubectl() else {
            return;
        };
        let out = self.t.output_text(i);
        let place = self.place(&k);
        if k.verb == "get" {
            let kind = k
                .resources()
                .first()
                .map(|r| r.kind_name())
                .unwrap_or_default();
            for table in states::tables(&out) {
                for row in &table.rows {
                    let Some(name) = table.name(row).map(str::to_string) else {
                        continue;
                    };
                    let (rkind, name) = match name.split_once('/') {
                        Some((a, b)) => (objects_kind(a), b.to_string()),
                        None => (kind.clone(), name.clone()),
                    };
                    if let Some(ip) = table.cell(row, "IP") {
                        self.ips.insert(
                            ip.to_string(),
                            http::Target::pod(&name, None).with_place(place.clone()),
                        );
                    }
                    if rkind == "service" {
                        let ports = table.cell(row, "PORT(S)").unwrap_or("");
                        let first_port = ports
                            .split(',')
                            .next()
                            .and_then(|p| p.split(['/', ':']).next())
                            .and_then(|p| p.parse::<u16>().ok());
                        if let Some(ip) = table.cell(row, "CLUSTER-IP") {
                            self.ips.insert(
                                ip.to_string(),
                                http::Target::service(&name, first_port).with_place(place.clone()),
                            );
                        }
                        if let Some(ip) = table.cell(row, "EXTERNAL-IP").filter(|i| i.contains('.'))
                        {
                            self.ips.insert(
                                ip.to_string(),
                                http::Target::service(&name, first_port).with_place(place.clone()),
                            );
                        }
                        for p in ports.split(',') {
                            if let Some((port, rest)) = p.split_once(':') {
                                let np = rest.split('/').next().and_then(|x| x.parse::<u16>().ok());
                                if let (Ok(port), Some(np)) = (port.parse::<u16>(), np) {
                                    self.node_ports.insert(
                                        np,
                                        http::Target::service(&name, Some(port))
                                            .with_place(place.clone()),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            // `-o jsonpath='{.spec.ports[0].nodePort}'` prints the node port
            if let (Some(crate::import::kubectl::Output::JsonPath(p)), Some(r)) =
                (k.output(), k.resources().first())
            {
                if p.contains("nodePort") {
                    if let (Some(name), Ok(np)) = (&r.name, out.trim().parse::<u16>()) {
                        let port = self
                            .objects
                            .get("service", name)
                            .and_then(|o| o.ports.first())
                            .map(|p| p.0);
                        self.node_ports.insert(
                            np,
                            http::Target::service(name, port).with_place(place.clone()),
                        );
                    }
                }
            }
        }
        if k.verb == "describe" {
            let fields = states::describe_fields(&out);
            if let (Some(ip), Some(r)) = (fields.get("IP"), k.resources().first()) {
                if let Some(name) = &r.name {
                    let t = if r.kind_name() == "service" {
                        http::Target::service(name, None).with_place(place.clone())
                    } else {
                        http::Target::pod(name, None).with_place(place.clone())
                    };
                    self.ips.insert(ip.clone(), t);
                }
            }
        }
    }
}
