//! `TokenProvider`: what an SDK holds to get the token of its next request,
//! so that it takes a [`TokenSource`], a customer's session or a test's fake
//! alike, as `Arc<dyn TokenProvider>`.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{
    CustomerSessions, InvalidAccessToken, SessionError, SessionKey, StoreError, Token, TokenError,
    TokenSource,
};

/// The future a [`TokenProvider`] method returns: boxed, so the trait can be
/// used as `Arc<dyn TokenProvider>`.
pub type ProviderFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// Gives the access token of the next request, and hears when the Core API
/// refused one. Implemented by [`TokenSource`] and [`CustomerSession`] (and
/// through `Arc`, `Box` and `&`), object-safe so an SDK can hold
/// `Arc<dyn TokenProvider>` and its tests can hand it a fake.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use scope_core::auth::{ProviderError, ProviderFuture, Token, TokenProvider};
///
/// /// A fake that serves `token-1`, then `token-2` once `token-1` is refused.
/// struct Fake(Mutex<Arc<Token>>);
///
/// impl TokenProvider for Fake {
///     fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
///         let token = Arc::clone(&self.0.lock().unwrap());
///         Box::pin(async move { Ok(token) })
///     }
///     fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
///         let mut current = self.0.lock().unwrap();
///         if current.same_access_token(rejected) {
///             *current = Arc::new(Token::new("token-2", Duration::from_secs(60), "market:all", 0));
///         }
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// # async fn run() -> Result<(), ProviderError> {
/// let first = Arc::new(Token::new("token-1", Duration::from_secs(60), "market:all", 0));
/// let provider: Arc<dyn TokenProvider> = Arc::new(Fake(Mutex::new(first)));
/// let token = provider.token().await?;
/// provider.invalidate_token(&token).await?; // the Core API said 401
/// provider.invalidate_token(&token).await?; // a second task saw the same 401: no effect
/// assert_eq!(provider.token().await?.authorization_header()?, "Bearer token-2");
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
pub trait TokenProvider: Send + Sync {
    /// A valid access token for the next request.
    fn token(&self) -> ProviderFuture<'_, Arc<Token>>;

    /// The Core API answered 401 to a request made with `rejected`: drop it
    /// if it is still the token this provider serves, so the next
    /// [`token`](TokenProvider::token) gives another. A token already replaced
    /// is left alone, so many tasks reporting the same rejection cause one
    /// renewal, not one each. The library's providers also count young
    /// tokens refused in a row into their backoff, so an API that refuses
    /// every token costs a bounded number of token requests (see
    /// [`TokenSource::invalidate_token`]).
    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()>;
}

/// The blocking twin of [`TokenProvider`], for synchronous programs:
/// implemented by the blocking [`TokenSource`](crate::auth::blocking::TokenSource)
/// (feature `blocking`), and through `Arc`, `Box` and `&`.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use scope_core::auth::{BlockingTokenProvider, ProviderError, Token};
///
/// struct Fixed(Arc<Token>);
///
/// impl BlockingTokenProvider for Fixed {
///     fn token(&self) -> Result<Arc<Token>, ProviderError> {
///         Ok(Arc::clone(&self.0))
///     }
///     fn invalidate_token(&self, _rejected: &Token) -> Result<(), ProviderError> {
///         Err(ProviderError::other("a fixed token cannot be renewed"))
///     }
/// }
///
/// let provider: Arc<dyn BlockingTokenProvider> =
///     Arc::new(Fixed(Arc::new(Token::new("abc", Duration::from_secs(60), "market:all", 0))));
/// assert_eq!(provider.token()?.scope(), "market:all");
/// # Ok::<(), ProviderError>(())
/// ```
pub trait BlockingTokenProvider: Send + Sync {
    /// A valid access token for the next request.
    ///
    /// # Errors
    ///
    /// When the provider has no valid token and cannot get one.
    fn token(&self) -> Result<Arc<Token>, ProviderError>;

    /// As [`TokenProvider::invalidate_token`]: drop `rejected` if it is still
    /// the token this provider serves.
    ///
    /// # Errors
    ///
    /// When the provider could not drop or renew it (a store that failed, say).
    fn invalidate_token(&self, rejected: &Token) -> Result<(), ProviderError>;
}

