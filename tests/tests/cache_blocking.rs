//! `blocking::TokenSource` end to end against the stand-in auth server: the same
//! rules as the async source, for threads.

use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant};

use scope_core::auth::{
    AuthError, Credentials, ExposeSecret, Token,
    blocking::{AuthClient, TokenSource as BlockingTokenSource},
};
use scope_tests::{App, AuthServer, Misbehaviour};

fn source(server: &AuthServer) -> BlockingTokenSource {
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    BlockingTokenSource::builder(client, Credentials::integration("backend", "s3cret", None))
        .backoff(Duration::from_millis(100), Duration::from_millis(400))
        .build()
        .unwrap()
}

fn server_with(app: App) -> AuthServer {
    let server = AuthServer::start();
    server.register(app);
    server
}

fn secret(token: &Token) -> String {
    token.access_token().expose_secret().to_owned()
}

/// 64 threads call `token()` at once; returns the distinct tokens they got.
fn stampede(tokens: &BlockingTokenSource) -> HashSet<String> {
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let tokens = tokens.clone();
            thread::spawn(move || secret(&tokens.token().unwrap()))
        })
        .collect();
    threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect()
}

#[test]
fn many_threads_on_an_empty_cache_make_one_request() {
    let server = server_with(App::integration("backend", "s3cret"));
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(300)));
    let tokens = source(&server);
    assert_eq!(stampede(&tokens).len(), 1);
    assert_eq!(server.token_requests(), 1);
}

#[test]
fn renewal_runs_in_the_background_while_the_valid_token_is_served() {
    let server = server_with(App::integration("backend", "s3cret").expires_in(4));
    let tokens = source(&server);
    let first = secret(&tokens.token().unwrap());
    thread::sleep(Duration::from_millis(2100));
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(1500)));
    let started = Instant::now();
    assert_eq!(stampede(&tokens), HashSet::from([first.clone()]));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    thread::sleep(Duration::from_millis(1700).saturating_sub(started.elapsed()));
    assert_ne!(secret(&tokens.token().unwrap()), first);
    assert_eq!(server.token_requests(), 2);
}

#[test]
fn a_server_down_at_start_yields_errors_then_recovers_and_429_is_honoured() {
    let server = server_with(App::integration("backend", "s3cret"));
    server.misbehave(Misbehaviour::ServerErrorHtml);
    let tokens = source(&server);
    assert_eq!(tokens.token().unwrap_err().auth_error().status(), Some(500));
    assert!(tokens.token().is_err());
    assert_eq!(server.token_requests(), 1, "no request during the backoff");

    server.behave();
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("1".into()),
    });
    thread::sleep(Duration::from_millis(150));
    let started = Instant::now();
    let err = tokens.token().unwrap_err();
    assert!(
        matches!(err.auth_error(), AuthError::RateLimited { .. }),
        "{err:?}"
    );
    while started.elapsed() < Duration::from_millis(900) {
        assert!(tokens.token().is_err());
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.token_requests(), 2);
    thread::sleep(Duration::from_millis(1050).saturating_sub(started.elapsed()));
    assert!(!tokens.token().unwrap().is_expired());
    assert_eq!(server.token_requests(), 3);
}

#[test]
fn a_failing_renewal_keeps_serving_the_valid_token() {
    let server = server_with(App::integration("backend", "s3cret").expires_in(2));
    let tokens = source(&server);
    let sent = Instant::now();
    let first = secret(&tokens.token().unwrap());
    server.misbehave(Misbehaviour::ServerErrorHtml);
    thread::sleep(Duration::from_millis(1100));
    while sent.elapsed() < Duration::from_millis(1800) {
        assert_eq!(secret(&tokens.token().unwrap()), first);
        thread::sleep(Duration::from_millis(10));
    }
    assert!(server.token_requests() >= 2);
    thread::sleep(Duration::from_millis(2100).saturating_sub(sent.elapsed()));
    loop {
        match tokens.token() {
            Ok(token) => {
                assert!(!token.is_expired(), "an expired token was returned");
                thread::sleep(Duration::from_millis(10));
            }
            Err(err) => break assert_eq!(err.auth_error().status(), Some(500)),
        }
    }
    tokens.invalidate().unwrap();
}
