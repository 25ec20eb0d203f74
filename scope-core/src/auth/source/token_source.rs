//! [`TokenSource`]: a valid token on every call, from one request per renewal
//! however many tasks ask.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

use crate::auth::cache::{self, Core, Expiring, Failure, Policy, RetryHint, SystemClock};
use crate::auth::trace::{self, secs};
use crate::auth::{AuthClient, AuthError, Credentials, DecodeError, Token};
use crate::auth::{FleetBackoff, Lease, MemoryStore, StoreError, StoredToken, TokenStore};

/// How long before expiry a token is renewed unless the builder says otherwise.
/// Commerce Layer issues the next token before the old one expires, so a
/// renewal in these last minutes gets a fresh one.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_REFRESH_MARGIN.as_secs(), 300);
/// ```
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Up to how much earlier again a token is renewed, picked at random per token
/// so a fleet started together spreads its renewals over this window.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_REFRESH_JITTER.as_secs(), 60);
/// ```
pub const DEFAULT_REFRESH_JITTER: Duration = Duration::from_secs(60);

/// The first backoff step, unless the builder says otherwise: after a failed
/// request the source waits a random time between half of the step and all of
/// it (here 0.5 to 1 s), and the step doubles with each failure in a row up to
/// [`DEFAULT_BACKOFF_MAX`] (1, 2, 4, … 60 s). The random part keeps a fleet that
/// failed together from retrying together. It is also the least time between
/// two requests when the server grants tokens shorter-lived than it.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BACKOFF_INITIAL.as_secs(), 1);
/// ```
pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);

/// The largest backoff step, unless the builder says otherwise: once reached,
/// each wait between failed requests is between 30 and 60 s (at least the
/// server's `Retry-After`), so a source makes at most two requests a minute.
/// Before the cap, in the first minute of an outage, the shortest waits
/// (0.5, 1, 2, 4, 8 and 16 s) allow up to seven. That is per source: the auth
/// server's limit of 30 requests a minute is per IP, shared by every source of
/// every process behind it.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BACKOFF_MAX.as_secs(), 60);
/// ```
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// A cached access token for one set of credentials, renewed before it expires.
///
/// [`token`](TokenSource::token) returns the cached token while it has more
/// than the refresh margin of life left: a few nanoseconds, no lock, no request.
/// Past the margin, the first caller starts one renewal in the background and
/// everyone keeps the still-valid token until the new one lands. With no valid
/// token, however many tasks call at once, the server sees one request and
/// every caller gets its token or its error.
///
/// When a renewal fails transiently (a 5xx, a 429, a transport failure, a
/// timeout), the valid token is still served and the renewal is tried again
/// after a backoff: a random wait between half of a step and all of it, the
/// step starting at 1 s and doubling with each failure up to 60 s (so 0.5–1 s,
/// 1–2 s, 2–4 s, … then 30–60 s), and at least the server's `Retry-After`. When
/// the server refuses the credentials (401), the cached token, and the store's
/// copy, are dropped at once: callers get the error instead of a token for
/// refused credentials, and the source keeps backing off the same way. Only
/// when no valid token remains does `token` fail, and until the backoff ends
/// it fails at once with the last error, without a request.
///
/// `token` never returns an expired token, and never makes two requests
/// within the initial backoff step (1 s by default) of each other, whatever
/// the server grants. A token that has already expired when the answer arrives
/// (`expires_in: 0`) is a failed request, with an error saying so. A token
/// that lives less than twice the refresh margin is renewed at half its life,
/// but no sooner than the initial backoff step after its request; if it
/// expires before then, it counts as a failed request too, and callers get
/// that error until the next request. Expiry is measured on a monotonic clock from the moment the
/// request was sent. That clock stops while the machine is suspended, and the
/// server may revoke a token early: when the Core API answers 401, pass the
/// token to [`invalidate_token`](TokenSource::invalidate_token).
///
/// Clones share the cache: make one per credentials and clone it into tasks.
///
/// ```no_run
/// use scope_core::auth::{AuthClient, Credentials, ExposeSecret, TokenSource};
/// use scope_core::scopes;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let tokens = TokenSource::new(AuthClient::new(), credentials);
/// for _ in 0..1000 {
///     let token = tokens.token().await?; // one request, 999 cache hits
///     let _header = format!("Bearer {}", token.access_token().expose_secret());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenSource {
    core: Arc<Core<Token, AuthError>>,
    requester: Arc<Requester<AuthClient>>,
}