/// Why a [`TokenProvider`] gave no token, or could not drop one. The error it
/// wraps is its [`source`](StdError::source), and can be matched on.
///
/// ```
/// use std::error::Error;
/// use scope_core::auth::ProviderError;
///
/// let err = ProviderError::other(std::io::Error::other("vault sealed"));
/// assert!(err.to_string().contains("vault sealed"));
/// assert!(err.source().unwrap().to_string().contains("vault sealed"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ProviderError {
    /// A [`TokenSource`] gave no token.
    Token(TokenError),
    /// A customer's session gave no token, or could not be renewed.
    Session(SessionError),
    /// The token store failed while dropping a token.
    Store(StoreError),
    /// The token cannot be sent in a header (a token built by hand).
    InvalidToken(InvalidAccessToken),
    /// Another provider's own error.
    Other(Box<dyn StdError + Send + Sync>),
}

impl ProviderError {
    /// Wraps a provider's own error (or message).
    ///
    /// ```
    /// let err = scope_core::auth::ProviderError::other("no token in the test fixture");
    /// assert!(matches!(err, scope_core::auth::ProviderError::Other(_)));
    /// ```
    pub fn other(error: impl Into<Box<dyn StdError + Send + Sync>>) -> ProviderError {
        ProviderError::Other(error.into())
    }

    /// Whether the auth server refused the credentials or the session's
    /// refresh token: asking again will not help until they are fixed, or the
    /// customer logs in again.
    ///
    /// ```
    /// assert!(!scope_core::auth::ProviderError::other("down").is_refused());
    /// ```
    pub fn is_refused(&self) -> bool {
        match self {
            ProviderError::Token(err) => err.auth_error().is_unauthorized(),
            ProviderError::Session(err) => {
                matches!(err, SessionError::Ended(_) | SessionError::NotFound)
            }
            _ => false,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the token provider gave no token: ")?;
        match self {
            ProviderError::Token(err) => err.fmt(f),
            ProviderError::Session(err) => err.fmt(f),
            ProviderError::Store(err) => err.fmt(f),
            ProviderError::InvalidToken(err) => err.fmt(f),
            ProviderError::Other(err) => err.fmt(f),
        }
    }
}

impl StdError for ProviderError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ProviderError::Token(err) => Some(err),
            ProviderError::Session(err) => Some(err),
            ProviderError::Store(err) => Some(err),
            ProviderError::InvalidToken(err) => Some(err),
            ProviderError::Other(err) => Some(&**err),
        }
    }
}

impl From<TokenError> for ProviderError {
    fn from(err: TokenError) -> ProviderError {
        ProviderError::Token(err)
    }
}

impl From<SessionError> for ProviderError {
    fn from(err: SessionError) -> ProviderError {
        ProviderError::Session(err)
    }
}

impl From<StoreError> for ProviderError {
    fn from(err: StoreError) -> ProviderError {
        ProviderError::Store(err)
    }
}

impl From<InvalidAccessToken> for ProviderError {
    fn from(err: InvalidAccessToken) -> ProviderError {
        ProviderError::InvalidToken(err)
    }
}

impl TokenProvider for TokenSource {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        Box::pin(async move { Ok(TokenSource::token(self).await?) })
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        Box::pin(async move { Ok(TokenSource::invalidate_token(self, rejected).await?) })
    }
}

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
impl BlockingTokenProvider for crate::auth::blocking::TokenSource {
    fn token(&self) -> Result<Arc<Token>, ProviderError> {
        Ok(crate::auth::blocking::TokenSource::token(self)?)
    }

    fn invalidate_token(&self, rejected: &Token) -> Result<(), ProviderError> {
        Ok(crate::auth::blocking::TokenSource::invalidate_token(
            self, rejected,
        )?)
    }
}

