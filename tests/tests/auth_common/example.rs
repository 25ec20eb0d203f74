//! The examples of this package, run as a user would run them.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/<name>`, next to the running test's own `deps`
/// folder, with none of the `CL_*` variables of the caller's environment.
pub fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo test -p scope-tests` (it builds the examples) or `cargo build -p scope-tests --examples`",
        path.display()
    );
    let mut command = Command::new(path);
    for var in [
        "CL_CLIENT_ID",
        "CL_CLIENT_SECRET",
        "CL_SCOPE",
        "CL_AUTH_URL",
    ] {
        command.env_remove(var);
    }
    command
}
