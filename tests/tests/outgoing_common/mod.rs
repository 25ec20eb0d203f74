//! What the outgoing middleware's tests share: the auth stand-in with an
//! integration, a token source over it, the Core API stand-in, and a second
//! server on another port that plays another host.

#![allow(dead_code)] // each test file uses a part

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scope_core::auth::outgoing::Origin;
use scope_core::auth::{AuthClient, Credentials, TokenSource};
use scope_tests::{AuthServer, CoreApi};

pub struct World {
    pub auth: AuthServer,
    pub tokens: Arc<TokenSource>,
    pub core_api: CoreApi,
    /// Another origin (another port of 127.0.0.1): it must never see a token.
    pub elsewhere: CoreApi,
}

impl World {
    pub fn new() -> World {
        World::with_backoff(
            scope_core::auth::DEFAULT_BACKOFF_INITIAL,
            scope_core::auth::DEFAULT_BACKOFF_MAX,
        )
    }

    /// The world, its token source backing off in steps from `initial` to `max`.
    pub fn with_backoff(initial: Duration, max: Duration) -> World {
        let auth = AuthServer::start();
        auth.add_integration("backend", "s3cret");
        let client = AuthClient::builder()
            .base_url(auth.base_url())
            .build()
            .expect("a client for the stand-in");
        let tokens =
            TokenSource::builder(client, Credentials::integration("backend", "s3cret", None))
                .backoff(initial, max)
                .build()
                .expect("a token source");
        World {
            auth,
            tokens: Arc::new(tokens),
            core_api: CoreApi::start(),
            elsewhere: CoreApi::start(),
        }
    }

    /// The Core API stand-in's origin, the one the middleware is built for.
    pub fn origin(&self) -> Origin {
        Origin::new(&self.core_api.base_url()).expect("a loopback origin")
    }

    /// A URL on the Core API stand-in.
    pub fn core_url(&self, path: &str) -> String {
        format!("{}{path}", self.core_api.base_url())
    }

    /// A URL on the other server.
    pub fn elsewhere_url(&self, path: &str) -> String {
        format!("{}{path}", self.elsewhere.base_url())
    }
}

/// `Bearer {token}`, as the Core API should receive it.
pub fn bearer(token: &scope_core::auth::Token) -> String {
    use scope_core::auth::ExposeSecret;
    format!("Bearer {}", token.access_token().expose_secret())
}

/// After 100 tasks each sent `first` and got a 401 at once: one renewal in
/// all, every task refused once with the first token, and retried once.
#[allow(dead_code)] // not every test file has the storm
pub fn assert_one_renewal_for_100_refused(world: &World, first: &scope_core::auth::Token) {
    assert_eq!(
        world.auth.token_requests(),
        2,
        "the first token and one renewal"
    );
    let refused = world
        .core_api
        .authorizations()
        .iter()
        .filter(|seen| seen.as_deref() == Some(bearer(first).as_str()))
        .count();
    assert_eq!(
        refused, 100,
        "every task sent the first token and was refused"
    );
    assert_eq!(world.core_api.requests().len(), 200, "each retried once");
}

/// The backoff steps of [`a_core_api_refusing_every_token`]: 100 ms doubling to 1 s.
pub const REFUSAL_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(1));

/// With the Core API refusing every token, sends a request through `send`
/// every 10 ms for `REFUSAL_SECONDS`; asserts that each one ends at once (a 401
/// or an error, never a hang) and that the token requests stay within the
/// documented bound: the first token, one renewal at once, then one per
/// backoff step (steps from 100 ms doubling to 1 s, each wait at least half
/// of its step), instead of one per request.
pub async fn a_core_api_refusing_every_token<F, R>(world: &World, send: F)
where
    F: Fn() -> R,
    R: Future<Output = ()>,
{
    world.core_api.refuse_every_token();
    let window = Duration::from_secs(REFUSAL_SECONDS);
    let started = Instant::now();
    let mut requests = 0;
    while started.elapsed() < window {
        let one = Instant::now();
        send().await;
        assert!(one.elapsed() < Duration::from_secs(2), "a request hung");
        requests += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (initial, max) = REFUSAL_BACKOFF;
    // Waits of at least 50, 100, 200, 400 ms, then 500 ms each.
    let mut bound = 2;
    let (mut waited, mut step) = (Duration::ZERO, initial);
    while waited < window {
        waited += step / 2;
        step = (step * 2).min(max);
        bound += 1;
    }
    let token_requests = world.auth.token_requests();
    assert!(
        token_requests <= bound,
        "{token_requests} token requests for {requests} requests in {window:?} (bound {bound})"
    );
    assert!(requests > token_requests, "{requests} requests only");
}

/// How long [`a_core_api_refusing_every_token`] refuses tokens.
pub const REFUSAL_SECONDS: u64 = 5;
