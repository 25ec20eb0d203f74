//! What both clients are configured with, checked once when a client is built.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};

use super::{
    AuthError, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};

/// The builder's choices, before they are checked.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) base: Base,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_response_bytes: usize,
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
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = match &self.base {
            Base::Url(url) => url.clone(),
            Base::Domain(domain) => format!("https://auth.{domain}"),
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
            .finish()
    }
}

/// A checked configuration, shared by every clone of a client.
pub(crate) struct Config {
    pub(crate) base_url: String,
    pub(crate) token_url: Url,
    pub(crate) revoke_url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthClient")
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_response_bytes", &self.max_response_bytes)
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

impl Settings {
    pub(crate) fn check(self) -> Result<Config, AuthError> {
        let base_url = match self.base {
            Base::Url(url) => url,
            Base::Domain(domain) => domain_url(&domain)?,
        };
        let base_url = base_url.trim_end_matches('/').to_owned();
        check_base_url(&base_url)?;
        let token_url = endpoint(&base_url, "/oauth/token")?;
        let revoke_url = endpoint(&base_url, "/oauth/revoke")?;
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
            // The value may be a credential: never repeat it in the error.
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                AuthError::InvalidConfig(format!(
                    "the value of the header `{header}` is not valid in HTTP: use visible ASCII, no line breaks"
                ))
            })?;
            value.set_sensitive(true);
            headers.append(header, value);
        }
        Ok(Config {
            base_url,
            token_url,
            revoke_url,
            headers,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
        })
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
            "the domain {domain:?} is not a domain name such as `commercelayer.io` or `commercelayer.co`: \
             give the domain alone, without `https://`, `auth.` or a path"
        )));
    }
    Ok(format!("https://auth.{domain}"))
}

/// The error for a base URL that is not safe to send a secret to, or not a URL.
fn invalid_base_url(base_url: &str, why: &str) -> AuthError {
    let shown = without_user_info(base_url);
    AuthError::InvalidConfig(format!(
        "the base URL {shown:?} {why}; use the auth server's root, such as `{DEFAULT_BASE_URL}`"
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

/// A URL as it may be shown in an error: a user name and password, if any,
/// replaced by `***`.
fn without_user_info(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..authority_start], &rest[at..]),
        None => url.to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The setters both builders share, written once.
macro_rules! settings_setters {
    ($client:literal) => {
        /// The root URL of the auth server, without `/oauth/token`; default
        #[doc = concat!("[`DEFAULT_BASE_URL`](", "crate::auth::DEFAULT_BASE_URL", ").")]
        ///
        /// It must be `https`; plain `http` is accepted only to loopback
        /// addresses (`127.0.0.0/8`, `::1`, `localhost`), for tests. A trailing
        /// slash is ignored. Checked by `build`. Replaces an earlier `domain`.
        ///
        /// ```
        #[doc = concat!("let client = ", $client, "::builder().base_url(\"http://127.0.0.1:8080/\").build()?;")]
        /// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
        ///
        #[doc = concat!("let err = ", $client, "::builder().base_url(\"http://example.com\").build().unwrap_err();")]
        /// assert!(err.to_string().contains("plain http"));
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.settings.base = $crate::auth::config::Base::Url(url.into());
            self
        }

        /// The domain of the auth server: `commercelayer.co` for staging gives
        /// `https://auth.commercelayer.co`. Replaces an earlier `base_url`.
        ///
        /// ```
        #[doc = concat!("let client = ", $client, "::builder().domain(\"commercelayer.co\").build()?;")]
        /// assert_eq!(client.base_url(), "https://auth.commercelayer.co");
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn domain(mut self, domain: impl Into<String>) -> Self {
            self.settings.base = $crate::auth::config::Base::Domain(domain.into());
            self
        }

        /// How long connecting may take; default
        /// [`DEFAULT_CONNECT_TIMEOUT`](crate::auth::DEFAULT_CONNECT_TIMEOUT).
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let client = ", $client, "::builder().connect_timeout(Duration::from_secs(2)).build()?;")]
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.connect_timeout = timeout;
            self
        }

        /// How long a whole request may take, from connecting to reading the
        /// last byte of the answer; default
        /// [`DEFAULT_TIMEOUT`](crate::auth::DEFAULT_TIMEOUT).
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let client = ", $client, "::builder().timeout(Duration::from_secs(5)).build()?;")]
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.timeout = timeout;
            self
        }

        /// A header sent with every token request, such as one of Commerce
        /// Layer's enterprise headers. Its value is treated as sensitive: never
        /// shown in `Debug` or an error. `build` refuses a bad name or value, and
        /// the headers the client sets itself (`Content-Type`, `Accept`, …).
        ///
        /// ```
        #[doc = concat!("let client = ", $client, "::builder().header(\"x-enterprise-key\", \"k3y\").build()?;")]
        /// assert!(!format!("{client:?}").contains("k3y"));
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.settings.headers.push((name.into(), value.into()));
            self
        }

        /// The largest answer the client reads, in bytes; default
        /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::auth::DEFAULT_MAX_RESPONSE_BYTES).
        /// A larger answer is an [`AuthError::Decode`](crate::auth::AuthError::Decode).
        ///
        /// ```
        #[doc = concat!("let client = ", $client, "::builder().max_response_bytes(16 * 1024).build()?;")]
        /// # Ok::<(), scope_core::auth::AuthError>(())
        /// ```
        pub fn max_response_bytes(mut self, limit: usize) -> Self {
            self.settings.max_response_bytes = limit;
            self
        }
    };
}

pub(crate) use settings_setters;

#[cfg(test)]
mod tests {
    use super::without_user_info;

    #[test]
    fn user_info_is_never_shown() {
        assert_eq!(
            without_user_info("https://user:pw@host/x@y"),
            "https://***@host/x@y"
        );
        assert_eq!(without_user_info("user:pw@host"), "***@host");
        assert_eq!(without_user_info("https://host/path"), "https://host/path");
    }
}
