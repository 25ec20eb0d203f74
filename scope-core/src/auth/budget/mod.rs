//! [`TokenBudget`]: the one budget of token requests that everything asking
//! the auth server from one IP shares, so that no request is sent that the
//! server's rate limit (30 a minute per IP, a sliding window) would refuse.
//!
//! `window.rs` is the sliding log kept in this process; this file is the face,
//! the priorities, the fleet-wide budget kept in a [`TokenStore`] and the
//! fallback to this process's share when that store fails.

mod window;

#[cfg(feature = "redis")]
pub(crate) use window::RECHECK;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http::HeaderMap;

use crate::auth::trace::{self, secs};
use crate::auth::{AuthError, BudgetAnswer, BudgetTake, TokenStore};
use window::Window;

/// Commerce Layer's documented limit: 30 token requests a minute per IP.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BUDGET_LIMIT, 30);
/// ```
pub const DEFAULT_BUDGET_LIMIT: u32 = 30;

/// The window of Commerce Layer's limit: a sliding minute.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BUDGET_WINDOW.as_secs(), 60);
/// ```
pub const DEFAULT_BUDGET_WINDOW: Duration = Duration::from_secs(60);

/// How long a caller waits for capacity before it gets
/// [`AuthError::BudgetSpent`], unless the budget says otherwise.
///
/// ```
/// assert_eq!(scope_core::auth::DEFAULT_BUDGET_WAIT.as_secs(), 2);
/// ```
pub const DEFAULT_BUDGET_WAIT: Duration = Duration::from_secs(2);

/// The header that makes the server count a request against the shopper's
/// IP instead of the server's.
const TRUE_CLIENT_IP: &str = "x-true-client-ip";

/// Who is waiting on a token request: what decides its place in the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Someone waits for a token and has no valid one: first, the whole budget.
    Now,
    /// A renewal ahead of expiry: the old token is still good, so it never
    /// waits, and leaves a few requests for those who have none.
    Ahead,
    /// A login or another direct grant: what is left once a share is
    /// reserved for renewals, so a login rush never lets a token expire.
    Direct,
}

impl Need {
    fn name(self) -> &'static str {
        match self {
            Need::Now => "now",
            Need::Ahead => "ahead",
            Need::Direct => "direct",
        }
    }
}

/// The budget of token requests an egress IP may send: Commerce Layer's 30 a
/// minute in a sliding window by default, shared by every [`AuthClient`](crate::auth::AuthClient)
/// (and its clones) it is attached to with
/// [`AuthClientBuilder::budget`](crate::auth::AuthClientBuilder::budget):
/// token sources of any credentials, customer sessions (logins, refreshes),
/// direct `request_token_with` calls, renewals after a 401.
///
/// - **Never a request the server would refuse.** It counts every request it
///   lets through, answered or not, and lets none through past the limit.
///   Without a shared store it counts this process's requests; with
///   [`shared`](TokenBudgetBuilder::shared) (a [`RedisStore`](crate::auth::RedisStore))
///   one budget for the whole fleet behind the IP, in Redis. If that store
///   fails, each process goes on with its share of the limit (the limit
///   divided by the processes seen using it, at least two), never the whole.
/// - **The urgent first.** A request for a token someone waits on (no valid
///   token) may use the whole budget; a renewal ahead of expiry leaves a
///   tenth of it to those, and never waits (the old token is still good: the
///   source retries when capacity frees); logins and other direct grants
///   leave a third of it to renewals
///   ([`reserve_for_renewals`](TokenBudgetBuilder::reserve_for_renewals)).
/// - **A full budget** makes a caller wait for capacity up to a deadline
///   ([`max_wait`](TokenBudgetBuilder::max_wait), 2 s by default), then fail
///   with [`AuthError::BudgetSpent`], which says when to retry, without
///   sending anything.
/// - **A 429 that still comes** (another program behind the same IP) pauses
///   every request of the budget, all credentials, for its `Retry-After` (the
///   whole window when it has none), fleet-wide with a shared budget.
/// - **Requests that carry `x-true-client-ip`** (a backend logging shoppers
///   in on their behalf) are limited per shopper IP by the server: they are
///   counted against that IP, with the same limit, not the server's.
///
/// ```no_run
/// use scope_core::auth::{AuthClient, TokenBudget};
///
/// # async fn run() -> Result<(), scope_core::auth::AuthError> {
/// let budget = TokenBudget::new(); // 30 a minute, this process
/// let client = AuthClient::builder().budget(budget.clone()).build()?;
/// // Every source, session and login made with `client` (or its clones) now
/// // draws from `budget`.
/// let usage = budget.usage().await;
/// println!("{} of {} in the last {:?}", usage.used, usage.limit, usage.window);
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenBudget {
    inner: Arc<Inner>,
}

