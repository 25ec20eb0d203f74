//! Revoking an access token: `POST {base}/oauth/revoke`, async and blocking.
//!
//! The request is JSON `{client_id, client_secret?, token}`: the secret goes along when the
//! credentials have one (integrations; the auth server also wants it for guest sales-channel
//! tokens). Success is any 2xx answer (Commerce Layer sends `{}`); anything else becomes the
//! same [`AuthError`] a token request would, read by the same code.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use super::client::AuthClient;
use super::config::Config;
use super::request::send_error;
use super::response::{BoundedBody, Head, interpret};
use super::{AuthError, Credentials};

/// Where revocations go, after the base URL.
const REVOKE_PATH: &str = "/oauth/revoke";

impl AuthClient {
    /// Revokes `token`, so that it is refused from now on.
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
    /// The [`AuthError`] of a token request: [`AuthError::Rejected`] with status 403 when the
    /// server refuses (a wrong secret, a token of another application), a transport error,
    /// a timeout, and so on. Neither the token nor the secret appears in it.
    ///
    /// [`Token`]: super::Token
    /// [`Token::access_token`]: super::Token::access_token
    pub async fn revoke(
        &self,
        token: &SecretString,
        credentials: &Credentials,
    ) -> Result<(), AuthError> {
        let config = &*self.config;
        let url = revoke_url(config)?;
        let request = self
            .http
            .post(url.clone())
            .headers(config.headers.clone())
            .timeout(config.timeout)
            .body(revoke_body(token, credentials));
        let sent_at = super::now();
        let mut response = request
            .send()
            .await
            .map_err(|err| send_error(err, config))?;
        check_not_redirected(response.url(), &url)?;
        let head = Head::new(response.status(), response.headers());
        if let Some(err) = head.early_error(config.max_response_bytes) {
            return Err(err);
        }
        let success = response.status().is_success();
        let mut body = BoundedBody::new(&head, config.max_response_bytes);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| send_error(err, config))?
        {
            body.push(&chunk, &head)?;
        }
        outcome(success, &head, body.bytes(), token, credentials, sent_at)
    }
}

#[cfg(feature = "blocking")]
impl super::blocking::AuthClient {
    /// Revokes `token`, so that it is refused from now on: the blocking twin of
    /// [`AuthClient::revoke`](crate::auth::AuthClient::revoke).
    ///
    /// ```no_run
    /// use scope_core::auth::{blocking::AuthClient, Credentials};
    ///
    /// let client = AuthClient::new();
    /// let credentials = Credentials::integration("client-id", "client-secret", None);
    /// let token = client.request_token(&credentials)?;
    /// client.revoke(token.access_token(), &credentials)?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As the async [`AuthClient::revoke`](crate::auth::AuthClient::revoke).
    pub fn revoke(&self, token: &SecretString, credentials: &Credentials) -> Result<(), AuthError> {
        use std::io::Read as _;

        let config = &*self.config;
        let url = revoke_url(config)?;
        let request = self
            .http
            .post(url.clone())
            .headers(config.headers.clone())
            .timeout(config.timeout)
            .body(revoke_body(token, credentials));
        let sent_at = super::now();
        let response = request.send().map_err(|err| send_error(err, config))?;
        check_not_redirected(response.url(), &url)?;
        let head = Head::new(response.status(), response.headers());
        if let Some(err) = head.early_error(config.max_response_bytes) {
            return Err(err);
        }
        let success = response.status().is_success();
        let mut body = BoundedBody::new(&head, config.max_response_bytes);
        // One byte past the limit is enough to know the body is too large.
        let mut reader = response.take(config.max_response_bytes as u64 + 1);
        let mut chunk = [0u8; 4096];
        loop {
            let read = reader
                .read(&mut chunk)
                .map_err(|err| read_error(err, config))?;
            if read == 0 {
                break;
            }
            body.push(&chunk[..read], &head)?;
        }
        outcome(success, &head, body.bytes(), token, credentials, sent_at)
    }
}

#[derive(Serialize)]
struct RevokeBody<'a> {
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    token: &'a str,
}

