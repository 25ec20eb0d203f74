//! Many credentials starting cold against the auth server's rate limit, with a
//! token budget and without: how many 429s the server sends, and how long
//! until every token arrived.
//!
//! ```text
//! cargo run --example budget                      # 40 credentials, one process
//! cargo run --release --example budget -- --measure  # the README's table
//! ```
//!
//! It starts the stand-in with its limit scaled down (30 requests per 3 s, the
//! budget configured to match), and for `--measure` a `redis-server`: K
//! credentials (10, 40, 100) cold across N processes (1, 8; this program again,
//! as workers) sharing one budget through Redis, beside the same fleet with no
//! budget; then the cost the budget adds to one token request, beside the
//! request itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use scope_core::auth::{AuthClient, Credentials, TokenBudget, TokenSource};
use scope_tests::budget_worker::{self, CLIENT_SECRET};
use scope_tests::fleet::Settings;
use scope_tests::{AuthServer, RedisServer};

const LIMIT: u32 = 30;
const WINDOW: Duration = Duration::from_secs(3);

fn main() {
    if std::env::var_os("BUDGET_WORKER").is_some() {
        budget_worker::budget_worker_main();
        return;
    }
    if std::env::args().any(|arg| arg == "--measure") {
        measure();
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for with_budget in [false, true] {
        let server = stand_in(40);
        let took = runtime.block_on(in_process(&server, 40, with_budget));
        println!(
            "40 credentials cold, one process, {}: {} token requests refused with 429, every token after {:.1} s",
            if with_budget {
                "with a budget"
            } else {
                "no budget"
            },
            server.rate_limited(),
            took.as_secs_f64()
        );
    }
}

/// The stand-in, limiting token requests to 30 per 3 s, with `credentials`
/// integrations.
fn stand_in(credentials: usize) -> AuthServer {
    budget_worker::limited_stand_in(credentials, LIMIT as usize, WINDOW)
}

/// `credentials` sources of one client in this process, all asking at once,
/// each waiting out what it is told: the time until every token arrived.
async fn in_process(server: &AuthServer, credentials: usize, with_budget: bool) -> Duration {
    let mut builder = AuthClient::builder().base_url(server.base_url());
    if with_budget {
        let budget = TokenBudget::builder()
            .limit(LIMIT, WINDOW)
            .max_wait(Duration::from_secs(60))
            .build()
            .expect("a budget");
        builder = builder.budget(budget);
    }
    let client = builder.build().expect("a client");
    let sources: Vec<TokenSource> = (0..credentials)
        .map(|n| {
            TokenSource::new(
                client.clone(),
                Credentials::integration(format!("budget-{n}"), CLIENT_SECRET, None),
            )
        })
        .collect();
    budget_worker::every_token(&sources)
        .await
        .expect("every token within a minute")
}

/// `processes` workers (this program) sharing `credentials` round-robin,
/// with the budget in `redis` or none: 429s and the time until every token.
fn across_processes(
    redis: &RedisServer,
    processes: usize,
    credentials: usize,
    with_budget: bool,
) -> (usize, Duration) {
    let server = stand_in(credentials);
    let exe = std::env::current_exe().expect("this program");
    let mut settings = Settings::new(server.base_url(), Some(redis.url()), 1);
    settings.prefix = format!("budget-measure-{processes}-{credentials}-{with_budget}:");
    settings.budget = with_budget.then_some((LIMIT, WINDOW));
    settings.env = vec![("BUDGET_WORKER".into(), "1".into())];
    let mut fleet = budget_worker::spawn_fleet(&exe, &settings, processes, credentials);
    let started = Instant::now();
    for answer in fleet.all("tokens") {
        assert!(answer.starts_with("ok "), "{answer}");
    }
    (server.rate_limited(), started.elapsed())
}

fn measure() {
    let redis = RedisServer::start();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!(
        "stand-in limit {LIMIT} per {:?}; budget the same; every credential cold, all at once",
        WINDOW
    );
    println!(
        "| credentials | processes | no budget: 429s | no budget: every token | budget: 429s | budget: every token |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for credentials in [10, 40, 100] {
        for processes in [1, 8] {
            let row: Vec<(usize, Duration)> = [false, true]
                .into_iter()
                .map(|with_budget| {
                    if processes == 1 {
                        let server = stand_in(credentials);
                        let took = runtime.block_on(in_process(&server, credentials, with_budget));
                        (server.rate_limited(), took)
                    } else {
                        across_processes(&redis, processes, credentials, with_budget)
                    }
                })
                .collect();
            println!(
                "| {credentials} | {processes} | {} | {:.1} s | {} | {:.1} s |",
                row[0].0,
                row[0].1.as_secs_f64(),
                row[1].0,
                row[1].1.as_secs_f64()
            );
        }
    }
    runtime.block_on(request_cost(&redis));
}

/// One token request with no budget, with one in this process, and with one
/// shared through Redis, against the stand-in with no limit: medians of
/// interleaved rounds.
async fn request_cost(redis: &RedisServer) {
    let server = AuthServer::start();
    server.add_integration("cost", CLIENT_SECRET);
    let store = Arc::new(
        scope_core::auth::RedisStore::builder(redis.url())
            .prefix("budget-cost:")
            .connect()
            .await
            .expect("a Redis store"),
    );
    let budget = |shared: bool| {
        let builder = TokenBudget::builder().limit(1_000_000, Duration::from_secs(60));
        let builder = if shared {
            builder.shared_store(Arc::clone(&store) as _, "cost")
        } else {
            builder
        };
        builder.build().expect("a budget")
    };
    let clients = [
        (
            "no budget",
            AuthClient::builder().base_url(server.base_url()).build(),
        ),
        (
            "budget in process",
            AuthClient::builder()
                .base_url(server.base_url())
                .budget(budget(false))
                .build(),
        ),
        (
            "budget in Redis",
            AuthClient::builder()
                .base_url(server.base_url())
                .budget(budget(true))
                .build(),
        ),
    ];
    let credentials = Credentials::integration("cost", CLIENT_SECRET, None);
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); clients.len()];
    for round in 0..400 {
        for (index, (_, client)) in clients.iter().enumerate() {
            let client = client.as_ref().expect("a client");
            let started = Instant::now();
            client.request_token(&credentials).await.expect("a token");
            if round >= 20 {
                times[index].push(started.elapsed());
            }
        }
    }
    println!("one token request (median of 380 interleaved rounds, loopback stand-in):");
    let medians: Vec<Duration> = times
        .iter_mut()
        .map(|times| {
            times.sort();
            times[times.len() / 2]
        })
        .collect();
    for ((name, _), median) in clients.iter().zip(&medians) {
        println!(
            "  {name}: {:.0} µs ({:+.0} µs)",
            median.as_secs_f64() * 1e6,
            (median.as_secs_f64() - medians[0].as_secs_f64()) * 1e6
        );
    }
}
