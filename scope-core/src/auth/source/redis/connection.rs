//! The connection to Redis, whatever the topology: one server, a primary
//! found through Sentinel, or a cluster. Made lazily: a store is built whether
//! or not Redis answers, and reconnects in the background.
//!
//! - One server and Sentinel: one multiplexed RESP3 connection, which also
//!   carries this process's subscriptions (push messages). When a call fails in
//!   a way that says the connection is gone (an I/O error, a dropped
//!   connection, `READONLY` from a primary demoted by a failover), it is
//!   dropped and a background task connects again: through the sentinels, to
//!   whichever primary they name now. Behind Sentinel a second task listens
//!   to a sentinel's `+switch-master` channel and does the same as soon as a
//!   failover of this primary ends, before a call meets the old one.
//! - Cluster: the `redis` crate's cluster connection, which follows slots
//!   and subscribes sharded channels on the node of their slot. After a
//!   primary's failover it can be left with no usable connection ("No
//!   connections found", redis 1.8.1); a call failing so, or with an I/O error
//!   or `CLUSTERDOWN`, drops it, and a new one is made from the cluster client
//!   in the background (it reads the slots afresh; the channels waited on are
//!   subscribed again).
//! - While there is no connection, calls fail at once (the source then goes on
//!   alone): no call waits for a connection attempt. Attempts are made in the
//!   background, at once after a loss and then at most one per
//!   [`RETRY_MAX`] while Redis stays away.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::SentinelClient;
use redis::{AsyncConnectionConfig, Client, ErrorKind, PushInfo, RedisError, RedisResult};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::subscriber::Subscriber;
use crate::auth::StoreError;
use crate::auth::trace;

/// The first retry after a lost connection; doubled up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_millis(50);
/// The longest wait between two connection attempts while Redis is away.
pub(super) const RETRY_MAX: Duration = Duration::from_secs(1);

/// How to reach Redis.
pub(super) enum Topology {
    /// One server (TLS material, if any, already in its client).
    Single(Client),
    /// The primary the sentinels name; the lock serialises their queries.
    Sentinel {
        client: tokio::sync::Mutex<SentinelClient>,
        /// Each sentinel, for the `+switch-master` watch.
        sentinels: Vec<Client>,
        /// The primary's name.
        primary: String,
    },
    /// A cluster, through the crate's cluster client.
    Cluster(ClusterClient),
    /// A connection the caller made (`RedisStore::from_connection`): used as
    /// it is, never replaced, no subscriptions (waiters poll).
    Given,
}

/// A connection of any topology: cheap to clone, all multiplexed.
#[derive(Clone)]
pub(super) enum Conn {
    Multiplexed(MultiplexedConnection),
    Cluster(ClusterConnection),
    Given(ConnectionManager),
}

