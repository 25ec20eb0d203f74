//! `CoreApi`: a stand-in of an organization's Core API on 127.0.0.1, for the
//! tests of code that sends access tokens (the outgoing middleware).
//!
//! It asks every request for a bearer token (401 without one), can be told to
//! refuse the first tokens it sees with 401 as a revoked token would be,
//! records what each request carried, and answers `GET /redirect` with a
//! redirect to another server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use hyper::{Request, Response, StatusCode};
use tokio::sync::{oneshot, watch};

use crate::received::ReceivedRequest;
use crate::server::serve;

/// The largest request body the stand-in reads.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// A running stand-in of the Core API on `127.0.0.1`; dropping it stops it.
///
/// ```
/// use scope_tests::CoreApi;
///
/// let core_api = CoreApi::start();
/// core_api.refuse_first_tokens(1);
/// let client = reqwest::blocking::Client::new();
/// let url = format!("{}/api/skus", core_api.base_url());
/// let first = client.get(&url).bearer_auth("token-1").send()?;
/// let second = client.get(&url).bearer_auth("token-2").send()?;
/// assert_eq!((first.status().as_u16(), second.status().as_u16()), (401, 200));
/// assert_eq!(core_api.authorizations(), [Some("Bearer token-1".into()), Some("Bearer token-2".into())]);
/// # Ok::<(), reqwest::Error>(())
/// ```
pub struct CoreApi {
    addr: SocketAddr,
    state: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the server's tasks and the test share.
struct Shared {
    state: Mutex<State>,
    /// How many 401s for a refused token it has decided on, for held answers.
    refusals: watch::Sender<usize>,
}

/// The longest a held 401 waits for the others: a bound, so a test that
/// sends fewer requests than it said fails instead of hanging.
const LONGEST_HOLD: Duration = Duration::from_secs(10);

#[derive(Default)]
struct State {
    /// How many distinct tokens, in the order first seen, are refused.
    refuse_first: usize,
    /// Refuse every token, whatever `refuse_first` says.
    refuse_all: bool,
    /// Each token seen, and whether it is refused (decided when first seen).
    verdicts: HashMap<String, bool>,
    refused_so_far: usize,
    /// Hold each refusal until this many have been decided.
    hold_refusals_until: Option<usize>,
    /// Where `GET /redirect` sends the client.
    redirect_to: Option<String>,
    received: Vec<ReceivedRequest>,
}

impl CoreApi {
    /// Starts a stand-in on a free port of `127.0.0.1` that takes every token.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound or no thread started: a test cannot go
    /// on without its server.
    ///
    /// ```
    /// assert!(scope_tests::CoreApi::start().base_url().starts_with("http://127.0.0.1:"));
    /// ```
    pub fn start() -> CoreApi {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("read the bound address");
        let state = Arc::new(Shared {
            state: Mutex::new(State::default()),
            refusals: watch::Sender::new(0),
        });
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("core-api-stand-in-{}", addr.port()))
            .spawn(move || serve("the Core API stand-in", listener, serving, answer, stopped))
            .expect("start the stand-in's thread");
        CoreApi {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:{port}`: the origin to configure the middleware with.
    ///
    /// ```
    /// let core_api = scope_tests::CoreApi::start();
    /// assert_eq!(core_api.base_url(), format!("http://{}", core_api.addr()));
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the stand-in listens on.
    ///
    /// ```
    /// assert!(scope_tests::CoreApi::start().addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Refuses, with 401 every time they are sent, the first `count` distinct
    /// tokens it sees from now on, as the Core API refuses a revoked token.
    ///
    /// ```
    /// scope_tests::CoreApi::start().refuse_first_tokens(1);
    /// ```
    pub fn refuse_first_tokens(&self, count: usize) {
        let mut state = self.state();
        state.refuse_first = state.refused_so_far + count;
    }

    /// Refuses every token with 401.
    ///
    /// ```
    /// scope_tests::CoreApi::start().refuse_every_token();
    /// ```
    pub fn refuse_every_token(&self) {
        self.state().refuse_all = true;
    }

    /// Holds every 401 for a refused token until `count` of them are due, then
    /// sends them all: `count` requests refused at once, as when every task
    /// of a service sends a revoked token before any of them hears back.
    ///
    /// ```
    /// scope_tests::CoreApi::start().hold_refusals_until(100);
    /// ```
    pub fn hold_refusals_until(&self, count: usize) {
        self.state().hold_refusals_until = Some(count);
    }

    /// Answers `GET /redirect` with `307 Temporary Redirect` to `url`.
    ///
    /// ```
    /// scope_tests::CoreApi::start().redirect_to("http://127.0.0.1:9/landing");
    /// ```
    pub fn redirect_to(&self, url: &str) {
        self.state().redirect_to = Some(url.to_owned());
    }

    /// The requests received, oldest first.
    ///
    /// ```
    /// assert!(scope_tests::CoreApi::start().requests().is_empty());
    /// ```
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.state().received.clone()
    }

