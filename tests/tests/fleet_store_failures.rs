//! A source over a fleet store that fails half-way: it goes on alone (a
//! service never fails to get a token because its store failed), but never
//! before a fleet-wide backoff it could still read. In process, with a
//! scripted store, so each failure happens exactly where the test puts it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use scope_core::auth::{
    AuthClient, AuthError, Credentials, FleetBackoff, Lease, StoreError, StoreFuture, StoredToken,
    TokenSource, TokenStore,
};
use scope_tests::{App, AuthServer};

/// A fleet store in which another process holds the lease, records a 5 s
/// backoff while this one waits, and this one's wait then fails (a timed-out
/// call). `backoff_readable` says whether the store still answers after that.
struct HolderBacksOff {
    backoff_reads: AtomicUsize,
    backoff_readable: bool,
}

impl HolderBacksOff {
    fn new(backoff_readable: bool) -> Arc<HolderBacksOff> {
        Arc::new(HolderBacksOff {
            backoff_reads: AtomicUsize::new(0),
            backoff_readable,
        })
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

fn timed_out() -> StoreError {
    StoreError::new("the store call timed out")
}

impl TokenStore for HolderBacksOff {
    fn get<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        ready(Ok(None))
    }
    fn put<'a>(&'a self, _key: &'a str, _token: StoredToken) -> StoreFuture<'a, ()> {
        ready(Ok(()))
    }
    fn remove<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, ()> {
        ready(Ok(()))
    }
    fn acquire_lease<'a>(&'a self, _key: &'a str, _holder: &'a str) -> StoreFuture<'a, Lease> {
        ready(Ok(Lease::HeldElsewhere))
    }
    fn wait_for_token<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        ready(Err(timed_out()))
    }
    fn fleet_backoff<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        // The first read comes before the holder's 429; later ones after it.
        let read = self.backoff_reads.fetch_add(1, Ordering::SeqCst);
        match read {
            0 => ready(Ok(None)),
            _ if self.backoff_readable => ready(Ok(Some(FleetBackoff::new(
                SystemTime::now() + Duration::from_secs(5),
                1,
            )))),
            _ => ready(Err(timed_out())),
        }
    }
}

fn source_over(server: &AuthServer, store: Arc<HolderBacksOff>) -> TokenSource {
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    TokenSource::builder(client, Credentials::integration("backend", "s3cret", None))
        .shared_store(store)
        .build()
        .unwrap()
}

fn server() -> AuthServer {
    let server = AuthServer::start();
    server.register(App::integration("backend", "s3cret"));
    server
}

#[tokio::test]
async fn a_source_whose_wait_fails_honours_the_backoff_recorded_meanwhile() {
    let server = server();
    let store = HolderBacksOff::new(true);
    let tokens = source_over(&server, store.clone());

    let error = tokens.token().await.unwrap_err();

    match error.auth_error() {
        AuthError::FleetBackoff { retry_after, .. } => {
            assert!(*retry_after > Duration::from_secs(4), "{retry_after:?}")
        }
        other => panic!("expected the fleet's backoff, got {other:?}"),
    }
    assert_eq!(
        server.token_requests(),
        0,
        "asked inside the fleet's backoff"
    );
    assert_eq!(store.backoff_reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_source_whose_store_fails_outright_still_gets_its_token_alone() {
    let server = server();
    let tokens = source_over(&server, HolderBacksOff::new(false));

    let token = tokens.token().await.unwrap();

    assert!(!token.is_expired());
    assert_eq!(server.token_requests(), 1);
}
