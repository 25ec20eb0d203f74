//! Access tokens as Commerce Layer issues them: JWTs signed with RS512, with realistic claims
//! for each kind of application, and the key set (JWKS) that checks them.
//!
//! The stand-in signs every token it issues with its current [`SigningKey`] and publishes its
//! keys at `GET /.well-known/jwks.json`. Tests get the key to sign tokens of their own (expired,
//! of another kind, with a foreign `kid`) with [`AuthServer::signing_key`], and rotate it with
//! [`AuthServer::rotate_signing_key`].
//!
//! Signing uses aws-lc-rs directly, not the `jsonwebtoken` crate that `scope-core` verifies
//! with, so a test of verification does not check a library against itself.
//!
//! ```
//! use scope_tests::jwt::{SigningKey, access_token_claims};
//!
//! let key = SigningKey::generate();
//! let claims = access_token_claims("integration", "my-app", "market:all", "http://127.0.0.1:1", 1_700_000_000, 7200);
//! let token = key.sign(&claims);
//! assert_eq!(token.split('.').count(), 3);
//! let jwks = scope_tests::jwt::jwks(&[key.clone()]);
//! assert_eq!(jwks["keys"][0]["kid"], key.kid());
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA512};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scope_core::{Resource, ScopeSet, Selector};
use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::server::AuthServer;
use crate::state::State;

/// The organization every stand-in token belongs to.
pub const ORGANIZATION_SLUG: &str = "the-stand-in";
/// The id of the stand-in's organization.
pub const ORGANIZATION_ID: &str = "OrgStandIn";

/// How every token the stand-in issues begins: `{"alg":"RS512",` in base64url. Tests look for
/// it to check that no token leaks into a message.
///
/// ```
/// let token = scope_tests::jwt::SigningKey::shared().sign(&serde_json::json!({}));
/// assert!(token.starts_with(scope_tests::jwt::TOKEN_PREFIX));
/// ```
pub const TOKEN_PREFIX: &str = "eyJhbGciOiJSUzUxMiIs";

/// An RSA-2048 key pair that signs tokens with RS512, named by a `kid`.
///
/// Cheap to clone: clones share the key.
///
/// ```
/// let key = scope_tests::jwt::SigningKey::generate();
/// assert_eq!(key.kid().len(), 64);
/// assert_eq!(key.jwk()["alg"], "RS512");
/// ```
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    pair: Arc<KeyPair>,
}

impl SigningKey {
    /// A new key pair; its `kid` is the SHA-256 of its public key in hex, as Commerce Layer's
    /// `kid`s look.
    ///
    /// ```
    /// let (a, b) = (scope_tests::jwt::SigningKey::generate(), scope_tests::jwt::SigningKey::generate());
    /// assert_ne!(a.kid(), b.kid());
    /// ```
    pub fn generate() -> SigningKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("generate an RSA-2048 key pair");
        let kid = hex(digest(&SHA256, pair.public_key().as_ref()).as_ref());
        SigningKey {
            kid,
            pair: Arc::new(pair),
        }
    }

    /// The key every stand-in starts with: made once per process, so starting many
    /// stand-ins costs one key generation.
    ///
    /// ```
    /// use scope_tests::jwt::SigningKey;
    /// assert_eq!(SigningKey::shared().kid(), SigningKey::shared().kid());
    /// ```
    pub fn shared() -> SigningKey {
        static SHARED: OnceLock<SigningKey> = OnceLock::new();
        SHARED.get_or_init(SigningKey::generate).clone()
    }

    /// The same key under another `kid`: its tokens verify with this key, but a verifier finds
    /// no key of that name.
    ///
    /// ```
    /// let key = scope_tests::jwt::SigningKey::generate().with_kid("elsewhere");
    /// assert_eq!(key.kid(), "elsewhere");
    /// ```
    pub fn with_kid(&self, kid: impl Into<String>) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            pair: Arc::clone(&self.pair),
        }
    }

    /// The key's name.
    ///
    /// ```
    /// assert!(!scope_tests::jwt::SigningKey::shared().kid().is_empty());
    /// ```
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, as it appears in the key set.
    ///
    /// ```
    /// let jwk = scope_tests::jwt::SigningKey::shared().jwk();
    /// assert_eq!(jwk["kty"], "RSA");
    /// assert_eq!(jwk["e"], "AQAB");
    /// ```
    pub fn jwk(&self) -> Value {
        let components = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS512",
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "e": URL_SAFE_NO_PAD.encode(&components.e),
        })
    }

    /// A JWT of `claims` with the header Commerce Layer sends:
    /// `{"alg":"RS512","typ":"JWT","kid":…}`.
    ///
    /// ```
    /// let token = scope_tests::jwt::SigningKey::shared().sign(&serde_json::json!({"test": true}));
    /// assert!(token.starts_with("eyJ"));
    /// ```
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS512", "typ": "JWT", "kid": self.kid});
        self.sign_with_header(&header, claims)
    }

    /// A JWT with any header, signed with RS512 whatever the header says: for tokens that lie
    /// about their algorithm or key.
    ///
    /// ```
    /// use serde_json::json;
    /// let key = scope_tests::jwt::SigningKey::shared();
    /// let token = key.sign_with_header(&json!({"alg": "HS512", "kid": key.kid()}), &json!({}));
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!("{}.{}", encode_segment(header), encode_segment(claims));
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA512,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("sign with RS512");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A JWKS document publishing `keys`.
///
/// ```
/// let doc = scope_tests::jwt::jwks(&[scope_tests::jwt::SigningKey::shared()]);
/// assert_eq!(doc["keys"].as_array().unwrap().len(), 1);
/// ```
pub fn jwks(keys: &[SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(SigningKey::jwk).collect::<Vec<_>>() })
}