/// Makes the requests of a source: the store first, then the auth server.
pub(crate) struct Requester<C> {
    pub(crate) client: C,
    pub(crate) credentials: Credentials,
    store: Arc<dyn TokenStore>,
    pub(crate) key: String,
    /// A stored token is taken only with more life left than this (more than
    /// the renewal window, or it would be renewed at once).
    worth_loading: Duration,
    /// Set by `invalidate`: the stored copy is as stale as the cached one, so
    /// the next request goes to the server even if removing it failed.
    skip_store: AtomicBool,
    /// The last token rejected through `invalidate_token`: never loaded from
    /// the store again.
    rejected: Mutex<Option<SecretString>>,
    /// The backoff steps, for the fleet-wide backoff recorded in the store.
    policy: Policy,
    /// Names this source in the store's leases.
    holder: String,
    /// Set when the last call to the store failed: the source is getting its
    /// tokens on its own (its own single flight and backoff) until the store
    /// answers again.
    on_its_own: AtomicBool,
    /// The fleet-wide backoff last read from the store: honoured by a source
    /// that goes on alone because a later store call failed, so it never asks
    /// before a deadline the fleet agreed on.
    last_fleet_backoff: Mutex<Option<FleetBackoff>>,
}

/// How many times a source waits for another's lease before it asks on its own.
const LEASE_ROUNDS: usize = 4;

impl<C> Requester<C> {
    /// The stored token, if the store has one worth using and `invalidate`
    /// has not just said to skip it. A failing store counts as an empty one:
    /// the auth server is asked instead.
    pub(crate) async fn load(&self) -> Option<Token> {
        if self.skip_store.swap(false, Ordering::AcqRel) {
            return None;
        }
        self.load_stored().await
    }

    /// The stored token, if the store has one worth using.
    async fn load_stored(&self) -> Option<Token> {
        let stored = self.noted(self.store.get(&self.key).await).ok()??;
        self.accept(stored)
    }

    /// `stored` as a token, if it has life enough left and was not rejected.
    fn accept(&self, stored: StoredToken) -> Option<Token> {
        if stored.remaining() <= self.worth_loading || self.is_rejected(stored.access_token()) {
            return None;
        }
        stored.to_token()
    }

    /// Notes whether a store call failed (the source is then on its own).
    fn noted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let was_on_its_own = self.on_its_own.swap(result.is_err(), Ordering::AcqRel);
        trace::store_answered(&self.key, was_on_its_own, &result);
        result
    }

    /// Whether the last call to the store failed.
    pub(crate) fn is_on_its_own(&self) -> bool {
        self.on_its_own.load(Ordering::Acquire)
    }

    /// Keeps a fresh token in the store.
    pub(crate) async fn save(&self, token: &Token) {
        // A store that fails to save costs other processes a request, not this one its token.
        let saved = self
            .store
            .put(&self.key, StoredToken::from_token(token))
            .await;
        let _ = self.noted(saved);
    }

    fn rejected(&self) -> MutexGuard<'_, Option<SecretString>> {
        // One assignment is the only write: a panic elsewhere cannot leave it
        // half-written.
        self.rejected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_rejected(&self, access_token: &SecretString) -> bool {
        self.rejected()
            .as_ref()
            .is_some_and(|rejected| same_secret(rejected, access_token))
    }

    /// Remembers `token` as rejected, and drops it from the cache of `core` if
    /// it is still there.
    fn reject(&self, core: &Core<Token, AuthError>, token: &Token) {
        let access_token = token.access_token();
        *self.rejected() = Some(access_token.clone());
        let dropped = core.invalidate_if(|cached| same_secret(cached.access_token(), access_token));
        trace::info!("refused token invalidated", key = %self.key, was_cached = %dropped);
    }

    /// After a request that failed with `error`: when the server refused the
    /// credentials (401), removes the store's copy too (the cache drops its
    /// own), so no source sharing the store is handed a token for them.
    pub(crate) async fn forget_if_refused(&self, error: &AuthError) {
        if error.is_unauthorized() {
            // A store that fails to remove it costs a request, not correctness:
            // the cache has dropped its copy either way.
            let _ = self.store.remove(&self.key).await;
        }
    }

    /// [`TokenSource::invalidate`], for either flavour of source.
    pub(crate) async fn invalidate(&self, core: &Core<Token, AuthError>) -> Result<(), StoreError> {
        self.skip_store.store(true, Ordering::Release);
        core.invalidate();
        trace::info!("the cached token was invalidated", key = %self.key);
        self.store.remove(&self.key).await
    }

    /// [`TokenSource::invalidate_token`], for either flavour of source.
    pub(crate) async fn invalidate_token(
        &self,
        core: &Core<Token, AuthError>,
        token: &Token,
    ) -> Result<(), StoreError> {
        self.reject(core, token);
        // Only the store's copy of `token` goes (compare-and-delete): a newer
        // one is kept, so a fleet that saw one rejection renews once.
        let removed = self.store.remove_if(&self.key, token.access_token()).await;
        self.noted(removed).map(drop)
    }
}

