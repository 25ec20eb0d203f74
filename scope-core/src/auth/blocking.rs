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

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::config::{Config, Settings, settings_setters};
use super::request::{check_not_redirected, read_error, send_error, token_request_body};
use super::response::{Answer, Head, interpret};
use super::{AuthError, Credentials, Token};

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
    pub(super) http: reqwest::blocking::Client,
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
    /// Only if the TLS backend cannot be set up, or when called inside an async
    /// runtime (as `reqwest::blocking::Client::new`).
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::new();
    /// assert_eq!(client.base_url(), "https://auth.commercelayer.io");
    /// ```
    pub fn new() -> AuthClient {
        match AuthClient::builder().build() {
            Ok(client) => client,
            Err(err) => panic!("{err}"),
        }
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
        let body = token_request_body(credentials);
        let answer = self.post(&self.config.token_url, body)?;
        interpret(&answer.head, &answer.body, credentials, answer.sent_at)
    }

    /// Posts a JSON `body` to `url` and reads the whole answer, up to the
    /// size limit; refuses a redirect. Token requests and revocations share it.
    pub(super) fn post(&self, url: &Url, body: Vec<u8>) -> Result<Answer<Vec<u8>>, AuthError> {
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
        let response = request.send().map_err(|err| send_error(err, config))?;
        check_not_redirected(response.url(), url)?;
        let head = Head::new(response.status(), response.headers());
        if let Some(err) = head.early_error(config.max_response_bytes) {
            return Err(err);
        }
        let body = read_body(response, &head, config.max_response_bytes, config)?;
        Ok(Answer {
            head,
            body,
            sent_at,
        })
    }
}

/// Reads a blocking answer's body, up to `limit` bytes: for token requests,
/// revocations and the key-set fetch alike.
pub(super) fn read_body(
    response: reqwest::blocking::Response,
    head: &Head,
    limit: usize,
    config: &Config,
) -> Result<Vec<u8>, AuthError> {
    let mut body = Vec::with_capacity(head.capacity(limit));
    // One byte past the limit is enough to know the body is too large.
    response
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|err| read_error(err, config))?;
    if body.len() > limit {
        return Err(head.too_large(limit));
    }
    Ok(body)
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

/// Builds a blocking [`AuthClient`]; every choice is checked by
/// [`build`](AuthClientBuilder::build).
///
/// ```
/// use std::time::Duration;
///
/// let client = scope_core::auth::blocking::AuthClient::builder()
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Default)]
pub struct AuthClientBuilder {
    settings: Settings,
    http: Option<reqwest::blocking::Client>,
}

impl AuthClientBuilder {
    settings_setters!("scope_core::auth::blocking::AuthClient");

    /// Sends requests through an existing `reqwest::blocking::Client`. Build it
    /// with `redirect(reqwest::redirect::Policy::none())`.
    ///
    /// ```
    /// let shared = reqwest::blocking::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let client = scope_core::auth::blocking::AuthClient::builder().http_client(shared).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::blocking::Client) -> AuthClientBuilder {
        self.http = Some(client);
        self
    }

    /// Checks the choices and builds the client.
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
        let config = self.settings.check()?;
        let shared = self.http.is_some();
        let http = match self.http {
            Some(http) => http,
            None => reqwest::blocking::Client::builder()
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
