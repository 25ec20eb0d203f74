//! `Origin`: the one scheme, host and port an access token is sent to.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::auth::client::is_loopback;
use crate::auth::{ClaimsError, Token};

/// The scheme, host and port of the Core API the token is for: the outgoing
/// middleware adds the token only to requests for this origin, and treats a
/// 401 as a rejected token only when this origin sent it.
///
/// Hosts are compared as the URL parser reads them (lowercase, IP addresses in
/// their canonical form), ports with the scheme's default filled in, so
/// `https://ACME.commercelayer.io:443/api` is the origin of
/// `https://acme.commercelayer.io`.
///
/// ```
/// use scope_core::auth::outgoing::Origin;
///
/// let core_api: Origin = "https://acme.commercelayer.io".parse()?;
/// assert!(core_api.matches("https://ACME.commercelayer.io:443/api/orders"));
/// assert!(!core_api.matches("https://acme.commercelayer.io.evil.com/api/orders"));
/// assert!(!core_api.matches("http://acme.commercelayer.io/api/orders"));
/// assert!(!core_api.matches("https://acme.commercelayer.io:8443/api/orders"));
/// assert_eq!(core_api.to_string(), "https://acme.commercelayer.io");
/// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `https`, or `http` to a loopback host.
    scheme: String,
    /// As `Url::host_str` gives it: lowercase, IPv6 in brackets.
    host: String,
    /// With the scheme's default filled in.
    port: u16,
}

impl Origin {
    /// The origin of `base_url`, such as `https://acme.commercelayer.io`
    /// (a path is allowed and ignored).
    ///
    /// # Errors
    ///
    /// [`OriginError`] when `base_url` is not a URL with a host, holds a user
    /// name or password, or is plain `http` to a host that is not loopback
    /// (the token would travel unencrypted).
    ///
    /// ```
    /// use scope_core::auth::outgoing::Origin;
    ///
    /// assert!(Origin::new("https://acme.commercelayer.io/api").is_ok());
    /// assert!(Origin::new("http://127.0.0.1:8080").is_ok()); // a local stand-in
    /// let err = Origin::new("http://acme.commercelayer.io").unwrap_err();
    /// assert!(err.to_string().contains("use https"));
    /// ```
    pub fn new(base_url: &str) -> Result<Origin, OriginError> {
        let url = Url::parse(base_url)
            .map_err(|err| OriginError::new(format!("is not a URL ({err})")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(OriginError::new(
                    "uses plain http, which would send the access token unencrypted: use https \
                     (plain http is allowed only to loopback addresses such as 127.0.0.1)"
                        .into(),
                ));
            }
            _ => return Err(OriginError::new("is neither https nor http".into())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::new(
                "holds a user name or password; give the Core API's root, such as \
                 `https://acme.commercelayer.io`"
                    .into(),
            ));
        }
        Origin::of(&url).ok_or_else(|| OriginError::new("has no host".into()))
    }

    /// The Core API origin of the token's organization, read from its claims
    /// (`https://{organization slug}.commercelayer.io`, or the staging domain
    /// of a staging token): see
    /// [`Claims::core_api_base_url`](crate::auth::Claims::core_api_base_url).
    ///
    /// # Errors
    ///
    /// [`OriginError`], with the [`ClaimsError`] as its source, when the
    /// token's claims cannot be read or name no organization.
    ///
    /// ```no_run
    /// # async fn run(tokens: scope_core::auth::TokenSource) -> Result<(), Box<dyn std::error::Error>> {
    /// use scope_core::auth::outgoing::Origin;
    ///
    /// let origin = Origin::core_api_of(&*tokens.token().await?)?;
    /// # let _ = origin; Ok(()) }
    /// ```
    pub fn core_api_of(token: &Token) -> Result<Origin, OriginError> {
        let claims_error = |err: ClaimsError| OriginError {
            why: "could not be read from the token's claims".into(),
            claims: Some(err),
        };
        let base_url = token
            .claims()
            .and_then(|claims| claims.core_api_base_url())
            .map_err(claims_error)?;
        Origin::new(&base_url)
    }