/// Why the lease loop does not go on: the fleet is backing off, or the store failed.
enum Refusal {
    Backoff(AuthError),
    StoreFailed,
}

/// The error that says the fleet backs off, while `backoff` lasts.
fn backoff_error(backoff: &FleetBackoff) -> Option<AuthError> {
    let retry_after = backoff.remaining();
    (!retry_after.is_zero()).then(|| AuthError::FleetBackoff {
        retry_after,
        failures: backoff.failures(),
    })
}

/// Whether two access tokens are the same token.
fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret() == b.expose_secret()
}

impl Requester<AuthClient> {
    /// A token from the store, or from one request for the whole fleet
    /// sharing it: the lease holder asks, the others wait for its token. When
    /// the store fails, or has no leases, this source asks on its own.
    async fn request(&self) -> Result<Token, AuthError> {
        if let Some(token) = self.load().await {
            return Ok(token);
        }
        // Whether the store's backoff is worth reading again before going on
        // alone: not when reading it is what just failed.
        let mut read_backoff_again = true;
        for _ in 0..LEASE_ROUNDS {
            let failures = match self.read_fleet_backoff().await {
                Ok(backoff) => backoff.map_or(0, |backoff| backoff.failures()),
                Err(Refusal::Backoff(error)) => return Err(error),
                Err(Refusal::StoreFailed) => {
                    read_backoff_again = false;
                    break;
                }
            };
            match self.noted(self.store.acquire_lease(&self.key, &self.holder).await) {
                Ok(Lease::Granted) => {
                    trace::debug!("lease taken: this process asks for the fleet");
                    // The previous holder may have saved its token and
                    // released the lease since the store was last read.
                    if let Some(token) = self.load_stored().await {
                        let released = self.store.release_lease(&self.key, &self.holder).await;
                        let _ = self.noted(released);
                        return Ok(token);
                    }
                    return self.request_for_the_fleet(failures).await;
                }
                Ok(Lease::HeldElsewhere) => {
                    trace::debug!("lease held elsewhere: waiting for its token");
                    match self.noted(self.store.wait_for_token(&self.key).await) {
                        Ok(Some(stored)) => {
                            if let Some(token) = self.accept(stored) {
                                trace::debug!("woken by the fleet's token");
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
            if let Some(token) = self.load_stored().await {
                return Ok(token);
            }
        }
        // A store call failed or leases ran out: before asking alone, make sure
        // the fleet is not backing off (a holder may have recorded a 429 while
        // this source waited), from the store if it answers, else from memory.
        if read_backoff_again {
            if let Err(Refusal::Backoff(error)) = self.read_fleet_backoff().await {
                return Err(error);
            }
        } else if let Some(error) = self.remembered_fleet_backoff() {
            return Err(error);
        }
        self.request_alone().await
    }

    /// The store's fleet-wide backoff (remembered for when the store fails),
    /// or the refusal to ask while it lasts.
    async fn read_fleet_backoff(&self) -> Result<Option<FleetBackoff>, Refusal> {
        let backoff = self
            .noted(self.store.fleet_backoff(&self.key).await)
            .map_err(|_| Refusal::StoreFailed)?;
        if let Some(backoff) = backoff {
            *self.last_fleet_backoff() = Some(backoff);
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

    /// The refusal of the fleet-wide backoff last read, while it lasts.
    fn remembered_fleet_backoff(&self) -> Option<AuthError> {
        self.last_fleet_backoff().as_ref().and_then(backoff_error)
    }

    fn last_fleet_backoff(&self) -> MutexGuard<'_, Option<FleetBackoff>> {
        // One assignment is the only write, as for `rejected`.
        self.last_fleet_backoff
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// As the lease holder: asks, saves the token (which wakes the waiters),
    /// records a failure as a fleet-wide backoff, and releases the lease.
    async fn request_for_the_fleet(&self, failures: u32) -> Result<Token, AuthError> {
        let result = self.client.request_token(&self.credentials).await;
        match &result {
            Ok(token) => {
                self.save(token).await;
                if failures > 0 {
                    let cleared = self.store.set_fleet_backoff(&self.key, None).await;
                    let _ = self.noted(cleared);
                }
            }
            Err(error) => {
                self.forget_if_refused(error).await;
                let failures = failures.saturating_add(1);
                let wait = self
                    .policy
                    .backoff(failures, error.retry_after(), cache::random());
                let until = std::time::SystemTime::now() + wait;
                trace::warning!("fleet backoff recorded", retry_in = %secs(wait), failures = %failures);
                let recorded = self
                    .store
                    .set_fleet_backoff(&self.key, Some(FleetBackoff::new(until, failures)))
                    .await;
                let _ = self.noted(recorded);
            }
        }
        let released = self.store.release_lease(&self.key, &self.holder).await;
        let _ = self.noted(released);
        result
    }

    /// On its own, as a source with a store of its own would.
    async fn request_alone(&self) -> Result<Token, AuthError> {
        let token = match self.client.request_token(&self.credentials).await {
            Ok(token) => token,
            Err(error) => {
                self.forget_if_refused(&error).await;
                return Err(error);
            }
        };
        self.save(&token).await;
        Ok(token)
    }
}

impl TokenSource {
    /// A source with the default margin, jitter, backoff and an in-memory store.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// assert_eq!(tokens.credentials().client_id(), "id");
    /// ```
    pub fn new(client: AuthClient, credentials: Credentials) -> TokenSource {
        // The default settings always pass the builder's check.
        TokenSource::assembled(TokenSource::builder(client, credentials))
    }

    fn assembled(builder: TokenSourceBuilder<AuthClient>) -> TokenSource {
        let (core, requester) = builder.assemble(AuthClient::base_url);
        TokenSource { core, requester }
    }

    /// A builder to set the refresh margin and jitter, the backoff, or a shared
    /// [`TokenStore`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{AuthClient, Credentials, MemoryStore, TokenSource};
    ///
    /// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "secret", None))
    ///     .refresh_margin(Duration::from_secs(600))
    ///     .refresh_jitter(Duration::from_secs(120))
    ///     .store(MemoryStore::new())
    ///     .build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder(client: AuthClient, credentials: Credentials) -> TokenSourceBuilder<AuthClient> {
        TokenSourceBuilder::new(client, credentials)
    }

    /// A valid access token: the cached one while it has more than the margin
    /// left, otherwise from one request shared with every concurrent caller.
    ///
    /// # Errors
    ///
    /// Only when no valid token is cached and the request failed (or failed a
    /// moment ago and the source is backing off): the [`TokenError`] holds the
    /// [`AuthError`] and when the next request will be made.
    ///
    /// ```no_run
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// # async fn run(tokens: TokenSource) {
    /// match tokens.token().await {
    ///     Ok(token) => println!("valid for {:?}", token.remaining()),
    ///     Err(err) => eprintln!("{err}"), // says what failed and when the next try is
    /// }
    /// # }
    /// ```
    pub async fn token(&self) -> Result<Arc<Token>, TokenError> {
        if let Some(token) = self.core.fresh() {
            return Ok(token);
        }
        // Boxed: the slow path's state stays out of every caller's future.
        Box::pin(self.renew()).await
    }

    async fn renew(&self) -> Result<Arc<Token>, TokenError> {
        let requester = &self.requester;
        let request = || {
            let requester = Arc::clone(requester);
            async move { requester.request().await }
        };
        let span = trace::token_source(&requester.credentials);
        trace::in_span(cache::get(&self.core, request), span)
            .await
            .map_err(TokenError::from)
    }

    /// Drops the cached token, here and in the store, so the next call to
    /// [`token`](TokenSource::token) asks the server: call it when the Core API
    /// answers 401 with a token from this source.
    ///
    /// # Errors
    ///
    /// When the store fails to remove its copy. The source itself will not
    /// load that copy again either way.
    ///
    /// ```no_run
    /// # use scope_core::auth::TokenSource;
    /// # async fn run(tokens: TokenSource) -> Result<(), Box<dyn std::error::Error>> {
    /// let token = tokens.token().await?;
    /// // ... the Core API answers 401 Unauthorized:
    /// tokens.invalidate().await?;
    /// let fresh = tokens.token().await?;
    /// # Ok(()) }
    /// ```
    pub async fn invalidate(&self) -> Result<(), StoreError> {
        self.requester.invalidate(&self.core).await
    }

    /// Drops `token` if it is still the cached one, and the store's copy if it
    /// is that token: call it when the Core API answers 401 to a request made
    /// with `token`. Unlike [`invalidate`](TokenSource::invalidate), a token
    /// that has already been replaced is left alone, so many tasks rejecting
    /// the same old token cost one renewal, not one each.
    ///
    /// # Errors
    ///
    /// When the store fails to read or remove its copy. The source will not
    /// load that token from the store again either way.
    ///
    /// ```no_run
    /// # use scope_core::auth::TokenSource;
    /// # async fn run(tokens: TokenSource) -> Result<(), Box<dyn std::error::Error>> {
    /// let token = tokens.token().await?;
    /// // ... the Core API answers 401 Unauthorized to a request with `token`:
    /// tokens.invalidate_token(&token).await?;
    /// # Ok(()) }
    /// ```
    pub async fn invalidate_token(&self, token: &Token) -> Result<(), StoreError> {
        self.requester.invalidate_token(&self.core, token).await
    }

    /// The credentials tokens are requested with.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// assert!(!tokens.credentials().is_sales_channel());
    /// ```
    pub fn credentials(&self) -> &Credentials {
        &self.requester.credentials
    }

    /// The key tokens are kept under in the [`TokenStore`]: the auth server's
    /// URL, the client id and the scope, joined by `|` (no secret).
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// use scope_core::scopes;
    ///
    /// let credentials = Credentials::integration("id", "secret", Some(scopes!("market:code:europe")));
    /// let tokens = TokenSource::new(AuthClient::new(), credentials);
    /// assert_eq!(tokens.store_key(), "https://auth.commercelayer.io|id|market:code:europe");
    /// ```
    pub fn store_key(&self) -> &str {
        &self.requester.key
    }

    /// Whether the last call to the [`TokenStore`] failed, so that this
    /// source is getting tokens on its own: its own single flight and
    /// backoff, one request per renewal for this process instead of one for
    /// the fleet. It goes back to the store's lease as soon as the store
    /// answers again. With feature `tracing`, a warning says so when it
    /// starts and a line when it ends; poll this (or read the store's errors
    /// from [`invalidate`](TokenSource::invalidate)) to report it otherwise.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// assert!(!tokens.is_on_its_own());
    /// ```
    pub fn is_on_its_own(&self) -> bool {
        self.requester.is_on_its_own()
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("credentials", &self.requester.credentials)
            .field("policy", self.core.policy())
            .finish_non_exhaustive()
    }
}

/// Builds a [`TokenSource`] (or, with the `blocking` feature, a
/// [`blocking::TokenSource`](crate::auth::blocking::TokenSource)).
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::{AuthClient, Credentials, TokenSource};
///
/// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "secret", None))
///     .backoff(Duration::from_millis(500), Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
pub struct TokenSourceBuilder<C> {
    client: C,
    credentials: Credentials,
    policy: Policy,
    store: Option<Arc<dyn TokenStore>>,
}

impl<C> TokenSourceBuilder<C> {
    pub(crate) fn new(client: C, credentials: Credentials) -> Self {
        TokenSourceBuilder {
            client,
            credentials,
            policy: Policy {
                margin: DEFAULT_REFRESH_MARGIN,
                jitter: DEFAULT_REFRESH_JITTER,
                backoff_initial: DEFAULT_BACKOFF_INITIAL,
                backoff_max: DEFAULT_BACKOFF_MAX,
            },
            store: None,
        }
    }

    /// Renew a token this long before it expires (default
    /// [`DEFAULT_REFRESH_MARGIN`]). A token that lives less than twice the
    /// margin is renewed at half its life, but never sooner than the initial
    /// backoff step after its request. A token that expires before that step
    /// is served while valid and counts as a failed request (backing off), and
    /// one already expired on arrival is a failed request: the source never
    /// returns an expired token and never asks more than once per backoff step.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// let builder = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .refresh_margin(Duration::from_secs(600));
    /// ```
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.policy.margin = margin;
        self
    }

    /// Renew up to this much earlier again, picked at random per token (default
    /// [`DEFAULT_REFRESH_JITTER`]; zero turns jitter off).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// let builder = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .refresh_jitter(Duration::ZERO);
    /// ```
    pub fn refresh_jitter(mut self, jitter: Duration) -> Self {
        self.policy.jitter = jitter;
        self
    }

    /// Back off in steps that start at `initial` and double with each failed
    /// request in a row up to `max` (defaults [`DEFAULT_BACKOFF_INITIAL`] and
    /// [`DEFAULT_BACKOFF_MAX`]); each wait is a random time between half of its
    /// step and all of it. The server's `Retry-After` wins when longer. Once
    /// at `max`, a source makes at most two requests per `max` while failing.
    /// `initial` is also the least time between two requests for tokens that
    /// live shorter than it.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// let err = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .backoff(Duration::ZERO, Duration::from_secs(1))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("backoff"));
    /// ```
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.policy.backoff_initial = initial;
        self.policy.backoff_max = max;
        self
    }

    /// Keep tokens in `store` as well (default: a [`MemoryStore`] of the
    /// source's own). A store shared between sources, or processes, lets them
    /// share tokens.
    ///
    /// ```
    /// # use scope_core::auth::{AuthClient, Credentials, MemoryStore, TokenSource};
    /// let shared = MemoryStore::new();
    /// let a = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .store(shared.clone())
    ///     .build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn store(self, store: impl TokenStore) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// As [`store`](TokenSourceBuilder::store), for a store already behind an `Arc`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use scope_core::auth::{AuthClient, Credentials, MemoryStore, TokenSource, TokenStore};
    /// let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    /// let builder = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .shared_store(store);
    /// ```
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Refuses settings that would hammer the server.
    pub(crate) fn check(&self) -> Result<(), AuthError> {
        let policy = self.policy;
        if policy.backoff_initial.is_zero() {
            return Err(AuthError::InvalidConfig(
                "the initial backoff must be longer than zero, or failed requests would be repeated at once; \
                 pass at least a few milliseconds to TokenSourceBuilder::backoff"
                    .into(),
            ));
        }
        if policy.backoff_max < policy.backoff_initial {
            return Err(AuthError::InvalidConfig(format!(
                "the longest backoff ({:?}) is shorter than the initial one ({:?}); \
                 pass a maximum at least as long to TokenSourceBuilder::backoff",
                policy.backoff_max, policy.backoff_initial
            )));
        }
        Ok(())
    }

    /// Splits the builder into the cache and the requester; `base_url` reads
    /// the client's auth server URL, the first part of the store key.
    pub(crate) fn assemble(
        self,
        base_url: impl FnOnce(&C) -> &str,
    ) -> (Arc<Core<Token, AuthError>>, Arc<Requester<C>>) {
        let policy = self.policy;
        let requester = Requester {
            key: format!(
                "{}|{}",
                base_url(&self.client),
                self.credentials.cache_key()
            ),
            client: self.client,
            credentials: self.credentials,
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            worth_loading: policy.margin.saturating_add(policy.jitter),
            skip_store: AtomicBool::new(false),
            rejected: Mutex::new(None),
            policy,
            holder: format!("{}-{:016x}", std::process::id(), cache::random()),
            on_its_own: AtomicBool::new(false),
            last_fleet_backoff: Mutex::new(None),
        };
        (
            Arc::new(Core::new(policy, SystemClock)),
            Arc::new(requester),
        )
    }
}

impl TokenSourceBuilder<AuthClient> {
    /// The source.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when the backoff is zero or its maximum is
    /// shorter than its start.
    ///
    /// ```
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None)).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn build(self) -> Result<TokenSource, AuthError> {
        self.check()?;
        Ok(TokenSource::assembled(self))
    }
}

impl<C> fmt::Debug for TokenSourceBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("credentials", &self.credentials)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Why [`TokenSource::token`] has no token to give: no valid token is cached
/// and the last request failed. Cheap to clone; every caller that waited for
/// the failed request gets the same error.
///
/// ```
/// # use scope_core::auth::TokenError;
/// fn explain(err: &TokenError) -> String {
///     match err.retry_in() {
///         Some(wait) => format!("{err} (retrying in {wait:?})"),
///         None => err.to_string(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct TokenError {
    error: Arc<AuthError>,
    retry_at: Option<Instant>,
}

impl TokenError {
    /// The error of the failed request.
    ///
    /// ```
    /// # use scope_core::auth::TokenError;
    /// fn must_fix_credentials(err: &TokenError) -> bool {
    ///     err.auth_error().is_unauthorized()
    /// }
    /// ```
    pub fn auth_error(&self) -> &AuthError {
        &self.error
    }

