//! Where tokens are kept between requests: the [`TokenStore`] trait and the
//! in-memory [`MemoryStore`].
//!
//! A [`TokenSource`](crate::auth::TokenSource) keeps its own token in memory for the
//! hot path; the store is where it looks before asking the auth server, and
//! where it saves each new token. With a store shared between processes (Redis,
//! a database), a fleet asks the server once per credential instead of once per
//! process. Such a store saves a [`StoredToken`]: plain fields and an absolute
//! wall-clock expiry, since a monotonic `Instant` means nothing in another
//! process.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;

use crate::auth::Token;

/// The future a [`TokenStore`] method returns: boxed, so the trait can be used
/// as `Arc<dyn TokenStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A place to keep tokens, by key: the in-memory [`MemoryStore`], or a store
/// shared between processes that you write.
///
/// Keys come from [`TokenSource`](crate::auth::TokenSource): the auth server's URL,
/// the client id and the scope, joined by `|`. They hold no secret. A store
/// returns what was put under a key until it is removed; it may forget a
/// record once its [`StoredToken::kept_for`] is zero (a token's expiry, or
/// later for a customer session). Errors are reported to the
/// source, which then carries on without the store (asking the auth server).
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use scope_core::auth::{StoreFuture, StoredToken, TokenStore};
///
/// /// A store that keeps each token as one line of text, as a key-value
/// /// server would.
/// #[derive(Default)]
/// struct TextStore(Mutex<HashMap<String, String>>);
///
/// impl TokenStore for TextStore {
///     fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
///         let text = self.0.lock().unwrap().get(key).cloned();
///         Box::pin(async move { Ok(text.and_then(|text| StoredToken::from_line(&text))) })
///     }
///     fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
///         self.0.lock().unwrap().insert(key.to_owned(), token.to_line());
///         Box::pin(async { Ok(()) })
///     }
///     fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
///         self.0.lock().unwrap().remove(key);
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The token kept under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;

    /// Keeps `token` under `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()>;

    /// Forgets the token under `key` (a no-op when there is none).
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;

    /// Forgets the token under `key` only if it is still `access_token`
    /// (compare-and-delete), so a late rejection never removes a newer token;
    /// `true` when it was removed. The default reads, compares and removes: a
    /// store shared between processes should do it in one step.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{MemoryStore, SecretString, StoredToken, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// let store = MemoryStore::new();
    /// let at = SystemTime::now() + Duration::from_secs(60);
    /// store.put("k", StoredToken::new("new", "bearer", Duration::from_secs(60), "", 0, at)).await?;
    /// assert!(!store.remove_if("k", &SecretString::from("old")).await?);
    /// assert!(store.remove_if("k", &SecretString::from("new")).await?);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn remove_if<'a>(
        &'a self,
        key: &'a str,
        access_token: &'a SecretString,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.get(key).await? {
                Some(stored)
                    if secrecy::ExposeSecret::expose_secret(stored.access_token())
                        == secrecy::ExposeSecret::expose_secret(access_token) =>
                {
                    self.remove(key).await?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Asks for the right to request the token for `key` on behalf of every
    /// source sharing the store: the fleet-wide single flight. `holder` names
    /// the asking source uniquely. The default, for stores kept in one
    /// process, is [`Lease::Unsupported`]: each source asks on its own.
    ///
    /// ```
    /// use scope_core::auth::{Lease, MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// assert_eq!(MemoryStore::new().acquire_lease("k", "me").await?, Lease::Unsupported);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn acquire_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, Lease> {
        let _ = (key, holder);
        Box::pin(std::future::ready(Ok(Lease::Unsupported)))
    }

    /// Gives the lease on `key` back, if `holder` still holds it (never
    /// another's), and wakes the sources waiting for it. The default does
    /// nothing.
    ///
    /// ```
    /// use scope_core::auth::{MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// MemoryStore::new().release_lease("k", "me").await?;
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        let _ = (key, holder);
        Box::pin(std::future::ready(Ok(())))
    }

    /// Waits, no longer than a lease lives, for the token under `key` to land
    /// while another source holds the lease: the token once it is there,
    /// `None` when the lease was released or expired without one (then the
    /// caller tries to take the lease itself). The default answers `None` at
    /// once.
    ///
    /// ```
    /// use scope_core::auth::{MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// assert!(MemoryStore::new().wait_for_token("k").await?.is_none());
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn wait_for_token<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let _ = key;
        Box::pin(std::future::ready(Ok(None)))
    }

    /// The fleet-wide backoff last recorded for `key`, if any: its
    /// [`until`](FleetBackoff::until) may have passed, its count of failures
    /// in a row still counts for the next step. The default never has one.
    ///
    /// ```
    /// use scope_core::auth::{MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// assert!(MemoryStore::new().fleet_backoff("k").await?.is_none());
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn fleet_backoff<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        let _ = key;
        Box::pin(std::future::ready(Ok(None)))
    }

    /// Records a fleet-wide backoff for `key` (replacing any), or clears it
    /// with `None` after a success. The default does nothing.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{FleetBackoff, MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// let backoff = FleetBackoff::new(SystemTime::now() + Duration::from_secs(5), 1);
    /// MemoryStore::new().set_fleet_backoff("k", Some(backoff)).await?;
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn set_fleet_backoff<'a>(
        &'a self,
        key: &'a str,
        backoff: Option<FleetBackoff>,
    ) -> StoreFuture<'a, ()> {
        let _ = (key, backoff);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A shared store is a store: every method goes to the one behind the `Arc`
