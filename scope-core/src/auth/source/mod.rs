//! Token sources: a valid token on every call, from one request per renewal
//! however many tasks ask, kept in a [`TokenStore`] that processes may share.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod memory_store;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod requester;
mod store;
mod stored_token;
mod token_source;

pub use memory_store::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
pub use store::{
    BudgetAnswer, BudgetTake, FleetBackoff, Lease, StoreError, StoreFuture, TokenStore,
};
pub use stored_token::StoredToken;
pub(crate) use token_source::check_backoff;
pub use token_source::{
    DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_REFRESH_JITTER, DEFAULT_REFRESH_MARGIN,
    TokenError, TokenSource, TokenSourceBuilder,
};
