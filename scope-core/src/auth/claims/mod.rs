//! What an access token says about itself: its claims, decoded without checking the signature.
//!
//! Commerce Layer's access tokens are JWTs whose payload names the organization, the kind of
//! application, the granted scope, the markets, the owner, and the token's lifetime. Reading
//! them lets an SDK pick the Core API base URL ([`Claims::core_api_base_url`]), tell test from
//! live, and know when a token expires, without a round trip.
//!
//! Decoding here does **not** verify the signature: use it on tokens this program received from
//! the auth server itself. To trust a token that came from elsewhere, verify it first (feature
//! `verify`).
//!
//! Decoding is lenient by design: a claim that is missing (old tokens lack `iss`, tokens without
//! a requested scope lack `market`) or has an unexpected type reads as `None`, never as an error.
//! Only a token that is not a JWT at all (wrong number of parts, bad base64url, a payload that is
//! not a JSON object) is an error, and that error never repeats the token's text.

mod core_api;
mod other_apis;

pub use other_apis::ActsFor;

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};

use crate::ScopeSet;
use crate::auth::Token;

/// The claims of a Commerce Layer access token.
///
/// Built by [`decode_claims`] or [`Token::claims`]. Every field is optional because tokens of
/// different kinds and ages carry different claims; a missing claim is `None` (or an empty list).
///
/// ```
/// use scope_core::auth::{decode_claims, ApplicationKind};
/// # use base64::Engine as _;
/// # let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
/// # let token = format!("{}.{}.sig", encode(r#"{"alg":"RS512"}"#), encode(r#"{
/// #   "organization": {"id": "enWoxFMOnp", "slug": "the-blue-brand", "enterprise": false, "region": "eu-west-1"},
/// #   "application": {"id": "nGVqaiEYNA", "kind": "sales_channel", "public": true},
/// #   "scope": "market:code:europe", "exp": 1710957630, "test": true, "iss": "https://auth.commercelayer.io"}"#));
/// // `token` is the text of an access token, such as `Token::access_token()`.
/// let claims = decode_claims(&token)?;
/// assert_eq!(claims.application.as_ref().unwrap().kind, Some(ApplicationKind::SalesChannel));
/// assert_eq!(claims.test, Some(true));
/// assert_eq!(claims.scope_set.as_ref().unwrap().to_string(), "market:code:europe");
/// assert_eq!(claims.core_api_base_url()?, "https://the-blue-brand.commercelayer.io");
/// # Ok::<(), scope_core::auth::ClaimsError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Claims {
    /// The organization the token belongs to (`organization`); absent on user and dashboard tokens.
    pub organization: Option<Organization>,
    /// The application the token was issued to (`application`).
    pub application: Option<Application>,
    /// The granted scope as the server wrote it (`scope`).
    pub scope: Option<String>,
    /// The granted scope parsed with this crate's grammar; `None` when the claim is missing or
    /// uses a form the grammar rejects (such as the retired `market:1234`).
    pub scope_set: Option<ScopeSet>,
    /// The markets in scope (`market`); only present when a scope was requested.
    pub market: Option<Market>,
    /// The customer or user the token acts for (`owner`).
    pub owner: Option<Owner>,
    /// The user of a `user` or `dashboard` token (`user`).
    pub user: Option<User>,
    /// Expiry time, Unix seconds (`exp`).
    pub exp: Option<u64>,
    /// Issue time, Unix seconds (`iat`).
    pub iat: Option<u64>,
    /// `true` for a test-mode token, `false` for live (`test`).
    pub test: Option<bool>,
    /// A random nonce below one (`rand`).
    pub rand: Option<f64>,
    /// Who issued the token (`iss`), such as `https://auth.commercelayer.io`; old tokens have
    /// `https://commercelayer.io` or nothing.
    pub iss: Option<String>,
}

/// The `organization` claim.
///
/// ```
/// let org = scope_core::auth::Organization::default();
/// assert!(org.slug.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Organization {
    /// The organization's id.
    pub id: Option<String>,
    /// The organization's slug: the first label of its Core API host.
    pub slug: Option<String>,
    /// Whether the organization is on an enterprise plan.
    pub enterprise: Option<bool>,
    /// The region that hosts the organization, such as `eu-west-1`.
    pub region: Option<String>,
}

