//! End to end against the stand-in: `revoke`, async and blocking, succeeds for the token's
//! own application and is refused (403) otherwise, without leaking the token or the secret.

use scope_core::auth::{
    AuthClient, AuthError, Credentials, ExposeSecret, SecretString, Token, blocking,
};
use scope_core::scopes;
use scope_tests::AuthServer;

const SECRET: &str = "backend-secret-0123456789";

fn server() -> AuthServer {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_integration("backend", SECRET);
    server.add_integration("other-backend", "other-secret-0123456789");
    server
}

fn integration() -> Credentials {
    Credentials::integration("backend", SECRET, None)
}

fn storefront() -> Credentials {
    Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap()
}

/// The async and the blocking client, behind one interface.
enum Client {
    Async(AuthClient, tokio::runtime::Runtime),
    Blocking(blocking::AuthClient),
}

impl Client {
    fn both(server: &AuthServer) -> [Client; 2] {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let async_client = AuthClient::builder()
            .base_url(server.base_url())
            .build()
            .unwrap();
        let blocking_client = blocking::AuthClient::builder()
            .base_url(server.base_url())
            .build()
            .unwrap();
        [
            Client::Async(async_client, runtime),
            Client::Blocking(blocking_client),
        ]
    }

    fn name(&self) -> &'static str {
        match self {
            Client::Async(..) => "async",
            Client::Blocking(_) => "blocking",
        }
    }

    fn request_token(&self, credentials: &Credentials) -> Token {
        match self {
            Client::Async(client, runtime) => runtime.block_on(client.request_token(credentials)),
            Client::Blocking(client) => client.request_token(credentials),
        }
        .unwrap()
    }

    fn revoke(&self, token: &SecretString, credentials: &Credentials) -> Result<(), AuthError> {
        match self {
            Client::Async(client, runtime) => runtime.block_on(client.revoke(token, credentials)),
            Client::Blocking(client) => client.revoke(token, credentials),
        }
    }
}

#[test]
fn an_integration_revokes_its_token_with_the_documented_request() {
    let server = server();
    for client in Client::both(&server) {
        let token = client.request_token(&integration());
        let text = token.access_token().expose_secret();
        assert!(!server.is_revoked(text));

        client.revoke(token.access_token(), &integration()).unwrap();

        assert!(server.is_revoked(text), "{}", client.name());
        let request = server
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path() == "/oauth/revoke")
            .unwrap();
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
    for client in Client::both(&server) {
        let token = client.request_token(&storefront());
        client.revoke(token.access_token(), &storefront()).unwrap();
        assert!(
            server.is_revoked(token.access_token().expose_secret()),
            "{}",
            client.name()
        );
        let request = server
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path() == "/oauth/revoke")
            .unwrap();
        assert!(request.json().unwrap().get("client_secret").is_none());
    }
}

#[test]
fn revoking_twice_succeeds_twice() {
    let server = server();
    for client in Client::both(&server) {
        let token = client.request_token(&integration());
        client.revoke(token.access_token(), &integration()).unwrap();
        client.revoke(token.access_token(), &integration()).unwrap();
    }
}

fn assert_refused(result: Result<(), AuthError>, leaks: &[&str], client: &str) {
    let err = result.expect_err("a refusal");
    match &err {
        AuthError::Rejected {
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
    for client in Client::both(&server) {
        let token = client.request_token(&integration());
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
    for client in Client::both(&server) {
        let token = client.request_token(&integration());
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
    let clients = Client::both(&server);
    let token = clients[0].request_token(&integration());
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
