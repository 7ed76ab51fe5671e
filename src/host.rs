//! The machine kdrill runs on: which programs it can start.

use std::path::Path;

/// Is `program` something this process could start: a path to an executable file, or
/// a name found in an executable file on `PATH`?
pub fn can_run(program: &str) -> bool {
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_on_path_and_by_path() {
        use std::os::unix::fs::PermissionsExt;
        assert!(can_run("sh"));
        assert!(can_run("/bin/sh"));
        assert!(!can_run("kdrill-no-such-program"));
        let dir = tempfile::tempdir().unwrap();
        assert!(!can_run(&dir.path().to_string_lossy()), "a directory");
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        let with_mode = |mode| {
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(mode)).unwrap();
            can_run(&tool.to_string_lossy())
        };
        assert!(!with_mode(0o644), "a file that is not executable");
        assert!(with_mode(0o755));
    }
}