fn revoke_body(token: &SecretString, credentials: &Credentials) -> Vec<u8> {
    let body = RevokeBody {
        client_id: credentials.client_id(),
        client_secret: credentials
            .client_secret()
            .map(|secret| secret.expose_secret()),
        token: token.expose_secret(),
    };
    // Serializing strings into a Vec cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

fn revoke_url(config: &Config) -> Result<reqwest::Url, AuthError> {
    // The base URL was checked when the client was built; only the path is added.
    reqwest::Url::parse(&format!("{}{REVOKE_PATH}", config.base_url)).map_err(|err| {
        AuthError::InvalidConfig(format!("the revocation URL could not be built: {err}"))
    })
}

fn check_not_redirected(final_url: &reqwest::Url, sent_to: &reqwest::Url) -> Result<(), AuthError> {
    if final_url != sent_to {
        return Err(AuthError::InvalidConfig(
            "the HTTP client given to the builder followed a redirect, which may have sent the token \
             and credentials elsewhere: build it with `redirect(reqwest::redirect::Policy::none())`"
                .into(),
        ));
    }
    Ok(())
}

/// A 2xx is success whatever its body; any other answer is read as a token request's would be.
fn outcome(
    success: bool,
    head: &Head,
    body: &[u8],
    token: &SecretString,
    credentials: &Credentials,
    sent_at: std::time::Instant,
) -> Result<(), AuthError> {
    if success {
        return Ok(());
    }
    match interpret(head, body, credentials, sent_at) {
        Ok(_) => Ok(()),
        Err(err) => Err(without_token(err, token.expose_secret())),
    }
}

/// The server may quote the token it refuses: take it out of every error text.
fn without_token(mut err: AuthError, token: &str) -> AuthError {
    if token.is_empty() {
        return err;
    }
    let errors = match &mut err {
        AuthError::Rejected { errors, .. }
        | AuthError::RateLimited { errors, .. }
        | AuthError::Server { errors, .. } => errors,
        _ => return err,
    };
    let scrub = |text: &mut String| {
        if text.contains(token) {
            *text = text.replace(token, "[REDACTED]");
        }
    };
    for error in errors {
        scrub(&mut error.title);
        if let Some(detail) = &mut error.detail {
            scrub(detail);
        }
        if let Some(code) = &mut error.code {
            scrub(code);
        }
    }
    err
}

#[cfg(feature = "blocking")]
pub(crate) fn read_error(err: std::io::Error, config: &Config) -> AuthError {
    if err.kind() == std::io::ErrorKind::TimedOut {
        return AuthError::Timeout {
            after: config.timeout,
        };
    }
    match err.into_inner() {
        Some(inner) => match inner.downcast::<reqwest::Error>() {
            Ok(reqwest_error) => send_error(*reqwest_error, config),
            Err(other) => AuthError::Transport(super::TransportError::new(other)),
        },
        None => AuthError::Transport(super::TransportError::new(Box::new(std::io::Error::other(
            "the connection failed while reading the answer",
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ApiError;

    #[test]
    fn body_has_the_secret_only_when_the_credentials_have_one() {
        let token = SecretString::from("tok.en.text");
        let integration = Credentials::integration("id", "s3cret", None);
        let body: serde_json::Value =
            serde_json::from_slice(&revoke_body(&token, &integration)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"client_id": "id", "client_secret": "s3cret", "token": "tok.en.text"})
        );
        let sales_channel =
            Credentials::sales_channel("id", "market:code:europe".parse().unwrap()).unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(&revoke_body(&token, &sales_channel)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"client_id": "id", "token": "tok.en.text"})
        );
    }

    #[test]
    fn errors_never_quote_the_token() {
        let mut error = ApiError::new("cannot revoke tok.en.text");
        error.detail = Some("token tok.en.text is unknown".into());
        let err = without_token(
            AuthError::Rejected {
                status: 403,
                errors: vec![error],
            },
            "tok.en.text",
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("tok.en.text"), "{text}");
        assert!(text.contains("[REDACTED]"));
    }
}
