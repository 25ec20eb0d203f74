//! What both flavours of sessions do, over either client: log in, serve and
//! renew a session's token, log out.
//!
//! Every call reads the session's record from the store first, so a logout on
//! any instance ends the session everywhere at once. A record with life left
//! is served as it is. One that needs renewing goes through the cache and the
//! requester of token sources (`auth/cache`, `auth/source/requester.rs`): one
//! flight per session however many tasks ask (also when the renewal fails),
//! the backoff and `Retry-After`, the valid token kept through a transient
//! failure, the fleet-wide lease and backoff when the store has them, and a
//! refusal that ends the session only if the store still holds the refused
//! record. The cache of a session lives in a cell while it is in use (a
//! renewal under way or awaited, a backoff, a row of refusals); idle cells are
//! swept, so memory follows the sessions being renewed, not all sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::renewal::{SessionFailure, SessionRenewal};
use super::{SessionError, SessionKey};
use crate::auth::budget::Need;
use crate::auth::cache::{self, Core, Policy, SystemClock};
use crate::auth::client::Flavour;
use crate::auth::source::requester::{Requester, Shared, age};
use crate::auth::{AuthError, Credentials, Grant, Lease, StoredToken, Token, TokenStore, trace};

/// The cache and requester of one session in use.
struct Cell<C> {
    core: Arc<Core<Token, SessionFailure>>,
    requester: Arc<Requester<C, SessionRenewal>>,
}

/// The cells in use, by store key.
struct Cells<C> {
    map: HashMap<String, Arc<Cell<C>>>,
    /// The size at which idle cells are swept.
    sweep_at: usize,
}

/// The fewest cells kept before a sweep.
const SWEEP_FLOOR: usize = 64;

/// The sessions' settings, the client and the store.
pub(crate) struct Engine<C> {
    pub(crate) shared: Arc<Shared<C>>,
    pub(crate) lifetime: Duration,
    cells: Mutex<Cells<C>>,
}

impl<C: Flavour> Engine<C> {
    pub(crate) fn new(
        client: C,
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        policy: Policy,
        lifetime: Duration,
    ) -> Engine<C> {
        Engine {
            shared: Arc::new(Shared::new(client, credentials, store, policy)),
            lifetime,
            cells: Mutex::new(Cells {
                map: HashMap::new(),
                sweep_at: SWEEP_FLOOR,
            }),
        }
    }

    /// Sessions of `credentials`' customers with the defaults: renewed
    /// [`DEFAULT_SESSION_MARGIN`](super::DEFAULT_SESSION_MARGIN) before expiry,
    /// kept [`DEFAULT_SESSION_LIFETIME`](super::DEFAULT_SESSION_LIFETIME).
    pub(crate) fn with_defaults(
        client: C,
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
    ) -> Engine<C> {
        Engine::new(
            client,
            credentials,
            store,
            super::default_policy(),
            super::DEFAULT_SESSION_LIFETIME,
        )
    }

    /// The same sessions with other settings (and cells of their own).
    fn with(&self, policy: Policy, lifetime: Duration) -> Engine<C> {
        Engine::new(
            self.shared.client.clone(),
            self.shared.credentials.clone(),
            Arc::clone(&self.shared.store),
            policy,
            lifetime,
        )
    }

    /// The same sessions, renewed `margin` before expiry.
    pub(crate) fn with_margin(&self, margin: Duration) -> Engine<C> {
        let policy = Policy {
            margin,
            ..self.shared.policy
        };
        self.with(policy, self.lifetime)
    }

    /// The same sessions, kept `lifetime` after their refresh token.
    pub(crate) fn with_lifetime(&self, lifetime: Duration) -> Engine<C> {
        self.with(self.shared.policy, lifetime)
    }

    /// The same sessions, backing off from `initial` doubling to `max`.
    pub(crate) fn with_backoff(
        &self,
        initial: Duration,
        max: Duration,
    ) -> Result<Engine<C>, AuthError> {
        let policy = Policy {
            backoff_initial: initial,
            backoff_max: max,
            ..self.shared.policy
        };
        crate::auth::source::check_backoff(&policy)?;
        Ok(self.with(policy, self.lifetime))
    }

    /// The key a session is kept under: the application's, and a SHA-256 of
    /// the session key (never the key itself).
    pub(crate) fn store_key(&self, key: &SessionKey) -> String {
        format!(
            "session|{}|{}|{}",
            self.shared.client.base_url(),
            self.shared.credentials.cache_key(),
            key.digest()
        )
    }

