//! A fleet of processes sharing one Redis token store, against the loopback
//! stand-in of the auth server: how many token requests the server sees.
//!
//! ```text
//! cargo run --example fleet                       # 16 processes x 100 tasks, Redis
//! cargo run --example fleet -- --processes 64 --tasks 10
//! cargo run --release --example fleet -- --measure   # the README's tables
//! cargo run --release --example fleet -- --topologies # one Redis, Sentinel, Cluster only
//! ```
//!
//! It starts its own `redis-server` (on a free port of 127.0.0.1, no
//! persistence) and the stand-in, runs the processes (this program again, as
//! workers), and prints the requests the server saw on a cold start and after
//! every task rejected its token as on a 401. `--measure` prints, in one run,
//! the requests for 1, 4, 16 and 64 processes with the Redis store and with a
//! `MemoryStore` per process, the time for a cold fleet to get its first
//! token, then the same fleet on one Redis, behind Sentinel (a primary, a
//! replica, three sentinels) and on a cluster (three primaries with a replica
//! each) side by side, with the time from a primary's death until the fleet is
//! back to one request per renewal, and last the hot-path cost of `token()`
//! with either store.

use std::time::{Duration, Instant};

use scope_core::auth::{AuthClient, Credentials, MemoryStore, RedisStore, TokenSource};
use scope_tests::fleet::{self, CLIENT_ID, CLIENT_SECRET, Fleet, RedisTarget, Settings};
use scope_tests::{AuthServer, PRIMARY_NAME, RedisCluster, RedisSentinels, RedisServer};

