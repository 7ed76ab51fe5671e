//! Server-side tables: what kubectl prints for `get`, with the columns the API
//! server itself chooses (`as=Table`).

use super::{Cluster, ClusterError, Resolved};
use kube::api::ListParams;
use serde_json::Value;

impl Cluster {
    /// kubectl-like table of objects, printed by the API server itself
    /// (`as=Table`), so columns are exactly what kubectl shows.
    pub async fn table(
        &self,
        r: &Resolved,
        namespace: &str,
        name: Option<&str>,
        selector: Option<&str>,
        wide: bool,
    ) -> Result<String, ClusterError> {
        let api = self.api(r, namespace);
        let url = api.resource_url().to_string();
        let request = kube::core::Request::new(url);
        let mut req = match name {
            Some(n) => request.get(n, &Default::default()),
            None => {
                let mut lp = ListParams::default();
                if let Some(s) = selector {
                    lp = lp.labels(s);
                }
                request.list(&lp)
            }
        }
        .map_err(|e| ClusterError::Api(kube::Error::BuildRequest(e)))?;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            ),
        );
        let table: Value = self.client.request(req).await?;
        let scope = r.namespaced.then_some(namespace);
        Ok(render_table(&table, wide, scope))
    }
}

/// Render a `meta.k8s.io/v1 Table` the way kubectl does: upper-case headers,
/// columns padded to their widest cell plus three spaces, priority>0 columns only when wide.
pub fn render_table(table: &Value, wide: bool, namespace: Option<&str>) -> String {
    let empty = Vec::new();
    let defs = table
        .get("columnDefinitions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let rows = table
        .get("rows")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if rows.is_empty() {
        return match namespace {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".to_string(),
        };
    }
    let keep: Vec<usize> = defs
        .iter()
        .enumerate()
        .filter(|(_, d)| wide || d.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0)
        .map(|(i, _)| i)
        .collect();
    let mut grid: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    grid.push(
        keep.iter()
            .map(|&i| {
                defs[i]
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_uppercase()
            })
            .collect(),
    );
    for row in rows {
        let cells = row.get("cells").and_then(Value::as_array).unwrap_or(&empty);
        grid.push(
            keep.iter()
                .map(|&i| match cells.get(i) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => "<none>".to_string(),
                    Some(v) => v.to_string(),
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..keep.len())
        .map(|c| grid.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in grid {
        let last = row.len().saturating_sub(1);
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c < last {
                out.push_str(&" ".repeat(widths[c] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    fn pods_table() -> Value {
        json!({
            "kind": "Table",
            "columnDefinitions": [
                {"name": "Name", "priority": 0}, {"name": "Ready", "priority": 0},
                {"name": "Status", "priority": 0}, {"name": "Restarts", "priority": 0},
                {"name": "Age", "priority": 0}, {"name": "IP", "priority": 1}
            ],
            "rows": [
                {"cells": ["nginx", "1/1", "Running", 0, "12s", "10.88.0.4"]},
                {"cells": ["webapps-same-image", "1/2", "CrashLoopBackOff", "3 (20s ago)", "2m", null]}
            ]
        })
    }

    #[test]
    fn renders_like_kubectl() {
        insta::assert_snapshot!(render_table(&pods_table(), false, Some("default")), @r"
        NAME                 READY   STATUS             RESTARTS      AGE
        nginx                1/1     Running            0             12s
        webapps-same-image   1/2     CrashLoopBackOff   3 (20s ago)   2m
        ");
    }

    #[test]
    fn wide_adds_priority_columns() {
        let out = render_table(&pods_table(), true, Some("default"));
        assert!(out.lines().next().unwrap().ends_with("AGE   IP"));
        assert!(out.contains("<none>"));
    }

    #[test]
    fn empty_tables_say_so() {
        assert_eq!(
            render_table(&json!({"rows": []}), false, Some("x")),
            "No resources found in x namespace.\n"
        );
    }
}
