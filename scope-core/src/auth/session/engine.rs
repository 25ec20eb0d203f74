//! What both flavours of sessions do, over either client: log in, serve and
//! renew a session's token (one renewal per session at a time), log out.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use super::{SessionError, SessionKey};
use crate::auth::{
    AuthClient, AuthError, Credentials, Grant, StoredToken, Token, TokenStore, trace,
};

/// The two requests sessions make, for either flavour of client. The
/// blocking client's requests run when the future is polled, under the
/// blocking flavour's own `block_on`.
pub(crate) trait SessionClient: Clone + Send + Sync + 'static {
    fn token_with<'a>(
        &'a self,
        credentials: &'a Credentials,
        grant: &'a Grant,
    ) -> impl Future<Output = Result<Token, AuthError>> + Send + 'a;

    fn revoke<'a>(
        &'a self,
        token: &'a SecretString,
        credentials: &'a Credentials,
    ) -> impl Future<Output = Result<(), AuthError>> + Send + 'a;
}

impl SessionClient for AuthClient {
    fn token_with<'a>(
        &'a self,
        credentials: &'a Credentials,
        grant: &'a Grant,
    ) -> impl Future<Output = Result<Token, AuthError>> + Send + 'a {
        self.request_token_with(credentials, grant)
    }

    fn revoke<'a>(
        &'a self,
        token: &'a SecretString,
        credentials: &'a Credentials,
    ) -> impl Future<Output = Result<(), AuthError>> + Send + 'a {
        AuthClient::revoke(self, token, credentials)
    }
}

#[cfg(feature = "blocking")]
impl SessionClient for crate::auth::blocking::AuthClient {
    async fn token_with(
        &self,
        credentials: &Credentials,
        grant: &Grant,
    ) -> Result<Token, AuthError> {
        self.request_token_with(credentials, grant)
    }

    async fn revoke(
        &self,
        token: &SecretString,
        credentials: &Credentials,
    ) -> Result<(), AuthError> {
        crate::auth::blocking::AuthClient::revoke(self, token, credentials)
    }
}

/// The sessions' settings, the client and the store.
pub(crate) struct Engine<C> {
    pub(crate) client: C,
    pub(crate) credentials: Credentials,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) margin: Duration,
    pub(crate) lifetime: Duration,
    /// One lock per session in use: the single flight of its renewals.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<C: SessionClient> Engine<C> {
    pub(crate) fn new(
        client: C,
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        margin: Duration,
        lifetime: Duration,
    ) -> Engine<C> {
        Engine {
            client,
            credentials,
            store,
            margin,
            lifetime,
            locks: Mutex::default(),
        }
    }

    /// The same sessions with other settings (and locks of their own).
    pub(crate) fn with(&self, margin: Duration, lifetime: Duration) -> Engine<C> {
        Engine::new(
            self.client.clone(),
            self.credentials.clone(),
            Arc::clone(&self.store),
            margin,
            lifetime,
        )
    }

    /// The key a session of `token`'s owner is kept under.
    fn key_of(&self, token: &Token) -> Option<SessionKey> {
        let (id, kind) = token.owner_id().zip(token.owner_type())?;
        Some(SessionKey(format!(
            "session|{}|{kind}:{id}",
            self.credentials.cache_key()
        )))
    }

    /// The record of a session whose refresh token was just issued: kept for
    /// the session's lifetime, past the access token's expiry.
    fn fresh_record(&self, token: &Token) -> StoredToken {
        let until = SystemTime::now()
            .checked_add(self.lifetime)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        StoredToken::from_token(token).keep_until(until)
    }

    pub(crate) async fn login(&self, grant: &Grant) -> Result<SessionKey, SessionError> {
        let token = self
            .client
            .token_with(&self.credentials, grant)
            .await
            .map_err(SessionError::Auth)?;
        let key = match (self.key_of(&token), token.refresh_token()) {
            (Some(key), Some(_)) => key,
            _ => return Err(SessionError::NotASession),
        };
        self.store
            .put(key.as_str(), self.fresh_record(&token))
            .await?;
        trace::debug!("session opened", session = %key.as_str());
        Ok(key)
    }

    /// Waits for the session's lock: one flight per session at a time.
    async fn flight<'a>(&'a self, key: &'a SessionKey) -> Flight<'a, C> {
        let lock = {
            let mut locks = self.locks();
            Arc::clone(locks.entry(key.0.clone()).or_default())
        };
        Flight {
            engine: self,
            key,
            guard: Some(lock.lock_owned().await),
        }
    }

    pub(crate) async fn token(&self, key: &SessionKey) -> Result<Token, SessionError> {
        self.serve(key, None).await?.ok_or(SessionError::NotFound)
    }

    /// After a 401 to a request made with `rejected`: renews now if the
    /// session still holds that token (else another task already did).
    pub(crate) async fn renew_rejected(
        &self,
        key: &SessionKey,
        rejected: &Token,
    ) -> Result<(), SessionError> {
        self.serve(key, Some(rejected)).await.map(drop)
    }

    /// The session's token, renewed when under the margin remains or when
    /// the Core API refused it (`rejected`); `None` when `rejected` is no
    /// longer the session's token (nothing to do).
    async fn serve(
        &self,
        key: &SessionKey,
        rejected: Option<&Token>,
    ) -> Result<Option<Token>, SessionError> {
        let _flight = self.flight(key).await;
        let stored = self
            .store
            .get(key.as_str())
            .await?
            .ok_or(SessionError::NotFound)?;
        let current = stored.to_token();
        match rejected {
            None => {
                if let Some(current) = current.as_ref().filter(|t| t.remaining() > self.margin) {
                    return Ok(Some(current.clone()));
                }
            }
            Some(rejected) => {
                if !current
                    .as_ref()
                    .is_some_and(|t| t.same_access_token(rejected))
                {
                    return Ok(None);
                }
            }
        }
        // The record outlives its access token: the refresh token renews it.
        let Some(refresh) = stored.refresh_token().cloned() else {
            return Err(SessionError::NotASession);
        };
        trace::debug!("renewing the session", session = %key.as_str());
        let renewal = self
            .client
            .token_with(&self.credentials, &Grant::RefreshToken(refresh.clone()))
            .await;
        if let Err(err) = &renewal
            && !refused(err)
        {
            let error = trace::error_kind(err);
            trace::warning!("session renewal failed", session = %key.as_str(), error = %error);
        }
        match renewal {
            Ok(renewed) => {
                let (renewed, record) = self.renewed(&stored, &refresh, renewed);
                self.store.put(key.as_str(), record).await?;
                trace::debug!("session renewed", session = %key.as_str());
                Ok(Some(renewed))
            }
            Err(err) if refused(&err) => {
                trace::info!("refresh token refused: session ended", session = %key.as_str());
                self.store.remove(key.as_str()).await?;
                Err(SessionError::Ended(err))
            }
            // A refused token is not served again.
            Err(err) if rejected.is_some() => Err(SessionError::Auth(err)),
            // A transient failure: a still valid token is still good.
            Err(err) => current
                .filter(|token| !token.is_expired())
                .map(Some)
                .ok_or(SessionError::Auth(err)),
        }
    }

    /// The record after a renewal: the refresh token and owner carried over
    /// when the answer omits them; kept for a new lifetime when the refresh
    /// token rotated, until the old one's end otherwise.
    fn renewed(
        &self,
        stored: &StoredToken,
        refresh: &SecretString,
        mut renewed: Token,
    ) -> (Token, StoredToken) {
        let rotated = renewed
            .refresh_token()
            .is_some_and(|new| new.expose_secret() != refresh.expose_secret());
        if renewed.refresh_token().is_none() {
            renewed = renewed.with_refresh_token(refresh.expose_secret());
        }
        if renewed.owner_id().is_none()
            && let Some((id, kind)) = stored.owner()
        {
            renewed = renewed.with_owner(id, kind);
        }
        let record = if rotated {
            self.fresh_record(&renewed)
        } else {
            let kept_until = SystemTime::now() + stored.kept_for();
            StoredToken::from_token(&renewed).keep_until(kept_until)
        };
        (renewed, record)
    }

    pub(crate) async fn logout(&self, key: &SessionKey) -> Result<(), SessionError> {
        let _flight = self.flight(key).await;
        let stored = self.store.get(key.as_str()).await?;
        self.store.remove(key.as_str()).await?;
        let stored = stored.ok_or(SessionError::NotFound)?;
        trace::info!("session logged out", session = %key.as_str());
        self.client
            .revoke(stored.access_token(), &self.credentials)
            .await
            .map_err(SessionError::Auth)
    }
}

