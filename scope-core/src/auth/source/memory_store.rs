//! [`MemoryStore`]: the default [`TokenStore`], a map in this process's memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use super::store::{StoreFuture, TokenStore};
use crate::auth::StoredToken;
/// The default [`TokenStore`]: a map in this process's memory. Clones share
/// the map, so sources built with clones of one store share their tokens.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::{MemoryStore, StoredToken, TokenStore};
///
/// # async fn run() -> Result<(), scope_core::auth::StoreError> {
/// let store = MemoryStore::new();
/// let token = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0,
///     SystemTime::now() + Duration::from_secs(60));
/// store.put("key", token).await?;
/// assert_eq!(store.get("key").await?.unwrap().scope(), "market:all");
/// store.remove("key").await?;
/// assert!(store.get("key").await?.is_none());
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    tokens: Arc<Mutex<HashMap<String, StoredToken>>>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// let store = scope_core::auth::MemoryStore::new();
    /// assert!(store.is_empty());
    /// ```
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many tokens the store holds.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::MemoryStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no token.
    ///
    /// ```
    /// assert!(scope_core::auth::MemoryStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StoredToken>> {
        // Each write is one map operation: a panic elsewhere cannot leave the
        // map half-updated.
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("tokens", &self.len())
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let mut tokens = self.lock();
        // Expired tokens are dropped when met, so the map does not grow with them.
        let token = match tokens.get(key) {
            Some(token) if token.kept_for().is_zero() => {
                tokens.remove(key);
                None
            }
            other => other.cloned(),
        };
        Box::pin(std::future::ready(Ok(token)))
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        self.lock().insert(key.to_owned(), token);
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.lock().remove(key);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::*;

    #[tokio::test]
    async fn memory_store_keeps_a_session_past_its_access_token() {
        let store = MemoryStore::new();
        let expired = StoredToken::new("a", "bearer", Duration::from_secs(60), "", 0, UNIX_EPOCH)
            .keep_until(SystemTime::now() + Duration::from_secs(600));
        store.put("s", expired).await.unwrap();
        let kept = store.get("s").await.unwrap().expect("kept past its expiry");
        assert!(kept.to_token().is_none());
        let gone = StoredToken::new("a", "bearer", Duration::from_secs(60), "", 0, UNIX_EPOCH);
        store.put("t", gone).await.unwrap();
        assert!(store.get("t").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn memory_store_forgets_expired_tokens() {
        let store = MemoryStore::new();
        let expired = StoredToken::new(
            "abc",
            "bearer",
            Duration::from_secs(60),
            "",
            0,
            SystemTime::now() - Duration::from_secs(1),
        );
        store.put("old", expired).await.unwrap();
        assert_eq!(store.len(), 1);
        assert!(store.get("old").await.unwrap().is_none());
        assert!(store.is_empty());
    }
}
