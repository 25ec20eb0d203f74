//! `AuthServer`: starting, inspecting and stopping the stand-in.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::app::App;
use crate::misbehaviour::{ErrorShape, Misbehaviour};
use crate::received::ReceivedRequest;
use crate::router;
use crate::state::State;

/// A running stand-in of Commerce Layer's auth server on `127.0.0.1`.
///
/// It runs on its own thread with its own runtime, so it works the same from
/// async tests, blocking tests and `main`. Dropping it stops it.
///
/// ```
/// use scope_core::auth::{blocking::AuthClient, AuthError, Credentials};
/// use scope_tests::{AuthServer, Misbehaviour};
///
/// let server = AuthServer::start();
/// server.add_integration("backend", "s3cret");
/// server.misbehave_once(Misbehaviour::ServerErrorHtml);
///
/// let client = AuthClient::builder().base_url(server.base_url()).build()?;
/// let credentials = Credentials::integration("backend", "s3cret", None);
/// assert!(matches!(client.request_token(&credentials), Err(AuthError::Server { status: 500, .. })));
/// assert_eq!(client.request_token(&credentials)?.scope(), "market:all");
/// assert_eq!(server.token_requests(), 2);
/// # Ok::<(), AuthError>(())
/// ```
pub struct AuthServer {
    addr: SocketAddr,
    pub(crate) state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl AuthServer {
    /// Starts a stand-in on a free port of `127.0.0.1`, with no applications.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound or no thread started: a test cannot go
    /// on without its server.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert!(server.base_url().starts_with("http://127.0.0.1:"));
    /// ```
    pub fn start() -> AuthServer {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("read the bound address");
        let state = Arc::new(State::new(format!("http://{addr}")));
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("auth-stand-in-{}", addr.port()))
            .spawn(move || serve("the stand-in", listener, serving, router::route, stopped))
            .expect("start the stand-in's thread");
        AuthServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The root URL to give a client's builder: `http://127.0.0.1:{port}`.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert_eq!(server.base_url(), format!("http://{}", server.addr()));
    /// ```
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The full URL of the token endpoint.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// assert!(server.token_url().ends_with("/oauth/token"));
    /// ```
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.state.base_url)
    }

    /// The address the stand-in listens on.
    ///
    /// ```
    /// assert!(scope_tests::AuthServer::start().addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Registers a sales channel (tokens last 4 h).
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// server.add_sales_channel("storefront").add_sales_channel("kiosk");
    /// ```
    pub fn add_sales_channel(&self, client_id: &str) -> &AuthServer {
        self.register(App::sales_channel(client_id))
    }

    /// Registers an integration with its secret (tokens last 2 h).
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// server.add_integration("backend", "s3cret");
    /// ```
    pub fn add_integration(&self, client_id: &str, secret: &str) -> &AuthServer {
        self.register(App::integration(client_id, secret))
    }

    /// Registers an application, replacing one with the same client id.
    ///
    /// ```
    /// use scope_tests::{App, AuthServer};
    ///
    /// let server = AuthServer::start();
    /// server.register(App::sales_channel("storefront").expires_in(60));
    /// ```
    pub fn register(&self, app: App) -> &AuthServer {
        self.state.register(app);
        self
    }

    /// How many requests reached `POST /oauth/token`, answered or not.
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().token_requests(), 0);
    /// ```
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// How many tokens the stand-in issued.
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().tokens_issued(), 0);
    /// ```
    pub fn tokens_issued(&self) -> u64 {
        self.state.issued.load(Ordering::Relaxed)
    }

    /// How many requests reached a path, with any method (such as the
    /// `/redirected/oauth/token` a [`Misbehaviour::Redirect`] points to).
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().requests_to("/redirected/oauth/token"), 0);
    /// ```
    pub fn requests_to(&self, path: &str) -> usize {
        self.state.requests_to(path)
    }

    /// The requests received on every route, oldest first (the last 1000).
    ///
    /// ```
    /// assert!(scope_tests::AuthServer::start().requests().is_empty());
    /// ```
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.state.received()
    }

    /// The last request to `/oauth/token`.
    ///
    /// ```
    /// assert!(scope_tests::AuthServer::start().last_token_request().is_none());
    /// ```
    pub fn last_token_request(&self) -> Option<ReceivedRequest> {
        self.last_request_to("/oauth/token")
    }

    /// The last request to a path, with any method (such as `/oauth/revoke`).
    ///
    /// ```
    /// assert!(scope_tests::AuthServer::start().last_request_to("/oauth/revoke").is_none());
    /// ```
    pub fn last_request_to(&self, path: &str) -> Option<ReceivedRequest> {
        self.state.last_request_to(path)
    }

    /// Misbehaves on every token request from now until [`behave`](AuthServer::behave)
    /// (queued one-off misbehaviours are dropped).
    ///
    /// ```
    /// use scope_tests::{AuthServer, Misbehaviour};
    ///
    /// let server = AuthServer::start();
    /// server.misbehave(Misbehaviour::ServerErrorHtml);
    /// ```
    pub fn misbehave(&self, misbehaviour: Misbehaviour) {
        self.state.misbehave(Some(misbehaviour), false);
    }

    /// Misbehaves on the next token request only; calls queue up, one per request,
    /// ahead of a lasting [`misbehave`](AuthServer::misbehave).
    ///
    /// ```
    /// use scope_tests::{AuthServer, Misbehaviour};
    ///
    /// let server = AuthServer::start();
    /// server.misbehave_once(Misbehaviour::TruncatedJson);
    /// ```
    pub fn misbehave_once(&self, misbehaviour: Misbehaviour) {
        self.state.misbehave(Some(misbehaviour), true);
    }

    /// Answers by the rules again.
    ///
    /// ```
    /// let server = scope_tests::AuthServer::start();
    /// server.behave();
    /// ```
    pub fn behave(&self) {
        self.state.misbehave(None, false);
    }

    /// Renders the errors sent by the rules in another of the documented shapes.
    ///
    /// ```
    /// use scope_tests::{AuthServer, ErrorShape};
    ///
    /// AuthServer::start().error_shape(ErrorShape::Object);
    /// ```
    pub fn error_shape(&self, shape: ErrorShape) {
        self.state.set_error_shape(shape);
    }

    /// Limits token requests to `max` per sliding `window` per client IP, as
    /// the real server does (30 a minute): past it, `429` without
    /// `Retry-After`. A request that carries `x-true-client-ip` counts against
    /// that shopper's IP, the others against the server's (every request
    /// counts, refused or not). [`rate_limited`](AuthServer::rate_limited)
    /// counts the 429s sent.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// scope_tests::AuthServer::start().rate_limit(30, Duration::from_secs(60));
    /// ```
    pub fn rate_limit(&self, max: usize, window: Duration) {
        self.state.set_rate_limit(Some((max, window)));
    }

    /// How many token requests were answered 429 for the rate limit.
    ///
    /// ```
    /// assert_eq!(scope_tests::AuthServer::start().rate_limited(), 0);
    /// ```
    pub fn rate_limited(&self) -> usize {
        self.state
            .rate_limited
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("base_url", &self.state.base_url)
            .finish_non_exhaustive()
    }
}

/// A stand-in's thread (this one's and the Core API's): accept connections
/// until told to stop, each request answered by `answer`.
pub(crate) fn serve<S, F, B>(
    name: &str,
    listener: std::net::TcpListener,
    state: Arc<S>,
    answer: fn(Arc<S>, Request<Incoming>) -> F,
    mut stopped: oneshot::Receiver<()>,
) where
    S: Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => panic!("{name} could not start its runtime: {err}"),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => panic!("{name} could not listen: {err}"),
        };
        loop {
            let accepted = tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => accepted,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = service_fn(move |request| answer(Arc::clone(&state), request));
                // A client that hangs up mid-answer is no error of the stand-in's.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    // Connections still open (a slow answer, say) are dropped with the runtime.
    runtime.shutdown_timeout(Duration::from_millis(100));
}
