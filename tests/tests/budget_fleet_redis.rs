//! The token budget shared by a fleet through a real `redis-server`: 100
//! credentials cold across 8 worker processes against a stand-in that
//! enforces its rate limit (30 requests per 3 s, the budget configured to
//! match): every token arrives, in about the least time the window allows,
//! with no 429; and a 429 one process gets holds every process back.

use std::path::Path;
use std::time::{Duration, Instant};

use scope_tests::budget_worker::{limited_stand_in, spawn_fleet};
use scope_tests::fleet::{Fleet, Settings};
use scope_tests::{AuthServer, Misbehaviour, RedisServer};

const LIMIT: u32 = 30;
const WINDOW: Duration = Duration::from_secs(3);

fn worker_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_budget_worker"))
}

fn stand_in(credentials: usize) -> AuthServer {
    limited_stand_in(credentials, LIMIT as usize, WINDOW)
}

/// `processes` workers sharing `credentials` integrations round-robin, and
/// a budget in `redis`.
fn fleet(server: &AuthServer, redis: &RedisServer, processes: usize, credentials: usize) -> Fleet {
    let mut settings = Settings::new(server.base_url(), Some(redis.url()), 1);
    settings.prefix = "budget-test:".into();
    settings.budget = Some((LIMIT, WINDOW));
    spawn_fleet(worker_exe(), &settings, processes, credentials)
}

fn all_ok(answers: &[String]) {
    for answer in answers {
        assert!(answer.starts_with("ok n="), "{answer:?} in {answers:?}");
    }
}

#[test]
fn a_hundred_credentials_cold_across_eight_processes_get_every_token_without_a_429() {
    let redis = RedisServer::start();
    let server = stand_in(100);
    let mut fleet = fleet(&server, &redis, 8, 100);
    let started = Instant::now();
    let answers = fleet.all("tokens");
    let took = started.elapsed();
    all_ok(&answers);
    assert_eq!(server.rate_limited(), 0, "no 429: {answers:?}");
    assert_eq!(server.token_requests(), 100, "one request per credential");
    // 30, 30, 30, then 10: the last ones can go once three windows have passed.
    assert!(took >= 3 * WINDOW - Duration::from_millis(300), "{took:?}");
    assert!(
        took < 6 * WINDOW,
        "in about the least time the window allows: {took:?}"
    );
}

#[test]
fn a_429_one_process_gets_holds_every_process_until_its_retry_after() {
    let redis = RedisServer::start();
    let server = stand_in(8);
    let mut fleet = fleet(&server, &redis, 4, 8);
    // Another program behind the same IP spent the limit: one 429 with
    // Retry-After: 2, for one credential of one process.
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("2".into()),
    });
    fleet.workers[0].send("once");
    let refused = fleet.workers[0].answer();
    assert!(
        refused.starts_with("err ") && refused.contains("429"),
        "{refused}"
    );
    // Then every process asks for every credential: nothing is sent, by any
    // of them, until the pause is over.
    let answers = fleet.all("tokens");
    all_ok(&answers);
    let token_requests: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|request| request.path() == "/oauth/token")
        .collect();
    assert_eq!(
        token_requests.len(),
        9,
        "the refused one, then one per credential"
    );
    let refused_at = token_requests[0].received_at();
    for request in &token_requests[1..] {
        let after = request.received_at().saturating_duration_since(refused_at);
        assert!(
            after >= Duration::from_millis(1900),
            "a request {after:?} after the 429"
        );
    }
    assert_eq!(server.rate_limited(), 0);
}