    pub(crate) async fn login(&self, grant: &Grant) -> Result<SessionKey, SessionError> {
        let shared = &self.shared;
        let token = shared
            .client
            .token_with(&shared.credentials, grant, Need::Direct)
            .await
            .map_err(SessionError::Auth)?;
        if token.owner_id().is_none() || token.refresh_token().is_none() {
            return Err(SessionError::NotASession);
        }
        let key = SessionKey::generate().map_err(SessionError::Auth)?;
        let id = self.store_key(&key);
        let record = SessionRenewal::new(&id, self.lifetime).fresh_record(&token);
        shared.store.put(&id, record).await?;
        trace::debug!("session opened", session = %key.fingerprint());
        Ok(key)
    }

    /// The session's token: the stored one while it has more than the margin
    /// left, else through the session's cache (one renewal however many ask).
    pub(crate) async fn token(&self, key: &SessionKey) -> Result<Arc<Token>, SessionError> {
        let id = self.store_key(key);
        let read = self.shared.store.get(&id).await;
        let cell = match read {
            Ok(None) => {
                self.forget(&id);
                return Err(SessionError::NotFound);
            }
            Ok(Some(record)) => {
                let cell = match self.cell_in_use(&id) {
                    Some(cell) => cell,
                    None => {
                        if let Some(token) = self.fresh(&record) {
                            return Ok(Arc::new(token));
                        }
                        self.cell(&id)
                    }
                };
                Self::note(&cell, record);
                cell
            }
            // On its own: the cell's cache, or the request path, serves.
            Err(error) => {
                let cell = self.cell(&id);
                let _ = cell.requester.noted::<()>(Err(error));
                cell
            }
        };
        self.serve(&cell, key).await
    }

    /// After a 401 to a request made with `rejected`: renews now if the
    /// session still holds that token (else another task already did).
    pub(crate) async fn renew_rejected(
        &self,
        key: &SessionKey,
        rejected: &Token,
    ) -> Result<(), SessionError> {
        let id = self.store_key(key);
        let Some(record) = self.shared.store.get(&id).await? else {
            self.forget(&id);
            return Err(SessionError::NotFound);
        };
        if !record
            .to_token()
            .is_some_and(|current| current.same_access_token(rejected))
        {
            return Ok(());
        }
        let cell = self.cell(&id);
        cell.requester.reject(&cell.core, rejected, true).await?;
        Self::note(&cell, record);
        trace::info!("session token refused: renewing", session = %key.fingerprint());
        self.serve(&cell, key).await.map(drop)
    }

    /// Logs out: waits for a renewal under way (here, and the fleet's lease),
    /// forgets the session, and revokes its access token.
    pub(crate) async fn logout(&self, key: &SessionKey) -> Result<(), SessionError> {
        let id = self.store_key(key);
        if let Some(cell) = self.cell_in_use(&id) {
            cell.core.landed().await;
        }
        let store = &*self.shared.store;
        let holder = self.shared.holder();
        // A renewal that saved after the removal would bring the session back.
        let mut leased = false;
        for _ in 0..2 {
            match store.acquire_lease(&id, holder).await {
                Ok(Lease::Granted) => {
                    leased = true;
                    break;
                }
                Ok(Lease::HeldElsewhere) => {
                    let _ = store.wait_for_token(&id).await;
                }
                Ok(_) | Err(_) => break,
            }
        }
        let stored = store.get(&id).await;
        let removed = store.remove(&id).await;
        if leased {
            let _ = store.release_lease(&id, holder).await;
        }
        self.forget(&id);
        removed?;
        let stored = stored?.ok_or(SessionError::NotFound)?;
        trace::info!("session logged out", session = %key.fingerprint());
        let shared = &self.shared;
        shared
            .client
            .revoke(stored.access_token(), &shared.credentials)
            .await
            .map_err(SessionError::Auth)
    }

    /// The record's token, if it has more than the margin left.
    fn fresh(&self, record: &StoredToken) -> Option<Token> {
        (record.remaining() > self.shared.policy.margin)
            .then(|| record.to_token())
            .flatten()
    }