/// The `application` claim.
///
/// ```
/// let app = scope_core::auth::Application::default();
/// assert!(app.kind.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Application {
    /// The application's id.
    pub id: Option<String>,
    /// The kind of application: sales channel, integration, and so on.
    pub kind: Option<ApplicationKind>,
    /// Whether the application is public (sales channels are).
    pub public: Option<bool>,
    /// The application's client id, when the token carries it.
    pub client_id: Option<String>,
    /// Whether the application is confidential (has a client secret), when the token says so.
    pub confidential: Option<bool>,
}

/// The kind of application a token was issued to (`application.kind`).
///
/// A kind this crate does not know yet is kept as [`ApplicationKind::Other`], never an error.
///
/// ```
/// use scope_core::auth::ApplicationKind;
///
/// assert_eq!(ApplicationKind::from("integration"), ApplicationKind::Integration);
/// assert_eq!(ApplicationKind::from("kiosk").as_str(), "kiosk");
/// assert_eq!(ApplicationKind::SalesChannel.to_string(), "sales_channel");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApplicationKind {
    /// `sales_channel`: a public storefront application.
    SalesChannel,
    /// `integration`: a confidential back-end application.
    Integration,
    /// `webapp`: an application that acts for a user (authorization code grant).
    Webapp,
    /// `user`: a token issued to a Commerce Layer user (for example the Provisioning API).
    User,
    /// `dashboard`: a token of Commerce Layer's dashboard.
    Dashboard,
    /// Any other kind, exactly as the token wrote it.
    Other(String),
}

impl ApplicationKind {
    /// The kind as the token writes it.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::ApplicationKind::Webapp.as_str(), "webapp");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Self::SalesChannel => "sales_channel",
            Self::Integration => "integration",
            Self::Webapp => "webapp",
            Self::User => "user",
            Self::Dashboard => "dashboard",
            Self::Other(kind) => kind,
        }
    }
}

impl From<&str> for ApplicationKind {
    fn from(kind: &str) -> Self {
        match kind {
            "sales_channel" => Self::SalesChannel,
            "integration" => Self::Integration,
            "webapp" => Self::Webapp,
            "user" => Self::User,
            "dashboard" => Self::Dashboard,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ApplicationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `market` claim: what the requested scope resolved to.
///
/// ```
/// let market = scope_core::auth::Market::default();
/// assert!(market.ids.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Market {
    /// Ids of the markets in scope (`market.id`); empty when the claim lacks them.
    pub ids: Vec<String>,
    /// The price list shared by the markets in scope.
    pub price_list_id: Option<String>,
    /// Ids of the stock locations in scope; empty when the claim lacks them.
    pub stock_location_ids: Vec<String>,
    /// The geocoder shared by the markets in scope (`null` in the token reads as `None`).
    pub geocoder_id: Option<String>,
    /// Whether the markets accept prices from an external source.
    pub allows_external_prices: Option<bool>,
}

/// The `owner` claim: the customer or user a token acts for.
///
/// ```
/// let owner = scope_core::auth::Owner::default();
/// assert!(owner.owner_type.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Owner {
    /// The owner's id.
    pub id: Option<String>,
    /// The owner's type (`owner.type`): `Customer` or `User`.
    pub owner_type: Option<String>,
}

/// The `user` claim of `user` and `dashboard` tokens.
///
/// ```
/// assert!(scope_core::auth::User::default().id.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: Option<String>,
}

/// Why a token's claims could not be read.
///
/// The message says which part of the token is wrong and never repeats the token's text.
///
/// ```
/// let err = scope_core::auth::decode_claims("not-a-jwt").unwrap_err();
/// assert_eq!(err.kind(), scope_core::auth::ClaimsErrorKind::NotAJwt);
/// assert!(err.to_string().contains("three parts"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsError {
    kind: ClaimsErrorKind,
}

