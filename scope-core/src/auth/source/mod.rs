//! Token sources: a valid token on every call, from one request per renewal
//! however many tasks ask, kept in a [`TokenStore`] that processes may share.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod token_source;

#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
pub use store::{
    FleetBackoff, Lease, MemoryStore, StoreError, StoreFuture, StoredToken, TokenStore,
};
pub use token_source::{
    DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_REFRESH_JITTER, DEFAULT_REFRESH_MARGIN,
    TokenError, TokenSource, TokenSourceBuilder,
};
