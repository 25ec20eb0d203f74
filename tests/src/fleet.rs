//! A fleet of worker processes sharing one token store, for the multi-process
//! tests and the `fleet` example.
//!
//! A worker ([`worker_main`]) reads its settings from `FLEET_*` variables and
//! commands from its standard input, one a line, and answers each with one
//! line on its standard output: `token` (every task gets a token), `invalidate`
//! (every task rejects its token as a 401 would, then gets one again),
//! `wait-store` (until the store answers) and `quit`. Answers start with `ok `
//! or `err ` and never hold a token: only a short fingerprint of it.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scope_core::auth::{
    AuthClient, BudgetAnswer, BudgetTake, Credentials, ExposeSecret, FleetBackoff, Lease,
    MemoryStore, RedisStore, RedisStoreBuilder, SecretString, StoreError, StoreFuture, StoredToken,
    Token, TokenBudget, TokenSource, TokenStore,
};

/// The client id the workers ask tokens for (an integration).
pub const CLIENT_ID: &str = "fleet";
/// Its secret.
pub const CLIENT_SECRET: &str = "fleet-s3cret";

/// Which Redis a fleet shares, and how its workers log in.
///
/// ```
/// let target = scope_tests::fleet::RedisTarget::one("redis://127.0.0.1:6379");
/// assert_eq!(target.urls.len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct RedisTarget {
    /// How the URLs are read.
    pub kind: RedisKind,
    /// One server's URL, the sentinels' URLs, or some cluster nodes' URLs.
    pub urls: Vec<String>,
    /// The ACL user, if any.
    pub username: Option<String>,
    /// The password, given apart from the URLs.
    pub password: Option<String>,
    /// A private CA's certificate file.
    pub ca_file: Option<PathBuf>,
    /// A client certificate and key file.
    pub client_files: Option<(PathBuf, PathBuf)>,
    /// Whether a worker waits until its store is connected before it reads
    /// commands (off for a fleet started while Redis is down).
    pub wait_connected: bool,
}

/// The topology of a [`RedisTarget`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisKind {
    /// One server.
    One,
    /// Sentinels watching the primary of this name.
    Sentinel(String),
    /// A cluster.
    Cluster,
}

impl RedisTarget {
    fn new(kind: RedisKind, urls: Vec<String>) -> RedisTarget {
        RedisTarget {
            kind,
            urls,
            username: None,
            password: None,
            ca_file: None,
            client_files: None,
            wait_connected: true,
        }
    }

    /// One server.
    ///
    /// ```
    /// let target = scope_tests::fleet::RedisTarget::one("redis://127.0.0.1:6379");
    /// ```
    pub fn one(url: impl Into<String>) -> RedisTarget {
        RedisTarget::new(RedisKind::One, vec![url.into()])
    }

    /// The primary `name` behind `sentinels`.
    ///
    /// ```
    /// let target = scope_tests::fleet::RedisTarget::sentinel(vec!["redis://127.0.0.1:26379".into()], "p");
    /// ```
    pub fn sentinel(sentinels: Vec<String>, name: impl Into<String>) -> RedisTarget {
        RedisTarget::new(RedisKind::Sentinel(name.into()), sentinels)
    }

    /// A cluster, from its nodes' URLs.
    ///
    /// ```
    /// let target = scope_tests::fleet::RedisTarget::cluster(vec!["redis://127.0.0.1:7000".into()]);
    /// ```
    pub fn cluster(nodes: Vec<String>) -> RedisTarget {
        RedisTarget::new(RedisKind::Cluster, nodes)
    }

    /// The store's builder for this target (not yet connected).
    ///
    /// ```
    /// let builder = scope_tests::fleet::RedisTarget::one("redis://127.0.0.1:6379").builder();
    /// ```
    pub fn builder(&self) -> RedisStoreBuilder {
        let mut builder = match &self.kind {
            RedisKind::One => RedisStore::builder(self.urls[0].clone()),
            RedisKind::Sentinel(name) => RedisStore::sentinel(self.urls.clone(), name.clone()),
            RedisKind::Cluster => RedisStore::cluster(self.urls.clone()),
        };
        if let Some(username) = &self.username {
            builder = builder.username(username.clone());
        }
        if let Some(password) = &self.password {
            builder = builder.password(password.clone());
        }
        if let Some(ca) = &self.ca_file {
            builder = builder.ca_certificate(std::fs::read(ca).expect("read the CA file"));
        }
        if let Some((cert, key)) = &self.client_files {
            builder = builder.client_certificate(
                std::fs::read(cert).expect("read the client certificate"),
                std::fs::read(key).expect("read the client key"),
            );
        }
        builder
    }

