//! The blocking flavour of the signature check (features `verify` and `blocking`).
//!
//! Same checks, same key cache rules and same errors as the async
//! [`Verifier`](super::Verifier): only the key set's fetch blocks the calling thread. Like
//! `reqwest::blocking`, use it outside an async runtime.

use std::fmt;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret as _;

use super::blocking::AuthClient;
use super::claims::Claims;
use super::request::send_error;
use super::verify::{
    FetchState, Shared, VerifierBuilder, VerifyError, check_key_set_answer, key_set_limit,
    key_set_url,
};
use super::{AuthError, Token};

/// Checks access tokens' RS512 signatures with the keys of one auth server, cached by `kid`,
/// from synchronous code: the blocking twin of [`Verifier`](super::Verifier).
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
pub struct BlockingVerifier {
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
    pub fn build(self) -> BlockingVerifier {
        BlockingVerifier {
            shared: Shared::new(self.client.base_url(), self.options),
            client: self.client,
        }
    }
}

impl AuthClient {
    /// A [`BlockingVerifier`] with default options for tokens of this client's auth server,
    /// fetching keys through this client.
    ///
    /// ```
    /// let client = scope_core::auth::blocking::AuthClient::builder().domain("commercelayer.co").build()?;
    /// assert_eq!(client.verifier().jwks_url(), "https://auth.commercelayer.co/.well-known/jwks.json");
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn verifier(&self) -> BlockingVerifier {
        self.verifier_builder().build()
    }

    /// A [`VerifierBuilder`] for a [`BlockingVerifier`] of this client's auth server.
    ///
    /// ```
    /// let verifier = scope_core::auth::blocking::AuthClient::new().verifier_builder().build();
    /// # let _ = verifier;
    /// ```
    pub fn verifier_builder(&self) -> VerifierBuilder<AuthClient> {
        BlockingVerifier::builder(self)
    }

    /// GETs a JSON document from the auth server, with this client's safety rules.
    fn get_json_document(&self, url: &str) -> Result<Vec<u8>, AuthError> {
        let config = &*self.config;
        let limit = key_set_limit(config);
        let url = key_set_url(url)?;
        let response = self
            .http
            .get(url.clone())
            .headers(config.headers.clone())
            .timeout(config.timeout)
            .send()
            .map_err(|err| send_error(err, config))?;
        let head = check_key_set_answer(
            &url,
            response.url(),
            response.status(),
            response.headers(),
            limit,
        )?;
        super::blocking::read_body(response, &head, limit, config)
    }
}

impl BlockingVerifier {
    /// A builder for a verifier of tokens issued by `client`'s auth server.
    ///
    /// ```
    /// use scope_core::auth::{BlockingVerifier, blocking::AuthClient};
    ///
    /// let verifier = BlockingVerifier::builder(&AuthClient::new()).build();
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
        self.shared.core.jwks_url()
    }

    /// Checks `token`'s signature and expiry, and returns its claims: see
    /// [`Verifier::verify`](super::Verifier::verify).
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
        let core = &self.shared.core;
        let checked = core.check_form(token)?;
        let key = self.key(&checked.kid)?;
        core.check_signature_and_expiry(checked, &key)
    }

    /// Checks a [`Token`] this program holds: see [`BlockingVerifier::verify`].
    ///
    /// ```no_run
    /// # fn run(token: scope_core::auth::Token) -> Result<(), scope_core::auth::VerifyError> {
    /// let claims = scope_core::auth::blocking::AuthClient::new().verifier().verify_token(&token)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BlockingVerifier::verify`].
    pub fn verify_token(&self, token: &Token) -> Result<Claims, VerifyError> {
        self.verify(token.access_token().expose_secret())
    }

    fn key(&self, kid: &str) -> Result<Arc<jsonwebtoken::DecodingKey>, VerifyError> {
        let core = &self.shared.core;
        if let Some(key) = core.cached(kid) {
            return Ok(key);
        }
        let attempts_seen = core.attempts();
        // A thread that panicked while fetching leaves a valid state behind.
        let mut state = self
            .shared
            .fetch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(answer) = core.before_fetch(&state, kid, attempts_seen) {
            return answer;
        }
        let fetched = self.client.get_json_document(core.jwks_url());
        core.after_fetch(&mut state, kid, fetched)
    }
}

impl fmt::Debug for BlockingVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.core.debug("BlockingVerifier", f)
    }
}