/// The kind of a [`ClaimsError`].
///
/// ```
/// use scope_core::auth::{decode_claims, ClaimsErrorKind};
///
/// let err = decode_claims("a.%%%.c").unwrap_err();
/// assert_eq!(err.kind(), ClaimsErrorKind::Base64(scope_core::auth::JwtPart::Payload));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsErrorKind {
    /// The text does not have the three dot-separated parts of a JWT.
    NotAJwt,
    /// A part is not valid base64url.
    Base64(JwtPart),
    /// A part is not a JSON object.
    NotJsonObject(JwtPart),
    /// The token has no `organization.slug`, so it belongs to no organization's Core API
    /// (user and dashboard tokens).
    NoOrganization,
    /// The organization slug cannot be a host name label.
    InvalidSlug,
}

/// A part of a JWT, named in errors.
///
/// ```
/// assert_eq!(scope_core::auth::JwtPart::Header.to_string(), "header");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwtPart {
    /// The first part: algorithm and key id.
    Header,
    /// The second part: the claims.
    Payload,
}

impl fmt::Display for JwtPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
        })
    }
}

impl ClaimsError {
    pub(crate) fn new(kind: ClaimsErrorKind) -> Self {
        Self { kind }
    }

    /// What went wrong.
    ///
    /// ```
    /// let err = scope_core::auth::decode_claims("").unwrap_err();
    /// assert_eq!(err.kind(), scope_core::auth::ClaimsErrorKind::NotAJwt);
    /// ```
    pub fn kind(&self) -> ClaimsErrorKind {
        self.kind
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ClaimsErrorKind::NotAJwt => f.write_str(
                "the access token is not a JWT: expected three parts separated by `.` \
                 (header, payload, signature); pass the `access_token` exactly as the auth server sent it",
            ),
            ClaimsErrorKind::Base64(part) => write!(
                f,
                "the access token's {part} is not valid base64url; the token was altered or truncated"
            ),
            ClaimsErrorKind::NotJsonObject(part) => write!(
                f,
                "the access token's {part} does not decode to a JSON object; the token was altered \
                 or is not a Commerce Layer access token"
            ),
            ClaimsErrorKind::NoOrganization => f.write_str(
                "the access token names no organization (`organization.slug` is missing), so it has \
                 no Core API base URL; user and dashboard tokens belong to no organization",
            ),
            ClaimsErrorKind::InvalidSlug => f.write_str(
                "the access token's organization slug is not a valid host name label (1 to 63 \
                 ASCII letters, digits and `-`, no `-` at either end), so no Core API base URL can \
                 be built from it",
            ),
        }
    }
}

impl std::error::Error for ClaimsError {}

/// Decodes the claims of an access token's text, **without verifying its signature**.
///
/// Use it for any token string (one stored by an SDK, one read from a config file); for a
/// [`Token`] just received, [`Token::claims`] does the same.
///
/// ```
/// use scope_core::auth::{decode_claims, ClaimsErrorKind};
///
/// let err = decode_claims("eyJhbGciOiJSUzUxMiJ9.bm90IGpzb24.c2ln").unwrap_err();
/// assert_eq!(err.kind(), ClaimsErrorKind::NotJsonObject(scope_core::auth::JwtPart::Payload));
/// // The error never repeats the token.
/// assert!(!err.to_string().contains("bm90IGpzb24"));
/// ```
///
/// # Errors
///
/// A [`ClaimsError`] when the text is not a JWT whose payload is a JSON object. Missing or
/// oddly typed claims are not errors: they read as `None`.
pub fn decode_claims(token: &str) -> Result<Claims, ClaimsError> {
    claims_from_payload(split_jwt(token)?.payload)
}

/// The claims of a still-encoded payload.
pub(crate) fn claims_from_payload(payload: &str) -> Result<Claims, ClaimsError> {
    decode_json_object(payload, JwtPart::Payload).map(|map| Claims::from_json(&map))
}

