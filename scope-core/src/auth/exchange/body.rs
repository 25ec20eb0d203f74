//! The JSON bodies of the requests, written by `serde_json`.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use super::{Request, RequestKind, Secrets};
use crate::auth::Credentials;

/// A request ready to send: what it is (with the secrets no error may show)
/// and its body.
pub(crate) struct Outgoing<'a> {
    pub(crate) request: Request<'a>,
    pub(crate) body: Vec<u8>,
}

impl<'a> Outgoing<'a> {
    /// A `client_credentials` token request for `credentials`.
    pub(crate) fn token(credentials: &'a Credentials) -> Outgoing<'a> {
        Outgoing {
            request: Request {
                kind: RequestKind::Token,
                secrets: Secrets::of(&[credentials.secret_text()]),
            },
            body: token_body(credentials),
        }
    }

    /// A revocation of `token` by the application of `credentials`.
    pub(crate) fn revocation(
        token: &'a SecretString,
        credentials: &'a Credentials,
    ) -> Outgoing<'a> {
        Outgoing {
            request: Request {
                kind: RequestKind::Revocation,
                secrets: Secrets::of(&[credentials.secret_text(), token.expose_secret()]),
            },
            body: revocation_body(token, credentials),
        }
    }
}

/// A `client_credentials` token request: `client_secret` only for
/// integrations, `scope` only when set.
#[derive(Serialize)]
struct TokenBody<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// A revocation: the secret goes along when the credentials have one
/// (integrations; the auth server also wants it for guest sales-channel tokens).
#[derive(Serialize)]
struct RevocationBody<'a> {
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    token: &'a str,
}

/// The body of a token request for `credentials`.
fn token_body(credentials: &Credentials) -> Vec<u8> {
    to_json(&TokenBody {
        grant_type: "client_credentials",
        client_id: credentials.client_id(),
        client_secret: credentials.client_secret().map(|s| s.expose_secret()),
        scope: credentials.scope().map(ToString::to_string),
    })
}

/// The body of a revocation of `token` by the application of `credentials`.
fn revocation_body(token: &SecretString, credentials: &Credentials) -> Vec<u8> {
    to_json(&RevocationBody {
        client_id: credentials.client_id(),
        client_secret: credentials.client_secret().map(|s| s.expose_secret()),
        token: token.expose_secret(),
    })
}

/// Structs of strings always serialize.
fn to_json(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn parsed(body: Vec<u8>) -> Value {
        serde_json::from_slice(&body).unwrap()
    }

    #[test]
    fn a_token_request_holds_the_secret_and_scope_only_when_there_are_some() {
        let scope = "market:code:europe stock_location:code:eu_warehouse";
        let sales_channel = Credentials::sales_channel("id", scope.parse().unwrap()).unwrap();
        assert_eq!(
            parsed(token_body(&sales_channel)),
            json!({"grant_type": "client_credentials", "client_id": "id", "scope": scope})
        );
        let integration = Credentials::integration("id", "with \"quotes\" \\ ✓", None);
        assert_eq!(
            parsed(token_body(&integration)),
            json!({"grant_type": "client_credentials", "client_id": "id", "client_secret": "with \"quotes\" \\ ✓"})
        );
    }

    #[test]
    fn a_revocation_holds_the_secret_only_when_the_credentials_have_one() {
        let token = SecretString::from("tok.en.text");
        let integration = Credentials::integration("id", "s3cret", None);
        assert_eq!(
            parsed(revocation_body(&token, &integration)),
            json!({"client_id": "id", "client_secret": "s3cret", "token": "tok.en.text"})
        );
        let sales_channel =
            Credentials::sales_channel("id", "market:code:europe".parse().unwrap()).unwrap();
        assert_eq!(
            parsed(revocation_body(&token, &sales_channel)),
            json!({"client_id": "id", "token": "tok.en.text"})
        );
    }
}
