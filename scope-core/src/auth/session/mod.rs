//! `CustomerSessions`: tokens per customer (or user) that renew themselves
//! with their refresh token, kept in a [`TokenStore`] under a hash of an
//! unguessable [`SessionKey`]. `engine` does the work for both flavours
//! through the token sources' cache and requester (`renewal` says how a
//! session renews); `key` is the key; `blocking` is the blocking flavour.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod engine;
mod key;
mod renewal;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::cache::Policy;
use super::{
    AuthClient, AuthError, Credentials, DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, Grant,
    StoreError, Token, TokenError, TokenStore,
};
use engine::Engine;
pub use key::SessionKey;

/// How long before its expiry a session's access token is renewed (10
/// minutes, as js-auth does).
pub const DEFAULT_SESSION_MARGIN: Duration = Duration::from_secs(600);

/// How long a session is kept in the store after its refresh token was
/// issued (14 days, the refresh tokens' life in Commerce Layer's older docs):
/// an idle session outlives its access token, and renews on its next use.
/// Set your application's with [`CustomerSessions::session_lifetime`].
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// The timing rules of sessions: renewed under the margin, no jitter (a
/// session is one shopper's, not a fleet's start), the sources' backoff.
pub(crate) fn default_policy() -> Policy {
    Policy {
        margin: DEFAULT_SESSION_MARGIN,
        jitter: Duration::ZERO,
        backoff_initial: DEFAULT_BACKOFF_INITIAL,
        backoff_max: DEFAULT_BACKOFF_MAX,
    }
}

/// The sessions of one application's customers (or users): each a token and
/// its refresh token, kept in a [`TokenStore`] (memory, or Redis for a fleet)
/// under a SHA-256 of its [`SessionKey`], an unguessable bearer secret.
///
/// - [`login`](CustomerSessions::login) opens a session and returns its key: 256
///   bits from the CSPRNG, a new one at every login (two devices, two
///   sessions). Keep it in an `HttpOnly`, `Secure` cookie or a server-side
///   session; the store never holds it, only a hash of it.
/// - [`token`](CustomerSessions::token) reads the session from the store (so a
///   logout on any instance ends it everywhere) and serves its access token,
///   renewed with its refresh token when under the margin remains, through
///   the token sources' cache: one renewal per session however many tasks (and,
///   with [`RedisStore`](crate::auth::RedisStore), processes) ask; a renewal
///   that fails transiently (timeout, 5xx, 429) keeps serving the valid token
///   and backs off (steps of 1 s doubling to 60 s, at least `Retry-After`);
/// - a refresh token the server refuses (400 `invalid_grant` or 401) ends the
///   session, only if the store still holds that refresh token: when another
///   instance renewed the session meanwhile (refresh tokens rotate), its token
///   is served instead;
/// - [`logout`](CustomerSessions::logout) revokes the access token and forgets
///   the session.
///
/// ```no_run
/// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, Grant, MemoryStore};
/// use scope_core::scopes;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let sessions = CustomerSessions::new(AuthClient::new(), storefront, MemoryStore::new());
/// let key = sessions.login(&Grant::password("ada@example.com", "correct horse")).await?;
/// // Set `key.expose_secret()` as an HttpOnly, Secure cookie; on later requests:
/// let token = sessions.token(&key).await?;
/// sessions.logout(&key).await?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct CustomerSessions {
    engine: Arc<Engine<AuthClient>>,
}

/// Why a session gave no token.
///
/// ```
/// use scope_core::auth::SessionError;
///
/// let err = SessionError::NotFound;
/// assert!(err.to_string().contains("log in"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// No session is kept under this key (never logged in, a key that names
    /// no session, logged out, ended, or its record expired from the store):
    /// log in again.
    NotFound,
    /// The server refused the session's refresh token (expired or revoked):
    /// the session was removed; the customer must log in again.
    Ended(TokenError),
    /// The login answer names no owner or carries no refresh token: such a
    /// token cannot make a session (client credentials, say).
    NotASession,
    /// A login or logout request failed.
    Auth(AuthError),
    /// A renewal failed (or failed a moment ago and the session is backing
    /// off) and the session holds no valid token to serve meanwhile: the
    /// [`TokenError`] says why and when the next request will be made.
    Renewal(TokenError),
    /// The store failed.
    Store(StoreError),
}

