//! `AuthError`: what went wrong with a request to the auth server, in variants a
//! caller can act on.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use super::{RequestKind, TokenError};
use crate::ScopeError;

/// Why a request to the auth server (a token request, a revocation, a key-set
/// fetch: see [`AuthError::request`]) failed.
///
/// Match on the variant to decide what to do: fix the credentials
/// ([`Rejected`](AuthError::Rejected), [`InvalidConfig`](AuthError::InvalidConfig)),
/// wait ([`RateLimited`](AuthError::RateLimited)), retry later
/// ([`Server`](AuthError::Server), [`Transport`](AuthError::Transport),
/// [`Timeout`](AuthError::Timeout)), or report a broken server
/// ([`Decode`](AuthError::Decode), [`Redirected`](AuthError::Redirected)).
///
/// The text of an error never holds a secret: not the client secret, not an
/// access token, not the body of an answer that could not be read.
///
/// ```
/// use scope_core::auth::{AuthError, Credentials};
/// use scope_core::scopes;
///
/// let err = Credentials::sales_channel("id", scopes!("stock_location:code:eu")).unwrap_err();
/// assert!(matches!(err, AuthError::InvalidScope(_)));
/// assert_eq!(err.status(), None);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The server refused the request (a 4xx other than 429): unknown client,
    /// wrong secret, invalid scope, not allowed. Retrying the same request will
    /// not help.
    Rejected {
        /// The request that was rejected.
        request: RequestKind,
        /// The HTTP status, such as 400, 401 or 403.
        status: u16,
        /// Every error the server listed, in order (empty when its body said none).
        errors: Vec<ApiError>,
    },
    /// The server is limiting the rate of token requests (429): 30 a minute per
    /// IP. Wait, and cache tokens instead of asking for one per call.
    RateLimited {
        /// The request that was refused.
        request: RequestKind,
        /// How long the server asked to wait, when it sent `Retry-After`.
        retry_after: Option<Duration>,
        /// Every error the server listed.
        errors: Vec<ApiError>,
    },
    /// The server failed (5xx). Retrying later may help.
    Server {
        /// The request that failed.
        request: RequestKind,
        /// The HTTP status, such as 500 or 503.
        status: u16,
        /// How long the server asked to wait, when it sent `Retry-After`.
        retry_after: Option<Duration>,
        /// Every error the server listed (empty for an HTML error page).
        errors: Vec<ApiError>,
    },
    /// The server answered with a redirect, which is never followed: it would
    /// post the credentials to another address.
    Redirected {
        /// The request that was answered with a redirect.
        request: RequestKind,
        /// The HTTP status, such as 301, 307 or 308.
        status: u16,
        /// Where the server pointed, when it said: scheme, host and path only
        /// (a query may echo a secret), control characters removed, cut to a
        /// readable length.
        location: Option<String>,
    },
    /// The server could not be reached, or the connection failed mid-way.
    Transport(TransportError),
    /// The request did not finish within the configured timeout.
    Timeout {
        /// The request that timed out.
        request: RequestKind,
        /// The timeout that ran out (the connect or the total timeout).
        after: Duration,
    },
    /// The server's answer could not be read: not a token response, or larger
    /// than the client accepts.
    Decode(DecodeError),
    /// The client or the credentials are set up wrong; nothing was sent.
    InvalidConfig(String),
    /// The credentials' scope cannot be used for them (a sales channel without
    /// a market, say); nothing was sent. The [`ScopeError`] (its kind and the
    /// span of the fault) is the error's [`source`](StdError::source).
    InvalidScope(ScopeError),
    /// The server granted a scope other than the one requested, or wider (the
    /// check is opt-in: `AuthClientBuilder::check_granted_scope`). The token was
    /// not used.
    ScopeMismatch {
        /// The scope asked for, as sent.
        requested: String,
        /// The scope the server granted, as it wrote it (empty when it sent none).
        granted: String,
    },
    /// No request was sent: another instance sharing the token store failed
    /// to get a token (a 429, a 5xx, a timeout) and recorded a fleet-wide
    /// backoff there, so no instance asks before it ends.
    FleetBackoff {
        /// How long until the fleet-wide backoff ends, measured when it was read.
        retry_after: Duration,
        /// The failed requests in a row the fleet has recorded.
        failures: u32,
    },
    /// No request was sent: the API the tokens go to refused them soon after
    /// they were issued, several times in a row (an origin of another
    /// organization, a clock off by hours), so renewals back off as failed
    /// requests do instead of asking the auth server after every 401.
    TokenRefused {
        /// How long after it was issued the last token was refused.
        age: Duration,
        /// The refusals of young tokens in a row.
        refusals: u32,
    },
    /// No request was sent: the [`TokenBudget`](crate::auth::TokenBudget) this
    /// client draws from (the auth server's rate limit, shared by everything
    /// that asks it from this IP) had no place before the caller's deadline;
    /// the next place frees after `retry_after`.
    BudgetSpent {
        /// How long until the budget has a place for this request.
        retry_after: Duration,
    },
    /// A token source had no valid token to give (its [`TokenError`], through
    /// `?`): the failed request's error is the [`source`](StdError::source),
    /// and the methods of this type answer for it.
    NoToken(TokenError),
}

