//! End to end against the stand-in: every way a token request can fail, async
//! and blocking.

mod auth_common;

use std::time::{Duration, Instant, SystemTime};

use auth_common::{Client, FLAVOURS, Setup, integration, runtime, server, storefront};
use reqwest::blocking::{Body, Response};
use scope_core::auth::{AuthClient, AuthError, Credentials, RequestKind, blocking};
use scope_core::{ErrorKind, ScopeSet, scopes};
use scope_tests::{AuthServer, ErrorShape, Misbehaviour};

#[test]
fn a_wrong_secret_is_rejected_as_unauthorized() {
    for flavour in FLAVOURS {
        let server = server();
        let err = Client::new(flavour, &server)
            .request_token(&Credentials::integration("backend", "wrong-secret", None))
            .unwrap_err();
        let AuthError::Rejected {
            request: RequestKind::Token,
            status,
            errors,
        } = &err
        else {
            panic!("{flavour:?}: {err:?}")
        };
        assert_eq!(status, &401);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].title, "invalid_client");
        assert_eq!(errors[0].code.as_deref(), Some("UNAUTHORIZED"));
        assert_eq!(errors[0].status, Some(401));
        assert!(
            errors[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("Client authentication failed")
        );
        assert!(err.is_unauthorized());
        assert!(!err.is_retryable());
        assert_eq!(err.status(), Some(401));
        let text = err.to_string();
        assert!(
            text.contains("HTTP 401") && text.contains("invalid_client"),
            "{text}"
        );
        assert!(
            text.contains("check the client id"),
            "the message says how to fix it: {text}"
        );
    }
}

#[test]
fn an_unknown_client_is_rejected() {
    for flavour in FLAVOURS {
        let server = server();
        let unknown = Credentials::sales_channel("nobody", scopes!("market:code:europe")).unwrap();
        let err = Client::new(flavour, &server)
            .request_token(&unknown)
            .unwrap_err();
        assert!(err.is_unauthorized(), "{flavour:?}: {err:?}");
    }
}

#[test]
fn a_secret_sent_for_a_sales_channel_is_refused_by_the_stand_in() {
    // The typed credentials cannot do this; a hand-made request shows the rule.
    let server = server();
    let response = post_json(
        &server,
        r#"{"grant_type":"client_credentials","client_id":"storefront","client_secret":"x","scope":"market:code:europe"}"#,
    );
    assert_eq!(response.status(), 401);
    assert!(response.text().unwrap().contains("send no client_secret"));
}

#[test]
fn the_stand_in_refuses_bad_and_duplicate_scope_text() {
    let server = server();
    for (scope, expected) in [
        ("market:code:europe market:code:europe", "invalid_scope"),
        ("markets:code:europe", "invalid_scope"),
        ("market:all", "sales channels require a market"),
    ] {
        let body = serde_json::json!({"grant_type": "client_credentials", "client_id": "storefront", "scope": scope});
        let response = post_json(&server, body.to_string());
        assert_eq!(response.status(), 400, "{scope}");
        assert!(response.text().unwrap().contains(expected), "{scope}");
    }
}

#[test]
fn every_error_shape_is_understood() {
    for flavour in FLAVOURS {
        for shape in [
            ErrorShape::Array,
            ErrorShape::Object,
            ErrorShape::ArrayStringStatus,
            ErrorShape::OAuth,
        ] {
            let server = server();
            server.error_shape(shape);
            let err = Client::new(flavour, &server)
                .request_token(&Credentials::integration("backend", "wrong", None))
                .unwrap_err();
            let AuthError::Rejected {
                request: RequestKind::Token,
                status: 401,
                errors,
            } = &err
            else {
                panic!("{flavour:?} {shape:?}: {err:?}")
            };
            assert_eq!(errors.len(), 1, "{flavour:?} {shape:?}");
            assert_eq!(errors[0].title, "invalid_client", "{flavour:?} {shape:?}");
            assert!(errors[0].detail.is_some(), "{flavour:?} {shape:?}");
            let expected_status = if shape == ErrorShape::OAuth {
                None
            } else {
                Some(401)
            };
            assert_eq!(
                errors[0].status, expected_status,
                "{flavour:?} {shape:?}: a number or a string"
            );
        }
    }
}

