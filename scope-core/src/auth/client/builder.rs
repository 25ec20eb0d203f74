//! One builder for both flavours of client: `AuthClientBuilder<reqwest::Client>`
//! builds the async [`AuthClient`](crate::auth::AuthClient),
//! `AuthClientBuilder<reqwest::blocking::Client>` the blocking one.

use std::fmt;
use std::time::Duration;

use super::config::{Base, Config, Settings};
use crate::auth::AuthError;
use crate::auth::TokenBudget;

/// Builds an [`AuthClient`](crate::auth::AuthClient) (or, with `H` the
/// blocking `reqwest` client, a [`blocking::AuthClient`](crate::auth::blocking::AuthClient));
/// every choice is checked by `build`.
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::AuthClient;
///
/// let client = AuthClient::builder()
///     .base_url("https://auth.commercelayer.io")
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .header("x-enterprise-key", "…")
///     .build()?;
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[must_use]
pub struct AuthClientBuilder<H = reqwest::Client> {
    pub(super) settings: Settings,
    pub(super) http: Option<H>,
}

impl<H> Default for AuthClientBuilder<H> {
    fn default() -> Self {
        AuthClientBuilder {
            settings: Settings::default(),
            http: None,
        }
    }
}

impl<H> AuthClientBuilder<H> {
    /// The root URL of the auth server, without `/oauth/token`; default
    /// [`DEFAULT_BASE_URL`](crate::auth::DEFAULT_BASE_URL).
    ///
    /// It must be `https`; plain `http` is accepted only to loopback addresses
    /// (`127.0.0.0/8`, `::1`, `localhost`), for tests. The host is read as the
    /// URL parser (and a browser) reads it, so `http://2130706433` is
    /// 127.0.0.1 and counts as loopback. A trailing slash is ignored; a user
    /// name or password is refused (and never shown). Checked by `build`.
    /// Replaces an earlier `domain`.
    ///
    /// ```
    /// use scope_core::auth::AuthClient;
    ///
    /// let client = AuthClient::builder().base_url("http://127.0.0.1:8080/").build()?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    ///
    /// let err = AuthClient::builder().base_url("http://example.com").build().unwrap_err();
    /// assert!(err.to_string().contains("plain http"));
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base = Base::Url(url.into());
        self
    }

    /// The domain of the auth server: `commercelayer.co` for staging gives
    /// `https://auth.commercelayer.co`. Replaces an earlier `base_url`.
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::builder().domain("commercelayer.co").build()?;
    /// assert_eq!(client.base_url(), "https://auth.commercelayer.co");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.settings.base = Base::Domain(domain.into());
        self
    }

    /// How long connecting may take; default
    /// [`DEFAULT_CONNECT_TIMEOUT`](crate::auth::DEFAULT_CONNECT_TIMEOUT).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = scope_core::auth::AuthClient::builder().connect_timeout(Duration::from_secs(2)).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long a whole request may take, from connecting to reading the last
    /// byte of the answer, for token requests, revocations and key sets alike,
    /// whoever built the HTTP client; default
    /// [`DEFAULT_TIMEOUT`](crate::auth::DEFAULT_TIMEOUT).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = scope_core::auth::AuthClient::builder().timeout(Duration::from_secs(5)).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// A header sent with every request, such as one of Commerce Layer's
    /// enterprise headers. Its value is treated as sensitive: never shown in
    /// `Debug` or an error. `build` refuses a bad name or value, and the headers
    /// the client sets itself (`Content-Type`, `Accept`, …).
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::builder().header("x-enterprise-key", "k3y").build()?;
    /// assert!(!format!("{client:?}").contains("k3y"));
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.headers.push((name.into(), value.into()));
        self
    }

    /// The largest answer the client reads, in bytes; default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::auth::DEFAULT_MAX_RESPONSE_BYTES)
    /// (key sets may take at least 256 KiB). A larger answer is an
    /// [`AuthError::Decode`].
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::builder().max_response_bytes(16 * 1024).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.settings.max_response_bytes = limit;
        self
    }

    /// Refuse a token whose granted scope is not within the requested one
    /// (another market, `market:all` for one market, a retired form, none at
    /// all) with [`AuthError::ScopeMismatch`], which shows both. Off by default.
    ///
    /// Off by default because Commerce Layer does not document how it writes
    /// the granted scope: should it ever answer `market:code:europe` with the
    /// market's id, a default check would refuse every token. Turn it on where
    /// a token scoped wider than asked would do harm (a storefront showing
    /// another market's prices), after checking it against your organization.
    /// Credentials without a scope (integrations given `market:all`) are never
    /// checked.
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::builder().check_granted_scope(true).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn check_granted_scope(mut self, check: bool) -> Self {
        self.settings.check_granted_scope = check;
        self
    }

    /// Draws every token request of this client, and of its clones and
    /// [`with_header`](crate::auth::AuthClient::with_header) handles, from
    /// `budget`: the auth server's rate limit, shared by every source,
    /// session and login that uses them (see [`TokenBudget`]). Give the same
    /// budget to every client that asks from this IP. Without one, nothing
    /// counts the requests.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, TokenBudget};
    ///
    /// let client = AuthClient::builder().budget(TokenBudget::new()).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn budget(mut self, budget: TokenBudget) -> Self {
        self.settings.budget = Some(budget);
        self
    }

    /// Sends requests through an existing `reqwest` client (async or blocking,
    /// as the flavour), so an SDK shares its connection pool.
    ///
    /// Build that client with `redirect(reqwest::redirect::Policy::none())`: a
    /// client that follows redirects could re-post the credentials elsewhere
    /// (such an answer is refused, but only after the fact). Its own connect
    /// timeout applies; this builder's total timeout and headers are set on
    /// every request. With the `ring` feature and not `aws-lc-rs`, reqwest has no TLS
    /// provider of its own: install one before building that client, e.g.
    /// `rustls::crypto::ring::default_provider().install_default()` (this crate's
    /// own clients do it for you).
    ///
    /// ```
    /// # #[cfg(not(feature = "aws-lc-rs"))]
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let shared = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let client = scope_core::auth::AuthClient::builder().http_client(shared).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn http_client(mut self, client: H) -> Self {
        self.http = Some(client);
        self
    }

    /// The checked configuration and the caller's HTTP client, if any.
    pub(super) fn checked(self) -> Result<(Config, Option<H>), AuthError> {
        Ok((self.settings.check()?, self.http))
    }
}

/// The error for an HTTP client that could not be built.
pub(super) fn http_client_error(err: reqwest::Error) -> AuthError {
    AuthError::InvalidConfig(format!("the HTTP client could not be built: {err}"))
}

impl<H> fmt::Debug for AuthClientBuilder<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthClientBuilder")
            .field("settings", &self.settings)
            .field("shared_http_client", &self.http.is_some())
            .finish()
    }
}