    fn apply(&self, command: &mut Command) {
        let kind = match &self.kind {
            RedisKind::One => "one".to_owned(),
            RedisKind::Sentinel(name) => format!("sentinel:{name}"),
            RedisKind::Cluster => "cluster".to_owned(),
        };
        command
            .env("FLEET_REDIS_KIND", kind)
            .env("FLEET_REDIS_URLS", self.urls.join(","))
            // The first URL alone, for workers that know one server only (the
            // session worker).
            .env("FLEET_REDIS_URL", &self.urls[0])
            .env(
                "FLEET_WAIT_CONNECTED",
                if self.wait_connected { "1" } else { "0" },
            );
        let optional = [
            ("FLEET_REDIS_USER", self.username.clone()),
            ("FLEET_REDIS_PASSWORD", self.password.clone()),
            (
                "FLEET_REDIS_CA",
                self.ca_file.as_ref().map(|path| path.display().to_string()),
            ),
            (
                "FLEET_REDIS_CERT",
                self.client_files
                    .as_ref()
                    .map(|(cert, _)| cert.display().to_string()),
            ),
            (
                "FLEET_REDIS_KEY",
                self.client_files
                    .as_ref()
                    .map(|(_, key)| key.display().to_string()),
            ),
        ];
        for (name, value) in optional {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
    }

    /// The target a worker was given, from its `FLEET_REDIS_*` variables.
    fn from_env() -> Option<RedisTarget> {
        let urls: Vec<String> = env("FLEET_REDIS_URLS")?
            .split(',')
            .map(str::to_owned)
            .collect();
        let kind = match env("FLEET_REDIS_KIND").as_deref() {
            Some("cluster") => RedisKind::Cluster,
            Some(kind) if kind.starts_with("sentinel:") => {
                RedisKind::Sentinel(kind["sentinel:".len()..].to_owned())
            }
            _ => RedisKind::One,
        };
        Some(RedisTarget {
            kind,
            urls,
            username: env("FLEET_REDIS_USER"),
            password: env("FLEET_REDIS_PASSWORD"),
            ca_file: env("FLEET_REDIS_CA").map(PathBuf::from),
            client_files: env("FLEET_REDIS_CERT")
                .zip(env("FLEET_REDIS_KEY"))
                .map(|(cert, key)| (PathBuf::from(cert), PathBuf::from(key))),
            wait_connected: env("FLEET_WAIT_CONNECTED").as_deref() != Some("0"),
        })
    }
}

/// The settings of a fleet's workers, passed as `FLEET_*` variables.
///
/// ```
/// let settings = scope_tests::fleet::Settings::new("http://127.0.0.1:1", None, 10);
/// assert_eq!(settings.tasks, 10);
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// The stand-in's base URL.
    pub auth_url: String,
    /// The Redis the fleet shares; `None` for a `MemoryStore` per process.
    pub redis: Option<RedisTarget>,
    /// Tasks per process.
    pub tasks: usize,
    /// The lease's life.
    pub lease: Duration,
    /// The Redis store's key prefix.
    pub prefix: String,
    /// The initial backoff step (the maximum is four times it).
    pub backoff: Duration,
    /// How long each Redis call may take before a worker goes on alone.
    pub store_timeout: Duration,
    /// A token budget for every worker's client (`limit` requests per
    /// `window`), shared through the fleet's Redis as the egress `fleet`.
    pub budget: Option<(u32, Duration)>,
    /// More variables for the workers (a worker of another kind's settings).
    pub env: Vec<(String, String)>,
}

impl Settings {
    /// Settings with a 5 s lease, a 1 s backoff and the prefix `fleet-test:`,
    /// on one Redis server at `redis_url` (or none).
    ///
    /// ```
    /// let settings = scope_tests::fleet::Settings::new("http://127.0.0.1:1", Some("redis://127.0.0.1:6379".into()), 1);
    /// assert!(settings.redis.is_some());
    /// ```
    pub fn new(auth_url: impl Into<String>, redis_url: Option<String>, tasks: usize) -> Settings {
        Settings::on(auth_url, redis_url.map(RedisTarget::one), tasks)
    }