#[test]
fn every_entry_of_an_errors_array_is_kept() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::Answer {
            status: 400,
            content_type: Some("application/json".into()),
            body: r#"{"errors":[{"title":"invalid_scope","detail":"market europe is disabled","code":"BAD_REQUEST","status":"400"},{"title":"second","status":400}]}"#.into(),
        });
        let err = Client::new(flavour, &server)
            .request_token(&storefront())
            .unwrap_err();
        let AuthError::Rejected {
            request: RequestKind::Token,
            status: 400,
            errors,
        } = &err
        else {
            panic!("{flavour:?}: {err:?}")
        };
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].detail.as_deref(),
            Some("market europe is disabled")
        );
        assert_eq!(errors[1].title, "second");
        assert!(err.to_string().contains("check the scope"), "{err}");
    }
}

#[test]
fn rate_limited_with_retry_after_in_seconds() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave_once(Misbehaviour::RateLimited {
            retry_after: Some("30".into()),
        });
        let client = Client::new(flavour, &server);
        let err = client.request_token(&integration()).unwrap_err();
        let AuthError::RateLimited {
            request: RequestKind::Token,
            retry_after,
            errors,
        } = &err
        else {
            panic!("{flavour:?}: {err:?}")
        };
        assert_eq!(retry_after, &Some(Duration::from_secs(30)));
        assert_eq!(
            errors[0].title, "Too many requests",
            "the errors-object shape"
        );
        assert_eq!(errors[0].status, Some(429));
        assert_eq!(err.status(), Some(429));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
        assert!(err.is_retryable());
        assert!(err.to_string().contains("retry after 30 s"), "{err}");
        // The next request is answered by the rules again.
        client.request_token(&integration()).unwrap();
    }
}

#[test]
fn rate_limited_with_retry_after_as_a_date_or_absent() {
    for flavour in FLAVOURS {
        let server = server();
        let in_two_minutes = SystemTime::now() + Duration::from_secs(120);
        server.misbehave_once(Misbehaviour::RateLimited {
            retry_after: Some(httpdate::fmt_http_date(in_two_minutes)),
        });
        server.misbehave_once(Misbehaviour::RateLimited { retry_after: None });
        let client = Client::new(flavour, &server);

        let wait = client
            .request_token(&integration())
            .unwrap_err()
            .retry_after()
            .unwrap();
        assert!(
            wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
            "{flavour:?}: {wait:?}"
        );
        let err = client.request_token(&integration()).unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::RateLimited {
                    request: RequestKind::Token,
                    retry_after: None,
                    ..
                }
            ),
            "{flavour:?}: {err:?}"
        );
    }
}

#[test]
fn the_stand_ins_own_rate_limit_answers_429() {
    for flavour in FLAVOURS {
        let server = server();
        server.rate_limit(3, Duration::from_secs(60));
        let client = Client::new(flavour, &server);
        for _ in 0..3 {
            client.request_token(&storefront()).unwrap();
        }
        let err = client.request_token(&storefront()).unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::RateLimited {
                    request: RequestKind::Token,
                    retry_after: None,
                    ..
                }
            ),
            "{flavour:?}: {err:?}"
        );
    }
}

#[test]
fn a_500_with_an_html_page_is_a_server_error() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::ServerErrorHtml);
        let err = Client::new(flavour, &server)
            .request_token(&storefront())
            .unwrap_err();
        let AuthError::Server {
            request: RequestKind::Token,
            status: 500,
            errors,
            retry_after: None,
        } = &err
        else {
            panic!("{flavour:?}: {err:?}")
        };
        assert!(errors.is_empty());
        assert!(err.is_retryable());
        assert!(
            !err.to_string().contains('<'),
            "no HTML in the message: {err}"
        );
    }
}

#[test]
fn a_503_is_a_server_error() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::Answer {
            status: 503,
            content_type: None,
            body: String::new(),
        });
        let err = Client::new(flavour, &server)
            .request_token(&storefront())
            .unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::Server {
                    request: RequestKind::Token,
                    status: 503,
                    ..
                }
            ),
            "{flavour:?}: {err:?}"
        );
    }
}

