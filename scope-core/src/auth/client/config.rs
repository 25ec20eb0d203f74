//! What both clients are configured with, checked once when a client is built,
//! and the steps of an exchange that do not depend on the flavour.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use crate::auth::exchange::{Head, Request, RequestKind};
use crate::auth::{AuthError, TokenBudget, TransportError};

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
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a whole token request (connect, send, read the answer) may take
/// unless the builder says otherwise.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_TIMEOUT.as_secs(), 30);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer read from the auth server unless the builder says
/// otherwise: a token response is a few hundred bytes.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_MAX_RESPONSE_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// The least body size read for a key set, whatever the limit for token
/// responses: a key set holds a few keys of about 700 bytes each.
const MIN_KEY_SET_BYTES: usize = 256 * 1024;

/// The builder's choices, before they are checked.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) base: Base,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_response_bytes: usize,
    pub(crate) check_granted_scope: bool,
    pub(crate) budget: Option<TokenBudget>,
}

#[derive(Clone)]
pub(crate) enum Base {
    Url(String),
    Domain(String),
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            base: Base::Url(DEFAULT_BASE_URL.to_owned()),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            headers: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            check_granted_scope: false,
            budget: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = match &self.base {
            Base::Url(url) => shown_url(url),
            Base::Domain(domain) => format!("https://auth.{}", without_user_info(domain)),
        };
        f.debug_struct("Settings")
            .field("base_url", &base)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            // Header values may be credentials: names only.
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("max_response_bytes", &self.max_response_bytes)
            .field("check_granted_scope", &self.check_granted_scope)
            .field("budget", &self.budget)
            .finish()
    }
}

/// A checked configuration, shared by every clone of a client.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) base_url: String,
    token_url: Url,
    revoke_url: Url,
    key_set_url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    max_response_bytes: usize,
    pub(crate) check_granted_scope: bool,
    /// The budget every token request draws from, if the client has one.
    pub(crate) budget: Option<TokenBudget>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthClient")
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("check_granted_scope", &self.check_granted_scope)
            .field("budget", &self.budget)
            .finish()
    }
}

/// Headers the client sets itself: a caller may not replace them.
const RESERVED_HEADERS: [&str; 5] = [
    "content-type",
    "accept",
    "content-length",
    "host",
    "transfer-encoding",
];

/// Where a key set is published, after the issuer's base URL.
pub(crate) const KEY_SET_PATH: &str = "/.well-known/jwks.json";

impl Settings {
    pub(crate) fn check(self) -> Result<Config, AuthError> {
        let base_url = match self.base {
            Base::Url(url) => url,
            Base::Domain(domain) => domain_url(&domain)?,
        };
        let base_url = base_url.trim_end_matches('/').to_owned();
        check_base_url(&base_url)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(AuthError::InvalidConfig(
                "a timeout of zero would fail every request: give the connect and total timeouts a positive duration"
                    .into(),
            ));
        }
        if self.max_response_bytes < 1024 {
            return Err(AuthError::InvalidConfig(format!(
                "a response limit of {} bytes is too small for a token response: allow at least 1024",
                self.max_response_bytes
            )));
        }
        // Every request's headers; `Content-Type` describes a body, so each POST sets its own.
        let mut headers = HeaderMap::with_capacity(1 + self.headers.len());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &self.headers {
            let (header, value) = checked_header(name, value)?;
            headers.append(header, value);
        }
        Ok(Config {
            token_url: endpoint(&base_url, "/oauth/token")?,
            revoke_url: endpoint(&base_url, "/oauth/revoke")?,
            key_set_url: endpoint(&base_url, KEY_SET_PATH)?,
            base_url,
            headers,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            check_granted_scope: self.check_granted_scope,
            budget: self.budget,
        })
    }
}

