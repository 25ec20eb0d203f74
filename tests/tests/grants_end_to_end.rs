//! End to end against the stand-in, async and blocking: the grants that act
//! for a person (`password`, `refresh_token`, `authorization_code`, JWT
//! bearer), their request bodies byte for byte, their answers, their refusals
//! in every error shape, and no secret of theirs in any printed text.

mod auth_common;

use auth_common::{Client, FLAVOURS, texts};
use scope_core::auth::{Assertion, AuthError, Credentials, ExposeSecret, Grant, Token};
use scope_core::scopes;
use scope_tests::{App, AuthServer, ErrorShape, Misbehaviour};
use serde_json::json;

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct \"horse\" battery ✓";
const WEBAPP_SECRET: &str = "webapp-secret-0123456789";
const REDIRECT: &str = "https://app.example.com/callback";

fn server() -> (AuthServer, String) {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.register(App::webapp("webapp", WEBAPP_SECRET));
    let customer = server.add_customer(EMAIL, PASSWORD);
    (server, customer)
}

fn storefront() -> Credentials {
    Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap()
}

fn webapp() -> Credentials {
    Credentials::webapp("webapp", WEBAPP_SECRET, None)
}

fn last_body(server: &AuthServer) -> String {
    String::from_utf8(server.last_token_request().unwrap().body().to_vec()).unwrap()
}

fn login(client: &Client) -> Token {
    client
        .request_token_with(&storefront(), &Grant::password(EMAIL, PASSWORD))
        .unwrap()
}

fn refresh_of(token: &Token) -> String {
    token.refresh_token().unwrap().expose_secret().to_owned()
}

#[test]
fn a_customer_logs_in_with_the_password_grant_and_the_body_is_as_the_spec_says() {
    for flavour in FLAVOURS {
        let (server, customer) = server();
        let client = Client::new(flavour, &server);
        let token = login(&client);

        assert_eq!(
            last_body(&server),
            r#"{"grant_type":"password","client_id":"storefront","username":"ada@example.com","password":"correct \"horse\" battery ✓","scope":"market:code:europe"}"#,
            "{flavour:?}"
        );
        assert_eq!(token.owner_id(), Some(customer.as_str()), "{flavour:?}");
        assert_eq!(token.owner_type(), Some("customer"));
        assert_eq!(token.scope(), "market:code:europe");
        assert!(refresh_of(&token).starts_with("standin-refresh"));
        let claims = scope_core::auth::decode_claims(token.access_token().expose_secret()).unwrap();
        let owner = claims.owner.unwrap();
        assert_eq!(owner.id.as_deref(), Some(customer.as_str()));
        assert_eq!(owner.owner_type.as_deref(), Some("Customer"));
    }
}

#[test]
fn a_refresh_rotates_the_refresh_token_and_the_old_one_is_refused() {
    for flavour in FLAVOURS {
        let (server, customer) = server();
        let client = Client::new(flavour, &server);
        let first = login(&client);
        let old = refresh_of(&first);

        let renewed = client
            .request_token_with(&storefront(), &Grant::refresh_token(old.clone()))
            .unwrap();
        assert_eq!(
            last_body(&server),
            format!(
                r#"{{"grant_type":"refresh_token","client_id":"storefront","refresh_token":"{old}","scope":"market:code:europe"}}"#
            ),
            "{flavour:?}"
        );
        let new = refresh_of(&renewed);
        assert_ne!(new, old, "{flavour:?}: the refresh token rotates");
        assert_eq!(renewed.owner_id(), Some(customer.as_str()));
        assert_ne!(
            renewed.access_token().expose_secret(),
            first.access_token().expose_secret()
        );

        let err = client
            .request_token_with(&storefront(), &Grant::refresh_token(old.clone()))
            .unwrap_err();
        assert!(
            matches!(err, AuthError::Rejected { status: 400, .. }),
            "{flavour:?}: {err}"
        );
        assert_eq!(err.api_errors()[0].title, "invalid_grant");
        // The rotated one still works, once.
        client
            .request_token_with(&storefront(), &Grant::refresh_token(new))
            .unwrap();
        assert_eq!(server.refreshes(), 2);
    }
}

