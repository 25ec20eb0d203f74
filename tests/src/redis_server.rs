//! [`RedisServer`]: a real `redis-server` on a free port of 127.0.0.1, for the
//! tests and examples of the Redis token store, plain or TLS. Sentinel and
//! Cluster set-ups (`redis_sentinel.rs`, `redis_cluster.rs`) are made of these.

use std::ffi::OsString;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::TestCa;

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
    tls_port: Option<u16>,
    password: Option<String>,
    dir: PathBuf,
    child: Option<Child>,
}

/// The one line shown when `redis-server` is missing.
pub(crate) const INSTALL_HINT: &str = "redis-server not found: install it (`apt-get update && apt-get install -y redis-server redis-tools`, \
     or `brew install redis`); the Redis store's tests need a real server";

/// A free port of 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free port on 127.0.0.1")
        .port()
}

/// A fresh temporary directory for one server.
pub(crate) fn temp_dir(what: &str, port: u16) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    // No spaces: a sentinel's config file names it.
    let dir = std::env::temp_dir().join(format!(
        "scope-{what}-{}-{port}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Waits until something listens on `port`.
pub(crate) fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on 127.0.0.1:{port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `done` holds, polling every 50 ms, for up to `limit`.
///
/// # Panics
///
/// When it does not hold in time.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts `redis-server` with `args` (its working directory `dir`).
pub(crate) fn spawn_redis(args: &[OsString], dir: &Path) -> Child {
    let child = Command::new("redis-server")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match child {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
        Err(err) => panic!("cannot start redis-server: {err}"),
    }
}

impl RedisServer {
    /// Starts a server on a free port.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// ```
    pub fn start() -> RedisServer {
        RedisServer::start_on(free_port(), &[])
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
        RedisServer::launch(port, None, extra)
    }

    /// Starts a server that speaks TLS on a port of its own, with a
    /// certificate of `ca` for 127.0.0.1, asking clients for a certificate
    /// of `ca` when `client_auth`. A plain port is kept for the tests' own
    /// admin connection ([`admin`](RedisServer::admin)).
    ///
    /// ```no_run
    /// let ca = scope_tests::TestCa::new();
    /// let redis = scope_tests::RedisServer::start_tls(&ca, false, &[]);
    /// assert!(redis.tls_url().starts_with("rediss://127.0.0.1:"));
    /// ```
    pub fn start_tls(ca: &TestCa, client_auth: bool, extra: &[&str]) -> RedisServer {
        let tls_port = free_port();
        let mut args: Vec<String> = vec![
            "--tls-port".into(),
            tls_port.to_string(),
            "--tls-cert-file".into(),
            ca.server_cert_file().display().to_string(),
            "--tls-key-file".into(),
            ca.server_key_file().display().to_string(),
            "--tls-ca-cert-file".into(),
            ca.ca_file().display().to_string(),
            "--tls-auth-clients".into(),
            if client_auth { "yes" } else { "no" }.into(),
        ];
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = RedisServer::launch(free_port(), Some(tls_port), &args);
        wait_listening(tls_port, "redis-server (TLS)");
        server
    }

    fn launch(port: u16, tls_port: Option<u16>, extra: &[&str]) -> RedisServer {
        let dir = temp_dir("redis", port);
        let mut args: Vec<OsString> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.push("--dir".into());
        args.push(dir.clone().into_os_string());
        args.extend(extra.iter().map(OsString::from));
        let password = extra
            .iter()
            .position(|arg| *arg == "--requirepass")
            .and_then(|at| extra.get(at + 1))
            .map(|password| (*password).to_owned());
        let child = spawn_redis(&args, &dir);
        let server = RedisServer {
            port,
            tls_port,
            password,
            dir,
            child: Some(child),
        };
        wait_listening(port, "redis-server");
        server
    }

    /// The port it listens on (plain).
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

    /// `rediss://127.0.0.1:{tls port}`, for a server started with
    /// [`start_tls`](RedisServer::start_tls).
    ///
    /// # Panics
    ///
    /// When the server has no TLS port.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start_tls(&scope_tests::TestCa::new(), true, &[]);
    /// let url = redis.tls_url();
    /// ```
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("a server started with start_tls");
        format!("rediss://127.0.0.1:{port}")
    }

    /// A connection of the tests' own, on the plain port, with the server's
    /// `--requirepass` if it has one: to write bad values past the store,
    /// set up users, read statistics.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// let mut admin = redis.admin();
    /// let _: () = redis::cmd("FLUSHALL").query(&mut admin).unwrap();
    /// ```
    pub fn admin(&self) -> redis::Connection {
        let url = match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => self.url(),
        };
        redis::Client::open(url)
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(5)))
            .expect("an admin connection to the test's redis-server")
    }

    /// Creates (or resets) the ACL user `name` with `password` and exactly
    /// `rules` (space-separated, such as `RedisStore::acl_rules`'s).
    ///
    /// # Panics
    ///
    /// When the server refuses the rules.
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// redis.acl_user("fleet", "pa55", "resetkeys ~app:* -@all +get");
    /// ```
    pub fn acl_user(&self, name: &str, password: &str, rules: &str) {
        let mut command = redis::cmd("ACL");
        command
            .arg("SETUSER")
            .arg(name)
            .arg("reset")
            .arg("on")
            .arg(format!(">{password}"));
        for rule in rules.split_whitespace() {
            command.arg(rule);
        }
        let _: () = command.query(&mut self.admin()).expect("ACL SETUSER");
    }

    /// The entries of `ACL LOG`: commands refused to a user (empty when the
    /// rules sufficed).
    ///
    /// ```no_run
    /// let redis = scope_tests::RedisServer::start();
    /// assert!(redis.acl_refusals().is_empty());
    /// ```
    pub fn acl_refusals(&self) -> Vec<redis::Value> {
        redis::cmd("ACL")
            .arg("LOG")
            .query(&mut self.admin())
            .expect("ACL LOG")
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

    /// Whether it still runs (not [`kill`](RedisServer::kill)ed).
    ///
    /// ```no_run
    /// assert!(scope_tests::RedisServer::start().is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