/// A caller's header, checked: a valid name that is not one the client sets
/// itself, and a valid value, marked sensitive (it may be a credential, and is
/// never repeated in an error).
fn checked_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), AuthError> {
    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        AuthError::InvalidConfig(format!(
            "the header name {name:?} is not a valid HTTP header name: use letters, digits and `-`"
        ))
    })?;
    if RESERVED_HEADERS.contains(&header.as_str()) {
        return Err(AuthError::InvalidConfig(format!(
            "the header `{header}` is set by the client itself and cannot be replaced"
        )));
    }
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        AuthError::InvalidConfig(format!(
            "the value of the header `{header}` is not valid in HTTP: use visible ASCII, no line breaks"
        ))
    })?;
    value.set_sensitive(true);
    Ok((header, value))
}

impl Config {
    /// This configuration with header `name` set to `value` (replacing any
    /// value it had), checked as the builder checks headers.
    pub(crate) fn with_header(&self, name: &str, value: &str) -> Result<Config, AuthError> {
        let (header, value) = checked_header(name, value)?;
        let mut config = self.clone();
        config.headers.insert(header, value);
        Ok(config)
    }

    /// Where a request of this kind goes.
    pub(crate) fn url(&self, kind: RequestKind) -> &Url {
        match kind {
            RequestKind::Token => &self.token_url,
            RequestKind::Revocation => &self.revoke_url,
            RequestKind::KeySet => &self.key_set_url,
        }
    }

    /// The largest answer read for a request of this kind.
    pub(crate) fn limit(&self, kind: RequestKind) -> usize {
        match kind {
            RequestKind::KeySet => self.max_response_bytes.max(MIN_KEY_SET_BYTES),
            _ => self.max_response_bytes,
        }
    }

    /// The head of an answer whose body is to be read, or the error known
    /// before: a redirect the HTTP client followed, a redirect answer, an
    /// announced body over the limit.
    pub(crate) fn head(
        &self,
        request: Request<'_>,
        answered_from: &Url,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Head, AuthError> {
        if answered_from != self.url(request.kind) {
            return Err(AuthError::InvalidConfig(format!(
                "the HTTP client given to the builder followed a redirect of the {}, which may have sent \
                 the credentials (and any token) elsewhere: build it with \
                 `redirect(reqwest::redirect::Policy::none())`",
                request.kind
            )));
        }
        let head = Head::new(status, headers);
        match head.early_error(self.limit(request.kind), request) {
            Some(err) => Err(err),
            None => Ok(head),
        }
    }

    /// Turns a failure of the HTTP client into an error a caller can act on.
    pub(crate) fn send_error(&self, err: reqwest::Error, request: RequestKind) -> AuthError {
        if err.is_timeout() {
            let after = if err.is_connect() {
                self.connect_timeout
            } else {
                self.timeout
            };
            return AuthError::Timeout { request, after };
        }
        if err.is_builder() {
            return AuthError::InvalidConfig(format!("the {request} could not be built: {err}"));
        }
        AuthError::Transport(TransportError::new(request, Box::new(err)))
    }
}

fn domain_url(domain: &str) -> Result<String, AuthError> {
    let valid = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid {
        return Err(AuthError::InvalidConfig(format!(
            "the domain {:?} is not a domain name such as `commercelayer.io` or `commercelayer.co`: \
             give the domain alone, without `https://`, `auth.`, a user name or a path",
            without_user_info(domain)
        )));
    }
    Ok(format!("https://auth.{domain}"))
}

/// The error for a base URL that is not safe to send a secret to, or not a URL.
fn invalid_base_url(base_url: &str, why: &str) -> AuthError {
    AuthError::InvalidConfig(format!(
        "the base URL {:?} {why}; use the auth server's root, such as `{DEFAULT_BASE_URL}`",
        shown_url(base_url)
    ))
}

/// Checks that the base URL is safe to send a secret to.
fn check_base_url(base_url: &str) -> Result<(), AuthError> {
    let invalid = |why: &str| invalid_base_url(base_url, why);
    let url = Url::parse(base_url).map_err(|err| invalid(&format!("is not a URL ({err})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "uses plain http, which would send the credentials unencrypted: use https \
                 (plain http is allowed only to loopback addresses such as 127.0.0.1 and localhost)",
            ));
        }
        _ => return Err(invalid("is neither https nor http")),
    }
    if url.host().is_none() {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "holds a user name or password (shown as ***), which this client would not send safely",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("has a query or fragment"));
    }
    Ok(())
}