/// (leases and fleet backoff included), so sessions and sources can share one.
///
/// ```
/// use std::sync::Arc;
/// use scope_core::auth::{MemoryStore, TokenStore};
///
/// fn takes(_: impl TokenStore) {}
/// let store = Arc::new(MemoryStore::new());
/// takes(Arc::clone(&store));
/// takes(store);
/// ```
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        (**self).get(key)
    }
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        (**self).put(key, token)
    }
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        (**self).remove(key)
    }
    fn remove_if<'a>(
        &'a self,
        key: &'a str,
        access_token: &'a SecretString,
    ) -> StoreFuture<'a, bool> {
        (**self).remove_if(key, access_token)
    }
    fn acquire_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, Lease> {
        (**self).acquire_lease(key, holder)
    }
    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        (**self).release_lease(key, holder)
    }
    fn wait_for_token<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        (**self).wait_for_token(key)
    }
    fn fleet_backoff<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        (**self).fleet_backoff(key)
    }
    fn set_fleet_backoff<'a>(
        &'a self,
        key: &'a str,
        backoff: Option<FleetBackoff>,
    ) -> StoreFuture<'a, ()> {
        (**self).set_fleet_backoff(key, backoff)
    }
}

/// What [`TokenStore::acquire_lease`] answered.
///
/// ```
/// use scope_core::auth::Lease;
///
/// assert_ne!(Lease::Granted, Lease::HeldElsewhere);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lease {
    /// This source holds the lease: it asks the auth server, saves the token
    /// and releases the lease.
    Granted,
    /// Another source holds it: wait for its token with
    /// [`TokenStore::wait_for_token`].
    HeldElsewhere,
    /// The store has no leases: each source asks on its own.
    Unsupported,
}

/// A fleet-wide backoff kept in a shared store: no source asks the auth server
/// for the key before `until`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::FleetBackoff;
///
/// let until = SystemTime::now() + Duration::from_secs(5);
/// let backoff = FleetBackoff::new(until, 2);
/// assert_eq!(backoff.until(), until);
/// assert_eq!(backoff.failures(), 2);
/// assert!(backoff.remaining() > Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetBackoff {
    until: SystemTime,
    failures: u32,
}

impl FleetBackoff {
    /// A backoff until `until`, after `failures` failed requests in a row.
    ///
    /// ```
    /// let b = scope_core::auth::FleetBackoff::new(std::time::SystemTime::UNIX_EPOCH, 1);
    /// assert_eq!(b.failures(), 1);
    /// ```
    pub fn new(until: SystemTime, failures: u32) -> FleetBackoff {
        FleetBackoff { until, failures }
    }

    /// When the backoff ends, on the wall clock.
    ///
    /// ```
    /// let b = scope_core::auth::FleetBackoff::new(std::time::SystemTime::UNIX_EPOCH, 1);
    /// assert_eq!(b.until(), std::time::SystemTime::UNIX_EPOCH);
    /// ```
    pub fn until(&self) -> SystemTime {
        self.until
    }

