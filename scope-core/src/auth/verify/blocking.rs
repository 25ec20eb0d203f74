//! The blocking flavour of the signature check (features `verify` and `blocking`).
//!
//! Same checks, same key cache rules and same errors as the async
//! [`Verifier`](crate::auth::Verifier): only the key set's fetch blocks the calling thread. Like
//! `reqwest::blocking`, use it outside an async runtime.

use std::fmt;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret as _;

use super::key_cache::{FetchState, Shared};
use super::{VerifierBuilder, VerifyError};
use crate::auth::blocking::AuthClient;
use crate::auth::exchange::KEY_SET;
use crate::auth::trace;
use crate::auth::{Claims, Token};

/// Checks access tokens' RS512 signatures with the keys of one auth server, cached by `kid`,
/// from synchronous code: the blocking twin of [`Verifier`](crate::auth::Verifier).
///
/// Cheap to clone: clones share the key cache.
///
/// ```no_run
/// use scope_core::auth::{blocking::AuthClient, Credentials};
///
/// let client = AuthClient::new();
/// let token = client.request_token(&Credentials::integration("client-id", "secret", None))?;
/// let claims = client.verifier().verify_token(&token)?;
/// println!("{:?}", claims.organization);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    client: AuthClient,
    shared: Arc<Shared<Mutex<FetchState>>>,
}

impl VerifierBuilder<AuthClient> {
    /// The blocking verifier. No request is made until the first token is verified.
    ///
    /// ```
    /// let verifier = scope_core::auth::blocking::AuthClient::new()
    ///     .verifier_builder()
    ///     .ignore_expiry(true)
    ///     .build();
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
    /// A [`Verifier`] with default options for tokens of this client's auth server,
    /// fetching keys through this client.
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::builder().domain("commercelayer.co").build()?;
    /// assert_eq!(client.verifier().jwks_url(), "https://auth.commercelayer.co/.well-known/jwks.json");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn verifier(&self) -> Verifier {
        self.verifier_builder().build()
    }

    /// A [`VerifierBuilder`] for a [`Verifier`] of this client's auth server.
    ///
    /// ```
    /// let verifier = scope_core::auth::blocking::AuthClient::new().verifier_builder().build();
    /// # let _ = verifier;
    /// ```
    pub fn verifier_builder(&self) -> VerifierBuilder<AuthClient> {
        Verifier::builder(self)
    }
}

impl Verifier {
    /// A builder for a verifier of tokens issued by `client`'s auth server.
    ///
    /// ```
    /// use scope_core::auth::blocking::{AuthClient, Verifier};
    ///
    /// let verifier = Verifier::builder(&AuthClient::new()).build();
    /// # let _ = verifier;
    /// ```
    pub fn builder(client: &AuthClient) -> VerifierBuilder<AuthClient> {
        VerifierBuilder::with_client(client.clone())
    }

    /// Where the keys are fetched from: `{base URL}/.well-known/jwks.json`.
    ///
    /// ```
    /// let verifier = scope_core::auth::blocking::AuthClient::new().verifier();
    /// assert!(verifier.jwks_url().ends_with("/.well-known/jwks.json"));
    /// ```
    pub fn jwks_url(&self) -> &str {
        self.shared.keys.jwks_url()
    }

    /// Checks `token`'s signature and expiry, and returns its claims: see
    /// [`Verifier::verify`](crate::auth::Verifier::verify).
    ///
    /// ```no_run
    /// # fn run(token_text: &str) -> Result<(), scope_core::auth::VerifyError> {
    /// let claims = scope_core::auth::blocking::AuthClient::new().verifier().verify(token_text)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] saying which check failed.
    pub fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let keys = &self.shared.keys;
        let checked = keys.check_form(token)?;
        let key = self.key(&checked.kid)?;
        keys.check_signature_and_expiry(checked, &key)
    }

    /// Checks a [`Token`] this program holds: see [`Verifier::verify`].
    ///
    /// ```no_run
    /// # fn run(token: scope_core::auth::Token) -> Result<(), scope_core::auth::VerifyError> {
    /// let claims = scope_core::auth::blocking::AuthClient::new().verifier().verify_token(&token)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`].
    pub fn verify_token(&self, token: &Token) -> Result<Claims, VerifyError> {
        self.verify(token.access_token().expose_secret())
    }

    fn key(&self, kid: &str) -> Result<Arc<jsonwebtoken::DecodingKey>, VerifyError> {
        let keys = &self.shared.keys;
        if let Some(key) = keys.cached(kid) {
            return Ok(key);
        }
        let attempts_seen = keys.attempts();
        // A thread that panicked while fetching leaves a valid state behind.
        let mut state = self
            .shared
            .fetch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(answer) = keys.before_fetch(&state, kid, attempts_seen) {
            return answer;
        }
        let fetched = trace::answered_blocking(trace::key_set_request(), || {
            self.client.send(KEY_SET, None)?.document(KEY_SET)
        });
        keys.after_fetch(&mut state, kid, fetched)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.keys.debug("blocking::Verifier", f)
    }
}
