//! Customer sessions against the stand-in (async client): renewed by their
//! refresh token under load with one request (also while renewals fail),
//! kept through a transient failure, ended by a refused refresh token,
//! revoked by logout, named by unguessable keys that the store never holds.

use std::sync::Arc;
use std::time::Duration;

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

async fn stored(store: &impl TokenStore, id: &str) -> Option<Token> {
    store.get(id).await.unwrap().and_then(|s| s.to_token())
}

/// Rewrites the stored session with `life` left on its access token (as if
/// granted hours ago), the record kept `kept` from now (or as before):
/// returns the token as stored.
async fn rewrite_stored(
    store: &impl TokenStore,
    id: &str,
    life: Duration,
    kept: Option<Duration>,
) -> Token {
    let record = store.get(id).await.unwrap().unwrap();
    let aged = scope_tests::aged(&record, life, kept);
    store.put(id, aged.clone()).await.unwrap();
    StoredToken::to_token(&aged).unwrap_or_else(|| {
        // Expired: the token as it was, for its secrets.
        record.to_token().unwrap()
    })
}

/// The same sessions as another instance of the service would have them:
/// over the same client, application and store, with caches of their own
/// (`refresh_margin` builds a new engine). A test that rewrites the store
/// behind a session's back asks through one, as time passing would find it.
fn another_instance(sessions: &CustomerSessions) -> CustomerSessions {
    sessions
        .clone()
        .refresh_margin(scope_core::auth::DEFAULT_SESSION_MARGIN)
}

/// The stored session with 5 s left (under the 10-minute margin): the next
/// `token()` renews it.
async fn near_expiry(store: &impl TokenStore, id: &str) -> Token {
    rewrite_stored(store, id, Duration::from_secs(5), None).await
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
    let id = sessions.store_key(&key);
    let thousand_tasks = |sessions: CustomerSessions| {
        let key = key.clone();
        async move {
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
                assert!(!token.is_expired());
                seen.insert(token.access_token().expose_secret().to_owned());
            }
            seen
        }
    };

    // Expired while the session sat idle: every task waits for the one refresh.
    let aged = idle_past_expiry(&store, &id, Duration::from_secs(3600)).await;
    let old_refresh = aged.refresh_token().unwrap().expose_secret().to_owned();
    let seen = thousand_tasks(sessions.clone()).await;
    assert_eq!(server.refreshes(), 1, "one refresh for 1,000 tasks");
    assert_eq!(seen.len(), 1, "every task got the renewed token");
    assert!(!seen.contains(aged.access_token().expose_secret()));

    // Under the margin but valid: the tasks get the valid token or the renewed
    // one, while one refresh runs in the background.
    let aged = near_expiry(&store, &id).await;
    let seen = thousand_tasks(another_instance(&sessions)).await;
    assert!(seen.len() <= 2, "{} tokens", seen.len());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while stored(&store, &id).await.unwrap().same_access_token(&aged) {
        assert!(
            std::time::Instant::now() < deadline,
            "the renewal never landed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        server.refreshes(),
        2,
        "one refresh for the second 1,000 tasks"
    );
    let now = stored(&store, &id).await.unwrap();
    assert_ne!(
        now.refresh_token().unwrap().expose_secret(),
        old_refresh,
        "the rotated refresh token is stored"
    );
}

/// The stored session as if it had sat idle past its access token's life:
/// the token has expired, the record is kept for `kept`.
async fn idle_past_expiry(store: &impl TokenStore, id: &str, kept: Duration) -> Token {
    rewrite_stored(store, id, Duration::ZERO, Some(kept)).await
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
    let id = sessions.store_key(&key);
    let expired = idle_past_expiry(&store, &id, Duration::from_secs(3600)).await;
    assert!(
        store.get(&id).await.unwrap().is_some(),
        "the store keeps the session past its access token"
    );

    let token = sessions.token(&key).await.unwrap();

    assert!(!token.is_expired());
    assert_ne!(
        token.access_token().expose_secret(),
        expired.access_token().expose_secret()
    );
    assert_eq!(server.refreshes(), 1);
    let record = store.get(&id).await.unwrap().unwrap();
    assert!(
        record.kept_for() > Duration::from_secs(13 * 24 * 3600),
        "the rotated refresh token keeps the session a new lifetime: {record:?}"
    );
}