#[test]
fn a_503_with_retry_after_says_when_to_retry() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave_once(Misbehaviour::Unavailable {
            retry_after: Some("120".into()),
        });
        let client = Client::new(flavour, &server);
        let err = client.request_token(&storefront()).unwrap_err();
        let AuthError::Server {
            request: RequestKind::Token,
            status: 503,
            retry_after,
            errors,
        } = &err
        else {
            panic!("{flavour:?}: {err:?}")
        };
        assert_eq!(retry_after, &Some(Duration::from_secs(120)));
        assert_eq!(errors[0].code.as_deref(), Some("SERVICE_UNAVAILABLE"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
        assert!(err.to_string().contains("retry after 120 s"), "{err}");
        client.request_token(&storefront()).unwrap();
    }
}

#[test]
fn a_403_is_rejected() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::Answer {
            status: 403,
            content_type: Some("application/json".into()),
            body: r#"{"errors":[{"title":"forbidden","code":"FORBIDDEN","status":403}]}"#.into(),
        });
        let err = Client::new(flavour, &server)
            .request_token(&storefront())
            .unwrap_err();
        assert!(
            matches!(
                err,
                AuthError::Rejected {
                    request: RequestKind::Token,
                    status: 403,
                    ..
                }
            ),
            "{flavour:?}: {err:?}"
        );
        assert!(!err.is_unauthorized());
    }
}

#[test]
fn truncated_json_is_a_decode_error() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::TruncatedJson);
        let err = Client::new(flavour, &server)
            .request_token(&integration())
            .unwrap_err();
        let AuthError::Decode(decode) = &err else {
            panic!("{flavour:?}: {err:?}")
        };
        assert_eq!(decode.status(), 200);
        assert_eq!(decode.content_type(), Some("application/json"));
        let text = err.to_string();
        assert!(text.contains("truncated"), "{text}");
        assert!(
            !text.contains(scope_tests::jwt::TOKEN_PREFIX),
            "no byte of the body: {text}"
        );
    }
}

