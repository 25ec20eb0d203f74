//! Where tokens are kept between requests: the [`TokenStore`] trait, what its
//! methods answer ([`Lease`], [`FleetBackoff`]) and [`StoreError`]. The record
//! is `stored_token.rs`, the in-memory store `memory_store.rs`.
//!
//! A [`TokenSource`](crate::auth::TokenSource) keeps its own token in memory for the
//! hot path; the store is where it looks before asking the auth server, and
//! where it saves each new token. With a store shared between processes (Redis,
//! a database), a fleet asks the server once per credential instead of once per
//! process. Such a store saves a [`StoredToken`]: plain fields and an absolute
//! wall-clock expiry, since a monotonic `Instant` means nothing in another
//! process.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

use super::requester::same_secret;
use crate::auth::StoredToken;

/// The future a [`TokenStore`] method returns: boxed, so the trait can be used
/// as `Arc<dyn TokenStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A place to keep tokens, by key: the in-memory [`MemoryStore`](crate::auth::MemoryStore), or a store
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
                Some(stored) if same_secret(stored.access_token(), access_token) => {
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

    /// Takes a place in a fleet-wide budget of token requests for the
    /// request `take.place`, if fewer than `take.ceiling` places are taken and
    /// no pause lasts (or, with `take.peek`, only says how many are). A place
    /// is held until one window after the longest the request may take
    /// (`take.hold`), or after its end once
    /// [`release_budget_place`](TokenStore::release_budget_place) says so. A
    /// store shared between processes does it in one step. The default, for
    /// stores kept in one process, is [`BudgetAnswer::Unsupported`]: the
    /// budget counts in its process.
    ///
    /// ```
    /// use scope_core::auth::{BudgetAnswer, BudgetTake, MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// let take = BudgetTake::new("eu-nat-1", std::time::Duration::from_secs(60), 30, "me-1");
    /// assert_eq!(MemoryStore::new().take_from_budget(&take).await?, BudgetAnswer::Unsupported);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn take_from_budget<'a>(&'a self, take: &'a BudgetTake) -> StoreFuture<'a, BudgetAnswer> {
        let _ = take;
        Box::pin(std::future::ready(Ok(BudgetAnswer::Unsupported)))
    }

    /// The request of place `place` in the budget `name` is over (answered
    /// or failed): its place frees one `window` from now. The default does
    /// nothing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// MemoryStore::new().release_budget_place("eu-nat-1", "me-1", Duration::from_secs(60)).await?;
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn release_budget_place<'a>(
        &'a self,
        name: &'a str,
        place: &'a str,
        window: Duration,
    ) -> StoreFuture<'a, ()> {
        let _ = (name, place, window);
        Box::pin(std::future::ready(Ok(())))
    }

    /// Pauses the budget `name` for `pause` (a 429 came back): no request is
    /// let through before it ends; a longer pause already set stays. The
    /// default does nothing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{MemoryStore, TokenStore};
    ///
    /// # async fn run() -> Result<(), scope_core::auth::StoreError> {
    /// MemoryStore::new().pause_budget("eu-nat-1", Duration::from_secs(30)).await?;
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn pause_budget<'a>(&'a self, name: &'a str, pause: Duration) -> StoreFuture<'a, ()> {
        let _ = (name, pause);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// One request for a place in a fleet-wide budget of token requests kept in
/// a store ([`TokenStore::take_from_budget`]), from a
/// [`TokenBudget`](crate::auth::TokenBudget).
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::BudgetTake;
///
/// let take = BudgetTake::new("eu-nat-1", Duration::from_secs(60), 20, "4242-9f1c-7");
/// assert_eq!(take.ceiling, 20);
/// assert!(!take.peek);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetTake {
    /// The budget: the egress IP it counts (a name the user gave), or one
    /// shopper's IP (hashed) under it.
    pub name: String,
    /// The sliding window.
    pub window: Duration,
    /// The request goes only if fewer than this many places are taken (the
    /// limit, or less for requests that leave some to the more urgent).
    pub ceiling: u32,
    /// Names the place (unique: the process, then a counter). Its first part,
    /// up to the last `-`, names the process: the store counts the processes
    /// sharing the budget, so each knows its share should the store fail.
    pub place: String,
    /// The longest the request may take: its place is held for this long and
    /// a window, unless released sooner.
    pub hold: Duration,
    /// Take nothing: only say how many places are taken.
    pub peek: bool,
}

