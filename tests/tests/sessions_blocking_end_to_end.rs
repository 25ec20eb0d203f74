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

fn stored(store: &MemoryStore, key: &SessionKey) -> Option<StoredToken> {
    block_on(store.get(key.as_str())).unwrap()
}

/// The stored session with 5 s left, under the 10-minute margin.
fn near_expiry(store: &MemoryStore, key: &SessionKey) -> Token {
    let current = stored(store, key).unwrap().to_token().unwrap();
    let aged = Token::new(
        current.access_token().expose_secret(),
        Duration::from_secs(5),
        current.scope(),
        current.created_at(),
    )
    .with_refresh_token(current.refresh_token().unwrap().expose_secret())
    .with_owner(current.owner_id().unwrap(), current.owner_type().unwrap());
    block_on(store.put(key.as_str(), StoredToken::from_token(&aged))).unwrap();
    aged
}

#[test]
fn sixteen_threads_renew_a_session_with_one_refresh() {
    let Setup {
        server,
        sessions,
        store,
        key,
    } = logged_in();
    let aged = near_expiry(&store, &key);

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
    let aged = near_expiry(&store, &key);
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
    assert!(stored(&store, &key).is_none());
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
    assert!(stored(&store, &key).is_none());
}