struct Inner {
    limit: u32,
    window: Duration,
    reserve: u32,
    headroom: u32,
    max_wait: Duration,
    /// The fleet's budget: the store and the name of the egress it counts.
    shared: Option<(Arc<dyn TokenStore>, String)>,
    /// Names this process among those sharing the budget.
    holder: String,
    /// Numbers the places this process takes in a shared budget.
    places: std::sync::atomic::AtomicU64,
    local: Mutex<Local>,
}

/// What this process knows.
struct Local {
    /// The server IP's requests sent from here.
    server: Window,
    /// Per shopper IP, for requests carrying `x-true-client-ip`.
    shoppers: HashMap<String, Window>,
    /// The processes the fleet's budget last said share it.
    processes: u32,
    /// Whether the shared store failed at the last call (on our share).
    alone: bool,
}

/// How much of a budget's window is used, from [`TokenBudget::usage`].
///
/// ```
/// # async fn run() {
/// let usage = scope_core::auth::TokenBudget::new().usage().await;
/// assert_eq!((usage.used, usage.limit), (0, 30));
/// assert!(usage.paused_for.is_none());
/// # }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetUsage {
    /// The requests let through in the last window: the fleet's with a shared
    /// budget, else this process's.
    pub used: u32,
    /// The most the window lets through.
    pub limit: u32,
    /// The sliding window.
    pub window: Duration,
    /// How long the pause after a 429 still lasts, if one does.
    pub paused_for: Option<Duration>,
    /// The processes seen using a shared budget in the window (1 without one).
    pub processes: u32,
    /// Whether the shared store failed at the last call, so this process goes
    /// on with its share of the limit.
    pub on_its_own: bool,
}

impl TokenBudget {
    /// Commerce Layer's limit, 30 token requests a minute, counted in this
    /// process, with the default priorities and wait.
    ///
    /// ```
    /// let budget = scope_core::auth::TokenBudget::new();
    /// assert_eq!(budget.limit(), 30);
    /// ```
    pub fn new() -> TokenBudget {
        TokenBudget::builder()
            .build()
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// A builder for another limit (another plan, a test stand-in with a
    /// shorter window), the reserve for renewals, the wait, and a fleet-wide
    /// budget in a shared store.
    ///
    /// ```
    /// use std::time::Duration;
    /// let budget = scope_core::auth::TokenBudget::builder()
    ///     .limit(30, Duration::from_secs(3))
    ///     .max_wait(Duration::from_millis(500))
    ///     .build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn builder() -> TokenBudgetBuilder {
        TokenBudgetBuilder {
            limit: DEFAULT_BUDGET_LIMIT,
            window: DEFAULT_BUDGET_WINDOW,
            reserve: None,
            max_wait: DEFAULT_BUDGET_WAIT,
            shared: None,
        }
    }

    /// The most requests a window lets through.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::TokenBudget::new().limit(), 30);
    /// ```
    pub fn limit(&self) -> u32 {
        self.inner.limit
    }

    /// The sliding window.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::TokenBudget::new().window().as_secs(), 60);
    /// ```
    pub fn window(&self) -> Duration {
        self.inner.window
    }

