//! The cache's rules, on tokio's paused clock and on a hand-driven clock, with
//! a scripted request function in place of the auth server.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::clock::{ticks, vouch};
use super::*;

#[derive(Debug)]
struct Tok {
    serial: u32,
    expires_at: Instant,
}

impl Expiring for Tok {
    fn expires_at(&self) -> Instant {
        self.expires_at
    }
}

#[derive(Debug)]
struct Refused {
    serial: u32,
    retry_after: Option<Duration>,
    /// The credentials were refused: the cached value must go.
    refused: bool,
    /// Not an answer of the server: it granted a value this short-lived.
    too_short: Option<Duration>,
}

impl Refused {
    fn transient(serial: u32, retry_after: Option<Duration>) -> Refused {
        Refused {
            serial,
            retry_after,
            refused: false,
            too_short: None,
        }
    }
}

impl RetryHint for Refused {
    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    fn drops_value(&self) -> bool {
        self.refused
    }

    fn lifetime_too_short(lifetime: Duration) -> Self {
        Refused {
            serial: 0,
            retry_after: None,
            refused: false,
            too_short: Some(lifetime),
        }
    }

    fn refused_young(_age: Duration, refusals: u32) -> Self {
        Refused {
            serial: refusals,
            retry_after: None,
            refused: false,
            too_short: None,
        }
    }
}

/// A scripted server: counts requests, answers after `latency`, fails while a
/// failure is queued (with its `Retry-After`) or while `down`.
#[derive(Clone)]
struct Server {
    requests: Arc<AtomicU32>,
    failures: Arc<Mutex<VecDeque<Option<Duration>>>>,
    down: Arc<AtomicU32>,
    refusing: Arc<AtomicU32>,
    sent: Arc<Mutex<Vec<Instant>>>,
    lifetime: Duration,
    latency: Duration,
}

impl Server {
    fn new(lifetime: Duration, latency: Duration) -> Server {
        Server {
            requests: Arc::default(),
            failures: Arc::default(),
            down: Arc::default(),
            refusing: Arc::default(),
            sent: Arc::default(),
            lifetime,
            latency,
        }
    }

    fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }

    fn fail_next(&self, retry_after: Option<Duration>) {
        self.failures.lock().unwrap().push_back(retry_after);
    }

    fn set_down(&self, down: bool) {
        self.down.store(u32::from(down), Ordering::SeqCst);
    }

    /// From now on, answer every request as a 401 would be: credentials refused.
    fn set_refusing(&self, refusing: bool) {
        self.refusing.store(u32::from(refusing), Ordering::SeqCst);
    }

    /// When each request was sent, in order.
    fn sent(&self) -> Vec<Instant> {
        self.sent.lock().unwrap().clone()
    }

    fn answer(&self, sent_at: Instant) -> Result<Tok, Refused> {
        let serial = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        self.sent.lock().unwrap().push(sent_at);
        if self.refusing.load(Ordering::SeqCst) == 1 {
            return Err(Refused {
                refused: true,
                ..Refused::transient(serial, None)
            });
        }
        if self.down.load(Ordering::SeqCst) == 1 {
            return Err(Refused::transient(serial, None));
        }
        if let Some(retry_after) = self.failures.lock().unwrap().pop_front() {
            return Err(Refused::transient(serial, retry_after));
        }
        Ok(Tok {
            serial,
            expires_at: sent_at + self.lifetime,
        })
    }

    fn request(&self) -> impl Future<Output = Result<Tok, Refused>> + Send + 'static {
        let server = self.clone();
        async move {
            let sent_at = crate::auth::now();
            if !server.latency.is_zero() {
                tokio::time::sleep(server.latency).await;
            }
            server.answer(sent_at)
        }
    }

    fn request_blocking(&self) -> Result<Tok, Refused> {
        let sent_at = crate::auth::now();
        std::thread::sleep(self.latency);
        self.answer(sent_at)
    }
}