#[test]
fn a_webapp_exchanges_a_code_once_and_an_expired_code_is_refused() {
    for flavour in FLAVOURS {
        let (server, _) = server();
        let client = Client::new(flavour, &server);
        let code = server.authorization_code("webapp", REDIRECT, "user-42");
        let grant = Grant::authorization_code(code.clone(), REDIRECT);

        let token = client.request_token_with(&webapp(), &grant).unwrap();
        assert_eq!(
            last_body(&server),
            format!(
                r#"{{"grant_type":"authorization_code","client_id":"webapp","client_secret":"{WEBAPP_SECRET}","code":"{code}","redirect_uri":"{REDIRECT}"}}"#
            ),
            "{flavour:?}"
        );
        assert_eq!(token.owner_id(), Some("user-42"));
        assert_eq!(token.owner_type(), Some("user"));
        assert!(token.refresh_token().is_some());

        let twice = client.request_token_with(&webapp(), &grant).unwrap_err();
        assert!(
            matches!(twice, AuthError::Rejected { status: 400, .. }),
            "{flavour:?}: a code works once: {twice}"
        );

        let late = server.authorization_code("webapp", REDIRECT, "user-42");
        server.expire_authorization_codes();
        let err = client
            .request_token_with(&webapp(), &Grant::authorization_code(late, REDIRECT))
            .unwrap_err();
        assert!(err.to_string().contains("expired"), "{flavour:?}: {err}");

        // The webapp's refresh sends its secret.
        client
            .request_token_with(
                &webapp(),
                &Grant::RefreshToken(token.refresh_token().unwrap().clone()),
            )
            .unwrap();
        let body = server.last_token_request().unwrap().json().unwrap();
        assert_eq!(body["client_secret"], WEBAPP_SECRET, "{flavour:?}");
    }
}

#[test]
fn a_jwt_bearer_assertion_names_the_customer_the_token_acts_for() {
    for flavour in FLAVOURS {
        let (server, _) = server();
        let client = Client::new(flavour, &server);
        let claims = json!({
            "https://commercelayer.io/claims": {"owner": {"type": "Customer", "id": "cust-7"}},
            "iat": 1_732_800_000,
        });
        let jwt = scope_tests::jwt::unsigned_token(&claims);
        let grant = Grant::JwtBearer(Assertion::from_jwt(jwt.clone()).unwrap());

        let token = client.request_token_with(&webapp(), &grant).unwrap();
        assert_eq!(
            last_body(&server),
            format!(
                r#"{{"grant_type":"urn:ietf:params:oauth:grant-type:jwt-bearer","client_id":"webapp","client_secret":"{WEBAPP_SECRET}","assertion":"{jwt}"}}"#
            ),
            "{flavour:?}"
        );
        assert_eq!(token.owner_id(), Some("cust-7"));
        assert_eq!(token.owner_type(), Some("customer"));

        let empty =
            scope_tests::jwt::unsigned_token(&json!({"https://commercelayer.io/claims": {}}));
        let err = client
            .request_token_with(
                &webapp(),
                &Grant::JwtBearer(Assertion::from_jwt(empty).unwrap()),
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("neither an owner"),
            "{flavour:?}: {err}"
        );
    }
}

#[test]
fn a_refused_grant_is_read_in_every_error_shape() {
    for flavour in FLAVOURS {
        for shape in [
            ErrorShape::Array,
            ErrorShape::Object,
            ErrorShape::ArrayStringStatus,
            ErrorShape::OAuth,
        ] {
            let (server, _) = server();
            server.error_shape(shape);
            let client = Client::new(flavour, &server);
            let err = client
                .request_token_with(&storefront(), &Grant::password(EMAIL, "wrong password"))
                .unwrap_err();
            assert!(
                matches!(err, AuthError::Rejected { status: 400, .. }),
                "{flavour:?} {shape:?}: {err}"
            );
            assert_eq!(
                err.api_errors()[0].title,
                "invalid_grant",
                "{flavour:?} {shape:?}"
            );
            assert!(!err.is_retryable());
        }
    }
}

#[test]
fn wrong_combinations_are_refused_before_anything_is_sent() {
    for flavour in FLAVOURS {
        let (server, _) = server();
        let client = Client::new(flavour, &server);
        let secretless_webapp = storefront();
        for (credentials, grant) in [
            (webapp(), Grant::password(EMAIL, PASSWORD)),
            (
                secretless_webapp,
                Grant::authorization_code("code", REDIRECT),
            ),
            (storefront(), Grant::refresh_token("")),
        ] {
            let err = client.request_token_with(&credentials, &grant).unwrap_err();
            assert!(
                matches!(err, AuthError::InvalidConfig(_)),
                "{flavour:?}: {err}"
            );
        }
        assert_eq!(server.token_requests(), 0, "{flavour:?}");
    }
}

