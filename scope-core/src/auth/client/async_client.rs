//! `AuthClient`: the async client. Every request goes through [`AuthClient::send`].

use std::fmt;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::SecretString;

use super::builder::{AuthClientBuilder, http_client_error};
use super::config::Config;
use crate::auth::exchange::{Answer, BoundedBody, Outgoing, Request};
use crate::auth::{AuthError, Credentials, Token};

/// Gets access tokens from Commerce Layer's auth server with the
/// `client_credentials` grant.
///
/// Cheap to clone: clones share one connection pool and one configuration.
/// Build one per program and reuse it; cache the tokens it returns (the server
/// allows 30 token requests a minute per IP).
///
/// ```no_run
/// use scope_core::auth::{AuthClient, Credentials};
/// use scope_core::scopes;
///
/// # async fn run() -> Result<(), scope_core::auth::AuthError> {
/// let client = AuthClient::builder().domain("commercelayer.co").build()?;
/// let backend = Credentials::integration("client-id", "client-secret", Some(scopes!("market:code:europe")));
/// let token = client.request_token(&backend).await?;
/// assert_eq!(token.scope(), "market:code:europe");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    config: Arc<Config>,
}

impl AuthClient {
    /// A client for the production auth server with the default timeouts.
    ///
    /// # Panics
    ///
    /// Only if the TLS backend cannot be set up, as `reqwest::Client::new`.
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::new();
    /// assert_eq!(client.base_url(), "https://auth.commercelayer.io");
    /// ```
    pub fn new() -> AuthClient {
        AuthClient::builder()
            .build()
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// A builder to choose the server, timeouts, extra headers or a shared
    /// `reqwest::Client`.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = scope_core::auth::AuthClient::builder()
    ///     .domain("commercelayer.co")
    ///     .timeout(Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder() -> AuthClientBuilder {
        AuthClientBuilder::default()
    }

    /// The root URL of the auth server, without a trailing slash.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::AuthClient::new().base_url(), "https://auth.commercelayer.io");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Asks the server for a token: `POST {base}/oauth/token` with the
    /// credentials as JSON.
    ///
    /// # Errors
    ///
    /// An [`AuthError`] whose variant says what went wrong: rejected, rate
    /// limited, server error, redirect, transport failure, timeout, or an
    /// answer that is not a token response.
    ///
    /// ```no_run
    /// use scope_core::auth::{AuthClient, AuthError, Credentials};
    /// use scope_core::scopes;
    ///
    /// # async fn run() -> Result<(), AuthError> {
    /// let client = AuthClient::new();
    /// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
    /// match client.request_token(&storefront).await {
    ///     Ok(token) => println!("valid for {:?}", token.expires_in()),
    ///     Err(AuthError::RateLimited { retry_after, .. }) => println!("wait {retry_after:?}"),
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn request_token(&self, credentials: &Credentials) -> Result<Token, AuthError> {
        let Outgoing { request, body } = Outgoing::token(credentials);
        let answer = self.send(request, Some(body)).await?;
        answer.token(
            request,
            credentials.scope(),
            self.config.check_granted_scope,
        )
    }

    /// Revokes `token`, so that it is refused from now on:
    /// `POST {base}/oauth/revoke`.
    ///
    /// `credentials` are those of the application the token was issued to. A [`Token`]
    /// gives its text with [`Token::access_token`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), scope_core::auth::AuthError> {
    /// use scope_core::auth::{AuthClient, Credentials};
    ///
    /// let client = AuthClient::new();
    /// let credentials = Credentials::integration("client-id", "client-secret", None);
    /// let token = client.request_token(&credentials).await?;
    /// client.revoke(token.access_token(), &credentials).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// An [`AuthError`] whose [`request`](AuthError::request) is a revocation:
    /// [`AuthError::Rejected`] with status 403 when the server refuses (a wrong
    /// secret, a token of another application), a transport error, a timeout,
    /// and so on. Neither the token nor the secret appears in it.
    pub async fn revoke(
        &self,
        token: &SecretString,
        credentials: &Credentials,
    ) -> Result<(), AuthError> {
        let Outgoing { request, body } = Outgoing::revocation(token, credentials);
        self.send(request, Some(body)).await?.revocation(request)
    }

    /// The one way a request leaves this client: a POST of `body` as JSON (a
    /// GET without one) to the URL of `request`'s kind, with the configured
    /// headers and the total timeout set on the request itself; a followed
    /// redirect refused; the answer read whole, up to the size limit.
    pub(crate) async fn send(
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
        let fail = |err| config.send_error(err, request.kind);
        let sent_at = crate::auth::now();
        let mut response = outgoing.send().await.map_err(fail)?;
        let head = config.head(
            request,
            response.url(),
            response.status(),
            response.headers(),
        )?;
        let mut body = BoundedBody::new(&head, config.limit(request.kind));
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            body.push(&chunk, &head, request)?;
        }
        Ok(Answer {
            head,
            body: body.into_bytes(),
            sent_at,
        })
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

impl AuthClientBuilder<reqwest::Client> {
    /// Checks the choices and builds the client.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] for a base URL that is not https (or plain
    /// http to loopback), a bad domain or header, or a zero timeout.
    ///
    /// ```
    /// use scope_core::auth::AuthClient;
    ///
    /// assert!(AuthClient::builder().base_url("ftp://auth.commercelayer.io").build().is_err());
    /// ```
    pub fn build(self) -> Result<AuthClient, AuthError> {
        let (config, http) = self.checked()?;
        let http = match http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.connect_timeout)
                .build()
                .map_err(http_client_error)?,
        };
        Ok(AuthClient {
            http,
            config: Arc::new(config),
        })
    }
}
