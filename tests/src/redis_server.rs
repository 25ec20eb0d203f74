//! [`RedisServer`]: a real `redis-server` on a free port of 127.0.0.1, for the
//! tests and examples of the Redis token store.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of its own, on 127.0.0.1, with a temporary directory and
/// no persistence (`--save '' --appendonly no`). Dropping it kills it and
/// removes the directory.
///
/// # Panics
///
/// [`start`](RedisServer::start) panics with one line saying how to install
/// `redis-server` when it is missing: a Redis test is never silently skipped.
///
/// ```no_run
/// let redis = scope_tests::RedisServer::start();
/// assert!(redis.url().starts_with("redis://127.0.0.1:"));
/// ```
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// The one line shown when `redis-server` is missing.
const INSTALL_HINT: &str = "redis-server not found: install it (`apt-get update && apt-get install -y redis-server`, \
     or `brew install redis`); the Redis store's tests need a real server";

impl RedisServer {
    /// Starts a server on a free port.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// ```
    pub fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("find a free port on 127.0.0.1")
            .port();
        RedisServer::start_on(port, &[])
    }

    /// Starts a server on `port` (to restart one where it was), with `extra`
    /// arguments such as `["--requirepass", "s3cret"]`.
    ///
    /// ```no_run
    /// let first = scope_tests::RedisServer::start();
    /// let port = first.port();
    /// drop(first);
    /// let again = scope_tests::RedisServer::start_on(port, &[]);
    /// ```
    pub fn start_on(port: u16, extra: &[&str]) -> RedisServer {
        let dir = std::env::temp_dir().join(format!(
            "scope-redis-{}-{port}-{:?}",
            std::process::id(),
            Instant::now()
        ));
        std::fs::create_dir_all(&dir).expect("create the Redis directory");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(&dir)
            .args(["--save", "", "--appendonly", "no"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
            Err(err) => panic!("cannot start redis-server: {err}"),
        };
        let server = RedisServer {
            port,
            dir,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on 127.0.0.1:{port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The port it listens on.
    ///
    /// ```no_run
    /// assert!(scope_tests::RedisServer::start().port() > 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:{port}`.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// assert_eq!(redis.url(), format!("redis://127.0.0.1:{}", redis.port()));
    /// ```
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    ///
    /// ```no_run
    /// let mut redis = scope_tests::RedisServer::start();
    /// redis.kill();
    /// ```
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
