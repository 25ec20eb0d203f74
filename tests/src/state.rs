//! What the stand-in knows and remembers, shared by its connections.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::misbehaviour::{ErrorShape, Misbehaviour};
use crate::received::ReceivedRequest;

/// How many received requests are kept for inspection; counts go on past it.
const KEPT_REQUESTS: usize = 1000;

pub(crate) struct State {
    /// `http://127.0.0.1:{port}`.
    pub(crate) base_url: String,
    /// Tokens issued so far.
    pub(crate) issued: AtomicU64,
    pub(crate) token_requests: AtomicUsize,
    /// Token requests answered 429 for the rate limit.
    pub(crate) rate_limited: AtomicUsize,
    inner: Mutex<Inner>,
    /// The keys that sign tokens and that `/.well-known/jwks.json` publishes.
    pub(crate) keys: crate::jwt::KeyRing,
    /// Which client each issued token belongs to, and which were revoked.
    pub(crate) revocations: crate::revoke_endpoint::Revocations,
    /// Customers, refresh tokens and authorization codes.
    pub(crate) people: crate::people::People,
}

#[derive(Default)]
struct Inner {
    apps: HashMap<String, App>,
    always: Option<Misbehaviour>,
    once: VecDeque<Misbehaviour>,
    error_shape: ErrorShape,
    received: VecDeque<ReceivedRequest>,
    requests_per_path: HashMap<String, usize>,
    rate_limit: Option<(usize, Duration)>,
    /// Per client IP (`x-true-client-ip`, or the server's own for requests
    /// without it): when its token requests came, in the window.
    token_request_times: HashMap<String, VecDeque<Instant>>,
}

impl State {
    pub(crate) fn new(base_url: String) -> State {
        State {
            base_url,
            issued: AtomicU64::new(0),
            token_requests: AtomicUsize::new(0),
            rate_limited: AtomicUsize::new(0),
            inner: Mutex::new(Inner::default()),
            keys: crate::jwt::KeyRing::new(),
            revocations: Default::default(),
            people: Default::default(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock leaves valid data behind.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn register(&self, app: App) {
        self.inner().apps.insert(app.client_id().to_owned(), app);
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<App> {
        self.inner().apps.get(client_id).cloned()
    }

    pub(crate) fn record(&self, request: ReceivedRequest) {
        let mut inner = self.inner();
        *inner
            .requests_per_path
            .entry(request.path.clone())
            .or_default() += 1;
        if inner.received.len() == KEPT_REQUESTS {
            inner.received.pop_front();
        }
        inner.received.push_back(request);
    }

    pub(crate) fn received(&self) -> Vec<ReceivedRequest> {
        self.inner().received.iter().cloned().collect()
    }

    pub(crate) fn last_request_to(&self, path: &str) -> Option<ReceivedRequest> {
        self.inner()
            .received
            .iter()
            .rev()
            .find(|request| request.path() == path)
            .cloned()
    }

    pub(crate) fn requests_to(&self, path: &str) -> usize {
        self.inner()
            .requests_per_path
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn misbehave(&self, misbehaviour: Option<Misbehaviour>, once: bool) {
        let mut inner = self.inner();
        match (misbehaviour, once) {
            (Some(misbehaviour), true) => inner.once.push_back(misbehaviour),
            (misbehaviour, _) => {
                inner.always = misbehaviour;
                inner.once.clear();
            }
        }
    }

    /// The misbehaviour for this request: a queued one first, then the lasting one.
    pub(crate) fn next_misbehaviour(&self) -> Option<Misbehaviour> {
        let mut inner = self.inner();
        inner.once.pop_front().or_else(|| inner.always.clone())
    }

    pub(crate) fn set_error_shape(&self, shape: ErrorShape) {
        self.inner().error_shape = shape;
    }

    pub(crate) fn error_shape(&self) -> ErrorShape {
        self.inner().error_shape
    }

    pub(crate) fn set_rate_limit(&self, limit: Option<(usize, Duration)>) {
        let mut inner = self.inner();
        inner.rate_limit = limit;
        inner.token_request_times.clear();
    }

    /// Whether this token request is over the limit of the sliding window of
    /// its client IP (`shopper`, the `x-true-client-ip` it carries, or the
    /// server's own): a request counts toward the window either way, as on
    /// the real server. Every request over it is counted.
    pub(crate) fn over_rate_limit(&self, shopper: Option<&str>) -> bool {
        let mut inner = self.inner();
        let Some((max, window)) = inner.rate_limit else {
            return false;
        };
        let now = Instant::now();
        let times = inner
            .token_request_times
            .entry(shopper.unwrap_or("").to_owned())
            .or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        let over = times.len() >= max;
        times.push_back(now);
        if over {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        over
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }
}
