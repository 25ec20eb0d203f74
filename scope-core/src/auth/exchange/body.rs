//! The JSON bodies of the requests, written by `serde_json`.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use super::{Request, RequestKind, Secrets};
use crate::auth::{AuthError, Credentials, Grant};

/// A request ready to send: what it is (with the secrets no error may show)
/// and its body.
pub(crate) struct Outgoing<'a> {
    pub(crate) request: Request<'a>,
    pub(crate) body: Vec<u8>,
}

impl<'a> Outgoing<'a> {
    /// A token request for `credentials` with `grant`; an
    /// [`AuthError::InvalidConfig`] when the grant cannot go with these
    /// credentials (nothing is sent then).
    pub(crate) fn token(
        credentials: &'a Credentials,
        grant: &'a Grant,
    ) -> Result<Outgoing<'a>, AuthError> {
        grant.check(credentials)?;
        Ok(Outgoing {
            request: Request {
                kind: RequestKind::Token,
                secrets: Secrets::of(&[credentials.secret_text(), grant.secret_text()]),
            },
            body: super::grant_body::token_body(credentials, grant),
        })
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

/// A revocation: the secret goes along when the credentials have one
/// (integrations; the auth server also wants it for guest sales-channel tokens).
#[derive(Serialize)]
struct RevocationBody<'a> {
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    token: &'a str,
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
