//! [`RedisSentinels`]: a primary, a replica and three sentinels on
//! 127.0.0.1, as a high-availability Redis runs, for the failover tests.

use std::ffi::OsString;
use std::process::Child;
use std::time::Duration;

use crate::RedisServer;
use crate::redis_server::{free_port, spawn_redis, temp_dir, wait_for, wait_listening};

/// The primary's name the sentinels watch.
pub const PRIMARY_NAME: &str = "scope-primary";

/// One sentinel process.
struct Sentinel {
    port: u16,
    dir: std::path::PathBuf,
    child: Child,
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A primary with one replica, watched by three sentinels (quorum 2, a node
/// down after 1 s), all stopped on drop.
///
/// ```no_run
/// let set = scope_tests::RedisSentinels::start();
/// assert_eq!(set.sentinel_urls().len(), 3);
/// ```
pub struct RedisSentinels {
    /// The nodes, primary first (until a failover).
    pub nodes: Vec<RedisServer>,
    sentinels: Vec<Sentinel>,
}

impl RedisSentinels {
    /// Starts the primary, its replica and the sentinels, and waits until
    /// every sentinel knows the replica and the two other sentinels (so a
    /// failover can happen).
    ///
    /// # Panics
    ///
    /// When `redis-server` is missing, or the set is not ready within 60 s.
    ///
    /// ```no_run
    /// let set = scope_tests::RedisSentinels::start();
    /// ```
    pub fn start() -> RedisSentinels {
        // A replica syncs at once (not after the default 5 s).
        let primary = RedisServer::start_on(free_port(), &["--repl-diskless-sync-delay", "0"]);
        let replica = RedisServer::start_on(
            free_port(),
            &[
                "--replicaof",
                "127.0.0.1",
                &primary.port().to_string(),
                "--repl-diskless-sync-delay",
                "0",
            ],
        );
        let sentinels: Vec<Sentinel> = (0..3)
            .map(|_| {
                let port = free_port();
                let dir = temp_dir("sentinel", port);
                let config = dir.join("sentinel.conf");
                std::fs::write(
                    &config,
                    format!(
                        "port {port}\nbind 127.0.0.1\ndir {dir}\n\
                         sentinel monitor {PRIMARY_NAME} 127.0.0.1 {primary} 2\n\
                         sentinel down-after-milliseconds {PRIMARY_NAME} 1000\n\
                         sentinel failover-timeout {PRIMARY_NAME} 10000\n\
                         sentinel parallel-syncs {PRIMARY_NAME} 1\n",
                        dir = dir.display(),
                        primary = primary.port(),
                    ),
                )
                .expect("write sentinel.conf");
                let child = spawn_redis(
                    &[config.into_os_string(), OsString::from("--sentinel")],
                    &dir,
                );
                wait_listening(port, "redis-sentinel");
                Sentinel { port, dir, child }
            })
            .collect();
        wait_for("the replica synced", Duration::from_secs(60), || {
            let info: Result<String, _> = redis::cmd("INFO")
                .arg("replication")
                .query(&mut replica.admin());
            info.is_ok_and(|info| info.contains("master_link_status:up"))
        });
        let set = RedisSentinels {
            nodes: vec![primary, replica],
            sentinels,
        };
        wait_for(
            "the sentinels see the replica and each other",
            Duration::from_secs(60),
            || {
                set.sentinels.iter().all(|sentinel| {
                    let fields = primary_fields(sentinel.port);
                    let number = |name: &str| {
                        fields
                            .iter()
                            .position(|field| field == name)
                            .and_then(|at| fields.get(at + 1))
                            .and_then(|value| value.parse::<u32>().ok())
                            .unwrap_or(0)
                    };
                    number("num-slaves") >= 1 && number("num-other-sentinels") >= 2
                })
            },
        );
        set
    }

    /// The sentinels' URLs.
    ///
    /// ```no_run
    /// let urls = scope_tests::RedisSentinels::start().sentinel_urls();
    /// ```
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|sentinel| format!("redis://127.0.0.1:{}", sentinel.port))
            .collect()
    }

