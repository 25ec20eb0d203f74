//! A blocking flavour of the token requester, for synchronous programs
//! (feature `blocking`).
//!
//! Same builder, same errors, same request and answer handling as the async
//! [`AuthClient`](crate::auth::AuthClient). Like `reqwest::blocking`, build and
//! drop it outside an async runtime.
//!
//! ```no_run
//! use scope_core::auth::{blocking::AuthClient, Credentials};
//! use scope_core::scopes;
//!
//! let client = AuthClient::new();
//! let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
//! let token = client.request_token(&storefront)?;
//! println!("{token:?}");
//! # Ok::<(), scope_core::auth::AuthError>(())
//! ```

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::SecretString;

use super::builder::http_client_error;
use super::config::Config;
use crate::auth::budget::{Need, shopper_ip};
use crate::auth::exchange::{Answer, BoundedBody, Outgoing, Request, RequestKind};
use crate::auth::source::blocking::block_on;
use crate::auth::trace;
use crate::auth::{AuthError, Credentials, Grant, Token, TransportError};

/// Builds a blocking [`AuthClient`]: the same builder as the async client's,
/// over `reqwest`'s blocking client.
///
/// ```
/// let client = scope_core::auth::blocking::AuthClient::builder()
///     .domain("commercelayer.co")
///     .build()?;
/// assert_eq!(client.base_url(), "https://auth.commercelayer.co");
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
pub type AuthClientBuilder = super::builder::AuthClientBuilder<reqwest::blocking::Client>;

/// Gets access tokens from Commerce Layer's auth server, blocking the calling
/// thread. Cheap to clone.
///
/// ```no_run
/// use scope_core::auth::{blocking::AuthClient, Credentials};
///
/// let client = AuthClient::builder().domain("commercelayer.co").build()?;
/// let token = client.request_token(&Credentials::integration("id", "secret", None))?;
/// assert_eq!(token.scope(), "market:all");
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::blocking::Client,
    config: Arc<Config>,
}

impl AuthClient {
    /// A client for the production auth server with the default timeouts.
    ///
    /// # Panics
    ///
    /// Only if the TLS backend cannot be set up, or when called inside an async
    /// runtime (as `reqwest::blocking::Client::new`).
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::new();
    /// assert_eq!(client.base_url(), "https://auth.commercelayer.io");
    /// ```
    pub fn new() -> AuthClient {
        AuthClient::builder()
            .build()
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// A builder with the same choices as the async client's.
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::builder().domain("commercelayer.co").build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder() -> AuthClientBuilder {
        AuthClientBuilder::default()
    }

    /// The root URL of the auth server, without a trailing slash.
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::new();
    /// assert_eq!(client.base_url(), "https://auth.commercelayer.io");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Asks the server for a token, blocking until the answer is read or a
    /// timeout runs out.
    ///
    /// # Errors
    ///
    /// The same [`AuthError`]s as the async
    /// [`request_token`](crate::auth::AuthClient::request_token).
    ///
    /// ```no_run
    /// use scope_core::auth::{blocking::AuthClient, Credentials};
    ///
    /// let token = AuthClient::new().request_token(&Credentials::integration("id", "secret", None))?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn request_token(&self, credentials: &Credentials) -> Result<Token, AuthError> {
        self.request_token_with(credentials, &Grant::ClientCredentials)
    }

    /// Asks the server for a token with `grant` for the application of
    /// `credentials`, blocking: the twin of the async
    /// [`request_token_with`](crate::auth::AuthClient::request_token_with).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] before sending when the grant cannot go
    /// with these credentials; otherwise those of [`AuthClient::request_token`].
    ///
    /// ```no_run
    /// use scope_core::auth::{blocking::AuthClient, Credentials, Grant};
    /// use scope_core::scopes;
    ///
    /// let storefront = Credentials::sales_channel("id", scopes!("market:code:europe"))?;
    /// let login = Grant::password("ada@example.com", "correct horse");
    /// let token = AuthClient::new().request_token_with(&storefront, &login)?;
    /// assert!(token.refresh_token().is_some());
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn request_token_with(
        &self,
        credentials: &Credentials,
        grant: &Grant,
    ) -> Result<Token, AuthError> {
        self.token_for(credentials, grant, Need::Direct)
    }

    /// As the async client's: a place in the budget (waiting on this
    /// thread), the request, a 429 that pauses the budget.
    pub(crate) fn token_for(
        &self,
        credentials: &Credentials,
        grant: &Grant,
        need: Need,
    ) -> Result<Token, AuthError> {
        trace::answered_blocking(trace::token_request(credentials, grant), || {
            let Outgoing { request, body } = Outgoing::token(credentials, grant)?;
            let config = &*self.config;
            let shopper = shopper_ip(&config.headers);
            let sleep = |wait| {
                std::thread::sleep(wait);
                std::future::ready(())
            };
            // A place in the budget, held until the answer and a window more.
            let permit = match &config.budget {
                Some(budget) => Some(block_on(budget.admit(
                    need,
                    shopper,
                    config.timeout,
                    sleep,
                ))?),
                None => None,
            };
            let result = self.send(request, Some(body)).and_then(|answer| {
                answer.token(request, credentials.scope(), config.check_granted_scope)
            });
            if let Some(permit) = permit {
                block_on(permit.finish());
            }
            if let (Some(budget), Err(AuthError::RateLimited { retry_after, .. })) =
                (&config.budget, &result)
            {
                block_on(budget.rate_limited(shopper, *retry_after));
            }
            result
        })
    }

