//! End to end against the stand-in: successful token requests, async and
//! blocking, and the exact shape of what was sent.

mod auth_common;

use std::time::{Duration, Instant};

use auth_common::{
    Client, FLAVOURS, INTEGRATION_SECRET, Setup, integration, runtime, server, storefront, unix_now,
};
use scope_core::auth::{AuthClient, AuthError, Credentials, ExposeSecret};
use scope_core::scopes;
use scope_tests::{App, AuthServer, Misbehaviour};

#[test]
fn a_sales_channel_gets_a_token_for_its_market() {
    for flavour in FLAVOURS {
        let server = server();
        let client = Client::new(flavour, &server);
        let scope = scopes!("market:code:europe stock_location:code:eu_warehouse");
        let credentials = Credentials::sales_channel("storefront", scope.clone()).unwrap();

        let before = Instant::now();
        let token = client.request_token(&credentials).unwrap();
        let after = Instant::now();

        assert_eq!(
            token.scope(),
            "market:code:europe stock_location:code:eu_warehouse",
            "{flavour:?}"
        );
        assert_eq!(token.scopes(), Some(&scope), "{flavour:?}");
        assert_eq!(token.token_type(), "bearer");
        assert_eq!(token.expires_in(), Duration::from_secs(14_400));
        assert!(
            (token.created_at() - unix_now()).abs() <= 2,
            "{flavour:?}: created_at {}",
            token.created_at()
        );
        assert!(
            token.expires_at() >= before + Duration::from_secs(14_400),
            "{flavour:?}"
        );
        assert!(
            token.expires_at() <= after + Duration::from_secs(14_400),
            "{flavour:?}"
        );
        assert!(
            token
                .access_token()
                .expose_secret()
                .starts_with(scope_tests::jwt::TOKEN_PREFIX),
            "{flavour:?}"
        );
        assert_eq!(server.token_requests(), 1);
        assert_eq!(server.tokens_issued(), 1);
    }
}

#[test]
fn a_sales_channel_request_is_exactly_the_documented_one() {
    for flavour in FLAVOURS {
        let server = server();
        Client::new(flavour, &server)
            .request_token(&storefront())
            .unwrap();

        let request = server.last_token_request().unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(request.path(), "/oauth/token");
        assert_eq!(
            request.header("content-type"),
            Some("application/json"),
            "{flavour:?}"
        );
        assert_eq!(
            request.header("accept"),
            Some("application/json"),
            "{flavour:?}"
        );
        let body = request.json().unwrap();
        assert_eq!(body.as_object().unwrap().len(), 3, "{flavour:?}: {body}");
        assert_eq!(body["grant_type"], "client_credentials");
        assert_eq!(body["client_id"], "storefront");
        assert_eq!(body["scope"], "market:code:europe");
        assert!(
            body.get("client_secret").is_none(),
            "a sales channel sends no secret"
        );
    }
}

#[test]
fn an_integration_without_scope_sends_its_secret_and_gets_all_markets() {
    for flavour in FLAVOURS {
        let server = server();
        let token = Client::new(flavour, &server)
            .request_token(&integration())
            .unwrap();
        assert_eq!(token.scope(), "market:all", "{flavour:?}");
        assert_eq!(token.scopes(), Some(&scopes!("market:all")));
        assert_eq!(token.expires_in(), Duration::from_secs(7_200));

        let body = server.last_token_request().unwrap().json().unwrap();
        assert_eq!(body["client_secret"], INTEGRATION_SECRET, "{flavour:?}");
        assert!(
            body.get("scope").is_none(),
            "{flavour:?}: no scope sent when none is set: {body}"
        );
        assert_eq!(body.as_object().unwrap().len(), 3);
    }
}

#[test]
fn an_integration_with_a_scope_gets_that_scope() {
    for flavour in FLAVOURS {
        let server = server();
        let credentials = Credentials::integration(
            "backend",
            INTEGRATION_SECRET,
            Some(scopes!("market:id:xYZkjABcde")),
        );
        let token = Client::new(flavour, &server)
            .request_token(&credentials)
            .unwrap();
        assert_eq!(token.scope(), "market:id:xYZkjABcde", "{flavour:?}");
        assert_eq!(
            server.last_token_request().unwrap().json().unwrap()["scope"],
            "market:id:xYZkjABcde"
        );
    }
}

