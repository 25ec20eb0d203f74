//! The token request both clients send, and what they make of a failure to send it.

use secrecy::ExposeSecret;
use serde::Serialize;

use super::config::Config;
use super::{AuthError, Credentials, TransportError};
use crate::ScopeSet;

/// The JSON body of `POST /oauth/token`, borrowing from the credentials.
#[derive(Serialize)]
struct TokenRequestBody<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_text")]
    scope: Option<&'a ScopeSet>,
}

/// A scope set as its text, written straight into the body.
fn as_text<S: serde::Serializer>(
    scope: &Option<&ScopeSet>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match scope {
        Some(scope) => serializer.collect_str(scope),
        None => serializer.serialize_none(),
    }
}

/// The body of a `client_credentials` token request: `client_secret` only for
/// integrations, `scope` only when set.
pub(crate) fn token_request_body(credentials: &Credentials) -> Vec<u8> {
    let body = TokenRequestBody {
        grant_type: "client_credentials",
        client_id: credentials.client_id(),
        client_secret: credentials
            .client_secret()
            .map(|secret| secret.expose_secret()),
        scope: credentials.scope(),
    };
    // Serializing strings into a Vec cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Turns a failure of the HTTP client into an error a caller can act on.
pub(crate) fn send_error(err: reqwest::Error, config: &Config) -> AuthError {
    if err.is_timeout() {
        let after = if err.is_connect() {
            config.connect_timeout
        } else {
            config.timeout
        };
        return AuthError::Timeout { after };
    }
    if err.is_builder() {
        return AuthError::InvalidConfig(format!("the token request could not be built: {err}"));
    }
    AuthError::Transport(TransportError::new(Box::new(err)))
}

/// A failure while reading a blocking body: reqwest's error inside an `io::Error`.
#[cfg(feature = "blocking")]
pub(crate) fn read_error(err: std::io::Error, config: &Config) -> AuthError {
    let kind = err.kind();
    match err.into_inner() {
        Some(inner) => match inner.downcast::<reqwest::Error>() {
            Ok(reqwest_error) => send_error(*reqwest_error, config),
            Err(_) if kind == std::io::ErrorKind::TimedOut => AuthError::Timeout {
                after: config.timeout,
            },
            Err(other) => AuthError::Transport(TransportError::new(other)),
        },
        None if kind == std::io::ErrorKind::TimedOut => AuthError::Timeout {
            after: config.timeout,
        },
        None => AuthError::Transport(TransportError::new(Box::new(std::io::Error::from(kind)))),
    }
}

/// Refuses an answer that came from another address than the one asked: a
/// caller's own HTTP client followed a redirect.
pub(crate) fn check_not_redirected(
    final_url: &reqwest::Url,
    sent_to: &reqwest::Url,
) -> Result<(), AuthError> {
    if final_url != sent_to {
        return Err(AuthError::InvalidConfig(
            "the HTTP client given to the builder followed a redirect, which may have sent the credentials \
             (and any token) elsewhere: build it with `redirect(reqwest::redirect::Policy::none())`"
                .into(),
        ));
    }
    Ok(())
}
