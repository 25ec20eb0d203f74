//! Checking an access token's signature against the auth server's published keys
//! (feature `verify`).
//!
//! Commerce Layer signs access tokens with RS512 (RSASSA-PKCS1-v1_5 with SHA-512) and
//! publishes the public keys as a JSON Web Key Set at `{issuer}/.well-known/jwks.json`, each
//! key named by a `kid` that the token's header repeats. A [`Verifier`] fetches that set once,
//! keeps the keys by `kid`, and fetches it again only when a token names a `kid` it has not
//! seen (a key rotation): concurrent callers share that one fetch, and a `kid` still unknown
//! after it does not trigger another fetch before [`VerifierBuilder::refetch_cooldown`] has
//! passed, so a flood of forged tokens cannot turn into a flood of requests. A failed fetch is
//! shared the same way: the callers that waited for it, and those of the next
//! [`FAILURE_BACKOFF`], get its error without a new request.
//!
//! The keys come from the auth server the [`AuthClient`] is configured for, never from the
//! token's own `iss` claim: a forged token could otherwise name a key set its forger controls.
//!
//! # Why `jsonwebtoken` with the `aws_lc_rs` backend
//!
//! [`jsonwebtoken`] is the most used and actively maintained JWT crate in Rust, and it parses
//! JWKs into RSA keys. Since version 10 it asks for a crypto backend: `rust_crypto` (the pure
//! Rust `rsa` crate and friends) or `aws_lc_rs`. This crate picks `aws_lc_rs` because the
//! `auth` feature's reqwest already links aws-lc-rs for rustls: verification then adds no second
//! RSA implementation, no new native build and only jsonwebtoken itself to the dependency tree
//! (`rust_crypto` would add `rsa`, `sha2`, `p256`, `p384`, `ed25519-dalek` and `hmac`, none of
//! which this crate needs otherwise; the `rsa` crate also carries a timing advisory,
//! RUSTSEC-2023-0071, that concerns private-key operations rather than verification). The
//! backend is called explicitly rather than through jsonwebtoken's process-wide default, so a
//! program whose other dependencies enable both backends still works.
//!
//! The header is read by this module, not by jsonwebtoken: a token whose `alg` is `none`,
//! `HS512` or anything but `RS512` is refused with [`VerifyError::Algorithm`] before any key is
//! looked up.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use secrecy::ExposeSecret as _;
use serde_json::Value;

use super::claims::{
    Claims, ClaimsError, JwtPart, claims_from_payload, decode_json_object, split_jwt,
};
use super::config::Config;
use super::request::send_error;
use super::response::{BoundedChunks, Head, failure};
use super::{AuthClient, AuthError, Token};

/// The only algorithm Commerce Layer signs access tokens with.
const ALGORITHM: &str = "RS512";

/// Where an issuer publishes its keys, after its base URL.
pub(crate) const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The least body size read for a key set, whatever the client's limit for token responses.
const MIN_KEY_SET_BYTES: usize = 256 * 1024;

/// How long after a failed fetch of the key set callers get the same error instead of a new
/// request (unless the refetch cooldown is shorter).
///
/// ```
/// assert_eq!(scope_core::auth::FAILURE_BACKOFF.as_secs(), 2);
/// ```
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(2);

/// How long a `kid` still unknown after a fetch waits before it may cause another fetch,
/// unless the builder says otherwise.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_REFETCH_COOLDOWN.as_secs(), 30);
/// ```
pub const DEFAULT_REFETCH_COOLDOWN: Duration = Duration::from_secs(30);

/// Checks access tokens' RS512 signatures with the keys of one auth server, cached by `kid`.
///
/// Cheap to clone: clones share the key cache. Build one per auth server and keep it. The
/// blocking flavour is `BlockingVerifier` (features `verify` and `blocking`).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use scope_core::auth::{AuthClient, VerifyError};
///
/// let verifier = AuthClient::new().verifier();
/// # let token_text = String::new();
/// match verifier.verify(&token_text).await {
///     Ok(claims) => println!("a genuine token of {:?}", claims.organization),
///     Err(VerifyError::Expired { .. }) => println!("genuine, but expired"),
///     Err(err) => println!("not a token to trust: {err}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    client: AuthClient,
    shared: Arc<Shared<tokio::sync::Mutex<FetchState>>>,
}

