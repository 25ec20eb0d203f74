//! Access tokens from Commerce Layer's auth server, with the OAuth
//! `client_credentials` grant.
//!
//! [`Credentials`] are either a sales channel (a client id and a scope that holds
//! a market or a store; no secret) or an integration (a client id, a secret and
//! an optional scope). [`AuthClient`] sends them to `POST {base}/oauth/token` and
//! returns a [`Token`], or an [`AuthError`] whose variant says what to do next.
//!
//! ```no_run
//! use scope_core::auth::{AuthClient, Credentials};
//! use scope_core::scopes;
//!
//! # async fn run() -> Result<(), scope_core::auth::AuthError> {
//! let client = AuthClient::new();
//! let storefront = Credentials::sales_channel("my-client-id", scopes!("market:code:europe"))?;
//! let token = client.request_token(&storefront).await?;
//! println!("{token:?}"); // the access token itself is redacted
//! # Ok(()) }
//! ```
//!
//! Safety rules the client follows whatever the server says:
//! - redirects are never followed (a 307 would re-post the client secret elsewhere);
//! - plain `http://` is refused except to loopback addresses;
//! - the response body is read up to a bounded size ([`DEFAULT_MAX_RESPONSE_BYTES`]);
//! - connect and total timeouts always apply;
//! - secrets live in [`secrecy`] types and never appear in `Debug`, `Display` or an error.
//!
//! Every monotonic clock read goes through tokio's clock, so tests that pause
//! tokio's time also move token expiry.

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "blocking")]
mod blocking_source;
mod cache;
mod claims;
mod client;
mod config;
mod core_api;
mod credentials;
mod error;
mod request;
mod response;
mod revoke;
mod store;
mod token;
mod token_source;
#[cfg(feature = "verify")]
mod verify;
#[cfg(all(feature = "verify", feature = "blocking"))]
mod verify_blocking;

#[cfg(feature = "blocking")]
pub use blocking_source::BlockingTokenSource;
pub use claims::{
    Application, ApplicationKind, Claims, ClaimsError, ClaimsErrorKind, JwtPart, Market,
    Organization, Owner, User, decode_claims,
};
pub use client::{AuthClient, AuthClientBuilder};
pub use credentials::Credentials;
pub use error::{ApiError, AuthError, DecodeError, TransportError};
pub use store::{MemoryStore, StoreError, StoreFuture, StoredToken, TokenStore};
pub use token::Token;
pub use token_source::{
    DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_REFRESH_JITTER, DEFAULT_REFRESH_MARGIN,
    TokenError, TokenSource, TokenSourceBuilder,
};
#[cfg(feature = "verify")]
pub use verify::{
    DEFAULT_REFETCH_COOLDOWN, FAILURE_BACKOFF, Verifier, VerifierBuilder, VerifyError,
};
#[cfg(all(feature = "verify", feature = "blocking"))]
pub use verify_blocking::BlockingVerifier;

/// The secret types of [`secrecy`], re-exported: read a secret with
/// [`ExposeSecret::expose_secret`].
///
/// ```
/// use scope_core::auth::{ExposeSecret, SecretString};
///
/// let secret = SecretString::from("s3cret");
/// assert_eq!(secret.expose_secret(), "s3cret");
/// ```
pub use secrecy::{ExposeSecret, SecretString};

/// Commerce Layer's production auth server.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BASE_URL, "https://auth.commercelayer.io");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://auth.commercelayer.io";

/// How long connecting may take unless the builder says otherwise.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_CONNECT_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a whole token request (connect, send, read the answer) may take
/// unless the builder says otherwise.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_TIMEOUT.as_secs(), 30);
/// ```
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The largest answer read from the auth server unless the builder says
/// otherwise: a token response is a few hundred bytes.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_MAX_RESPONSE_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// The monotonic clock of this module: tokio's, so paused time in tests moves
/// token expiry too. Works outside a runtime as well.
pub(crate) fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}
