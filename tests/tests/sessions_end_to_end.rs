//! Customer sessions against the stand-in (async client): renewed by their
//! refresh token under load with one request, kept through a transient
//! failure, ended by a refused refresh token, revoked by logout, and stored
//! under keys with no secret and no e-mail address.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use scope_core::auth::{
    AuthClient, Credentials, CustomerSessions, ExposeSecret, Grant, MemoryStore, SessionError,
    SessionKey, StoredToken, Token, TokenStore,
};
use scope_core::scopes;
use scope_tests::{AuthServer, Misbehaviour};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// A store the test can look into: shared with the sessions.
#[derive(Clone, Default)]
struct Shared(Arc<MemoryStore>);

impl TokenStore for Shared {
    fn get<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, Option<StoredToken>> {
        self.0.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: StoredToken,
    ) -> scope_core::auth::StoreFuture<'a, ()> {
        self.0.put(key, token)
    }
    fn remove<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, ()> {
        self.0.remove(key)
    }
}

struct Setup {
    server: AuthServer,
    sessions: CustomerSessions,
    store: Shared,
}

fn setup() -> Setup {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_customer(EMAIL, PASSWORD);
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let store = Shared::default();
    let sessions = CustomerSessions::new(client, storefront, store.clone());
    Setup {
        server,
        sessions,
        store,
    }
}

/// The set-up, with the customer logged in: the session's key.
async fn logged_in() -> (Setup, SessionKey) {
    let setup = setup();
    let key = setup
        .sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    (setup, key)
}

async fn stored(store: &Shared, key: &SessionKey) -> Option<Token> {
    store
        .get(key.as_str())
        .await
        .unwrap()
        .and_then(|s| s.to_token())
}

/// Rewrites the stored session with `life` left on its access token, the
/// record kept `kept` from now (or until the token expires): returns the
/// token as stored.
async fn rewrite_stored(
    store: &Shared,
    key: &SessionKey,
    life: Duration,
    kept: Option<Duration>,
) -> Token {
    let current = stored(store, key).await.unwrap();
    let aged = Token::new(
        current.access_token().expose_secret(),
        life,
        current.scope(),
        current.created_at(),
    )
    .with_refresh_token(current.refresh_token().unwrap().expose_secret())
    .with_owner(current.owner_id().unwrap(), current.owner_type().unwrap());
    let mut record = StoredToken::from_token(&aged);
    if let Some(kept) = kept {
        record = record.keep_until(SystemTime::now() + kept);
    }
    store.put(key.as_str(), record).await.unwrap();
    aged
}

/// The stored session with 5 s left (under the 10-minute margin): the next
/// `token()` renews it.
async fn near_expiry(store: &Shared, key: &SessionKey) -> Token {
    rewrite_stored(store, key, Duration::from_secs(5), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_renew_a_session_with_one_refresh() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let aged = near_expiry(&store, &key).await;
    let old_refresh = aged.refresh_token().unwrap().expose_secret().to_owned();

    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let sessions = sessions.clone();
            let key = key.clone();
            tokio::spawn(async move { sessions.token(&key).await })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        seen.insert(token.access_token().expose_secret().to_owned());
    }
    assert_eq!(server.refreshes(), 1, "one refresh for 1,000 tasks");
    assert_eq!(seen.len(), 1, "every task got the renewed token");
    assert!(!seen.contains(aged.access_token().expose_secret()));
    let now = stored(&store, &key).await.unwrap();
    assert_ne!(
        now.refresh_token().unwrap().expose_secret(),
        old_refresh,
        "the rotated refresh token is stored"
    );
}

/// The stored session as if it had sat idle past its access token's life:
/// the token has expired, the record is kept for `kept`.
async fn idle_past_expiry(store: &Shared, key: &SessionKey, kept: Duration) -> Token {
    rewrite_stored(store, key, Duration::ZERO, Some(kept)).await
}

#[tokio::test]
async fn a_session_idle_past_its_access_token_renews_on_its_next_use() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let expired = idle_past_expiry(&store, &key, Duration::from_secs(3600)).await;
    assert!(
        store.get(key.as_str()).await.unwrap().is_some(),
        "the store keeps the session past its access token"
    );

    let token = sessions.token(&key).await.unwrap();

    assert!(!token.is_expired());
    assert_ne!(
        token.access_token().expose_secret(),
        expired.access_token().expose_secret()
    );
    assert_eq!(server.refreshes(), 1);
    let record = store.get(key.as_str()).await.unwrap().unwrap();
    assert!(
        record.kept_for() > Duration::from_secs(13 * 24 * 3600),
        "the rotated refresh token keeps the session a new lifetime: {record:?}"
    );
}