impl redis::aio::ConnectionLike for Conn {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Conn::Multiplexed(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
            Conn::Given(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Conn::Multiplexed(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Given(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Multiplexed(conn) => conn.get_db(),
            Conn::Cluster(conn) => conn.get_db(),
            Conn::Given(conn) => conn.get_db(),
        }
    }
}

impl Conn {
    /// Whether its channels are sharded (`SSUBSCRIBE`/`SPUBLISH`): on a
    /// cluster, where a plain `PUBLISH` would be sent to every node.
    pub(super) fn is_sharded(&self) -> bool {
        matches!(self, Conn::Cluster(_))
    }

    /// Subscribes `channels` on this connection (their messages come as push
    /// messages to the dispatcher).
    pub(super) async fn subscribe(&mut self, channels: &[String]) -> RedisResult<()> {
        if channels.is_empty() {
            return Ok(());
        }
        match self {
            Conn::Multiplexed(conn) => conn.subscribe(channels).await,
            Conn::Cluster(conn) => {
                // One slot per channel: one command each.
                for channel in channels {
                    conn.ssubscribe(channel).await?;
                }
                Ok(())
            }
            Conn::Given(_) => Err(RedisError::from((
                ErrorKind::Client,
                "no subscriptions on a connection given to the store",
            ))),
        }
    }

    /// Unsubscribes `channel`.
    pub(super) async fn unsubscribe(&mut self, channel: &str) -> RedisResult<()> {
        match self {
            Conn::Multiplexed(conn) => conn.unsubscribe(channel).await,
            Conn::Cluster(conn) => conn.sunsubscribe(channel).await,
            Conn::Given(_) => Ok(()),
        }
    }
}

/// The store's link to Redis: the current connection, if any, and how to make
/// the next one.
pub(super) struct Link {
    topology: Topology,
    timeout: Duration,
    /// The server (or sentinels, or nodes), with any password masked.
    pub(super) address: String,
    /// Texts never to show (passwords), scrubbed from every error.
    secrets: Vec<secrecy::SecretString>,
    current: Mutex<Option<(Conn, u64)>>,
    generation: AtomicU64,
    /// A background task is connecting.
    reconnecting: AtomicBool,
    /// The channels waited on, and their waiters.
    pub(super) subscriber: Subscriber,
    /// Where every connection made sends its push messages.
    push: Option<UnboundedSender<PushInfo>>,
    /// Dropped with the link: ends its background tasks.
    closed: tokio::sync::watch::Sender<()>,
}

/// Why the first connection failed.
pub(super) enum FirstConnect {
    /// Connected.
    Connected,
    /// Redis did not answer (refused, silent, loading…): the store starts
    /// without it and keeps trying in the background.
    Unreachable(String),
    /// Redis answered and said no (a refused password or user, a certificate
    /// that is not trusted, an unknown primary name): a configuration error.
    Refused(String),
}

impl Link {
    pub(super) fn new(
        topology: Topology,
        timeout: Duration,
        address: String,
        secrets: Vec<secrecy::SecretString>,
        push: Option<UnboundedSender<PushInfo>>,
    ) -> Link {
        Link {
            topology,
            timeout,
            address,
            secrets,
            current: Mutex::new(None),
            generation: AtomicU64::new(0),
            reconnecting: AtomicBool::new(false),
            subscriber: Subscriber::default(),
            push,
            closed: tokio::sync::watch::channel(()).0,
        }
    }

    /// A link over a connection the caller made.
    pub(super) fn given(connection: ConnectionManager, timeout: Duration) -> Link {
        let link = Link::new(
            Topology::Given,
            timeout,
            "a Redis connection".to_owned(),
            Vec::new(),
            None,
        );
        *link.current() = Some((Conn::Given(connection), 0));
        link
    }

    fn current(&self) -> MutexGuard<'_, Option<(Conn, u64)>> {
        // Only whole values are written: a panic elsewhere leaves a valid one.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    pub(super) fn scrub(&self, text: String) -> String {
        scrub(&self.secrets, text)
    }

    /// The current connection, if any, without starting an attempt.
    pub(super) fn peek(&self) -> Option<Conn> {
        self.current().as_ref().map(|(conn, _)| conn.clone())
    }

    /// Whether a connection is up now.
    pub(super) fn is_connected(&self) -> bool {
        self.current().is_some()
    }

    /// The current connection and its generation, or an error at once while
    /// there is none (a background attempt is then under way).
    pub(super) fn connection(self: &Arc<Self>) -> Result<(Conn, u64), StoreError> {
        if let Some((conn, generation)) = self.current().clone() {
            return Ok((conn, generation));
        }
        self.reconnect_in_background();
        Err(StoreError::new(format!(
            "Redis at {}: not connected (connecting again in the background)",
            self.address
        )))
    }

    /// After a call on connection `generation` failed with `err`: drops the
    /// connection if the error says it is gone (or points at a primary no
    /// more), and connects again in the background.
    pub(super) fn failed(self: &Arc<Self>, generation: u64, err: &RedisError) {
        let gone = err.is_io_error()
            || err.is_connection_dropped()
            || err.is_connection_refusal()
            || err.kind() == ErrorKind::ClusterConnectionNotFound
            || matches!(err.code(), Some("READONLY" | "MASTERDOWN" | "CLUSTERDOWN"));
        if !gone || matches!(self.topology, Topology::Given) {
            return;
        }
        let dropped = {
            let mut current = self.current();
            match &*current {
                Some((_, current_generation)) if *current_generation == generation => {
                    *current = None;
                    true
                }
                _ => false,
            }
        };
        if dropped {
            trace::debug!("the Redis connection was lost: connecting again", address = %self.address);
            self.subscriber.wake_all();
            self.reconnect_in_background();
        }
    }

    /// Drops the current connection, whichever it is, and connects again in
    /// the background: the sentinels named another primary.
    fn switched(self: &Arc<Self>) {
        if self.current().take().is_some() {
            trace::info!("Sentinel switched the primary: connecting to the new one", address = %self.address);
            self.subscriber.wake_all();
        }
        self.reconnect_in_background();
    }

    /// Behind Sentinel: listens to the sentinels' `+switch-master` channel
    /// (one sentinel at a time, the next when it goes), until the link is
    /// gone.
    pub(super) fn watch_sentinels(self: &Arc<Self>) {
        let Topology::Sentinel {
            sentinels, primary, ..
        } = &self.topology
        else {
            return;
        };
        let (sentinels, primary, timeout) = (sentinels.clone(), primary.clone(), self.timeout);
        let link = Arc::downgrade(self);
        let mut closed = self.closed.subscribe();
        tokio::spawn(async move {
            let watch = async {
                let mut wait = Duration::ZERO;
                loop {
                    tokio::time::sleep(wait).await;
                    for sentinel in &sentinels {
                        let Ok(Ok(mut pubsub)) =
                            tokio::time::timeout(timeout, sentinel.get_async_pubsub()).await
                        else {
                            continue;
                        };
                        if !matches!(
                            tokio::time::timeout(timeout, pubsub.subscribe("+switch-master")).await,
                            Ok(Ok(()))
                        ) {
                            continue;
                        }
                        wait = Duration::ZERO;
                        let mut messages = pubsub.on_message();
                        // `<name> <old ip> <old port> <new ip> <new port>`
                        while let Some(message) = futures_util::StreamExt::next(&mut messages).await
                        {
                            let payload: String = message.get_payload().unwrap_or_default();
                            if payload.split(' ').next() == Some(primary.as_str()) {
                                let Some(link) = link.upgrade() else {
                                    return;
                                };
                                link.switched();
                            }
                        }
                    }
                    wait = (wait * 2).clamp(RETRY_FIRST, RETRY_MAX);
                }
            };
            tokio::select! {
                () = watch => {}
                _ = closed.changed() => {}
            }
        });
    }

    /// One attempt at a connection, bounded by the timeout.
    async fn connect_once(&self) -> RedisResult<Conn> {
        let attempt = async {
            let mut config =
                AsyncConnectionConfig::new().set_connection_timeout(Some(self.timeout));
            if let Some(push) = &self.push {
                config = config.set_push_sender(push.clone());
            }
            match &self.topology {
                Topology::Single(client) => client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map(Conn::Multiplexed),
                Topology::Sentinel { client, .. } => {
                    let client = client.lock().await.async_get_client().await?;
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await
                        .map(Conn::Multiplexed)
                }
                Topology::Cluster(client) => client.get_async_connection().await.map(Conn::Cluster),
                Topology::Given => Err(RedisError::from((
                    ErrorKind::Client,
                    "a connection given to the store is never replaced",
                ))),
            }
        };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no connection within {:?}", self.timeout),
            ))),
        }
    }

    /// Makes `conn` the current connection, its channels subscribed first.
    async fn install(&self, mut conn: Conn) {
        if self.push.is_some() {
            let wanted = self.subscriber.wanted();
            // A failure leaves the waiters polling: nothing more.
            let _ = tokio::time::timeout(self.timeout, conn.subscribe(&wanted)).await;
        }
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        *self.current() = Some((conn, generation));
        self.subscriber.wake_all();
    }

    /// The first connection, made by the builder.
    pub(super) async fn connect_first(self: &Arc<Self>) -> FirstConnect {
        match self.connect_once().await {
            Ok(conn) => {
                self.install(conn).await;
                FirstConnect::Connected
            }
            Err(err) => {
                let text = self.scrub(err.to_string());
                if says_no(&err) {
                    FirstConnect::Refused(text)
                } else {
                    self.reconnect_in_background();
                    FirstConnect::Unreachable(text)
                }
            }
        }
    }

    /// Starts the background task that connects, unless one runs (or there
    /// is no runtime to run it on: a later call on one starts it).
    fn reconnect_in_background(self: &Arc<Self>) {
        if matches!(self.topology, Topology::Given) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.reconnecting.swap(true, Ordering::AcqRel) {
            return;
        }
        let link = Arc::downgrade(self);
        runtime.spawn(reconnect(link));
    }

    /// Reads the push messages of every connection and wakes waiters, until
    /// the link is gone.
    pub(super) fn dispatch(self: &Arc<Self>, mut pushes: UnboundedReceiver<PushInfo>) {
        let link = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(push) = pushes.recv().await {
                let Some(link) = link.upgrade() else {
                    return;
                };
                link.subscriber.dispatch(&push);
            }
        });
    }
}