impl AuthError {
    /// Which request failed; `None` when nothing was sent (a configuration
    /// error) or the failure is not a request's (a scope mismatch).
    ///
    /// ```
    /// use scope_core::auth::{AuthError, RequestKind};
    ///
    /// let err = AuthError::Timeout { request: RequestKind::KeySet, after: std::time::Duration::from_secs(30) };
    /// assert_eq!(err.request(), Some(RequestKind::KeySet));
    /// assert!(err.to_string().starts_with("the key-set request timed out"));
    /// ```
    pub fn request(&self) -> Option<RequestKind> {
        match self {
            AuthError::Rejected { request, .. }
            | AuthError::RateLimited { request, .. }
            | AuthError::Server { request, .. }
            | AuthError::Redirected { request, .. }
            | AuthError::Timeout { request, .. } => Some(*request),
            AuthError::Transport(err) => Some(err.request),
            AuthError::Decode(err) => Some(err.request),
            AuthError::FleetBackoff { .. }
            | AuthError::TokenRefused { .. }
            | AuthError::BudgetSpent { .. } => Some(RequestKind::Token),
            AuthError::NoToken(err) => err.auth_error().request(),
            AuthError::InvalidConfig(_)
            | AuthError::InvalidScope(_)
            | AuthError::ScopeMismatch { .. } => None,
        }
    }