/// What a verifier of either flavour holds: the checks and the key cache, and the lock that
/// the one fetching caller holds (tokio's or std's).
pub(crate) struct Shared<L> {
    pub(crate) core: Core,
    pub(crate) fetch: L,
}

/// Everything about verification but the HTTP request: shared by both flavours.
pub(crate) struct Core {
    jwks_url: String,
    options: Options,
    /// The keys known now; replaced whole by each successful fetch.
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    /// Counts fetch attempts, so a caller that waited for someone else's fetch can tell.
    attempts: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    ignore_expiry: bool,
    leeway: Duration,
    refetch_cooldown: Duration,
}

/// The outcome of the last fetch, kept under the fetch lock.
#[derive(Default)]
pub(crate) struct FetchState {
    last: Option<LastFetch>,
}

struct LastFetch {
    at: Instant,
    /// Shared with the callers that come before the next attempt.
    failure: Option<VerifyError>,
}

/// A token whose form passed the checks, waiting for its key.
pub(crate) struct Checked<'a> {
    pub(crate) kid: String,
    signing_input: &'a str,
    signature: Vec<u8>,
    claims: Claims,
}

impl Core {
    fn new(base_url: &str, options: Options) -> Core {
        Core {
            jwks_url: format!("{base_url}{JWKS_PATH}"),
            options,
            keys: RwLock::default(),
            attempts: AtomicU64::new(0),
        }
    }

    pub(crate) fn jwks_url(&self) -> &str {
        &self.jwks_url
    }

    /// Every check that needs no key: the JWT's form, `alg: RS512` and a `kid`. A wrong
    /// algorithm is refused here, before any key is looked up.
    pub(crate) fn check_form<'a>(&self, token: &'a str) -> Result<Checked<'a>, VerifyError> {
        let parts = split_jwt(token)?;
        let header = decode_json_object(parts.header, JwtPart::Header)?;
        let claims = claims_from_payload(parts.payload)?;
        match header.get("alg").and_then(Value::as_str) {
            Some(ALGORITHM) => {}
            found => {
                return Err(VerifyError::Algorithm {
                    found: found.map(printable),
                });
            }
        }
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .ok_or(VerifyError::MissingKeyId)?
            .to_owned();
        let signature = URL_SAFE_NO_PAD
            .decode(parts.signature)
            .map_err(|_| VerifyError::BadSignature)?;
        Ok(Checked {
            kid,
            signing_input: parts.signing_input,
            signature,
            claims,
        })
    }

    /// The signature under `key`, then the expiry.
    pub(crate) fn check_signature_and_expiry(
        &self,
        checked: Checked<'_>,
        key: &DecodingKey,
    ) -> Result<Claims, VerifyError> {
        // The aws-lc backend is named here, not found through jsonwebtoken's process-wide
        // default, which panics when a build enables both backends.
        let verifier = (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(
            &Algorithm::RS512,
            key,
        )
        .map_err(|_| VerifyError::BadSignature)?;
        verifier
            .verify(checked.signing_input.as_bytes(), &checked.signature)
            .map_err(|_| VerifyError::BadSignature)?;

        if !self.options.ignore_expiry {
            let exp = checked
                .claims
                .expires_at()
                .ok_or(VerifyError::MissingExpiry)?;
            let deadline = exp.checked_add(self.options.leeway).unwrap_or(exp);
            if SystemTime::now() >= deadline {
                return Err(VerifyError::Expired { expired_at: exp });
            }
        }
        Ok(checked.claims)
    }

    pub(crate) fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.keys().get(kid).cloned()
    }

    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Acquire)
    }

    /// Called with the fetch lock held: the answer without a fetch, or `None` when this
    /// caller must fetch. `attempts_seen` is [`Core::attempts`] from before the lock.
    pub(crate) fn before_fetch(
        &self,
        state: &FetchState,
        kid: &str,
        attempts_seen: u64,
    ) -> Option<Result<Arc<DecodingKey>, VerifyError>> {
        if let Some(key) = self.cached(kid) {
            return Some(Ok(key));
        }
        let last = state.last.as_ref()?;
        let refuse = || {
            Err(last
                .failure
                .clone()
                .unwrap_or_else(|| VerifyError::unknown_key(kid)))
        };
        if self.attempts() != attempts_seen {
            // Someone fetched while this caller waited: their outcome is this caller's too.
            return Some(refuse());
        }
        let wait = match last.failure {
            Some(_) => self.options.refetch_cooldown.min(FAILURE_BACKOFF),
            None => self.options.refetch_cooldown,
        };
        (super::now().saturating_duration_since(last.at) < wait).then(refuse)
    }

    /// Called with the fetch lock held, with what the fetch brought.
    pub(crate) fn after_fetch(
        &self,
        state: &mut FetchState,
        kid: &str,
        fetched: Result<Vec<u8>, AuthError>,
    ) -> Result<Arc<DecodingKey>, VerifyError> {
        let parsed = fetched
            .map_err(|err| VerifyError::KeysUnavailable(Arc::new(err)))
            .and_then(|body| parse_key_set(&body));
        let outcome = match parsed {
            Ok(keys) => {
                let key = keys.get(kid).cloned();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
                state.last = Some(LastFetch {
                    at: super::now(),
                    failure: None,
                });
                key.ok_or_else(|| VerifyError::unknown_key(kid))
            }
            Err(err) => {
                state.last = Some(LastFetch {
                    at: super::now(),
                    failure: Some(err.clone()),
                });
                Err(err)
            }
        };
        self.attempts.fetch_add(1, Ordering::Release);
        outcome
    }

    /// The known keys, read-locked: held only for a lookup.
    fn keys(&self) -> RwLockReadGuard<'_, HashMap<String, Arc<DecodingKey>>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut known: Vec<String> = self.keys().keys().cloned().collect();
        known.sort_unstable();
        f.debug_struct(name)
            .field("jwks_url", &self.jwks_url)
            .field("ignore_expiry", &self.options.ignore_expiry)
            .field("leeway", &self.options.leeway)
            .field("refetch_cooldown", &self.options.refetch_cooldown)
            .field("known_kids", &known)
            .finish()
    }
}

