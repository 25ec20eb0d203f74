//! `TokenSource` end to end against the stand-in auth server: one request
//! however many tasks ask, renewal ahead of expiry, resilience and backoff.
//! Real time, short-lived tokens (the stand-in grants lifetimes in seconds).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scope_core::auth::{
    AuthClient, AuthError, Credentials, ExposeSecret, MemoryStore, Token, TokenSource,
};
use scope_tests::{App, AuthServer, Misbehaviour};

const CALLERS: usize = 10_000;

fn server_with(app: App) -> AuthServer {
    let server = AuthServer::start();
    server.register(app);
    server
}

fn source(server: &AuthServer) -> TokenSource {
    TokenSource::builder(client(server), credentials())
        .backoff(Duration::from_millis(100), Duration::from_millis(400))
        .build()
        .unwrap()
}

fn client(server: &AuthServer) -> AuthClient {
    AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap()
}

fn credentials() -> Credentials {
    Credentials::integration("backend", "s3cret", None)
}

fn secret(token: &Token) -> String {
    token.access_token().expose_secret().to_owned()
}

/// `CALLERS` tasks call `token()` at once; returns the distinct tokens they got.
async fn stampede(source: &TokenSource) -> HashSet<String> {
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.token().await })
        })
        .collect();
    let mut seen = HashSet::new();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        assert!(!token.is_expired());
        seen.insert(secret(&token));
    }
    seen
}

/// A source whose server grants `lifetime_secs`-second tokens, and the secret
/// of its first token, taken `aged` ago.
async fn aged_token(lifetime_secs: u64, aged: Duration) -> (AuthServer, TokenSource, String) {
    let server = server_with(App::integration("backend", "s3cret").expires_in(lifetime_secs));
    let tokens = source(&server);
    let first = secret(&tokens.token().await.unwrap());
    tokio::time::sleep(aged).await;
    (server, tokens, first)
}