    /// The `Authorization` header of each request received, oldest first
    /// (`None` for a request without one).
    ///
    /// ```
    /// assert!(scope_tests::CoreApi::start().authorizations().is_empty());
    /// ```
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.state()
            .received
            .iter()
            .map(|request| request.header("authorization").map(str::to_owned))
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state.state)
    }
}

impl Drop for CoreApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for CoreApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreApi")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn answer(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, MAX_REQUEST_BYTES).collect().await else {
        return Ok(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is over 64 KiB",
        ));
    };
    let received = ReceivedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: body.to_bytes().to_vec(),
        received_at: std::time::Instant::now(),
    };
    let hold = match decide(&shared.state, received, &parts) {
        Decision::Answer(response) => return Ok(response),
        Decision::Refuse { hold } => hold,
    };
    shared.refusals.send_modify(|count| *count += 1);
    if let Some(count) = hold {
        let mut refusals = shared.refusals.subscribe();
        let all_due = refusals.wait_for(|refused| *refused >= count);
        let _ = tokio::time::timeout(LONGEST_HOLD, all_due).await;
    }
    Ok(unauthorized("the access token was revoked"))
}

enum Decision {
    Answer(Response<Full<Bytes>>),
    /// A refused token: a 401, held until `hold` refusals are due.
    Refuse {
        hold: Option<usize>,
    },
}

/// Records the request and decides its answer, all under the lock (and no
/// await under it).
fn decide(
    state: &Mutex<State>,
    received: ReceivedRequest,
    parts: &hyper::http::request::Parts,
) -> Decision {
    let mut state = lock(state);
    state.received.push(received);
    if parts.uri.path() == "/redirect"
        && let Some(target) = state.redirect_to.clone()
    {
        let mut response = plain(StatusCode::TEMPORARY_REDIRECT, "moved");
        if let Ok(location) = target.parse() {
            response.headers_mut().insert(LOCATION, location);
        }
        return Decision::Answer(response);
    }
    let token = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(token) = token else {
        return Decision::Answer(unauthorized("no bearer token was sent"));
    };
    let refused = match state.verdicts.get(token) {
        Some(&refused) => refused,
        None => {
            let refused = state.refused_so_far < state.refuse_first;
            state.refused_so_far += usize::from(refused);
            state.verdicts.insert(token.to_owned(), refused);
            refused
        }
    };
    if refused || state.refuse_all {
        Decision::Refuse {
            hold: state.hold_refusals_until,
        }
    } else {
        Decision::Answer(plain(StatusCode::OK, "{\"data\":[]}"))
    }
}

/// A 401 in the Core API's JSON:API shape (its `status` is a string).
fn unauthorized(detail: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"errors": [{
        "title": "Invalid token", "detail": detail, "code": "INVALID_TOKEN", "status": "401"
    }]});
    plain(StatusCode::UNAUTHORIZED, &body.to_string())
}

fn plain(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/vnd.api+json"),
    );
    response
}