const HOUR: Duration = Duration::from_secs(3600);

const POLICY: Policy = Policy {
    margin: Duration::from_secs(300),
    jitter: Duration::from_secs(60),
    backoff_initial: Duration::from_secs(1),
    backoff_max: Duration::from_secs(60),
};

fn cache() -> Arc<Core<Tok, Refused>> {
    Arc::new(Core::new(POLICY, SystemClock))
}

async fn token(
    core: &Arc<Core<Tok, Refused>>,
    server: &Server,
) -> Result<Arc<Tok>, Failure<Refused>> {
    if let Some(value) = core.fresh() {
        return Ok(value);
    }
    get(core, |_| server.request()).await
}

/// Lets spawned renewals run (on the paused clock, a sleep auto-advances).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[tokio::test(start_paused = true)]
async fn cached_until_the_margin_then_renewed() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::from_millis(100)));
    let start = tokio::time::Instant::now();
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);

    // Up to margin + jitter before expiry: cached, whatever the jitter drew.
    tokio::time::advance(HOUR - POLICY.margin - POLICY.jitter - Duration::from_secs(1)).await;
    for _ in 0..100 {
        assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    }
    assert_eq!(server.requests(), 1);

    // Past the margin: the old token is served while one renewal runs.
    tokio::time::advance(POLICY.jitter + Duration::from_secs(2)).await;
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    settle().await;
    assert_eq!(server.requests(), 2);
    assert_eq!(token(&core, &server).await.unwrap().serial, 2);
    assert!(tokio::time::Instant::now() - start < HOUR);
}

#[tokio::test(start_paused = true)]
async fn expired_tokens_are_never_returned() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    server.set_down(true);
    // Walk through the end of the token's life one second at a time: while it
    // is valid it is served, after that only errors.
    tokio::time::advance(HOUR - POLICY.margin - POLICY.jitter).await;
    let mut served_after_expiry = 0;
    let mut errors = 0;
    for _ in 0..(POLICY.margin + POLICY.jitter + Duration::from_secs(120)).as_secs() {
        tokio::time::advance(Duration::from_secs(1)).await;
        match token(&core, &server).await {
            Ok(tok) if crate::auth::now() >= tok.expires_at => served_after_expiry += 1,
            Ok(tok) => assert_eq!(tok.serial, 1),
            Err(_) => errors += 1,
        }
    }
    assert_eq!(served_after_expiry, 0);
    assert!(errors >= 119, "{errors}");
    assert!(!core.has_valid());
}

#[tokio::test(start_paused = true)]
async fn a_failing_renewal_keeps_serving_the_valid_token_and_backs_off() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    token(&core, &server).await.unwrap();
    server.set_down(true);
    tokio::time::advance(HOUR - POLICY.margin).await;
    // Every call for two minutes gets the valid token; the server sees a
    // request, then requests spaced by a growing backoff, not one per call.
    for _ in 0..1200 {
        assert_eq!(token(&core, &server).await.unwrap().serial, 1);
        tokio::time::advance(Duration::from_millis(100)).await;
    }
    let attempts = server.requests() - 1;
    // Waits of 0.5-1, 1-2, 2-4, ... up to 30-60 s fit 7 to 9 attempts in 120 s.
    assert!((6..=10).contains(&attempts), "{attempts} attempts");

    // The server comes back: the next attempt succeeds and the new token is served.
    server.set_down(false);
    tokio::time::advance(POLICY.backoff_max).await;
    token(&core, &server).await.unwrap();
    settle().await;
    assert_eq!(
        token(&core, &server).await.unwrap().serial,
        server.requests()
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    server.fail_next(Some(Duration::from_secs(30)));
    let failure = token(&core, &server).await.unwrap_err();
    assert_eq!(failure.error.retry_after, Some(Duration::from_secs(30)));
    let retry_at = failure.retry_at.unwrap();
    assert_eq!(retry_at - crate::auth::now(), Duration::from_secs(30));

    // Until then callers get the same error, and the server hears nothing.
    for _ in 0..29 {
        tokio::time::advance(Duration::from_secs(1)).await;
        let again = token(&core, &server).await.unwrap_err();
        assert_eq!(again.error.serial, 1);
        assert_eq!(again.retry_at, Some(retry_at));
    }
    assert_eq!(server.requests(), 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(token(&core, &server).await.unwrap().serial, 2);
}

#[tokio::test(start_paused = true)]
async fn a_server_down_at_start_yields_errors_then_recovers() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::from_millis(50)));
    server.set_down(true);
    for _ in 0..5 {
        let failure = token(&core, &server).await.unwrap_err();
        tokio::time::sleep_until(failure.retry_at.unwrap().into()).await;
    }
    assert_eq!(server.requests(), 5);
    server.set_down(false);
    assert_eq!(token(&core, &server).await.unwrap().serial, 6);
}

