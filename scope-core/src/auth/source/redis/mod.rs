//! [`RedisStore`]: tokens kept in Redis and shared by a fleet of processes,
//! with a fleet-wide single flight and backoff, on one server, behind
//! Sentinel, or on a cluster.
//!
//! One job per file: `connection.rs` (the topologies, TLS, the lazy and
//! reconnecting connection), `keys.rs` (key and channel names, the hash tag),
//! `scripts.rs` (the Lua), `subscriber.rs` (the one subscription of a process
//! and its dispatcher), `store.rs` (the [`TokenStore`](crate::auth::TokenStore)
//! implementation). This file is the public face.

mod connection;
mod keys;
mod scripts;
mod store;
mod subscriber;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::cluster::ClusterClientBuilder;
use redis::sentinel::{SentinelClientBuilder, SentinelServerType};
use redis::{
    Client, ClientTlsConfig, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion,
    TlsCertificates, TlsMode,
};
use secrecy::{ExposeSecret, SecretSlice, SecretString};

use self::connection::{FirstConnect, Link, Topology};
use self::keys::Keys;
use super::store::StoreError;
use crate::auth::trace;

/// The default prefix of every key: `scope-core:`.
const DEFAULT_PREFIX: &str = "scope-core:";
const DEFAULT_LEASE: Duration = Duration::from_secs(15);
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_POLL: Duration = Duration::from_millis(200);

/// The commands the store sends, on every topology: see
/// [`RedisStore::ACL_COMMANDS`].
const ACL_COMMANDS: &str = "-@all +get +set +del +pttl +type +eval +publish +subscribe +unsubscribe +spublish +ssubscribe +sunsubscribe +role +cluster|slots +asking +ping +time +zadd +zcard +zrange +zremrangebyscore +zscore +pexpire";

/// A [`TokenStore`](crate::auth::TokenStore) in Redis, shared by every
/// process that uses the same Redis and prefix.
///
/// - Built from one server's URL ([`builder`](RedisStore::builder)), from
///   the sentinels that watch a primary ([`sentinel`](RedisStore::sentinel)),
///   or from a cluster's nodes ([`cluster`](RedisStore::cluster)), with TLS
///   (`rediss://`, a private CA, a client certificate) and an ACL user whose
///   rights are [`acl_rules`](RedisStore::acl_rules).
/// - **Starts without Redis**: building it does not fail because Redis does
///   not answer. Its calls fail until Redis does (the source then gets its
///   tokens on its own, and says so: one log line and
///   [`TokenSource::is_on_its_own`](crate::auth::TokenSource::is_on_its_own)),
///   while it connects in the background; no call waits for a connection.
///   A bad URL, bad TLS material, or a password, user or certificate that
///   the server refuses is an error at once.
/// - Tokens are kept under [`token_key`](RedisStore::token_key) with an
///   expiry equal to their remaining life, as a versioned line of text.
/// - The fleet-wide single flight: a lease taken with `SET NX PX` (in a script
///   that first removes a lease key of the wrong type or with no expiry),
///   released by compare-and-delete so only its holder releases it; waiters
///   are woken through pub/sub (sharded on a cluster), poll as well, and take
///   the lease over once it expires.
/// - The fleet-wide backoff under [`backoff_key`](RedisStore::backoff_key).
/// - Every value that cannot be read, under any of its keys (not text,
///   another version, garbage, a key of another type, a lease with no
///   expiry), is absent, counted by
///   [`unreadable_values`](RedisStore::unreadable_values) and logged with its
///   key, never its value.
/// - Every call is bounded by a timeout (default 500 ms).
/// - The connection lives on the Tokio runtime it was made on: a blocking
///   source (no runtime) gets every call refused with an error that says so,
///   and gets its tokens on its own. Use the async `TokenSource` with it.
///
/// Passwords (in a URL or given apart) and client keys never appear in
/// `Debug`, `Display`, an error or a log line.
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
    link: Arc<Link>,
    keys: Keys,
    lease: Duration,
    timeout: Duration,
    poll: Duration,
    unreadable: AtomicU64,
}