    /// The failed requests in a row it follows.
    ///
    /// ```
    /// let b = scope_core::auth::FleetBackoff::new(std::time::SystemTime::UNIX_EPOCH, 3);
    /// assert_eq!(b.failures(), 3);
    /// ```
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How long it still lasts (zero once over).
    ///
    /// ```
    /// let b = scope_core::auth::FleetBackoff::new(std::time::SystemTime::UNIX_EPOCH, 1);
    /// assert!(b.remaining().is_zero());
    /// ```
    pub fn remaining(&self) -> Duration {
        self.until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

/// A token as a store keeps it: the server's fields and an absolute wall-clock
/// expiry. `Debug` hides the access token.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::{StoredToken, Token};
///
/// let token = Token::new("abc", Duration::from_secs(7200), "market:all", 1_732_800_000);
/// let stored = StoredToken::from_token(&token);
/// assert!(stored.expires_at() > SystemTime::now() + Duration::from_secs(7100));
/// assert!(!format!("{stored:?}").contains("abc"));
/// let back = stored.to_token().unwrap();
/// assert_eq!(back.scope(), "market:all");
/// ```
#[derive(Clone)]
pub struct StoredToken {
    access_token: SecretString,
    token_type: String,
    expires_in: Duration,
    scope: String,
    created_at: i64,
    expires_at: SystemTime,
    /// How long the store keeps the record: its expiry, or later for a
    /// session, whose refresh token outlives the access token.
    keep_until: SystemTime,
    /// A customer session's refresh token and owner.
    session: Option<Session>,
}

/// What a session's record adds to a token's.
#[derive(Clone)]
struct Session {
    refresh_token: Option<SecretString>,
    owner: Option<(String, String)>,
}

impl StoredToken {
    /// A record from its fields, for stores that load one they saved.
    /// `expires_in` is the lifetime the server granted; `expires_at` the
    /// wall-clock instant the token stops being valid.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(7200), "market:all", 0,
    ///     SystemTime::now() + Duration::from_secs(3600));
    /// assert!(stored.to_token().unwrap().remaining() > Duration::from_secs(3500));
    /// ```
    pub fn new(
        access_token: impl Into<String>,
        token_type: impl Into<String>,
        expires_in: Duration,
        scope: impl Into<String>,
        created_at: i64,
        expires_at: SystemTime,
    ) -> StoredToken {
        StoredToken {
            access_token: SecretString::from(access_token.into()),
            token_type: token_type.into(),
            expires_in,
            scope: scope.into(),
            created_at,
            expires_at,
            keep_until: expires_at,
            session: None,
        }
    }

    /// The record of `token`, its wall-clock expiry taken from what remains of
    /// its life now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{StoredToken, Token};
    ///
    /// let stored = StoredToken::from_token(&Token::new("abc", Duration::from_secs(60), "market:all", 0));
    /// assert_eq!(stored.scope(), "market:all");
    /// ```
    pub fn from_token(token: &Token) -> StoredToken {
        let now = SystemTime::now();
        let expires_at = now.checked_add(token.remaining()).unwrap_or(now);
        StoredToken {
            access_token: token.access_token().clone(),
            token_type: token.token_type().to_owned(),
            expires_in: token.expires_in(),
            scope: token.scope().to_owned(),
            created_at: token.created_at(),
            expires_at,
            keep_until: expires_at,
            session: (token.refresh_token().is_some() || token.owner_id().is_some()).then(|| {
                Session {
                    refresh_token: token.refresh_token().cloned(),
                    owner: token
                        .owner_id()
                        .zip(token.owner_type())
                        .map(|(id, kind)| (id.to_owned(), kind.to_owned())),
                }
            }),
        }
    }

    /// The token again, its monotonic expiry taken from what remains of its
    /// life now; `None` once it has expired.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let old = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0, SystemTime::UNIX_EPOCH);
    /// assert!(old.to_token().is_none());
    /// ```
    pub fn to_token(&self) -> Option<Token> {
        let remaining = self.remaining();
        if remaining.is_zero() {
            return None;
        }
        let now = crate::auth::now();
        let mut token = Token::from_parts(
            secrecy::ExposeSecret::expose_secret(&self.access_token).to_owned(),
            self.token_type.clone().into(),
            self.expires_in,
            self.scope.clone(),
            self.scope.parse().ok(),
            self.created_at,
            now.checked_add(remaining)?,
        );
        if let Some(session) = &self.session {
            if let Some(refresh) = &session.refresh_token {
                token = token.with_refresh_token(secrecy::ExposeSecret::expose_secret(refresh));
            }
            if let Some((id, kind)) = &session.owner {
                token = token.with_owner(id.clone(), kind.clone());
            }
        }
        Some(token)
    }

    /// The access token.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{ExposeSecret, StoredToken};
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.access_token().expose_secret(), "abc");
    /// ```
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The token type the server sent (`bearer`).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.token_type(), "bearer");
    /// ```
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The lifetime the server granted.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.expires_in(), Duration::from_secs(60));
    /// ```
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The scope the server granted, as text.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0, SystemTime::now());
    /// assert_eq!(stored.scope(), "market:all");
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// When the server created the token, in Unix seconds.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 1_732_800_000, SystemTime::now());
    /// assert_eq!(stored.created_at(), 1_732_800_000);
    /// ```
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// The wall-clock instant the token expires.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let at = SystemTime::now() + Duration::from_secs(60);
    /// assert_eq!(StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, at).expires_at(), at);
    /// ```
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// How long the token stays valid from now, on the wall clock (zero once
    /// expired).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.remaining(), Duration::ZERO);
    /// ```
    pub fn remaining(&self) -> Duration {
        self.expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// This record kept by the store until `until` (never before the token
    /// expires): a customer session is kept past its access token's expiry,
    /// for as long as its refresh token may still renew it.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let expired = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::UNIX_EPOCH);
    /// let kept = expired.keep_until(SystemTime::now() + Duration::from_secs(3600));
    /// assert!(kept.to_token().is_none(), "the access token has expired");
    /// assert!(kept.kept_for() > Duration::from_secs(3500), "the record is kept");
    /// ```
    pub fn keep_until(mut self, until: SystemTime) -> StoredToken {
        self.keep_until = until.max(self.expires_at);
        self
    }

    /// How long from now the store should keep the record, on the wall
    /// clock: the token's [`remaining`](StoredToken::remaining) life, or more
    /// for a record given [`keep_until`](StoredToken::keep_until). A store
    /// drops the record once this is zero (and may set it as its expiry).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0,
    ///     SystemTime::now() + Duration::from_secs(60));
    /// assert!(stored.kept_for() <= Duration::from_secs(60));
    /// ```
    pub fn kept_for(&self) -> Duration {
        self.keep_until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// A customer session's refresh token, if the record holds one: kept
    /// readable after the access token has expired, so the session renews.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{ExposeSecret, StoredToken, Token};
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "", 0).with_refresh_token("r3fresh");
    /// let stored = StoredToken::from_token(&token);
    /// assert_eq!(stored.refresh_token().unwrap().expose_secret(), "r3fresh");
    /// ```
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.session.as_ref()?.refresh_token.as_ref()
    }

    /// A customer session's owner, as (id, type), if the record names one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{StoredToken, Token};
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "", 0).with_owner("wQzX", "customer");
    /// assert_eq!(StoredToken::from_token(&token).owner(), Some(("wQzX", "customer")));
    /// ```
    pub fn owner(&self) -> Option<(&str, &str)> {
        let (id, kind) = self.session.as_ref()?.owner.as_ref()?;
        Some((id, kind))
    }

    /// The record as one line of text, for stores that keep strings: the
    /// expiry in Unix milliseconds, the lifetime in seconds, the creation time,
    /// the token type, the access token and the scope, separated by spaces (the
    /// scope last: it may hold spaces, or be empty). The line holds the access
    /// token: keep it as secret as the token.
    ///
    /// A customer session's record (one with a refresh token or an owner)
    /// starts with `session {kept until, Unix ms} {refresh token} {owner type}
    /// {owner id} ` (`-` for a missing one), then the same fields; it holds the
    /// refresh token too. Commerce Layer's refresh tokens and ids hold no
    /// spaces. A record that is not a session is kept until its expiry.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{ExposeSecret, StoredToken};
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(7200), "market:all", 7,
    ///     SystemTime::UNIX_EPOCH + Duration::from_millis(1_732_807_200_000));
    /// assert_eq!(stored.to_line(), "1732807200000 7200 7 bearer abc market:all");
    /// let back = StoredToken::from_line(&stored.to_line()).unwrap();
    /// assert_eq!(back.access_token().expose_secret(), "abc");
    /// assert_eq!(back.expires_at(), stored.expires_at());
    /// ```
    pub fn to_line(&self) -> String {
        let expires_ms = unix_ms(self.expires_at);
        let keep_ms = unix_ms(self.keep_until);
        let session = self.session.as_ref().map_or_else(String::new, |session| {
            let (kind, id) = session
                .owner
                .as_ref()
                .map_or(("-", "-"), |(id, kind)| (kind.as_str(), id.as_str()));
            let refresh = session
                .refresh_token
                .as_ref()
                .map_or("-", secrecy::ExposeSecret::expose_secret);
            format!("session {keep_ms} {refresh} {kind} {id} ")
        });
        format!(
            "{session}{expires_ms} {} {} {} {} {}",
            self.expires_in.as_secs(),
            self.created_at,
            self.token_type,
            secrecy::ExposeSecret::expose_secret(&self.access_token),
            self.scope,
        )
    }

    /// Reads a line written by [`StoredToken::to_line`]; `None` when it is not
    /// one.
    ///
    /// ```
    /// use scope_core::auth::StoredToken;
    ///
    /// assert!(StoredToken::from_line("not a token").is_none());
    /// assert!(StoredToken::from_line("1 2 3 bearer abc market:all").is_some());
    /// ```
    pub fn from_line(line: &str) -> Option<StoredToken> {
        if let Some(rest) = line.strip_prefix("session ") {
            let mut fields = rest.splitn(5, ' ');
            let given = |field: &str| (field != "-" && !field.is_empty()).then(|| field.to_owned());
            let keep_ms: u64 = fields.next()?.parse().ok()?;
            let refresh_token = given(fields.next()?);
            let kind = given(fields.next()?);
            let id = given(fields.next()?);
            let line = fields.next()?;
            // Not a session's line nested in a session's.
            if line.starts_with("session ") {
                return None;
            }
            let mut stored = StoredToken::from_line(line)?
                .keep_until(UNIX_EPOCH.checked_add(Duration::from_millis(keep_ms))?);
            stored.session = Some(Session {
                refresh_token: refresh_token.map(SecretString::from),
                owner: id.zip(kind),
            });
            return Some(stored);
        }
        let mut fields = line.splitn(6, ' ');
        let expires_ms: u64 = fields.next()?.parse().ok()?;
        let expires_in: u64 = fields.next()?.parse().ok()?;
        let created_at: i64 = fields.next()?.parse().ok()?;
        let token_type = fields.next().filter(|token_type| !token_type.is_empty())?;
        let access_token = fields.next().filter(|token| !token.is_empty())?;
        let scope = fields.next()?;
        Some(StoredToken::new(
            access_token,
            token_type,
            Duration::from_secs(expires_in),
            scope,
            created_at,
            UNIX_EPOCH.checked_add(Duration::from_millis(expires_ms))?,
        ))
    }
}

