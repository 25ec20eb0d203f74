//! What each grant of `POST /oauth/token` needs beside the client, and who the
//! token it earns acts for: `password`, `refresh_token`, `authorization_code`
//! and JWT bearer, by the rules of the spec (§5).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::app::{App, AppKind};
use crate::people::{CodeRefusal, Owner, Refresh};
use crate::state::State;

/// The JWT bearer grant's `grant_type`.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The longest assertion the server accepts, in bytes.
const MAX_ASSERTION_BYTES: usize = 4096;

/// The grants the stand-in knows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantType {
    ClientCredentials,
    Password,
    RefreshToken,
    AuthorizationCode,
    JwtBearer,
}

impl GrantType {
    pub(crate) fn parse(text: &str) -> Option<GrantType> {
        Some(match text {
            "client_credentials" => GrantType::ClientCredentials,
            "password" => GrantType::Password,
            "refresh_token" => GrantType::RefreshToken,
            "authorization_code" => GrantType::AuthorizationCode,
            JWT_BEARER => GrantType::JwtBearer,
            _ => return None,
        })
    }

    /// Whether an application of `kind` may use this grant.
    pub(crate) fn allowed_for(self, kind: &AppKind) -> bool {
        match self {
            GrantType::ClientCredentials | GrantType::RefreshToken | GrantType::JwtBearer => true,
            GrantType::Password => matches!(kind, AppKind::SalesChannel),
            GrantType::AuthorizationCode => matches!(kind, AppKind::Webapp { .. }),
        }
    }
}

/// What a grant earned: who the token acts for, and the scope to grant when
/// the request sent none.
pub(crate) struct Earned {
    pub(crate) owner: Option<Owner>,
    pub(crate) default_scope: Option<String>,
}

/// A refusal: the OAuth error (`title`) and its description.
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
}

const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the \
                             redirection URI used in the authorization request, or was issued to another client.";

fn invalid_grant(detail: &str) -> Refusal {
    Refusal {
        status: 400,
        title: "invalid_grant",
        detail: detail.to_owned(),
    }
}

fn missing(name: &str) -> Refusal {
    Refusal {
        status: 400,
        title: "invalid_request",
        detail: format!("The request is missing a required parameter: {name}."),
    }
}

fn text<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// What the grant of `body` earns for `app`, or why it is refused.
pub(crate) fn earn(
    state: &State,
    app: &App,
    grant: GrantType,
    body: &Map<String, Value>,
) -> Result<Earned, Refusal> {
    match grant {
        GrantType::ClientCredentials => Ok(Earned {
            owner: None,
            default_scope: None,
        }),
        GrantType::Password => {
            let (Some(username), Some(password)) = (text(body, "username"), text(body, "password"))
            else {
                return Err(missing("username or password"));
            };
            let owner = state
                .people
                .customer(username, password)
                .ok_or_else(|| invalid_grant(INVALID_GRANT))?;
            Ok(Earned {
                owner: Some(owner),
                default_scope: None,
            })
        }
        GrantType::RefreshToken => {
            let token = text(body, "refresh_token").ok_or_else(|| missing("refresh_token"))?;
            let refresh = state
                .people
                .use_refresh_token(token, app.client_id())
                .ok_or_else(|| invalid_grant(INVALID_GRANT))?;
            Ok(Earned {
                owner: Some(refresh.owner),
                default_scope: refresh.scope,
            })
        }
        GrantType::AuthorizationCode => {
            let (Some(code), Some(redirect_uri)) = (text(body, "code"), text(body, "redirect_uri"))
            else {
                return Err(missing("code or redirect_uri"));
            };
            match state.people.use_code(code, app.client_id(), redirect_uri) {
                Ok(owner) => Ok(Earned {
                    owner: Some(owner),
                    default_scope: None,
                }),
                Err(CodeRefusal::Unknown) => Err(invalid_grant(INVALID_GRANT)),
                Err(CodeRefusal::Expired) => Err(invalid_grant(
                    "The authorization code has expired: codes are valid for 10 minutes.",
                )),
            }
        }
        GrantType::JwtBearer => {
            let assertion = text(body, "assertion").ok_or_else(|| missing("assertion"))?;
            Ok(Earned {
                owner: read_assertion(assertion)?,
                default_scope: None,
            })
        }
    }
}

/// The owner an assertion names, decoded without checking its signature as the
/// real server does; a refusal when it is too long, not a JWT, or names
/// neither an owner nor custom claims.
fn read_assertion(assertion: &str) -> Result<Option<Owner>, Refusal> {
    let bad = |detail: &str| Refusal {
        status: 400,
        title: "invalid_grant",
        detail: format!("The assertion is invalid: {detail}."),
    };
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(bad("it is longer than 4 KB"));
    }
    let mut parts = assertion.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("it is not a JWT"));
    };
    let claims: Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| bad("its payload is not base64url JSON"))?;
    let ours = &claims["https://commercelayer.io/claims"];
    let owner = &ours["owner"];
    if owner.is_null() && ours["custom_claim"].is_null() {
        return Err(bad("it has neither an owner nor a custom_claim"));
    }
    if owner.is_null() {
        return Ok(None);
    }
    let (Some(kind), Some(id)) = (owner["type"].as_str(), owner["id"].as_str()) else {
        return Err(bad("its owner needs a type and an id"));
    };
    let kind = match kind {
        "Customer" => "customer",
        "User" => "user",
        _ => return Err(bad("its owner type is neither Customer nor User")),
    };
    Ok(Some(Owner {
        id: id.to_owned(),
        kind: kind.to_owned(),
    }))
}

/// A refresh token for a token that acts for `owner`.
pub(crate) fn refresh_token_for(
    state: &State,
    app: &App,
    owner: &Owner,
    scope: Option<&str>,
) -> String {
    state.people.issue_refresh_token(Refresh {
        client_id: app.client_id().to_owned(),
        owner: owner.clone(),
        scope: scope.map(str::to_owned),
    })
}