impl Token {
    /// Decodes this token's claims, **without verifying its signature**: the token came from
    /// the auth server this client asked.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use scope_core::auth::{AuthClient, Credentials};
    ///
    /// let credentials = Credentials::sales_channel("my-client-id", scope_core::scopes!("market:code:europe"))?;
    /// let token = AuthClient::new().request_token(&credentials).await?;
    /// let claims = token.claims()?;
    /// println!("test mode: {:?}, expires at {:?}", claims.test, claims.expires_at());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ClaimsError`] when the access token is not a JWT.
    pub fn claims(&self) -> Result<Claims, ClaimsError> {
        decode_claims(self.access_token().expose_secret())
    }

    /// The Core API base URL of this token's organization, such as
    /// `https://the-blue-brand.commercelayer.io`: see [`Claims::core_api_base_url`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use scope_core::auth::{AuthClient, Credentials};
    ///
    /// let credentials = Credentials::integration("my-client-id", "my-secret", None);
    /// let token = AuthClient::new().request_token(&credentials).await?;
    /// let base = token.core_api_base_url()?; // "https://{slug}.commercelayer.io"
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ClaimsError`] when the token is not a JWT or names no organization.
    pub fn core_api_base_url(&self) -> Result<String, ClaimsError> {
        self.claims()?.core_api_base_url()
    }

    /// The Provisioning API base URL for this token (see
    /// [`Claims::provisioning_api_base_url`]).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// // A token whose claims are `{"iss":"https://auth.commercelayer.co"}`.
    /// let text = "e30.eyJpc3MiOiJodHRwczovL2F1dGguY29tbWVyY2VsYXllci5jbyJ9.c2ln";
    /// let token = scope_core::auth::Token::new(text, Duration::from_secs(60), "", 0);
    /// assert_eq!(token.provisioning_api_base_url()?, "https://provisioning.commercelayer.co");
    /// assert_eq!(token.metrics_api_base_url()?, "https://metrics.commercelayer.co");
    /// # Ok::<(), scope_core::auth::ClaimsError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ClaimsError`] when the token is not a JWT.
    pub fn provisioning_api_base_url(&self) -> Result<String, ClaimsError> {
        Ok(self.claims()?.provisioning_api_base_url())
    }

    /// The Metrics API base URL for this token (see
    /// [`Claims::metrics_api_base_url`]).
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("not-a-jwt", std::time::Duration::from_secs(60), "", 0);
    /// assert!(token.metrics_api_base_url().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ClaimsError`] when the token is not a JWT.
    pub fn metrics_api_base_url(&self) -> Result<String, ClaimsError> {
        Ok(self.claims()?.metrics_api_base_url())
    }
}

impl Claims {
    /// The expiry time (`exp`) as a [`SystemTime`].
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let mut claims = scope_core::auth::Claims::default();
    /// assert_eq!(claims.expires_at(), None);
    /// claims.exp = Some(1_710_957_630);
    /// assert_eq!(claims.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(1_710_957_630)));
    /// ```
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.exp.and_then(unix_seconds)
    }

    /// The issue time (`iat`) as a [`SystemTime`].
    ///
    /// ```
    /// assert_eq!(scope_core::auth::Claims::default().issued_at(), None);
    /// ```
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.iat.and_then(unix_seconds)
    }

    /// Whether the token has expired at `now`; `None` when it has no `exp` claim.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let mut claims = scope_core::auth::Claims::default();
    /// claims.exp = Some(100);
    /// assert_eq!(claims.is_expired_at(UNIX_EPOCH + Duration::from_secs(99)), Some(false));
    /// assert_eq!(claims.is_expired_at(UNIX_EPOCH + Duration::from_secs(100)), Some(true));
    /// ```
    pub fn is_expired_at(&self, now: SystemTime) -> Option<bool> {
        self.expires_at().map(|exp| now >= exp)
    }

    fn from_json(payload: &Map<String, Value>) -> Self {
        let scope = string(payload, "scope");
        let scope_set = scope.as_deref().and_then(|text| text.parse().ok());
        Self {
            organization: object(payload, "organization").map(|org| Organization {
                id: string(org, "id"),
                slug: string(org, "slug"),
                enterprise: boolean(org, "enterprise"),
                region: string(org, "region"),
            }),
            application: object(payload, "application").map(|app| Application {
                id: string(app, "id"),
                kind: app
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(ApplicationKind::from),
                public: boolean(app, "public"),
                client_id: string(app, "client_id"),
                confidential: boolean(app, "confidential"),
            }),
            scope,
            scope_set,
            market: object(payload, "market").map(|market| Market {
                ids: strings(market, "id"),
                price_list_id: string(market, "price_list_id"),
                stock_location_ids: strings(market, "stock_location_ids"),
                geocoder_id: string(market, "geocoder_id"),
                allows_external_prices: boolean(market, "allows_external_prices"),
            }),
            owner: object(payload, "owner").map(|owner| Owner {
                id: string(owner, "id"),
                owner_type: string(owner, "type"),
            }),
            user: object(payload, "user").map(|user| User {
                id: string(user, "id"),
            }),
            exp: seconds(payload, "exp"),
            iat: seconds(payload, "iat"),
            test: boolean(payload, "test"),
            rand: payload.get("rand").and_then(Value::as_f64),
            iss: string(payload, "iss"),
        }
    }
}