/// Where the store finds Redis.
#[derive(Clone)]
enum Servers {
    One(String),
    Sentinel {
        sentinels: Vec<String>,
        primary: String,
    },
    Cluster(Vec<String>),
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`],
/// [`RedisStore::sentinel`] and [`RedisStore::cluster`].
///
/// ```no_run
/// use std::time::Duration;
/// use scope_core::auth::RedisStore;
///
/// # async fn run() -> Result<(), scope_core::auth::StoreError> {
/// let store = RedisStore::builder("rediss://redis.internal:6380")
///     .username("checkout")
///     .password("s3cret")
///     .ca_certificate(std::fs::read("/etc/redis/ca.pem").unwrap())
///     .timeout(Duration::from_millis(200))
///     .lease(Duration::from_secs(10))
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
pub struct RedisStoreBuilder {
    servers: Servers,
    username: Option<String>,
    password: Option<SecretString>,
    prefix: String,
    lease: Duration,
    timeout: Duration,
    poll: Duration,
    ca: Option<Vec<u8>>,
    identity: Option<(Vec<u8>, SecretSlice<u8>)>,
}

impl RedisStoreBuilder {
    fn new(servers: Servers) -> RedisStoreBuilder {
        RedisStoreBuilder {
            servers,
            username: None,
            password: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
            poll: DEFAULT_POLL,
            ca: None,
            identity: None,
        }
    }

    /// The ACL user to log in as (it wins over one in the URL); give it the
    /// rights of [`RedisStore::acl_rules`].
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").username("checkout");
    /// ```
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password, given apart from the URL (it wins over one in the URL).
    /// Behind Sentinel, the data nodes' password; the sentinels' own, if they
    /// want one, goes in their URLs.
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://127.0.0.1").password("s3cret");
    /// assert!(!format!("{builder:?}").contains("s3cret"));
    /// ```
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// The CA certificates (PEM) a `rediss://` server's certificate must chain
    /// to, instead of the system's roots: for a private CA.
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("rediss://redis.internal:6380")
    ///     .ca_certificate(b"-----BEGIN CERTIFICATE-----\n...".to_vec());
    /// ```
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(pem.into());
        self
    }

    /// A client certificate chain and its private key (both PEM), for
    /// servers that ask for one (`tls-auth-clients yes`). The key never
    /// appears in `Debug` or an error.
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("rediss://redis.internal:6380")
    ///     .client_certificate(b"-----BEGIN CERTIFICATE-----\n...".to_vec(), b"-----BEGIN PRIVATE KEY-----\nk3y".to_vec());
    /// assert!(!format!("{builder:?}").contains("k3y"));
    /// ```
    pub fn client_certificate(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.identity = Some((certificate_pem.into(), SecretSlice::from(key_pem.into())));
        self
    }

    /// The prefix of every key and channel (default `scope-core:`), so that
    /// several services can share one Redis. On a cluster it may not hold `{`
    /// or `}` (they would choose the hash slot).
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

    /// The bound on every Redis call and on each connection attempt (default
    /// 500 ms).
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

