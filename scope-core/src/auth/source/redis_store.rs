//! [`RedisStore`]: tokens kept in Redis and shared by a fleet of processes,
//! with a fleet-wide single flight and backoff.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Client, IntoConnectionInfo, Script};
use secrecy::{ExposeSecret, SecretString};

use super::store::{FleetBackoff, Lease, StoreError, StoreFuture, StoredToken, TokenStore};
use crate::auth::trace;

/// The version written before every stored value. A value with any other
/// version (a future format, an old one) is read as absent.
const VALUE_VERSION: &str = "scope-core:v1";

/// Deletes `KEYS[1]` only if it still holds `ARGV[1]`: releases only one's own
/// lease, removes only the very token that was rejected.
const COMPARE_AND_DELETE: &str = r"
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
";

/// The default prefix of every key: `scope-core:`.
const DEFAULT_PREFIX: &str = "scope-core:";
const DEFAULT_LEASE: Duration = Duration::from_secs(15);
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_POLL: Duration = Duration::from_millis(200);

/// A [`TokenStore`] in Redis, shared by every process that uses the same
/// server and prefix.
///
/// - Tokens are kept under `{prefix}token:{key}` (the key holds no secret)
///   with an expiry equal to their remaining life, as a versioned line of
///   text: a value of another version, or one that does not parse, or a key
///   of the wrong type, is read as absent (and counted, see
///   [`unreadable_values`](RedisStore::unreadable_values)).
/// - The fleet-wide single flight: a lease `{prefix}lease:{key}` taken with
///   `SET NX PX`, released by compare-and-delete (a Lua script) so only its
///   holder releases it; waiters are woken on the channel `{prefix}landed:{key}`
///   and poll as well, and take the lease over once it expires.
/// - The fleet-wide backoff under `{prefix}backoff:{key}`.
/// - Every call is bounded by a timeout (default 500 ms): a slow or absent
///   Redis is an error, after which the source carries on on its own,
///   still honouring the fleet-wide backoff it last read.
/// - The connection lives on the Tokio runtime it was made on: a blocking
///   source (no runtime) gets every call refused with an error that says so,
///   and gets its tokens on its own. Use the async `TokenSource` with it.
///
/// The password, in the URL or given apart, never appears in `Debug`,
/// `Display` or an error.
///
/// ```no_run
/// use scope_core::auth::{AuthClient, Credentials, RedisStore, TokenSource};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::builder("redis://:s3cret@10.0.0.5:6379/0")
///     .prefix("checkout:")
///     .connect()
///     .await?;
/// let tokens = TokenSource::builder(AuthClient::new(), Credentials::integration("id", "secret", None))
///     .store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    /// For pub/sub connections; `None` when built from a connection alone
    /// (waiters then poll).
    client: Option<Client>,
    prefix: String,
    lease: Duration,
    timeout: Duration,
    poll: Duration,
    /// The server's address, password redacted.
    address: String,
    /// The password, to scrub from error texts.
    password: Option<SecretString>,
    unreadable: AtomicU64,
    compare_and_delete: Script,
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use scope_core::auth::RedisStore;
///
/// # async fn run() -> Result<(), scope_core::auth::StoreError> {
/// let store = RedisStore::builder("rediss://redis.internal:6380")
///     .password("s3cret")
///     .timeout(Duration::from_millis(200))
///     .lease(Duration::from_secs(10))
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
pub struct RedisStoreBuilder {
    url: String,
    password: Option<SecretString>,
    prefix: String,
    lease: Duration,
    timeout: Duration,
    poll: Duration,
}

