//! Revoking an access token: `POST {base}/oauth/revoke`, async and blocking.
//!
//! The request is JSON `{client_id, client_secret?, token}`: the secret goes along when the
//! credentials have one (integrations; the auth server also wants it for guest sales-channel
//! tokens). Success is any 2xx answer (Commerce Layer sends `{}`); anything else becomes the
//! same [`AuthError`] a token request would, read by the same code.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use super::client::AuthClient;
use super::response::{Head, failure};
use super::{AuthError, Credentials};

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
        let body = revoke_body(token, credentials);
        let answer = self.post(&self.config.revoke_url, body).await?;
        outcome(&answer.head, answer.body.bytes(), token, credentials)
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
        let body = revoke_body(token, credentials);
        let answer = self.post(&self.config.revoke_url, body)?;
        outcome(&answer.head, &answer.body, token, credentials)
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

/// A 2xx is success whatever its body; any other answer is read as a token
/// request's would be, with the token kept out of the error as the secret is.
fn outcome(
    head: &Head,
    body: &[u8],
    token: &SecretString,
    credentials: &Credentials,
) -> Result<(), AuthError> {
    if head.is_success() {
        return Ok(());
    }
    let secret = credentials
        .client_secret()
        .map_or("", |secret| secret.expose_secret());
    Err(failure(head, body, &[secret, token.expose_secret()]))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The error for a revocation of `token` (by an integration whose secret is
    /// `s3cret`) that the server answers with `status` and `body`.
    fn refusal(status: u16, body: &str, token: &str) -> AuthError {
        let head = Head::new(
            reqwest::StatusCode::from_u16(status).unwrap(),
            &reqwest::header::HeaderMap::new(),
        );
        let credentials = Credentials::integration("id", "s3cret", None);
        outcome(
            &head,
            body.as_bytes(),
            &SecretString::from(token.to_owned()),
            &credentials,
        )
        .unwrap_err()
    }

    #[test]
    fn a_long_token_quoted_past_the_length_limit_leaves_no_fragment() {
        let token = format!("eyJ{}", "x".repeat(900));
        let body = format!(
            r#"{{"errors":[{{"title":"forbidden","detail":"token {token} is not yours"}}]}}"#
        );
        let err = refusal(403, &body, &token);
        let text = format!("{err} {err:?}");
        assert!(!text.contains(&token[..40]), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }

    #[test]
    fn errors_never_quote_the_token() {
        let body = r#"{"errors":[{"title":"cannot revoke tok.en.text","detail":"token tok.en.text is unknown to s3cret","code":"tok.en.text"}]}"#;
        for status in [403, 429, 500] {
            let err = refusal(status, body, "tok.en.text");
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.api_errors().len(), 1);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("tok.en.text"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
            assert!(text.contains("[REDACTED]"));
        }
    }
}
