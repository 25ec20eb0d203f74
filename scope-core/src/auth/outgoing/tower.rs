//! `BearerLayer` and `BearerService`: the middleware's behaviour as a tower
//! layer over `http::Request<B>`, for hyper's client and other tower stacks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode, header::AUTHORIZATION};
use tower_layer::Layer;
use tower_service::Service;

use super::Origin;
use super::renewal::{forget_rejected, token_after_rejection};
use crate::auth::TokenProvider;

/// The error a [`BearerService`] returns: the inner service's error or a
/// [`ProviderError`](crate::auth::ProviderError), boxed (tower's usual error
/// type; downcast to tell them apart).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How a [`BearerService`] makes a second copy of a request's body, to retry
/// the request after a 401: [`CloneBody`] (the default: bodies that are
/// `Clone`, such as `String`, `Vec<u8>`, `Bytes`, `http_body_util::Full` and
/// `Empty`), [`NoReplay`] (never retry: for streamed bodies such as hyper's
/// `Incoming`), or a closure `Fn(&B) -> Option<B>`.
///
/// ```
/// use scope_core::auth::outgoing::{CloneBody, NoReplay, ReplayBody};
///
/// assert_eq!(CloneBody.replay(&String::from("{}")), Some(String::from("{}")));
/// assert_eq!(ReplayBody::<String>::replay(&NoReplay, &String::from("{}")), None);
/// let small_only = |body: &Vec<u8>| (body.len() < 1024).then(|| body.clone());
/// assert_eq!(small_only.replay(&vec![0; 2048]), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "the BearerLayer cannot replay a request body of type `{B}` with `{Self}`",
    label = "`{Self}` replays `{B}` only if it is `Clone`",
    note = "to send a request again after a 401, the layer needs a second copy of its body: for a body that is not `Clone` (a stream, hyper's `Incoming`), add `.replay(NoReplay)` to the BearerLayer (a 401 then goes to the caller, whose next request gets a fresh token), or `.replay(|body: &{B}| …)` to copy it yourself"
)]
pub trait ReplayBody<B> {
    /// A copy of `body` to send again, or `None` when it cannot be sent again.
    fn replay(&self, body: &B) -> Option<B>;
}

/// Replays bodies that are `Clone` by cloning them (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneBody;

impl<B: Clone> ReplayBody<B> for CloneBody {
    fn replay(&self, body: &B) -> Option<B> {
        Some(body.clone())
    }
}

/// Never replays: a 401 drops the token and is returned to the caller, whose
/// next request gets a fresh token.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoReplay;

impl<B> ReplayBody<B> for NoReplay {
    fn replay(&self, _body: &B) -> Option<B> {
        None
    }
}

impl<B, F: Fn(&B) -> Option<B>> ReplayBody<B> for F {
    fn replay(&self, body: &B) -> Option<B> {
        self(body)
    }
}

/// A [`tower_layer::Layer`] that wraps a service of `http::Request<B>` in a
/// [`BearerService`]: the provider's access token on every request for one
/// [`Origin`], and one retry after a 401 from it, as
/// [`BearerMiddleware`](crate::auth::outgoing::BearerMiddleware) does for
/// reqwest:
///
/// - a request whose URI is on the origin (an absolute URI, as hyper's client
///   takes) gets `Authorization: Bearer {token}` (sensitive), replacing one
///   the caller set; any other request, a path-only URI included, goes out
///   without it;
/// - a 401 to it drops the token ([`TokenProvider::invalidate_token`]: one
///   renewal however many requests are refused at once) and, when
///   [`ReplayBody`] gives a copy of the body, sends the request once more with
///   the next token; that answer, a second 401 included, is the caller's;
/// - redirects: hyper's client follows none. Put this layer *under* a
///   redirect-following layer (tower-http's `FollowRedirect`), so every hop
///   passes through it and a hop to another origin goes without the token.
///
/// ```no_run
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use scope_core::auth::outgoing::{BearerLayer, Origin};
/// use scope_core::auth::{AuthClient, Credentials, TokenSource};
/// use tower::{Layer, Service, ServiceExt};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
/// let http: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
/// let mut core_api = BearerLayer::new(tokens, Origin::new("https://acme.commercelayer.io")?).layer(http);
/// let request = http::Request::get("https://acme.commercelayer.io/api/skus").body(Full::default())?;
/// let response = core_api.ready().await?.call(request).await?;
/// # let _ = response; Ok(()) }
/// ```
#[derive(Clone)]
pub struct BearerLayer<R = CloneBody> {
    provider: Arc<dyn TokenProvider>,
    origin: Arc<Origin>,
    replay: R,
}

impl BearerLayer {
    /// A layer sending `provider`'s tokens to `origin`, replaying bodies that
    /// are `Clone`.
    ///
    /// ```
    /// use scope_core::auth::outgoing::{BearerLayer, Origin};
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// let layer = BearerLayer::new(tokens, Origin::new("https://acme.commercelayer.io")?);
    /// assert!(layer.origin().matches("https://acme.commercelayer.io/api"));
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn new(provider: impl TokenProvider + 'static, origin: Origin) -> BearerLayer {
        BearerLayer {
            provider: Arc::new(provider),
            origin: Arc::new(origin),
            replay: CloneBody,
        }
    }
}

