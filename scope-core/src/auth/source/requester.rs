//! The one path from a cache to the auth server, for token sources and
//! customer sessions alike: the store first (another process may have renewed),
//! then one request for the whole fleet sharing the store (the lease loop), or
//! one on its own when the store fails or has no leases. A failure is recorded
//! as the fleet's backoff; a refusal cleans the store up by compare-and-delete.
//!
//! What differs between a source and a session is a [`Renewal`]: the grant
//! (client credentials, or the stored refresh token), the record kept for a
//! granted token, and what a refusal means.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::auth::budget::Need;
use crate::auth::cache::{self, Core, Policy, RetryHint};
use crate::auth::client::Flavour;
use crate::auth::trace::{self, secs};
use crate::auth::{
    AuthError, Credentials, FleetBackoff, Grant, Lease, StoreError, StoredToken, Token, TokenStore,
};

/// What a requester renews: a source's token, or a customer's session.
pub(crate) trait Renewal: Send + Sync + Sized + 'static {
    /// What callers of the cache get when no valid token is left.
    type Error: RetryHint + From<AuthError>;

    /// The grant of the next request, given the record the store holds
    /// (`None` when it holds none; the last one seen while the store fails,
    /// and the store's error when none was ever seen).
    fn grant(
        &self,
        record: Result<Option<&StoredToken>, &StoreError>,
    ) -> Result<Grant, Self::Error>;

    /// The token to serve and the record to keep, for `token` granted in
    /// answer to a request made with `asked_with`.
    fn granted(&self, token: Token, asked_with: Option<&StoredToken>) -> (Token, StoredToken);

    /// Whether `error` says the server refused what the request was made with
    /// (the credentials, or the refresh token).
    fn is_refusal(&self, error: &AuthError) -> bool;

    /// After a refusal of a request made with `asked_with`: cleans the store
    /// up, and says what callers get.
    fn refused<'a, C: Flavour>(
        &'a self,
        requester: &'a Requester<C, Self>,
        asked_with: Option<&'a StoredToken>,
        error: AuthError,
    ) -> impl Future<Output = Result<Token, Self::Error>> + Send + 'a;

    /// Whether a token the API refused is removed from the store (a source's
    /// is; a session's record keeps the refresh token that renews it).
    fn removes_refused(&self) -> bool;
}

/// What a requester shares with every other of its sources or sessions: the
/// client, the application, the store and the timing rules.
pub(crate) struct Shared<C> {
    pub(crate) client: C,
    pub(crate) credentials: Credentials,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) policy: Policy,
    /// A stored token is taken only with more life left than this (more than
    /// the renewal window, or it would be renewed at once).
    worth_loading: Duration,
    /// Names this process's requesters in the store's leases.
    holder: String,
}

impl<C> Shared<C> {
    /// What names this process's requesters in the store's leases.
    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }

    pub(crate) fn new(
        client: C,
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        policy: Policy,
    ) -> Shared<C> {
        Shared {
            client,
            credentials,
            store,
            policy,
            worth_loading: policy.margin.saturating_add(policy.jitter),
            holder: format!("{}-{:016x}", std::process::id(), cache::random()),
        }
    }
}

/// Makes the requests of one source or one session.
pub(crate) struct Requester<C, R> {
    pub(crate) shared: Arc<Shared<C>>,
    pub(crate) key: String,
    pub(crate) renewal: R,
    /// Set by `invalidate`: the stored copy is as stale as the cached one, so
    /// the next request goes to the server even if removing it failed.
    skip_store: AtomicBool,
    /// The last token the API refused: never taken from the store again.
    rejected: Mutex<Option<SecretString>>,
    /// Set when the last call to the store failed: tokens come from this
    /// process's own requests (its own single flight and backoff) until the
    /// store answers again.
    on_its_own: AtomicBool,
    /// The fleet-wide backoff last read from the store: honoured by a
    /// requester that goes on alone because a later store call failed, so it
    /// never asks before a deadline the fleet agreed on.
    last_fleet_backoff: Mutex<Option<FleetBackoff>>,
    /// The last record read or saved: what a session renews with while the
    /// store fails.
    last_record: Mutex<Option<StoredToken>>,
}

/// What reading the store gave.
pub(crate) enum Read {
    Found(StoredToken),
    Absent,
    Failed(StoreError),
}

/// How a request went: its result, and whether it was sent at all (with
/// nothing to ask with, it was not, and records no backoff).
struct Asked<E> {
    result: Result<Token, E>,
    sent: bool,
}

/// Why the lease loop does not go on: the fleet is backing off, or the store failed.
enum Refusal {
    Backoff(AuthError),
    StoreFailed,
}

/// How many times a requester waits for another's lease before it asks on its own.
const LEASE_ROUNDS: usize = 4;