    /// The HTTP status of the server's answer, when there was one.
    ///
    /// ```
    /// use scope_core::auth::{AuthError, RequestKind};
    ///
    /// let err = AuthError::Rejected { request: RequestKind::Token, status: 401, errors: vec![] };
    /// assert_eq!(err.status(), Some(401));
    /// assert_eq!(AuthError::InvalidConfig("bad".into()).status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            AuthError::Rejected { status, .. } => Some(*status),
            AuthError::RateLimited { .. } => Some(429),
            AuthError::Server { status, .. } => Some(*status),
            AuthError::Redirected { status, .. } => Some(*status),
            AuthError::Decode(decode) => Some(decode.status),
            AuthError::NoToken(err) => err.auth_error().status(),
            AuthError::Transport(_)
            | AuthError::Timeout { .. }
            | AuthError::InvalidConfig(_)
            | AuthError::InvalidScope(_)
            | AuthError::FleetBackoff { .. }
            | AuthError::TokenRefused { .. }
            | AuthError::BudgetSpent { .. }
            | AuthError::ScopeMismatch { .. } => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After` on a
    /// 429 or a 5xx), when it said.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{AuthError, RequestKind};
    ///
    /// let err = AuthError::RateLimited { request: RequestKind::Token, retry_after: Some(Duration::from_secs(30)), errors: vec![] };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AuthError::RateLimited { retry_after, .. } | AuthError::Server { retry_after, .. } => {
                *retry_after
            }
            AuthError::FleetBackoff { retry_after, .. }
            | AuthError::BudgetSpent { retry_after } => Some(*retry_after),
            AuthError::NoToken(err) => err.retry_in().or(err.auth_error().retry_after()),
            _ => None,
        }
    }

    /// Whether the server said the client is unknown or its secret is wrong
    /// (HTTP 401): a cached token for these credentials should be dropped.
    ///
    /// ```
    /// use scope_core::auth::{AuthError, RequestKind};
    ///
    /// assert!(AuthError::Rejected { request: RequestKind::Token, status: 401, errors: vec![] }.is_unauthorized());
    /// assert!(!AuthError::Rejected { request: RequestKind::Token, status: 400, errors: vec![] }.is_unauthorized());
    /// ```
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether trying the same request again later may succeed: rate limited,
    /// server error, transport failure or timeout.
    ///
    /// ```
    /// use scope_core::auth::{AuthError, RequestKind};
    ///
    /// assert!(AuthError::Server { request: RequestKind::Token, status: 503, retry_after: None, errors: vec![] }.is_retryable());
    /// assert!(!AuthError::Rejected { request: RequestKind::Token, status: 400, errors: vec![] }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        if let AuthError::NoToken(err) = self {
            return err.auth_error().is_retryable();
        }
        matches!(
            self,
            AuthError::RateLimited { .. }
                | AuthError::Server { .. }
                | AuthError::Transport(_)
                | AuthError::Timeout { .. }
                | AuthError::FleetBackoff { .. }
                | AuthError::TokenRefused { .. }
                | AuthError::BudgetSpent { .. }
        )
    }

    /// The errors the server listed in its answer (empty for other failures).
    ///
    /// ```
    /// use scope_core::auth::{ApiError, AuthError, RequestKind};
    ///
    /// let err = AuthError::Rejected { request: RequestKind::Token, status: 401, errors: vec![ApiError::new("invalid_client")] };
    /// assert_eq!(err.api_errors()[0].title, "invalid_client");
    /// ```
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            AuthError::Rejected { errors, .. }
            | AuthError::RateLimited { errors, .. }
            | AuthError::Server { errors, .. } => errors,
            AuthError::NoToken(err) => err.auth_error().api_errors(),
            _ => &[],
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Rejected {
                request,
                status: 401,
                errors,
            } => {
                write!(
                    f,
                    "the auth server refused the credentials of the {request} (HTTP 401)"
                )?;
                write_errors(f, errors)?;
                f.write_str(
                    "; retrying will not help: check the client id and, for an integration, the client secret",
                )
            }
            AuthError::Rejected {
                request,
                status,
                errors,
            } => {
                write!(f, "the auth server rejected the {request} (HTTP {status})")?;
                write_errors(f, errors)?;
                let hint = match (request, status) {
                    (RequestKind::Token, 400) => {
                        "check the scope: every market, store and stock location must exist and be enabled"
                    }
                    (RequestKind::Token, 403) => {
                        "the application is not allowed to get this token; check its kind and scope"
                    }
                    (RequestKind::Revocation, _) => {
                        "check that the token was issued to these credentials' application"
                    }
                    (RequestKind::KeySet, _) => "check the base URL of the auth server",
                    _ => "check the credentials and the scope",
                };
                write!(f, "; {hint}")
            }
            AuthError::RateLimited {
                request,
                retry_after,
                errors,
            } => {
                write!(
                    f,
                    "the auth server is rate limiting the {request} (HTTP 429)"
                )?;
                write_errors(f, errors)?;
                match retry_after {
                    Some(wait) => write!(f, "; retry after {}", Seconds(*wait))?,
                    None => f.write_str("; wait before retrying")?,
                }
                f.write_str(", and cache tokens: the limit is 30 token requests a minute per IP")
            }
            AuthError::Server {
                request,
                status,
                retry_after,
                errors,
            } => {
                write!(
                    f,
                    "the auth server failed to answer the {request} (HTTP {status})"
                )?;
                write_errors(f, errors)?;
                match retry_after {
                    Some(wait) => write!(f, "; retry after {}", Seconds(*wait)),
                    None => f.write_str("; retry later"),
                }
            }
            AuthError::Redirected {
                request,
                status,
                location,
            } => {
                write!(
                    f,
                    "the auth server answered the {request} with a redirect (HTTP {status}"
                )?;
                if let Some(location) = location {
                    write!(f, " to {location}")?;
                }
                if request.carries_credentials() {
                    f.write_str(
                        "), which is not followed because it would send the credentials elsewhere; \
                         set the base URL to the right address",
                    )
                } else {
                    f.write_str(
                        "), which is not followed: the signing keys must come from the configured auth server; \
                         set the base URL to the right address",
                    )
                }
            }
            AuthError::Transport(err) => fmt::Display::fmt(err, f),
            AuthError::Timeout { request, after } => write!(
                f,
                "the {request} timed out after {}; check the network, or raise the timeout on the client builder",
                Seconds(*after)
            ),
            AuthError::Decode(err) => fmt::Display::fmt(err, f),
            AuthError::InvalidConfig(message) => f.write_str(message),
            AuthError::InvalidScope(err) => {
                write!(f, "the credentials' scope cannot be used: {err}")
            }
            AuthError::ScopeMismatch { requested, granted } => write!(
                f,
                "the auth server granted the scope `{granted}`, which is not within the `{requested}` \
                 requested, so the token was not used; check the application's markets and stock \
                 locations in the dashboard"
            ),
            AuthError::FleetBackoff {
                retry_after,
                failures,
            } => write!(
                f,
                "the token request was not sent: the fleet sharing the token store is backing off \
                 after {failures} failed request(s) in a row, for {:.1} s more",
                retry_after.as_secs_f64()
            ),
            AuthError::TokenRefused { age, refusals } => write!(
                f,
                "the token request was not sent: the API refused {refusals} token(s) in a row soon \
                 after they were issued (the last {:.1} s after), so renewals back off; check that \
                 requests go to the token's own organization and that this machine's clock is right",
                age.as_secs_f64()
            ),
            AuthError::BudgetSpent { retry_after } => write!(
                f,
                "the token request was not sent: the token budget (the auth server's limit of \
                 requests from this IP, shared by every source, session and login) has no place \
                 for it; the next one frees in {:.1} s",
                retry_after.as_secs_f64()
            ),
            AuthError::NoToken(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl StdError for AuthError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            AuthError::NoToken(err) => Some(err),
            AuthError::Transport(err) => Some(err),
            AuthError::Decode(err) => Some(err),
            AuthError::InvalidScope(err) => Some(err),
            _ => None,
        }
    }
}