impl RedisStoreBuilder {
    /// The password, given apart from the URL (it wins over one in the URL).
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").password("s3cret");
    /// assert!(!format!("{builder:?}").contains("s3cret"));
    /// ```
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// The prefix of every key and channel (default `scope-core:`), so that
    /// several services can share one Redis.
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").prefix("checkout:");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a lease lives (default 15 s): the longest a fleet waits for a
    /// holder that died mid-request. Make it longer than the auth client's
    /// timeout, or a slow request may be joined by a second one.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").lease(Duration::from_secs(30));
    /// ```
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The bound on every Redis call, connecting included (default 500 ms).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").timeout(Duration::from_millis(100));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a waiter looks for the token when no pub/sub message came
    /// (default 200 ms).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").poll_interval(Duration::from_millis(50));
    /// ```
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Connects, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL, or the server cannot be reached in
    /// time. The error shows no password.
    ///
    /// ```
    /// # async fn run() {
    /// let err = scope_core::auth::RedisStore::builder("http://user:s3cret@127.0.0.1")
    ///     .connect()
    ///     .await
    ///     .unwrap_err();
    /// assert!(!err.to_string().contains("s3cret"));
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
    /// ```
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let scrub = |text: String, password: Option<&str>| match password {
            Some(password) if !password.is_empty() => text.replace(password, "[REDACTED]"),
            _ => text,
        };
        let url_password = url::Url::parse(&self.url)
            .ok()
            .and_then(|url| url.password().map(str::to_owned));
        let address = redact_url(&self.url);
        let mut info = self.url.as_str().into_connection_info().map_err(|err| {
            StoreError::new(format!(
                "{address} is not a Redis URL: {}",
                scrub(err.to_string(), url_password.as_deref())
            ))
        })?;
        if let Some(password) = &self.password {
            let settings = info
                .redis_settings()
                .clone()
                .set_password(password.expose_secret());
            info = info.set_redis_settings(settings);
        }
        let password = self
            .password
            .clone()
            .or_else(|| url_password.map(SecretString::from));
        let fail = |what: &str, err: String| {
            StoreError::new(format!(
                "{what} {address}: {}",
                scrub(err, password.as_ref().map(|p| p.expose_secret()))
            ))
        };
        crate::auth::crypto::prepare_redis_tls();
        let client = Client::open(info).map_err(|err| fail("cannot open", err.to_string()))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = tokio::time::timeout(
            self.timeout,
            client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| {
            fail(
                "timed out connecting to",
                format!("after {:?}", self.timeout),
            )
        })?
        .map_err(|err| fail("cannot connect to", err.to_string()))?;
        Ok(RedisStore::assemble(
            connection,
            Some(client),
            self.prefix,
            self.lease,
            self.timeout,
            self.poll,
            address,
            password,
        ))
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redact_url(&self.url))
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL with its password, if any, replaced by `[REDACTED]`.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("REDACTED"));
            }
            parsed.to_string()
        }
        // Not a URL: show none of it, it could hold anything.
        Err(_) => "the Redis server (its URL does not parse)".to_owned(),
    }
}

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

