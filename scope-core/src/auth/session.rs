//! `CustomerSessions`: tokens per customer (or user) that renew themselves
//! with their refresh token, kept in a [`TokenStore`].

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{
    AuthClient, AuthError, Credentials, Grant, StoreError, StoredToken, Token, TokenStore, trace,
};

/// How long before its expiry a session's access token is renewed (10
/// minutes, as js-auth does).
pub const DEFAULT_SESSION_MARGIN: Duration = Duration::from_secs(600);

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
    inner: Arc<Inner>,
}

struct Inner {
    client: AuthClient,
    credentials: Credentials,
    store: Arc<dyn TokenStore>,
    margin: Duration,
    /// One lock per session in use: the single flight of its renewals.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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

/// Whether a failed refresh means the refresh token is worthless.
fn refused(err: &AuthError) -> bool {
    matches!(
        err,
        AuthError::Rejected {
            status: 400 | 401,
            ..
        }
    )
}

impl CustomerSessions {
    /// Sessions of the customers (or users) of `credentials`' application,
    /// kept in `store`, renewed [`DEFAULT_SESSION_MARGIN`] before expiry.
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
            inner: Arc::new(Inner {
                client,
                credentials,
                store: Arc::new(store),
                margin: DEFAULT_SESSION_MARGIN,
                locks: Mutex::default(),
            }),
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
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            client: shared.client.clone(),
            credentials: shared.credentials.clone(),
            store: Arc::clone(&shared.store),
            margin: shared.margin,
            locks: Mutex::default(),
        });
        CustomerSessions {
            inner: Arc::new(Inner { margin, ..inner }),
        }
    }

    /// The key a session of `token`'s owner is kept under.
    fn key_of(&self, token: &Token) -> Option<SessionKey> {
        let (id, kind) = token.owner_id().zip(token.owner_type())?;
        Some(SessionKey(format!(
            "session|{}|{kind}:{id}",
            self.inner.credentials.cache_key()
        )))
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
        let inner = &*self.inner;
        let token = inner
            .client
            .request_token_with(&inner.credentials, grant)
            .await
            .map_err(SessionError::Auth)?;
        let key = match (self.key_of(&token), token.refresh_token()) {
            (Some(key), Some(_)) => key,
            _ => return Err(SessionError::NotASession),
        };
        inner
            .store
            .put(key.as_str(), StoredToken::from_token(&token))
            .await?;
        trace::debug!("session opened", session = %key.as_str());
        Ok(key)
    }

    fn lock_of(&self, key: &SessionKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(locks.entry(key.0.clone()).or_default())
    }

    fn forget_lock(&self, key: &SessionKey) {
        self.inner
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&key.0);
    }

    /// The session's access token, renewed with its refresh token (and the
    /// rotated refresh token stored) when under the margin remains. One
    /// renewal per session however many tasks ask at once: they wait for it
    /// and get its token.
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
        let inner = &*self.inner;
        let lock = self.lock_of(key);
        let _flight = lock.lock().await;
        let current = inner
            .store
            .get(key.as_str())
            .await?
            .and_then(|stored| stored.to_token())
            .ok_or(SessionError::NotFound)?;
        if current.remaining() > inner.margin {
            return Ok(current);
        }
        let Some(refresh) = current.refresh_token().cloned() else {
            return Err(SessionError::NotASession);
        };
        trace::debug!("renewing the session", session = %key.as_str());
        let renewal = inner
            .client
            .request_token_with(&inner.credentials, &Grant::RefreshToken(refresh.clone()))
            .await;
        if let Err(err) = &renewal
            && !refused(err)
        {
            let error = trace::error_kind(err);
            trace::warning!("session renewal failed", session = %key.as_str(), error = %error);
        }
        match renewal {
            Ok(mut renewed) => {
                if renewed.refresh_token().is_none() {
                    renewed =
                        renewed.with_refresh_token(secrecy::ExposeSecret::expose_secret(&refresh));
                }
                if renewed.owner_id().is_none()
                    && let (Some(id), Some(kind)) = (current.owner_id(), current.owner_type())
                {
                    renewed = renewed.with_owner(id, kind);
                }
                inner
                    .store
                    .put(key.as_str(), StoredToken::from_token(&renewed))
                    .await?;
                trace::debug!("session renewed", session = %key.as_str());
                Ok(renewed)
            }
            Err(err) if refused(&err) => {
                trace::info!("refresh token refused: session ended", session = %key.as_str());
                inner.store.remove(key.as_str()).await?;
                self.forget_lock(key);
                Err(SessionError::Ended(err))
            }
            // A transient failure: the valid token is still good.
            Err(_) if !current.is_expired() => Ok(current),
            Err(err) => Err(SessionError::Auth(err)),
        }
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
        let inner = &*self.inner;
        let lock = self.lock_of(key);
        let _flight = lock.lock().await;
        let stored = inner.store.get(key.as_str()).await?;
        inner.store.remove(key.as_str()).await?;
        self.forget_lock(key);
        trace::info!("session logged out", session = %key.as_str());
        let stored = stored.ok_or(SessionError::NotFound)?;
        inner
            .client
            .revoke(stored.access_token(), &inner.credentials)
            .await
            .map_err(SessionError::Auth)
    }
}

impl fmt::Debug for CustomerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerSessions")
            .field("credentials", &self.inner.credentials)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}
