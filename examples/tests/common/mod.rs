//! The examples of this package, run as a user would run them, and the stand-in
//! they are pointed at.

#![allow(dead_code)] // each test file uses a part

use std::path::PathBuf;
use std::process::{Command, Output};

use scope_tests::AuthServer;

/// The secret of the integration `server` knows.
pub const INTEGRATION_SECRET: &str = "backend-secret-0123456789";

/// A stand-in that knows a sales channel `storefront` and an integration `backend`.
pub fn server() -> AuthServer {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_integration("backend", INTEGRATION_SECRET);
    server
}

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
        "{} is not built: run `cargo test -p scope-examples` (it builds the examples) or `cargo build -p scope-examples --examples`",
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

/// Runs `command` to its end: its output, and its stdout and stderr as text.
pub fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    (output, stdout, stderr)
}

/// Fails unless `stdout` shows neither a token of the stand-in nor the
/// examples' integration secret.
pub fn assert_no_token_or_secret(stdout: &str) {
    assert!(
        !stdout.contains(scope_tests::jwt::TOKEN_PREFIX),
        "no token printed: {stdout}"
    );
    assert!(
        !stdout.contains("back-office-secret"),
        "no secret printed: {stdout}"
    );
}