#[test]
fn the_lifetime_is_the_applications() {
    for flavour in FLAVOURS {
        let server = AuthServer::start();
        server.register(App::sales_channel("short").expires_in(60));
        let credentials =
            Credentials::sales_channel("short", scopes!("store:code:outlet_ny")).unwrap();
        let token = Client::new(flavour, &server)
            .request_token(&credentials)
            .unwrap();
        assert_eq!(token.expires_in(), Duration::from_secs(60), "{flavour:?}");
        assert!(token.remaining() <= Duration::from_secs(60));
        assert!(!token.is_expired());
    }
}

#[test]
fn token_type_is_accepted_in_any_case_and_unknown_fields_are_ignored() {
    for flavour in FLAVOURS {
        for token_type in ["Bearer", "BEARER", "bearer"] {
            let server = server();
            server.misbehave(Misbehaviour::Answer {
                status: 200,
                content_type: Some("application/json".into()),
                body: format!(
                    r#"{{"access_token":"abc.def.ghi","token_type":"{token_type}","expires_in":"7200",
                        "scope":"market:1234","created_at":1732800000,"refresh_token":null,"extra":{{"a":[1,2]}}}}"#
                ),
            });
            let token = Client::new(flavour, &server)
                .request_token(&integration())
                .unwrap();
            assert_eq!(token.token_type(), token_type, "{flavour:?}");
            assert_eq!(
                token.expires_in(),
                Duration::from_secs(7200),
                "expires_in sent as a string"
            );
            assert_eq!(
                token.scope(),
                "market:1234",
                "the granted text is kept as sent"
            );
            assert_eq!(
                token.scopes(),
                None,
                "a form the grammar rejects does not parse"
            );
            assert_eq!(token.created_at(), 1_732_800_000);
        }
    }
}

#[test]
fn extra_headers_reach_the_server() {
    for flavour in FLAVOURS {
        let server = server();
        let setup = Setup {
            headers: vec![("x-enterprise-key", "enterprise-value")],
            ..Setup::default()
        };
        Client::with(flavour, &server, &setup)
            .request_token(&integration())
            .unwrap();
        let request = server.last_token_request().unwrap();
        assert_eq!(
            request.header("x-enterprise-key"),
            Some("enterprise-value"),
            "{flavour:?}"
        );
    }
}

#[test]
fn headers_the_client_sets_itself_cannot_be_replaced() {
    let err = AuthClient::builder()
        .header("Content-Type", "text/plain")
        .build()
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidConfig(_)));
    assert!(err.to_string().contains("content-type"), "{err}");
    let err = AuthClient::builder()
        .header("x-key", "value-1234\nmore")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("x-key"), "{err}");
    assert!(
        !err.to_string().contains("value-1234"),
        "the value is never repeated: {err}"
    );
}

#[test]
fn the_domain_option_builds_the_auth_url() {
    let client = AuthClient::builder()
        .domain("commercelayer.co")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://auth.commercelayer.co");
    assert_eq!(
        AuthClient::new().base_url(),
        "https://auth.commercelayer.io"
    );
    for bad in [
        "",
        "https://commercelayer.co",
        "commercelayer.co/path",
        "a..b",
    ] {
        let err = AuthClient::builder().domain(bad).build().unwrap_err();
        assert!(matches!(err, AuthError::InvalidConfig(_)), "{bad:?}");
    }
}

#[tokio::test]
async fn clones_of_one_async_client_share_it_across_tasks() {
    let server = server();
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.request_token(&storefront()).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().scope(), "market:code:europe");
    }
    assert_eq!(server.token_requests(), 20);
}

#[tokio::test(start_paused = true)]
async fn expiry_follows_tokio_time() {
    let token = scope_core::auth::Token::new("abc", Duration::from_secs(60), "market:all", 0);
    assert!(!token.is_expired());
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(token.is_expired());
}

#[test]
fn a_shared_http_client_is_used() {
    let server = server();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("shared-pool/1.0")
        .build()
        .unwrap();
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .http_client(http)
        .build()
        .unwrap();
    let runtime = runtime();
    runtime
        .block_on(client.request_token(&storefront()))
        .unwrap();
    assert_eq!(
        server.last_token_request().unwrap().header("user-agent"),
        Some("shared-pool/1.0")
    );
}