    /// How much of the window is used: the fleet's with a shared budget (one
    /// read of the store, taking nothing), else this process's. With feature
    /// `tracing`, each request let through, each wait and each refusal is
    /// also a log line.
    ///
    /// ```
    /// # async fn run() {
    /// let budget = scope_core::auth::TokenBudget::new();
    /// let usage = budget.usage().await;
    /// println!("{}/{} in {:?}", usage.used, usage.limit, usage.window);
    /// # }
    /// ```
    pub async fn usage(&self) -> BudgetUsage {
        let inner = &self.inner;
        let now = crate::auth::now();
        if let Some((store, name)) = &inner.shared {
            let peek = self
                .take_request(name.clone(), inner.limit, Duration::ZERO)
                .peeking();
            if let Ok(answer) = store.take_from_budget(&peek).await {
                let (used, processes, paused_for) = match answer {
                    BudgetAnswer::Taken { used, processes }
                    | BudgetAnswer::Full {
                        used, processes, ..
                    } => (used, processes, None),
                    BudgetAnswer::Paused { retry_after } => (0, 0, Some(retry_after)),
                    BudgetAnswer::Unsupported => return self.local_usage(now),
                };
                let mut local = inner.lock();
                let paused_for = paused_for.or_else(|| local.server.paused_for(now));
                return BudgetUsage {
                    used: used.max(local.server.used(now)),
                    limit: inner.limit,
                    window: inner.window,
                    paused_for,
                    processes: processes.max(1),
                    on_its_own: local.alone,
                };
            }
        }
        self.local_usage(now)
    }

    fn local_usage(&self, now: Instant) -> BudgetUsage {
        let inner = &self.inner;
        let mut local = inner.lock();
        BudgetUsage {
            used: local.server.used(now),
            limit: inner.limit,
            window: inner.window,
            paused_for: local.server.paused_for(now),
            processes: local.processes.max(1),
            on_its_own: local.alone,
        }
    }

    fn take_request(&self, name: String, ceiling: u32, hold: Duration) -> BudgetTake {
        let place = self
            .inner
            .places
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        BudgetTake::new(
            name,
            self.inner.window,
            ceiling,
            format!("{}-{place}", self.inner.holder),
        )
        .holding(hold)
    }

    /// The most requests `need` may find in the window of a budget of
    /// `limit`, and still go.
    fn ceiling(&self, need: Need, limit: u32) -> u32 {
        let inner = &self.inner;
        // The reserve and the headroom scale with the limit (a share of it).
        let part = |of: u32| (u64::from(limit) * u64::from(of)).div_ceil(u64::from(inner.limit));
        let part = |of: u32| u32::try_from(part(of)).unwrap_or(limit);
        match need {
            Need::Now => limit,
            Need::Ahead => limit.saturating_sub(part(inner.headroom)),
            Need::Direct => limit.saturating_sub(part(inner.reserve)),
        }
    }

    /// Waits for a place in the budget for a request of `need` (counted
    /// against the shopper's IP when `shopper` is given) that may take up to
    /// `hold`, up to the budget's wait (none for a renewal ahead of expiry);
    /// `sleep` is the flavour's. The place is held until the [`Permit`] is
    /// finished (or dropped) and a window more.
    pub(crate) async fn admit<F: Future<Output = ()>>(
        &self,
        need: Need,
        shopper: Option<&str>,
        hold: Duration,
        sleep: impl Fn(Duration) -> F,
    ) -> Result<Permit, AuthError> {
        let max_wait = match need {
            Need::Ahead => Duration::ZERO,
            Need::Now | Need::Direct => self.inner.max_wait,
        };
        let started = crate::auth::now();
        loop {
            let wait = match self.take(need, shopper, hold).await {
                Ok((used, permit)) => {
                    trace::debug!(
                        "token request let through by the budget",
                        need = %need.name(),
                        used = %used,
                        limit = %self.inner.limit,
                    );
                    return Ok(permit);
                }
                Err(wait) => wait,
            };
            let waited = crate::auth::now().saturating_duration_since(started);
            if waited.saturating_add(wait) > max_wait {
                trace::warning!(
                    "token budget spent: the request was not sent",
                    need = %need.name(),
                    retry_in = %secs(wait),
                );
                return Err(AuthError::BudgetSpent { retry_after: wait });
            }
            trace::info!("token budget full: waiting for capacity", need = %need.name(), wait = %secs(wait));
            sleep(wait).await;
        }
    }