/// Spawns 10,000 tasks that call `token` at once; each yields its token's
/// serial, or the failure.
fn stampede(
    core: &Arc<Core<Tok, Refused>>,
    server: &Server,
) -> Vec<tokio::task::JoinHandle<Result<u32, Failure<Refused>>>> {
    (0..10_000)
        .map(|_| {
            let (core, server) = (Arc::clone(core), server.clone());
            tokio::spawn(async move { token(&core, &server).await.map(|tok| tok.serial) })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_callers_on_an_empty_cache_make_one_request() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::from_millis(200)));
    for caller in stampede(&core, &server) {
        assert_eq!(caller.await.unwrap().unwrap(), 1);
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_callers_share_one_error() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::from_millis(200)));
    server.set_down(true);
    for caller in stampede(&core, &server) {
        assert_eq!(caller.await.unwrap().unwrap_err().error.serial, 1);
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_caller_does_not_cancel_the_request() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::from_secs(1)));
    let first = tokio::spawn({
        let (core, server) = (Arc::clone(&core), server.clone());
        async move { token(&core, &server).await.map(|tok| tok.serial) }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    first.abort();
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_ticket_lets_the_next_caller_lead() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    let Step::Lead(ticket) = core.step() else {
        panic!("an empty cache must lead")
    };
    let Step::Join(flight) = core.step() else {
        panic!("a second caller must join")
    };
    drop(ticket);
    assert!(matches!(flight.wait().await, Outcome::Abandoned));
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
}

#[tokio::test(start_paused = true)]
async fn invalidate_drops_the_token() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    core.invalidate();
    assert!(core.fresh().is_none());
    assert_eq!(token(&core, &server).await.unwrap().serial, 2);
}

#[tokio::test(start_paused = true)]
async fn invalidate_if_drops_only_the_rejected_token() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    let first = token(&core, &server).await.unwrap();
    assert!(core.invalidate_if(|tok| tok.serial == first.serial));
    let second = token(&core, &server).await.unwrap();
    // A late rejection of the first token leaves the second alone.
    assert!(!core.invalidate_if(|tok| tok.serial == first.serial));
    assert_eq!(token(&core, &server).await.unwrap().serial, second.serial);
    assert_eq!(server.requests(), 2);
}

#[test]
fn outside_a_runtime_the_caller_runs_the_request() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let std::task::Poll::Ready(result) =
        std::pin::pin!(get(&core, |_| server.request())).poll(&mut context)
    else {
        panic!("a request that needs no timer completes in one poll")
    };
    assert_eq!(result.unwrap().serial, 1);
}