/// `at` in Unix milliseconds (zero before 1970).
fn unix_ms(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("keep_until", &self.keep_until)
            .field(
                "refresh_token",
                &self
                    .session
                    .as_ref()
                    .and_then(|session| session.refresh_token.as_ref())
                    .map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// A [`TokenStore`] failed: what it was doing, and its own error as the source.
///
/// ```
/// use std::error::Error;
/// use scope_core::auth::StoreError;
///
/// let err = StoreError::new("connection refused");
/// assert_eq!(err.to_string(), "the token store failed: connection refused");
/// ```
#[derive(Debug)]
pub struct StoreError {
    source: Box<dyn StdError + Send + Sync>,
}

impl StoreError {
    /// Wraps a store's own error.
    ///
    /// ```
    /// let err = scope_core::auth::StoreError::new(std::io::Error::other("disk full"));
    /// assert!(err.to_string().contains("disk full"));
    /// ```
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> StoreError {
        StoreError {
            source: source.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the token store failed: {}", self.source)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The default [`TokenStore`]: a map in this process's memory. Clones share
/// the map, so sources built with clones of one store share their tokens.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::{MemoryStore, StoredToken, TokenStore};
///
/// # async fn run() -> Result<(), scope_core::auth::StoreError> {
/// let store = MemoryStore::new();
/// let token = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0,
///     SystemTime::now() + Duration::from_secs(60));
/// store.put("key", token).await?;
/// assert_eq!(store.get("key").await?.unwrap().scope(), "market:all");
/// store.remove("key").await?;
/// assert!(store.get("key").await?.is_none());
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    tokens: Arc<Mutex<HashMap<String, StoredToken>>>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// let store = scope_core::auth::MemoryStore::new();
    /// assert!(store.is_empty());
    /// ```
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many tokens the store holds.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::MemoryStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no token.
    ///
    /// ```
    /// assert!(scope_core::auth::MemoryStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StoredToken>> {
        // Each write is one map operation: a panic elsewhere cannot leave the
        // map half-updated.
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("tokens", &self.len())
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let mut tokens = self.lock();
        // Expired tokens are dropped when met, so the map does not grow with them.
        let token = match tokens.get(key) {
            Some(token) if token.kept_for().is_zero() => {
                tokens.remove(key);
                None
            }
            other => other.cloned(),
        };
        Box::pin(std::future::ready(Ok(token)))
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        self.lock().insert(key.to_owned(), token);
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.lock().remove(key);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_record_keeps_its_refresh_token_and_owner_in_its_line() {
        let token = Token::new(
            "acc.ess.tok",
            Duration::from_secs(3600),
            "market:code:eu",
            9,
        )
        .with_refresh_token("refresh-1")
        .with_owner("cust-1", "customer");
        let keep = UNIX_EPOCH + Duration::from_millis(4_102_444_800_000);
        let line = StoredToken::from_token(&token).keep_until(keep).to_line();
        assert!(
            line.starts_with("session 4102444800000 refresh-1 customer cust-1 "),
            "{line}"
        );
        let record = StoredToken::from_line(&line).unwrap();
        assert_eq!(record.keep_until, keep);
        let back = record.to_token().unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(back.refresh_token().unwrap()),
            "refresh-1"
        );
        assert_eq!(back.owner_id(), Some("cust-1"));
        assert_eq!(back.owner_type(), Some("customer"));
        assert_eq!(back.scope(), "market:code:eu");
        assert!(StoredToken::from_line("session refresh-1 customer").is_none());
        // The line of the format before `kept until`: absent, not garbage.
        let old = line.replacen("session 4102444800000 ", "session ", 1);
        assert!(StoredToken::from_line(&old).is_none(), "{old}");
        let nested = line.replacen("cust-1 ", "cust-1 session 1 - - - ", 1);
        assert!(StoredToken::from_line(&nested).is_none(), "{nested}");
    }

    #[tokio::test]
    async fn memory_store_keeps_a_session_past_its_access_token() {
        let store = MemoryStore::new();
        let expired = StoredToken::new("a", "bearer", Duration::from_secs(60), "", 0, UNIX_EPOCH)
            .keep_until(SystemTime::now() + Duration::from_secs(600));
        store.put("s", expired).await.unwrap();
        let kept = store.get("s").await.unwrap().expect("kept past its expiry");
        assert!(kept.to_token().is_none());
        let gone = StoredToken::new("a", "bearer", Duration::from_secs(60), "", 0, UNIX_EPOCH);
        store.put("t", gone).await.unwrap();
        assert!(store.get("t").await.unwrap().is_none());
    }

    #[test]
    fn lines_round_trip_and_bad_lines_are_refused() {
        let stored = StoredToken::new(
            "a.b.c",
            "bearer",
            Duration::from_secs(14_400),
            "market:code:eu stock_location:code:w",
            -3,
            UNIX_EPOCH + Duration::from_millis(1_732_814_400_123),
        );
        let line = stored.to_line();
        let back = StoredToken::from_line(&line).unwrap();
        assert_eq!(back.scope(), stored.scope());
        assert_eq!(back.expires_at(), stored.expires_at());
        assert_eq!(back.created_at(), -3);
        assert_eq!(back.to_line(), line);
        let unscoped = StoredToken::new("t", "bearer", Duration::ZERO, "", 0, UNIX_EPOCH);
        assert_eq!(
            StoredToken::from_line(&unscoped.to_line()).unwrap().scope(),
            ""
        );
        for bad in [
            "",
            "1 2 3",
            "x 2 3 bearer t s",
            "1 2 3 bearer t",
            "1 2 3 bearer  s",
            "1 2 3  t s",
        ] {
            assert!(StoredToken::from_line(bad).is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn memory_store_forgets_expired_tokens() {
        let store = MemoryStore::new();
        let expired = StoredToken::new(
            "abc",
            "bearer",
            Duration::from_secs(60),
            "",
            0,
            SystemTime::now() - Duration::from_secs(1),
        );
        store.put("old", expired).await.unwrap();
        assert_eq!(store.len(), 1);
        assert!(store.get("old").await.unwrap().is_none());
        assert!(store.is_empty());
    }
}
