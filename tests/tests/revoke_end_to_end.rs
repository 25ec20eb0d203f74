//! End to end against the stand-in: `revoke`, async and blocking, succeeds for the token's
//! own application and is refused (403) otherwise, without leaking the token or the secret.

mod auth_common;

use auth_common::{INTEGRATION_SECRET as SECRET, both_clients, integration, storefront};
use scope_core::auth::{AuthError, Credentials, ExposeSecret, RequestKind, SecretString};
use scope_tests::AuthServer;

/// The usual stand-in, and a second integration whose tokens `backend` cannot revoke.
fn server() -> AuthServer {
    let server = auth_common::server();
    server.add_integration("other-backend", "other-secret-0123456789");
    server
}

#[test]
fn an_integration_revokes_its_token_with_the_documented_request() {
    let server = server();
    for client in both_clients(&server) {
        let token = client.request_token(&integration()).unwrap();
        let text = token.access_token().expose_secret();
        assert!(!server.is_revoked(text));

        client.revoke(token.access_token(), &integration()).unwrap();

        assert!(server.is_revoked(text), "{}", client.name());
        let request = server.last_request_to("/oauth/revoke").unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("accept"), Some("application/json"));
        let body = request.json().unwrap();
        assert_eq!(
            body,
            serde_json::json!({"client_id": "backend", "client_secret": SECRET, "token": text})
        );
    }
    assert_eq!(server.revoked_tokens(), 2);
}

#[test]
fn a_sales_channel_revokes_without_a_secret() {
    let server = server();
    for client in both_clients(&server) {
        let token = client.request_token(&storefront()).unwrap();
        client.revoke(token.access_token(), &storefront()).unwrap();
        assert!(
            server.is_revoked(token.access_token().expose_secret()),
            "{}",
            client.name()
        );
        let request = server.last_request_to("/oauth/revoke").unwrap();
        assert!(request.json().unwrap().get("client_secret").is_none());
    }
}

#[test]
fn revoking_twice_succeeds_twice() {
    let server = server();
    for client in both_clients(&server) {
        let token = client.request_token(&integration()).unwrap();
        client.revoke(token.access_token(), &integration()).unwrap();
        client.revoke(token.access_token(), &integration()).unwrap();
    }
}

fn assert_refused(result: Result<(), AuthError>, leaks: &[&str], client: &str) {
    let err = result.expect_err("a refusal");
    match &err {
        AuthError::Rejected {
            request: RequestKind::Revocation,
            status: 403,
            errors,
        } => assert!(!errors.is_empty(), "{client}: {err}"),
        other => panic!("{client}: expected a 403 refusal, got {other:?}"),
    }
    assert_eq!(err.status(), Some(403));
    let text = format!("{err} {err:?}");
    for leak in leaks {
        assert!(
            !text.contains(leak),
            "{client}: the error repeats a secret: {text}"
        );
    }
}

#[test]
fn a_wrong_secret_is_refused_with_403_and_the_token_stays_valid() {
    let server = server();
    for client in both_clients(&server) {
        let token = client.request_token(&integration()).unwrap();
        let text = token.access_token().expose_secret();
        let wrong = Credentials::integration("backend", "not-the-secret-9876", None);
        assert_refused(
            client.revoke(token.access_token(), &wrong),
            &[text, "not-the-secret-9876"],
            client.name(),
        );
        assert!(!server.is_revoked(text));
    }
}

#[test]
fn a_token_of_another_application_or_unknown_is_refused_with_403() {
    let server = server();
    for client in both_clients(&server) {
        let token = client.request_token(&integration()).unwrap();
        let text = token.access_token().expose_secret();
        let other = Credentials::integration("other-backend", "other-secret-0123456789", None);
        assert_refused(
            client.revoke(token.access_token(), &other),
            &[text],
            client.name(),
        );
        assert!(!server.is_revoked(text));

        let forged = SecretString::from("eyJhbGciOiJub25lIn0.e30.");
        assert_refused(
            client.revoke(&forged, &integration()),
            &["eyJhbGciOiJub25lIn0"],
            client.name(),
        );
    }
}

#[test]
fn revoking_against_a_stopped_server_is_a_transport_error() {
    let server = server();
    let clients = both_clients(&server);
    let token = clients[0].request_token(&integration()).unwrap();
    drop(server);
    for client in clients {
        let err = client
            .revoke(token.access_token(), &integration())
            .unwrap_err();
        assert!(
            matches!(err, AuthError::Transport(_)),
            "{}: {err:?}",
            client.name()
        );
        assert!(
            !err.to_string()
                .contains(token.access_token().expose_secret())
        );
    }
}