impl From<TokenError> for AuthError {
    /// A token source's failure, so `tokens.token().await?` works in a
    /// function that returns `AuthError`: [`AuthError::NoToken`].
    ///
    /// ```no_run
    /// use scope_core::auth::{AuthError, TokenSource};
    ///
    /// async fn header(tokens: &TokenSource) -> Result<String, AuthError> {
    ///     let token = tokens.token().await?;
    ///     Ok(format!("token for {}", token.scope()))
    /// }
    /// ```
    fn from(err: TokenError) -> AuthError {
        AuthError::NoToken(err)
    }
}

impl From<ScopeError> for AuthError {
    /// A scope that cannot be used: [`AuthError::InvalidScope`].
    ///
    /// ```
    /// use scope_core::{auth::AuthError, ScopeSet};
    ///
    /// fn parse(text: &str) -> Result<ScopeSet, AuthError> {
    ///     Ok(text.parse::<ScopeSet>()?)
    /// }
    /// assert!(matches!(parse("markets:all"), Err(AuthError::InvalidScope(_))));
    /// ```
    fn from(err: ScopeError) -> Self {
        AuthError::InvalidScope(err)
    }
}

fn write_errors(f: &mut fmt::Formatter<'_>, errors: &[ApiError]) -> fmt::Result {
    for (i, error) in errors.iter().enumerate() {
        f.write_str(if i == 0 { ": " } else { "; " })?;
        fmt::Display::fmt(error, f)?;
    }
    Ok(())
}

/// A duration shown in seconds, or milliseconds below one second.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(1) {
            write!(f, "{} ms", self.0.as_millis())
        } else if self.0.subsec_millis() == 0 {
            write!(f, "{} s", self.0.as_secs())
        } else {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        }
    }
}

