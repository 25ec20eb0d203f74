//! The token cache: serves a cached value while it is fresh, renews it ahead of
//! expiry with one request however many callers ask, keeps serving a valid value
//! while renewals fail transiently, drops it when a failure says it is worthless
//! (`RetryHint::drops_value`: the credentials were refused), and backs off
//! between failed requests. It never serves an expired value, and never asks
//! twice within the backoff's initial step: a value granted already expired is
//! a failure, and a short-lived one is renewed no sooner than that step.
//!
//! It is generic over what it caches (anything with an expiry instant) and over
//! the clock, so its rules are tested without a server; `TokenSource` and the
//! blocking `TokenSource` plug the auth client in.
//!
//! The hot path (a fresh value cached) is one `arc-swap` load, one coarse-clock
//! read, one compare and one `Arc` clone: no lock, no write to shared memory but
//! the clone's count, no precise clock read. Everything else happens under a
//! mutex that is never held across an `.await`.

mod clock;
mod flight;
mod policy;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use super::budget::Need;
use super::trace::{self, Secs};

pub(crate) use clock::{Clock, SystemClock, now};
pub(crate) use flight::{Failure, Flight, Outcome};
pub(crate) use policy::{Policy, random};

/// A cached value knows when it expires (on the cache's precise clock). It is
/// shared between tasks and threads, hence the supertraits.
pub(crate) trait Expiring: Send + Sync + 'static {
    fn expires_at(&self) -> Instant;
}

/// What the cache needs to know of a failed request's error. It is shared
/// between every caller that waited for the failed request, hence the
/// supertraits.
pub(crate) trait RetryHint: Send + Sync + 'static {
    /// The server's `Retry-After`, when it sent one: the backoff is at least this.
    fn retry_after(&self) -> Option<Duration>;

    /// Whether this failure makes the cached value worthless (the server refused
    /// the credentials it was issued for): the cache drops it, so callers get
    /// the error at once instead of the value until it expires. Transient
    /// failures answer `false`: the valid value keeps being served.
    fn drops_value(&self) -> bool;

    /// The error recorded when the server granted a value too short-lived to
    /// be served and renewed at the backoff's pace: `lifetime` is zero for one
    /// already expired on arrival, else its life from the request's sending
    /// (it expires before the next request may be sent).
    fn lifetime_too_short(lifetime: Duration) -> Self
    where
        Self: Sized;

    /// The error recorded when the API the values go to refused them soon
    /// after they were issued, `refusals` times in a row, the last `age`
    /// after its issue: renewals then back off as failed requests do.
    fn refused_young(age: Duration, refusals: u32) -> Self
    where
        Self: Sized;

    /// Whether nothing was sent (a budget with no place): the next attempt
    /// waits exactly [`retry_after`](RetryHint::retry_after), and the backoff
    /// does not grow, since the server said nothing.
    fn is_local(&self) -> bool {
        false
    }

    /// The failure's kind as a log field: a fixed word, never server text.
    fn kind(&self) -> &'static str {
        "failure"
    }
}

/// The cached value with the instants that govern it.
#[derive(Debug)]
struct Entry<T> {
    value: Arc<T>,
    refresh_at: Instant,
    expires_at: Instant,
    /// The hot path serves `value` while the coarse clock reads below this.
    fast_until: u64,
}

/// What the mutex guards: the request in progress and the failure record.
#[derive(Debug)]
struct State<T, E> {
    flight: Option<Arc<Flight<T, E>>>,
    failures: u32,
    /// The last request's error, and the instant before which no new request
    /// is made (backoff); `None` since a success.
    last_failure: Option<Failure<E>>,
    /// Values refused young in a row (see [`Core::count_refusal`]), and when
    /// the last was: unlike `failures`, a success does not reset them, since
    /// the next value may be refused as soon as it is used.
    refusals: u32,
    last_refusal: Option<Instant>,
}

/// The cache of one credential's token.
#[derive(Debug)]
pub(crate) struct Core<T, E, C = SystemClock> {
    current: ArcSwapOption<Entry<T>>,
    state: Mutex<State<T, E>>,
    policy: Policy,
    clock: C,
}

