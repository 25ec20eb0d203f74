//! The blocking [`TokenSource`]: the async [`TokenSource`](crate::auth::TokenSource) for
//! synchronous programs (feature `blocking`).

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use super::requester::{ClientCredentials, Requester};
use super::store::StoreError;
use super::token_source::{TokenError, TokenSourceBuilder};
use crate::auth::blocking::AuthClient;
use crate::auth::cache::{self, Core};
use crate::auth::trace;
use crate::auth::{AuthError, Credentials, Token};

/// A cached access token for one set of credentials, renewed before it
/// expires, for threads: the same rules as [`TokenSource`](crate::auth::TokenSource).
///
/// While the token has more than the margin of life left,
/// [`token`](TokenSource::token) returns it at once. Past the margin
/// the first caller starts the renewal on a short-lived thread and everyone
/// keeps the valid token meanwhile. With no valid token, one caller makes the
/// request and the other threads wait for its answer. Transiently failed
/// renewals keep the valid token and back off (a random half to all of a step
/// of 1 s doubling to 60 s); a 401 drops the cached and stored token at once.
/// Only with no valid token left is the error returned, and an expired token is
/// never returned. The [`TokenStore`](crate::auth::TokenStore)'s futures are run on the
/// calling thread.
///
/// Like the blocking client, build and use it outside an async runtime.
///
/// ```no_run
/// use scope_core::auth::blocking::{AuthClient, TokenSource};
/// use scope_core::auth::{Credentials, ExposeSecret};
/// use scope_core::scopes;
///
/// let credentials = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let tokens = TokenSource::new(AuthClient::new(), credentials);
/// let token = tokens.token()?;
/// let _header = format!("Bearer {}", token.access_token().expose_secret());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TokenSource {
    core: Arc<Core<Token, AuthError>>,
    requester: Arc<Requester<AuthClient, ClientCredentials>>,
}

impl TokenSource {
    /// A source with the default margin, jitter, backoff and an in-memory store.
    ///
    /// ```no_run
    /// use scope_core::auth::blocking::{AuthClient, TokenSource};
    /// use scope_core::auth::Credentials;
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// assert_eq!(tokens.credentials().client_id(), "id");
    /// ```
    pub fn new(client: AuthClient, credentials: Credentials) -> TokenSource {
        // The default settings always pass the builder's check.
        TokenSource::assembled(TokenSource::builder(client, credentials))
    }

    fn assembled(builder: TokenSourceBuilder<AuthClient>) -> TokenSource {
        let (core, requester) = builder.assemble();
        TokenSource { core, requester }
    }

    /// A builder to set the refresh margin and jitter, the backoff, or a shared
    /// [`TokenStore`](crate::auth::TokenStore).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use scope_core::auth::blocking::{AuthClient, TokenSource};
    /// use scope_core::auth::Credentials;
    ///
    /// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None))
    ///     .refresh_margin(Duration::from_secs(600))
    ///     .build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder(client: AuthClient, credentials: Credentials) -> TokenSourceBuilder<AuthClient> {
        TokenSourceBuilder::new(client, credentials)
    }

    /// A valid access token: the cached one while it has more than the margin
    /// left, otherwise from one request shared with every concurrent caller.
    ///
    /// # Errors
    ///
    /// Only when no valid token is cached and the request failed (or failed a
    /// moment ago and the source is backing off).
    ///
    /// ```no_run
    /// # use scope_core::auth::blocking::TokenSource;
    /// # fn run(tokens: TokenSource) {
    /// match tokens.token() {
    ///     Ok(token) => println!("valid for {:?}", token.remaining()),
    ///     Err(err) => eprintln!("{err}"),
    /// }
    /// # }
    /// ```
    pub fn token(&self) -> Result<Arc<Token>, TokenError> {
        if let Some(token) = self.core.fresh() {
            return Ok(token);
        }
        let requester = Arc::clone(&self.requester);
        // The async source's request, run on this thread: the store, the
        // fleet's lease and backoff, then the blocking client.
        trace::token_source(&self.requester.shared.credentials)
            .in_scope(|| {
                cache::get_blocking(&self.core, move |need| block_on(requester.request(need)))
            })
            .map_err(TokenError::from)
    }

    /// Drops the cached token, here and in the store, so the next call to
    /// [`token`](TokenSource::token) asks the server: call it when the
    /// Core API answers 401 with a token from this source.
    ///
    /// # Errors
    ///
    /// When the store fails to remove its copy. The source itself will not
    /// load that copy again either way.
    ///
    /// ```no_run
    /// # use scope_core::auth::blocking::TokenSource;
    /// # fn run(tokens: TokenSource) -> Result<(), Box<dyn std::error::Error>> {
    /// tokens.invalidate()?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate(&self) -> Result<(), StoreError> {
        block_on(self.requester.invalidate(&self.core))
    }

    /// Drops `token` if it is still the cached one, and the store's copy if it
    /// is that token (see
    /// [`TokenSource::invalidate_token`](crate::auth::TokenSource::invalidate_token)).
    ///
    /// # Errors
    ///
    /// When the store fails to read or remove its copy.
    ///
    /// ```no_run
    /// # use scope_core::auth::blocking::TokenSource;
    /// # fn run(tokens: TokenSource) -> Result<(), Box<dyn std::error::Error>> {
    /// let token = tokens.token()?;
    /// // ... the Core API answers 401 Unauthorized to a request with `token`:
    /// tokens.invalidate_token(&token)?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate_token(&self, token: &Token) -> Result<(), StoreError> {
        block_on(self.requester.reject(&self.core, token, false)).map(drop)
    }

    /// The credentials tokens are requested with.
    ///
    /// ```no_run
    /// use scope_core::auth::blocking::{AuthClient, TokenSource};
    /// use scope_core::auth::Credentials;
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "s", None));
    /// assert_eq!(tokens.credentials().client_id(), "id");
    /// ```
    pub fn credentials(&self) -> &Credentials {
        &self.requester.shared.credentials
    }

    /// The key tokens are kept under in the store (see
    /// [`TokenSource::store_key`](crate::auth::TokenSource::store_key)).
    ///
    /// ```no_run
    /// use scope_core::auth::blocking::{AuthClient, TokenSource};
    /// use scope_core::auth::Credentials;
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "s", None));
    /// assert_eq!(tokens.store_key(), "https://auth.commercelayer.io|id|");
    /// ```
    pub fn store_key(&self) -> &str {
        &self.requester.key
    }
}

impl TokenSourceBuilder<AuthClient> {
    /// The blocking source.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when the backoff is zero or its maximum is
    /// shorter than its start.
    ///
    /// ```no_run
    /// # use scope_core::auth::blocking::{AuthClient, TokenSource};
    /// # use scope_core::auth::Credentials;
    /// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "s", None)).build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn build(self) -> Result<TokenSource, AuthError> {
        self.check()?;
        Ok(TokenSource::assembled(self))
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("credentials", &self.requester.shared.credentials)
            .field("policy", self.core.policy())
            .finish_non_exhaustive()
    }
}

/// Runs a store's future on this thread, parking it while the future waits.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_a_future_woken_from_another_thread() {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(20));
            sender.send(42).unwrap();
        });
        assert_eq!(block_on(receiver).unwrap(), 42);
    }

    #[test]
    fn sources_are_cheap_shareable_handles() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<TokenSource>();
    }
}