impl<R> BearerLayer<R> {
    /// This layer with another way to replay bodies: [`NoReplay`] for
    /// streamed bodies, or a closure.
    ///
    /// ```
    /// use scope_core::auth::outgoing::{BearerLayer, NoReplay, Origin};
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    ///
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// let layer = BearerLayer::new(tokens, Origin::new("https://acme.commercelayer.io")?).replay(NoReplay);
    /// # let _ = layer;
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn replay<R2>(self, replay: R2) -> BearerLayer<R2> {
        BearerLayer {
            provider: self.provider,
            origin: self.origin,
            replay,
        }
    }

    /// The origin the token is sent to.
    ///
    /// ```
    /// # use scope_core::auth::outgoing::{BearerLayer, Origin};
    /// # use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// # let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// let layer = BearerLayer::new(tokens, Origin::new("http://127.0.0.1:3000")?);
    /// assert_eq!(layer.origin().to_string(), "http://127.0.0.1:3000");
    /// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
    /// ```
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl<S, R: Clone> Layer<S> for BearerLayer<R> {
    type Service = BearerService<S, R>;

    fn layer(&self, inner: S) -> BearerService<S, R> {
        BearerService {
            inner,
            provider: Arc::clone(&self.provider),
            origin: Arc::clone(&self.origin),
            replay: self.replay.clone(),
        }
    }
}

impl<R> std::fmt::Debug for BearerLayer<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerLayer")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The service a [`BearerLayer`] makes: see there for what it does.
///
/// ```
/// use std::convert::Infallible;
/// use scope_core::auth::outgoing::{BearerLayer, BearerService, Origin};
/// use scope_core::auth::{AuthClient, Credentials, TokenSource};
/// use tower::Layer;
///
/// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
/// let echo = tower::service_fn(|request: http::Request<String>| async move {
///     Ok::<_, Infallible>(http::Response::new(request.into_body()))
/// });
/// let service: BearerService<_> = BearerLayer::new(tokens, Origin::new("https://acme.commercelayer.io")?).layer(echo);
/// # let _ = service;
/// # Ok::<(), scope_core::auth::outgoing::OriginError>(())
/// ```
#[derive(Clone)]
pub struct BearerService<S, R = CloneBody> {
    inner: S,
    provider: Arc<dyn TokenProvider>,
    origin: Arc<Origin>,
    replay: R,
}

impl<S, R> std::fmt::Debug for BearerService<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerService")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl<S, R> BearerService<S, R> {
    /// Sends one request: waits for the service to be ready, then calls it,
    /// as tower's `ServiceExt::oneshot` does. It is here so that a request
    /// whose body the service cannot replay (not `Clone`, with no
    /// [`replay`](BearerLayer::replay) given) is an error that says so and
    /// names the fix, instead of tower's "trait bounds were not satisfied".
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use scope_core::auth::outgoing::{BearerLayer, Origin};
    /// use scope_core::auth::{AuthClient, Credentials, TokenSource};
    /// use tower::Layer;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "secret", None));
    /// let echo = tower::service_fn(|request: http::Request<String>| async move {
    ///     Ok::<_, Infallible>(http::Response::new(request.into_body()))
    /// });
    /// let service = BearerLayer::new(tokens, Origin::new("https://acme.commercelayer.io")?).layer(echo);
    /// // Another origin: sent as it is, without a token.
    /// let answer = service.oneshot(http::Request::new(String::from("hello"))).await?;
    /// assert_eq!(answer.into_body(), "hello");
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn oneshot<B, ResBody>(
        mut self,
        request: Request<B>,
    ) -> Result<Response<ResBody>, BoxError>
    where
        R: ReplayBody<B>,
        Self: Service<Request<B>, Response = Response<ResBody>, Error = BoxError>,
    {
        std::future::poll_fn(|cx| self.poll_ready(cx)).await?;
        self.call(request).await
    }
}

impl<S, R, B, ResBody> Service<Request<B>> for BearerService<S, R>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    R: ReplayBody<B>,
    B: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service polled ready answers this call; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if !self.origin.matches_uri(request.uri()) {
            let answer = inner.call(request);
            return Box::pin(async move { answer.await.map_err(Into::into) });
        }
        let provider = Arc::clone(&self.provider);
        let (parts, body) = request.into_parts();
        // Copied now, before the body is sent: afterwards it is gone.
        let replay = self.replay.replay(&body).map(|copy| (parts.clone(), copy));
        Box::pin(async move {
            let token = provider.token().await?;
            let mut parts = parts;
            parts
                .headers
                .insert(AUTHORIZATION, token.authorization_header()?);
            let response = inner
                .call(Request::from_parts(parts, body))
                .await
                .map_err(Into::into)?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let Some((mut parts, body)) = replay else {
                forget_rejected(&*provider, &token).await;
                return Ok(response);
            };
            let Some(fresh) = token_after_rejection(&*provider, &token).await? else {
                return Ok(response);
            };
            parts
                .headers
                .insert(AUTHORIZATION, fresh.authorization_header()?);
            drop(response);
            // The same service answers the retry: it must be ready again.
            std::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(Into::into)?;
            inner
                .call(Request::from_parts(parts, body))
                .await
                .map_err(Into::into)
        })
    }
}
