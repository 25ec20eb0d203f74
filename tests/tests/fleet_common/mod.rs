//! What the fleet tests share: the worker binary, the stand-in with the
//! fleet's integration, the check of every worker's answer, the key the
//! fleet's token is kept under, and a raw connection to the tests' Redis.

#![allow(dead_code)] // each test file uses a part

use std::path::Path;

use scope_core::auth::{AuthClient, Credentials, TokenSource};
use scope_tests::fleet::{CLIENT_ID, CLIENT_SECRET};
use scope_tests::{AuthServer, RedisServer};

/// The fleet worker (`tests/src/bin/fleet_worker.rs`).
pub fn worker_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_fleet_worker"))
}

/// The stand-in, with the fleet's integration.
pub fn stand_in() -> AuthServer {
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    server
}

/// Every worker answered with one valid token for all its tasks.
pub fn all_ok(answers: &[String]) {
    for answer in answers {
        assert!(
            answer.starts_with("ok ") && answer.contains("distinct=1 valid=true"),
            "{answer:?} in {answers:?}"
        );
    }
}

/// The store key the fleet's token is kept under, for the stand-in `server`.
pub fn fleet_key(server: &AuthServer) -> String {
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    TokenSource::new(
        client,
        Credentials::integration(CLIENT_ID, CLIENT_SECRET, None),
    )
    .store_key()
    .to_owned()
}

/// A connection to `redis` past the store, to write what the store never would.
pub async fn raw(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}