/// Connects until it succeeds or the store is gone, waiting longer between
/// attempts up to [`RETRY_MAX`].
async fn reconnect(link: Weak<Link>) {
    let mut wait = Duration::ZERO;
    loop {
        tokio::time::sleep(wait).await;
        let Some(strong) = link.upgrade() else {
            return;
        };
        match strong.connect_once().await {
            Ok(conn) => {
                strong.install(conn).await;
                strong.reconnecting.store(false, Ordering::Release);
                trace::debug!("connected to Redis", address = %strong.address);
                return;
            }
            Err(err) => {
                trace::debug!(
                    "no connection to Redis yet",
                    address = %strong.address,
                    error = %strong.scrub(err.to_string()),
                );
            }
        }
        wait = (wait * 2).clamp(RETRY_FIRST, RETRY_MAX);
    }
}

/// `text` with each of `secrets` replaced by `[REDACTED]`.
pub(super) fn scrub(secrets: &[secrecy::SecretString], text: String) -> String {
    use secrecy::ExposeSecret;
    secrets.iter().fold(text, |text, secret| {
        let secret = secret.expose_secret();
        if secret.is_empty() {
            text
        } else {
            text.replace(secret, "[REDACTED]")
        }
    })
}

/// Whether a failed connection attempt is Redis saying no (a configuration
/// error, reported at once) rather than Redis not answering.
fn says_no(err: &RedisError) -> bool {
    let refused_by_server = matches!(
        err.kind(),
        ErrorKind::AuthenticationFailed
            | ErrorKind::InvalidClientConfig
            | ErrorKind::MasterNameNotFoundBySentinel
            | ErrorKind::EmptySentinelList
            // Redis before 6: the store needs RESP3.
            | ErrorKind::RESP3NotSupported
    ) || matches!(err.code(), Some("WRONGPASS" | "NOAUTH" | "NOPERM"));
    // A server certificate that is not trusted comes as an I/O error whose
    // text is rustls's ("invalid peer certificate: UnknownIssuer"): the
    // server answered, with a certificate this store was told not to trust.
    let untrusted = err.is_io_error() && err.to_string().contains("certificate");
    refused_by_server || untrusted
}
