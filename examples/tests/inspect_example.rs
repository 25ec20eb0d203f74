//! The `inspect` example, run as a user would run it, against the stand-in it starts.
//! `cargo test` builds the examples before it runs this file.

mod common;

use common::{assert_no_token_or_secret, example, run};

#[test]
fn inspect_reads_verifies_and_revokes_a_token_without_printing_it() {
    let (output, stdout, stderr) = run(&mut example("inspect"));
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
    assert_no_token_or_secret(&stdout);
}

#[test]
fn inspect_fails_with_one_line_for_a_sales_channel_without_scope() {
    let (output, _, stderr) = run(example("inspect").env("CL_CLIENT_ID", "storefront"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CL_SCOPE"), "{stderr}");
}