/// Waits up to a few seconds for the server to have seen `count` token requests.
async fn until_requests(server: &AuthServer, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.token_requests() < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.token_requests(), count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_callers_on_an_empty_cache_make_one_request() {
    let server = server_with(App::integration("backend", "s3cret"));
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(300)));
    let tokens = source(&server);
    let seen = stampede(&tokens).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(server.token_requests(), 1);
    // And later calls are served from the cache.
    for _ in 0..1000 {
        assert!(seen.contains(&secret(&tokens.token().await.unwrap())));
    }
    assert_eq!(server.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_callers_at_renewal_time_make_one_request_and_keep_the_valid_token() {
    // A 4 s token is renewed at half its life (the default margin is longer).
    let (server, tokens, first) = aged_token(4, Duration::from_millis(2100)).await;

    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(1500)));
    let started = Instant::now();
    let seen = stampede(&tokens).await;
    // Nobody waited for the renewal: everyone got the still-valid token.
    assert_eq!(seen, HashSet::from([first.clone()]));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    until_requests(&server, 2).await;
    // The renewal's answer takes 1.5 s (the stand-in counts the request on arrival).
    tokio::time::sleep(
        Duration::from_millis(1500).saturating_sub(started.elapsed()) + Duration::from_millis(200),
    )
    .await;
    let renewed = secret(&tokens.token().await.unwrap());
    assert_ne!(renewed, first);
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_callers_after_expiry_make_one_request() {
    let (server, tokens, first) = aged_token(1, Duration::from_millis(1100)).await;
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(300)));
    let seen = stampede(&tokens).await;
    assert_eq!(seen.len(), 1);
    assert!(!seen.contains(&first), "an expired token was returned");
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_renewal_keeps_serving_the_valid_token_until_it_expires() {
    let server = server_with(App::integration("backend", "s3cret").expires_in(3));
    let tokens = source(&server);
    let sent = Instant::now();
    let first = tokens.token().await.unwrap();
    server.misbehave(Misbehaviour::ServerErrorHtml);

    // From the renewal point (1.5 s) to just before expiry: the valid token,
    // every time, while renewals fail behind the scenes with backoff.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let mut calls = 0;
    while sent.elapsed() < Duration::from_millis(2800) {
        assert_eq!(secret(&tokens.token().await.unwrap()), secret(&first));
        calls += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let renewals = server.token_requests() - 1;
    // 1.2 s of waits of 50-100, 100-200, then 200-400 ms: 3 to 9 attempts, not one per call.
    assert!(
        (3..=9).contains(&renewals),
        "{renewals} renewals for {calls} calls"
    );

    // Expired, and the server still fails: now the error is returned.
    tokio::time::sleep(Duration::from_millis(3100).saturating_sub(sent.elapsed())).await;
    let err = loop {
        match tokens.token().await {
            Ok(token) => {
                assert!(!token.is_expired(), "an expired token was returned");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(err) => break err,
        }
    };
    assert!(
        matches!(err.auth_error(), AuthError::Server { status: 500, .. }),
        "{err:?}"
    );

    // The server recovers: after the backoff a new token comes.
    server.behave();
    tokio::time::sleep(Duration::from_millis(450)).await;
    let renewed = tokens.token().await.unwrap();
    assert_ne!(secret(&renewed), secret(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_at_start_yields_errors_then_recovers() {
    let server = server_with(App::integration("backend", "s3cret"));
    server.misbehave(Misbehaviour::ServerErrorHtml);
    let tokens = TokenSource::builder(client(&server), credentials())
        .backoff(Duration::from_millis(200), Duration::from_millis(200))
        .build()
        .unwrap();

    let err = tokens.token().await.unwrap_err();
    assert_eq!(err.auth_error().status(), Some(500));
    assert!(
        err.to_string().starts_with("no valid access token: "),
        "{err}"
    );
    // During the backoff the same error comes back at once, without a request.
    let again = tokens.token().await.unwrap_err();
    assert!(again.retry_in().unwrap() <= Duration::from_millis(200));
    assert_eq!(server.token_requests(), 1);

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(tokens.token().await.is_err());
    assert_eq!(server.token_requests(), 2);

    server.behave();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!tokens.token().await.unwrap().is_expired());
    assert_eq!(server.token_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_retry_after_is_honoured() {
    let server = server_with(App::integration("backend", "s3cret"));
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("1".into()),
    });
    let tokens = source(&server);
    let started = Instant::now();
    let err = tokens.token().await.unwrap_err();
    assert_eq!(err.auth_error().retry_after(), Some(Duration::from_secs(1)));
    assert!(
        err.retry_in().unwrap() > Duration::from_millis(800),
        "{err:?}"
    );

    // Well past the configured 100-400 ms backoff, the server hears nothing.
    while started.elapsed() < Duration::from_millis(900) {
        let again = tokens.token().await.unwrap_err();
        assert!(matches!(again.auth_error(), AuthError::RateLimited { .. }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.token_requests(), 1);

    tokio::time::sleep(Duration::from_millis(1050).saturating_sub(started.elapsed())).await;
    assert!(tokens.token().await.is_ok());
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_after_a_401_gets_a_new_token() {
    let server = server_with(App::integration("backend", "s3cret"));
    let tokens = source(&server);
    let first = tokens.token().await.unwrap();
    tokens.invalidate().await.unwrap();
    let second = tokens.token().await.unwrap();
    assert_ne!(secret(&first), secret(&second));
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_rejections_of_one_token_costs_one_renewal() {
    let server = server_with(App::integration("backend", "s3cret"));
    let tokens = source(&server);
    let old = tokens.token().await.unwrap();
    // A thousand requests to the Core API got 401 with the same token.
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (tokens, old) = (tokens.clone(), Arc::clone(&old));
            tokio::spawn(async move {
                tokens.invalidate_token(&old).await.unwrap();
                secret(&tokens.token().await.unwrap())
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for task in tasks {
        seen.insert(task.await.unwrap());
    }
    assert_eq!(seen.len(), 1);
    assert!(!seen.contains(&secret(&old)));
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_sharing_a_store_share_one_token() {
    let server = server_with(App::integration("backend", "s3cret"));
    let store = MemoryStore::new();
    let build = || {
        TokenSource::builder(client(&server), credentials())
            .store(store.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    let from_a = a.token().await.unwrap();
    let from_b = b.token().await.unwrap();
    assert_eq!(secret(&from_a), secret(&from_b));
    assert_eq!(server.token_requests(), 1);
    assert_eq!(store.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_debug_never_show_a_secret() {
    let server = server_with(App::integration("backend", "s3cret"));
    let tokens = source(&server);
    let token = tokens.token().await.unwrap();
    let text = format!("{tokens:?} {token:?}");
    assert!(
        !text.contains("s3cret") && !text.contains(&secret(&token)),
        "{text}"
    );

    let wrong = TokenSource::new(
        client(&server),
        Credentials::integration("backend", "wrong-s3cret", None),
    );
    let err = wrong.token().await.unwrap_err();
    assert!(err.auth_error().is_unauthorized());
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wrong-s3cret"), "{text}");
    let _shared: Arc<Token> = token;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_lifetime_costs_one_request_per_backoff_step_and_no_expired_token() {
    let server = server_with(App::integration("backend", "s3cret").expires_in(0));
    let tokens = TokenSource::builder(client(&server), credentials())
        .backoff(Duration::from_secs(10), Duration::from_secs(60))
        .build()
        .unwrap();
    // Ten calls 50 ms apart, well inside one backoff step: one request, and an
    // error each time, never a token that has already expired.
    for _ in 0..10 {
        match tokens.token().await {
            Ok(token) => panic!("a token with {:?} left", token.remaining()),
            Err(err) => assert!(err.to_string().contains("no lifetime left"), "{err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_renewal_drops_the_cached_and_stored_token() {
    let server = server_with(App::integration("backend", "s3cret").expires_in(4));
    let store = MemoryStore::new();
    let tokens = TokenSource::builder(client(&server), credentials())
        .backoff(Duration::from_millis(100), Duration::from_millis(400))
        .store(store.clone())
        .build()
        .unwrap();
    let first = secret(&tokens.token().await.unwrap());
    assert_eq!(store.len(), 1);
    // The secret is rotated on the server: renewals now get 401 invalid_client.
    server.register(App::integration("backend", "rotated").expires_in(4));

    // Past half its life the token is renewed in the background.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(secret(&tokens.token().await.unwrap()), first);
    until_requests(&server, 2).await;
    let err = loop {
        match tokens.token().await {
            Ok(token) => {
                assert_eq!(secret(&token), first);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(err) => break err,
        }
    };
    assert!(err.auth_error().is_unauthorized(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("refused the credentials") && text.contains("was dropped"),
        "{text}"
    );
    // Dropped from the store as well: no source sharing it is handed the token.
    assert!(store.is_empty());
    // And callers get the error, not the old token, until the next request.
    assert!(tokens.token().await.is_err());
}

/// What a service writes: `?` from the source's error into the client's.
async fn token_for_a_request(tokens: &TokenSource) -> Result<Arc<Token>, AuthError> {
    Ok(tokens.token().await?)
}

/// And into the catch-all error of a binary.
async fn token_in_main(tokens: &TokenSource) -> Result<Arc<Token>, Box<dyn std::error::Error>> {
    Ok(tokens.token().await?)
}

#[tokio::test]
async fn the_sources_error_goes_into_auth_error_and_box_dyn_error_with_question_mark() {
    let server = server_with(App::integration("backend", "s3cret"));
    let wrong = TokenSource::new(
        client(&server),
        Credentials::integration("backend", "wrong-s3cret", None),
    );

    let err = token_for_a_request(&wrong).await.unwrap_err();
    assert!(matches!(err, AuthError::NoToken(_)), "{err:?}");
    assert!(err.is_unauthorized(), "the failed request's status answers");
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_retryable());
    let source = std::error::Error::source(&err).expect("the source's error");
    assert!(
        source.to_string().starts_with("no valid access token"),
        "{source}"
    );
    assert!(!format!("{err} {err:?}").contains("wrong-s3cret"));

    let boxed = token_in_main(&wrong).await.unwrap_err();
    assert!(
        boxed.to_string().contains("refused the credentials"),
        "{boxed}"
    );
}