    /// The port of the primary the sentinels name now.
    ///
    /// ```no_run
    /// let port = scope_tests::RedisSentinels::start().primary_port();
    /// ```
    pub fn primary_port(&self) -> Option<u16> {
        self.sentinels.iter().find_map(|sentinel| {
            let mut connection =
                redis::Client::open(format!("redis://127.0.0.1:{}", sentinel.port))
                    .ok()?
                    .get_connection_with_timeout(Duration::from_secs(2))
                    .ok()?;
            let (_, port): (String, u16) = redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(PRIMARY_NAME)
                .query(&mut connection)
                .ok()?;
            Some(port)
        })
    }

    /// Asks a sentinel for a failover (`SENTINEL FAILOVER`): the replica
    /// becomes the primary, the old primary its replica, both alive. Returns
    /// the old primary's port.
    ///
    /// # Panics
    ///
    /// When no sentinel accepts.
    ///
    /// ```no_run
    /// let set = scope_tests::RedisSentinels::start();
    /// let old = set.fail_over();
    /// set.wait_for_failover(old);
    /// ```
    pub fn fail_over(&self) -> u16 {
        let old = self.primary_port().expect("a primary");
        let accepted = self.sentinels.iter().any(|sentinel| {
            let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{}", sentinel.port))
            else {
                return false;
            };
            let Ok(mut connection) = client.get_connection_with_timeout(Duration::from_secs(2))
            else {
                return false;
            };
            redis::cmd("SENTINEL")
                .arg("FAILOVER")
                .arg(PRIMARY_NAME)
                .query::<()>(&mut connection)
                .is_ok()
        });
        assert!(accepted, "no sentinel accepted SENTINEL FAILOVER");
        old
    }

    /// The node listening on `port`.
    ///
    /// # Panics
    ///
    /// When none of the nodes does.
    ///
    /// ```no_run
    /// let set = scope_tests::RedisSentinels::start();
    /// let primary = set.node(set.primary_port().unwrap());
    /// ```
    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|node| node.port() == port)
            .expect("one of the nodes")
    }

    /// Kills the current primary (SIGKILL) and returns its port.
    ///
    /// # Panics
    ///
    /// When no sentinel names a primary among the nodes.
    ///
    /// ```no_run
    /// let mut set = scope_tests::RedisSentinels::start();
    /// let old = set.kill_primary();
    /// set.wait_for_failover(old);
    /// ```
    pub fn kill_primary(&mut self) -> u16 {
        let port = self.primary_port().expect("a primary");
        let node = self
            .nodes
            .iter_mut()
            .find(|node| node.port() == port)
            .expect("the primary is one of the nodes");
        node.kill();
        port
    }

    /// Waits until the sentinels name a primary other than `old` and it
    /// answers as a primary.
    ///
    /// # Panics
    ///
    /// When that takes more than 60 s.
    ///
    /// ```no_run
    /// # let mut set = scope_tests::RedisSentinels::start();
    /// # let old = set.kill_primary();
    /// set.wait_for_failover(old);
    /// ```
    pub fn wait_for_failover(&self, old: u16) {
        wait_for("a failover", Duration::from_secs(60), || {
            let Some(port) = self.primary_port().filter(|port| *port != old) else {
                return false;
            };
            let Some(node) = self.nodes.iter().find(|node| node.port() == port) else {
                return false;
            };
            let role: Result<redis::Value, _> = redis::cmd("ROLE").query(&mut node.admin());
            matches!(role, Ok(redis::Value::Array(items)) if matches!(items.first(), Some(redis::Value::BulkString(role)) if role == b"master"))
        });
    }
}

/// `SENTINEL MASTER` as a flat list of fields and values (empty on error).
fn primary_fields(port: u16) -> Vec<String> {
    let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}")) else {
        return Vec::new();
    };
    let Ok(mut connection) = client.get_connection_with_timeout(Duration::from_secs(2)) else {
        return Vec::new();
    };
    redis::cmd("SENTINEL")
        .arg("MASTER")
        .arg(PRIMARY_NAME)
        .query(&mut connection)
        .unwrap_or_default()
}