/// One error the auth server listed in its answer.
///
/// Built from any of the three shapes the server uses: an `errors` array, a
/// single `errors` object, or the OAuth `{error, error_description}`. Its text
/// comes from the server, with control characters removed and any copy of the
/// client secret replaced by `[REDACTED]`.
///
/// ```
/// use scope_core::auth::ApiError;
///
/// let error = ApiError::new("invalid_client");
/// assert_eq!(error.to_string(), "invalid_client");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// A short name of the error, such as `invalid_client` or `Too many requests`.
    pub title: String,
    /// A sentence that explains it, when the server sent one.
    pub detail: Option<String>,
    /// A code such as `UNAUTHORIZED`, when the server sent one.
    pub code: Option<String>,
    /// The HTTP status the error names (sent as a number or as a string).
    pub status: Option<u16>,
}

impl ApiError {
    /// An error with only a title.
    ///
    /// ```
    /// let error = scope_core::auth::ApiError::new("invalid_scope");
    /// assert_eq!(error.detail, None);
    /// ```
    pub fn new(title: impl Into<String>) -> ApiError {
        ApiError {
            title: title.into(),
            detail: None,
            code: None,
            status: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

/// The server could not be reached, or the connection failed mid-way.
///
/// Its text names the cause (connection refused, DNS failure, TLS failure, a
/// connection closed early) and the URL, which holds no secret.
///
/// ```no_run
/// # async fn run() {
/// use scope_core::auth::{AuthClient, AuthError, Credentials};
///
/// let client = AuthClient::builder().base_url("http://127.0.0.1:9").build().unwrap();
/// let credentials = Credentials::integration("id", "secret", None);
/// if let Err(AuthError::Transport(err)) = client.request_token(&credentials).await {
///     eprintln!("{err}");
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct TransportError {
    pub(crate) request: RequestKind,
    message: String,
    source: Box<dyn StdError + Send + Sync>,
}

impl TransportError {
    pub(crate) fn new(
        request: RequestKind,
        source: Box<dyn StdError + Send + Sync>,
    ) -> TransportError {
        // One line: each cause in the chain, most general first.
        let mut message = format!("the {request} could not reach the auth server: ");
        message.push_str(&source.to_string());
        let mut cause = source.source();
        while let Some(err) = cause {
            let text = err.to_string();
            if !message.ends_with(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = err.source();
        }
        TransportError {
            request,
            message,
            source,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The server's answer could not be read: not a token response, or larger
/// than the client accepts.
///
/// It says the request, the status, the content type, the length and what was wrong, never
/// the body itself (a body may hold a token).
///
/// ```no_run
/// # async fn run() {
/// use scope_core::auth::{AuthClient, AuthError, Credentials};
///
/// let client = AuthClient::new();
/// let credentials = Credentials::integration("id", "secret", None);
/// if let Err(AuthError::Decode(err)) = client.request_token(&credentials).await {
///     eprintln!("HTTP {}: {err}", err.status());
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub(crate) request: RequestKind,
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) length: Option<usize>,
    pub(crate) reason: String,
}

impl DecodeError {
    /// The HTTP status of the answer.
    ///
    /// ```no_run
    /// # fn f(err: scope_core::auth::DecodeError) {
    /// assert_eq!(err.status(), 200);
    /// # }
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The request the answer was to.
    ///
    /// ```no_run
    /// # fn f(err: scope_core::auth::DecodeError) {
    /// assert_eq!(err.request(), scope_core::auth::RequestKind::Token);
    /// # }
    /// ```
    pub fn request(&self) -> RequestKind {
        self.request
    }

    /// The answer's `Content-Type`, when it sent one.
    ///
    /// ```no_run
    /// # fn f(err: scope_core::auth::DecodeError) {
    /// println!("{:?}", err.content_type());
    /// # }
    /// ```
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the auth server's answer to the {} (HTTP {}",
            self.request, self.status
        )?;
        if let Some(content_type) = &self.content_type {
            write!(f, ", {content_type}")?;
        }
        if let Some(length) = self.length {
            write!(f, ", {length} bytes")?;
        }
        match self.request {
            RequestKind::Token => write!(f, ") is not a token response: {}", self.reason),
            _ => write!(f, ") could not be read: {}", self.reason),
        }
    }
}

impl StdError for DecodeError {}
