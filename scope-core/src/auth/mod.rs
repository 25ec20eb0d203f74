//! Access tokens from Commerce Layer's auth server: request them with any of
//! its OAuth grants ([`Grant`]: `client_credentials`, `password`,
//! `refresh_token`, `authorization_code`, JWT bearer), cache, revoke, decode
//! and verify them.
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
//!
//! A customer logs in to a sales channel with [`AuthClient::request_token_with`]
//! and [`Grant::password`]; the answer's [`Token::refresh_token`] renews it.
//!
//! Where things live: `credentials`, `grant`, `token` and `error` are the values;
//! `exchange` writes every request body and reads every answer without I/O;
//! `client` sends them (one `send` per flavour, one `token_for` per flavour
//! that every token request goes through, taking its place in a
//! [`TokenBudget`]); `budget` is that budget; `cache` is the single-flight
//! token cache and `source` puts it over a client and a [`TokenStore`] (its
//! `requester` is the one path from a cache to the auth server, for sources
//! and sessions alike); `session` is customers' sessions;
//! `claims` decodes a token, `verify` checks its signature; `provider` is the
//! [`TokenProvider`] trait an SDK holds, and `outgoing` (features `middleware`
//! and `tower`) puts its tokens on requests to the Core API.

mod budget;
mod cache;
mod claims;
mod client;
mod credentials;
mod crypto;
mod error;
mod exchange;
mod grant;
#[cfg(any(feature = "middleware", feature = "tower"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "middleware", feature = "tower"))))]
pub mod outgoing;
mod provider;
mod session;
mod source;
mod token;
mod trace;
#[cfg(feature = "verify")]
mod verify;

pub use budget::{
    BudgetUsage, DEFAULT_BUDGET_LIMIT, DEFAULT_BUDGET_WAIT, DEFAULT_BUDGET_WINDOW, TokenBudget,
    TokenBudgetBuilder,
};
pub use claims::{
    ActsFor, Application, ApplicationKind, Claims, ClaimsError, ClaimsErrorKind, JwtPart, Market,
    Organization, Owner, User, decode_claims,
};
pub use client::{
    AuthClient, AuthClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use credentials::Credentials;
pub use error::{ApiError, AuthError, DecodeError, TransportError};
pub use exchange::RequestKind;
pub use grant::{
    Assertion, AssertionBuilder, AuthorizeRequest, AuthorizeRequestBuilder, DEFAULT_AUTHORIZE_URL,
    Grant, MAX_ASSERTION_BYTES, OwnerType,
};
pub use provider::{
    BlockingTokenProvider, CustomerSession, ProviderError, ProviderFuture, TokenProvider,
};
pub use session::{
    CustomerSessions, DEFAULT_SESSION_LIFETIME, DEFAULT_SESSION_MARGIN, SessionError, SessionKey,
};
pub use source::{
    BudgetAnswer, BudgetTake, DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX, DEFAULT_REFRESH_JITTER,
    DEFAULT_REFRESH_MARGIN, FleetBackoff, Lease, MemoryStore, StoreError, StoreFuture, StoredToken,
    TokenError, TokenSource, TokenSourceBuilder, TokenStore,
};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use source::{RedisStore, RedisStoreBuilder};
pub use token::{InvalidAccessToken, Token};
#[cfg(feature = "verify")]
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub use verify::{
    DEFAULT_REFETCH_COOLDOWN, FAILURE_BACKOFF, Verifier, VerifierBuilder, VerifyError,
};

pub(crate) use cache::now;

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

/// The blocking flavour, for synchronous programs (feature `blocking`): the
/// same builder, rules, errors and cache as the async types of [`auth`](crate::auth).
/// Like `reqwest::blocking`, build and drop these outside an async runtime.
///
/// ```no_run
/// use scope_core::auth::blocking::{AuthClient, TokenSource};
/// use scope_core::auth::Credentials;
/// use scope_core::scopes;
///
/// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let tokens = TokenSource::new(AuthClient::new(), storefront);
/// println!("{:?}", tokens.token()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking {
    pub use super::client::blocking::{AuthClient, AuthClientBuilder};
    pub use super::session::blocking::CustomerSessions;
    pub use super::source::blocking::TokenSource;
    #[cfg(feature = "verify")]
    #[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
    pub use super::verify::blocking::Verifier;

    /// Builds a blocking [`TokenSource`]: the async source's builder over the
    /// blocking client.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use scope_core::auth::blocking::{AuthClient, TokenSource, TokenSourceBuilder};
    /// use scope_core::auth::Credentials;
    ///
    /// let builder: TokenSourceBuilder = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None));
    /// let tokens = builder.refresh_margin(Duration::from_secs(600)).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub type TokenSourceBuilder = super::TokenSourceBuilder<AuthClient>;
}