/// One base64url part of a JWT, as JWTs encode them (no padding).
///
/// ```
/// assert_eq!(scope_tests::jwt::encode_segment(&serde_json::json!({})), "e30");
/// ```
pub fn encode_segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// An unsecured JWT (`alg: none`, empty signature): what a forger sends first.
///
/// ```
/// let token = scope_tests::jwt::unsigned_token(&serde_json::json!({"test": false}));
/// assert!(token.ends_with('.'));
/// ```
pub fn unsigned_token(claims: &Value) -> String {
    format!(
        "{}.{}.",
        encode_segment(&json!({"alg": "none", "typ": "JWT"})),
        encode_segment(claims)
    )
}

/// The claims Commerce Layer puts in an access token for an application of `kind`
/// (`sales_channel`, `integration`, `webapp`, `user`, `dashboard`, or any other text).
///
/// - Organization kinds (all but `user` and `dashboard`) get the stand-in's `organization`,
///   and a `market` claim when `scope` names markets or stock locations.
/// - `sales_channel` is public; `integration` and `webapp` are confidential; `webapp` acts for
///   an `owner` of type `User`.
/// - `user` and `dashboard` get a `user` claim and no organization.
///
/// `issuer` becomes `iss`; `iat` is `issued_at` and `exp` is `issued_at + expires_in`.
///
/// ```
/// let claims = scope_tests::jwt::access_token_claims(
///     "sales_channel", "storefront", "market:id:xYZkjABcde", "http://127.0.0.1:1", 1_700_000_000, 14_400);
/// assert_eq!(claims["application"]["public"], true);
/// assert_eq!(claims["market"]["id"][0], "xYZkjABcde");
/// assert_eq!(claims["exp"], 1_700_014_400);
/// ```
pub fn access_token_claims(
    kind: &str,
    client_id: &str,
    scope: &str,
    issuer: &str,
    issued_at: i64,
    expires_in: u64,
) -> Value {
    let mut application = Map::new();
    application.insert("id".into(), json!(pseudo_id("app", client_id)));
    application.insert("kind".into(), json!(kind));
    application.insert("public".into(), json!(kind == "sales_channel"));
    application.insert("client_id".into(), json!(client_id));
    if matches!(kind, "integration" | "webapp") {
        application.insert("confidential".into(), json!(true));
    }

    let mut claims = Map::new();
    if matches!(kind, "user" | "dashboard") {
        claims.insert("user".into(), json!({"id": pseudo_id("user", client_id)}));
    } else {
        claims.insert(
            "organization".into(),
            json!({"id": ORGANIZATION_ID, "slug": ORGANIZATION_SLUG, "enterprise": false, "region": "eu-west-1"}),
        );
    }
    claims.insert("application".into(), Value::Object(application));
    if let Some(market) = market_claim(scope) {
        claims.insert("market".into(), market);
    }
    if kind == "webapp" {
        claims.insert(
            "owner".into(),
            json!({"id": pseudo_id("owner", client_id), "type": "User"}),
        );
    }
    claims.insert("scope".into(), json!(scope));
    claims.insert(
        "exp".into(),
        json!(issued_at.saturating_add_unsigned(expires_in)),
    );
    claims.insert("test".into(), json!(true));
    claims.insert("rand".into(), json!(random_fraction()));
    claims.insert("iat".into(), json!(issued_at));
    claims.insert("iss".into(), json!(issuer));
    Value::Object(claims)
}

/// What a scope resolves to: market ids (a code or a store stands for a market whose id the
/// stand-in derives from it) and stock location ids. `None` when the scope names neither, as
/// for `market:all`, which carries no `market` claim.
fn market_claim(scope: &str) -> Option<Value> {
    let scopes: ScopeSet = scope.parse().ok()?;
    let mut markets = Vec::new();
    let mut stock_locations = Vec::new();
    for item in scopes.iter() {
        let Some(value) = item.value() else { continue };
        let id = match item.selector() {
            Some(Selector::Id) => value.to_owned(),
            _ => pseudo_id(item.resource().keyword(), value),
        };
        match item.resource() {
            Resource::Market | Resource::Store => markets.push(id),
            Resource::StockLocation => stock_locations.push(id),
            _ => {}
        }
    }
    if markets.is_empty() && stock_locations.is_empty() {
        return None;
    }
    Some(json!({
        "id": markets,
        "price_list_id": pseudo_id("price_list", scope),
        "stock_location_ids": stock_locations,
        "geocoder_id": null,
        "allows_external_prices": false,
    }))
}

