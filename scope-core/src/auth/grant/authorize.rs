//! The first step of the authorization code flow: the dashboard URL a webapp
//! sends the browser to, with a random `state` it checks on return.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use crate::ScopeSet;
use crate::auth::AuthError;

/// Where Commerce Layer's dashboard asks a user to authorize a webapp.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://dashboard.commercelayer.io/oauth/authorize";

/// A prepared authorization request: the URL to send the browser to, and the
/// `state` it carries, to keep (in the user's session) and compare with the
/// one the redirect brings back before exchanging the code
/// ([`Grant::authorization_code`](crate::auth::Grant::authorization_code)).
///
/// The state is 32 bytes from the operating system's CSPRNG (through the
/// crate's crypto backend), base64url-encoded. `Debug` does not show it.
///
/// ```
/// use scope_core::auth::AuthorizeRequest;
///
/// let request = AuthorizeRequest::builder("webapp-client-id", "https://app.example.com/callback").build()?;
/// assert!(request.url().starts_with("https://dashboard.commercelayer.io/oauth/authorize?"));
/// assert!(request.url().contains("response_type=code"));
/// let state = request.state().to_owned(); // keep it in the user's session
/// assert!(request.state_matches(&state));
/// assert!(!request.state_matches("forged"));
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct AuthorizeRequest {
    url: String,
    state: String,
}

impl AuthorizeRequest {
    /// A builder for the webapp `client_id` and its registered `redirect_uri`.
    ///
    /// ```
    /// let builder = scope_core::auth::AuthorizeRequest::builder("id", "https://app.example.com/cb");
    /// # let _ = builder;
    /// ```
    pub fn builder(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> AuthorizeRequestBuilder {
        AuthorizeRequestBuilder {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scope: None,
            authorize_url: DEFAULT_AUTHORIZE_URL.to_owned(),
        }
    }

    /// The URL to send the browser to.
    ///
    /// ```
    /// let request = scope_core::auth::AuthorizeRequest::builder("id", "https://app.example.com/cb").build()?;
    /// assert!(request.url().contains("client_id=id"));
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The random `state` the URL carries.
    ///
    /// ```
    /// let request = scope_core::auth::AuthorizeRequest::builder("id", "https://app.example.com/cb").build()?;
    /// assert_eq!(request.state().len(), 43);
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Whether `returned` (the redirect's `state`) is this request's state,
    /// compared in constant time.
    ///
    /// ```
    /// let request = scope_core::auth::AuthorizeRequest::builder("id", "https://app.example.com/cb").build()?;
    /// assert!(!request.state_matches(""));
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn state_matches(&self, returned: &str) -> bool {
        crate::auth::crypto::constant_time_eq(self.state.as_bytes(), returned.as_bytes())
    }
}

impl fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("state", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// Builds an [`AuthorizeRequest`]: scope and dashboard address.
///
/// ```
/// use scope_core::{auth::AuthorizeRequest, scopes};
///
/// let request = AuthorizeRequest::builder("id", "https://app.example.com/cb")
///     .scope(scopes!("market:code:europe"))
///     .domain("commercelayer.co")
///     .build()?;
/// assert!(request.url().starts_with("https://dashboard.commercelayer.co/oauth/authorize?"));
/// assert!(request.url().contains("scope=market%3Acode%3Aeurope"));
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AuthorizeRequestBuilder {
    client_id: String,
    redirect_uri: String,
    scope: Option<ScopeSet>,
    authorize_url: String,
}

impl AuthorizeRequestBuilder {
    /// The scope to ask for; the code exchange sends the same one (the
    /// webapp's [`Credentials`](crate::auth::Credentials) scope).
    ///
    /// ```
    /// let builder = scope_core::auth::AuthorizeRequest::builder("id", "https://x.example/cb")
    ///     .scope(scope_core::scopes!("market:all"));
    /// # let _ = builder;
    /// ```
    pub fn scope(mut self, scope: ScopeSet) -> AuthorizeRequestBuilder {
        self.scope = Some(scope);
        self
    }

    /// The dashboard of another domain: `https://dashboard.{domain}/oauth/authorize`.
    ///
    /// ```
    /// let builder = scope_core::auth::AuthorizeRequest::builder("id", "https://x.example/cb").domain("commercelayer.co");
    /// # let _ = builder;
    /// ```
    pub fn domain(mut self, domain: &str) -> AuthorizeRequestBuilder {
        self.authorize_url = format!("https://dashboard.{domain}/oauth/authorize");
        self
    }

    /// The URL, with a fresh random state.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] for an empty client id, a redirect URI
    /// that is not an absolute URL, or a dashboard address that is not one.
    ///
    /// ```
    /// let err = scope_core::auth::AuthorizeRequest::builder("id", "not a url").build().unwrap_err();
    /// assert!(err.to_string().contains("redirect URI"));
    /// ```
    pub fn build(self) -> Result<AuthorizeRequest, AuthError> {
        let invalid = |text: &str| AuthError::InvalidConfig(text.to_owned());
        if self.client_id.trim().is_empty() {
            return Err(invalid("the client id is empty"));
        }
        Url::parse(&self.redirect_uri).map_err(|_| {
            invalid(
                "the redirect URI is not an absolute URL: give the one registered for the webapp",
            )
        })?;
        let mut url = Url::parse(&self.authorize_url)
            .map_err(|_| invalid("the dashboard domain does not make a valid URL"))?;
        let state = random_state()?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("response_type", "code");
            if let Some(scope) = &self.scope {
                query.append_pair("scope", &scope.to_string());
            }
            query.append_pair("state", &state);
        }
        Ok(AuthorizeRequest {
            url: url.into(),
            state,
        })
    }
}

/// 32 bytes of the system's CSPRNG, base64url without padding (43 characters).
fn random_state() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    crate::auth::crypto::fill_random(&mut bytes).map_err(|_| {
        AuthError::InvalidConfig("the system's random number generator failed".into())
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_has_its_own_state_and_the_documented_parameters() {
        let build = || {
            AuthorizeRequest::builder("wa", "https://app.example.com/cb?x=1")
                .build()
                .unwrap()
        };
        let (a, b) = (build(), build());
        assert_ne!(a.state(), b.state());
        let url = Url::parse(a.url()).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("client_id".into(), "wa".into()),
                (
                    "redirect_uri".into(),
                    "https://app.example.com/cb?x=1".into()
                ),
                ("response_type".into(), "code".into()),
                ("state".into(), a.state().to_owned()),
            ]
        );
        assert!(!format!("{a:?}").contains(a.state()));
    }
}
