//! The `token` and `quickstart` examples, run as a user would run them, against
//! the stand-in. `cargo test` builds the examples before it runs this file.

mod common;

use common::{INTEGRATION_SECRET, server};
use common::{assert_no_token_or_secret, example, run};

#[test]
fn token_prints_one_json_object_for_a_sales_channel() {
    let server = server();
    let (output, stdout, stderr) = run(example("token").args([
        "--client-id",
        "storefront",
        "--scope",
        "market:code:europe",
        "--base-url",
        &server.base_url(),
    ]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 5, "{json}");
    assert!(
        json["access_token"]
            .as_str()
            .unwrap()
            .starts_with(scope_tests::jwt::TOKEN_PREFIX)
    );
    assert_eq!(json["token_type"], "bearer");
    assert_eq!(json["expires_in"], 14_400);
    assert_eq!(json["scope"], "market:code:europe");
    assert!(json["created_at"].as_i64().unwrap() > 1_700_000_000);
}

#[test]
fn token_reads_the_environment_and_a_secret_makes_an_integration() {
    let server = server();
    let (output, stdout, stderr) = run(example("token")
        .env("CL_CLIENT_ID", "backend")
        .env("CL_CLIENT_SECRET", INTEGRATION_SECRET)
        .env("CL_AUTH_URL", server.base_url()));
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["scope"], "market:all");
    assert_eq!(json["expires_in"], 7_200);
    assert_eq!(
        server.last_token_request().unwrap().json().unwrap()["client_secret"],
        INTEGRATION_SECRET
    );
}

#[test]
fn token_logs_a_customer_in_with_the_password_grant_then_refreshes() {
    let server = server();
    let customer = server.add_customer("ada@example.com", "pw-from-the-environment");
    let base = server.base_url();
    let (output, stdout, stderr) = run(example("token")
        .args(["--client-id", "storefront", "--scope", "market:code:europe"])
        .args([
            "--base-url",
            &base,
            "--grant",
            "password",
            "--username",
            "ada@example.com",
        ])
        .env("CL_PASSWORD", "pw-from-the-environment"));
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["owner_id"], customer.as_str());
    assert_eq!(json["owner_type"], "customer");
    let refresh = json["refresh_token"].as_str().unwrap();

    let (output, stdout, stderr) = run(example("token")
        .args(["--client-id", "storefront", "--scope", "market:code:europe"])
        .args(["--base-url", &base, "--grant", "refresh_token"])
        .env("CL_REFRESH_TOKEN", refresh));
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_ne!(json["refresh_token"], refresh, "rotated");

    let (output, _, stderr) = run(example("token").args([
        "--client-id",
        "storefront",
        "--scope",
        "market:code:europe",
        "--grant",
        "password",
    ]));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--username"), "{stderr}");
}

#[test]
fn token_fails_with_one_line_and_a_non_zero_exit() {
    let server = server();
    let base = server.base_url();
    // Client id, its secret or scope, base URL, what the error says.
    let cases = [
        (
            "backend",
            ["--client-secret", "wrong"],
            base.as_str(),
            "HTTP 401",
        ),
        (
            "nobody",
            ["--scope", "market:code:europe"],
            &base,
            "invalid_client",
        ),
        (
            "backend",
            ["--client-secret", "x"],
            "http://example.com",
            "plain http",
        ),
        (
            "backend",
            ["--client-secret", "x"],
            "http://127.0.0.1:1",
            "could not reach",
        ),
    ];
    for (client_id, [option, value], base_url, expected) in cases {
        let args = [
            "--client-id",
            client_id,
            option,
            value,
            "--base-url",
            base_url,
        ];
        let (output, stdout, stderr) = run(example("token").args(args));
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("wrong"),
            "no secret in the error: {stderr}"
        );
    }
    assert_eq!(server.token_requests(), 2);
}

#[test]
fn token_never_sends_a_bad_scope_or_a_sales_channel_without_a_market() {
    let server = server();
    let base = server.base_url();
    for (scope, expected) in [
        (Some("markets:code:europe"), "bad --scope"),
        (Some("market:code:eu,market:code:us"), "bad --scope"),
        (Some("market:all"), "require a market"),
        (None, "require a market"),
    ] {
        let mut args = vec!["--client-id", "storefront"];
        if let Some(scope) = scope {
            args.extend(["--scope", scope]);
        }
        args.extend(["--base-url", &base]);
        let (output, _, stderr) = run(example("token").args(&args));
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(server.token_requests(), 0, "nothing reached the network");
}

#[test]
fn token_usage_errors_exit_2() {
    for args in [&["--client-id"][..], &["--bogus", "x"][..]] {
        let (output, _, stderr) = run(example("token").args(args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: token"), "{stderr}");
    }
    let (output, _, stderr) = run(&mut example("token"));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--client-id"), "{stderr}");
}

#[test]
fn quickstart_runs_against_the_stand_in_with_tokens_redacted() {
    let (output, stdout, stderr) = run(&mut example("quickstart"));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("Sales channel token"), "{stdout}");
    assert!(stdout.contains("Integration token"), "{stdout}");
    assert!(stdout.contains("[REDACTED]"), "{stdout}");
    assert_no_token_or_secret(&stdout);
    assert!(stdout.contains("received 2 token requests"), "{stdout}");
}