    /// One attempt at a place: the count with it and its permit, or how
    /// long to wait.
    async fn take(
        &self,
        need: Need,
        shopper: Option<&str>,
        hold: Duration,
    ) -> Result<(u32, Permit), Duration> {
        let inner = &self.inner;
        let now = crate::auth::now();
        let permit = |local: u64, shared: Option<(String, String)>| Permit {
            budget: self.clone(),
            shopper: shopper.map(str::to_owned),
            local,
            shared,
            done: false,
        };
        if let Some((store, name)) = &inner.shared {
            let name = match shopper {
                Some(ip) => shopper_name(name, ip),
                None => name.clone(),
            };
            let take = self.take_request(name, self.ceiling(need, inner.limit), hold);
            let answer = store.take_from_budget(&take).await;
            if let Ok(answer) = &answer
                && *answer != BudgetAnswer::Unsupported
            {
                inner.lock().back_from_alone();
            }
            match answer {
                // A store with no budgets: the budget counts in this process.
                Ok(BudgetAnswer::Unsupported) => {}
                Ok(BudgetAnswer::Taken { used, processes }) => {
                    let mut local = inner.lock();
                    local.processes = processes;
                    let id = local.window(shopper, inner.window).hold(now, hold);
                    return Ok((used, permit(id, Some((take.name, take.place)))));
                }
                Ok(BudgetAnswer::Full {
                    processes,
                    retry_after,
                    ..
                }) => {
                    inner.lock().processes = processes;
                    return Err(retry_after);
                }
                Ok(BudgetAnswer::Paused { retry_after }) => return Err(retry_after),
                Err(error) => {
                    let mut local = inner.lock();
                    if !local.alone {
                        local.alone = true;
                        trace::warning!(
                            "the token budget's store failed: this process goes on with its share",
                            share = %self.share(&local),
                            error = %error,
                        );
                    }
                    let share = self.share(&local);
                    let ceiling = self.ceiling(need, share);
                    let (used, id) = local
                        .window(shopper, inner.window)
                        .take(now, ceiling, hold)?;
                    return Ok((used, permit(id, None)));
                }
            }
        }
        let ceiling = self.ceiling(need, inner.limit);
        let (used, id) = inner
            .lock()
            .window(shopper, inner.window)
            .take(now, ceiling, hold)?;
        Ok((used, permit(id, None)))
    }

    /// This process's share of the limit while the shared store fails: the
    /// limit divided by the processes last seen sharing it, at least two.
    fn share(&self, local: &Local) -> u32 {
        (self.inner.limit / local.processes.max(2)).max(1)
    }

    /// A 429 came back: no request of this budget (the shopper's, for a
    /// request on a shopper's behalf) before `retry_after` ends (the whole
    /// window without one), fleet-wide with a shared budget.
    pub(crate) async fn rate_limited(&self, shopper: Option<&str>, retry_after: Option<Duration>) {
        let inner = &self.inner;
        let pause = retry_after.unwrap_or(inner.window);
        trace::warning!(
            "the auth server answered 429: every request of the budget waits",
            retry_in = %secs(pause),
        );
        let now = crate::auth::now();
        if let Some(until) = now.checked_add(pause) {
            inner.lock().window(shopper, inner.window).pause(until);
        }
        if let Some((store, name)) = &inner.shared {
            let name = match shopper {
                Some(ip) => shopper_name(name, ip),
                None => name.clone(),
            };
            let _ = store.pause_budget(&name, pause).await;
        }
    }
}

impl Default for TokenBudget {
    fn default() -> TokenBudget {
        TokenBudget::new()
    }
}