impl SessionError {
    /// How long until the session asks the auth server again, when a
    /// renewal is backing off.
    ///
    /// ```
    /// assert!(scope_core::auth::SessionError::NotFound.retry_in().is_none());
    /// ```
    pub fn retry_in(&self) -> Option<Duration> {
        match self {
            SessionError::Renewal(err) => err.retry_in(),
            _ => None,
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::NotFound => f.write_str("no session is kept under this key: log in again"),
            SessionError::Ended(err) => write!(
                f,
                "the session ended: the server refused its refresh token ({}); log in again",
                err.auth_error()
            ),
            SessionError::NotASession => f.write_str(
                "the token names no owner or has no refresh token: only password, authorization_code \
                 and JWT bearer grants make sessions",
            ),
            SessionError::Auth(err) => write!(f, "the session's request failed: {err}"),
            SessionError::Renewal(err) => write!(f, "the session's token could not be renewed: {err}"),
            SessionError::Store(err) => write!(f, "the session store failed: {err}"),
        }
    }
}

impl StdError for SessionError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SessionError::Auth(err) => Some(err),
            SessionError::Ended(err) | SessionError::Renewal(err) => Some(err),
            SessionError::Store(err) => Some(err),
            SessionError::NotFound | SessionError::NotASession => None,
        }
    }
}

impl From<StoreError> for SessionError {
    fn from(err: StoreError) -> SessionError {
        SessionError::Store(err)
    }
}

impl CustomerSessions {
    /// Sessions of the customers (or users) of `credentials`' application,
    /// kept in `store`, renewed [`DEFAULT_SESSION_MARGIN`] before expiry and
    /// kept [`DEFAULT_SESSION_LIFETIME`] after their last refresh token.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// # let _ = sessions;
    /// ```
    pub fn new(
        client: AuthClient,
        credentials: Credentials,
        store: impl TokenStore,
    ) -> CustomerSessions {
        CustomerSessions {
            engine: Arc::new(Engine::with_defaults(client, credentials, Arc::new(store))),
        }
    }

    /// These sessions renewed `margin` before expiry instead (call before sharing them).
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .refresh_margin(Duration::from_secs(300));
    /// # let _ = sessions;
    /// ```
    pub fn refresh_margin(self, margin: Duration) -> CustomerSessions {
        let engine = Arc::new(self.engine.with_margin(margin));
        CustomerSessions { engine }
    }

    /// These sessions kept in the store `lifetime` after their refresh token
    /// was issued (or rotated), instead of [`DEFAULT_SESSION_LIFETIME`]: set
    /// it to your application's refresh-token lifetime. An idle session
    /// outlives its access token for this long and renews on its next use.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .session_lifetime(Duration::from_secs(30 * 24 * 3600));
    /// # let _ = sessions;
    /// ```
    pub fn session_lifetime(self, lifetime: Duration) -> CustomerSessions {
        let engine = Arc::new(self.engine.with_lifetime(lifetime));
        CustomerSessions { engine }
    }

