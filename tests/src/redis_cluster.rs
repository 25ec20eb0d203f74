//! [`RedisCluster`]: a Redis Cluster of three primaries with a replica each
//! on 127.0.0.1 (built by `redis-cli --cluster create`), for the cluster
//! tests.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::RedisServer;
use crate::redis_server::{INSTALL_HINT, wait_for};

/// Six `redis-server`s in cluster mode (node timeout 1 s, so a dead primary
/// is replaced by its replica within a few seconds), stopped on drop.
///
/// ```no_run
/// let cluster = scope_tests::RedisCluster::start();
/// assert_eq!(cluster.urls().len(), 6);
/// ```
pub struct RedisCluster {
    /// The nodes.
    pub nodes: Vec<RedisServer>,
}

/// A free port whose cluster bus port (the port + 10000) is free too.
fn cluster_port() -> u16 {
    let seed = u64::from(std::process::id())
        ^ u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos(),
        );
    let mut next = seed;
    loop {
        next = next
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let port = 20_000 + u16::try_from((next >> 33) % 20_000).unwrap_or(0);
        let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
        if free(port) && free(port + 10_000) {
            return port;
        }
    }
}

impl RedisCluster {
    /// Starts six nodes, makes them a cluster with one replica per primary,
    /// and waits until every node says `cluster_state:ok`.
    ///
    /// # Panics
    ///
    /// When `redis-server` or `redis-cli` is missing, or the cluster is not
    /// ready within 60 s.
    ///
    /// ```no_run
    /// let cluster = scope_tests::RedisCluster::start();
    /// ```
    pub fn start() -> RedisCluster {
        let nodes: Vec<RedisServer> = (0..6)
            .map(|_| {
                let port = cluster_port();
                RedisServer::start_on(
                    port,
                    &[
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "1000",
                        // A replica syncs at once (not after the default 5 s),
                        // so it can take over as soon as the cluster is up.
                        "--repl-diskless-sync-delay",
                        "0",
                    ],
                )
            })
            .collect();
        let mut command = Command::new("redis-cli");
        command.arg("--cluster").arg("create");
        for node in &nodes {
            command.arg(format!("127.0.0.1:{}", node.port()));
        }
        command
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let status = match command.status() {
            Ok(status) => status,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
            Err(err) => panic!("cannot run redis-cli: {err}"),
        };
        assert!(status.success(), "redis-cli --cluster create failed");
        let cluster = RedisCluster { nodes };
        cluster.wait_ok();
        // A replica that never synced does not take over.
        wait_for("every replica synced", Duration::from_secs(60), || {
            cluster.nodes.iter().all(|node| {
                let info: Result<String, _> = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut node.admin());
                info.is_ok_and(|info| {
                    info.contains("role:master") || info.contains("master_link_status:up")
                })
            })
        });
        cluster
    }

    /// Every node's URL.
    ///
    /// ```no_run
    /// let urls = scope_tests::RedisCluster::start().urls();
    /// ```
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// Waits until every running node says `cluster_state:ok`.
    ///
    /// # Panics
    ///
    /// When that takes more than 60 s.
    ///
    /// ```no_run
    /// scope_tests::RedisCluster::start().wait_ok();
    /// ```
    pub fn wait_ok(&self) {
        wait_for("the cluster is ok", Duration::from_secs(60), || {
            self.nodes
                .iter()
                .filter(|node| node.is_running())
                .all(|node| {
                    let info: Result<String, _> =
                        redis::cmd("CLUSTER").arg("INFO").query(&mut node.admin());
                    info.is_ok_and(|info| info.contains("cluster_state:ok"))
                })
        });
    }

    /// The index in [`nodes`](RedisCluster::nodes) of the primary that holds
    /// `key`'s slot now, as a running node sees it.
    ///
    /// # Panics
    ///
    /// When no running node answers.
    ///
    /// ```no_run
    /// let cluster = scope_tests::RedisCluster::start();
    /// let holder = cluster.primary_of("some-key");
    /// ```
    pub fn primary_of(&self, key: &str) -> usize {
        let node = self
            .nodes
            .iter()
            .find(|node| node.is_running())
            .expect("a running node");
        let mut admin = node.admin();
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut admin)
            .expect("CLUSTER KEYSLOT");
        let port = primary_port_of_slot(&mut admin, slot).expect("the slot is served");
        self.nodes
            .iter()
            .position(|node| node.port() == port)
            .expect("the primary is one of the nodes")
    }

    /// Kills node `index` (SIGKILL), as a crash would.
    ///
    /// ```no_run
    /// let mut cluster = scope_tests::RedisCluster::start();
    /// let holder = cluster.primary_of("k");
    /// cluster.kill(holder);
    /// cluster.wait_failover("k", holder);
    /// ```
    pub fn kill(&mut self, index: usize) {
        self.nodes[index].kill();
    }

    /// Waits until `key`'s slot is served by a node other than `old`, and
    /// the cluster is ok; returns when it was seen.
    ///
    /// # Panics
    ///
    /// When that takes more than 60 s.
    ///
    /// ```no_run
    /// # let mut cluster = scope_tests::RedisCluster::start();
    /// # let holder = cluster.primary_of("k");
    /// # cluster.kill(holder);
    /// let seen = cluster.wait_failover("k", holder);
    /// ```
    pub fn wait_failover(&self, key: &str, old: usize) -> Instant {
        let old_port = self.nodes[old].port();
        wait_for("the replica takes over", Duration::from_secs(60), || {
            self.nodes
                .iter()
                .filter(|node| node.is_running())
                .all(|node| {
                    let mut admin = node.admin();
                    let slot: Result<u16, _> = redis::cmd("CLUSTER")
                        .arg("KEYSLOT")
                        .arg(key)
                        .query(&mut admin);
                    slot.ok()
                        .and_then(|slot| primary_port_of_slot(&mut admin, slot))
                        .is_some_and(|port| port != old_port)
                })
        });
        let seen = Instant::now();
        self.wait_ok();
        seen
    }
}

/// The port of the primary serving `slot`, from `CLUSTER SLOTS`.
fn primary_port_of_slot(admin: &mut redis::Connection, slot: u16) -> Option<u16> {
    let ranges: Vec<redis::Value> = redis::cmd("CLUSTER").arg("SLOTS").query(admin).ok()?;
    ranges.into_iter().find_map(|range| {
        let redis::Value::Array(items) = range else {
            return None;
        };
        let number = |value: &redis::Value| match value {
            redis::Value::Int(n) => u16::try_from(*n).ok(),
            _ => None,
        };
        let (start, end) = (number(items.first()?)?, number(items.get(1)?)?);
        if !(start..=end).contains(&slot) {
            return None;
        }
        let redis::Value::Array(primary) = items.get(2)? else {
            return None;
        };
        number(primary.get(1)?)
    })
}