#[test]
fn bodies_that_are_not_token_responses_are_decode_errors() {
    let cases = [
        ("", "empty"),
        ("<html>ok</html>", "not JSON"),
        ("[1,2,3]", "wrong shape"),
        (
            r#"{"token_type":"bearer","expires_in":7200}"#,
            "no `access_token`",
        ),
        (r#"{"access_token":"","expires_in":7200}"#, "empty"),
        (
            r#"{"access_token":"a b","expires_in":7200}"#,
            "cannot be sent",
        ),
        (
            r#"{"access_token":"abc","token_type":"mac","expires_in":7200}"#,
            "is not `bearer`",
        ),
        (
            r#"{"access_token":"abc","token_type":"bearer"}"#,
            "no `expires_in`",
        ),
        (r#"{"access_token":"abc","expires_in":-5}"#, "negative"),
        (
            r#"{"access_token":"abc","expires_in":9223372036854775807}"#,
            "too large",
        ),
        (
            r#"{"access_token":"abc","expires_in":18446744073709551615}"#,
            "wrong shape",
        ),
        (r#"{"access_token":"abc","expires_in":[1]}"#, "wrong shape"),
    ];
    for flavour in FLAVOURS {
        for (body, expected) in cases {
            let server = server();
            server.misbehave(Misbehaviour::Answer {
                status: 200,
                content_type: Some("application/json".into()),
                body: body.into(),
            });
            let err = Client::new(flavour, &server)
                .request_token(&integration())
                .unwrap_err();
            assert!(
                matches!(err, AuthError::Decode(_)),
                "{flavour:?} {body}: {err:?}"
            );
            assert!(
                err.to_string().contains(expected),
                "{flavour:?} {body}: {err}"
            );
        }
    }
}

#[test]
fn redirects_are_never_followed() {
    for flavour in FLAVOURS {
        for status in [301, 302, 303, 307, 308] {
            let server = server();
            server.misbehave(Misbehaviour::Redirect(status));
            let err = Client::new(flavour, &server)
                .request_token(&integration())
                .unwrap_err();
            let AuthError::Redirected {
                request: RequestKind::Token,
                status: got,
                location,
            } = &err
            else {
                panic!("{flavour:?}: {err:?}")
            };
            assert_eq!(got, &status);
            assert!(
                location
                    .as_deref()
                    .unwrap()
                    .ends_with("/redirected/oauth/token")
            );
            assert_eq!(
                server.requests_to("/redirected/oauth/token"),
                0,
                "{flavour:?} {status}"
            );
            assert!(err.to_string().contains("not followed"), "{err}");
        }
    }
}

#[test]
fn the_redirect_trap_catches_a_client_that_follows() {
    // Proves the check above can fail: reqwest's default policy follows a 307
    // and re-posts the body, secret included.
    let server = server();
    server.misbehave(Misbehaviour::Redirect(307));
    let response = post_json(&server, r#"{"client_secret":"x"}"#);
    assert_eq!(response.status(), 421);
    assert_eq!(server.requests_to("/redirected/oauth/token"), 1);
    let followed = server.requests().into_iter().last().unwrap();
    assert_eq!(followed.body(), br#"{"client_secret":"x"}"#);
}

#[test]
fn a_shared_client_that_follows_redirects_is_caught() {
    let server = server();
    server.misbehave(Misbehaviour::Redirect(307));
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let runtime = runtime();
    let err = runtime
        .block_on(client.request_token(&integration()))
        .unwrap_err();
    assert!(err.to_string().contains("Policy::none()"), "{err}");
}

#[test]
fn a_slow_server_times_out() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::Slow(Duration::from_secs(5)));
        let setup = Setup {
            timeout: Some(Duration::from_millis(300)),
            ..Setup::default()
        };
        let client = Client::with(flavour, &server, &setup);
        let started = Instant::now();
        let err = client.request_token(&storefront()).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{flavour:?}: {:?}",
            started.elapsed()
        );
        assert!(
            matches!(err, AuthError::Timeout { request: RequestKind::Token, after } if after == Duration::from_millis(300)),
            "{flavour:?}: {err:?}"
        );
        assert!(err.is_retryable());
        assert!(err.to_string().contains("timed out after 300 ms"), "{err}");
    }
}

/// A server that sends its head at once and then one byte every 100 ms never
/// lets a per-read timeout run out: the total timeout must still end the
/// exchange, whoever built the client. The body takes over a minute to arrive,
/// so a client that waits for it gets a token instead of the timeout.
#[test]
fn a_body_trickling_in_is_cut_off_by_the_total_timeout() {
    for flavour in FLAVOURS {
        for announce_length in [true, false] {
            let server = server();
            server.misbehave(Misbehaviour::Trickle {
                gap: Duration::from_millis(100),
                announce_length,
            });
            let setup = Setup {
                timeout: Some(Duration::from_secs(1)),
                ..Setup::default()
            };
            let err = Client::with(flavour, &server, &setup)
                .request_token(&storefront())
                .unwrap_err();
            assert!(
                matches!(err, AuthError::Timeout { request: RequestKind::Token, after } if after == Duration::from_secs(1)),
                "{flavour:?}, announce_length {announce_length}: {err:?}"
            );
        }
    }
}

#[test]
fn a_slow_but_timely_server_is_fine() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(100)));
        let setup = Setup {
            timeout: Some(Duration::from_secs(5)),
            ..Setup::default()
        };
        Client::with(flavour, &server, &setup)
            .request_token(&storefront())
            .unwrap();
    }
}

#[test]
fn oversized_bodies_are_refused_announced_or_not() {
    for flavour in FLAVOURS {
        for announce_length in [true, false] {
            let server = server();
            server.misbehave(Misbehaviour::Oversized {
                bytes: 1 << 20,
                announce_length,
            });
            let err = Client::new(flavour, &server)
                .request_token(&integration())
                .unwrap_err();
            assert!(
                matches!(err, AuthError::Decode(_)),
                "{flavour:?} {announce_length}: {err:?}"
            );
            assert!(
                err.to_string().contains("larger than the 65536-byte limit"),
                "{err}"
            );
        }
    }
}

#[test]
fn the_response_limit_is_a_choice() {
    for flavour in FLAVOURS {
        let server = server();
        server.misbehave(Misbehaviour::Oversized {
            bytes: 10_000,
            announce_length: false,
        });
        // Under the default limit: the padding is an unknown field, ignored.
        assert!(
            Client::new(flavour, &server)
                .request_token(&integration())
                .is_ok()
        );
        let setup = Setup {
            max_response_bytes: Some(4096),
            ..Setup::default()
        };
        let err = Client::with(flavour, &server, &setup)
            .request_token(&integration())
            .unwrap_err();
        assert!(
            err.to_string().contains("4096-byte limit"),
            "{flavour:?}: {err}"
        );
    }
}