/// Locks a mutex whose only writes are single assignments: a panic elsewhere
/// cannot leave it half-written.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether two secrets are the same.
pub(crate) fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret() == b.expose_secret()
}

/// The error that says the fleet backs off, while `backoff` lasts.
fn backoff_error(backoff: &FleetBackoff) -> Option<AuthError> {
    let retry_after = backoff.remaining();
    (!retry_after.is_zero()).then(|| AuthError::FleetBackoff {
        retry_after,
        failures: backoff.failures(),
    })
}

/// How long ago `token` was issued, by the lifetime it was granted and the
/// life it has left: no wall clock, so a clock off by hours does not matter.
pub(crate) fn age(token: &Token) -> Duration {
    token.expires_in().saturating_sub(token.remaining())
}

impl<C, R> Requester<C, R> {
    pub(crate) fn new(shared: Arc<Shared<C>>, key: String, renewal: R) -> Requester<C, R> {
        Requester {
            shared,
            key,
            renewal,
            skip_store: AtomicBool::new(false),
            rejected: Mutex::new(None),
            on_its_own: AtomicBool::new(false),
            last_fleet_backoff: Mutex::new(None),
            last_record: Mutex::new(None),
        }
    }

    fn store(&self) -> &dyn TokenStore {
        &*self.shared.store
    }

    /// Notes whether a store call failed (the requester is then on its own).
    pub(crate) fn noted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let was_on_its_own = self.on_its_own.swap(result.is_err(), Ordering::AcqRel);
        trace::store_answered(&self.key, was_on_its_own, &result);
        result
    }

    /// Whether the last call to the store failed.
    pub(crate) fn is_on_its_own(&self) -> bool {
        self.on_its_own.load(Ordering::Acquire)
    }

    /// Reads the store's record.
    pub(crate) async fn read(&self) -> Read {
        match self.noted(self.store().get(&self.key).await) {
            Ok(Some(record)) => {
                *locked(&self.last_record) = Some(record.clone());
                Read::Found(record)
            }
            Ok(None) => Read::Absent,
            Err(error) => Read::Failed(error),
        }
    }

    /// Remembers `record` as the last one the store held.
    pub(crate) fn remember(&self, record: StoredToken) {
        *locked(&self.last_record) = Some(record);
    }

    /// The stored token, if it has life enough left and was not refused.
    pub(crate) fn accept(&self, record: &StoredToken) -> Option<Token> {
        if record.remaining() <= self.shared.worth_loading
            || self.is_rejected(record.access_token())
        {
            return None;
        }
        record.to_token()
    }

    fn accept_read(&self, read: &Read) -> Option<Token> {
        match read {
            Read::Found(record) => self.accept(record),
            Read::Absent | Read::Failed(_) => None,
        }
    }

    /// The record to ask with: the one read, or while the store fails the
    /// last one seen (never one the store said is gone).
    fn asking_with<'a>(&self, read: &'a Read) -> Result<Option<StoredToken>, &'a StoreError> {
        match read {
            Read::Found(record) => Ok(Some(record.clone())),
            Read::Absent => Ok(None),
            Read::Failed(error) => locked(&self.last_record).clone().map(Some).ok_or(error),
        }
    }

    /// Keeps `record` in the store (and as the last one seen).
    async fn save(&self, record: StoredToken) {
        *locked(&self.last_record) = Some(record.clone());
        // A store that fails to save costs other processes a request, not this one its token.
        let saved = self.store().put(&self.key, record).await;
        let _ = self.noted(saved);
    }

    /// Whether the API refused `access_token`.
    pub(crate) fn is_rejected(&self, access_token: &SecretString) -> bool {
        locked(&self.rejected)
            .as_ref()
            .is_some_and(|rejected| same_secret(rejected, access_token))
    }

    /// The fleet-wide backoff last read, while it lasts.
    fn remembered_fleet_backoff(&self) -> Option<AuthError> {
        locked(&self.last_fleet_backoff)
            .as_ref()
            .and_then(backoff_error)
    }

    /// The store's fleet-wide backoff (remembered for when the store fails),
    /// or the refusal to ask while it lasts.
    async fn read_fleet_backoff(&self) -> Result<Option<FleetBackoff>, Refusal> {
        let backoff = self
            .noted(self.store().fleet_backoff(&self.key).await)
            .map_err(|_| Refusal::StoreFailed)?;
        if let Some(backoff) = backoff {
            *locked(&self.last_fleet_backoff) = Some(backoff);
        }
        match backoff.and_then(|backoff| backoff_error(&backoff)) {
            Some(error) => {
                let retry_in = error.retry_after().unwrap_or_default();
                trace::warning!("fleet backoff: no request until it ends", retry_in = %secs(retry_in));
                Err(Refusal::Backoff(error))
            }
            None => Ok(backoff),
        }
    }

    /// Records a fleet-wide backoff of `wait` after `failures` failures in a row.
    async fn record_fleet_backoff(&self, wait: Duration, failures: u32) {
        trace::warning!("fleet backoff recorded", retry_in = %secs(wait), failures = %failures);
        let backoff = FleetBackoff::new(SystemTime::now() + wait, failures);
        let recorded = self
            .store()
            .set_fleet_backoff(&self.key, Some(backoff))
            .await;
        let _ = self.noted(recorded);
    }

    /// Drops the cached token and skips the stored one at the next request:
    /// the next call asks the server. A cached token that was young counts as
    /// refused young (see [`Core::count_refusal`]).
    pub(crate) async fn invalidate<E: RetryHint>(
        &self,
        core: &Core<Token, E>,
    ) -> Result<(), StoreError> {
        self.skip_store.store(true, Ordering::Release);
        let dropped = core.invalidate();
        trace::info!("the cached token was invalidated", key = %self.key);
        if let Some(token) = dropped {
            self.count_refusal(core, &token).await;
        }
        self.store().remove(&self.key).await
    }

    /// The API refused `token`: it is never served again. Drops it from the
    /// cache of `core` if it is still there (then counts the refusal, see
    /// [`Core::count_refusal`]), and, for a source, the store's copy if it is
    /// that token (compare-and-delete), so a fleet that saw one refusal
    /// renews once. Returns whether the cache held it.
    pub(crate) async fn reject<E: RetryHint>(
        &self,
        core: &Core<Token, E>,
        token: &Token,
        cached_or_stored: bool,
    ) -> Result<bool, StoreError>
    where
        R: Renewal,
    {
        let access_token = token.access_token();
        *locked(&self.rejected) = Some(access_token.clone());
        let dropped = core.invalidate_if(|cached| same_secret(cached.access_token(), access_token));
        trace::info!("refused token invalidated", key = %self.key, was_cached = %dropped);
        if dropped || cached_or_stored {
            self.count_refusal(core, token).await;
        }
        if self.renewal.removes_refused() {
            let removed = self.store().remove_if(&self.key, access_token).await;
            self.noted(removed)?;
        }
        Ok(dropped)
    }

    /// Counts `token` as refused by the API, and makes the wait this sets
    /// the fleet's too.
    async fn count_refusal<E: RetryHint>(&self, core: &Core<Token, E>, token: &Token) {
        let Some((retry_at, refusals)) = core.count_refusal(age(token)) else {
            return;
        };
        let wait = retry_at.saturating_duration_since(crate::auth::now());
        trace::warning!(
            "tokens refused soon after their issue: renewals back off",
            retry_in = %secs(wait),
            refusals = %refusals,
        );
        self.record_fleet_backoff(wait, refusals).await;
    }
}