#[test]
fn blocking_callers_make_one_request_and_renew_in_the_background() {
    let core = cache();
    let server = Server::new(Duration::from_secs(2), Duration::from_millis(200));
    let request = {
        let server = server.clone();
        move |_| server.request_blocking()
    };
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let (core, request) = (Arc::clone(&core), request.clone());
            std::thread::spawn(move || get_blocking(&core, request).map(|tok| tok.serial))
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap().unwrap(), 1);
    }
    assert_eq!(server.requests(), 1);
    // A 2 s token is renewed at half-life; past it, the caller still gets the
    // valid token at once while a thread renews it.
    std::thread::sleep(Duration::from_millis(1100));
    let started = Instant::now();
    assert_eq!(get_blocking(&core, request.clone()).unwrap().serial, 1);
    assert!(started.elapsed() < Duration::from_millis(150));
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(get_blocking(&core, request).unwrap().serial, 2);
}

/// A clock driven by hand, whose coarse reading lags the precise one by a set
/// amount: it checks the hot path's arithmetic without tokio.
struct HandClock {
    base: Instant,
    nanos: AtomicU64,
    lag_nanos: AtomicU64,
}

impl HandClock {
    fn advance(&self, by: Duration) {
        self.nanos.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for Arc<HandClock> {
    fn now(&self) -> Instant {
        self.base + Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn coarse(&self) -> u64 {
        let nanos = self
            .nanos
            .load(Ordering::SeqCst)
            .saturating_sub(self.lag_nanos.load(Ordering::SeqCst));
        ticks(Duration::from_nanos(nanos))
    }

    fn coarse_deadline(&self, deadline: Instant) -> u64 {
        vouch(self.coarse(), self.now(), deadline)
    }
}

#[test]
fn the_hot_path_never_serves_past_the_renewal_time() {
    for lag_ms in [0, 1, 4, 16, 50] {
        let clock = Arc::new(HandClock {
            base: Instant::now(),
            nanos: AtomicU64::new(0),
            lag_nanos: AtomicU64::new(Duration::from_millis(lag_ms).as_nanos() as u64),
        });
        let core: Arc<Core<Tok, Refused, Arc<HandClock>>> =
            Arc::new(Core::new(POLICY, Arc::clone(&clock)));
        let Step::Lead(ticket) = core.step() else {
            panic!("an empty cache must lead")
        };
        let expires_at = clock.now() + HOUR;
        drop(ticket.land(Ok(Tok {
            serial: 1,
            expires_at,
        })));
        let refresh_at = core.current.load().as_ref().unwrap().refresh_at;

        // Fresh from the start, and for all but the slack before renewal time.
        assert!(core.fresh().is_some(), "lag {lag_ms} ms");
        let slack = clock::coarse_slack(refresh_at - clock.now());
        clock.advance(refresh_at - clock.now() - slack - Duration::from_millis(lag_ms + 1));
        assert!(core.fresh().is_some(), "lag {lag_ms} ms");

        // Step through the renewal time: the hot path stops before it.
        let mut last_fresh = None;
        while clock.now() < refresh_at + Duration::from_secs(1) {
            if core.fresh().is_some() {
                last_fresh = Some(clock.now());
            }
            clock.advance(Duration::from_millis(1));
        }
        assert!(last_fresh.unwrap() < refresh_at, "lag {lag_ms} ms");
        // The slow path still serves the valid token without a request.
        assert!(matches!(core.step(), Step::ReadyAndRenew(tok, _) if tok.serial == 1));
    }
}

#[test]
fn without_a_coarse_deadline_the_hot_path_is_never_taken() {
    struct Frozen(Instant);
    impl Clock for Frozen {
        fn now(&self) -> Instant {
            self.0
        }
        fn coarse(&self) -> u64 {
            0
        }
        fn coarse_deadline(&self, _deadline: Instant) -> u64 {
            0
        }
    }
    let core: Arc<Core<Tok, Refused, Frozen>> = Arc::new(Core::new(POLICY, Frozen(Instant::now())));
    let Step::Lead(ticket) = core.step() else {
        panic!("an empty cache must lead")
    };
    drop(ticket.land(Ok(Tok {
        serial: 1,
        expires_at: Instant::now() + HOUR,
    })));
    assert!(core.fresh().is_none());
    assert!(matches!(core.step(), Step::Ready(tok) if tok.serial == 1));
}

#[tokio::test(start_paused = true)]
async fn a_zero_lifetime_is_a_failure_that_backs_off() {
    let (core, server) = (cache(), Server::new(Duration::ZERO, Duration::ZERO));
    // Ten calls 50 ms apart: one request, and never an expired token.
    for _ in 0..10 {
        match token(&core, &server).await {
            Ok(tok) => panic!("served token {} with no lifetime", tok.serial),
            Err(failure) => {
                assert_eq!(failure.error.too_short, Some(Duration::ZERO));
                assert!(failure.retry_at.is_some());
            }
        }
        tokio::time::advance(Duration::from_millis(50)).await;
    }
    assert_eq!(server.requests(), 1);
    assert!(!core.has_valid());
    // It counts as a failure: the next request waits for the backoff.
    tokio::time::advance(POLICY.backoff_initial).await;
    assert!(token(&core, &server).await.is_err());
    assert_eq!(server.requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_is_renewed_no_sooner_than_the_initial_backoff() {
    let lifetime = Duration::from_millis(200);
    let (core, server) = (cache(), Server::new(lifetime, Duration::ZERO));
    let (mut served, mut errors) = (0, 0);
    for _ in 0..200 {
        match token(&core, &server).await {
            Ok(tok) => {
                assert!(crate::auth::now() < tok.expires_at, "an expired token");
                served += 1;
            }
            Err(failure) => {
                assert_eq!(failure.error.too_short, Some(lifetime));
                errors += 1;
            }
        }
        tokio::time::advance(Duration::from_millis(50)).await;
    }
    settle().await;
    let sent = server.sent();
    assert!(sent.len() >= 2, "{} requests", sent.len());
    for pair in sent.windows(2) {
        assert!(
            pair[1] - pair[0] >= POLICY.backoff_initial,
            "requests {:?} apart",
            pair[1] - pair[0]
        );
    }
    // Served while valid, an error in the gaps.
    assert!(
        served >= 4 && errors > 0,
        "{served} served, {errors} errors"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_renewal_drops_the_token_and_backs_off() {
    let (core, server) = (cache(), Server::new(HOUR, Duration::ZERO));
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    server.set_refusing(true);
    tokio::time::advance(HOUR - POLICY.margin).await;
    // The renewal starts in the background; this caller still gets the token.
    assert_eq!(token(&core, &server).await.unwrap().serial, 1);
    settle().await;
    assert_eq!(server.requests(), 2);

    // Refused: the token is gone although it has minutes left, and callers get
    // the error at once.
    assert!(!core.has_valid());
    assert!(core.fresh().is_none());
    let failure = token(&core, &server).await.unwrap_err();
    assert!(failure.error.refused);
    assert_eq!(failure.error.serial, 2);
    // No hammering: two minutes of calls cost a backoff's worth of requests.
    for _ in 0..1200 {
        assert!(token(&core, &server).await.unwrap_err().error.refused);
        tokio::time::advance(Duration::from_millis(100)).await;
    }
    let attempts = server.requests() - 2;
    assert!((6..=10).contains(&attempts), "{attempts} attempts");
}

#[test]
fn the_backoff_keeps_the_documented_rate_bounds() {
    // The shortest waits the jitter can draw (half of each step): 0.5, 1, 2,
    // 4, 8, 16, then 30 s. Requests at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s: at
    // most 7 in the first minute of an outage, and, once the waits reach their
    // floor of 30 s, at most 2 in any minute.
    let mut at = Duration::ZERO;
    let mut sent = vec![at];
    for failures in 1..100 {
        at += POLICY.backoff(failures, None, 0);
        sent.push(at);
    }
    let minute = Duration::from_secs(60);
    assert_eq!(sent.iter().filter(|&&t| t < minute).count(), 7);
    let settled = sent.iter().position(|&t| t >= minute).unwrap();
    for (index, start) in sent.iter().enumerate().skip(settled) {
        let in_minute = sent[index..]
            .iter()
            .filter(|&&t| t < *start + minute)
            .count();
        assert!(
            in_minute <= 2,
            "{in_minute} requests in a minute from {start:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn values_refused_young_in_a_row_back_off_and_old_ones_renew_at_once() {
    let core = cache();
    let server = Server::new(Duration::from_secs(3600), Duration::ZERO);
    let policy = *core.policy();
    let ask = |_| server.request();
    // An API that refuses every value as soon as it is used.
    let mut waits = Vec::new();
    for round in 0..8 {
        let value = get(&core, &ask)
            .await
            .unwrap_or_else(|failure| panic!("round {round}: {:?}", failure.error));
        assert!(core.invalidate_if(|cached| cached.serial == value.serial));
        match core.count_refusal(Duration::from_millis(10)) {
            None => assert_eq!(round, 0, "only the first refusal renews at once"),
            Some((retry_at, refusals)) => {
                assert_eq!(refusals, round + 1);
                let wait = retry_at - crate::auth::now();
                // No request until the wait is over.
                let failure = get(&core, &ask).await.unwrap_err();
                assert_eq!(failure.error.serial, round + 1);
                waits.push(wait);
                tokio::time::advance(wait).await;
            }
        }
    }
    assert_eq!(
        server.requests(),
        8,
        "one request per round, none while waiting"
    );
    for (step, wait) in waits.iter().enumerate() {
        let full = policy
            .backoff_initial
            .saturating_mul(1 << step)
            .min(policy.backoff_max);
        assert!(
            *wait >= full / 2 && *wait <= full,
            "wait {step}: {wait:?} of {full:?}"
        );
    }
    // A value refused old (an early revocation) is renewed at once, and ends the row.
    let value = get(&core, &ask).await.unwrap();
    assert!(core.invalidate_if(|cached| cached.serial == value.serial));
    assert!(core.count_refusal(policy.backoff_max).is_none());
    get(&core, &ask).await.unwrap();
    assert_eq!(server.requests(), 10);
    // Then a young refusal starts a new row: renewed at once.
    assert!(core.count_refusal(Duration::ZERO).is_none());
}

fn same(a: &Tok, b: &Tok) -> bool {
    a.serial == b.serial
}

#[tokio::test(start_paused = true)]
async fn an_adopted_value_is_served_and_never_replaces_a_newer_one() {
    let core = cache();
    let now = crate::auth::now();
    let long = Arc::new(Tok {
        serial: 1,
        expires_at: now + Duration::from_secs(3600),
    });
    core.adopt(Arc::clone(&long), now, same);
    let served = get(&core, |_| async { Err(Refused::transient(9, None)) })
        .await
        .unwrap();
    assert_eq!(served.serial, 1);
    let shorter = Arc::new(Tok {
        serial: 2,
        expires_at: now + Duration::from_secs(60),
    });
    core.adopt(shorter, now, same);
    let served = get(&core, |_| async { Err(Refused::transient(9, None)) })
        .await
        .unwrap();
    assert_eq!(served.serial, 1, "the longer-lived one stays");
    let expired = Arc::new(Tok {
        serial: 3,
        expires_at: now,
    });
    core.invalidate();
    core.adopt(expired, now, same);
    assert!(!core.has_valid(), "an expired value is never taken");
    // The store speaks for its own value: the same one, shorter-lived or
    // expired, replaces the cached one.
    core.adopt(Arc::clone(&long), now, same);
    let ended = Arc::new(Tok {
        serial: 1,
        expires_at: now,
    });
    core.adopt(ended, now, same);
    assert!(!core.has_valid(), "the store said it has expired");
}