impl<L: Default> Shared<L> {
    pub(crate) fn new(base_url: &str, options: Options) -> Arc<Shared<L>> {
        Arc::new(Shared {
            core: Core::new(base_url, options),
            fetch: L::default(),
        })
    }
}

/// Options of a [`Verifier`] (or, with feature `blocking`, of a `BlockingVerifier`: `C` is
/// the client the verifier fetches keys with).
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::{AuthClient, Verifier};
///
/// let verifier = Verifier::builder(&AuthClient::new())
///     .leeway(Duration::from_secs(30))
///     .refetch_cooldown(Duration::from_secs(60))
///     .build();
/// assert_eq!(verifier.jwks_url(), "https://auth.commercelayer.io/.well-known/jwks.json");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct VerifierBuilder<C = AuthClient> {
    pub(crate) client: C,
    pub(crate) options: Options,
}

impl<C> VerifierBuilder<C> {
    pub(crate) fn with_client(client: C) -> Self {
        VerifierBuilder {
            client,
            options: Options {
                ignore_expiry: false,
                leeway: Duration::ZERO,
                refetch_cooldown: DEFAULT_REFETCH_COOLDOWN,
            },
        }
    }

    /// Accept expired tokens (their signature is still checked). Off by default.
    ///
    /// ```
    /// let verifier = scope_core::auth::AuthClient::new().verifier_builder().ignore_expiry(true).build();
    /// # let _ = verifier;
    /// ```
    pub fn ignore_expiry(mut self, ignore: bool) -> Self {
        self.options.ignore_expiry = ignore;
        self
    }

    /// How long after `exp` a token is still accepted, for clocks that disagree. Zero by default.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let verifier = scope_core::auth::AuthClient::new().verifier_builder().leeway(Duration::from_secs(5)).build();
    /// # let _ = verifier;
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.options.leeway = leeway;
        self
    }

    /// The least time between two fetches caused by unknown `kid`s
    /// ([`DEFAULT_REFETCH_COOLDOWN`] by default). The first fetch is never delayed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let verifier = scope_core::auth::AuthClient::new()
    ///     .verifier_builder()
    ///     .refetch_cooldown(Duration::ZERO)
    ///     .build();
    /// # let _ = verifier;
    /// ```
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.options.refetch_cooldown = cooldown;
        self
    }
}

impl VerifierBuilder<AuthClient> {
    /// The verifier. No request is made until the first token is verified.
    ///
    /// ```
    /// let verifier = scope_core::auth::AuthClient::new().verifier_builder().build();
    /// # let _ = verifier;
    /// ```
    pub fn build(self) -> Verifier {
        Verifier {
            shared: Shared::new(self.client.base_url(), self.options),
            client: self.client,
        }
    }
}