    /// How long until the source asks the server again, measured now (zero
    /// once that moment has come: the next call will ask).
    ///
    /// ```
    /// # use scope_core::auth::TokenError;
    /// fn wait(err: &TokenError) -> std::time::Duration {
    ///     err.retry_in().unwrap_or_default()
    /// }
    /// ```
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry_at
            .map(|at| at.saturating_duration_since(crate::auth::now()))
    }
}

impl From<Failure<AuthError>> for TokenError {
    fn from(failure: Failure<AuthError>) -> Self {
        TokenError {
            error: failure.error,
            retry_at: failure.retry_at,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no valid access token: ")?;
        if self.error.is_unauthorized() {
            f.write_str(
                "the auth server refused the credentials, and any token cached for them was dropped: ",
            )?;
        }
        write!(f, "{}", self.error)?;
        if let Some(wait) = self.retry_in() {
            write!(
                f,
                " (the next request to the auth server will be made in {:.1} s)",
                wait.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

impl Expiring for Token {
    fn expires_at(&self) -> Instant {
        Token::expires_at(self)
    }
}

impl RetryHint for AuthError {
    fn retry_after(&self) -> Option<Duration> {
        AuthError::retry_after(self)
    }

    /// A 401: the server refused the credentials, so a token issued for them
    /// is no use any more.
    fn drops_value(&self) -> bool {
        self.is_unauthorized()
    }

    fn kind(&self) -> &'static str {
        trace::error_kind(self)
    }

    fn lifetime_too_short(lifetime: Duration) -> Self {
        let reason = if lifetime.is_zero() {
            "the server granted a token with no lifetime left (`expires_in` 0)".to_owned()
        } else {
            format!(
                "the server granted a token that lives {:.3} s, which expires before the next \
                 request may be sent (the initial backoff)",
                lifetime.as_secs_f64()
            )
        };
        AuthError::Decode(DecodeError {
            request: crate::auth::RequestKind::Token,
            status: 200,
            content_type: None,
            length: None,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials::integration("id", "secret", None)
    }

    /// A source keeping tokens in `store`, whose client points at a closed
    /// port: any request to the auth server fails.
    fn offline_source(store: &MemoryStore) -> TokenSource {
        let client = AuthClient::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        TokenSource::builder(client, credentials())
            .store(store.clone())
            .build()
            .unwrap()
    }

    /// A stored token, granted for two hours, that expires at `expires_at`.
    fn stored(secret: &str, expires_at: std::time::SystemTime) -> StoredToken {
        StoredToken::new(
            secret,
            "bearer",
            Duration::from_secs(7200),
            "market:all",
            0,
            expires_at,
        )
    }

    #[test]
    fn bad_backoff_is_refused_with_the_fix() {
        let zero = TokenSource::builder(AuthClient::new(), credentials())
            .backoff(Duration::ZERO, Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert!(matches!(zero, AuthError::InvalidConfig(_)));
        assert!(
            zero.to_string().contains("TokenSourceBuilder::backoff"),
            "{zero}"
        );
        let inverted = TokenSource::builder(AuthClient::new(), credentials())
            .backoff(Duration::from_secs(2), Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert!(
            inverted.to_string().contains("shorter than the initial"),
            "{inverted}"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let tokens = TokenSource::new(
            AuthClient::new(),
            Credentials::integration("id", "s3cr3t-value", None),
        );
        let text = format!("{tokens:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("TokenSource"));
    }

    #[test]
    fn sources_are_cheap_shareable_handles() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<TokenSource>();
        shareable::<TokenError>();
    }

    #[tokio::test]
    async fn a_stored_token_with_life_left_is_used_without_a_request() {
        let store = MemoryStore::new();
        let tokens = offline_source(&store);
        let expires_at = std::time::SystemTime::now() + Duration::from_secs(3600);
        let stored = stored("from-the-store", expires_at);
        store.put(tokens.store_key(), stored).await.unwrap();
        let token = tokens.token().await.unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(token.access_token()),
            "from-the-store"
        );
        assert!(token.remaining() > Duration::from_secs(3590));

        // Invalidated: neither the cache nor the store serves it again.
        tokens.invalidate().await.unwrap();
        assert!(store.is_empty());
        let err = tokens.token().await.unwrap_err();
        assert!(err.retry_in().is_some());
        assert!(
            err.to_string().starts_with("no valid access token: "),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_rejected_token_is_dropped_once_and_never_loaded_again() {
        let store = MemoryStore::new();
        let tokens = offline_source(&store);
        let stored = |secret: &str| {
            stored(
                secret,
                std::time::SystemTime::now() + Duration::from_secs(3600),
            )
        };
        store.put(tokens.store_key(), stored("old")).await.unwrap();
        let old = tokens.token().await.unwrap();

        // Rejected: gone from the cache and the store.
        tokens.invalidate_token(&old).await.unwrap();
        assert!(store.is_empty());
        // Another process puts the same token back: it is not loaded.
        store.put(tokens.store_key(), stored("old")).await.unwrap();
        assert!(tokens.token().await.is_err());

        // A newer token, then a late rejection of the old one: the newer stays.
        let tokens = offline_source(&store);
        store.put(tokens.store_key(), stored("new")).await.unwrap();
        let new = tokens.token().await.unwrap();
        tokens.invalidate_token(&old).await.unwrap();
        assert_eq!(store.len(), 1);
        let again = tokens.token().await.unwrap();
        assert!(Arc::ptr_eq(&new, &again));
    }

    #[tokio::test]
    async fn a_stored_token_near_its_renewal_is_not_used() {
        let store = MemoryStore::new();
        let tokens = offline_source(&store);
        let stored = stored(
            "nearly-stale",
            std::time::SystemTime::now() + DEFAULT_REFRESH_MARGIN,
        );
        store.put(tokens.store_key(), stored).await.unwrap();
        assert!(tokens.token().await.is_err());
    }
}