/// A stable 10-character id, like Commerce Layer's, for a name the stand-in has no record of.
fn pseudo_id(namespace: &str, name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let hash = digest(&SHA256, format!("{namespace}:{name}").as_bytes());
    hash.as_ref()[..10]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The `rand` claim: a number in [0, 1).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("read random bytes");
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// 24 random hex digits: the unguessable part of refresh tokens and codes.
pub(crate) fn random_text() -> String {
    let mut bytes = [0u8; 12];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("read random bytes");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stand-in's keys: the newest signs, all are published.
pub(crate) struct KeyRing {
    keys: Mutex<Vec<SigningKey>>,
}

impl KeyRing {
    pub(crate) fn new() -> KeyRing {
        KeyRing {
            keys: Mutex::new(vec![SigningKey::shared()]),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, Vec<SigningKey>> {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn current(&self) -> SigningKey {
        self.keys()
            .last()
            .cloned()
            .unwrap_or_else(SigningKey::shared)
    }

    pub(crate) fn rotate(&self) -> SigningKey {
        let key = SigningKey::generate();
        self.keys().push(key.clone());
        key
    }

    pub(crate) fn jwks(&self) -> Value {
        jwks(&self.keys())
    }
}

impl AuthServer {
    /// The key the stand-in signs tokens with now, to sign tokens of your own that its key set
    /// verifies.
    ///
    /// Every stand-in of a process starts with the same key ([`SigningKey::shared`]: one key
    /// generation, not one per server); [`AuthServer::rotate_signing_key`] gives a stand-in a
    /// key of its own.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// let token = server.signing_key().sign(&serde_json::json!({"test": true}));
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn signing_key(&self) -> SigningKey {
        self.state.keys.current()
    }

    /// Makes a new signing key: tokens issued from now on name its `kid`, and the key set
    /// publishes it beside the older keys, as after a key rotation.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// let before = server.signing_key();
    /// let after = server.rotate_signing_key();
    /// assert_ne!(before.kid(), after.kid());
    /// assert_eq!(server.signing_key().kid(), after.kid());
    /// ```
    pub fn rotate_signing_key(&self) -> SigningKey {
        self.state.keys.rotate()
    }

    /// The key set the stand-in serves at `GET /.well-known/jwks.json`.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert_eq!(server.jwks()["keys"][0]["kid"], server.signing_key().kid());
    /// ```
    pub fn jwks(&self) -> Value {
        self.state.keys.jwks()
    }

    /// The URL of the stand-in's key set.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert!(server.jwks_url().ends_with("/.well-known/jwks.json"));
    /// ```
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.state.base_url)
    }
}

/// `GET /.well-known/jwks.json`.
pub(crate) fn jwks_answer(state: &State) -> Answer {
    crate::answer::json(200, &state.keys.jwks())
}

/// Where the stand-in serves its key set, for counting requests to it.
///
/// ```
/// let server = scope_tests::AuthServer::start();
/// assert_eq!(server.requests_to(scope_tests::jwt::JWKS_PATH), 0);
/// ```
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_of_each_kind_look_like_commerce_layers() {
        let issuer = "http://127.0.0.1:1";
        let sales = access_token_claims(
            "sales_channel",
            "sc",
            "market:code:europe stock_location:id:AbCdEfGhIj",
            issuer,
            100,
            14_400,
        );
        assert_eq!(sales["organization"]["slug"], ORGANIZATION_SLUG);
        assert_eq!(sales["application"]["kind"], "sales_channel");
        assert_eq!(sales["market"]["stock_location_ids"][0], "AbCdEfGhIj");
        assert_eq!(sales["market"]["id"].as_array().unwrap().len(), 1);
        assert_eq!(sales["exp"], 14_500);
        assert!(sales.get("owner").is_none());

        let integration = access_token_claims("integration", "in", "market:all", issuer, 100, 7200);
        assert_eq!(integration["application"]["confidential"], true);
        assert!(integration.get("market").is_none());

        let webapp = access_token_claims("webapp", "wa", "market:id:AbCdEfGhIj", issuer, 100, 7200);
        assert_eq!(webapp["owner"]["type"], "User");

        let dashboard =
            access_token_claims("dashboard", "db", "provisioning-api", issuer, 100, 7200);
        assert!(dashboard.get("organization").is_none());
        assert!(dashboard["user"]["id"].is_string());
        let rand = dashboard["rand"].as_f64().unwrap();
        assert!((0.0..1.0).contains(&rand));
    }

    #[test]
    fn pseudo_ids_are_stable_and_commerce_layer_shaped() {
        let id = pseudo_id("market", "europe");
        assert_eq!(id, pseudo_id("market", "europe"));
        assert_ne!(id, pseudo_id("market", "usa"));
        assert_eq!(id.len(), 10);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