#[test]
fn no_password_refresh_token_or_assertion_in_any_printed_text() {
    for flavour in FLAVOURS {
        let (server, _) = server();
        let client = Client::new(flavour, &server);
        let token = login(&client);
        let refresh = refresh_of(&token);
        let jwt = scope_tests::jwt::unsigned_token(
            &json!({"https://commercelayer.io/claims": {"owner": {"type": "Customer", "id": "c"}}}),
        );
        let secrets = [PASSWORD, refresh.as_str(), jwt.as_str()];
        let mut printed = vec![
            format!("{token:?}"),
            format!("{token:#?}"),
            format!("{:?}", Grant::password(EMAIL, PASSWORD)),
            format!("{:?}", Grant::refresh_token(refresh.clone())),
            format!("{:?}", Assertion::from_jwt(jwt.clone()).unwrap()),
        ];
        // A server that echoes the secret it was sent, as sent and JSON-escaped.
        let grants = [
            (storefront(), Grant::password(EMAIL, PASSWORD), PASSWORD),
            (
                storefront(),
                Grant::refresh_token(refresh.clone()),
                refresh.as_str(),
            ),
            (
                webapp(),
                Grant::JwtBearer(Assertion::from_jwt(jwt.clone()).unwrap()),
                jwt.as_str(),
            ),
        ];
        for (credentials, grant, secret) in &grants {
            let escaped = serde_json::to_string(secret).unwrap();
            server.misbehave_once(Misbehaviour::Answer {
                status: 400,
                content_type: Some("application/json".into()),
                body: json!({"errors": [{
                    "title": format!("invalid_grant {secret}"),
                    "detail": format!("you sent {escaped} and {secret}"),
                    "code": "BAD_REQUEST",
                    "status": 400,
                }]})
                .to_string(),
            });
            let err = client.request_token_with(credentials, grant).unwrap_err();
            assert!(
                matches!(err, AuthError::Rejected { .. }),
                "{flavour:?}: {err}"
            );
            printed.extend(texts(&err));
        }
        for text in &printed {
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "{flavour:?}: a secret is shown: {text}"
                );
            }
        }
    }
}

#[test]
fn per_request_headers_reach_the_server_beside_the_client_wide_ones() {
    for flavour in FLAVOURS {
        let (server, _) = server();
        let setup = auth_common::Setup {
            headers: vec![("x-backend-auth", "backend-key-123")],
            ..Default::default()
        };
        let client = Client::with(flavour, &server, &setup);
        let for_shopper = client.with_header("x-true-client-ip", "203.0.113.7");
        for_shopper
            .request_token_with(&storefront(), &Grant::password(EMAIL, PASSWORD))
            .unwrap();
        let seen = server.last_token_request().unwrap();
        assert_eq!(
            seen.header("x-backend-auth"),
            Some("backend-key-123"),
            "{flavour:?}"
        );
        assert_eq!(
            seen.header("x-true-client-ip"),
            Some("203.0.113.7"),
            "{flavour:?}"
        );
        assert!(!format!("{:?}", for_shopper.debug()).contains("203.0.113.7"));

        // The client it came from sends only its own headers.
        client.request_token(&storefront()).unwrap();
        let seen = server.last_token_request().unwrap();
        assert_eq!(seen.header("x-true-client-ip"), None, "{flavour:?}");
        assert!(
            client
                .try_with_header("content-type", "text/plain")
                .is_err()
        );
    }
}

#[test]
fn claims_tell_whom_a_token_acts_for_and_where_the_other_apis_are() {
    let (server, _) = server();
    let client = Client::new(auth_common::Flavour::Async, &server);
    let customer = login(&client);
    let app = client.request_token(&storefront()).unwrap();
    use scope_core::auth::ActsFor;
    assert_eq!(customer.claims().unwrap().acts_for(), ActsFor::Customer);
    assert_eq!(app.claims().unwrap().acts_for(), ActsFor::Application);
    // The stand-in's issuer is http://127.0.0.1:…, not https://auth.{domain}:
    // the production domain applies, as for the Core API URL.
    assert_eq!(
        customer.provisioning_api_base_url().unwrap(),
        "https://provisioning.commercelayer.io"
    );
    assert_eq!(
        customer.metrics_api_base_url().unwrap(),
        "https://metrics.commercelayer.io"
    );
}

#[test]
fn a_built_assertion_is_accepted_and_names_its_owner() {
    use scope_core::auth::OwnerType;
    for flavour in FLAVOURS {
        let (server, _) = server();
        let client = Client::new(flavour, &server);
        let assertion = Assertion::builder()
            .owner(OwnerType::User, "user-9")
            .custom_claim("tier", "gold")
            .build()
            .unwrap();
        let token = client
            .request_token_with(&webapp(), &Grant::JwtBearer(assertion))
            .unwrap();
        assert_eq!(token.owner_id(), Some("user-9"), "{flavour:?}");
        assert_eq!(token.owner_type(), Some("user"));
    }
}

#[test]
fn the_authorize_url_and_its_code_exchange_go_together() {
    use scope_core::auth::AuthorizeRequest;
    let (server, _) = server();
    let client = Client::new(auth_common::Flavour::Blocking, &server);
    let request = AuthorizeRequest::builder("webapp", REDIRECT)
        .build()
        .unwrap();
    let url = request.url();
    assert!(url.contains("client_id=webapp&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&response_type=code&state="), "{url}");
    // The dashboard redirects back with a code and the state, which the app checks.
    let returned_state = url.rsplit_once("state=").unwrap().1;
    assert!(request.state_matches(returned_state));
    let code = server.authorization_code("webapp", REDIRECT, "user-1");
    let token = client
        .request_token_with(&webapp(), &Grant::authorization_code(code, REDIRECT))
        .unwrap();
    assert_eq!(token.owner_type(), Some("user"));
}
