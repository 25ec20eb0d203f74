//! The `inspect` example, run as a user would run it, against the stand-in it starts.
//! `cargo test` builds the examples before it runs this file.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/inspect`, next to this test's own `deps` folder.
fn inspect() -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile_dir
        .join("examples")
        .join(format!("inspect{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo test -p scope-tests`",
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

#[test]
fn inspect_reads_verifies_and_revokes_a_token_without_printing_it() {
    let output = inspect().output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    for line in [
        "application kind: integration",
        "organization:     the-stand-in",
        "core API:         https://the-stand-in.commercelayer.io",
        "scope:            market:code:europe stock_location:code:eu_warehouse",
        "mode:             test",
        "lifetime:         7200 s",
        "signature:        valid (RS512, keys from http://127.0.0.1:",
        "revoked:          yes",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains(scope_tests::jwt::TOKEN_PREFIX),
        "no token printed: {stdout}"
    );
    assert!(
        !stdout.contains("back-office-secret"),
        "no secret printed: {stdout}"
    );
}

#[test]
fn inspect_fails_with_one_line_for_a_sales_channel_without_scope() {
    let output = inspect()
        .env("CL_CLIENT_ID", "storefront")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CL_SCOPE"), "{stderr}");
}