    /// These sessions backing off in steps from `initial` doubling to `max`
    /// after a failed renewal (defaults [`DEFAULT_BACKOFF_INITIAL`] and
    /// [`DEFAULT_BACKOFF_MAX`], as token sources), each wait a random half to
    /// all of its step, at least the server's `Retry-After`.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when `initial` is zero or `max` is
    /// shorter than it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .backoff(Duration::from_millis(500), Duration::from_secs(30))?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn backoff(self, initial: Duration, max: Duration) -> Result<CustomerSessions, AuthError> {
        let engine = Arc::new(self.engine.with_backoff(initial, max)?);
        Ok(CustomerSessions { engine })
    }

    /// Opens a session with `grant` (`password`, `authorization_code` or JWT
    /// bearer), stores it, and returns its key: a new, unguessable key at
    /// every login (see [`SessionKey`] for where to keep it).
    ///
    /// # Errors
    ///
    /// [`SessionError::Auth`] when the grant is refused (a wrong password);
    /// [`SessionError::NotASession`] when the answer names no owner or has no
    /// refresh token; [`SessionError::Store`] when the store fails.
    ///
    /// ```no_run
    /// # async fn run(sessions: scope_core::auth::CustomerSessions) -> Result<(), scope_core::auth::SessionError> {
    /// let key = sessions.login(&scope_core::auth::Grant::password("ada@example.com", "pw")).await?;
    /// # let _ = key; Ok(()) }
    /// ```
    pub async fn login(&self, grant: &Grant) -> Result<SessionKey, SessionError> {
        self.engine.login(grant).await
    }

    /// The session's access token: read from the store, and renewed with its
    /// refresh token (the rotated refresh token stored) when under the margin
    /// remains, or when it expired while the session sat idle. One renewal
    /// per session however many tasks ask at once: they wait for it and get
    /// its token. A renewal that fails keeps the valid token served and backs
    /// off; only with no valid token left is its error returned.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotFound`] when no session is kept under `key`;
    /// [`SessionError::Ended`] when the server refused the refresh token (the
    /// session is removed); [`SessionError::Renewal`] when a renewal failed
    /// (or is backing off) and the token has expired; [`SessionError::Store`]
    /// when the store fails and this process has no valid token of the session.
    ///
    /// ```no_run
    /// # async fn run(sessions: scope_core::auth::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// let token = sessions.token(&key).await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub async fn token(&self, key: &SessionKey) -> Result<Arc<Token>, SessionError> {
        self.engine.token(key).await
    }

    /// Logs out: revokes the session's access token and forgets the session
    /// (after a renewal under way, here or in the fleet, has landed, so it
    /// cannot bring the session back). The session is forgotten even when
    /// the revocation fails (its error is returned then).
    ///
    /// # Errors
    ///
    /// [`SessionError::NotFound`] when no session is kept under `key`;
    /// [`SessionError::Auth`] when the revocation failed;
    /// [`SessionError::Store`] when the store fails.
    ///
    /// ```no_run
    /// # async fn run(sessions: scope_core::auth::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// sessions.logout(&key).await?;
    /// # Ok(()) }
    /// ```
    pub async fn logout(&self, key: &SessionKey) -> Result<(), SessionError> {
        self.engine.logout(key).await
    }

    /// One session as a [`TokenProvider`](crate::auth::TokenProvider), for an
    /// SDK that holds `Arc<dyn TokenProvider>` or for the outgoing middleware.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore, SessionKey};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// let session = sessions.session(SessionKey::from_string("from-the-cookie"));
    /// assert_eq!(session.key(), &SessionKey::from_string("from-the-cookie"));
    /// ```
    pub fn session(&self, key: SessionKey) -> crate::auth::CustomerSession {
        crate::auth::CustomerSession::new(self.clone(), key)
    }

    /// The Core API answered 401 to a request made with `rejected`: renews
    /// the session with its refresh token now, if it still holds `rejected`.
    /// A session already renewed is left alone, so many requests that saw the
    /// same token refused cause one renewal. A token refused soon after it
    /// was issued counts as a failed renewal (the first renews at once, the
    /// next ones in a row back off), so a Core API that refuses every token
    /// costs a bounded number of refreshes (see the crate's README).
    ///
    /// # Errors
    ///
    /// [`SessionError::NotFound`] when no session is kept under `key`;
    /// [`SessionError::Ended`] when the server refused the refresh token (the
    /// session is removed); [`SessionError::Renewal`] when the renewal failed
    /// otherwise or is backing off (the session stays, to be renewed on a
    /// later call); [`SessionError::Store`] when the store fails.
    ///
    /// ```no_run
    /// # async fn run(sessions: scope_core::auth::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// let token = sessions.token(&key).await?;
    /// // ... the Core API answers 401 Unauthorized to a request with `token`:
    /// sessions.renew_rejected(&key, &token).await?;
    /// let renewed = sessions.token(&key).await?;
    /// # let _ = renewed; Ok(()) }
    /// ```
    pub async fn renew_rejected(
        &self,
        key: &SessionKey,
        rejected: &Token,
    ) -> Result<(), SessionError> {
        self.engine.renew_rejected(key, rejected).await
    }

    /// The key the session's record is kept under in the store:
    /// `session|{auth server URL}|{client id}|{scope}|{SHA-256 of the key}`.
    /// It holds no secret (an operator may log it, or delete it to end a
    /// session); the session key cannot be read back from it.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore, SessionKey};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// let key = SessionKey::from_string("from-the-cookie");
    /// let stored_under = sessions.store_key(&key);
    /// assert!(stored_under.starts_with("session|https://auth.commercelayer.io|id||"));
    /// assert!(!stored_under.contains("from-the-cookie"));
    /// ```
    pub fn store_key(&self, key: &SessionKey) -> String {
        self.engine.store_key(key)
    }
}

impl fmt::Debug for CustomerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.engine.debug("CustomerSessions", f)
    }
}
