//! The key cache both verifiers share: the checks that need no request, the keys known by
//! `kid`, and when a fetch of the key set may (or must not) be made.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use super::{ALGORITHM, FAILURE_BACKOFF, VerifyError};
use crate::auth::AuthError;
use crate::auth::claims::{Claims, JwtPart, claims_from_payload, decode_json_object, split_jwt};
use crate::auth::client::KEY_SET_PATH;
use crate::auth::trace::{self, secs};

/// What a verifier of either flavour holds: the checks and the key cache, and the lock that
/// the one fetching caller holds (tokio's or std's).
pub(crate) struct Shared<L> {
    pub(crate) keys: KeyCache,
    pub(crate) fetch: L,
}

/// Everything about verification but the HTTP request: the checks and the keys known by
/// `kid`, shared by both flavours.
pub(crate) struct KeyCache {
    jwks_url: String,
    options: Options,
    /// The keys known now; replaced whole by each successful fetch.
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    /// Counts fetch attempts, so a caller that waited for someone else's fetch can tell.
    attempts: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    pub(crate) ignore_expiry: bool,
    pub(crate) leeway: Duration,
    pub(crate) refetch_cooldown: Duration,
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

impl KeyCache {
    fn new(base_url: &str, options: Options) -> KeyCache {
        KeyCache {
            jwks_url: format!("{base_url}{KEY_SET_PATH}"),
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
        // The crate's crypto backend checks the signature (see auth::crypto).
        if !crate::auth::crypto::verify_rs512(
            key,
            checked.signing_input.as_bytes(),
            &checked.signature,
        ) {
            return Err(VerifyError::BadSignature);
        }

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
        let cooling_down = crate::auth::now().saturating_duration_since(last.at) < wait;
        if cooling_down {
            trace::debug!("unknown kid: no refetch in the cooldown", kid = %kid, cooldown = %secs(wait));
        }
        cooling_down.then(refuse)
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
                // A refetch: keys were known, but not `kid`.
                trace::info!("key set fetched", keys = %keys.len(), kid = %kid, refetch = %!self.keys().is_empty());
                let key = keys.get(kid).cloned();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
                state.last = Some(LastFetch {
                    at: crate::auth::now(),
                    failure: None,
                });
                key.ok_or_else(|| VerifyError::unknown_key(kid))
            }
            Err(err) => {
                // A key-set fetch carries no secret, and its error bodies are not read.
                trace::warning!("the key set could not be fetched", kid = %kid, error = %err);
                state.last = Some(LastFetch {
                    at: crate::auth::now(),
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
            keys: KeyCache::new(base_url, options),
            fetch: L::default(),
        })
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
pub(crate) fn printable(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{DEFAULT_REFETCH_COOLDOWN, RequestKind};

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

    fn core(refetch_cooldown: Duration) -> KeyCache {
        let options = Options {
            ignore_expiry: false,
            leeway: Duration::ZERO,
            refetch_cooldown,
        };
        KeyCache::new("http://127.0.0.1:1", options)
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
                request: RequestKind::KeySet,
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