impl fmt::Debug for TokenBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("TokenBudget")
            .field("limit", &inner.limit)
            .field("window", &inner.window)
            .field("reserve", &inner.reserve)
            .field("max_wait", &inner.max_wait)
            .field("shared", &inner.shared.as_ref().map(|(_, name)| name))
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Local> {
        // Every write is one step on a window: a panic elsewhere cannot
        // leave it half-written.
        self.local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A place taken in a budget for one request: finish it when the request is
/// over (answered or failed), and its place frees one window later. Dropped
/// unfinished (a cancelled request), it finishes then.
pub(crate) struct Permit {
    budget: TokenBudget,
    shopper: Option<String>,
    /// The place in this process's window.
    local: u64,
    /// The budget's name and the place's in the shared store, if taken there.
    shared: Option<(String, String)>,
    done: bool,
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl Permit {
    /// The request is over: its place frees one window from now, here and in
    /// the shared store.
    pub(crate) async fn finish(mut self) {
        self.finish_here();
        if let Some((name, place)) = self.shared.take()
            && let Some((store, _)) = &self.budget.inner.shared
        {
            let window = self.budget.inner.window;
            let _ = store.release_budget_place(&name, &place, window).await;
        }
    }

    fn finish_here(&mut self) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let inner = &self.budget.inner;
        let now = crate::auth::now();
        inner
            .lock()
            .window(self.shopper.as_deref(), inner.window)
            .finish(self.local, now);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.finish_here();
        // Cancelled mid-request: the shared place is released in the
        // background if a runtime is at hand, else it frees when its hold ends.
        if let Some((name, place)) = self.shared.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let budget = self.budget.clone();
            drop(runtime.spawn(async move {
                if let Some((store, _)) = &budget.inner.shared {
                    let _ = store
                        .release_budget_place(&name, &place, budget.inner.window)
                        .await;
                }
            }));
        }
    }
}

/// The most shopper IPs remembered before the idle ones are swept.
const SHOPPERS_KEPT: usize = 4096;

impl Local {
    /// The window a request counts in: the server's, or the shopper's.
    fn window(&mut self, shopper: Option<&str>, window: Duration) -> &mut Window {
        let Some(ip) = shopper else {
            return &mut self.server;
        };
        if !self.shoppers.contains_key(ip) && self.shoppers.len() >= SHOPPERS_KEPT {
            let now = crate::auth::now();
            self.shoppers.retain(|_, window| !window.is_idle(now));
        }
        self.shoppers
            .entry(ip.to_owned())
            .or_insert_with(|| Window::new(window))
    }

    fn back_from_alone(&mut self) {
        if self.alone {
            self.alone = false;
            trace::info!("the token budget's store answers again: the fleet's budget applies");
        }
    }
}

/// The shared budget of one shopper's IP: under the egress's name, the IP
/// hashed (a shopper's address is not written to the store).
fn shopper_name(egress: &str, ip: &str) -> String {
    let digest = crate::auth::crypto::sha256(ip.as_bytes());
    let short: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{egress}:shopper:{short}")
}

/// The shopper's IP a request carries, if it carries one.
pub(crate) fn shopper_ip(headers: &HeaderMap) -> Option<&str> {
    headers.get(TRUE_CLIENT_IP)?.to_str().ok()
}

/// Builds a [`TokenBudget`]; see [`TokenBudget::builder`].
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::TokenBudget;
///
/// let budget = TokenBudget::builder()
///     .limit(60, Duration::from_secs(60))
///     .reserve_for_renewals(20)
///     .build()?;
/// # Ok::<(), scope_core::auth::AuthError>(())
/// ```
pub struct TokenBudgetBuilder {
    limit: u32,
    window: Duration,
    reserve: Option<u32>,
    max_wait: Duration,
    shared: Option<(Arc<dyn TokenStore>, String)>,
}

impl TokenBudgetBuilder {
    /// At most `requests` in any sliding `window` (default
    /// [`DEFAULT_BUDGET_LIMIT`] in [`DEFAULT_BUDGET_WINDOW`]): your plan's
    /// limit, or a test stand-in's scaled-down window.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = scope_core::auth::TokenBudget::builder().limit(30, Duration::from_secs(3));
    /// ```
    pub fn limit(mut self, requests: u32, window: Duration) -> Self {
        self.limit = requests;
        self.window = window;
        self
    }