impl AuthClient {
    /// A [`Verifier`] with default options for tokens of this client's auth server, fetching
    /// keys through this client's HTTP connection pool, timeouts and safety rules.
    ///
    /// ```
    /// let verifier = scope_core::auth::AuthClient::builder()
    ///     .domain("commercelayer.co")
    ///     .build()?
    ///     .verifier();
    /// assert_eq!(verifier.jwks_url(), "https://auth.commercelayer.co/.well-known/jwks.json");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn verifier(&self) -> Verifier {
        self.verifier_builder().build()
    }

    /// A [`VerifierBuilder`] for tokens of this client's auth server.
    ///
    /// ```
    /// let verifier = scope_core::auth::AuthClient::new().verifier_builder().ignore_expiry(true).build();
    /// # let _ = verifier;
    /// ```
    pub fn verifier_builder(&self) -> VerifierBuilder {
        Verifier::builder(self)
    }
}

impl Verifier {
    /// A builder for a verifier of tokens issued by `client`'s auth server.
    ///
    /// ```
    /// let client = scope_core::auth::AuthClient::new();
    /// let verifier = scope_core::auth::Verifier::builder(&client).build();
    /// # let _ = verifier;
    /// ```
    pub fn builder(client: &AuthClient) -> VerifierBuilder {
        VerifierBuilder::with_client(client.clone())
    }

    /// Where the keys are fetched from: `{base URL}/.well-known/jwks.json`.
    ///
    /// ```
    /// let verifier = scope_core::auth::AuthClient::new().verifier();
    /// assert!(verifier.jwks_url().ends_with("/.well-known/jwks.json"));
    /// ```
    pub fn jwks_url(&self) -> &str {
        self.shared.core.jwks_url()
    }

    /// Checks `token`'s signature and expiry, and returns its claims.
    ///
    /// Checks, in order: the token is a JWT; its header says `alg: RS512` and names a `kid`;
    /// the key of that `kid` (fetched if unknown); the signature over header and payload; and,
    /// unless expiry is ignored, that `exp` is present and not past.
    ///
    /// ```no_run
    /// # async fn run(token_text: &str) -> Result<(), scope_core::auth::VerifyError> {
    /// let verifier = scope_core::auth::AuthClient::new().verifier();
    /// let claims = verifier.verify(token_text).await?;
    /// println!("{:?}", claims.application);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] saying which check failed. None of them repeats the token's text.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let core = &self.shared.core;
        let checked = core.check_form(token)?;
        let key = self.key(&checked.kid).await?;
        core.check_signature_and_expiry(checked, &key)
    }

    /// Checks a [`Token`] this program holds: see [`Verifier::verify`].
    ///
    /// ```no_run
    /// # async fn run(token: scope_core::auth::Token) -> Result<(), scope_core::auth::VerifyError> {
    /// let claims = scope_core::auth::AuthClient::new().verifier().verify_token(&token).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`].
    pub async fn verify_token(&self, token: &Token) -> Result<Claims, VerifyError> {
        self.verify(token.access_token().expose_secret()).await
    }

    /// The key named `kid`: from the cache, or after one fetch shared by every caller that
    /// waited for it.
    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        let core = &self.shared.core;
        if let Some(key) = core.cached(kid) {
            return Ok(key);
        }
        let attempts_seen = core.attempts();
        let mut state = self.shared.fetch.lock().await;
        if let Some(answer) = core.before_fetch(&state, kid, attempts_seen) {
            return answer;
        }
        let fetched = self.client.get_json_document(core.jwks_url()).await;
        core.after_fetch(&mut state, kid, fetched)
    }
}

impl AuthClient {
    /// GETs a JSON document from the auth server, through this client's pool, timeouts,
    /// redirect refusal and size bound.
    async fn get_json_document(&self, url: &str) -> Result<Vec<u8>, AuthError> {
        let config = &*self.config;
        let limit = key_set_limit(config);
        let url = key_set_url(url)?;
        let mut response = self
            .http
            .get(url.clone())
            .headers(config.headers.clone())
            .timeout(config.timeout)
            .send()
            .await
            .map_err(|err| send_error(err, config))?;
        let head = check_key_set_answer(
            &url,
            response.url(),
            response.status(),
            response.headers(),
            limit,
        )?;
        let mut body = BoundedChunks::new(limit);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| send_error(err, config))?
        {
            body.push(chunk, &head)?;
        }
        Ok(body.bytes().to_vec())
    }
}