/// A session's flight: while it lives, no other task renews that session.
/// Its lock leaves the map when the last task that wanted it is done, so the
/// map holds only the sessions in use, not every session ever served.
struct Flight<'a, C> {
    engine: &'a Engine<C>,
    key: &'a SessionKey,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<C> Drop for Flight<'_, C> {
    fn drop(&mut self) {
        drop(self.guard.take());
        // Clones of a lock are only made under the map's mutex: with it held,
        // a count of one (the map's) means no task waits for this lock.
        let mut locks = self.engine.locks();
        if locks
            .get(&self.key.0)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            locks.remove(&self.key.0);
        }
    }
}

impl<C> Engine<C> {
    fn locks(&self) -> MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        // Entries are only inserted and removed whole: a panic elsewhere
        // cannot leave the map half-written.
        self.locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The number of sessions with a flight under way or awaited.
    #[cfg(test)]
    fn locks_in_use(&self) -> usize {
        self.locks.lock().map_or(0, |locks| locks.len())
    }

    /// The `Debug` of either flavour: the application and the settings, no
    /// session and no secret.
    pub(crate) fn debug(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(name)
            .field("credentials", &self.credentials)
            .field("margin", &self.margin)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::MemoryStore;

    #[tokio::test]
    async fn a_sessions_lock_leaves_the_map_once_nobody_waits_for_it() {
        let engine = Engine::new(
            AuthClient::new(),
            Credentials::integration("id", "secret", None),
            Arc::new(MemoryStore::new()),
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        let (a, b) = (SessionKey::from_string("a"), SessionKey::from_string("b"));
        let first = engine.flight(&a).await;
        let other = engine.flight(&b).await;
        assert_eq!(engine.locks_in_use(), 2);
        drop(other);
        assert_eq!(engine.locks_in_use(), 1);
        // A task waiting for `a` keeps its lock in the map after `first` ends.
        let waiting = engine.flight(&a);
        let mut waiting = std::pin::pin!(waiting);
        assert!(futures_poll_once(waiting.as_mut()).is_none());
        drop(first);
        let second = waiting.await;
        assert_eq!(engine.locks_in_use(), 1);
        drop(second);
        assert_eq!(engine.locks_in_use(), 0);
        // Logged-in-and-out sessions are not all remembered.
        for i in 0..100 {
            let key = SessionKey::from_string(format!("s{i}"));
            assert!(matches!(
                engine.token(&key).await,
                Err(SessionError::NotFound)
            ));
        }
        assert_eq!(engine.locks_in_use(), 0);
    }

    /// Polls `future` once: its output if it was ready.
    fn futures_poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.poll(&mut context) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }
}