    /// A handle on this client (the same connection pool and settings) that
    /// also sends header `name: value` with every request, replacing a value
    /// the client had for it. For headers that differ per request, such as
    /// Commerce Layer's enterprise `x-true-client-ip` (the shopper's IP, so a
    /// backend minting tokens for many shoppers is rate-limited per shopper
    /// rather than per server IP); set headers that never change, such as
    /// `x-backend-auth`, once on the builder. The value is sensitive: never
    /// shown in `Debug` or an error. Costs a copy of the configuration, no
    /// new connection.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] for a bad name or value, or a header the
    /// client sets itself (`Content-Type`, `Accept`, …).
    ///
    /// ```no_run
    /// use scope_core::auth::{blocking::AuthClient, Credentials, Grant};
    /// use scope_core::scopes;
    ///
    /// # fn run(shopper_ip: &str) -> Result<(), scope_core::auth::AuthError> {
    /// let client = AuthClient::builder().header("x-backend-auth", "backend-key").build()?;
    /// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
    /// let for_shopper = client.with_header("x-true-client-ip", shopper_ip)?;
    /// let token = for_shopper
    ///     .request_token_with(&storefront, &Grant::password("ada@example.com", "pw"))?;
    /// # Ok(()) }
    /// ```
    pub fn with_header(&self, name: &str, value: &str) -> Result<AuthClient, AuthError> {
        Ok(AuthClient {
            http: self.http.clone(),
            config: Arc::new(self.config.with_header(name, value)?),
        })
    }

    /// Revokes `token`, so that it is refused from now on: the blocking twin of
    /// [`AuthClient::revoke`](crate::auth::AuthClient::revoke).
    ///
    /// ```no_run
    /// use scope_core::auth::{blocking::AuthClient, Credentials};
    ///
    /// let client = AuthClient::new();
    /// let credentials = Credentials::integration("client-id", "client-secret", None);
    /// let token = client.request_token(&credentials)?;
    /// client.revoke(token.access_token(), &credentials)?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As the async [`AuthClient::revoke`](crate::auth::AuthClient::revoke).
    pub fn revoke(&self, token: &SecretString, credentials: &Credentials) -> Result<(), AuthError> {
        trace::answered_blocking(trace::revocation(credentials), || {
            let Outgoing { request, body } = Outgoing::revocation(token, credentials);
            self.send(request, Some(body))?.revocation(request)
        })
    }

    /// The one way a request leaves this client, as the async
    /// [`AuthClient`](crate::auth::AuthClient)'s: the total timeout is set on
    /// the request itself, so it bounds the whole exchange (reqwest's blocking
    /// client otherwise restarts its timeout on every read of the body, and a
    /// server sending a byte at a time could hold the thread for days).
    pub(crate) fn send(
        &self,
        request: Request<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, AuthError> {
        let config = &*self.config;
        let url = config.url(request.kind).clone();
        let outgoing = match body {
            Some(body) => self
                .http
                .post(url)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body),
            None => self.http.get(url),
        };
        let outgoing = outgoing
            .headers(config.headers.clone())
            .timeout(config.timeout);
        let sent_at = crate::auth::now();
        let mut response = outgoing
            .send()
            .map_err(|err| config.send_error(err, request.kind))?;
        let head = config.head(
            request,
            response.url(),
            response.status(),
            response.headers(),
        )?;
        let mut body = BoundedBody::new(&head, config.limit(request.kind));
        let mut chunk = [0; 8 * 1024];
        loop {
            match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => body.push(&chunk[..read], &head, request)?,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(read_error(err, config, request.kind)),
            }
        }
        Ok(Answer {
            head,
            body: body.into_bytes(),
            sent_at,
        })
    }
}

/// A failure while reading a blocking body: reqwest's error inside an `io::Error`.
fn read_error(err: std::io::Error, config: &Config, request: RequestKind) -> AuthError {
    let timed_out = err.kind() == std::io::ErrorKind::TimedOut;
    match err
        .into_inner()
        .map(|inner| inner.downcast::<reqwest::Error>())
    {
        Some(Ok(reqwest_error)) => config.send_error(*reqwest_error, request),
        _ if timed_out => AuthError::Timeout {
            request,
            after: config.timeout,
        },
        Some(Err(other)) => AuthError::Transport(TransportError::new(request, other)),
        None => AuthError::Transport(TransportError::new(
            request,
            Box::new(std::io::Error::other(
                "the connection failed while the answer was read",
            )),
        )),
    }
}

impl Default for AuthClient {
    /// The same as [`AuthClient::new`].
    fn default() -> AuthClient {
        AuthClient::new()
    }
}

impl fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.config, f)
    }
}

impl super::builder::AuthClientBuilder<reqwest::blocking::Client> {
    /// Checks the choices and builds the blocking client.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`], as for the async builder.
    ///
    /// ```
    /// let err = scope_core::auth::blocking::AuthClient::builder().domain("https://x").build();
    /// assert!(err.is_err());
    /// ```
    pub fn build(self) -> Result<AuthClient, AuthError> {
        crate::auth::crypto::prepare_http_tls();
        let (config, http) = self.checked()?;
        let http = match http {
            Some(http) => http,
            None => reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .build()
                .map_err(http_client_error)?,
        };
        Ok(AuthClient {
            http,
            config: Arc::new(config),
        })
    }
}
