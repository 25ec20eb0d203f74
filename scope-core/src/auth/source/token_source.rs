//! [`TokenSource`]: a valid token on every call, from one request per renewal
//! however many tasks ask.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::requester::{ClientCredentials, Requester, Shared};
use crate::auth::cache::{self, Core, Expiring, Failure, Policy, RetryHint, SystemClock};
use crate::auth::client::Flavour;
use crate::auth::trace;
use crate::auth::{AuthClient, AuthError, Credentials, DecodeError, Token};
use crate::auth::{MemoryStore, StoreError, TokenStore};

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
    requester: Arc<Requester<AuthClient, ClientCredentials>>,
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
        let (core, requester) = builder.assemble();
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
        let request = |need| {
            let requester = Arc::clone(requester);
            async move { requester.request(need).await }
        };
        let span = trace::token_source(&requester.shared.credentials);
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
    /// The renewal is at once, unless the refused token was young (issued
    /// less than the largest backoff step ago) and not the first young one
    /// refused in a row: then the next request waits a backoff step (0.5–1 s,
    /// 1–2 s, … 30–60 s by default), here and, through the store, in the
    /// fleet, and [`token`](TokenSource::token) fails meanwhile with
    /// [`AuthError::TokenRefused`]. A Core API that refuses every token thus
    /// costs at most about 8 token requests in its first minute and 2 a
    /// minute after, not one per request.
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
        self.requester
            .reject(&self.core, token, false)
            .await
            .map(drop)
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
        &self.requester.shared.credentials
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
            .field("credentials", &self.requester.shared.credentials)
            .field("policy", self.core.policy())
            .finish_non_exhaustive()
    }
}

/// A source's cache and requester, which either flavour of source holds.
pub(crate) type Parts<C> = (
    Arc<Core<Token, AuthError>>,
    Arc<Requester<C, ClientCredentials>>,
);

/// Refuses a backoff that would hammer the server: a zero first step, or a
/// largest step shorter than the first.
pub(crate) fn check_backoff(policy: &Policy) -> Result<(), AuthError> {
    if policy.backoff_initial.is_zero() {
        return Err(AuthError::InvalidConfig(
            "the initial backoff must be longer than zero, or failed requests would be repeated at once; \
             pass at least a few milliseconds to TokenSourceBuilder::backoff (or CustomerSessions::backoff)"
                .into(),
        ));
    }
    if policy.backoff_max < policy.backoff_initial {
        return Err(AuthError::InvalidConfig(format!(
            "the longest backoff ({:?}) is shorter than the initial one ({:?}); \
             pass a maximum at least as long to TokenSourceBuilder::backoff (or CustomerSessions::backoff)",
            policy.backoff_max, policy.backoff_initial
        )));
    }
    Ok(())
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
        check_backoff(&self.policy)
    }

    /// Splits the builder into the cache and the requester.
    pub(crate) fn assemble(self) -> Parts<C>
    where
        C: Flavour,
    {
        let policy = self.policy;
        let key = format!(
            "{}|{}",
            self.client.base_url(),
            self.credentials.cache_key()
        );
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let shared = Shared::new(self.client, self.credentials, store, policy);
        let requester = Requester::new(Arc::new(shared), key, ClientCredentials);
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
    /// The error of a request that failed, and when the next one will be made.
    pub(crate) fn new(error: Arc<AuthError>, retry_at: Option<Instant>) -> TokenError {
        TokenError { error, retry_at }
    }

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

    fn refused_young(age: Duration, refusals: u32) -> Self {
        AuthError::TokenRefused { age, refusals }
    }

    fn is_local(&self) -> bool {
        matches!(self, AuthError::BudgetSpent { .. })
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
    use crate::auth::StoredToken;

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
