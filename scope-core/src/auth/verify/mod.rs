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
//! The keys come from the auth server the [`AuthClient`](crate::auth::AuthClient) is configured for, never from the
//! token's own `iss` claim: a forged token could otherwise name a key set its forger controls.
//!
//! # Why `jsonwebtoken`, with no backend of its own
//!
//! [`jsonwebtoken`] is the most used and actively maintained JWT crate in Rust, and it parses
//! JWKs into RSA keys. Since version 10 it asks for a crypto backend of its own: `rust_crypto`
//! (the pure Rust `rsa` crate and friends) or `aws_lc_rs`. This crate enables neither: the RS512
//! check is made by the crate's own crypto backend (aws-lc-rs or ring, whichever rustls already
//! links; see the `aws-lc-rs` and `ring` features), which has the same RSA verification API in
//! both. Verification then adds no second RSA implementation, no new native build and only
//! jsonwebtoken itself to the dependency tree (`rust_crypto` would add `rsa`, `sha2`, `p256`,
//! `p384`, `ed25519-dalek` and `hmac`; the `rsa` crate also carries a timing advisory,
//! RUSTSEC-2023-0071, that concerns private-key operations rather than verification), and a
//! program whose other dependencies enable jsonwebtoken's backends still works, since its
//! process-wide default is never consulted.
//!
//! The header is read by this module, not by jsonwebtoken: a token whose `alg` is `none`,
//! `HS512` or anything but `RS512` is refused with [`VerifyError::Algorithm`] before any key is
//! looked up.

#[cfg(feature = "blocking")]
pub(crate) mod blocking;
mod error;
mod key_cache;
mod verifier;

use std::time::Duration;

pub use error::VerifyError;
use key_cache::Options;
pub use verifier::Verifier;

use crate::auth::AuthClient;

/// The only algorithm Commerce Layer signs access tokens with.
pub(crate) const ALGORITHM: &str = "RS512";

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

/// Options of a [`Verifier`] (or, with feature `blocking`, of a
/// [`blocking::Verifier`](crate::auth::blocking::Verifier): `C` is the client the verifier
/// fetches keys with).
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