    /// Builds the store and tries its first connection, bounded by the
    /// timeout. When Redis does not answer, the store is returned all the
    /// same: its calls fail (sources get tokens on their own) until a
    /// background task connects.
    ///
    /// # Errors
    ///
    /// At once, when a URL is not a Redis URL, the TLS material does not parse
    /// (or is given for a `redis://` URL), a cluster prefix holds a brace, or
    /// Redis answers and refuses: a wrong password or user, a server
    /// certificate this store does not trust, a primary name the sentinels do
    /// not know, a server older than Redis 6 (the store speaks RESP3). No
    /// error shows a password or a key.
    ///
    /// ```
    /// # async fn run() {
    /// let err = scope_core::auth::RedisStore::builder("http://user:s3cret@127.0.0.1")
    ///     .connect()
    ///     .await
    ///     .unwrap_err();
    /// assert!(!err.to_string().contains("s3cret"));
    /// // Nothing listens on port 9: the store is built, and not connected.
    /// let store = scope_core::auth::RedisStore::builder("redis://127.0.0.1:9").connect().await.unwrap();
    /// assert!(!store.is_connected());
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
    /// ```
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        crate::auth::crypto::prepare_redis_tls();
        let secrets = self.secrets();
        let scrub = |text: String| connection::scrub(&secrets, text);
        let address = self.address();
        let certificates = self.certificates(&scrub)?;
        let (push, pushes) = tokio::sync::mpsc::unbounded_channel();
        let topology = match &self.servers {
            Servers::One(url) => {
                let info = self.node_info(url, &scrub)?;
                let client = match certificates {
                    Some(certificates) => Client::build_with_tls(info, certificates),
                    None => Client::open(info),
                }
                .map_err(|err| {
                    StoreError::new(format!("cannot use {address}: {}", scrub(err.to_string())))
                })?;
                Topology::Single(client)
            }
            Servers::Sentinel { sentinels, primary } => {
                let infos = sentinels
                    .iter()
                    .map(|url| parse(url, &scrub))
                    .collect::<Result<Vec<_>, _>>()?;
                let tls = infos
                    .iter()
                    .any(|info| matches!(info.addr(), ConnectionAddr::TcpTls { .. }));
                let builder = SentinelClientBuilder::new(
                    infos.iter().map(|info| info.addr().clone()),
                    primary,
                    SentinelServerType::Master,
                )
                .map(|builder| {
                    let mut builder = builder
                        .set_client_to_redis_protocol(ProtocolVersion::RESP3)
                        .set_client_to_sentinel_protocol(ProtocolVersion::RESP2);
                    if let Some(username) = self.username_for(infos.first()) {
                        builder = builder.set_client_to_redis_username(username);
                    }
                    if let Some(password) = &self.password {
                        builder = builder.set_client_to_redis_password(password.expose_secret());
                    }
                    if let Some(settings) = infos.first().map(ConnectionInfo::redis_settings) {
                        if let Some(username) = settings.username() {
                            builder = builder.set_client_to_sentinel_username(username);
                        }
                        if let Some(password) = settings.password() {
                            builder = builder.set_client_to_sentinel_password(password);
                        }
                    }
                    if tls {
                        builder = builder
                            .set_client_to_redis_tls_mode(TlsMode::Secure)
                            .set_client_to_sentinel_tls_mode(TlsMode::Secure);
                        if let Some(certificates) = &certificates {
                            builder = builder
                                .set_client_to_redis_certificates(certificates.clone())
                                .set_client_to_sentinel_certificates(certificates.clone());
                        }
                    }
                    builder
                });
                if certificates.is_some() && !tls {
                    return Err(StoreError::new(format!(
                        "TLS material was given for {address}, whose URLs are not rediss://"
                    )));
                }
                let fail = |err: redis::RedisError| {
                    StoreError::new(format!("cannot use {address}: {}", scrub(err.to_string())))
                };
                let client = builder
                    .and_then(SentinelClientBuilder::build)
                    .map_err(fail)?;
                // The sentinels themselves, for their `+switch-master` channel.
                let watched = infos
                    .into_iter()
                    .map(|info| match &certificates {
                        Some(certificates) if tls => {
                            Client::build_with_tls(info, certificates.clone())
                        }
                        _ => Client::open(info),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(fail)?;
                Topology::Sentinel {
                    client: tokio::sync::Mutex::new(client),
                    sentinels: watched,
                    primary: primary.clone(),
                }
            }
            Servers::Cluster(nodes) => {
                if self.prefix.contains(['{', '}']) {
                    return Err(StoreError::new(format!(
                        "the prefix {:?} holds a brace: on a cluster the store's keys choose their \
                         hash slot with braces, so pick a prefix without",
                        self.prefix
                    )));
                }
                let infos = nodes
                    .iter()
                    .map(|url| self.node_info(url, &scrub))
                    .collect::<Result<Vec<_>, _>>()?;
                let tls = infos
                    .iter()
                    .any(|info| matches!(info.addr(), ConnectionAddr::TcpTls { .. }));
                if certificates.is_some() && !tls {
                    return Err(StoreError::new(format!(
                        "TLS material was given for {address}, whose URLs are not rediss://"
                    )));
                }
                let mut builder = ClusterClientBuilder::new(infos)
                    .use_protocol(ProtocolVersion::RESP3)
                    .push_sender(push.clone())
                    .connection_timeout(self.timeout)
                    .response_timeout(self.timeout)
                    .retries(3)
                    .min_retry_wait(10)
                    .max_retry_wait(200);
                if tls {
                    builder = builder.tls(TlsMode::Secure);
                }
                if let Some(certificates) = certificates {
                    builder = builder.certs(certificates);
                }
                let client = builder.build().map_err(|err| {
                    StoreError::new(format!("cannot use {address}: {}", scrub(err.to_string())))
                })?;
                Topology::Cluster(client)
            }
        };
        let link = Arc::new(Link::new(
            topology,
            self.timeout,
            address.clone(),
            secrets.clone(),
            Some(push),
        ));
        link.dispatch(pushes);
        link.watch_sentinels();
        match link.connect_first().await {
            FirstConnect::Connected => {}
            FirstConnect::Unreachable(error) => {
                trace::debug!(
                    "Redis does not answer: the store starts without it and connects in the background",
                    address = %address,
                    error = %error,
                );
            }
            FirstConnect::Refused(error) => {
                return Err(StoreError::new(format!(
                    "cannot connect to {address}: {error}"
                )));
            }
        }
        Ok(RedisStore::assemble(
            link,
            self.prefix,
            self.lease,
            self.timeout,
            self.poll,
        ))
    }

    /// Every password given, to scrub from error texts.
    fn secrets(&self) -> Vec<SecretString> {
        let urls: Vec<&String> = match &self.servers {
            Servers::One(url) => vec![url],
            Servers::Sentinel { sentinels, .. } => sentinels.iter().collect(),
            Servers::Cluster(nodes) => nodes.iter().collect(),
        };
        urls.into_iter()
            .filter_map(|url| url::Url::parse(url).ok())
            .filter_map(|url| url.password().map(str::to_owned))
            .map(SecretString::from)
            .chain(self.password.clone())
            .collect()
    }

    /// What the store is connected to, without passwords: for `Debug` and errors.
    fn address(&self) -> String {
        let list = |urls: &[String]| {
            urls.iter()
                .map(|url| redact_url(url))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.servers {
            Servers::One(url) => redact_url(url),
            Servers::Sentinel { sentinels, primary } => {
                format!("primary {primary:?} of sentinels {}", list(sentinels))
            }
            Servers::Cluster(nodes) => format!("cluster {}", list(nodes)),
        }
    }

    /// The username to log in to data nodes as: the builder's, else the URL's.
    fn username_for(&self, info: Option<&ConnectionInfo>) -> Option<String> {
        self.username
            .clone()
            .or_else(|| info.and_then(|info| info.redis_settings().username().map(str::to_owned)))
    }

    /// A data node's connection info: RESP3, the builder's user and password.
    fn node_info(
        &self,
        url: &str,
        scrub: &dyn Fn(String) -> String,
    ) -> Result<ConnectionInfo, StoreError> {
        let info = parse(url, scrub)?;
        let mut settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3)
            .set_skip_set_lib_name();
        if let Some(username) = &self.username {
            settings = settings.set_username(username);
        }
        if let Some(password) = &self.password {
            settings = settings.set_password(password.expose_secret());
        }
        Ok(info.set_redis_settings(settings))
    }

    /// The TLS material, parsed now so that a mistake is an error at once.
    fn certificates(
        &self,
        scrub: &dyn Fn(String) -> String,
    ) -> Result<Option<TlsCertificates>, StoreError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        if self.ca.is_none() && self.identity.is_none() {
            return Ok(None);
        }
        if let Some(ca) = &self.ca {
            let found = CertificateDer::pem_slice_iter(ca)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| StoreError::new(format!("the CA certificate is not PEM: {err}")))?;
            if found.is_empty() {
                return Err(StoreError::new(
                    "the CA certificate holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
                ));
            }
        }
        let certificates = TlsCertificates {
            client_tls: self
                .identity
                .as_ref()
                .map(|(certificate, key)| ClientTlsConfig {
                    client_cert: certificate.clone(),
                    client_key: key.expose_secret().to_vec(),
                }),
            root_cert: self.ca.clone(),
        };
        // Parses both the way connections will (no connection is made).
        Client::build_with_tls("rediss://127.0.0.1", certificates.clone()).map_err(|err| {
            StoreError::new(format!(
                "the TLS material does not parse: {}",
                scrub(err.to_string())
            ))
        })?;
        Ok(Some(certificates))
    }
}