    /// Settings as [`new`](Settings::new), on any Redis target.
    ///
    /// ```
    /// use scope_tests::fleet::{RedisTarget, Settings};
    /// let target = RedisTarget::cluster(vec!["redis://127.0.0.1:7000".into()]);
    /// let settings = Settings::on("http://127.0.0.1:1", Some(target), 1);
    /// ```
    pub fn on(auth_url: impl Into<String>, redis: Option<RedisTarget>, tasks: usize) -> Settings {
        Settings {
            auth_url: auth_url.into(),
            redis,
            tasks,
            lease: Duration::from_secs(5),
            prefix: "fleet-test:".to_owned(),
            backoff: Duration::from_secs(1),
            store_timeout: Duration::from_secs(1),
            budget: None,
            env: Vec::new(),
        }
    }

    fn apply(&self, command: &mut Command) {
        match self.budget {
            Some((limit, window)) => {
                command.env("FLEET_BUDGET", format!("{limit}/{}", window.as_millis()))
            }
            None => command.env_remove("FLEET_BUDGET"),
        };
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        command
            .env("FLEET_WORKER", "1")
            .env("FLEET_AUTH_URL", &self.auth_url)
            .env("FLEET_TASKS", self.tasks.to_string())
            .env("FLEET_LEASE_MS", self.lease.as_millis().to_string())
            .env("FLEET_PREFIX", &self.prefix)
            .env("FLEET_BACKOFF_MS", self.backoff.as_millis().to_string())
            .env(
                "FLEET_STORE_TIMEOUT_MS",
                self.store_timeout.as_millis().to_string(),
            );
        match &self.redis {
            Some(target) => target.apply(command),
            None => {
                command
                    .env_remove("FLEET_REDIS_URLS")
                    .env_remove("FLEET_REDIS_URL");
            }
        }
    }
}

/// One worker process.
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts `exe` as a worker with `settings`.
    ///
    /// # Panics
    ///
    /// When the process cannot be started.
    pub fn spawn(exe: &Path, settings: &Settings) -> Worker {
        let mut command = Command::new(exe);
        settings.apply(&mut command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start a fleet worker");
        let stdin = child.stdin.take().expect("the worker's stdin");
        let stdout = BufReader::new(child.stdout.take().expect("the worker's stdout"));
        Worker {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends one command.
    ///
    /// # Panics
    ///
    /// When the worker has gone.
    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").expect("write to the worker");
        self.stdin.flush().expect("flush to the worker");
    }

    /// Reads one answer line (empty when the worker has gone).
    pub fn answer(&mut self) -> String {
        let mut line = String::new();
        let _ = self.stdout.read_line(&mut line);
        line.trim_end().to_owned()
    }

    /// Kills the worker at once (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
    }
}

/// Several workers.
pub struct Fleet {
    /// The workers, in the order they were started.
    pub workers: Vec<Worker>,
}

impl Fleet {
    /// Starts `processes` workers.
    pub fn spawn(exe: &Path, processes: usize, settings: &Settings) -> Fleet {
        Fleet {
            workers: (0..processes)
                .map(|_| Worker::spawn(exe, settings))
                .collect(),
        }
    }

    /// Sends `command` to every worker, then reads every answer.
    pub fn all(&mut self, command: &str) -> Vec<String> {
        for worker in &mut self.workers {
            worker.send(command);
        }
        self.workers.iter_mut().map(Worker::answer).collect()
    }
}

/// A short fingerprint of a token (never the token).
pub fn fingerprint(token: &Token) -> String {
    let mut hasher = DefaultHasher::new();
    token.access_token().expose_secret().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The fingerprints named in answers `ok fp=… …`.
pub fn fingerprints(answers: &[String]) -> HashSet<String> {
    answers
        .iter()
        .filter_map(|answer| {
            answer
                .split(' ')
                .find_map(|field| field.strip_prefix("fp="))
                .map(str::to_owned)
        })
        .collect()
}

pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub(crate) fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(
        env(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default),
    )
}

/// Whether this process was started as a worker (`FLEET_WORKER` set).
pub fn is_worker() -> bool {
    env("FLEET_WORKER").is_some()
}

