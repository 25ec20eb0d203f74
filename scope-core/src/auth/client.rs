//! `AuthClient`: the async token requester.

use std::fmt;
use std::sync::Arc;

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::config::{Config, Settings, settings_setters};
use super::request::{check_not_redirected, send_error, token_request_body};
use super::response::{Answer, BoundedChunks, Head, interpret};
use super::{AuthError, Credentials, Token};

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
    pub(super) http: reqwest::Client,
    pub(super) config: Arc<Config>,
    /// Whether `http` came from the caller (see `http_client`): it then gets
    /// the headers and the total timeout on every request.
    pub(super) shared: bool,
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
        match AuthClient::builder().build() {
            Ok(client) => client,
            Err(err) => panic!("{err}"),
        }
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
        let body = token_request_body(credentials);
        let answer = self.post(&self.config.token_url, body).await?;
        interpret(
            &answer.head,
            answer.body.bytes(),
            credentials,
            answer.sent_at,
        )
    }

    /// Posts a JSON `body` to `url` and reads the whole answer, up to the
    /// size limit; refuses a redirect. Token requests and revocations share it.
    pub(super) async fn post(
        &self,
        url: &Url,
        body: Vec<u8>,
    ) -> Result<Answer<BoundedChunks<impl AsRef<[u8]>>>, AuthError> {
        let config = &*self.config;
        // The body is JSON. Not a default header: the key-set fetch is a GET.
        let mut request = self
            .http
            .post(url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.shared {
            // A caller's client knows nothing of these; a client built here has
            // them as defaults already.
            request = request
                .headers(config.headers.clone())
                .timeout(config.timeout);
        }
        let request = request.body(body);
        let sent_at = super::now();
        let mut response = request
            .send()
            .await
            .map_err(|err| send_error(err, config))?;
        check_not_redirected(response.url(), url)?;
        let head = Head::new(response.status(), response.headers());
        if let Some(err) = head.early_error(config.max_response_bytes) {
            return Err(err);
        }
        let mut body = BoundedChunks::new(config.max_response_bytes);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| send_error(err, config))?
        {
            body.push(chunk, &head)?;
        }
        Ok(Answer {
            head,
            body,
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

/// Builds an [`AuthClient`]; every choice is checked by [`build`](AuthClientBuilder::build).
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
#[derive(Default)]
pub struct AuthClientBuilder {
    settings: Settings,
    http: Option<reqwest::Client>,
}

impl AuthClientBuilder {
    settings_setters!("scope_core::auth::AuthClient");

    /// Sends requests through an existing `reqwest::Client`, so an SDK shares
    /// its connection pool.
    ///
    /// Build that client with `redirect(reqwest::redirect::Policy::none())`: a
    /// client that follows redirects could re-post the credentials elsewhere
    /// (such an answer is refused, but only after the fact). Its own connect
    /// timeout applies; the total timeout of this builder is set on every
    /// request.
    ///
    /// ```
    /// let shared = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let client = scope_core::auth::AuthClient::builder().http_client(shared).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> AuthClientBuilder {
        self.http = Some(client);
        self
    }

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
        let config = self.settings.check()?;
        let shared = self.http.is_some();
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .default_headers(config.headers.clone())
                .build()
                .map_err(|err| {
                    AuthError::InvalidConfig(format!("the HTTP client could not be built: {err}"))
                })?,
        };
        Ok(AuthClient {
            http,
            config: Arc::new(config),
            shared,
        })
    }
}

impl fmt::Debug for AuthClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthClientBuilder")
            .field("settings", &self.settings)
            .field("shared_http_client", &self.http.is_some())
            .finish()
    }
}
