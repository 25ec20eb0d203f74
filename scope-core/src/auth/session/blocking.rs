//! Customer sessions for synchronous programs: the async sessions' engine
//! over the blocking client, run to completion on the calling thread.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::engine::Engine;
use super::{SessionError, SessionKey};
use crate::auth::blocking::AuthClient;
use crate::auth::source::blocking::block_on;
use crate::auth::{AuthError, Credentials, Grant, Token, TokenStore};

/// The blocking twin of [`CustomerSessions`](crate::auth::CustomerSessions):
/// the same keys, renewals (one per session however many threads ask),
/// errors and store, over the blocking client. Build and use it outside an
/// async runtime, as `reqwest::blocking`. A store that needs a Tokio runtime
/// (the Redis store) refuses its calls here: use the async sessions with it.
///
/// ```no_run
/// use scope_core::auth::blocking::{AuthClient, CustomerSessions};
/// use scope_core::auth::{Credentials, Grant, MemoryStore};
/// use scope_core::scopes;
///
/// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let sessions = CustomerSessions::new(AuthClient::new(), storefront, MemoryStore::new());
/// let key = sessions.login(&Grant::password("ada@example.com", "correct horse"))?;
/// let token = sessions.token(&key)?;
/// sessions.logout(&key)?;
/// # let _ = token;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CustomerSessions {
    engine: Arc<Engine<AuthClient>>,
}

impl CustomerSessions {
    /// Sessions of the customers (or users) of `credentials`' application,
    /// kept in `store`, with the async sessions' defaults.
    ///
    /// ```no_run
    /// use scope_core::auth::blocking::{AuthClient, CustomerSessions};
    /// use scope_core::auth::{Credentials, MemoryStore};
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

    /// These sessions renewed `margin` before expiry instead.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use scope_core::auth::blocking::{AuthClient, CustomerSessions};
    /// # use scope_core::auth::{Credentials, MemoryStore};
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .refresh_margin(Duration::from_secs(300));
    /// # let _ = sessions;
    /// ```
    pub fn refresh_margin(self, margin: Duration) -> CustomerSessions {
        let engine = Arc::new(self.engine.with_margin(margin));
        CustomerSessions { engine }
    }

    /// These sessions kept `lifetime` after their refresh token was issued,
    /// as [`CustomerSessions::session_lifetime`](crate::auth::CustomerSessions::session_lifetime).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use scope_core::auth::blocking::{AuthClient, CustomerSessions};
    /// # use scope_core::auth::{Credentials, MemoryStore};
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .session_lifetime(Duration::from_secs(30 * 24 * 3600));
    /// # let _ = sessions;
    /// ```
    pub fn session_lifetime(self, lifetime: Duration) -> CustomerSessions {
        let engine = Arc::new(self.engine.with_lifetime(lifetime));
        CustomerSessions { engine }
    }

    /// These sessions backing off in steps from `initial` doubling to `max`,
    /// as [`CustomerSessions::backoff`](crate::auth::CustomerSessions::backoff).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when `initial` is zero or `max` is
    /// shorter than it.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use scope_core::auth::blocking::{AuthClient, CustomerSessions};
    /// # use scope_core::auth::{Credentials, MemoryStore};
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new())
    ///     .backoff(Duration::from_millis(500), Duration::from_secs(30))?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn backoff(self, initial: Duration, max: Duration) -> Result<CustomerSessions, AuthError> {
        let engine = Arc::new(self.engine.with_backoff(initial, max)?);
        Ok(CustomerSessions { engine })
    }

    /// Opens a session with `grant`, as the async
    /// [`login`](crate::auth::CustomerSessions::login).
    ///
    /// # Errors
    ///
    /// Those of the async `login`.
    ///
    /// ```no_run
    /// # fn run(sessions: scope_core::auth::blocking::CustomerSessions) -> Result<(), scope_core::auth::SessionError> {
    /// let key = sessions.login(&scope_core::auth::Grant::password("ada@example.com", "pw"))?;
    /// # let _ = key; Ok(()) }
    /// ```
    pub fn login(&self, grant: &Grant) -> Result<SessionKey, SessionError> {
        block_on(self.engine.login(grant))
    }

    /// The session's access token, renewed when due, as the async
    /// [`token`](crate::auth::CustomerSessions::token).
    ///
    /// # Errors
    ///
    /// Those of the async `token`.
    ///
    /// ```no_run
    /// # fn run(sessions: scope_core::auth::blocking::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// let token = sessions.token(&key)?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn token(&self, key: &SessionKey) -> Result<Arc<Token>, SessionError> {
        block_on(self.engine.token(key))
    }

    /// The Core API answered 401 to a request made with `rejected`: renews
    /// the session now if it still holds it, as the async
    /// [`renew_rejected`](crate::auth::CustomerSessions::renew_rejected).
    ///
    /// # Errors
    ///
    /// Those of the async `renew_rejected`.
    ///
    /// ```no_run
    /// # fn run(sessions: scope_core::auth::blocking::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// let token = sessions.token(&key)?;
    /// // ... the Core API answers 401 Unauthorized to a request with `token`:
    /// sessions.renew_rejected(&key, &token)?;
    /// # Ok(()) }
    /// ```
    pub fn renew_rejected(&self, key: &SessionKey, rejected: &Token) -> Result<(), SessionError> {
        block_on(self.engine.renew_rejected(key, rejected))
    }

    /// The key the session is kept under in the store, as the async
    /// [`store_key`](crate::auth::CustomerSessions::store_key).
    ///
    /// ```no_run
    /// # use scope_core::auth::blocking::{AuthClient, CustomerSessions};
    /// # use scope_core::auth::{Credentials, MemoryStore, SessionKey};
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// assert!(!sessions.store_key(&SessionKey::from_string("k3y")).contains("k3y"));
    /// ```
    pub fn store_key(&self, key: &SessionKey) -> String {
        self.engine.store_key(key)
    }

    /// Logs out: revokes the access token and forgets the session, as the
    /// async [`logout`](crate::auth::CustomerSessions::logout).
    ///
    /// # Errors
    ///
    /// Those of the async `logout`.
    ///
    /// ```no_run
    /// # fn run(sessions: scope_core::auth::blocking::CustomerSessions, key: scope_core::auth::SessionKey) -> Result<(), scope_core::auth::SessionError> {
    /// sessions.logout(&key)?;
    /// # Ok(()) }
    /// ```
    pub fn logout(&self, key: &SessionKey) -> Result<(), SessionError> {
        block_on(self.engine.logout(key))
    }
}

impl fmt::Debug for CustomerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.engine.debug("CustomerSessions", f)
    }
}