/// A key set holds a few keys of about 700 bytes each: allow more than a token response.
pub(crate) fn key_set_limit(config: &Config) -> usize {
    config.max_response_bytes.max(MIN_KEY_SET_BYTES)
}

pub(crate) fn key_set_url(url: &str) -> Result<reqwest::Url, AuthError> {
    reqwest::Url::parse(url)
        .map_err(|err| AuthError::InvalidConfig(format!("the key set URL is not a URL: {err}")))
}

/// Refuses a followed redirect, a redirect answer, an announced oversize body and any
/// non-2xx status, before the body is read; the head of an answer whose body is to be read.
pub(crate) fn check_key_set_answer(
    sent_to: &reqwest::Url,
    answered_from: &reqwest::Url,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    limit: usize,
) -> Result<Head, AuthError> {
    if answered_from != sent_to {
        return Err(AuthError::InvalidConfig(
            "the HTTP client given to the builder followed a redirect while fetching the signing \
             keys: build it with `redirect(reqwest::redirect::Policy::none())`"
                .into(),
        ));
    }
    let head = Head::new(status, headers);
    if let Some(err) = head.early_error(limit) {
        return Err(err);
    }
    if !head.is_success() {
        // The token requests' mapping of a status, `Retry-After` included; an error body is
        // not read.
        return Err(failure(&head, &[], &[]));
    }
    Ok(head)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.core.debug("Verifier", f)
    }
}

