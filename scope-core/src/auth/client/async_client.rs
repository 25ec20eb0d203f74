//! `AuthClient`: the async client. Every request goes through [`AuthClient::send`].

use std::fmt;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::SecretString;

use super::builder::{AuthClientBuilder, http_client_error};
use super::config::Config;
use crate::auth::budget::{Need, shopper_ip};
use crate::auth::exchange::{Answer, BoundedBody, Outgoing, Request};
use crate::auth::trace;
use crate::auth::{AuthError, Credentials, Grant, Token};

/// Gets access tokens from Commerce Layer's auth server, with the
/// `client_credentials` grant ([`request_token`](AuthClient::request_token))
/// or any other [`Grant`] ([`request_token_with`](AuthClient::request_token_with)).
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
        self.request_token_with(credentials, &Grant::ClientCredentials)
            .await
    }

    /// Asks the server for a token with `grant` for the application of
    /// `credentials`: a customer's login (`password`), a renewal
    /// (`refresh_token`), a webapp's code exchange (`authorization_code`) or
    /// an assertion (JWT bearer). The same request, answer handling and safety
    /// rules as [`request_token`](AuthClient::request_token); the scope sent
    /// is the credentials' (so a sales channel's customers get a market too).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] before anything is sent when the grant
    /// cannot go with these credentials (a password for a confidential app, a
    /// code or an assertion without a client secret, an empty refresh token);
    /// otherwise those of [`request_token`](AuthClient::request_token). A
    /// refused refresh token or code is [`AuthError::Rejected`] (status 400 or 401).
    ///
    /// ```no_run
    /// use scope_core::auth::{AuthClient, Credentials, ExposeSecret, Grant};
    /// use scope_core::scopes;
    ///
    /// # async fn run() -> Result<(), scope_core::auth::AuthError> {
    /// let client = AuthClient::new();
    /// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
    /// let login = Grant::password("ada@example.com", "correct horse");
    /// let token = client.request_token_with(&storefront, &login).await?;
    /// let refresh = token.refresh_token().expect("a password grant's answer has one");
    /// let renewed = client
    ///     .request_token_with(&storefront, &Grant::RefreshToken(refresh.clone()))
    ///     .await?;
    /// assert_eq!(renewed.owner_id(), token.owner_id());
    /// # Ok(()) }
    /// ```
    pub async fn request_token_with(
        &self,
        credentials: &Credentials,
        grant: &Grant,
    ) -> Result<Token, AuthError> {
        self.token_for(credentials, grant, Need::Direct).await
    }

    /// One token request for a caller of `need`: a place in the client's
    /// budget first (if it has one), then the request; a 429 pauses the budget.
    pub(crate) async fn token_for(
        &self,
        credentials: &Credentials,
        grant: &Grant,
        need: Need,
    ) -> Result<Token, AuthError> {
        trace::answered(trace::token_request(credentials, grant), async {
            let Outgoing { request, body } = Outgoing::token(credentials, grant)?;
            let config = &*self.config;
            let shopper = shopper_ip(&config.headers);
            // A place in the budget, held until the answer and a window more.
            let permit = match &config.budget {
                Some(budget) => Some(
                    budget
                        .admit(need, shopper, config.timeout, tokio::time::sleep)
                        .await?,
                ),
                None => None,
            };
            let result = match self.send(request, Some(body)).await {
                Ok(answer) => {
                    answer.token(request, credentials.scope(), config.check_granted_scope)
                }
                Err(error) => Err(error),
            };
            if let Some(permit) = permit {
                permit.finish().await;
            }
            if let (Some(budget), Err(AuthError::RateLimited { retry_after, .. })) =
                (&config.budget, &result)
            {
                budget.rate_limited(shopper, *retry_after).await;
            }
            result
        })
        .await
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
    /// use scope_core::auth::{AuthClient, Credentials, Grant};
    /// use scope_core::scopes;
    ///
    /// # async fn run(shopper_ip: &str) -> Result<(), scope_core::auth::AuthError> {
    /// let client = AuthClient::builder().header("x-backend-auth", "backend-key").build()?;
    /// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
    /// let for_shopper = client.with_header("x-true-client-ip", shopper_ip)?;
    /// let token = for_shopper
    ///     .request_token_with(&storefront, &Grant::password("ada@example.com", "pw"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_header(&self, name: &str, value: &str) -> Result<AuthClient, AuthError> {
        Ok(AuthClient {
            http: self.http.clone(),
            config: Arc::new(self.config.with_header(name, value)?),
        })
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
        trace::answered(trace::revocation(credentials), async {
            let Outgoing { request, body } = Outgoing::revocation(token, credentials);
            self.send(request, Some(body)).await?.revocation(request)
        })
        .await
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
        crate::auth::crypto::prepare_http_tls();
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
