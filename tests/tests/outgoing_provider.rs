//! The `TokenProvider` trait at work: a test's fake behind
//! `Arc<dyn TokenProvider>` in both the middleware and the tower layer, a
//! provider's failure reaching the caller with its cause, a customer's session
//! renewed once by its refresh token after a 401, the blocking twin over the
//! blocking token source, and the header pair's `Debug`.

mod outgoing_common;

use std::error::Error as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use outgoing_common::{World, bearer};
use reqwest_middleware::ClientBuilder;
use scope_core::auth::outgoing::{BearerLayer, BearerMiddleware};
use scope_core::auth::{
    AuthClient, BlockingTokenProvider, Credentials, CustomerSessions, ExposeSecret, Grant,
    MemoryStore, ProviderError, ProviderFuture, Token, TokenProvider, blocking,
};
use scope_core::scopes;
use scope_tests::{AuthServer, CoreApi};
use tower::Layer;

/// Serves `fake-1` until it is refused, then `fake-2`; counts what it heard.
struct Fake {
    current: Mutex<Arc<Token>>,
    invalidations: AtomicUsize,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            current: Mutex::new(Arc::new(token("fake-1"))),
            invalidations: AtomicUsize::new(0),
        }
    }
}

fn token(text: &str) -> Token {
    Token::new(text, Duration::from_secs(3600), "market:all", 0)
}

impl TokenProvider for Fake {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        let token = Arc::clone(&self.current.lock().unwrap());
        Box::pin(async move { Ok(token) })
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        self.invalidations.fetch_add(1, Ordering::Relaxed);
        let mut current = self.current.lock().unwrap();
        if current.same_access_token(rejected) {
            *current = Arc::new(token("fake-2"));
        }
        Box::pin(async { Ok(()) })
    }
}

/// Has no token to give.
struct Broken;