impl RedisStore {
    /// A builder from a `redis://` or `rediss://` (TLS) URL, which may hold a
    /// password (`redis://:password@host:6379/0`).
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://:s3cret@127.0.0.1:6379");
    /// assert!(!format!("{builder:?}").contains("s3cret"));
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            password: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
            poll: DEFAULT_POLL,
        }
    }

    /// A store on a connection the caller already has, with the default
    /// settings and `prefix`. With no client to open pub/sub connections
    /// from, waiters poll.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = redis::Client::open("redis://127.0.0.1")?;
    /// let connection = client.get_connection_manager().await?;
    /// let store = scope_core::auth::RedisStore::from_connection(connection, "checkout:");
    /// # Ok(()) }
    /// ```
    pub fn from_connection(connection: ConnectionManager, prefix: impl Into<String>) -> RedisStore {
        RedisStore::assemble(
            connection,
            None,
            prefix.into(),
            DEFAULT_LEASE,
            DEFAULT_TIMEOUT,
            DEFAULT_POLL,
            "a Redis connection".to_owned(),
            None,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        connection: ConnectionManager,
        client: Option<Client>,
        prefix: String,
        lease: Duration,
        timeout: Duration,
        poll: Duration,
        address: String,
        password: Option<SecretString>,
    ) -> RedisStore {
        RedisStore {
            inner: Arc::new(Inner {
                connection,
                client,
                prefix,
                lease,
                timeout,
                poll,
                address,
                password,
                unreadable: AtomicU64::new(0),
                compare_and_delete: Script::new(COMPARE_AND_DELETE),
            }),
        }
    }

    /// How many values this store met that it could not read (garbage, another
    /// version, a key of the wrong type) and took as absent. With feature
    /// `tracing`, each is also a warning naming its key (never its value).
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert_eq!(store.unreadable_values(), 0);
    /// # }
    /// ```
    pub fn unreadable_values(&self) -> u64 {
        self.inner.unreadable.load(Ordering::Relaxed)
    }

    /// The Redis key a token for `key` is kept under: the prefix, `token:`,
    /// then the key.
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert_eq!(store.token_key("k"), "scope-core:token:k");
    /// # }
    /// ```
    pub fn token_key(&self, key: &str) -> String {
        format!("{}token:{key}", self.inner.prefix)
    }

    fn lease_key(&self, key: &str) -> String {
        format!("{}lease:{key}", self.inner.prefix)
    }

    fn backoff_key(&self, key: &str) -> String {
        format!("{}backoff:{key}", self.inner.prefix)
    }

    fn channel(&self, key: &str) -> String {
        format!("{}landed:{key}", self.inner.prefix)
    }

    fn error(&self, what: &str, err: &dyn fmt::Display) -> StoreError {
        let mut text = format!("Redis at {}: {what}: {err}", self.inner.address);
        if let Some(password) = &self.inner.password {
            let password = password.expose_secret();
            if !password.is_empty() {
                text = text.replace(password, "[REDACTED]");
            }
        }
        trace::debug!("a Redis call failed", error = %text);
        StoreError::new(text)
    }

    /// The store's connection lives on a Tokio runtime: called from outside
    /// one (a blocking source), every call is an error, and the source asks
    /// on its own.
    fn ensure_runtime(&self) -> Result<(), StoreError> {
        match tokio::runtime::Handle::try_current() {
            Ok(_) => Ok(()),
            Err(_) => Err(StoreError::new(
                "the Redis store is used outside a Tokio runtime (a blocking source?): \
                 use it with the async TokenSource",
            )),
        }
    }

    /// Runs one Redis call, bounded by the timeout.
    async fn call<T>(
        &self,
        what: &str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        self.ensure_runtime()?;
        match tokio::time::timeout(self.inner.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(self.error(what, &err)),
            Err(_) => Err(self.error(
                what,
                &format_args!("no answer within {:?}", self.inner.timeout),
            )),
        }
    }

    fn connection(&self) -> ConnectionManager {
        self.inner.connection.clone()
    }

    /// Reads the value stored for `key`; anything but a current-version token is absent.
    fn read_value(&self, key: &str, value: Option<String>) -> Option<StoredToken> {
        let value = value?;
        let parsed = value
            .strip_prefix(VALUE_VERSION)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(StoredToken::from_line);
        match parsed {
            Some(token) if token.kept_for().is_zero() => None,
            Some(token) => Some(token),
            None => {
                self.inner.unreadable.fetch_add(1, Ordering::Relaxed);
                trace::warning!("stored token unreadable: taken as absent", key = %self.token_key(key));
                None
            }
        }
    }

    async fn get_raw(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.ensure_runtime()?;
        let redis_key = self.token_key(key);
        let mut connection = self.connection();
        match tokio::time::timeout(
            self.inner.timeout,
            connection.get::<_, Option<Vec<u8>>>(&redis_key),
        )
        .await
        {
            // Bytes that are not text are no token either.
            Ok(Ok(value)) => Ok(value.map(|bytes| {
                String::from_utf8(bytes).unwrap_or_else(|_| String::from("\u{fffd}"))
            })),
            // A key of another type, or a value that is not text: absent.
            Ok(Err(err))
                if err.code() == Some("WRONGTYPE")
                    || err.kind() == redis::ErrorKind::UnexpectedReturnType =>
            {
                self.inner.unreadable.fetch_add(1, Ordering::Relaxed);
                trace::warning!("token key of another type: taken as absent", key = %redis_key);
                Ok(None)
            }
            Ok(Err(err)) => Err(self.error("GET failed", &err)),
            Err(_) => Err(self.error(
                "GET failed",
                &format_args!("no answer within {:?}", self.inner.timeout),
            )),
        }
    }

    async fn lease_exists(&self, key: &str) -> Result<bool, StoreError> {
        let lease_key = self.lease_key(key);
        let mut connection = self.connection();
        self.call("EXISTS failed", connection.exists(&lease_key))
            .await
    }

    async fn subscribe(&self, key: &str) -> Option<redis::aio::PubSub> {
        let client = self.inner.client.as_ref()?;
        let mut pubsub = tokio::time::timeout(self.inner.timeout, client.get_async_pubsub())
            .await
            .ok()?
            .ok()?;
        tokio::time::timeout(self.inner.timeout, pubsub.subscribe(self.channel(key)))
            .await
            .ok()?
            .ok()?;
        Some(pubsub)
    }

    async fn publish(&self, key: &str) {
        let channel = self.channel(key);
        let mut connection = self.connection();
        // A lost wake-up costs waiters one poll interval, nothing more.
        let _ = self
            .call(
                "PUBLISH failed",
                connection.publish::<_, _, i64>(&channel, 1),
            )
            .await;
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.inner.address)
            .field("prefix", &self.inner.prefix)
            .field("lease", &self.inner.lease)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl TokenStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move { Ok(self.read_value(key, self.get_raw(key).await?)) })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // Kept as long as the record says (a session outlives its access token).
            let remaining = token.kept_for();
            if remaining.is_zero() {
                return Ok(());
            }
            let value = format!("{VALUE_VERSION} {}", token.to_line());
            let redis_key = self.token_key(key);
            let mut connection = self.connection();
            self.call(
                "SET failed",
                connection.pset_ex::<_, _, ()>(&redis_key, value, px(remaining)),
            )
            .await?;
            self.publish(key).await;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let redis_key = self.token_key(key);
            let mut connection = self.connection();
            self.call("DEL failed", connection.del::<_, ()>(&redis_key))
                .await
        })
    }

    fn remove_if<'a>(
        &'a self,
        key: &'a str,
        access_token: &'a SecretString,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let Some(raw) = self.get_raw(key).await? else {
                return Ok(false);
            };
            let same = self
                .read_value(key, Some(raw.clone()))
                .is_some_and(|stored| {
                    stored.access_token().expose_secret() == access_token.expose_secret()
                });
            if !same {
                return Ok(false);
            }
            // Deleted only if the value is still the one just read.
            let redis_key = self.token_key(key);
            let mut connection = self.connection();
            let mut invocation = self.inner.compare_and_delete.key(&redis_key);
            invocation.arg(raw);
            let deleted: i64 = self
                .call(
                    "compare-and-delete failed",
                    invocation.invoke_async(&mut connection),
                )
                .await?;
            Ok(deleted == 1)
        })
    }

    fn acquire_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, Lease> {
        Box::pin(async move {
            let lease_key = self.lease_key(key);
            let mut connection = self.connection();
            let mut command = redis::cmd("SET");
            command
                .arg(&lease_key)
                .arg(holder)
                .arg("NX")
                .arg("PX")
                .arg(px(self.inner.lease));
            let set: Option<String> = self
                .call("SET NX failed", command.query_async(&mut connection))
                .await?;
            Ok(if set.is_some() {
                Lease::Granted
            } else {
                Lease::HeldElsewhere
            })
        })
    }

    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let lease_key = self.lease_key(key);
            let mut connection = self.connection();
            let mut invocation = self.inner.compare_and_delete.key(&lease_key);
            invocation.arg(holder);
            let _: i64 = self
                .call(
                    "releasing the lease failed",
                    invocation.invoke_async(&mut connection),
                )
                .await?;
            self.publish(key).await;
            Ok(())
        })
    }

    fn wait_for_token<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            self.ensure_runtime()?;
            let deadline = Instant::now() + self.inner.lease;
            // Subscribed before the first look, so a token that lands between
            // the look and the wait still wakes this waiter.
            let mut pubsub = self.subscribe(key).await;
            loop {
                if let Some(token) = self.get(key).await? {
                    return Ok(Some(token));
                }
                if !self.lease_exists(key).await? {
                    return Ok(None);
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                let wait = self.inner.poll.min(left);
                match pubsub.as_mut() {
                    Some(pubsub) => {
                        let woken = tokio::time::timeout(wait, pubsub.on_message().next()).await;
                        if let Ok(None) = woken {
                            // The pub/sub connection closed: poll from now on.
                            tokio::time::sleep(wait).await;
                        }
                    }
                    None => tokio::time::sleep(wait).await,
                }
            }
        })
    }

    fn fleet_backoff<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        Box::pin(async move {
            self.ensure_runtime()?;
            let backoff_key = self.backoff_key(key);
            let mut connection = self.connection();
            // Read as bytes: a value that is not text is unreadable (absent),
            // never a failed call, or every renewal would go on alone.
            let value: Option<Vec<u8>> = match tokio::time::timeout(
                self.inner.timeout,
                connection.get::<_, Option<Vec<u8>>>(&backoff_key),
            )
            .await
            {
                Ok(Ok(value)) => value,
                Ok(Err(err))
                    if err.code() == Some("WRONGTYPE")
                        || err.kind() == redis::ErrorKind::UnexpectedReturnType =>
                {
                    self.inner.unreadable.fetch_add(1, Ordering::Relaxed);
                    trace::warning!("backoff key of another type: taken as absent", key = %backoff_key);
                    return Ok(None);
                }
                Ok(Err(err)) => return Err(self.error("GET failed", &err)),
                Err(_) => {
                    return Err(self.error(
                        "GET failed",
                        &format_args!("no answer within {:?}", self.inner.timeout),
                    ));
                }
            };
            let parsed = value.as_deref().and_then(|value| {
                let value = std::str::from_utf8(value).ok()?;
                let rest = value.strip_prefix(VALUE_VERSION)?.strip_prefix(' ')?;
                let (until, failures) = rest.split_once(' ')?;
                let until = UNIX_EPOCH.checked_add(Duration::from_millis(until.parse().ok()?))?;
                Some(FleetBackoff::new(until, failures.parse().ok()?))
            });
            if value.is_some() && parsed.is_none() {
                self.inner.unreadable.fetch_add(1, Ordering::Relaxed);
                trace::warning!("stored backoff unreadable: taken as absent", key = %backoff_key);
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
            let backoff_key = self.backoff_key(key);
            let mut connection = self.connection();
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
                    self.call(
                        "SET failed",
                        connection.pset_ex::<_, _, ()>(&backoff_key, value, px(keep)),
                    )
                    .await
                }
                _ => {
                    self.call("DEL failed", connection.del::<_, ()>(&backoff_key))
                        .await
                }
            }
        })
    }
}