#[test]
fn an_unreachable_server_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let runtime = runtime();
    let client = AuthClient::builder().base_url(&base).build().unwrap();
    let async_err = runtime
        .block_on(client.request_token(&storefront()))
        .unwrap_err();
    let client = blocking::AuthClient::builder()
        .base_url(&base)
        .build()
        .unwrap();
    let blocking_err = client.request_token(&storefront()).unwrap_err();
    for err in [async_err, blocking_err] {
        assert!(matches!(err, AuthError::Transport(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("the token request could not reach the auth server"),
            "{err}"
        );
        assert!(err.is_retryable());
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    for url in [
        "http://auth.commercelayer.io",
        "http://10.0.0.1:8080",
        "http://127.example.com",
        "http://[::2]",
    ] {
        let err = AuthClient::builder().base_url(url).build().unwrap_err();
        assert!(matches!(err, AuthError::InvalidConfig(_)), "{url}");
        assert!(err.to_string().contains("plain http"), "{url}: {err}");
        let err = blocking::AuthClient::builder()
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{url}: {err}");
    }
    for url in [
        "http://127.0.0.1:1",
        "http://127.8.9.10",
        "http://localhost:8080",
        "http://LOCALHOST",
        "http://[::1]:80",
    ] {
        assert!(AuthClient::builder().base_url(url).build().is_ok(), "{url}");
    }
    for url in [
        "ftp://auth.commercelayer.io",
        "auth.commercelayer.io",
        "https://user:pw@auth.commercelayer.io",
        "https://auth.commercelayer.io/?x=1",
    ] {
        let err = AuthClient::builder().base_url(url).build().unwrap_err();
        assert!(matches!(err, AuthError::InvalidConfig(_)), "{url}");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}

#[test]
fn zero_timeouts_are_refused() {
    let err = AuthClient::builder()
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
    let err = AuthClient::builder()
        .connect_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
    let err = blocking::AuthClient::builder()
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
}

#[test]
fn a_sales_channel_without_a_market_never_reaches_the_network() {
    let server = server();
    // What a user would write: build the credentials, then ask for a token.
    let attempt = |client: &Client, client_id: &str, scope: &ScopeSet| {
        Credentials::sales_channel(client_id, scope.clone())
            .and_then(|credentials| client.request_token(&credentials))
            .unwrap_err()
    };
    for flavour in FLAVOURS {
        let client = Client::new(flavour, &server);
        for scope in [
            scopes!("market:all"),
            scopes!("stock_location:code:eu_warehouse"),
            scopes!("provisioning-api"),
        ] {
            let err = attempt(&client, "storefront", &scope);
            // The grammar's error is kept whole, as the source: its kind and span.
            let AuthError::InvalidScope(scope_err) = &err else {
                panic!("{flavour:?} {scope}: {err:?}");
            };
            assert!(
                matches!(
                    scope_err.kind(),
                    ErrorKind::SalesChannelWithoutMarket | ErrorKind::StockLocationWithoutMarket
                ),
                "{scope_err:?}"
            );
            let source = std::error::Error::source(&err).expect("the ScopeError as source");
            assert_eq!(source.to_string(), scope_err.to_string());
            assert!(
                err.to_string()
                    .contains("sales channels require a market in scope"),
                "{err}"
            );
        }
        let err = attempt(
            &client,
            "storefront",
            &scopes!("stock_location:code:eu_warehouse"),
        );
        assert!(
            err.to_string().contains("needs its market beside it"),
            "{err}"
        );
        let err = attempt(&client, "", &scopes!("market:code:europe"));
        assert!(
            matches!(err, AuthError::InvalidConfig(_)),
            "{flavour:?}: {err:?}"
        );
    }
    // No credentials, so no request was made.
    assert_eq!(server.token_requests(), 0);
}

/// A hand-made token request, `body` posted as JSON by a plain reqwest client
/// (which, unlike ours, follows redirects).
fn post_json(server: &AuthServer, body: impl Into<Body>) -> Response {
    reqwest::blocking::Client::new()
        .post(server.token_url())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap()
}
