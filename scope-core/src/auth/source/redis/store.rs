//! The [`TokenStore`] implementation: tokens, the fleet's lease and backoff,
//! and the wait for a token another process is getting.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::{AsyncCommands, RedisResult};
use secrecy::SecretString;

use super::RedisStore;
use super::connection::{Conn, Link};
use super::scripts;
use super::subscriber::Channel;
use crate::auth::source::requester::same_secret;
use crate::auth::trace;
use crate::auth::{
    BudgetAnswer, BudgetTake, FleetBackoff, Lease, StoreError, StoreFuture, StoredToken, TokenStore,
};

/// The version written before every stored value. A value with any other
/// version (a future format, an old one) is read as absent.
const VALUE_VERSION: &str = "scope-core:v1";

fn millis_since_epoch(at: SystemTime) -> u64 {
    u64::try_from(
        at.duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// At least one millisecond, for `PX`.
fn px(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The text after the version, if `bytes` are text of this version.
fn versioned(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()?
        .strip_prefix(VALUE_VERSION)?
        .strip_prefix(' ')
}

/// A waiter's interest in a channel: registered while it lives, the channel
/// unsubscribed once its last waiter leaves.
struct Interest {
    link: Arc<Link>,
    name: String,
    channel: Arc<Channel>,
    timeout: Duration,
}

impl Drop for Interest {
    fn drop(&mut self) {
        if !self.link.subscriber.unregister(&self.name) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let link = Arc::clone(&self.link);
        let name = std::mem::take(&mut self.name);
        let timeout = self.timeout;
        runtime.spawn(async move {
            // Wanted again meanwhile: keep it.
            if link.subscriber.is_wanted(&name) {
                return;
            }
            if let Some(mut conn) = link.peek() {
                let _ = tokio::time::timeout(timeout, conn.unsubscribe(&name)).await;
            }
        });
    }
}

impl RedisStore {
    fn error(&self, what: &str, err: &dyn std::fmt::Display) -> StoreError {
        let link = &self.inner.link;
        let text = link.scrub(format!("Redis at {}: {what}: {err}", link.address));
        trace::debug!("a Redis call failed", error = %text);
        StoreError::new(text)
    }

    /// The connection, for a call: an error at once when there is none, or
    /// when called outside a Tokio runtime (a blocking source), where the
    /// connection cannot run.
    fn conn(&self) -> Result<(Conn, u64), StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::new(
                "the Redis store is used outside a Tokio runtime (a blocking source?): \
                 use it with the async TokenSource",
            ));
        }
        self.inner.link.connection().inspect_err(|err| {
            trace::debug!("a Redis call failed", error = %err);
        })
    }

    /// Runs one call on connection `generation`, bounded by the timeout: the
    /// server's answer, or an error when none came. A failure that says the
    /// connection is gone drops it.
    async fn bounded<T>(
        &self,
        generation: u64,
        what: &str,
        call: impl Future<Output = RedisResult<T>>,
    ) -> Result<RedisResult<T>, StoreError> {
        match tokio::time::timeout(self.inner.timeout, call).await {
            Ok(Ok(value)) => Ok(Ok(value)),
            Ok(Err(err)) => {
                self.inner.link.failed(generation, &err);
                Ok(Err(err))
            }
            Err(_) => Err(self.error(
                what,
                &format_args!("no answer within {:?}", self.inner.timeout),
            )),
        }
    }

    /// As [`bounded`](Self::bounded), an error answer being an error too.
    async fn call<T>(
        &self,
        generation: u64,
        what: &str,
        call: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, StoreError> {
        self.bounded(generation, what, call)
            .await?
            .map_err(|err| self.error(what, &err))
    }

    /// Counts a value that cannot be read, and says which key holds it.
    fn unreadable(&self, what: &'static str, redis_key: &str) {
        self.inner.unreadable.fetch_add(1, Ordering::Relaxed);
        trace::warning!("a value in Redis is unreadable: taken as absent", what = %what, key = %redis_key);
    }

    /// The bytes under `redis_key`; a key of another type is absent (and
    /// counted as unreadable).
    async fn read(
        &self,
        what: &'static str,
        redis_key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (mut conn, generation) = self.conn()?;
        let answer = self
            .bounded(
                generation,
                "GET failed",
                conn.get::<_, Option<Vec<u8>>>(redis_key),
            )
            .await?;
        match answer {
            Ok(value) => Ok(value),
            Err(err)
                if err.code() == Some("WRONGTYPE")
                    || err.kind() == redis::ErrorKind::UnexpectedReturnType =>
            {
                self.unreadable(what, redis_key);
                Ok(None)
            }
            Err(err) => Err(self.error("GET failed", &err)),
        }
    }

    /// A stored token from its bytes; anything but a current-version token
    /// is absent (counted, unless it merely expired).
    fn parse_token(&self, redis_key: &str, bytes: &[u8]) -> Option<StoredToken> {
        match versioned(bytes).and_then(StoredToken::from_line) {
            Some(token) if token.kept_for().is_zero() => None,
            Some(token) => Some(token),
            None => {
                self.unreadable("token", redis_key);
                None
            }
        }
    }

    /// `SET key value PX ms`.
    async fn set_px(
        &self,
        redis_key: &str,
        value: String,
        life: Duration,
    ) -> Result<(), StoreError> {
        let (mut conn, generation) = self.conn()?;
        let mut command = redis::cmd("SET");
        command.arg(redis_key).arg(value).arg("PX").arg(px(life));
        self.call(
            generation,
            "SET failed",
            command.query_async::<()>(&mut conn),
        )
        .await
    }

    async fn delete(&self, redis_key: &str) -> Result<(), StoreError> {
        let (mut conn, generation) = self.conn()?;
        self.call(generation, "DEL failed", conn.del::<_, ()>(redis_key))
            .await
    }

    /// Announces that a token landed (or a lease was given back) for `key`.
    async fn publish(&self, key: &str) {
        let channel = self.inner.keys.channel(key);
        let Ok((mut conn, generation)) = self.conn() else {
            return;
        };
        let mut command = redis::cmd(if conn.is_sharded() {
            "SPUBLISH"
        } else {
            "PUBLISH"
        });
        command.arg(&channel).arg(1);
        // A lost wake-up costs waiters one poll interval, nothing more.
        let _ = self
            .call(
                generation,
                "PUBLISH failed",
                command.query_async::<i64>(&mut conn),
            )
            .await;
    }

    /// Registers a waiter on `channel`, subscribed once per process.
    async fn interest(&self, name: String) -> Interest {
        let link = Arc::clone(&self.inner.link);
        let channel = link.subscriber.register(&name);
        let interest = Interest {
            link,
            name,
            channel: Arc::clone(&channel),
            timeout: self.inner.timeout,
        };
        channel
            .subscribed
            .get_or_init(|| async {
                let Some(mut conn) = interest.link.peek() else {
                    return false;
                };
                let subscribe = conn.subscribe(std::slice::from_ref(&interest.name));
                matches!(
                    tokio::time::timeout(self.inner.timeout, subscribe).await,
                    Ok(Ok(()))
                )
            })
            .await;
        interest
    }

    /// The lease's remaining life in ms: -2 when there is none, -1 when it
    /// has no expiry (not a lease a source wrote).
    async fn lease_ttl(&self, key: &str) -> Result<i64, StoreError> {
        let lease_key = self.inner.keys.lease(key);
        let (mut conn, generation) = self.conn()?;
        self.call(generation, "PTTL failed", conn.pttl::<_, i64>(&lease_key))
            .await
    }
}

impl TokenStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let redis_key = self.inner.keys.token(key);
            let bytes = self.read("token", &redis_key).await?;
            Ok(bytes.and_then(|bytes| self.parse_token(&redis_key, &bytes)))
        })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // Kept as long as the record says (a session outlives its access token).
            let remaining = token.kept_for();
            if remaining.is_zero() {
                return Ok(());
            }
            let value = format!("{VALUE_VERSION} {}", token.to_line());
            self.set_px(&self.inner.keys.token(key), value, remaining)
                .await?;
            self.publish(key).await;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.delete(&self.inner.keys.token(key)).await })
    }

    fn remove_if<'a>(
        &'a self,
        key: &'a str,
        access_token: &'a SecretString,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let redis_key = self.inner.keys.token(key);
            let Some(raw) = self.read("token", &redis_key).await? else {
                return Ok(false);
            };
            let same = self
                .parse_token(&redis_key, &raw)
                .is_some_and(|stored| same_secret(stored.access_token(), access_token));
            if !same {
                return Ok(false);
            }
            // Deleted only if the value is still the one just read.
            let (mut conn, generation) = self.conn()?;
            let command = scripts::compare_and_delete(&redis_key, raw);
            let deleted: i64 = self
                .call(
                    generation,
                    "compare-and-delete failed",
                    command.query_async(&mut conn),
                )
                .await?;
            Ok(deleted == 1)
        })
    }

    fn acquire_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, Lease> {
        Box::pin(async move {
            let lease_key = self.inner.keys.lease(key);
            let (mut conn, generation) = self.conn()?;
            let command = scripts::acquire_lease(&lease_key, holder, px(self.inner.lease));
            let (granted, repaired): (i64, i64) = self
                .call(
                    generation,
                    "taking the lease failed",
                    command.query_async(&mut conn),
                )
                .await?;
            if repaired == 1 {
                self.unreadable("lease", &lease_key);
            }
            Ok(if granted == 1 {
                Lease::Granted
            } else {
                Lease::HeldElsewhere
            })
        })
    }

    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let lease_key = self.inner.keys.lease(key);
            let (mut conn, generation) = self.conn()?;
            let command = scripts::compare_and_delete(&lease_key, holder);
            let _: i64 = self
                .call(
                    generation,
                    "releasing the lease failed",
                    command.query_async(&mut conn),
                )
                .await?;
            self.publish(key).await;
            Ok(())
        })
    }

    fn wait_for_token<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            self.conn()?;
            let deadline = Instant::now() + self.inner.lease;
            // Subscribed before the first look, and each wake-up armed before
            // each look, so a token that lands between the look and the wait
            // still wakes this waiter.
            let interest = self.interest(self.inner.keys.channel(key)).await;
            loop {
                let woken = interest.channel.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                if let Some(token) = self.get(key).await? {
                    return Ok(Some(token));
                }
                // Released, expired, or not a lease (no expiry: the next
                // `acquire_lease` removes it): the caller looks again.
                if self.lease_ttl(key).await? < 0 {
                    return Ok(None);
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                let _ = tokio::time::timeout(self.inner.poll.min(left), woken).await;
            }
        })
    }

    fn fleet_backoff<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        Box::pin(async move {
            let backoff_key = self.inner.keys.backoff(key);
            // Read as bytes: a value that is not text is unreadable (absent),
            // never a failed call, or every renewal would go on alone.
            let Some(bytes) = self.read("backoff", &backoff_key).await? else {
                return Ok(None);
            };
            let parsed = versioned(&bytes).and_then(|rest| {
                let (until, failures) = rest.split_once(' ')?;
                let until = UNIX_EPOCH.checked_add(Duration::from_millis(until.parse().ok()?))?;
                Some(FleetBackoff::new(until, failures.parse().ok()?))
            });
            if parsed.is_none() {
                self.unreadable("backoff", &backoff_key);
            }
            Ok(parsed)
        })
    }

    fn set_fleet_backoff<'a>(
        &'a self,
        key: &'a str,
        backoff: Option<FleetBackoff>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let backoff_key = self.inner.keys.backoff(key);
            match backoff {
                Some(backoff) if !backoff.remaining().is_zero() => {
                    let value = format!(
                        "{VALUE_VERSION} {} {}",
                        millis_since_epoch(backoff.until()),
                        backoff.failures()
                    );
                    // Kept a little past its end, so the failure count
                    // survives until the next request's outcome.
                    let keep = backoff.remaining().saturating_mul(2);
                    self.set_px(&backoff_key, value, keep).await
                }
                _ => self.delete(&backoff_key).await,
            }
        })
    }

    fn take_from_budget<'a>(&'a self, take: &'a BudgetTake) -> StoreFuture<'a, BudgetAnswer> {
        Box::pin(async move {
            let keys = self.inner.keys.budget(&take.name);
            let (mut conn, generation) = self.conn()?;
            let recheck = u64::try_from(crate::auth::budget::RECHECK.as_millis()).unwrap_or(50);
            let command = scripts::take_budget(&keys, take, recheck);
            let (status, used, processes, wait, repaired): (i64, i64, i64, i64, i64) = self
                .call(
                    generation,
                    "taking a place in the token budget failed",
                    command.query_async(&mut conn),
                )
                .await?;
            if repaired == 1 {
                self.unreadable("budget", &keys[0]);
            }
            let count = |n: i64| u32::try_from(n).unwrap_or(0);
            let wait = Duration::from_millis(u64::try_from(wait).unwrap_or(1));
            Ok(match status {
                1 => BudgetAnswer::Taken {
                    used: count(used),
                    processes: count(processes),
                },
                2 => BudgetAnswer::Paused { retry_after: wait },
                _ => BudgetAnswer::Full {
                    used: count(used),
                    processes: count(processes),
                    retry_after: wait,
                },
            })
        })
    }

    fn release_budget_place<'a>(
        &'a self,
        name: &'a str,
        place: &'a str,
        window: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let [places, ..] = self.inner.keys.budget(name);
            let (mut conn, generation) = self.conn()?;
            let command = scripts::release_budget_place(&places, place, window);
            let _: i64 = self
                .call(
                    generation,
                    "freeing a place in the token budget failed",
                    command.query_async(&mut conn),
                )
                .await?;
            Ok(())
        })
    }

    fn pause_budget<'a>(&'a self, name: &'a str, pause: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let [_, _, pause_key] = self.inner.keys.budget(name);
            let (mut conn, generation) = self.conn()?;
            let command = scripts::pause_budget(&pause_key, pause);
            let _: i64 = self
                .call(
                    generation,
                    "pausing the token budget failed",
                    command.query_async(&mut conn),
                )
                .await?;
            Ok(())
        })
    }
}
