//! Blank lines after the reading: those that belong to an output (after it, or inside
//! it) are output.

use super::Role;

/// Blank lines after an output: the author's spacing where every command of the block
/// follows a blank line, otherwise what the command printed (`rollout history` and
/// `curl -I` end with one).
pub(super) fn blank_lines_after_outputs(roles: &mut [(usize, Role)]) {
    let (mut spaced, mut tight) = (0, 0);
    for k in 1..roles.len() {
        if !matches!(roles[k].1, Role::Command(_) | Role::Prompt) {
            continue;
        }
        match roles[k - 1].1 {
            Role::Output(_) => tight += 1,
            Role::Blank if k >= 2 && matches!(roles[k - 2].1, Role::Output(_)) => spaced += 1,
            _ => {}
        }
    }
    if spaced > 0 && tight == 0 {
        return;
    }
    let mut i = 0;
    while i < roles.len() {
        let Role::Output(c) = roles[i].1 else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < roles.len() && roles[j].1 == Role::Blank {
            j += 1;
        }
        let ends = j == roles.len() || matches!(roles[j].1, Role::Command(_) | Role::Prompt);
        if j > i + 1 && ends {
            for r in &mut roles[i + 1..j] {
                r.1 = Role::Output(c);
            }
        }
        i = j.max(i + 1);
    }
}

/// Blank lines between two lines of one command's output belong to the output.
pub(super) fn blanks_inside_outputs(roles: &mut [(usize, Role)]) {
    let owner = |r: &Role| match r {
        Role::Output(c) | Role::Command(c) | Role::Continuation(c) | Role::Heredoc(c) => Some(*c),
        _ => None,
    };
    let mut i = 0;
    while i < roles.len() {
        if roles[i].1 != Role::Blank {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < roles.len() && roles[j].1 == Role::Blank {
            j += 1;
        }
        let before = i.checked_sub(1).and_then(|k| owner(&roles[k].1));
        let after = roles.get(j).and_then(|(_, r)| match r {
            Role::Output(c) => Some(*c),
            _ => None,
        });
        if let (Some(b), Some(a)) = (before, after) {
            if a == b {
                for r in &mut roles[i..j] {
                    r.1 = Role::Output(a);
                }
            }
        }
        i = j;
    }
}