/// Runs a worker: reads commands from standard input until `quit` or its end.
///
/// # Panics
///
/// When its settings are missing or the runtime cannot start.
pub fn worker_main() {
    run_worker(worker());
}

/// Runs a worker process's `main` on a runtime of two threads.
///
/// # Panics
///
/// When the runtime cannot start.
pub(crate) fn run_worker(main: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("start the worker's runtime")
        .block_on(main);
}

/// Reads commands from standard input, one a line, until `quit` or its end,
/// and prints the line `answer` gives each.
pub(crate) async fn serve_commands<F, Fut>(mut answer: F)
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = String>,
{
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        let read = tokio::task::block_in_place(|| stdin.lock().read_line(&mut line));
        if !matches!(read, Ok(n) if n > 0) || line.trim() == "quit" {
            return;
        }
        println!("{}", answer(line.trim().to_owned()).await);
    }
}

async fn worker() {
    let auth_url = env("FLEET_AUTH_URL").expect("FLEET_AUTH_URL");
    let tasks: usize = env("FLEET_TASKS")
        .and_then(|value| value.parse().ok())
        .unwrap_or(1);
    let backoff = env_ms("FLEET_BACKOFF_MS", 1000);
    let store = store_from_env().await;
    let tokens = TokenSource::builder(
        client_from_env(auth_url, &store),
        Credentials::integration(CLIENT_ID, CLIENT_SECRET, None),
    )
    .backoff(backoff, backoff * 4)
    .shared_store(Arc::clone(&store))
    .build()
    .expect("build the source");
    let current: Arc<Mutex<Vec<Arc<Token>>>> = Arc::default();
    serve_commands(|command| {
        let (tokens, store, current) = (&tokens, &store, &current);
        async move {
            match command.as_str() {
                "token" => all_tasks(tokens, current, tasks, false).await,
                "invalidate" => all_tasks(tokens, current, tasks, true).await,
                "wait-store" => {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    loop {
                        let error = match store.get(tokens.store_key()).await {
                            Ok(_) => break "ok store".to_owned(),
                            Err(err) => err,
                        };
                        if Instant::now() > deadline {
                            break format!("err the store did not answer within 20 s: {error}");
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                other => format!("err unknown command {other:?}"),
            }
        }
    })
    .await;
}

/// The store of a worker: the Redis of `FLEET_REDIS_*` (each failed call
/// written to standard error), or a `MemoryStore`.
pub(crate) async fn store_from_env() -> Arc<dyn TokenStore> {
    let Some(target) = RedisTarget::from_env() else {
        return Arc::new(MemoryStore::new());
    };
    let store = target
        .builder()
        .prefix(env("FLEET_PREFIX").unwrap_or_default())
        .lease(env_ms("FLEET_LEASE_MS", 5000))
        .timeout(env_ms("FLEET_STORE_TIMEOUT_MS", 1000))
        .poll_interval(Duration::from_millis(50))
        .connect()
        .await
        .unwrap_or_else(|err| panic!("the Redis store: {err}"));
    if target.wait_connected {
        // A loaded machine starting many processes at once may miss the
        // first connection's timeout: the store then connects in the
        // background; the fleet's measures start once it has.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !store.is_connected() {
            assert!(
                Instant::now() < deadline,
                "no connection to Redis within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Arc::new(Watched(store))
}

/// The client of a worker, with the token budget `FLEET_BUDGET` (`{limit}/{window
/// ms}`) if set, shared through `store` as the egress `fleet`.
pub(crate) fn client_from_env(auth_url: String, store: &Arc<dyn TokenStore>) -> AuthClient {
    let mut builder = AuthClient::builder()
        .base_url(auth_url)
        .timeout(Duration::from_secs(60));
    let budget = env("FLEET_BUDGET").and_then(|text| {
        let (limit, window) = text.split_once('/')?;
        Some((limit.parse().ok()?, window.parse().ok()?))
    });
    if let Some((limit, window)) = budget {
        let budget = TokenBudget::builder()
            .limit(limit, Duration::from_millis(window))
            .max_wait(Duration::from_secs(60))
            .shared_store(Arc::clone(store), "fleet")
            .build()
            .expect("a token budget");
        builder = builder.budget(budget);
    }
    builder.build().expect("build the client")
}

/// Every task gets a token (retrying through backoffs, for up to 30 s), after
/// rejecting its current one first when `reject`.
async fn all_tasks(
    tokens: &TokenSource,
    current: &Arc<Mutex<Vec<Arc<Token>>>>,
    tasks: usize,
    reject: bool,
) -> String {
    let previous: Vec<Arc<Token>> = current.lock().unwrap().clone();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let tokens = tokens.clone();
            let rejected = previous.get(task).cloned();
            tokio::spawn(async move {
                if let (true, Some(rejected)) = (reject, rejected) {
                    let _ = tokens.invalidate_token(&rejected).await;
                }
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    match tokens.token().await {
                        Ok(token) => break Ok(token),
                        Err(err) if Instant::now() > deadline => break Err(err.to_string()),
                        Err(err) => {
                            let wait = err
                                .retry_in()
                                .unwrap_or(Duration::from_millis(20))
                                .clamp(Duration::from_millis(5), Duration::from_millis(200));
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
            })
        })
        .collect();
    let mut got = Vec::with_capacity(tasks);
    for handle in handles {
        match handle.await {
            Ok(Ok(token)) => got.push(token),
            Ok(Err(err)) => return format!("err {err}"),
            Err(err) => return format!("err task failed: {err}"),
        }
    }
    let distinct: HashSet<String> = got.iter().map(|token| fingerprint(token)).collect();
    let valid = got.iter().all(|token| !token.remaining().is_zero());
    let first = got
        .first()
        .map(|token| fingerprint(token))
        .unwrap_or_default();
    *current.lock().unwrap() = got;
    format!(
        "ok fp={first} distinct={} valid={valid} on_its_own={}",
        distinct.len(),
        tokens.is_on_its_own()
    )
}

/// The worker's store, each failed call written to standard error (what the
/// tests show when a fleet asks more than it should).
struct Watched(RedisStore);

impl Watched {
    fn seen<T>(result: Result<T, StoreError>, what: &str) -> Result<T, StoreError> {
        if let Err(err) = &result {
            eprintln!("fleet worker {}: {what} failed: {err}", std::process::id());
        }
        result
    }
}

impl TokenStore for Watched {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move { Watched::seen(self.0.get(key).await, "get") })
    }
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move { Watched::seen(self.0.put(key, token).await, "put") })
    }
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { Watched::seen(self.0.remove(key).await, "remove") })
    }
    fn remove_if<'a>(
        &'a self,
        key: &'a str,
        access_token: &'a SecretString,
    ) -> StoreFuture<'a, bool> {
        Box::pin(
            async move { Watched::seen(self.0.remove_if(key, access_token).await, "remove_if") },
        )
    }
    fn acquire_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, Lease> {
        Box::pin(
            async move { Watched::seen(self.0.acquire_lease(key, holder).await, "acquire_lease") },
        )
    }
    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(
            async move { Watched::seen(self.0.release_lease(key, holder).await, "release_lease") },
        )
    }
    fn wait_for_token<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move { Watched::seen(self.0.wait_for_token(key).await, "wait_for_token") })
    }
    fn fleet_backoff<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<FleetBackoff>> {
        Box::pin(async move { Watched::seen(self.0.fleet_backoff(key).await, "fleet_backoff") })
    }
    fn set_fleet_backoff<'a>(
        &'a self,
        key: &'a str,
        backoff: Option<FleetBackoff>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            Watched::seen(
                self.0.set_fleet_backoff(key, backoff).await,
                "set_fleet_backoff",
            )
        })
    }
    fn take_from_budget<'a>(&'a self, take: &'a BudgetTake) -> StoreFuture<'a, BudgetAnswer> {
        Box::pin(
            async move { Watched::seen(self.0.take_from_budget(take).await, "take_from_budget") },
        )
    }
    fn release_budget_place<'a>(
        &'a self,
        name: &'a str,
        place: &'a str,
        window: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            Watched::seen(
                self.0.release_budget_place(name, place, window).await,
                "release_budget_place",
            )
        })
    }
    fn pause_budget<'a>(&'a self, name: &'a str, pause: Duration) -> StoreFuture<'a, ()> {
        Box::pin(
            async move { Watched::seen(self.0.pause_budget(name, pause).await, "pause_budget") },
        )
    }
}