    /// Whether `url` is on this origin; text that is not an absolute URL is not.
    ///
    /// ```
    /// let origin = scope_core::auth::outgoing::Origin::new("http://127.0.0.1:8080")?;
    /// assert!(origin.matches("http://127.0.0.1:8080/api/skus"));
    /// assert!(!origin.matches("http://127.0.0.1:8081/api/skus"));
    /// assert!(!origin.matches("/api/skus"));
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn matches(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| self.matches_url(&url))
    }

    /// Whether a parsed URL is on this origin.
    ///
    /// ```
    /// let origin = scope_core::auth::outgoing::Origin::new("https://acme.commercelayer.io")?;
    /// let url = url::Url::parse("https://acme.commercelayer.io/api/skus").unwrap();
    /// assert!(origin.matches_url(&url));
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn matches_url(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == Some(self.port)
    }

    /// Whether an `http::Uri` is on this origin. A URI without a scheme and a
    /// host (a path alone, as an origin-form request target) is not: its
    /// destination is not known here.
    ///
    /// ```
    /// let origin = scope_core::auth::outgoing::Origin::new("https://acme.commercelayer.io")?;
    /// assert!(origin.matches_uri(&"https://acme.commercelayer.io/api/skus".parse().unwrap()));
    /// assert!(!origin.matches_uri(&"/api/skus".parse().unwrap()));
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn matches_uri(&self, uri: &http::Uri) -> bool {
        if uri.scheme().is_none() || uri.authority().is_none() {
            return false;
        }
        // Parsed again by the URL parser, so hosts compare in one canonical form.
        self.matches(&uri.to_string())
    }

    fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str().filter(|host| !host.is_empty())?.to_owned(),
            port: url.port_or_known_default()?,
        })
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(base_url: &str) -> Result<Origin, OriginError> {
        Origin::new(base_url)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default_port = match self.scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        write!(f, "{}://{}", self.scheme, self.host)?;
        if self.port != default_port {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// A base URL that cannot be an [`Origin`] for access tokens.
///
/// ```
/// let err = scope_core::auth::outgoing::Origin::new("acme.commercelayer.io").unwrap_err();
/// assert!(err.to_string().starts_with("the Core API URL is not a URL"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginError {
    why: String,
    claims: Option<ClaimsError>,
}

impl OriginError {
    fn new(why: String) -> OriginError {
        OriginError { why, claims: None }
    }
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the Core API URL {}", self.why)?;
        if let Some(err) = &self.claims {
            write!(f, ": {err}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OriginError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.claims.as_ref().map(|err| err as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ports_compare_in_canonical_form() {
        let origin = Origin::new("http://127.0.0.1:8080").unwrap();
        for same in [
            "http://127.0.0.1:8080/x",
            "http://2130706433:8080/x",
            "HTTP://127.0.0.1:8080",
        ] {
            assert!(origin.matches(same), "{same}");
        }
        for other in [
            "http://127.0.0.2:8080/x",
            "http://127.0.0.1/x",
            "https://127.0.0.1:8080/x",
            "http://localhost:8080/x",
            "http://127.0.0.1:8080@evil.com/x",
        ] {
            assert!(!origin.matches(other), "{other}");
        }
        let https = Origin::new("https://acme.commercelayer.io").unwrap();
        assert!(https.matches("https://acme.commercelayer.io:443/api"));
        assert!(https.matches_uri(&"https://Acme.CommerceLayer.io/api".parse().unwrap()));
        assert!(!https.matches_uri(&"https://user@evil.com/api".parse().unwrap()));
    }

    #[test]
    fn unsafe_base_urls_are_errors_that_say_why() {
        for (url, why) in [
            ("http://acme.commercelayer.io", "use https"),
            ("ftp://acme.commercelayer.io", "neither https nor http"),
            (
                "https://user:pw@acme.commercelayer.io",
                "user name or password",
            ),
            ("not a url", "is not a URL"),
        ] {
            let err = Origin::new(url).unwrap_err();
            assert!(err.to_string().contains(why), "{url}: {err}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
        assert_eq!(
            Origin::new("http://[::1]:9000/api").unwrap().to_string(),
            "http://[::1]:9000"
        );
    }
}