/// Parses one URL; the error shows no password.
fn parse(url: &str, scrub: &dyn Fn(String) -> String) -> Result<ConnectionInfo, StoreError> {
    url.into_connection_info().map_err(|err| {
        StoreError::new(format!(
            "{} is not a Redis URL: {}",
            redact_url(url),
            scrub(err.to_string())
        ))
    })
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("servers", &self.address())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("ca_certificate", &self.ca.as_ref().map(|ca| ca.len()))
            .field(
                "client_certificate",
                &self
                    .identity
                    .as_ref()
                    .map(|_| "[certificate and REDACTED key]"),
            )
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL with its password, if any, replaced by `REDACTED`.
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

impl RedisStore {
    /// The commands the store sends, on every topology, as ACL rules: give
    /// its user exactly these (with [`acl_rules`](RedisStore::acl_rules), which
    /// adds the key and channel patterns of a prefix). `get`, `set`, `del`,
    /// `pttl` and `type` read and write the
    /// token, lease and backoff (`type` in the lease script); `eval` runs the
    /// scripts; `publish`, `subscribe` and `unsubscribe`
    /// wake waiters (`spublish`, `ssubscribe` and `sunsubscribe` on a cluster);
    /// `role` is how the primary named by Sentinel is checked; `cluster|slots`
    /// reads a cluster's layout, `asking` follows a slot being moved, and
    /// `ping` is how the cluster client checks a node it reconnects to. The
    /// store logs in with `HELLO 3 AUTH`, which every user may send.
    ///
    /// ```
    /// assert!(scope_core::auth::RedisStore::ACL_COMMANDS.starts_with("-@all +get"));
    /// ```
    pub const ACL_COMMANDS: &'static str = ACL_COMMANDS;

    /// A builder from one server's `redis://` or `rediss://` (TLS) URL, which
    /// may hold a user and password (`redis://user:password@host:6379/0`).
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::builder("redis://:s3cret@127.0.0.1:6379");
    /// assert!(!format!("{builder:?}").contains("s3cret"));
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(Servers::One(url.into()))
    }

    /// A builder for the primary that the sentinels at `sentinels` (their
    /// URLs, `redis://` or `rediss://`, with the sentinels' own password if
    /// they want one) watch under `primary_name`. The store asks them for the
    /// primary, and follows a failover: it listens to their `+switch-master`
    /// channel, and asks them again whenever its connection fails or the old
    /// primary answers as a replica. The data
    /// nodes' user and password come from [`username`](RedisStoreBuilder::username)
    /// and [`password`](RedisStoreBuilder::password).
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::sentinel(
    ///     ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"],
    ///     "mymaster",
    /// )
    /// .password("s3cret");
    /// ```
    pub fn sentinel<S: Into<String>>(
        sentinels: impl IntoIterator<Item = S>,
        primary_name: impl Into<String>,
    ) -> RedisStoreBuilder {
        RedisStoreBuilder::new(Servers::Sentinel {
            sentinels: sentinels.into_iter().map(Into::into).collect(),
            primary: primary_name.into(),
        })
    }

    /// A builder for a Redis Cluster, from the URLs of some of its nodes (one
    /// that answers is enough; the others are learnt from it). Every key of
    /// one credential shares a hash slot, and waiters are woken through
    /// sharded pub/sub (Redis 7 or later; on older clusters they poll).
    ///
    /// ```
    /// let builder = scope_core::auth::RedisStore::cluster([
    ///     "redis://10.0.0.1:6379",
    ///     "redis://10.0.0.2:6379",
    ///     "redis://10.0.0.3:6379",
    /// ]);
    /// ```
    pub fn cluster<S: Into<String>>(nodes: impl IntoIterator<Item = S>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(Servers::Cluster(
            nodes.into_iter().map(Into::into).collect(),
        ))
    }

    /// A store on a connection the caller already has, with the default
    /// settings and `prefix`. Waiters poll (no subscription on it), and the
    /// connection is the caller's to reconnect.
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
            Arc::new(Link::given(connection, DEFAULT_TIMEOUT)),
            prefix.into(),
            DEFAULT_LEASE,
            DEFAULT_TIMEOUT,
            DEFAULT_POLL,
        )
    }

    fn assemble(
        link: Arc<Link>,
        prefix: String,
        lease: Duration,
        timeout: Duration,
        poll: Duration,
    ) -> RedisStore {
        RedisStore {
            inner: Arc::new(Inner {
                link,
                keys: Keys::new(prefix),
                lease,
                timeout,
                poll,
                unreadable: AtomicU64::new(0),
            }),
        }
    }

    /// The ACL rules for the store's user with keys and channels under
    /// `prefix`: [`ACL_COMMANDS`](RedisStore::ACL_COMMANDS), the key pattern
    /// and the channel pattern, nothing more. An operator pastes them after
    /// `ACL SETUSER <name> on ><password> `.
    ///
    /// ```
    /// use scope_core::auth::RedisStore;
    ///
    /// let rules = RedisStore::acl_rules("scope-core:");
    /// assert!(rules.starts_with("resetkeys ~scope-core:* resetchannels &scope-core:* -@all +get"));
    /// // Pattern characters in a prefix are matched as themselves.
    /// assert!(RedisStore::acl_rules("a*b:").starts_with(r"resetkeys ~a\*b:* resetchannels &a\*b:*"));
    /// ```
    pub fn acl_rules(prefix: &str) -> String {
        // `*`, `?`, `[`, `]` and `\` are special in ACL patterns.
        let mut escaped = String::with_capacity(prefix.len());
        for c in prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        format!("resetkeys ~{escaped}* resetchannels &{escaped}* {ACL_COMMANDS}")
    }

    /// How many values this store met that it could not read and took as
    /// absent: under a token key (garbage, not text, another version, another
    /// type), a backoff key (the same), or a lease key (another type, or no
    /// expiry: removed so the single flight goes on). With feature `tracing`,
    /// each is also a warning naming its key (never its value).
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert_eq!(store.unreadable_values(), 0);
    /// # }
    /// ```
    pub fn unreadable_values(&self) -> u64 {
        self.inner.unreadable.load(Ordering::Relaxed)
    }

    /// Whether the store has a connection to Redis now. Without one its calls
    /// fail at once, and it connects in the background.
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// if !store.is_connected() {
    ///     eprintln!("tokens are not shared right now");
    /// }
    /// # }
    /// ```
    pub fn is_connected(&self) -> bool {
        self.inner.link.is_connected()
    }

    /// The Redis key a token for `key` is kept under:
    /// `{prefix}{{tag}}:token:{key}`, where the tag is 16 hex digits of a hash
    /// of `key` that puts every key of one credential in one cluster slot.
    /// (Before this format the name was `{prefix}token:{key}`: tokens stored
    /// under it are not read, and expire.)
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert!(store.token_key("k").starts_with("scope-core:{"));
    /// assert!(store.token_key("k").ends_with("}:token:k"));
    /// # }
    /// ```
    pub fn token_key(&self, key: &str) -> String {
        self.inner.keys.token(key)
    }

    /// The Redis key of the fleet's lease for `key` (same slot as the token).
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert!(store.lease_key("k").ends_with("}:lease:k"));
    /// # }
    /// ```
    pub fn lease_key(&self, key: &str) -> String {
        self.inner.keys.lease(key)
    }

    /// The Redis key of the fleet's backoff for `key` (same slot as the token).
    ///
    /// ```no_run
    /// # fn check(store: &scope_core::auth::RedisStore) {
    /// assert!(store.backoff_key("k").ends_with("}:backoff:k"));
    /// # }
    /// ```
    pub fn backoff_key(&self, key: &str) -> String {
        self.inner.keys.backoff(key)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.inner.link.address)
            .field("connected", &self.is_connected())
            .field("prefix", &self.inner.keys.prefix())
            .field("lease", &self.inner.lease)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}
