//! `CustomerSessions`: tokens per customer (or user) that renew themselves
//! with their refresh token, kept in a [`TokenStore`]. `engine` does the work
//! for both flavours; `blocking` is the blocking one.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod engine;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{AuthClient, AuthError, Credentials, Grant, StoreError, Token, TokenStore};
use engine::Engine;

/// How long before its expiry a session's access token is renewed (10
/// minutes, as js-auth does).
pub const DEFAULT_SESSION_MARGIN: Duration = Duration::from_secs(600);

/// How long a session is kept in the store after its refresh token was
/// issued (14 days, the refresh tokens' life in Commerce Layer's older docs):
/// an idle session outlives its access token, and renews on its next use.
/// Set your application's with [`CustomerSessions::session_lifetime`].
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// The sessions of one application's customers (or users): each a token and
/// its refresh token, kept in a [`TokenStore`] under a [`SessionKey`] that
/// holds no secret and no e-mail address, so a web backend can keep them in
/// Redis between requests.
///
/// - [`token`](CustomerSessions::token) serves the session's access token,
///   renewed with its refresh token when under the margin remains; one renewal
///   per session however many tasks ask at once;
/// - a renewal that fails transiently (timeout, 5xx, 429) keeps serving the
///   valid token; a refresh token the server refuses (400 `invalid_grant` or
///   401) ends the session: it is removed and [`SessionError::Ended`] says so;
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
/// // Keep `key.as_str()` in the shopper's cookie session; later requests:
/// let token = sessions.token(&key).await?;
/// sessions.logout(&key).await?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct CustomerSessions {
    engine: Arc<Engine<AuthClient>>,
}

/// Where a session is kept: `session|{client id}|{scope}|{owner type}:{owner id}`.
/// It names the application and the owner's id, never a secret or an e-mail
/// address.
///
/// ```
/// use scope_core::auth::SessionKey;
///
/// let key = SessionKey::from_string("session|storefront|market:code:europe|customer:wQzX");
/// assert!(key.as_str().ends_with("customer:wQzX"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey(String);

impl SessionKey {
    /// A key read back (from a cookie session, say).
    ///
    /// ```
    /// let key = scope_core::auth::SessionKey::from_string("session|a||customer:b");
    /// assert_eq!(key.as_str(), "session|a||customer:b");
    /// ```
    pub fn from_string(key: impl Into<String>) -> SessionKey {
        SessionKey(key.into())
    }

    /// The key's text.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::SessionKey::from_string("k").as_str(), "k");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
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
    /// No session is kept under this key (never logged in, logged out,
    /// ended, or its record expired from the store): log in again.
    NotFound,
    /// The server refused the session's refresh token (expired or revoked):
    /// the session was removed; the customer must log in again.
    Ended(AuthError),
    /// The login answer names no owner or carries no refresh token: such a
    /// token cannot make a session (client credentials, say).
    NotASession,
    /// A request failed and the session holds no valid token to serve meanwhile.
    Auth(AuthError),
    /// The store failed.
    Store(StoreError),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::NotFound => f.write_str("no session is kept under this key: log in again"),
            SessionError::Ended(err) => write!(
                f,
                "the session ended: the server refused its refresh token ({err}); log in again"
            ),
            SessionError::NotASession => f.write_str(
                "the token names no owner or has no refresh token: only password, authorization_code \
                 and JWT bearer grants make sessions",
            ),
            SessionError::Auth(err) => write!(f, "the session's token could not be renewed: {err}"),
            SessionError::Store(err) => write!(f, "the session store failed: {err}"),
        }
    }
}

impl StdError for SessionError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SessionError::Ended(err) | SessionError::Auth(err) => Some(err),
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
            engine: Arc::new(Engine::new(
                client,
                credentials,
                Arc::new(store),
                DEFAULT_SESSION_MARGIN,
                DEFAULT_SESSION_LIFETIME,
            )),
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
        let engine = Arc::new(self.engine.with(margin, self.engine.lifetime));
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
        let engine = Arc::new(self.engine.with(self.engine.margin, lifetime));
        CustomerSessions { engine }
    }

    /// Opens a session with `grant` (`password`, `authorization_code` or JWT
    /// bearer), stores it, and returns its key.
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

    /// The session's access token, renewed with its refresh token (and the
    /// rotated refresh token stored) when under the margin remains, or when
    /// it expired while the session sat idle. One renewal per session however
    /// many tasks ask at once: they wait for it and get its token.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotFound`] when no session is kept under `key`;
    /// [`SessionError::Ended`] when the server refused the refresh token (the
    /// session is removed); [`SessionError::Auth`] when a renewal failed and
    /// the token has expired; [`SessionError::Store`] when the store fails.
    ///
    /// ```no_run
    /// # async fn run(sessions: scope_core::auth::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// let token = sessions.token(&key).await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub async fn token(&self, key: &SessionKey) -> Result<Token, SessionError> {
        self.engine.token(key).await
    }

    /// Logs out: revokes the session's access token and forgets the session.
    /// The session is forgotten even when the revocation fails (its error is
    /// returned then).
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
    /// let session = sessions.session(SessionKey::from_string("session|id||user:u1"));
    /// assert_eq!(session.key().as_str(), "session|id||user:u1");
    /// ```
    pub fn session(&self, key: SessionKey) -> crate::auth::CustomerSession {
        crate::auth::CustomerSession::new(self.clone(), key)
    }

    /// The Core API answered 401 to a request made with `rejected`: renews
    /// the session with its refresh token now, if it still holds `rejected`.
    /// A session already renewed is left alone, so many requests that saw the
    /// same token refused cause one renewal.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotFound`] when no session is kept under `key`;
    /// [`SessionError::Ended`] when the server refused the refresh token (the
    /// session is removed); [`SessionError::Auth`] when the renewal failed
    /// otherwise (the session keeps its token, to be renewed on a later call);
    /// [`SessionError::Store`] when the store fails.
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
}

impl fmt::Debug for CustomerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.engine.debug("CustomerSessions", f)
    }
}