    /// How many requests of a window logins and other direct grants leave to
    /// renewals (default a third of the limit, rounded down).
    ///
    /// ```
    /// let builder = scope_core::auth::TokenBudget::builder().reserve_for_renewals(15);
    /// ```
    pub fn reserve_for_renewals(mut self, requests: u32) -> Self {
        self.reserve = Some(requests);
        self
    }

    /// How long a caller waits for capacity before it gets
    /// [`AuthError::BudgetSpent`] (default [`DEFAULT_BUDGET_WAIT`]; zero: never
    /// waits). A renewal ahead of expiry never waits.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = scope_core::auth::TokenBudget::builder().max_wait(Duration::ZERO);
    /// ```
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// One budget for every process that shares `store` and names the same
    /// `egress` (the IP their requests leave from; several egress IPs may
    /// share one Redis): kept in the store (with a
    /// [`RedisStore`](crate::auth::RedisStore), a sorted set under its prefix,
    /// trimmed, counted and added to by one script). A store with no budgets
    /// (a [`MemoryStore`](crate::auth::MemoryStore)) leaves it in this process.
    ///
    /// ```
    /// use scope_core::auth::{MemoryStore, TokenBudget};
    ///
    /// let budget = TokenBudget::builder().shared(MemoryStore::new(), "eu-nat-1").build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn shared(self, store: impl TokenStore, egress: impl Into<String>) -> Self {
        self.shared_store(Arc::new(store), egress)
    }

    /// As [`shared`](TokenBudgetBuilder::shared), for a store behind an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use scope_core::auth::{MemoryStore, TokenBudget, TokenStore};
    ///
    /// let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    /// let budget = TokenBudget::builder().shared_store(store, "eu-nat-1").build()?;
    /// # Ok::<(), scope_core::auth::AuthError>(())
    /// ```
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>, egress: impl Into<String>) -> Self {
        self.shared = Some((store, egress.into()));
        self
    }

    /// The budget.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] for a limit or window of zero, a reserve
    /// that leaves logins nothing, or an empty egress name.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let err = scope_core::auth::TokenBudget::builder().limit(0, Duration::from_secs(60)).build().unwrap_err();
    /// assert!(err.to_string().contains("limit"));
    /// ```
    pub fn build(self) -> Result<TokenBudget, AuthError> {
        if self.limit == 0 || self.window.is_zero() {
            return Err(AuthError::InvalidConfig(format!(
                "a token budget's limit ({} requests in {:?}) must let some requests through: \
                 pass at least one request in a window longer than zero to TokenBudgetBuilder::limit",
                self.limit, self.window
            )));
        }
        let reserve = self.reserve.unwrap_or(self.limit / 3);
        if reserve >= self.limit {
            return Err(AuthError::InvalidConfig(format!(
                "a reserve of {reserve} for renewals leaves logins none of the {} requests of the \
                 window: pass less to TokenBudgetBuilder::reserve_for_renewals",
                self.limit
            )));
        }
        if let Some((_, name)) = &self.shared
            && name.is_empty()
        {
            return Err(AuthError::InvalidConfig(
                "a shared token budget needs the name of its egress: pass one to TokenBudgetBuilder::shared"
                    .into(),
            ));
        }
        Ok(TokenBudget {
            inner: Arc::new(Inner {
                limit: self.limit,
                window: self.window,
                reserve,
                headroom: self.limit / 10,
                max_wait: self.max_wait,
                shared: self.shared,
                holder: format!(
                    "{}-{:016x}",
                    std::process::id(),
                    crate::auth::cache::random()
                ),
                places: std::sync::atomic::AtomicU64::new(0),
                local: Mutex::new(Local {
                    server: Window::new(self.window),
                    shoppers: HashMap::new(),
                    processes: 1,
                    alone: false,
                }),
            }),
        })
    }
}