impl BudgetTake {
    /// A request for a place, held up to 30 s and a window.
    ///
    /// ```
    /// let take = scope_core::auth::BudgetTake::new("egress", std::time::Duration::from_secs(3), 30, "me-1");
    /// assert_eq!(take.name, "egress");
    /// ```
    pub fn new(
        name: impl Into<String>,
        window: Duration,
        ceiling: u32,
        place: impl Into<String>,
    ) -> BudgetTake {
        BudgetTake {
            name: name.into(),
            window,
            ceiling,
            place: place.into(),
            hold: Duration::from_secs(30),
            peek: false,
        }
    }

    /// The process that asks: the place's name up to its last `-`.
    ///
    /// ```
    /// let take = scope_core::auth::BudgetTake::new("egress", std::time::Duration::from_secs(3), 30, "4242-9f1c-7");
    /// assert_eq!(take.holder(), "4242-9f1c");
    /// ```
    pub fn holder(&self) -> &str {
        self.place
            .rsplit_once('-')
            .map_or(self.place.as_str(), |(holder, _)| holder)
    }

    /// The same request, held up to `hold` and a window.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let take = scope_core::auth::BudgetTake::new("egress", Duration::from_secs(3), 30, "me-1").holding(Duration::from_secs(5));
    /// assert_eq!(take.hold, Duration::from_secs(5));
    /// ```
    pub fn holding(mut self, hold: Duration) -> BudgetTake {
        self.hold = hold;
        self
    }

    /// The same request, only reading.
    ///
    /// ```
    /// let take = scope_core::auth::BudgetTake::new("egress", std::time::Duration::from_secs(3), 30, "me-1").peeking();
    /// assert!(take.peek);
    /// ```
    pub fn peeking(mut self) -> BudgetTake {
        self.peek = true;
        self
    }
}

/// What [`TokenStore::take_from_budget`] answered.
///
/// ```
/// use scope_core::auth::BudgetAnswer;
///
/// let answer = BudgetAnswer::Taken { used: 3, processes: 2 };
/// assert_ne!(answer, BudgetAnswer::Unsupported);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetAnswer {
    /// The request may go (with a peek: nothing was taken); `used` counts the
    /// places taken with it, `processes` those that shared the budget in the
    /// window.
    Taken {
        /// The requests in the window.
        used: u32,
        /// The processes seen in the window.
        processes: u32,
    },
    /// The window is full up to the ceiling: a place frees after `retry_after`.
    Full {
        /// The requests in the window.
        used: u32,
        /// The processes seen in the window.
        processes: u32,
        /// How long until a place frees.
        retry_after: Duration,
    },
    /// A 429 paused the budget: nothing goes before `retry_after` ends.
    Paused {
        /// How long the pause still lasts.
        retry_after: Duration,
    },
    /// The store keeps no budgets: the budget counts in its process.
    Unsupported,
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
    fn take_from_budget<'a>(&'a self, take: &'a BudgetTake) -> StoreFuture<'a, BudgetAnswer> {
        (**self).take_from_budget(take)
    }
    fn release_budget_place<'a>(
        &'a self,
        name: &'a str,
        place: &'a str,
        window: Duration,
    ) -> StoreFuture<'a, ()> {
        (**self).release_budget_place(name, place, window)
    }
    fn pause_budget<'a>(&'a self, name: &'a str, pause: Duration) -> StoreFuture<'a, ()> {
        (**self).pause_budget(name, pause)
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

/// A [`TokenStore`] failed: what it was doing, and its own error as the source.
/// Cheap to clone: every caller that waited for the failed call gets it.
///
/// ```
/// use std::error::Error;
/// use scope_core::auth::StoreError;
///
/// let err = StoreError::new("connection refused");
/// assert_eq!(err.to_string(), "the token store failed: connection refused");
/// ```
#[derive(Debug, Clone)]
pub struct StoreError {
    source: Arc<dyn StdError + Send + Sync>,
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
            source: Arc::from(source.into()),
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