fn main() {
    if fleet::is_worker() {
        fleet::worker_main();
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    if args.iter().any(|arg| arg == "--measure") {
        measure(value("--tasks", 10));
        return;
    }
    if args.iter().any(|arg| arg == "--topologies") {
        topologies(value("--processes", 16), value("--tasks", 10));
        return;
    }
    let processes = value("--processes", 16);
    let tasks = value("--tasks", 100);
    let redis = RedisServer::start();
    println!(
        "{processes} processes x {tasks} tasks, one Redis store at {}",
        redis.url()
    );
    let run = run_fleet(processes, tasks, Some(&redis));
    println!(
        "token requests seen by the auth server: cold start {}, after a 401 seen by every task {}",
        run.cold, run.after_401
    );
    println!(
        "time for the cold fleet to get its tokens: {:?}",
        run.cold_time
    );
}

struct Run {
    cold: usize,
    after_401: usize,
    cold_time: Duration,
}

fn run_fleet(processes: usize, tasks: usize, redis: Option<&RedisServer>) -> Run {
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let exe = std::env::current_exe().expect("this program's path");
    let mut settings = Settings::new(server.base_url(), redis.map(RedisServer::url), tasks);
    // Each run its own keys, so runs sharing a Redis do not see each other's tokens.
    settings.prefix = format!("fleet-{}-{processes}:", std::process::id());
    let mut fleet = Fleet::spawn(&exe, processes, &settings);
    // Started, connected and waiting: the clock starts at the first command.
    let started = Instant::now();
    let cold = fleet.all("token");
    let cold_time = started.elapsed();
    check(&cold);
    let cold_requests = server.token_requests();
    let renewed = fleet.all("invalidate");
    check(&renewed);
    Run {
        cold: cold_requests,
        after_401: server.token_requests() - cold_requests,
        cold_time,
    }
}

fn check(answers: &[String]) {
    for answer in answers {
        assert!(answer.starts_with("ok "), "a worker failed: {answer}");
    }
}

fn measure(tasks: usize) {
    let redis = RedisServer::start();
    println!("token requests seen by the auth server ({tasks} tasks per process)\n");
    println!(
        "| processes | Redis store: cold | Redis: after a 401 | MemoryStore: cold | MemoryStore: after a 401 | cold fleet's first tokens (Redis) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for processes in [1, 4, 16, 64] {
        let shared = run_fleet(processes, tasks, Some(&redis));
        let alone = run_fleet(processes, tasks, None);
        println!(
            "| {processes} | {} | {} | {} | {} | {:.0} ms |",
            shared.cold,
            shared.after_401,
            alone.cold,
            alone.after_401,
            shared.cold_time.as_secs_f64() * 1000.0
        );
    }
    topologies(16, tasks);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(hot_path(&redis));
}

/// What one topology's fleet showed.
struct Topology {
    cold: usize,
    after_401: usize,
    cold_time: Duration,
    /// From the primary's death until a renewal cost one request again, and
    /// the most one renewal (every 250 ms) cost meanwhile.
    failover: Option<(Duration, usize)>,
}

/// The same fleet on one Redis, behind Sentinel and on a cluster.
fn topologies(processes: usize, tasks: usize) {
    println!(
        "\n{processes} processes x {tasks} tasks on each topology (node timeout / down-after 1 s)\n"
    );
    println!(
        "| Redis | cold | after a 401 | cold fleet's first tokens | primary killed: back to one request per renewal after | most requests for one renewal meanwhile |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let print = |name: &str, run: Topology| {
        let failover = match run.failover {
            Some((took, most)) => (format!("{:.1} s", took.as_secs_f64()), most.to_string()),
            None => ("–".to_owned(), "–".to_owned()),
        };
        println!(
            "| {name} | {} | {} | {:.0} ms | {} | {} |",
            run.cold,
            run.after_401,
            run.cold_time.as_secs_f64() * 1000.0,
            failover.0,
            failover.1
        );
    };
    {
        let redis = RedisServer::start();
        let run = topology(processes, tasks, RedisTarget::one(redis.url()), None);
        print("one server", run);
    }
    {
        let mut set = RedisSentinels::start();
        let target = RedisTarget::sentinel(set.sentinel_urls(), PRIMARY_NAME);
        let run = topology(
            processes,
            tasks,
            target,
            Some(Box::new(|_: &str| {
                set.kill_primary();
            })),
        );
        print("Sentinel (1 primary, 1 replica, 3 sentinels)", run);
    }
    {
        let mut cluster = RedisCluster::start();
        let target = RedisTarget::cluster(cluster.urls());
        let run = topology(
            processes,
            tasks,
            target,
            Some(Box::new(|token_key: &str| {
                let holder = cluster.primary_of(token_key);
                cluster.kill(holder);
            })),
        );
        print("Cluster (3 primaries, 3 replicas)", run);
    }
}

/// Kills the primary that holds the given Redis key.
type Kill<'a> = Box<dyn FnOnce(&str) + 'a>;

/// A fleet on `target`: cold start, a 401 seen by every task, then, with
/// `kill`, the primary holding the fleet's token killed and renewals until
/// one costs one request again.
fn topology(
    processes: usize,
    tasks: usize,
    target: RedisTarget,
    kill: Option<Kill<'_>>,
) -> Topology {
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let exe = std::env::current_exe().expect("this program's path");
    let mut settings = Settings::on(server.base_url(), Some(target.clone()), tasks);
    settings.prefix = format!("fleet-{}-topology:", std::process::id());
    // Renewals may follow each other quickly while the fleet fails over.
    settings.backoff = Duration::from_millis(100);
    let token_key = token_key(&server, &target, &settings.prefix);
    let mut fleet = Fleet::spawn(&exe, processes, &settings);
    let started = Instant::now();
    let cold = fleet.all("token");
    let cold_time = started.elapsed();
    check(&cold);
    let cold_requests = server.token_requests();
    check(&fleet.all("invalidate"));
    let after_401 = server.token_requests() - cold_requests;

    let mut failover = None;
    if let Some(kill) = kill {
        let killed = Instant::now();
        kill(&token_key);
        // A renewal every 250 ms until one costs one request and no process
        // is on its own; the most any renewal cost meanwhile.
        let mut most = 0;
        let deadline = killed + Duration::from_secs(120);
        while Instant::now() < deadline {
            let round_start = server.token_requests();
            let paced = Instant::now() + Duration::from_millis(250);
            let answers = fleet.all("invalidate");
            check(&answers);
            let cost = server.token_requests() - round_start;
            let alone = answers
                .iter()
                .any(|answer| answer.ends_with("on_its_own=true"));
            if cost == 1 && !alone {
                failover = Some((killed.elapsed(), most.max(cost)));
                break;
            }
            most = most.max(cost);
            std::thread::sleep(paced.saturating_duration_since(Instant::now()));
        }
    }
    Topology {
        cold: cold_requests,
        after_401,
        cold_time,
        failover,
    }
}

/// The Redis key of the fleet's token on `target`.
fn token_key(server: &AuthServer, target: &RedisTarget, prefix: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let store = runtime
        .block_on(target.builder().prefix(prefix).connect())
        .expect("the store");
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .expect("a client");
    let key = TokenSource::new(
        client,
        Credentials::integration(CLIENT_ID, CLIENT_SECRET, None),
    )
    .store_key()
    .to_owned();
    store.token_key(&key)
}

/// `token()` on a fresh cached token, in a task, with either store: the
/// in-process cache answers without touching the store.
async fn hot_path(redis: &RedisServer) {
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .expect("a client");
    let credentials = Credentials::integration(CLIENT_ID, CLIENT_SECRET, None);
    let store = RedisStore::builder(redis.url())
        .prefix("fleet-hot:")
        .connect()
        .await
        .expect("connect to Redis");
    let with_redis = TokenSource::builder(client.clone(), credentials.clone())
        .store(store)
        .build()
        .expect("a source");
    let with_memory = TokenSource::builder(client, credentials)
        .store(MemoryStore::new())
        .build()
        .expect("a source");
    with_redis.token().await.expect("a token");
    with_memory.token().await.expect("a token");
    let requests = server.token_requests();

    const CALLS: u32 = 2_000_000;
    let per_call = |tokens: TokenSource| async move {
        tokio::spawn(async move {
            let started = Instant::now();
            for _ in 0..CALLS {
                std::hint::black_box(tokens.token().await.expect("a token"));
            }
            started.elapsed() / CALLS
        })
        .await
        .expect("the task")
    };
    // Interleaved rounds, the median of each, so both see the same machine.
    let (mut redis_ns, mut memory_ns) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        redis_ns.push(per_call(with_redis.clone()).await.as_secs_f64() * 1e9);
        memory_ns.push(per_call(with_memory.clone()).await.as_secs_f64() * 1e9);
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let (redis_ns, memory_ns) = (median(&mut redis_ns), median(&mut memory_ns));
    println!(
        "\nhot path, token() on a fresh token in a task (median of 7 rounds of {CALLS} calls):\n\
         Redis store {redis_ns:.1} ns, MemoryStore {memory_ns:.1} ns, ratio {:.2}x; \
         token requests during the rounds: {}",
        redis_ns / memory_ns,
        server.token_requests() - requests
    );
}
