//! Customer sessions for synchronous programs, against the stand-in: the
//! blocking twin logs in, renews under load with one refresh, ends on a
//! refused refresh token, and logs out, with the async one's keys and store.

use std::sync::Arc;
use std::time::Duration;

use scope_core::auth::blocking::{AuthClient, CustomerSessions};
use scope_core::auth::{
    Credentials, ExposeSecret, Grant, MemoryStore, SessionError, SessionKey, StoredToken, Token,
    TokenStore,
};
use scope_core::scopes;
use scope_tests::AuthServer;

const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "a blocking password";

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

struct Setup {
    server: AuthServer,
    sessions: CustomerSessions,
    store: Arc<MemoryStore>,
    key: SessionKey,
}

/// The stand-in, sessions over a store the test can look into, and the
/// customer logged in.
fn logged_in() -> Setup {
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_customer(EMAIL, PASSWORD);
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let store = Arc::new(MemoryStore::new());
    let sessions = CustomerSessions::new(client, storefront, Arc::clone(&store));
    let key = sessions.login(&Grant::password(EMAIL, PASSWORD)).unwrap();
    Setup {
        server,
        sessions,
        store,
        key,
    }
}

fn stored(store: &MemoryStore, id: &str) -> Option<StoredToken> {
    block_on(store.get(id)).unwrap()
}

/// The stored session with `left` on its access token (zero: expired while
/// the session sat idle): returns the token as it was stored.
fn aged(store: &MemoryStore, id: &str, left: Duration) -> Token {
    let record = stored(store, id).unwrap();
    let token = record.to_token().unwrap();
    block_on(store.put(id, scope_tests::aged(&record, left, None))).unwrap();
    token
}

#[test]
fn sixteen_threads_renew_a_session_with_one_refresh() {
    let Setup {
        server,
        sessions,
        store,
        key,
    } = logged_in();
    let id = sessions.store_key(&key);
    let aged = aged(&store, &id, Duration::ZERO);

    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (sessions, key) = (sessions.clone(), key.clone());
            std::thread::spawn(move || sessions.token(&key).unwrap())
        })
        .collect();
    let seen: std::collections::HashSet<String> = threads
        .into_iter()
        .map(|thread| {
            thread
                .join()
                .unwrap()
                .access_token()
                .expose_secret()
                .to_owned()
        })
        .collect();

    assert_eq!(server.refreshes(), 1, "one refresh for 16 threads");
    assert_eq!(seen.len(), 1);
    assert!(!seen.contains(aged.access_token().expose_secret()));
}

#[test]
fn a_refused_refresh_token_ends_the_session() {
    let Setup {
        server,
        sessions,
        store,
        key,
    } = logged_in();
    let id = sessions.store_key(&key);
    let aged = aged(&store, &id, Duration::ZERO);
    server.expire_refresh_tokens();

    let err = sessions.token(&key).unwrap_err();

    assert!(matches!(err, SessionError::Ended(_)), "{err}");
    let text = format!("{err} {err:?} {sessions:?}");
    for secret in [
        PASSWORD,
        aged.access_token().expose_secret(),
        aged.refresh_token().unwrap().expose_secret(),
    ] {
        assert!(!text.contains(secret), "a secret is shown: {text}");
    }
    assert!(stored(&store, &id).is_none());
    assert!(matches!(
        sessions.token(&key).unwrap_err(),
        SessionError::NotFound
    ));
}

#[test]
fn logout_revokes_and_forgets() {
    let Setup {
        server,
        sessions,
        store,
        key,
    } = logged_in();
    let token = sessions.token(&key).unwrap();
    assert_eq!(token.owner_type(), Some("customer"));

    sessions.logout(&key).unwrap();

    assert!(server.is_revoked(token.access_token().expose_secret()));
    assert!(stored(&store, &sessions.store_key(&key)).is_none());
}

#[test]
fn sixteen_threads_on_a_failing_renewal_send_one_refresh() {
    let Setup {
        server,
        sessions,
        store,
        key,
    } = logged_in();
    let aged = aged(&store, &sessions.store_key(&key), Duration::from_secs(5));
    server.misbehave(scope_tests::Misbehaviour::Unavailable { retry_after: None });
    let before = server.token_requests();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (sessions, key) = (sessions.clone(), key.clone());
            std::thread::spawn(move || sessions.token(&key))
        })
        .collect();
    for thread in threads {
        let token = thread.join().unwrap().unwrap();
        assert!(token.same_access_token(&aged));
    }
    assert_eq!(
        server.token_requests() - before,
        1,
        "one refresh for 16 threads"
    );
}