impl fmt::Debug for TokenBudgetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBudgetBuilder")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .field("reserve", &self.reserve)
            .field("max_wait", &self.max_wait)
            .field("shared", &self.shared.as_ref().map(|(_, name)| name))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limit: u32, window: Duration) -> TokenBudget {
        TokenBudget::builder()
            .limit(limit, window)
            .max_wait(Duration::ZERO)
            .build()
            .unwrap()
    }

    async fn no_sleep(_: Duration) {}

    const HOLD: Duration = Duration::from_secs(30);

    #[tokio::test(start_paused = true)]
    async fn logins_leave_a_third_to_renewals_and_renewals_ahead_a_tenth_to_the_urgent() {
        let budget = budget(30, Duration::from_secs(60));
        let mut direct = 0;
        while budget
            .admit(Need::Direct, None, HOLD, no_sleep)
            .await
            .is_ok()
        {
            direct += 1;
        }
        assert_eq!(direct, 20, "logins stop at 30 - 10");
        let mut ahead = 0;
        while budget
            .admit(Need::Ahead, None, HOLD, no_sleep)
            .await
            .is_ok()
        {
            ahead += 1;
        }
        assert_eq!(ahead, 7, "renewals ahead stop at 30 - 3");
        let mut now = 0;
        while budget.admit(Need::Now, None, HOLD, no_sleep).await.is_ok() {
            now += 1;
        }
        assert_eq!(now, 3, "the urgent get the rest");
        let err = budget
            .admit(Need::Now, None, HOLD, no_sleep)
            .await
            .unwrap_err();
        let AuthError::BudgetSpent { retry_after } = err else {
            panic!("{err}");
        };
        assert_eq!(retry_after, Duration::from_secs(60));
        assert_eq!(budget.usage().await.used, 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_waits_for_capacity_up_to_the_deadline() {
        let budget = TokenBudget::builder()
            .limit(2, Duration::from_secs(1))
            .max_wait(Duration::from_secs(2))
            .build()
            .unwrap();
        for _ in 0..2 {
            budget
                .admit(Need::Now, None, HOLD, tokio::time::sleep)
                .await
                .unwrap();
        }
        let started = crate::auth::now();
        let _third = budget
            .admit(Need::Now, None, HOLD, tokio::time::sleep)
            .await
            .unwrap();
        assert_eq!(crate::auth::now() - started, Duration::from_secs(1));
        // Under way, two requests fill the window: a renewal ahead of expiry
        // does not wait for them.
        let _fourth = budget
            .admit(Need::Now, None, HOLD, tokio::time::sleep)
            .await
            .unwrap();
        assert!(
            budget
                .admit(Need::Ahead, None, HOLD, tokio::time::sleep)
                .await
                .is_err()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_request_and_shoppers_have_budgets_of_their_own() {
        let budget = budget(30, Duration::from_secs(60));
        budget
            .rate_limited(None, Some(Duration::from_secs(5)))
            .await;
        let err = budget
            .admit(Need::Now, None, HOLD, no_sleep)
            .await
            .unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
        // A shopper's requests are counted against the shopper's IP.
        for _ in 0..20 {
            budget
                .admit(Need::Direct, Some("203.0.113.7"), HOLD, no_sleep)
                .await
                .unwrap();
        }
        assert!(
            budget
                .admit(Need::Direct, Some("203.0.113.7"), HOLD, no_sleep)
                .await
                .is_err()
        );
        budget
            .admit(Need::Direct, Some("203.0.113.8"), HOLD, no_sleep)
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(5)).await;
        budget.admit(Need::Now, None, HOLD, no_sleep).await.unwrap();
        assert_eq!(budget.usage().await.used, 1);
    }

    #[test]
    fn bad_settings_are_refused_with_the_fix() {
        let reserve = TokenBudget::builder()
            .reserve_for_renewals(30)
            .build()
            .unwrap_err();
        assert!(
            reserve.to_string().contains("reserve_for_renewals"),
            "{reserve}"
        );
        let window = TokenBudget::builder()
            .limit(30, Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(
            window.to_string().contains("TokenBudgetBuilder::limit"),
            "{window}"
        );
    }
}
