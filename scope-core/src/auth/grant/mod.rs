//! The other grants: `Grant`, how a token is asked for beside the application's
//! [`Credentials`]; the JWT bearer `assertion` and its HS512 builder; the
//! `authorize` URL of the authorization-code flow, with its CSPRNG state.

mod assertion;
mod authorize;

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

use crate::auth::{AuthError, Credentials};

pub use assertion::{Assertion, AssertionBuilder, MAX_ASSERTION_BYTES, OwnerType};
pub use authorize::{AuthorizeRequest, AuthorizeRequestBuilder, DEFAULT_AUTHORIZE_URL};

/// The OAuth grant of a token request. The [`Credentials`] it goes with are the
/// application (client id, secret, scope); the grant is what else the request
/// says: a customer's e-mail address and password, a refresh token, an
/// authorization code, or a JWT assertion.
///
/// Every secret a grant holds (password, refresh token, code, assertion) is a
/// [`SecretString`]: `Debug` shows `[REDACTED]`, and no error shows it.
///
/// Which credentials a grant takes is checked before anything is sent
/// ([`AuthError::InvalidConfig`]): `password` is a sales channel's; an
/// authorization code and an assertion need a confidential application (a
/// webapp's or an integration's secret).
///
/// ```
/// use scope_core::auth::{Grant, SecretString};
///
/// let login = Grant::password("ada@example.com", "correct horse");
/// assert!(!format!("{login:?}").contains("correct horse"));
/// let renew = Grant::RefreshToken(SecretString::from("refresh-token-text"));
/// assert_eq!(renew.grant_type(), "refresh_token");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Grant {
    /// `client_credentials`: the application acts for itself (what
    /// `request_token` sends).
    ClientCredentials,
    /// `password`: a customer logs in to a sales channel.
    Password {
        /// The customer's e-mail address.
        username: String,
        /// The customer's password.
        password: SecretString,
    },
    /// `refresh_token`: a token renewed with the refresh token of an earlier
    /// answer (after `password`, `authorization_code` or JWT bearer).
    RefreshToken(SecretString),
    /// `authorization_code`: a webapp exchanges the code the dashboard sent
    /// to its redirect URI.
    AuthorizationCode {
        /// The code from the redirect (valid 10 minutes, usable once).
        code: SecretString,
        /// The redirect URI the code was asked with.
        redirect_uri: String,
    },
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer`: an application acts for
    /// a customer or user, named by the assertion.
    JwtBearer(Assertion),
}

impl Grant {
    /// A `password` grant for a customer's e-mail address and password.
    ///
    /// ```
    /// let grant = scope_core::auth::Grant::password("ada@example.com", "pw");
    /// assert_eq!(grant.grant_type(), "password");
    /// ```
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Grant {
        Grant::Password {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// A `refresh_token` grant.
    ///
    /// ```
    /// let grant = scope_core::auth::Grant::refresh_token("rt");
    /// assert_eq!(grant.grant_type(), "refresh_token");
    /// ```
    pub fn refresh_token(refresh_token: impl Into<String>) -> Grant {
        Grant::RefreshToken(SecretString::from(refresh_token.into()))
    }

    /// An `authorization_code` grant: the code from the redirect and the
    /// redirect URI it was asked with.
    ///
    /// ```
    /// let grant = scope_core::auth::Grant::authorization_code("code", "https://app.example.com/back");
    /// assert_eq!(grant.grant_type(), "authorization_code");
    /// ```
    pub fn authorization_code(code: impl Into<String>, redirect_uri: impl Into<String>) -> Grant {
        Grant::AuthorizationCode {
            code: SecretString::from(code.into()),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// The `grant_type` the request sends.
    ///
    /// ```
    /// use scope_core::auth::{Assertion, Grant};
    ///
    /// let grant = Grant::JwtBearer(Assertion::from_jwt("a.b.c")?);
    /// assert_eq!(grant.grant_type(), "urn:ietf:params:oauth:grant-type:jwt-bearer");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::Password { .. } => "password",
            Grant::RefreshToken(_) => "refresh_token",
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::JwtBearer(_) => "urn:ietf:params:oauth:grant-type:jwt-bearer",
        }
    }

    /// The grant's own secret (password, refresh token, code, assertion):
    /// what no error about its request may show; empty for client credentials.
    pub(crate) fn secret_text(&self) -> &str {
        match self {
            Grant::ClientCredentials => "",
            Grant::Password { password, .. } => password.expose_secret(),
            Grant::RefreshToken(token) => token.expose_secret(),
            Grant::AuthorizationCode { code, .. } => code.expose_secret(),
            Grant::JwtBearer(assertion) => assertion.as_secret().expose_secret(),
        }
    }

    /// Refuses, before anything is sent, a grant these credentials cannot use
    /// or a grant with an empty field.
    pub(crate) fn check(&self, credentials: &Credentials) -> Result<(), AuthError> {
        let invalid = |text: &str| Err(AuthError::InvalidConfig(text.to_owned()));
        match self {
            Grant::ClientCredentials => Ok(()),
            Grant::Password { username, password } => {
                if !credentials.is_sales_channel() {
                    return invalid(
                        "the password grant is a sales channel's: use Credentials::sales_channel",
                    );
                }
                if username.trim().is_empty() || password.expose_secret().is_empty() {
                    return invalid("the password grant needs a username and a password");
                }
                Ok(())
            }
            Grant::RefreshToken(token) if token.expose_secret().is_empty() => {
                invalid("the refresh_token grant needs a refresh token: it is empty")
            }
            Grant::RefreshToken(_) => Ok(()),
            Grant::AuthorizationCode { code, redirect_uri } => {
                if !credentials.is_confidential() {
                    return invalid(
                        "the authorization_code grant is a webapp's and needs its client secret: \
                         use Credentials::webapp",
                    );
                }
                if code.expose_secret().is_empty() || redirect_uri.trim().is_empty() {
                    return invalid("the authorization_code grant needs a code and a redirect URI");
                }
                Ok(())
            }
            Grant::JwtBearer(_) if !credentials.is_confidential() => invalid(
                "the JWT bearer grant needs the application's client secret: \
                 use Credentials::webapp or Credentials::integration",
            ),
            Grant::JwtBearer(_) => Ok(()),
        }
    }
}

impl fmt::Debug for Grant {
    /// The grant type and its public parts; secrets show as `[REDACTED]`, and
    /// the username (an e-mail address) is not shown either.
    ///
    /// ```
    /// let grant = scope_core::auth::Grant::password("ada@example.com", "pw");
    /// assert_eq!(format!("{grant:?}"), "Grant { grant_type: \"password\", .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Grant");
        out.field("grant_type", &self.grant_type());
        if let Grant::AuthorizationCode { redirect_uri, .. } = self {
            out.field("redirect_uri", redirect_uri);
        }
        out.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes;

    #[test]
    fn wrong_combinations_are_refused_before_sending() {
        let storefront = Credentials::sales_channel("sc", scopes!("market:code:europe")).unwrap();
        let webapp = Credentials::webapp("wa", "secret", None);
        let cases = [
            (&webapp, Grant::password("a@b.c", "pw"), "sales channel"),
            (&storefront, Grant::password("a@b.c", ""), "password"),
            (&storefront, Grant::refresh_token(""), "empty"),
            (
                &storefront,
                Grant::authorization_code("c", "https://x"),
                "client secret",
            ),
            (&webapp, Grant::authorization_code("c", " "), "redirect URI"),
            (
                &storefront,
                Grant::JwtBearer(Assertion::from_jwt("a.b.c").unwrap()),
                "client secret",
            ),
        ];
        for (credentials, grant, reason) in cases {
            let err = grant.check(credentials).unwrap_err();
            assert!(matches!(err, AuthError::InvalidConfig(_)), "{err}");
            assert!(err.to_string().contains(reason), "{grant:?}: {err}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
        assert!(Grant::password("a@b.c", "pw").check(&storefront).is_ok());
        assert!(
            Grant::authorization_code("c", "https://x")
                .check(&webapp)
                .is_ok()
        );
    }
}