#[tokio::test]
async fn a_login_keeps_the_session_for_its_lifetime_not_its_access_token() {
    let (Setup { store, .. }, key) = logged_in().await;
    let record = store.get(key.as_str()).await.unwrap().unwrap();
    assert!(record.kept_for() > record.remaining() + Duration::from_secs(24 * 3600));
    assert!(record.kept_for() <= scope_core::auth::DEFAULT_SESSION_LIFETIME);
}

#[tokio::test]
async fn a_transient_failure_keeps_serving_the_valid_token() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let aged = near_expiry(&store, &key).await;
    server.misbehave_once(Misbehaviour::Unavailable { retry_after: None });
    let token = sessions.token(&key).await.unwrap();
    assert_eq!(
        token.access_token().expose_secret(),
        aged.access_token().expose_secret()
    );
    // The next call renews.
    let renewed = sessions.token(&key).await.unwrap();
    assert_ne!(
        renewed.access_token().expose_secret(),
        aged.access_token().expose_secret()
    );
    assert_eq!(server.refreshes(), 1);
}

#[tokio::test]
async fn a_refused_refresh_token_ends_the_session_with_a_clear_error() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let aged = near_expiry(&store, &key).await;
    let refresh = aged.refresh_token().unwrap().expose_secret().to_owned();
    server.expire_refresh_tokens();

    let err = sessions.token(&key).await.unwrap_err();
    assert!(matches!(err, SessionError::Ended(_)), "{err}");
    let text = format!("{err} {err:?} {err:#?}");
    assert!(text.contains("log in again"), "{text}");
    for secret in [
        refresh.as_str(),
        PASSWORD,
        aged.access_token().expose_secret(),
    ] {
        assert!(!text.contains(secret), "a secret is shown: {text}");
    }
    assert!(
        stored(&store, &key).await.is_none(),
        "the session is removed"
    );
    assert!(matches!(
        sessions.token(&key).await.unwrap_err(),
        SessionError::NotFound
    ));
}

#[tokio::test]
async fn logout_revokes_the_token_and_forgets_the_session() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let token = sessions.token(&key).await.unwrap();
    assert_eq!(token.owner_type(), Some("customer"));
    sessions.logout(&key).await.unwrap();
    assert!(server.is_revoked(token.access_token().expose_secret()));
    assert!(stored(&store, &key).await.is_none());
    assert!(matches!(
        sessions.token(&key).await.unwrap_err(),
        SessionError::NotFound
    ));
}

#[tokio::test]
async fn session_keys_hold_no_secret_and_no_email_address() {
    // The server must outlive the requests: bound, not dropped.
    let Setup {
        server: _server,
        sessions,
        store,
    } = setup();
    let key = sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let token = stored(&store, &key).await.unwrap();
    let text = key.as_str();
    assert!(
        text.starts_with("session|storefront|market:code:europe|customer:"),
        "{text}"
    );
    for secret in [
        EMAIL,
        PASSWORD,
        token.refresh_token().unwrap().expose_secret(),
        token.access_token().expose_secret(),
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    let debug = format!("{sessions:?} {:?}", store.get(key.as_str()).await.unwrap());
    assert!(
        !debug.contains(token.refresh_token().unwrap().expose_secret()),
        "{debug}"
    );
}

/// A store of text lines, as Redis keeps strings.
#[derive(Clone, Default)]
struct Lines(Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>);

impl TokenStore for Lines {
    fn get<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, Option<StoredToken>> {
        let line = self.0.lock().unwrap().get(key).cloned();
        Box::pin(async move { Ok(line.and_then(|line| StoredToken::from_line(&line))) })
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: StoredToken,
    ) -> scope_core::auth::StoreFuture<'a, ()> {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_owned(), token.to_line());
        Box::pin(async { Ok(()) })
    }
    fn remove<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, ()> {
        self.0.lock().unwrap().remove(key);
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_session_kept_as_a_line_of_text_renews_with_its_refresh_token() {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_customer(EMAIL, PASSWORD);
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let lines = Lines::default();
    // A margin longer than the token's life: every call renews.
    let sessions = CustomerSessions::new(client, storefront, lines.clone())
        .refresh_margin(Duration::from_secs(20_000));
    let key = sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let first = sessions.token(&key).await.unwrap();
    let second = sessions.token(&key).await.unwrap();
    assert_eq!(
        server.refreshes(),
        2,
        "each renewal used the stored, rotated refresh token"
    );
    assert_ne!(
        first.refresh_token().unwrap().expose_secret(),
        second.refresh_token().unwrap().expose_secret()
    );
    assert_eq!(second.owner_type(), Some("customer"));
    let line = lines.0.lock().unwrap().get(key.as_str()).cloned().unwrap();
    assert!(!line.contains(EMAIL) && !line.contains(PASSWORD), "{line}");
}