/// What a caller must do next, decided under the lock.
pub(crate) enum Step<T: Expiring, E: RetryHint, C: Clock> {
    /// Return this fresh value.
    Ready(Arc<T>),
    /// Return this value (still valid), and start this renewal in the background.
    ReadyAndRenew(Arc<T>, Ticket<T, E, C>),
    /// Wait for the request in progress.
    Join(Arc<Flight<T, E>>),
    /// Run the request, then return its outcome.
    Lead(Ticket<T, E, C>),
    /// No valid value, and the cache is backing off after a failure.
    Failed(Failure<E>),
}

impl<T: Expiring, E: RetryHint, C: Clock> Core<T, E, C> {
    pub fn new(policy: Policy, clock: C) -> Self {
        Core {
            current: ArcSwapOption::empty(),
            state: Mutex::new(State {
                flight: None,
                failures: 0,
                last_failure: None,
                refusals: 0,
                last_refusal: None,
            }),
            policy,
            clock,
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn lock(&self) -> MutexGuard<'_, State<T, E>> {
        // Every write under this lock is a single assignment: a panic elsewhere
        // cannot leave the state half-updated.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The hot path: the cached value if it is surely before its renewal time.
    #[inline]
    pub fn fresh(&self) -> Option<Arc<T>> {
        let entry = self.current.load();
        let entry = entry.as_ref()?;
        (self.clock.coarse() < entry.fast_until).then(|| Arc::clone(&entry.value))
    }

    /// The slow path's decision, on the precise clock.
    pub fn step(self: &Arc<Self>) -> Step<T, E, C> {
        let now = self.clock.now();
        let mut state = self.lock();
        let backing_off = state
            .last_failure
            .as_ref()
            .and_then(|failure| failure.retry_at)
            .is_some_and(|at| now < at);
        if let Some(entry) = self
            .current
            .load_full()
            .filter(|entry| now < entry.expires_at)
        {
            if now < entry.refresh_at || state.flight.is_some() || backing_off {
                return Step::Ready(Arc::clone(&entry.value));
            }
            return Step::ReadyAndRenew(Arc::clone(&entry.value), self.take_off(&mut state, now));
        }
        if let Some(flight) = &state.flight {
            return Step::Join(Arc::clone(flight));
        }
        if backing_off && let Some(failure) = &state.last_failure {
            return Step::Failed(failure.clone());
        }
        Step::Lead(self.take_off(&mut state, now))
    }

    fn take_off(self: &Arc<Self>, state: &mut State<T, E>, now: Instant) -> Ticket<T, E, C> {
        let flight = Arc::new(Flight::new());
        state.flight = Some(Arc::clone(&flight));
        Ticket {
            core: Arc::clone(self),
            flight,
            sent_at: now,
            landed: false,
        }
    }

    /// Drops the cached value, and returns it: the next call asks the server
    /// (or joins the request already in progress).
    pub fn invalidate(&self) -> Option<Arc<T>> {
        let _state = self.lock();
        self.current
            .swap(None)
            .map(|entry| Arc::clone(&entry.value))
    }

    /// Makes `value`, found elsewhere (the store a session lives in), the
    /// cached one. The store speaks for its own value: when the cached one is
    /// the same (`same`), it takes `value`'s expiry (and goes if that has
    /// passed). Another value is taken only if it lives longer than the
    /// cached one, so a value read before a renewal landed never replaces the
    /// renewed one. `sent_at` is when it was asked for, which places its
    /// renewal time as if this cache had asked.
    pub fn adopt(&self, value: Arc<T>, sent_at: Instant, same: impl Fn(&T, &T) -> bool) {
        let now = self.clock.now();
        let expires_at = value.expires_at();
        let refresh_at = self
            .policy
            .refresh_at(sent_at, expires_at, policy::random());
        let fast_until = self.clock.coarse_deadline(refresh_at.min(expires_at));
        let _state = self.lock();
        let current = self.current.load();
        let (is_same, newer) = match current.as_ref() {
            Some(entry) => (
                same(&entry.value, &value),
                entry.expires_at <= now || entry.expires_at < expires_at,
            ),
            None => (false, true),
        };
        if expires_at <= now {
            if is_same {
                self.current.store(None);
            }
        } else if is_same || newer {
            self.current.store(Some(Arc::new(Entry {
                value,
                refresh_at,
                expires_at,
                fast_until,
            })));
        }
    }

    /// Counts a value refused by the API it was sent to, `age` after its
    /// issue. A value refused young (younger than the backoff's largest step)
    /// counts: the first of a row is renewed at once, as an early revocation
    /// should be; each further one in a row waits a backoff step first (the
    /// steps of failed requests: doubling from the initial one, a random half
    /// to all of each), so an API that refuses every value costs a bounded
    /// number of requests. A value refused old ends the row. The row is
    /// forgotten once no refusal came for two of the largest steps. Returns
    /// when the next request may be made, if a wait was set, and the count.
    pub fn count_refusal(&self, age: Duration) -> Option<(Instant, u32)> {
        let now = self.clock.now();
        let mut state = self.lock();
        let largest = self.policy.backoff_max;
        let stale = state
            .last_refusal
            .is_some_and(|at| now.saturating_duration_since(at) > largest.saturating_mul(2));
        if age >= largest || stale {
            state.refusals = 0;
        }
        if age >= largest {
            state.last_refusal = None;
            return None;
        }
        state.refusals = state.refusals.saturating_add(1);
        state.last_refusal = Some(now);
        let refusals = state.refusals;
        if refusals < 2 {
            return None;
        }
        let wait = self.policy.backoff(refusals - 1, None, policy::random());
        let retry_at = now.checked_add(wait)?;
        state.last_failure = Some(Failure {
            error: Arc::new(E::refused_young(age, refusals)),
            retry_at: Some(retry_at),
        });
        Some((retry_at, refusals))
    }

    /// Drops the cached value if `rejected` says it is the rejected one, and
    /// tells whether it did. Many callers rejecting the same old value drop it
    /// once, not also the new value that replaced it.
    pub fn invalidate_if(&self, rejected: impl Fn(&T) -> bool) -> bool {
        let _state = self.lock();
        let hit = self
            .current
            .load()
            .as_ref()
            .is_some_and(|entry| rejected(&entry.value));
        if hit {
            self.current.store(None);
        }
        hit
    }

    /// Waits for the request in progress, if there is one, to land.
    pub async fn landed(&self) {
        let flight = self.lock().flight.clone();
        if let Some(flight) = flight {
            let _ = flight.wait().await;
        }
    }

    /// Whether the cache holds nothing but its value: no request in
    /// progress, no backoff under way, no row of refusals still counted.
    pub fn is_idle(&self) -> bool {
        let now = self.clock.now();
        let state = self.lock();
        let backing_off = state
            .last_failure
            .as_ref()
            .and_then(|failure| failure.retry_at)
            .is_some_and(|at| now < at);
        let counting = state.last_refusal.is_some_and(|at| {
            now.saturating_duration_since(at) <= self.policy.backoff_max.saturating_mul(2)
        });
        state.flight.is_none() && !backing_off && !counting
    }

    /// Whether a valid value is cached, on the precise clock.
    pub fn has_valid(&self) -> bool {
        let now = self.clock.now();
        self.current
            .load()
            .as_ref()
            .is_some_and(|entry| now < entry.expires_at)
    }

    fn land(
        &self,
        flight: &Arc<Flight<T, E>>,
        sent_at: Instant,
        result: Result<T, E>,
    ) -> Outcome<T, E> {
        let outcome = match result {
            Ok(value) => self.store(flight, sent_at, value),
            Err(error) => {
                let now = self.clock.now();
                let mut state = self.lock();
                Outcome::Done(Err(self.fail(&mut state, flight, now, error, None)))
            }
        };
        flight.land(outcome.clone());
        outcome
    }

    /// Records a value the server granted. A value already expired is a
    /// failure. One that expires before the next request may be sent (the
    /// backoff's initial step after this one) is served while valid, and also
    /// counts as a failure, so the gap after its expiry gets an error and
    /// repeated short grants back off like any failure.
    fn store(&self, flight: &Arc<Flight<T, E>>, sent_at: Instant, value: T) -> Outcome<T, E> {
        let now = self.clock.now();
        let expires_at = value.expires_at();
        let lifetime = expires_at.saturating_duration_since(sent_at);
        if expires_at <= now {
            let error = E::lifetime_too_short(Duration::ZERO);
            let mut state = self.lock();
            return Outcome::Done(Err(self.fail(&mut state, flight, now, error, None)));
        }
        let value = Arc::new(value);
        // Never sooner than the initial backoff after the last request,
        // however short-lived the value.
        let earliest = sent_at
            .checked_add(self.policy.backoff_initial)
            .unwrap_or(expires_at);
        let refresh_at = self
            .policy
            .refresh_at(sent_at, expires_at, policy::random())
            .max(earliest);
        // Outside the lock: it spins for two microseconds.
        let fast_until = self.clock.coarse_deadline(refresh_at.min(expires_at));
        let entry = Entry {
            value: Arc::clone(&value),
            refresh_at,
            expires_at,
            fast_until,
        };
        let mut state = self.lock();
        self.current.store(Some(Arc::new(entry)));
        if expires_at < earliest {
            let error = E::lifetime_too_short(lifetime);
            // Not before `earliest`, whatever the jitter drew.
            self.fail(&mut state, flight, now, error, Some(earliest));
        } else {
            state.failures = 0;
            state.last_failure = None;
            release(&mut state, flight);
        }
        Outcome::Done(Ok(value))
    }

    /// Records a failure, under the lock: counts it, backs off (until
    /// `not_before` at least), and drops the cached value if the error says it
    /// is worthless.
    fn fail(
        &self,
        state: &mut State<T, E>,
        flight: &Arc<Flight<T, E>>,
        now: Instant,
        error: E,
        not_before: Option<Instant>,
    ) -> Failure<E> {
        if error.drops_value() {
            self.current.store(None);
        }
        let wait = match error.retry_after() {
            Some(wait) if error.is_local() => wait,
            retry_after => {
                state.failures = state.failures.saturating_add(1);
                self.policy
                    .backoff(state.failures, retry_after, policy::random())
            }
        };
        let retry_at = now.checked_add(wait).map(|at| match not_before {
            Some(not_before) => at.max(not_before),
            None => at,
        });
        let failure = Failure {
            error: Arc::new(error),
            retry_at,
        };
        state.last_failure = Some(failure.clone());
        release(state, flight);
        failure
    }

    /// The log line of a request that landed: the value's life, or the failure, the wait
    /// before the next request and whether a valid value is still served meanwhile.
    fn trace_landed(&self, outcome: &Outcome<T, E>) {
        // Read only when a line is written.
        let left =
            |at: Option<Instant>| Secs(at.map(|at| at.saturating_duration_since(self.clock.now())));
        match outcome {
            Outcome::Done(Ok(value)) => {
                trace::debug!("token renewed", expires_in = %left(Some(value.expires_at())));
            }
            Outcome::Done(Err(failure)) if failure.error.drops_value() => trace::warning!(
                "the auth server refused the credentials: the cached token was dropped",
                error = %failure.error.kind(),
                retry_in = %left(failure.retry_at),
            ),
            Outcome::Done(Err(failure)) => trace::warning!(
                "the token request failed: backing off",
                error = %failure.error.kind(),
                retry_in = %left(failure.retry_at),
                serving_cached = %self.has_valid(),
            ),
            Outcome::Abandoned => {}
        }
    }

    fn abandon(&self, flight: &Arc<Flight<T, E>>) {
        release(&mut self.lock(), flight);
        flight.land(Outcome::Abandoned);
    }
}

/// Clears the request in progress if it is this one.
fn release<T, E>(state: &mut State<T, E>, flight: &Arc<Flight<T, E>>) {
    if state
        .flight
        .as_ref()
        .is_some_and(|current| Arc::ptr_eq(current, flight))
    {
        state.flight = None;
    }
}

/// The right and duty to run one request: landing it records the result;
/// dropping it unlanded tells the waiters to start over.
pub(crate) struct Ticket<T: Expiring, E: RetryHint, C: Clock> {
    core: Arc<Core<T, E, C>>,
    flight: Arc<Flight<T, E>>,
    sent_at: Instant,
    landed: bool,
}

impl<T: Expiring, E: RetryHint, C: Clock> Ticket<T, E, C> {
    pub fn flight(&self) -> Arc<Flight<T, E>> {
        Arc::clone(&self.flight)
    }

    pub fn land(mut self, result: Result<T, E>) -> Outcome<T, E> {
        self.landed = true;
        let outcome = self.core.land(&self.flight, self.sent_at, result);
        self.core.trace_landed(&outcome);
        outcome
    }

    /// Runs `request` and lands its result.
    pub async fn run<F>(self, request: F) -> Outcome<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let result = request.await;
        self.land(result)
    }
}

impl<T: Expiring, E: RetryHint, C: Clock> Drop for Ticket<T, E, C> {
    fn drop(&mut self) {
        if !self.landed {
            self.core.abandon(&self.flight);
        }
    }
}

/// The async slow path: returns a valid value, or the error of the request
/// that failed. `request` makes one request, for a caller of the need it is
/// given (`Now`: nobody has a valid value; `Ahead`: a renewal ahead of expiry); it runs on a spawned task when a
/// tokio runtime is at hand, so a cancelled caller never cancels the request
/// others wait for.
pub(crate) async fn get<T, E, C, R, F>(
    core: &Arc<Core<T, E, C>>,
    request: R,
) -> Result<Arc<T>, Failure<E>>
where
    T: Expiring,
    E: RetryHint,
    C: Clock,
    R: Fn(Need) -> F,
    F: Future<Output = Result<T, E>> + Send + 'static,
{
    // Set when a request this caller spawned was dropped unrun (a runtime
    // shutting down): from then on it runs requests itself.
    let mut inline = false;
    loop {
        let outcome = match core.step() {
            Step::Ready(value) => return Ok(value),
            Step::Failed(failure) => return Err(failure),
            Step::Join(flight) => flight.wait().await,
            Step::ReadyAndRenew(value, ticket) => {
                trace::debug!(
                    "renewing the token ahead of expiry; the cached one is served meanwhile"
                );
                match tokio::runtime::Handle::try_current() {
                    Ok(runtime) => drop(
                        runtime.spawn(trace::in_current_span(ticket.run(request(Need::Ahead)))),
                    ),
                    // No runtime to run it in the background: this caller renews.
                    Err(_) => drop(ticket.run(request(Need::Ahead)).await),
                }
                return Ok(value);
            }
            Step::Lead(ticket) => {
                trace::debug!("no valid token cached: getting one");
                match tokio::runtime::Handle::try_current() {
                    Ok(runtime) if !inline => {
                        let flight = ticket.flight();
                        drop(runtime.spawn(trace::in_current_span(ticket.run(request(Need::Now)))));
                        let outcome = flight.wait().await;
                        inline = matches!(outcome, Outcome::Abandoned);
                        outcome
                    }
                    _ => ticket.run(request(Need::Now)).await,
                }
            }
        };
        // Abandoned: whoever ran the request stopped, so start over.
        if let Outcome::Done(result) = outcome {
            return result;
        }
    }
}

/// The blocking slow path: as [`get`], for threads. Background renewals run on
/// a short-lived thread; a first request runs on the caller's thread.
#[cfg(any(feature = "blocking", test))]
pub(crate) fn get_blocking<T, E, C, R>(
    core: &Arc<Core<T, E, C>>,
    request: R,
) -> Result<Arc<T>, Failure<E>>
where
    T: Expiring,
    E: RetryHint,
    C: Clock,
    R: Fn(Need) -> Result<T, E> + Clone + Send + 'static,
{
    loop {
        let outcome = match core.step() {
            Step::Ready(value) => return Ok(value),
            Step::Failed(failure) => return Err(failure),
            Step::Join(flight) => flight.wait_blocking(),
            Step::ReadyAndRenew(value, ticket) => {
                trace::debug!(
                    "renewing the token ahead of expiry; the cached one is served meanwhile"
                );
                let renew = request.clone();
                let span = trace::Span::current();
                // With no thread to be had, the ticket is dropped with the
                // closure, so the next caller renews instead.
                let _detached = std::thread::Builder::new()
                    .name("scope-core token renewal".into())
                    .spawn(move || span.in_scope(|| drop(ticket.land(renew(Need::Ahead)))));
                return Ok(value);
            }
            Step::Lead(ticket) => {
                trace::debug!("no valid token cached: getting one");
                ticket.land(request(Need::Now))
            }
        };
        // Abandoned: whoever ran the request stopped, so start over.
        if let Outcome::Done(result) = outcome {
            return result;
        }
    }
}

#[cfg(test)]
mod tests;