/// The three parts of a compact JWT, still encoded.
// Without feature `verify` only the payload is read.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub(crate) struct JwtParts<'a> {
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    /// `header.payload`: the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: &'a str,
}

pub(crate) fn split_jwt(token: &str) -> Result<JwtParts<'_>, ClaimsError> {
    let not_a_jwt = || ClaimsError::new(ClaimsErrorKind::NotAJwt);
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(not_a_jwt)?;
    let (header, payload) = signing_input.split_once('.').ok_or_else(not_a_jwt)?;
    if header.is_empty() || payload.is_empty() || payload.contains('.') {
        return Err(not_a_jwt());
    }
    Ok(JwtParts {
        header,
        payload,
        signing_input,
        signature,
    })
}

/// Decodes one base64url part into a JSON object. serde_json's own message is dropped: it can
/// quote the decoded bytes.
pub(crate) fn decode_json_object(
    encoded: &str,
    part: JwtPart,
) -> Result<Map<String, Value>, ClaimsError> {
    // Tolerate `=` padding, which some encoders add although JWTs omit it.
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|_| ClaimsError::new(ClaimsErrorKind::Base64(part)))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ClaimsError::new(ClaimsErrorKind::NotJsonObject(part))),
    }
}

fn unix_seconds(seconds: u64) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

fn object<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn boolean(map: &Map<String, Value>, key: &str) -> Option<bool> {
    map.get(key).and_then(Value::as_bool)
}