    /// Tells a cell what the store holds: the record to renew with, and its
    /// token for the cache unless the API refused it (the store speaks for
    /// its own token: one it says has expired leaves the cache too).
    fn note(cell: &Cell<C>, record: StoredToken) {
        let token = record.to_token_even_expired();
        cell.requester.remember(record);
        if cell.requester.is_rejected(token.access_token()) {
            return;
        }
        let issued = cache::now().checked_sub(age(&token));
        cell.core.adopt(
            Arc::new(token),
            issued.unwrap_or_else(cache::now),
            Token::same_access_token,
        );
    }

    async fn serve(&self, cell: &Cell<C>, key: &SessionKey) -> Result<Arc<Token>, SessionError> {
        let requester = &cell.requester;
        let request = |need| {
            let requester = Arc::clone(requester);
            async move { requester.request(need).await }
        };
        let served = cache::get(&cell.core, request).await;
        if let Err(failure) = &served {
            trace::debug!(
                "session gave no token",
                session = %key.fingerprint(),
                error = %cache::RetryHint::kind(&*failure.error),
            );
        }
        served.map_err(SessionError::from)
    }
}

impl<C> Engine<C> {
    fn cells(&self) -> MutexGuard<'_, Cells<C>> {
        // Entries are only inserted and removed whole: a panic elsewhere
        // cannot leave the map half-written.
        self.cells
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn cell_in_use(&self, id: &str) -> Option<Arc<Cell<C>>> {
        self.cells().map.get(id).cloned()
    }

    /// The session's cell, made if it has none. When the map has grown to
    /// twice its size after the last sweep, idle cells leave it.
    fn cell(&self, id: &str) -> Arc<Cell<C>> {
        let mut cells = self.cells();
        if let Some(cell) = cells.map.get(id) {
            return Arc::clone(cell);
        }
        if cells.map.len() >= cells.sweep_at {
            cells.map.retain(|_, cell| !is_idle(cell));
            cells.sweep_at = (cells.map.len() * 2).max(SWEEP_FLOOR);
        }
        let cell = Arc::new(Cell {
            core: Arc::new(Core::new(self.shared.policy, SystemClock)),
            requester: Arc::new(Requester::new(
                Arc::clone(&self.shared),
                id.to_owned(),
                SessionRenewal::new(id, self.lifetime),
            )),
        });
        cells.map.insert(id.to_owned(), Arc::clone(&cell));
        cell
    }

    /// Lets a session's cell go, unless it is in use.
    fn forget(&self, id: &str) {
        let mut cells = self.cells();
        if cells.map.get(id).is_some_and(|cell| is_idle(cell)) {
            cells.map.remove(id);
        }
    }

    /// The number of cells kept.
    #[cfg(test)]
    fn cells_kept(&self) -> usize {
        self.cells().map.len()
    }

    /// The `Debug` of either flavour: the application and the settings, no
    /// session and no secret.
    pub(crate) fn debug(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(name)
            .field("credentials", &self.shared.credentials)
            .field("policy", &self.shared.policy)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// Whether nobody holds the cell (checked under the map's lock, the only
/// place clones are made) and its cache has nothing to remember: no renewal
/// under way, no backoff, no row of refusals.
fn is_idle<C>(cell: &Arc<Cell<C>>) -> bool {
    Arc::strong_count(cell) == 1 && cell.core.is_idle()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthClient, MemoryStore};

    #[tokio::test]
    async fn idle_cells_are_swept_and_busy_ones_kept() {
        let policy = Policy {
            margin: Duration::from_secs(600),
            jitter: Duration::ZERO,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        };
        let engine = Engine::new(
            AuthClient::new(),
            Credentials::integration("id", "secret", None),
            Arc::new(MemoryStore::new()),
            policy,
            Duration::from_secs(3600),
        );
        let busy = engine.cell("busy");
        busy.core.count_refusal(Duration::ZERO);
        for i in 0..10_000 {
            drop(engine.cell(&format!("s{i}")));
        }
        assert!(
            engine.cells_kept() <= 2 * SWEEP_FLOOR,
            "{}",
            engine.cells_kept()
        );
        drop(busy);
        assert!(
            engine.cell_in_use("busy").is_some(),
            "a row of refusals is kept"
        );
        engine.forget("s9999");
        assert!(engine.cell_in_use("s9999").is_none());
        // Logged-in-and-out sessions are not all remembered.
        for i in 0..100 {
            let key = SessionKey::from_string(format!("k{i}"));
            assert!(matches!(
                engine.token(&key).await,
                Err(SessionError::NotFound)
            ));
        }
        assert!(engine.cells_kept() <= 2 * SWEEP_FLOOR);
    }
}
