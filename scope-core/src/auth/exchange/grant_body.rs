//! The body of a token request, for every grant, written by `serde_json`.
//!
//! Field order is fixed: `grant_type`, `client_id`, `client_secret` (when the
//! credentials have one and the grant sends it), the grant's own fields, and
//! `scope` last (when the credentials have one).

use secrecy::ExposeSecret as _;
use serde::Serialize;

use crate::auth::{Credentials, Grant};

/// A token request. Only the fields a grant uses are written.
#[derive(Serialize)]
struct TokenBody<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assertion: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// The body of a token request for `credentials` with `grant`. The password
/// grant is a public sales channel's and sends no secret; every other grant
/// sends the client secret when the credentials have one.
pub(super) fn token_body(credentials: &Credentials, grant: &Grant) -> Vec<u8> {
    let mut body = TokenBody {
        grant_type: grant.grant_type(),
        client_id: credentials.client_id(),
        client_secret: credentials.client_secret().map(|s| s.expose_secret()),
        username: None,
        password: None,
        refresh_token: None,
        code: None,
        redirect_uri: None,
        assertion: None,
        scope: credentials.scope().map(ToString::to_string),
    };
    match grant {
        Grant::ClientCredentials => {}
        Grant::Password { username, password } => {
            body.client_secret = None;
            body.username = Some(username);
            body.password = Some(password.expose_secret());
        }
        Grant::RefreshToken(token) => body.refresh_token = Some(token.expose_secret()),
        Grant::AuthorizationCode { code, redirect_uri } => {
            body.code = Some(code.expose_secret());
            body.redirect_uri = Some(redirect_uri);
        }
        Grant::JwtBearer(assertion) => body.assertion = Some(assertion.as_secret().expose_secret()),
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Assertion;
    use crate::scopes;

    fn text(credentials: &Credentials, grant: &Grant) -> String {
        String::from_utf8(token_body(credentials, grant)).unwrap()
    }

    #[test]
    fn each_grant_writes_its_fields_in_a_fixed_order() {
        let storefront = Credentials::sales_channel("sc", scopes!("market:code:europe")).unwrap();
        let webapp = Credentials::webapp("wa", "s\"ecret", None);
        assert_eq!(
            text(&storefront, &Grant::password("ada@example.com", "p\\w")),
            r#"{"grant_type":"password","client_id":"sc","username":"ada@example.com","password":"p\\w","scope":"market:code:europe"}"#
        );
        assert_eq!(
            text(&webapp, &Grant::refresh_token("rt")),
            r#"{"grant_type":"refresh_token","client_id":"wa","client_secret":"s\"ecret","refresh_token":"rt"}"#
        );
        assert_eq!(
            text(
                &webapp,
                &Grant::authorization_code("c0de", "https://app.example.com/cb")
            ),
            r#"{"grant_type":"authorization_code","client_id":"wa","client_secret":"s\"ecret","code":"c0de","redirect_uri":"https://app.example.com/cb"}"#
        );
        let assertion = Assertion::from_jwt("a.b.c").unwrap();
        assert_eq!(
            text(&webapp, &Grant::JwtBearer(assertion)),
            r#"{"grant_type":"urn:ietf:params:oauth:grant-type:jwt-bearer","client_id":"wa","client_secret":"s\"ecret","assertion":"a.b.c"}"#
        );
        assert_eq!(
            text(&storefront, &Grant::ClientCredentials),
            r#"{"grant_type":"client_credentials","client_id":"sc","scope":"market:code:europe"}"#
        );
    }
}