fn strings(map: &Map<String, Value>, key: &str) -> Vec<String> {
    map.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A NumericDate: whole seconds; a fractional or negative value reads as `None`.
fn seconds(map: &Map<String, Value>, key: &str) -> Option<u64> {
    let value = map.get(key)?;
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn token_with(payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(r#"{"alg":"RS512","typ":"JWT","kid":"k1"}"#),
            encode(payload)
        )
    }

    const SALES_CHANNEL: &str = r#"{
        "organization": {"id": "enWoxFMOnp", "slug": "the-blue-brand-3", "enterprise": false, "region": "eu-west-1"},
        "application": {"id": "nGVqaiEYNA", "kind": "sales_channel", "public": true},
        "market": {"id": ["BjxrJhymlM"], "price_list_id": "vLrWQCJBmo", "stock_location_ids": ["xGXBXurDME", "dMqXyuVVkN"],
                   "geocoder_id": null, "allows_external_prices": false},
        "scope": "market:id:BjxrJhymlM",
        "exp": 1710957630, "test": true, "rand": 0.34788204415424695, "iat": 1710943230,
        "iss": "https://auth.commercelayer.io"
    }"#;

    const INTEGRATION: &str = r#"{
        "organization": {"id": "enWoxFMOnp", "slug": "the-blue-brand-3", "enterprise": true, "region": "us-east-1"},
        "application": {"id": "dMnWmigapb", "kind": "integration", "public": false,
                        "client_id": "BISG8bb3GWpC8_D7Nt1SuWWdieS5bJq831A50LgB_Ig", "confidential": true},
        "scope": "market:all",
        "exp": 1710950430, "test": false, "rand": 0.21467933304457676, "iat": 1710943230,
        "iss": "https://auth.commercelayer.co"
    }"#;

    // An old-format token: no `iss`, legacy scope form, an owner, no client id.
    const OLD_CUSTOMER: &str = r#"{
        "organization": {"id": "enWoxFMOnp", "slug": "the-blue-brand-3", "enterprise": false, "region": "eu-west-1"},
        "application": {"id": "nGVqaiEYNA", "kind": "sales_channel", "public": true},
        "owner": {"id": "gOqzZhZrmQ", "type": "Customer"},
        "scope": "market:58",
        "exp": 1710957630, "test": true, "iat": 1710943230
    }"#;

    #[test]
    fn sales_channel_claims() {
        let claims = decode_claims(&token_with(SALES_CHANNEL)).unwrap();
        let org = claims.organization.as_ref().unwrap();
        assert_eq!(org.id.as_deref(), Some("enWoxFMOnp"));
        assert_eq!(org.slug.as_deref(), Some("the-blue-brand-3"));
        assert_eq!(org.enterprise, Some(false));
        assert_eq!(org.region.as_deref(), Some("eu-west-1"));
        let app = claims.application.as_ref().unwrap();
        assert_eq!(app.kind, Some(ApplicationKind::SalesChannel));
        assert_eq!(app.public, Some(true));
        assert_eq!(app.client_id, None);
        let market = claims.market.as_ref().unwrap();
        assert_eq!(market.ids, ["BjxrJhymlM"]);
        assert_eq!(market.stock_location_ids, ["xGXBXurDME", "dMqXyuVVkN"]);
        assert_eq!(market.geocoder_id, None);
        assert_eq!(market.price_list_id.as_deref(), Some("vLrWQCJBmo"));
        assert_eq!(market.allows_external_prices, Some(false));
        assert_eq!(claims.scope.as_deref(), Some("market:id:BjxrJhymlM"));
        assert_eq!(
            claims
                .scope_set
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("market:id:BjxrJhymlM")
        );
        assert_eq!(claims.exp, Some(1_710_957_630));
        assert_eq!(claims.iat, Some(1_710_943_230));
        assert_eq!(claims.test, Some(true));
        assert_eq!(claims.rand, Some(0.34788204415424695));
        assert_eq!(claims.owner, None);
        assert_eq!(
            claims.core_api_base_url().unwrap(),
            "https://the-blue-brand-3.commercelayer.io"
        );
    }

    #[test]
    fn integration_claims() {
        let claims = decode_claims(&token_with(INTEGRATION)).unwrap();
        let app = claims.application.as_ref().unwrap();
        assert_eq!(app.kind, Some(ApplicationKind::Integration));
        assert_eq!(app.public, Some(false));
        assert_eq!(app.confidential, Some(true));
        assert_eq!(
            app.client_id.as_deref(),
            Some("BISG8bb3GWpC8_D7Nt1SuWWdieS5bJq831A50LgB_Ig")
        );
        assert_eq!(claims.market, None);
        assert_eq!(claims.test, Some(false));
        assert_eq!(claims.organization.as_ref().unwrap().enterprise, Some(true));
        assert_eq!(
            claims
                .scope_set
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("market:all")
        );
    }

    #[test]
    fn old_format_claims_are_none_not_errors() {
        let claims = decode_claims(&token_with(OLD_CUSTOMER)).unwrap();
        assert_eq!(claims.iss, None);
        assert_eq!(claims.rand, None);
        assert_eq!(claims.scope.as_deref(), Some("market:58"));
        assert_eq!(claims.scope_set, None, "the retired form does not parse");
        let owner = claims.owner.as_ref().unwrap();
        assert_eq!(owner.id.as_deref(), Some("gOqzZhZrmQ"));
        assert_eq!(owner.owner_type.as_deref(), Some("Customer"));
    }

    #[test]
    fn empty_payload_and_odd_types_read_as_none() {
        assert_eq!(decode_claims(&token_with("{}")).unwrap(), Claims::default());
        let odd = r#"{"exp": "soon", "test": "yes", "organization": [], "application": {"kind": 7},
                      "market": {"id": "one"}, "iat": 1.5}"#;
        let claims = decode_claims(&token_with(odd)).unwrap();
        assert_eq!(claims.exp, None);
        assert_eq!(claims.iat, None);
        assert_eq!(claims.test, None);
        assert_eq!(claims.organization, None);
        assert_eq!(claims.application.unwrap().kind, None);
        assert!(claims.market.unwrap().ids.is_empty());
    }

    #[test]
    fn user_and_dashboard_and_unknown_kinds() {
        let dashboard = r#"{"user": {"id": "gblowSyVeq"}, "application": {"id": "nGVqailVyN", "kind": "dashboard", "public": false},
                            "scope": "provisioning-api metrics-api", "iss": "https://commercelayer.io"}"#;
        let claims = decode_claims(&token_with(dashboard)).unwrap();
        assert_eq!(
            claims.application.as_ref().unwrap().kind,
            Some(ApplicationKind::Dashboard)
        );
        let err = claims.core_api_base_url().unwrap_err();
        assert_eq!(err.kind(), ClaimsErrorKind::NoOrganization);
        assert_eq!(claims.user.unwrap().id.as_deref(), Some("gblowSyVeq"));
        assert_eq!(claims.scope_set.unwrap().len(), 2);

        for (text, kind) in [
            ("webapp", ApplicationKind::Webapp),
            ("user", ApplicationKind::User),
            ("kiosk", ApplicationKind::Other("kiosk".into())),
        ] {
            let payload = format!(r#"{{"application": {{"kind": "{text}"}}}}"#);
            let claims = decode_claims(&token_with(&payload)).unwrap();
            assert_eq!(claims.application.unwrap().kind, Some(kind));
        }
    }

    #[test]
    fn malformed_tokens_are_clear_errors_without_the_token() {
        let cases: [(String, ClaimsErrorKind); 8] = [
            ("".into(), ClaimsErrorKind::NotAJwt),
            ("secret-token-text".into(), ClaimsErrorKind::NotAJwt),
            ("a.b".into(), ClaimsErrorKind::NotAJwt),
            ("a.b.c.d".into(), ClaimsErrorKind::NotAJwt),
            (".payload.sig".into(), ClaimsErrorKind::NotAJwt),
            (
                format!("{}.secret!text.sig", encode("{}")),
                ClaimsErrorKind::Base64(JwtPart::Payload),
            ),
            (
                format!("{}.{}.sig", encode("{}"), encode("[1,2]")),
                ClaimsErrorKind::NotJsonObject(JwtPart::Payload),
            ),
            (
                format!("{}.{}.sig", encode("{}"), encode(r#"{"secret": "#)),
                ClaimsErrorKind::NotJsonObject(JwtPart::Payload),
            ),
        ];
        for (token, kind) in cases {
            let err = decode_claims(&token).unwrap_err();
            assert_eq!(err.kind(), kind, "{token}");
            let text = format!("{err} {err:?}");
            assert!(!text.contains("secret"), "{text}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn padded_base64_is_tolerated() {
        let padded = format!(
            "{}.{}.sig",
            encode("{}"),
            base64::engine::general_purpose::URL_SAFE.encode(r#"{"test":true}"#)
        );
        assert!(padded.contains('='));
        assert_eq!(decode_claims(&padded).unwrap().test, Some(true));
    }

    #[test]
    fn expiry_helpers() {
        let claims = decode_claims(&token_with(SALES_CHANNEL)).unwrap();
        let exp = SystemTime::UNIX_EPOCH + Duration::from_secs(1_710_957_630);
        assert_eq!(claims.expires_at(), Some(exp));
        assert_eq!(
            claims.is_expired_at(exp - Duration::from_secs(1)),
            Some(false)
        );
        assert_eq!(claims.is_expired_at(exp), Some(true));
        assert_eq!(
            claims.issued_at(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_710_943_230))
        );
    }
}