/// `{base}{path}` for a checked base URL, built once with the client.
fn endpoint(base_url: &str, path: &str) -> Result<Url, AuthError> {
    Url::parse(&format!("{base_url}{path}"))
        .map_err(|err| invalid_base_url(base_url, &format!("is not a URL ({err})")))
}

/// A URL as it may be shown: the user name and password, as the URL parser
/// reads them (it reads `https:/user:pw@host` as user info too), become `***`.
/// Text that is not a URL with a host (`user:pw@host` is the URL `user:` with
/// a path) loses everything up to its last `@`.
fn shown_url(text: &str) -> String {
    let Some(mut url) = Url::parse(text).ok().filter(|url| url.has_host()) else {
        return without_user_info(text);
    };
    if url.username().is_empty() && url.password().is_none() {
        return text.to_owned();
    }
    // Both setters only fail for URLs that cannot hold user info at all.
    let _ = url.set_password(None);
    let _ = url.set_username("***");
    url.to_string()
}

/// `text` with everything up to its last `@` replaced by `***`.
fn without_user_info(text: &str) -> String {
    match text.rfind('@') {
        Some(at) => format!("***{}", &text[at..]),
        None => text.to_owned(),
    }
}

/// Whether the URL's host, as the URL parser reads it, is a loopback address
/// (`127.0.0.0/8`, `::1`) or `localhost`. The parser reads IPv4 hosts in every
/// form browsers accept, so `http://2130706433` and `http://0x7f.1` are
/// 127.0.0.1 and count as loopback.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_never_shown() {
        for (text, shown) in [
            ("https://user:pw@host/x@y", "https://***@host/x@y"),
            (
                "https:/user:pw@auth.example.com",
                "https://***@auth.example.com/",
            ),
            (
                "https:user:pw@auth.example.com",
                "https://***@auth.example.com/",
            ),
            ("user:pw@host", "***@host"),
            ("https://host/path", "https://host/path"),
        ] {
            assert_eq!(shown_url(text), shown, "{text}");
        }
    }

    #[test]
    fn a_password_in_the_base_url_appears_in_no_error_or_debug() {
        for base in [
            "https:/user:pw123@auth.example.com",
            "https://user:pw123@auth.example.com",
            "http://user:pw123@example.com",
            "ftp://user:pw123@example.com",
            "https://user:pw123@[bad",
        ] {
            let settings = Settings {
                base: Base::Url(base.into()),
                ..Settings::default()
            };
            let debug = format!("{settings:?}");
            let err = settings.check().unwrap_err().to_string();
            assert!(
                !err.contains("pw123") && !debug.contains("pw123"),
                "{err} {debug}"
            );
        }
        let settings = Settings {
            base: Base::Domain("user:pw123@commercelayer.co".into()),
            ..Settings::default()
        };
        let debug = format!("{settings:?}");
        let err = settings.check().unwrap_err().to_string();
        assert!(
            !err.contains("pw123") && !debug.contains("pw123"),
            "{err} {debug}"
        );
        assert!(err.contains("user name"), "{err}");
    }

    #[test]
    fn loopback_is_read_as_the_url_parser_reads_hosts() {
        for loopback in [
            "http://127.0.0.1:8080",
            "http://2130706433",
            "http://[::1]",
            "http://LOCALHOST",
        ] {
            assert!(is_loopback(&Url::parse(loopback).unwrap()), "{loopback}");
        }
        for remote in [
            "http://128.0.0.1",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(!is_loopback(&Url::parse(remote).unwrap()), "{remote}");
        }
    }
}
