//! The token request both clients send, and what they make of a failure to send it.

use secrecy::ExposeSecret;

use super::config::Config;
use super::{AuthError, Credentials, TransportError};
use crate::ScopeSet;

/// The body of a `client_credentials` token request: `client_secret` only for
/// integrations, `scope` only when set.
///
/// Written by hand into one buffer of the right size, in the field order (and
/// with the escaping) `serde_json` would use: the request is sent often enough
/// that a serializer walking a struct, and a formatter for the scope, cost
/// more than the rest of the body.
pub(crate) fn token_request_body(credentials: &Credentials) -> Vec<u8> {
    const START: &[u8] = br#"{"grant_type":"client_credentials","client_id":"#;
    let client_id = credentials.client_id();
    let secret = credentials
        .client_secret()
        .map(|secret| secret.expose_secret());
    let scope = credentials.scope();
    // Two quotes, two escapes and the key for each field: room enough unless a
    // string needs escaping, and then the buffer grows.
    let capacity = START.len()
        + client_id.len()
        + secret.map_or(0, |secret| secret.len() + 24)
        + scope.map_or(0, |scope| 12 + 40 * scope.len())
        + 8;
    let mut body = Vec::with_capacity(capacity);
    body.extend_from_slice(START);
    push_json_string(&mut body, client_id);
    if let Some(secret) = secret {
        body.extend_from_slice(br#","client_secret":"#);
        push_json_string(&mut body, secret);
    }
    if let Some(scope) = scope {
        body.extend_from_slice(br#","scope":"#);
        push_scope_string(&mut body, scope);
    }
    body.push(b'}');
    body
}

/// Whether `text` goes into a JSON string as is: no quote, backslash or
/// control character (the bytes `serde_json` escapes).
fn needs_no_escape(text: &[u8]) -> bool {
    text.iter()
        .fold(true, |ok, &b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it.
fn push_json_string(body: &mut Vec<u8>, text: &str) {
    if needs_no_escape(text.as_bytes()) {
        body.push(b'"');
        body.extend_from_slice(text.as_bytes());
        body.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *body, text);
    }
}

/// Appends a scope set's text (what its `Display` writes) as a JSON string,
/// without a formatter.
fn push_scope_string(body: &mut Vec<u8>, scopes: &ScopeSet) {
    let start = body.len();
    body.push(b'"');
    for_each_scope_part(scopes, |part| {
        body.extend_from_slice(part.as_bytes());
        true
    });
    // The grammar's keywords, ids and codes never need escaping; should a
    // scope hold anything else, the body is still valid JSON.
    if !needs_no_escape(&body[start + 1..]) {
        body.truncate(start);
        push_json_string(body, &scopes.to_string());
        return;
    }
    body.push(b'"');
}

/// Calls `part` with each part of a scope set's text in order (keywords, ids
/// and codes, and the `:` and ` ` between them), as its `Display` writes
/// them, until it returns false. Returns whether it went through them all.
#[inline(always)]
pub(crate) fn for_each_scope_part(scopes: &ScopeSet, mut part: impl FnMut(&str) -> bool) -> bool {
    for (i, scope) in scopes.iter().enumerate() {
        let space = (i > 0).then_some(" ");
        if !std::iter::once(space)
            .chain(scope.text_parts())
            .flatten()
            .all(&mut part)
        {
            return false;
        }
    }
    true
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

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    /// The body as `serde_json` wrote it before it was written by hand: the
    /// reference the hand-written one must match byte for byte.
    #[derive(Serialize)]
    struct SerdeBody<'a> {
        grant_type: &'static str,
        client_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_secret: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    }

    fn serde_body(credentials: &Credentials) -> Vec<u8> {
        serde_json::to_vec(&SerdeBody {
            grant_type: "client_credentials",
            client_id: credentials.client_id(),
            client_secret: credentials
                .client_secret()
                .map(|secret| secret.expose_secret()),
            scope: credentials.scope().map(ToString::to_string),
        })
        .unwrap()
    }

    #[test]
    fn the_body_is_what_serde_json_writes() {
        let scopes = [
            None,
            Some("market:all"),
            Some("market:code:europe stock_location:code:eu_warehouse"),
            Some("market:id:xYZkjABcde store:code:outlet_ny stock_location:id:WLgbSXqyoZ"),
            Some("provisioning-api metrics-api"),
            Some("market:code:a-b_c market:code:d stock_location:code:e store:id:f"),
        ];
        let texts = [
            "storefront",
            "",
            "with \"quotes\" and \\ backslash",
            "line\nbreak\ttab\u{1}\u{1f}\u{7f}",
            "ünïcödé ✓ 🦀",
            "</script>",
        ];
        for scope in scopes {
            let scope: Option<ScopeSet> = scope.map(|text| text.parse().unwrap());
            for id in texts {
                for secret in texts {
                    let integration = Credentials::integration(id, secret, scope.clone());
                    assert_eq!(
                        String::from_utf8(token_request_body(&integration)).unwrap(),
                        String::from_utf8(serde_body(&integration)).unwrap(),
                    );
                }
                let sales_channel = scope
                    .clone()
                    .and_then(|scope| Credentials::sales_channel(id, scope).ok());
                if let Some(sales_channel) = sales_channel {
                    assert_eq!(
                        token_request_body(&sales_channel),
                        serde_body(&sales_channel)
                    );
                }
            }
        }
    }

    #[test]
    fn scope_parts_spell_the_display_text() {
        for text in [
            "market:all",
            "market:code:europe stock_location:code:eu_warehouse",
            "store:id:abc stock_location:id:x1",
            "provisioning-api metrics-api",
        ] {
            let set: ScopeSet = text.parse().unwrap();
            let mut spelled = String::new();
            assert!(for_each_scope_part(&set, |part| {
                spelled.push_str(part);
                true
            }));
            assert_eq!(spelled, set.to_string());
            let mut parts = 0;
            assert!(!for_each_scope_part(&set, |_| {
                parts += 1;
                parts < 2
            }));
            assert_eq!(parts, 2);
        }
    }
}