/// One customer's (or user's) session as a [`TokenProvider`]: its
/// [`CustomerSessions`] and its [`SessionKey`], made by
/// [`CustomerSessions::session`]. A token the Core API refuses is renewed
/// with the session's refresh token, once however many requests saw it
/// refused.
///
/// ```no_run
/// use std::sync::Arc;
/// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, Grant, MemoryStore, TokenProvider};
/// use scope_core::scopes;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let storefront = Credentials::sales_channel("client-id", scopes!("market:code:europe"))?;
/// let sessions = CustomerSessions::new(AuthClient::new(), storefront, MemoryStore::new());
/// let key = sessions.login(&Grant::password("ada@example.com", "correct horse")).await?;
/// let provider: Arc<dyn TokenProvider> = Arc::new(sessions.session(key));
/// println!("{:?}", provider.token().await?);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CustomerSession {
    sessions: CustomerSessions,
    key: SessionKey,
}

impl CustomerSession {
    pub(crate) fn new(sessions: CustomerSessions, key: SessionKey) -> CustomerSession {
        CustomerSession { sessions, key }
    }

    /// The key the session is kept under.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore, SessionKey};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// let session = sessions.session(SessionKey::from_string("from-the-cookie"));
    /// assert_eq!(session.key().expose_secret(), "from-the-cookie");
    /// ```
    pub fn key(&self) -> &SessionKey {
        &self.key
    }

    /// The sessions this one belongs to.
    ///
    /// ```
    /// use scope_core::auth::{AuthClient, Credentials, CustomerSessions, MemoryStore, SessionKey};
    ///
    /// let sessions = CustomerSessions::new(AuthClient::new(), Credentials::webapp("id", "s", None), MemoryStore::new());
    /// let session = sessions.session(SessionKey::from_string("k"));
    /// # let _ = session.sessions();
    /// ```
    pub fn sessions(&self) -> &CustomerSessions {
        &self.sessions
    }
}

impl TokenProvider for CustomerSession {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        Box::pin(async move { Ok(self.sessions.token(&self.key).await?) })
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        Box::pin(async move { Ok(self.sessions.renew_rejected(&self.key, rejected).await?) })
    }
}

impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        (**self).token()
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        (**self).invalidate_token(rejected)
    }
}

impl<T: TokenProvider + ?Sized> TokenProvider for Box<T> {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        (**self).token()
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        (**self).invalidate_token(rejected)
    }
}

impl<T: TokenProvider + ?Sized> TokenProvider for &T {
    fn token(&self) -> ProviderFuture<'_, Arc<Token>> {
        (**self).token()
    }

    fn invalidate_token<'a>(&'a self, rejected: &'a Token) -> ProviderFuture<'a, ()> {
        (**self).invalidate_token(rejected)
    }
}

impl<T: BlockingTokenProvider + ?Sized> BlockingTokenProvider for Arc<T> {
    fn token(&self) -> Result<Arc<Token>, ProviderError> {
        (**self).token()
    }

    fn invalidate_token(&self, rejected: &Token) -> Result<(), ProviderError> {
        (**self).invalidate_token(rejected)
    }
}

impl<T: BlockingTokenProvider + ?Sized> BlockingTokenProvider for Box<T> {
    fn token(&self) -> Result<Arc<Token>, ProviderError> {
        (**self).token()
    }

    fn invalidate_token(&self, rejected: &Token) -> Result<(), ProviderError> {
        (**self).invalidate_token(rejected)
    }
}

impl<T: BlockingTokenProvider + ?Sized> BlockingTokenProvider for &T {
    fn token(&self) -> Result<Arc<Token>, ProviderError> {
        (**self).token()
    }

    fn invalidate_token(&self, rejected: &Token) -> Result<(), ProviderError> {
        (**self).invalidate_token(rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_object_safe(_: &dyn TokenProvider, _: &dyn BlockingTokenProvider) {}

    #[test]
    fn errors_keep_their_cause_as_source() {
        let err = ProviderError::from(StoreError::new("connection refused"));
        assert!(err.to_string().contains("connection refused"));
        let source = err.source().expect("a source");
        assert!(source.downcast_ref::<StoreError>().is_some());
        let err = ProviderError::from(SessionError::NotFound);
        assert!(err.is_refused());
        assert!(
            err.source()
                .and_then(|source| source.downcast_ref::<SessionError>())
                .is_some()
        );
        let _ = assert_object_safe;
    }
}