impl TokenProvider for Broken {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        Box::pin(async { Err(ProviderError::other("the test vault is sealed")) })
    }

    fn invalidate_token<'a>(&'a self, _rejected: &'a Token) -> ProviderFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_fake_provider_behind_a_dyn_pointer_drives_the_middleware_and_the_layer() {
    let core_api = CoreApi::start();
    let origin = scope_core::auth::outgoing::Origin::new(&core_api.base_url()).unwrap();
    let url = format!("{}/api/skus", core_api.base_url());

    let fake = Arc::new(Fake::new());
    let provider: Arc<dyn TokenProvider> = fake.clone();
    core_api.refuse_first_tokens(1);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(Arc::clone(&provider), origin.clone()))
        .build();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(
        core_api.authorizations(),
        [
            Some("Bearer fake-1".to_owned()),
            Some("Bearer fake-2".to_owned())
        ]
    );
    assert_eq!(fake.invalidations.load(Ordering::Relaxed), 1);

    let fake = Arc::new(Fake::new());
    let provider: Arc<dyn TokenProvider> = fake.clone();
    core_api.refuse_first_tokens(0); // fake-1 is refused already: it stays refused
    let http: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let service = BearerLayer::new(provider, origin).layer(http);
    let request = http::Request::get(&url).body(Full::default()).unwrap();
    assert_eq!(service.oneshot(request).await.unwrap().status(), 200);
    assert_eq!(
        core_api.authorizations()[2..],
        [
            Some("Bearer fake-1".to_owned()),
            Some("Bearer fake-2".to_owned())
        ]
    );
    assert_eq!(fake.invalidations.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_provider_that_gives_no_token_fails_the_request_with_its_cause() {
    let core_api = CoreApi::start();
    let origin = scope_core::auth::outgoing::Origin::new(&core_api.base_url()).unwrap();
    let url = format!("{}/api/skus", core_api.base_url());

    let client = ClientBuilder::new(reqwest::Client::new())
        .with(BearerMiddleware::new(Broken, origin.clone()))
        .build();
    let err = client.get(&url).send().await.unwrap_err();
    assert!(err.is_middleware());
    assert!(
        err.to_string().contains("the test vault is sealed"),
        "{err}"
    );

    let http: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let service = BearerLayer::new(Broken, origin).layer(http);
    let request = http::Request::get(&url).body(Full::default()).unwrap();
    let err = service.oneshot(request).await.unwrap_err();
    let err = err
        .downcast_ref::<ProviderError>()
        .expect("the provider's error");
    assert!(matches!(err, ProviderError::Other(_)));
    assert!(err.source().unwrap().to_string().contains("sealed"));
    assert!(
        core_api.requests().is_empty(),
        "nothing was sent without a token"
    );
}

#[tokio::test]
async fn a_token_source_error_keeps_its_cause_through_the_provider() {
    let world = World::new();
    let client = AuthClient::builder()
        .base_url(world.auth.base_url())
        .build()
        .unwrap();
    let wrong = scope_core::auth::TokenSource::new(
        client,
        Credentials::integration("backend", "wrong", None),
    );
    let provider: Arc<dyn TokenProvider> = Arc::new(wrong);
    let err = provider.token().await.unwrap_err();
    assert!(err.is_refused());
    let source = err.source().unwrap();
    let token_error = source
        .downcast_ref::<scope_core::auth::TokenError>()
        .unwrap();
    assert!(token_error.auth_error().is_unauthorized());
}

#[tokio::test]
async fn a_customer_session_refused_by_the_core_api_is_renewed_once_by_its_refresh_token() {
    let auth = AuthServer::start();
    auth.add_sales_channel("storefront");
    auth.add_customer("ada@example.com", "correct horse battery staple");
    let client = AuthClient::builder()
        .base_url(auth.base_url())
        .build()
        .unwrap();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let sessions = CustomerSessions::new(client, storefront, MemoryStore::new());
    let key = sessions
        .login(&Grant::password(
            "ada@example.com",
            "correct horse battery staple",
        ))
        .await
        .unwrap();
    let before = sessions.token(&key).await.unwrap();

    let core_api = CoreApi::start();
    core_api.refuse_first_tokens(1);
    let origin = scope_core::auth::outgoing::Origin::new(&core_api.base_url()).unwrap();
    let middleware = BearerMiddleware::new(sessions.session(key.clone()), origin);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(middleware)
        .build();
    let url = format!("{}/api/customers", core_api.base_url());
    let (first, second) = tokio::join!(client.get(&url).send(), client.get(&url).send());
    assert_eq!(
        (
            first.unwrap().status().as_u16(),
            second.unwrap().status().as_u16()
        ),
        (200, 200)
    );

    let after = sessions.token(&key).await.unwrap();
    assert!(!after.same_access_token(&before));
    assert_eq!(after.owner_id(), before.owner_id());
    assert_eq!(
        auth.token_requests(),
        2,
        "the login and one refresh, for both requests"
    );
    let last = core_api.authorizations().pop().unwrap();
    assert_eq!(last, Some(bearer(&after)));
}

#[test]
fn the_blocking_token_source_is_a_blocking_provider() {
    let auth = AuthServer::start();
    auth.add_integration("backend", "s3cret");
    let client = blocking::AuthClient::builder()
        .base_url(auth.base_url())
        .build()
        .unwrap();
    let source =
        blocking::TokenSource::new(client, Credentials::integration("backend", "s3cret", None));
    let provider: Arc<dyn BlockingTokenProvider> = Arc::new(source);
    let first = provider.token().unwrap();
    provider.invalidate_token(&first).unwrap();
    let second = provider.token().unwrap();
    assert!(!second.same_access_token(&first));
    // The old token again: already replaced, so nothing is asked.
    provider.invalidate_token(&first).unwrap();
    assert!(provider.token().unwrap().same_access_token(&second));
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test]
async fn the_header_and_its_pair_never_show_the_token_in_debug() {
    let world = World::new();
    let token = world.tokens.token().await.unwrap();
    let secret = token.access_token().expose_secret().to_owned();
    let header = token.authorization_header().unwrap();
    assert!(header.is_sensitive());
    assert_eq!(header.to_str().unwrap(), format!("Bearer {secret}"));
    let (name, value) = token.authorization_pair();
    assert_eq!(
        (name, value.expose_secret()),
        ("Authorization", format!("Bearer {secret}").as_str())
    );
    let shown = format!(
        "{:?} {:?} {:#?} {header:?}",
        token.authorization_pair(),
        value,
        token.authorization_pair()
    );
    // Any run of 12 characters of the token would betray it.
    for window in secret.as_bytes().windows(12) {
        let piece = std::str::from_utf8(window).unwrap();
        assert!(!shown.contains(piece), "{shown}");
    }
    assert!(shown.contains("Authorization"));
}