#[tokio::test]
async fn a_login_keeps_the_session_for_its_lifetime_not_its_access_token() {
    let (
        Setup {
            store, sessions, ..
        },
        key,
    ) = logged_in().await;
    let id = sessions.store_key(&key);
    let record = store.get(&id).await.unwrap().unwrap();
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
    let id = sessions.store_key(&key);
    let aged = near_expiry(&store, &id).await;
    server.misbehave_once(Misbehaviour::Unavailable { retry_after: None });
    let before = server.token_requests();
    let token = sessions.token(&key).await.unwrap();
    assert!(token.same_access_token(&aged));
    // The valid token is served while the renewal backs off (0.5 to 1 s),
    // then a call renews.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let renewed = loop {
        let token = sessions.token(&key).await.unwrap();
        if !token.same_access_token(&aged) {
            break token;
        }
        assert!(std::time::Instant::now() < deadline, "never renewed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!renewed.is_expired());
    assert_eq!(
        server.token_requests() - before,
        2,
        "the failed refresh, then one"
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
    let id = sessions.store_key(&key);
    let aged = idle_past_expiry(&store, &id, Duration::from_secs(3600)).await;
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
        stored(&store, &id).await.is_none(),
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
    let id = sessions.store_key(&key);
    let token = sessions.token(&key).await.unwrap();
    assert_eq!(token.owner_type(), Some("customer"));
    sessions.logout(&key).await.unwrap();
    assert!(server.is_revoked(token.access_token().expose_secret()));
    assert!(stored(&store, &id).await.is_none());
    assert!(matches!(
        sessions.token(&key).await.unwrap_err(),
        SessionError::NotFound
    ));
}

#[tokio::test]
async fn each_login_is_an_unguessable_key_that_the_store_never_holds() {
    // The server must outlive the requests: bound, not dropped.
    let Setup {
        server: _server,
        sessions,
        store,
    } = setup();
    let grant = Grant::password(EMAIL, PASSWORD);
    let (phone, laptop) = (
        sessions.login(&grant).await.unwrap(),
        sessions.login(&grant).await.unwrap(),
    );
    assert_ne!(phone, laptop, "two devices, two sessions");
    let (id, text) = (sessions.store_key(&phone), phone.expose_secret());
    assert_eq!(text.len(), 43, "256 bits, base64url");
    assert!(
        !id.contains(text),
        "the store holds a hash of the key: {id}"
    );
    assert!(
        id.starts_with(&format!(
            "session|{}|storefront|market:code:europe|",
            _server.base_url()
        )),
        "{id}"
    );
    let token = stored(&store, &id).await.unwrap();
    for secret in [
        EMAIL,
        PASSWORD,
        token.owner_id().unwrap(),
        token.refresh_token().unwrap().expose_secret(),
        token.access_token().expose_secret(),
    ] {
        assert!(
            !text.contains(secret) && !id.contains(secret),
            "{text} {id}"
        );
    }
    let debug = format!("{sessions:?} {:?} {phone:?}", store.get(&id).await.unwrap());
    for secret in [text, token.refresh_token().unwrap().expose_secret()] {
        assert!(!debug.contains(secret), "{debug}");
    }
    // A logout on one device leaves the other logged in.
    sessions.logout(&phone).await.unwrap();
    assert!(matches!(
        sessions.token(&phone).await,
        Err(SessionError::NotFound)
    ));
    sessions.token(&laptop).await.unwrap();
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
    let sessions = CustomerSessions::new(client, storefront, lines.clone());
    let key = sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let id = sessions.store_key(&key);
    // Expired while idle: each call waits for its renewal.
    let idle = Some(Duration::from_secs(3600));
    rewrite_stored(&lines, &id, Duration::ZERO, idle).await;
    let first = sessions.token(&key).await.unwrap();
    rewrite_stored(&lines, &id, Duration::ZERO, idle).await;
    let second = another_instance(&sessions).token(&key).await.unwrap();
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
    let line = lines.0.lock().unwrap().get(&id).cloned().unwrap();
    assert!(!line.contains(EMAIL) && !line.contains(PASSWORD), "{line}");
    assert!(!line.contains(key.expose_secret()), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_renewal_is_tried_once_per_backoff_step_however_many_tasks_ask() {
    let (
        Setup {
            server,
            sessions,
            store,
        },
        key,
    ) = logged_in().await;
    let id = sessions.store_key(&key);
    let aged = near_expiry(&store, &id).await;
    server.misbehave(Misbehaviour::Unavailable { retry_after: None });
    let before = server.token_requests();
    // 500 tasks at once on a session whose refreshes fail: each gets the
    // still valid token, and the server sees one refresh.
    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let (sessions, key) = (sessions.clone(), key.clone());
            tokio::spawn(async move { sessions.token(&key).await })
        })
        .collect();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        assert!(token.same_access_token(&aged));
    }
    assert_eq!(
        server.token_requests() - before,
        1,
        "one refresh for 500 tasks"
    );
    // Then for 1.5 s, 20 tasks ask every 10 ms: one attempt per backoff step
    // (0.5 to 1 s, then 1 to 2 s), never one per caller.
    let until = std::time::Instant::now() + Duration::from_millis(1500);
    let askers: Vec<_> = (0..20)
        .map(|_| {
            let (sessions, key) = (sessions.clone(), key.clone());
            tokio::spawn(async move {
                while std::time::Instant::now() < until {
                    let _ = sessions.token(&key).await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();
    for asker in askers {
        asker.await.unwrap();
    }
    let attempts = server.token_requests() - before;
    assert!(
        (2..=3).contains(&attempts),
        "{attempts} refresh attempts in 1.5 s of backoff"
    );
}

#[tokio::test]
async fn a_key_built_from_a_customer_id_is_refused() {
    let (Setup { sessions, .. }, key) = logged_in().await;
    let token = sessions.token(&key).await.unwrap();
    let customer = token.owner_id().unwrap();
    // The client id and scope are public, customer ids travel in API answers.
    let forged = SessionKey::from_string(format!(
        "session|storefront|market:code:europe|customer:{customer}"
    ));
    let err = sessions.token(&forged).await.unwrap_err();
    assert!(matches!(err, SessionError::NotFound), "{err}");
}

/// A store that serves a stale record to the reads of one `token()` after
/// `stale` is set (the session's, then the renewal's): this instance read
/// the session just before another instance's renewal landed.
#[derive(Clone, Default)]
struct StaleOnce {
    store: Shared,
    stale: Arc<std::sync::Mutex<Option<(StoredToken, usize)>>>,
}

impl TokenStore for StaleOnce {
    fn get<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, Option<StoredToken>> {
        let mut stale = self.stale.lock().unwrap();
        if let Some((record, reads)) = stale.as_mut()
            && *reads > 0
        {
            *reads -= 1;
            let record = record.clone();
            return Box::pin(async move { Ok(Some(record)) });
        }
        *stale = None;
        self.store.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: StoredToken,
    ) -> scope_core::auth::StoreFuture<'a, ()> {
        self.store.put(key, token)
    }
    fn remove<'a>(&'a self, key: &'a str) -> scope_core::auth::StoreFuture<'a, ()> {
        self.store.remove(key)
    }
}

#[tokio::test]
async fn a_refusal_after_another_instance_renewed_serves_its_token_instead_of_ending() {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_customer(EMAIL, PASSWORD);
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let store = StaleOnce::default();
    let ours = CustomerSessions::new(client.clone(), storefront.clone(), store.clone());
    let theirs = CustomerSessions::new(client, storefront, store.store.clone());
    let key = theirs
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let id = theirs.store_key(&key);
    // The session expired while idle; we read it, then another instance
    // renewed it (its refresh token rotated) before our refresh went out.
    rewrite_stored(
        &store.store,
        &id,
        Duration::ZERO,
        Some(Duration::from_secs(3600)),
    )
    .await;
    let read_by_us = store.store.get(&id).await.unwrap();
    let renewed = theirs.token(&key).await.unwrap();
    *store.stale.lock().unwrap() = read_by_us.map(|record| (record, 2));

    // Our refresh with the old refresh token is refused: the store no longer
    // holds that record, so the session is not ended, and theirs is served.
    let before = server.token_requests();
    let served = ours.token(&key).await.unwrap();
    assert_eq!(server.token_requests() - before, 1, "our refused refresh");
    assert!(served.same_access_token(&renewed));
    let kept = stored(&store.store, &id)
        .await
        .expect("the session is kept");
    assert!(kept.same_access_token(&renewed));
    ours.token(&key).await.unwrap();
}