/// The RSA signing keys of a JWKS document, by `kid`. Keys of other types or uses are skipped:
/// a key set may publish them beside the RS512 ones.
fn parse_key_set(body: &[u8]) -> Result<HashMap<String, Arc<DecodingKey>>, VerifyError> {
    let invalid = |why: &'static str| VerifyError::InvalidKeySet { reason: why };
    let document: Value =
        serde_json::from_slice(body).map_err(|_| invalid("the document is not JSON"))?;
    let entries = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(invalid("the document has no `keys` array"))?;
    let mut keys = HashMap::with_capacity(entries.len());
    for entry in entries {
        let field = |name: &str| entry.get(name).and_then(Value::as_str);
        let is_rsa = field("kty") == Some("RSA");
        let for_signing = matches!(field("use"), None | Some("sig"));
        let for_rs512 = matches!(field("alg"), None | Some(ALGORITHM));
        if !(is_rsa && for_signing && for_rs512) {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (field("kid"), field("n"), field("e")) else {
            continue;
        };
        if let Ok(key) = DecodingKey::from_rsa_components(n, e) {
            keys.insert(kid.to_owned(), Arc::new(key));
        }
    }
    Ok(keys)
}

/// Header values come from an unverified token: keep them short and printable in messages.
fn printable(text: &str) -> String {
    const LIMIT: usize = 64;
    let mut out: String = text
        .chars()
        .take(LIMIT)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if text.chars().count() > LIMIT {
        out.push('…');
    }
    out
}

/// Why a token was not accepted by [`Verifier::verify`].
///
/// ```
/// use scope_core::auth::VerifyError;
///
/// let err = VerifyError::Algorithm { found: Some("none".into()) };
/// assert!(err.to_string().contains("RS512"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum VerifyError {
    /// The text is not a JWT with a JSON header and payload.
    Malformed(ClaimsError),
    /// The header's `alg` is not `RS512` (`None` when the header has no `alg`). Tokens with
    /// `alg: none` land here.
    Algorithm {
        /// The `alg` the header named, shortened and made printable.
        found: Option<String>,
    },
    /// The header names no `kid`, so no key can be chosen.
    MissingKeyId,
    /// No key of the auth server has this `kid`, even after fetching the key set again.
    UnknownKeyId {
        /// The `kid` the header named, shortened and made printable.
        kid: String,
    },
    /// The signature does not match header and payload under the named key: the token was
    /// altered, or signed by someone else.
    BadSignature,
    /// The signature is genuine but the token expired at `expired_at`.
    Expired {
        /// The token's `exp`.
        expired_at: SystemTime,
    },
    /// The token has no `exp` claim, so it cannot be checked for expiry.
    MissingExpiry,
    /// The key set could not be fetched. Callers in the next
    /// [`FAILURE_BACKOFF`] (or the refetch cooldown, if shorter) get the same error without
    /// a new request.
    KeysUnavailable(Arc<AuthError>),
    /// The key set was fetched but is not a JWKS document.
    InvalidKeySet {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl VerifyError {
    fn unknown_key(kid: &str) -> Self {
        Self::UnknownKeyId {
            kid: printable(kid),
        }
    }
}

impl From<ClaimsError> for VerifyError {
    fn from(err: ClaimsError) -> Self {
        Self::Malformed(err)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(err) => fmt::Display::fmt(err, f),
            Self::Algorithm { found: Some(alg) } => write!(
                f,
                "the access token is signed with `{alg}`, but Commerce Layer signs with `{ALGORITHM}` \
                 only; the token is forged or not from Commerce Layer"
            ),
            Self::Algorithm { found: None } => write!(
                f,
                "the access token's header names no algorithm (`alg`); Commerce Layer tokens say \
                 `{ALGORITHM}`"
            ),
            Self::MissingKeyId => f.write_str(
                "the access token's header names no key (`kid`), so its signature cannot be checked",
            ),
            Self::UnknownKeyId { kid } => write!(
                f,
                "the auth server publishes no key `{kid}`; the token is from another auth server \
                 (check the client's base URL or domain) or forged"
            ),
            Self::BadSignature => f.write_str(
                "the access token's signature does not match its content: it was altered or not \
                 signed by this auth server",
            ),
            Self::Expired { expired_at } => {
                let ago = SystemTime::now()
                    .duration_since(*expired_at)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                write!(
                    f,
                    "the access token expired {ago} s ago; request a new one (or, to read an old \
                     token, build the verifier with `ignore_expiry(true)`)"
                )
            }
            Self::MissingExpiry => f.write_str(
                "the access token has no expiry (`exp`), so it cannot be checked for expiry; build \
                 the verifier with `ignore_expiry(true)` to accept it",
            ),
            // AuthError's text speaks of token requests: a refused key set request gets its own.
            Self::KeysUnavailable(err) => match &**err {
                AuthError::Rejected { status, .. } => write!(
                    f,
                    "the auth server's signing keys could not be fetched: it answered HTTP {status} \
                     for `{JWKS_PATH}`; check the client's base URL or domain"
                ),
                other => write!(f, "the auth server's signing keys could not be fetched: {other}"),
            },
            Self::InvalidKeySet { reason } => write!(
                f,
                "the auth server's signing keys could not be read: {reason}; check the client's \
                 base URL"
            ),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Malformed(err) => Some(err),
            Self::KeysUnavailable(err) => Some(&**err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_set_keeps_rsa_signing_keys_only() {
        let body = br#"{"keys": [
            {"kty": "RSA", "kid": "a", "use": "sig", "alg": "RS512", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "hs", "alg": "HS512", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AQAB", "y": "AQAB"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB"},
            "not an object"
        ]}"#;
        let keys = parse_key_set(body).unwrap();
        let mut kids: Vec<_> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["a", "b"]);
    }

    #[test]
    fn key_set_that_is_not_jwks_is_an_error() {
        for body in [&b"<html>"[..], b"{}", br#"{"keys": {}}"#] {
            let err = parse_key_set(body).unwrap_err();
            assert!(matches!(err, VerifyError::InvalidKeySet { .. }), "{err}");
        }
    }

    #[test]
    fn header_values_are_shortened_and_printable() {
        assert_eq!(printable("RS512"), "RS512");
        assert_eq!(printable("a\nb"), "a?b");
        let long = "k".repeat(100);
        assert_eq!(printable(&long).chars().count(), 65);
    }

    #[test]
    fn a_refused_key_set_answer_maps_like_a_token_answer() {
        let url = key_set_url("http://127.0.0.1:1/.well-known/jwks.json").unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "30".parse().unwrap());
        let answer = |status: u16| {
            let status = reqwest::StatusCode::from_u16(status).unwrap();
            check_key_set_answer(&url, &url, status, &headers, 1024)
        };
        assert!(answer(200).is_ok());
        match answer(429) {
            Err(AuthError::RateLimited {
                retry_after,
                errors,
            }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(30)));
                assert!(errors.is_empty());
            }
            other => panic!("expected rate limited, got {:?}", other.err()),
        }
        assert!(matches!(
            answer(404),
            Err(AuthError::Rejected { status: 404, errors }) if errors.is_empty()
        ));
        assert!(matches!(
            answer(503),
            Err(AuthError::Server {
                status: 503,
                retry_after: Some(_),
                ..
            })
        ));
        let elsewhere = key_set_url("http://127.0.0.1:2/.well-known/jwks.json").unwrap();
        let status = reqwest::StatusCode::OK;
        assert!(matches!(
            check_key_set_answer(&url, &elsewhere, status, &headers, 1024),
            Err(AuthError::InvalidConfig(_))
        ));
    }

    fn core(refetch_cooldown: Duration) -> Core {
        let options = Options {
            ignore_expiry: false,
            leeway: Duration::ZERO,
            refetch_cooldown,
        };
        Core::new("http://127.0.0.1:1", options)
    }

    fn key_set(kids: &[&str]) -> Result<Vec<u8>, AuthError> {
        let keys: Vec<Value> = kids
            .iter()
            .map(|kid| serde_json::json!({"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"}))
            .collect();
        Ok(serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap())
    }

    #[test]
    fn the_first_lookup_fetches_and_a_known_kid_never_does() {
        let core = core(DEFAULT_REFETCH_COOLDOWN);
        let mut state = FetchState::default();
        assert!(core.before_fetch(&state, "a", core.attempts()).is_none());
        core.after_fetch(&mut state, "a", key_set(&["a"])).unwrap();
        assert!(core.cached("a").is_some());
        assert!(matches!(core.before_fetch(&state, "a", 0), Some(Ok(_))));
    }

    #[test]
    fn an_unknown_kid_refetches_only_after_the_cooldown() {
        let core = core(DEFAULT_REFETCH_COOLDOWN);
        let mut state = FetchState::default();
        let err = core
            .after_fetch(&mut state, "b", key_set(&["a"]))
            .unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKeyId { .. }));
        let refused = core.before_fetch(&state, "b", core.attempts());
        assert!(matches!(
            refused,
            Some(Err(VerifyError::UnknownKeyId { .. }))
        ));

        let eager = self::core(Duration::ZERO);
        let mut state = FetchState::default();
        let _ = eager.after_fetch(&mut state, "b", key_set(&["a"]));
        assert!(eager.before_fetch(&state, "b", eager.attempts()).is_none());
    }

    #[test]
    fn a_caller_that_waited_for_a_fetch_shares_its_outcome() {
        let core = core(Duration::ZERO);
        let mut state = FetchState::default();
        let seen = core.attempts();
        // Another caller fetched (and failed) while this one waited for the lock.
        let _ = core.after_fetch(
            &mut state,
            "a",
            Err(AuthError::Timeout {
                after: Duration::from_secs(1),
            }),
        );
        match core.before_fetch(&state, "a", seen) {
            Some(Err(VerifyError::KeysUnavailable(err))) => {
                assert!(matches!(*err, AuthError::Timeout { .. }));
            }
            other => panic!("expected the shared failure, got {other:?}"),
        }
        // A caller that came after the failed attempt, with no cooldown, fetches again.
        assert!(core.before_fetch(&state, "a", core.attempts()).is_none());
    }

    #[test]
    fn a_failed_fetch_is_shared_for_the_failure_backoff() {
        let core = core(DEFAULT_REFETCH_COOLDOWN);
        let mut state = FetchState::default();
        let err = core
            .after_fetch(&mut state, "a", Ok(b"<html>".to_vec()))
            .unwrap_err();
        assert!(matches!(err, VerifyError::InvalidKeySet { .. }));
        let again = core.before_fetch(&state, "a", core.attempts());
        assert!(matches!(
            again,
            Some(Err(VerifyError::InvalidKeySet { .. }))
        ));
        // A good fetch later replaces the failure.
        let last = state.last.as_mut().unwrap();
        last.at = last.at.checked_sub(FAILURE_BACKOFF).unwrap_or(last.at);
        if last.at.elapsed() < FAILURE_BACKOFF {
            return; // the machine booted less than the backoff ago: nothing more to see
        }
        assert!(core.before_fetch(&state, "a", core.attempts()).is_none());
        core.after_fetch(&mut state, "a", key_set(&["a"])).unwrap();
        assert!(
            state
                .last
                .as_ref()
                .is_some_and(|last| last.failure.is_none())
        );
    }
}
