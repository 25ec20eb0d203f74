//! No secret (client secret, access token, secret header value) appears in any
//! `Debug` or error text, whatever the server answers.

mod auth_common;

use std::time::Duration;

use auth_common::{Client, FLAVOURS, INTEGRATION_SECRET, Setup, integration, server, texts};
use scope_core::auth::{AuthClient, Credentials, ExposeSecret, blocking};
use scope_core::scopes;
use scope_tests::{ErrorShape, Misbehaviour};

const HEADER_SECRET: &str = "enterprise-header-secret-42";

fn assert_clean(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[test]
fn credentials_tokens_and_clients_never_show_secrets() {
    for flavour in FLAVOURS {
        let server = server();
        let setup = Setup {
            headers: vec![("x-enterprise-key", HEADER_SECRET)],
            ..Setup::default()
        };
        let client = Client::with(flavour, &server, &setup);
        let credentials = integration();
        let token = client.request_token(&credentials).unwrap();
        let access_token = token.access_token().expose_secret().to_owned();
        let secrets = [INTEGRATION_SECRET, access_token.as_str(), HEADER_SECRET];

        assert_clean(
            &format!("{credentials:?} {credentials:#?}"),
            &secrets,
            "Credentials",
        );
        assert_clean(&format!("{token:?} {token:#?}"), &secrets, "Token");
        assert_clean(&credentials.cache_key(), &secrets, "cache_key");
        match &client {
            Client::Async(client, _) => {
                assert_clean(&format!("{client:?}"), &secrets, "AuthClient")
            }
            Client::Blocking(client) => {
                assert_clean(&format!("{client:?}"), &secrets, "blocking AuthClient")
            }
        }
    }
    let builder = AuthClient::builder().header("x-enterprise-key", HEADER_SECRET);
    assert_clean(
        &format!("{builder:?}"),
        &[HEADER_SECRET],
        "AuthClientBuilder",
    );
    let builder = blocking::AuthClient::builder().header("x-enterprise-key", HEADER_SECRET);
    assert_clean(
        &format!("{builder:?}"),
        &[HEADER_SECRET],
        "blocking AuthClientBuilder",
    );
}

#[test]
fn no_error_shows_a_secret_whatever_the_server_sends() {
    let misbehaviours = vec![
        Misbehaviour::EchoSecret,
        Misbehaviour::TruncatedJson,
        Misbehaviour::ServerErrorHtml,
        Misbehaviour::Redirect(307),
        Misbehaviour::RateLimited { retry_after: Some("1".into()) },
        Misbehaviour::Oversized { bytes: 1 << 17, announce_length: true },
        Misbehaviour::Oversized { bytes: 1 << 17, announce_length: false },
        Misbehaviour::Slow(Duration::from_secs(3)),
        // A token in a body of the wrong shape, and in a bad token type.
        Misbehaviour::Answer {
            status: 200,
            content_type: Some("application/json".into()),
            body: r#"{"access_token":"leaked-token-value-123","expires_in":"soon"}"#.into(),
        },
        Misbehaviour::Answer {
            status: 200,
            content_type: Some("application/json".into()),
            body: r#"{"access_token":"leaked-token-value-123","token_type":"leaked-token-value-123","expires_in":1}"#.into(),
        },
        Misbehaviour::Answer {
            status: 200,
            content_type: Some("text/plain".into()),
            body: "access_token=leaked-token-value-123".into(),
        },
        // A server that echoes the secret in every field of each shape.
        Misbehaviour::Answer {
            status: 400,
            content_type: Some("application/json".into()),
            body: format!(
                r#"{{"errors":[{{"title":"{s}","detail":"{s}","code":"{s}","status":"{s}"}}]}}"#,
                s = INTEGRATION_SECRET
            ),
        },
        Misbehaviour::Answer {
            status: 401,
            content_type: Some("application/json".into()),
            body: format!(r#"{{"error":"{s}","error_description":"secret={s}"}}"#, s = INTEGRATION_SECRET),
        },
    ];
    let secrets = [
        INTEGRATION_SECRET,
        "leaked-token-value-123",
        scope_tests::jwt::TOKEN_PREFIX,
        HEADER_SECRET,
    ];
    for flavour in FLAVOURS {
        for shape in [ErrorShape::Array, ErrorShape::Object, ErrorShape::OAuth] {
            for misbehaviour in &misbehaviours {
                let server = server();
                server.error_shape(shape);
                server.misbehave(misbehaviour.clone());
                let setup = Setup {
                    timeout: Some(Duration::from_millis(300)),
                    headers: vec![("x-enterprise-key", HEADER_SECRET)],
                    ..Setup::default()
                };
                let err = Client::with(flavour, &server, &setup)
                    .request_token(&integration())
                    .unwrap_err();
                for text in texts(&err) {
                    assert_clean(
                        &text,
                        &secrets,
                        &format!("{flavour:?} {shape:?} {misbehaviour:?}"),
                    );
                }
            }
        }
    }
}

#[test]
fn an_echoed_secret_is_redacted_but_the_error_still_says_what_happened() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::EchoSecret);
        let err = Client::new(flavour, &server)
            .request_token(&integration())
            .unwrap_err();
        assert!(err.is_unauthorized());
        let detail = err.api_errors()[0].detail.clone().unwrap();
        assert!(detail.contains("[REDACTED]"), "{detail}");
        assert!(!detail.contains(INTEGRATION_SECRET), "{detail}");
    }
}

#[test]
fn config_errors_never_repeat_secret_values() {
    let err = AuthClient::builder()
        .header("x-key", format!("{HEADER_SECRET}\n"))
        .build()
        .unwrap_err();
    for text in texts(&err) {
        assert_clean(&text, &[HEADER_SECRET], "header error");
    }
    // A password in the base URL is refused without being repeated, by either builder.
    let url = format!("https://user:{HEADER_SECRET}@auth.commercelayer.io");
    let async_err = AuthClient::builder().base_url(&url).build().unwrap_err();
    let blocking_err = blocking::AuthClient::builder()
        .base_url(&url)
        .build()
        .unwrap_err();
    for err in [async_err, blocking_err] {
        for text in texts(&err) {
            assert_clean(&text, &[HEADER_SECRET], "base URL error");
        }
    }
    let err = Credentials::sales_channel("storefront", scopes!("market:all")).unwrap_err();
    assert!(!format!("{err:?}").is_empty());
}
