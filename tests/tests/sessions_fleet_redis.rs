//! Customer sessions shared by two processes through a real `redis-server`:
//! renewing one session at once with rotating refresh tokens costs one
//! refresh for both, and the session survives.

use std::path::Path;

use scope_tests::fleet::{Settings, Worker};
use scope_tests::session_worker::CLIENT_ID;
use scope_tests::{AuthServer, RedisServer};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct-horse";

fn worker_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_session_worker"))
}

fn ok(answer: &str) -> &str {
    answer
        .strip_prefix("ok ")
        .unwrap_or_else(|| panic!("{answer:?}"))
}

#[test]
fn two_processes_renewing_one_session_at_once_send_one_refresh_and_keep_it() {
    let redis = RedisServer::start();
    let server = AuthServer::start();
    server.add_sales_channel(CLIENT_ID);
    server.add_customer(EMAIL, PASSWORD);
    let settings = Settings::new(server.base_url(), Some(redis.url()), 50);
    let mut first = Worker::spawn(worker_exe(), &settings);
    let mut second = Worker::spawn(worker_exe(), &settings);

    first.send(&format!("login {EMAIL} {PASSWORD}"));
    let login = first.answer();
    let key = ok(&login).strip_prefix("key=").unwrap().to_owned();

    // Several rounds, so both orders of the two answers are met. Each round
    // the session has expired while idle, so every task waits for the renewal.
    for round in 0..5 {
        first.send(&format!("age {key} 0"));
        assert_eq!(first.answer(), "ok aged");
        let before = server.refreshes();
        first.send(&format!("token {key} 50"));
        second.send(&format!("token {key} 50"));
        let (a, b) = (first.answer(), second.answer());
        assert!(
            ok(&a).ends_with("distinct=1") && ok(&b).ends_with("distinct=1"),
            "round {round}: {a:?} {b:?}"
        );
        assert_eq!(a, b, "round {round}: one token for both processes");
        assert_eq!(
            server.refreshes() - before,
            1,
            "round {round}: one refresh for both processes"
        );
    }
    // The session is still there for both.
    first.send(&format!("token {key} 1"));
    second.send(&format!("token {key} 1"));
    ok(&first.answer());
    ok(&second.answer());
}
