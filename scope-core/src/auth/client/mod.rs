//! The two flavours of client, one builder and one configuration for both.
//! Each flavour has one `send` that every request (token, revocation, key
//! set) goes through; what is sent and what an answer means is `exchange`'s.

mod async_client;
#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod builder;
mod config;
mod flavour;

pub use async_client::AuthClient;
pub use builder::AuthClientBuilder;
#[cfg(feature = "verify")]
pub(crate) use config::KEY_SET_PATH;
#[cfg(any(feature = "middleware", feature = "tower"))]
pub(crate) use config::is_loopback;
pub use config::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub(crate) use flavour::Flavour;
