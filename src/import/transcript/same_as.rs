//! Commands shown twice: `same_as` the command that runs.

use super::Transcript;
use std::collections::BTreeMap;

/// Commands shown bare and then run with their output in the next block, and
/// summaries that repeat a session: `same_as` the command that runs.
pub(super) fn same_as(t: &mut Transcript) {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut by_block: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in t.commands.iter().enumerate() {
        by_block.entry(c.block).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = by_block.into_values().collect();
    for (g, cmds) in groups.iter().enumerate() {
        let bare = cmds
            .iter()
            .all(|&c| t.commands[c].output.is_empty() && t.commands[c].prompt.trim().is_empty());
        if !bare {
            continue;
        }
        // shown, then run in the next block
        if let Some(next) = groups.get(g + 1) {
            let shown: Vec<String> = cmds.iter().map(|&c| norm(&t.commands[c].text)).collect();
            let run: Vec<String> = next
                .iter()
                .take(cmds.len())
                .map(|&c| norm(&t.commands[c].text))
                .collect();
            if shown == run && next.iter().any(|&c| !t.commands[c].output.is_empty()) {
                for (k, &c) in cmds.iter().enumerate() {
                    t.commands[c].same_as = Some(next[k]);
                }
                continue;
            }
        }
        // a summary repeating commands run before
        let earlier: Vec<usize> = groups[..g].iter().flatten().copied().collect();
        let repeats: Vec<(usize, usize)> = cmds
            .iter()
            .filter_map(|&c| {
                let text = norm(&t.commands[c].text);
                earlier
                    .iter()
                    .rev()
                    .find(|&&e| norm(&t.commands[e].text) == text)
                    .map(|&e| (c, e))
            })
            .collect();
        // a summary restating one as a pipe (`kubectl get ... | base64 -d`)
        let restated: Vec<(usize, usize)> = cmds
            .iter()
            .filter(|c| !repeats.iter().any(|(r, _)| r == *c))
            .filter_map(|&c| {
                let text = norm(&t.commands[c].text);
                let head = text.split(" | ").next().unwrap_or("").to_string();
                earlier
                    .iter()
                    .rev()
                    .find(|&&e| head != text && norm(&t.commands[e].text) == head)
                    .map(|&e| (c, e))
            })
            .collect();
        if cmds.len() >= 2 && repeats.len() * 2 >= cmds.len() {
            for (c, e) in repeats.into_iter().chain(restated) {
                t.commands[c].same_as = Some(e);
            }
        }
    }
}
