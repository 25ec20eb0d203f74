//! `BearerMiddleware`: the token on every request to the Core API sent
//! through a `reqwest-middleware` client, and one retry after a 401.

use std::sync::Arc;

use http::{Extensions, StatusCode, header::AUTHORIZATION};
use reqwest::{Request, Response};
use reqwest_middleware::{Error, Middleware, Next, Result};

use super::Origin;
use super::renewal::{forget_rejected, token_after_rejection};
use crate::auth::{ProviderError, TokenProvider};

/// A [`reqwest_middleware::Middleware`] that sends the provider's access token
/// to one [`Origin`], the Core API:
///
/// - a request for that origin gets `Authorization: Bearer {token}` (marked
///   sensitive), replacing one the caller set; a request for any other origin
///   goes out untouched, without the token;
/// - a 401 from that origin drops the token from the provider
///   ([`TokenProvider::invalidate_token`], so many requests refused at once
///   cause one renewal) and retries the request once with the next token,
///   when its body can be replayed (`Request::try_clone`: every body but a
///   stream). The answer to the retry, a second 401 included, is the caller's:
///   there is never a second retry. A request whose body cannot be replayed,
///   or a provider that serves the same token again, gets the first 401;
/// - redirects are reqwest's: its default policy removes `Authorization` from
///   a request redirected to another scheme, host or port, and a 401 from the
///   other host after such a redirect is not taken as a refused token.
///
/// A provider that gives no token fails the request with
/// [`reqwest_middleware::Error::Middleware`], holding the [`ProviderError`].
///
/// ```no_run
/// use std::sync::Arc;
/// use scope_core::auth::outgoing::{BearerMiddleware, Origin};
/// use scope_core::auth::{AuthClient, Credentials, TokenSource};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
/// let origin = Origin::new("https://acme.commercelayer.io")?; // or Origin::core_api_of(&token)
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(BearerMiddleware::new(tokens, origin))
///     .build();
/// let skus = client.get("https://acme.commercelayer.io/api/skus").send().await?;
/// # let _ = skus; Ok(()) }
/// ```
#[derive(Clone)]
pub struct BearerMiddleware {
    provider: Arc<dyn TokenProvider>,
    origin: Origin,
}

impl BearerMiddleware {
    /// Sends `provider`'s tokens to `origin` (a [`TokenSource`](crate::auth::TokenSource),
    /// a [`CustomerSession`](crate::auth::CustomerSession), an
    /// `Arc<dyn TokenProvider>` or your own).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use scope_core::auth::outgoing::{BearerMiddleware, Origin};
    /// use scope_core::auth::{AuthClient, Credentials, TokenProvider, TokenSource};
    ///
    /// let tokens: Arc<dyn TokenProvider> =
    ///     Arc::new(TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None)));
    /// let middleware = BearerMiddleware::new(tokens, Origin::new("https://acme.commercelayer.io")?);
    /// assert_eq!(middleware.origin().to_string(), "https://acme.commercelayer.io");
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn new(provider: impl TokenProvider + 'static, origin: Origin) -> BearerMiddleware {
        BearerMiddleware {
            provider: Arc::new(provider),
            origin,
        }
    }

    /// The origin the token is sent to.
    ///
    /// ```
    /// # use scope_core::auth::outgoing::{BearerMiddleware, Origin};
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// # let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// let middleware = BearerMiddleware::new(tokens, Origin::new("http://127.0.0.1:3000")?);
    /// assert!(middleware.origin().matches("http://127.0.0.1:3000/api"));
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl std::fmt::Debug for BearerMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerMiddleware")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn middleware_error(err: impl Into<ProviderError>) -> Error {
    Error::middleware(err.into())
}

#[async_trait::async_trait]
impl Middleware for BearerMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        if !self.origin.matches_url(request.url()) {
            return next.run(request, extensions).await;
        }
        let token = self.provider.token().await.map_err(middleware_error)?;
        let header = token.authorization_header().map_err(middleware_error)?;
        request.headers_mut().insert(AUTHORIZATION, header);
        let replay = request.try_clone();
        let response = next.clone().run(request, extensions).await?;
        // After a redirect the answer may come from elsewhere: only the
        // Core API's 401 says that the token was refused.
        if response.status() != StatusCode::UNAUTHORIZED || !self.origin.matches_url(response.url())
        {
            return Ok(response);
        }
        let Some(mut replay) = replay else {
            forget_rejected(&*self.provider, &token).await;
            return Ok(response);
        };
        let Some(fresh) = token_after_rejection(&*self.provider, &token)
            .await
            .map_err(middleware_error)?
        else {
            return Ok(response);
        };
        let header = fresh.authorization_header().map_err(middleware_error)?;
        replay.headers_mut().insert(AUTHORIZATION, header);
        // The first answer's connection goes back to the pool before the retry.
        drop(response);
        next.run(replay, extensions).await
    }
}
