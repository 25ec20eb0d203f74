//! `Verifier`: the async signature check.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use secrecy::ExposeSecret as _;

use super::key_cache::{FetchState, Shared};
use super::{VerifierBuilder, VerifyError};
use crate::auth::exchange::KEY_SET;
use crate::auth::trace;
use crate::auth::{AuthClient, Claims, Token};

/// Checks access tokens' RS512 signatures with the keys of one auth server, cached by `kid`.
///
/// Cheap to clone: clones share the key cache. Build one per auth server and keep it. The
/// blocking flavour is [`blocking::Verifier`](crate::auth::blocking::Verifier) (features
/// `verify` and `blocking`).
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
        self.shared.keys.jwks_url()
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
        let keys = &self.shared.keys;
        let checked = keys.check_form(token)?;
        let key = self.key(&checked.kid).await?;
        keys.check_signature_and_expiry(checked, &key)
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
        let keys = &self.shared.keys;
        if let Some(key) = keys.cached(kid) {
            return Ok(key);
        }
        let attempts_seen = keys.attempts();
        let mut state = self.shared.fetch.lock().await;
        if let Some(answer) = keys.before_fetch(&state, kid, attempts_seen) {
            return answer;
        }
        let fetched = trace::answered(trace::key_set_request(), async {
            self.client.send(KEY_SET, None).await?.document(KEY_SET)
        })
        .await;
        keys.after_fetch(&mut state, kid, fetched)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.keys.debug("Verifier", f)
    }
}