impl<C: Flavour, R: Renewal> Requester<C, R> {
    /// A token from the store, or from one request for the whole fleet
    /// sharing it: the lease holder asks, the others wait for its token. When
    /// the store fails, or has no leases, this process asks on its own.
    pub(crate) async fn request(&self, need: Need) -> Result<Token, R::Error> {
        let skip = self.skip_store.swap(false, Ordering::AcqRel);
        let mut read = self.read().await;
        if !skip && let Some(token) = self.accept_read(&read) {
            return Ok(token);
        }
        // Whether the store's backoff is worth reading again before going on
        // alone: not when reading it is what just failed.
        let mut read_backoff_again = true;
        for _ in 0..LEASE_ROUNDS {
            let failures = match self.read_fleet_backoff().await {
                Ok(backoff) => backoff.map_or(0, |backoff| backoff.failures()),
                Err(Refusal::Backoff(error)) => return Err(error.into()),
                Err(Refusal::StoreFailed) => {
                    read_backoff_again = false;
                    break;
                }
            };
            let holder = &self.shared.holder;
            match self.noted(self.store().acquire_lease(&self.key, holder).await) {
                Ok(Lease::Granted) => {
                    trace::debug!("lease taken: this process asks for the fleet");
                    // The previous holder may have saved its token, or
                    // recorded a failure (a 429), and released the lease
                    // since the store was last read: it writes both before
                    // it releases, so both are read again now.
                    read = self.read().await;
                    if let Some(token) = self.accept_read(&read) {
                        self.release_lease().await;
                        return Ok(token);
                    }
                    let failures = match self.read_fleet_backoff().await {
                        Ok(backoff) => backoff.map_or(failures, |backoff| backoff.failures()),
                        Err(Refusal::Backoff(error)) => {
                            self.release_lease().await;
                            return Err(error.into());
                        }
                        Err(Refusal::StoreFailed) => failures,
                    };
                    return self.request_for_the_fleet(failures, &read, need).await;
                }
                Ok(Lease::HeldElsewhere) => {
                    trace::debug!("lease held elsewhere: waiting for its token");
                    match self.noted(self.store().wait_for_token(&self.key).await) {
                        Ok(Some(stored)) => {
                            if let Some(token) = self.accept(&stored) {
                                trace::debug!("woken by the fleet's token");
                                *locked(&self.last_record) = Some(stored);
                                return Ok(token);
                            }
                        }
                        // Released or expired without a token: look again,
                        // then take the lease over.
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
                Ok(_) | Err(_) => break,
            }
            read = self.read().await;
            if let Some(token) = self.accept_read(&read) {
                return Ok(token);
            }
        }
        // A store call failed or leases ran out: before asking alone, make sure
        // the fleet is not backing off (a holder may have recorded a 429 while
        // this process waited), from the store if it answers, else from memory.
        if read_backoff_again {
            if let Err(Refusal::Backoff(error)) = self.read_fleet_backoff().await {
                return Err(error.into());
            }
        } else if let Some(error) = self.remembered_fleet_backoff() {
            return Err(error.into());
        }
        self.ask(&read, need).await.result
    }

    async fn release_lease(&self) {
        let released = self
            .store()
            .release_lease(&self.key, &self.shared.holder)
            .await;
        let _ = self.noted(released);
    }

    /// As the lease holder: asks, saves the token (which wakes the waiters),
    /// records a failure as a fleet-wide backoff, and releases the lease.
    async fn request_for_the_fleet(
        &self,
        failures: u32,
        read: &Read,
        need: Need,
    ) -> Result<Token, R::Error> {
        let asked = self.ask(read, need).await;
        match &asked.result {
            Ok(_) if failures > 0 => {
                let cleared = self.store().set_fleet_backoff(&self.key, None).await;
                let _ = self.noted(cleared);
            }
            Err(error) if asked.sent => {
                let failures = failures.saturating_add(1);
                let wait =
                    self.shared
                        .policy
                        .backoff(failures, error.retry_after(), cache::random());
                self.record_fleet_backoff(wait, failures).await;
            }
            Ok(_) | Err(_) => {}
        }
        self.release_lease().await;
        asked.result
    }

    /// One request, with the grant the stored record (or the last one seen,
    /// while the store fails) gives; a granted token is saved, a refusal
    /// cleans the store up.
    async fn ask(&self, read: &Read, need: Need) -> Asked<R::Error> {
        let asked_with = self.asking_with(read);
        let grant = match self
            .renewal
            .grant(asked_with.as_ref().map(Option::as_ref).map_err(|e| *e))
        {
            Ok(grant) => grant,
            Err(error) => {
                return Asked {
                    result: Err(error),
                    sent: false,
                };
            }
        };
        let asked_with = asked_with.ok().flatten();
        let shared = &self.shared;
        let answer = shared
            .client
            .token_with(&shared.credentials, &grant, need)
            .await;
        let result = match answer {
            // Nothing was sent: the budget is fleet-wide already, no backoff to record.
            Err(error @ AuthError::BudgetSpent { .. }) => {
                return Asked {
                    result: Err(error.into()),
                    sent: false,
                };
            }
            Ok(token) => {
                let (token, record) = self.renewal.granted(token, asked_with.as_ref());
                self.save(record).await;
                Ok(token)
            }
            Err(error) if self.renewal.is_refusal(&error) => {
                self.renewal.refused(self, asked_with.as_ref(), error).await
            }
            Err(error) => Err(error.into()),
        };
        Asked { result, sent: true }
    }
}

/// The renewal of a [`TokenSource`](crate::auth::TokenSource): a
/// `client_credentials` request; a 401 means the credentials were refused,
/// and their stored token goes too.
pub(crate) struct ClientCredentials;

impl Renewal for ClientCredentials {
    type Error = AuthError;

    fn grant(
        &self,
        _record: Result<Option<&StoredToken>, &StoreError>,
    ) -> Result<Grant, AuthError> {
        Ok(Grant::ClientCredentials)
    }

    fn granted(&self, token: Token, _asked_with: Option<&StoredToken>) -> (Token, StoredToken) {
        let record = StoredToken::from_token(&token);
        (token, record)
    }

    fn is_refusal(&self, error: &AuthError) -> bool {
        error.is_unauthorized()
    }

    async fn refused<C: Flavour>(
        &self,
        requester: &Requester<C, Self>,
        _asked_with: Option<&StoredToken>,
        error: AuthError,
    ) -> Result<Token, AuthError> {
        // No source sharing the store is handed a token for refused
        // credentials. A store that fails to remove it costs a request, not
        // correctness: the cache drops its copy either way.
        let _ = requester.store().remove(&requester.key).await;
        Err(error)
    }

    fn removes_refused(&self) -> bool {
        true
    }
}
