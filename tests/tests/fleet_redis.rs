//! The Redis token store against a real `redis-server` (started by each test
//! on a free loopback port) and a fleet of worker processes against the
//! stand-in: one token request per renewal for the whole fleet.

mod fleet_common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fleet_common::{all_ok, stand_in, worker_exe};
use redis::AsyncCommands;
use scope_core::auth::{
    AuthClient, Credentials, ExposeSecret, FleetBackoff, Lease, RedisStore, SecretString,
    StoredToken, TokenSource, TokenStore,
};
use scope_tests::fleet::{
    CLIENT_ID, CLIENT_SECRET, Fleet, RedisTarget, Settings, Worker, fingerprints,
};
use scope_tests::{Misbehaviour, RedisServer};

fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_fleet_of_16_processes_asks_once_cold_and_once_after_a_401() {
    let redis = RedisServer::start();
    let server = stand_in();
    let settings = Settings::new(server.base_url(), Some(redis.url()), 100);
    let mut fleet = Fleet::spawn(worker_exe(), 16, &settings);

    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1, "cold start: {cold:?}");
    assert_eq!(fingerprints(&cold).len(), 1, "one token for all: {cold:?}");

    // Every task of every process rejects the token, as on a 401; the
    // waiters are woken through the connection each process already has.
    let mut admin = redis.admin();
    let connections = |admin: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("stats").query(admin).unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("total_connections_received:"))
            .and_then(|count| count.trim().parse::<u64>().ok())
            .unwrap()
    };
    let before = connections(&mut admin);
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    assert_eq!(server.token_requests(), 2, "one renewal: {renewed:?}");
    assert_eq!(
        connections(&mut admin),
        before,
        "no connection opened to wait for the renewal"
    );
    let new = fingerprints(&renewed);
    assert_eq!(new.len(), 1, "{renewed:?}");
    assert!(new.is_disjoint(&fingerprints(&cold)), "a new token");
}

#[test]
fn a_lease_holder_killed_mid_request_is_taken_over_within_the_lease() {
    let redis = RedisServer::start();
    let server = stand_in();
    let mut settings = Settings::new(server.base_url(), Some(redis.url()), 10);
    settings.lease = Duration::from_secs(2);
    // The holder's request hangs far longer than the lease.
    server.misbehave_once(Misbehaviour::Slow(Duration::from_secs(60)));
    let mut holder = Worker::spawn(worker_exe(), &settings);
    holder.send("token");
    wait_until(
        "the holder's request arrives",
        Duration::from_secs(20),
        || server.token_requests() == 1,
    );
    let mut waiters = Fleet::spawn(worker_exe(), 4, &settings);
    for worker in &mut waiters.workers {
        worker.send("token");
    }
    // Give the waiters time to find the lease held.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.token_requests(), 1, "the others wait");
    let killed = Instant::now();
    holder.kill();
    let answers: Vec<String> = waiters.workers.iter_mut().map(Worker::answer).collect();
    let took = killed.elapsed();
    all_ok(&answers);
    assert_eq!(fingerprints(&answers).len(), 1, "{answers:?}");
    assert_eq!(server.token_requests(), 2, "one take-over: {answers:?}");
    assert!(
        took < settings.lease + Duration::from_secs(2),
        "took over in {took:?}, the lease lives {:?}",
        settings.lease
    );
}

#[test]
fn with_redis_killed_every_process_still_gets_tokens_and_goes_back_to_it() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    let server = stand_in();
    let settings = Settings::new(server.base_url(), Some(redis.url()), 20);
    let mut fleet = Fleet::spawn(worker_exe(), 4, &settings);
    all_ok(&fleet.all("token"));
    assert_eq!(server.token_requests(), 1);

    redis.kill();
    let alone = fleet.all("invalidate");
    all_ok(&alone);
    for answer in &alone {
        assert!(answer.ends_with("on_its_own=true"), "{answer}");
    }
    // At most one request per process for this renewal.
    let requests = server.token_requests() - 1;
    assert!(
        (1..=4).contains(&requests),
        "{requests} requests: {alone:?}"
    );

    let _redis = RedisServer::start_on(port, &[]);
    for answer in fleet.all("wait-store") {
        assert_eq!(answer, "ok store");
    }
    let before = server.token_requests();
    let back = fleet.all("invalidate");
    all_ok(&back);
    for answer in &back {
        assert!(answer.ends_with("on_its_own=false"), "{answer}");
    }
    assert_eq!(server.token_requests() - before, 1, "one again: {back:?}");
    assert_eq!(fingerprints(&back).len(), 1, "{back:?}");
}

#[test]
fn a_429_with_retry_after_5_holds_the_whole_fleet_back() {
    let redis = RedisServer::start();
    let server = stand_in();
    let mut settings = Settings::new(server.base_url(), Some(redis.url()), 10);
    settings.backoff = Duration::from_millis(100);
    // A worker whose Redis call times out goes on alone, outside the fleet's
    // backoff: on a loaded machine, give the calls room.
    settings.store_timeout = Duration::from_secs(5);
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("5".into()),
    });
    let mut fleet = Fleet::spawn(worker_exe(), 8, &settings);
    for worker in &mut fleet.workers {
        worker.send("token");
    }
    wait_until("the 429", Duration::from_secs(20), || {
        server.token_requests() == 1
    });
    let limited = Instant::now();
    // Well before the 5 s are over (with a backoff of 100 ms each process
    // alone would have asked many times), nobody has asked again.
    std::thread::sleep(Duration::from_millis(4500).saturating_sub(limited.elapsed()));
    assert_eq!(server.token_requests(), 1, "no request before Retry-After");
    let answers: Vec<String> = fleet.workers.iter_mut().map(Worker::answer).collect();
    all_ok(&answers);
    assert!(limited.elapsed() >= Duration::from_secs(4));
    assert_eq!(
        server.token_requests(),
        2,
        "one request after it: {answers:?}"
    );
}

#[test]
fn with_redis_wiped_mid_run_tokens_keep_coming_and_the_next_renewal_is_still_one() {
    let redis = RedisServer::start();
    let server = stand_in();
    let settings = Settings::new(server.base_url(), Some(redis.url()), 20);
    let mut fleet = Fleet::spawn(worker_exe(), 8, &settings);
    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1);

    // Token, leases and backoff all gone at once, as after a FLUSHALL or a
    // failover to an empty replica.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut raw = fleet_common::raw(&redis).await;
        redis::cmd("FLUSHALL")
            .query_async::<()>(&mut raw)
            .await
            .unwrap();
    });

    // The processes' own caches still hold the valid token.
    let cached = fleet.all("token");
    all_ok(&cached);
    assert_eq!(fingerprints(&cached), fingerprints(&cold));
    assert_eq!(
        server.token_requests(),
        1,
        "no request while the token is fresh"
    );

    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    for answer in &renewed {
        assert!(answer.ends_with("on_its_own=false"), "{answer}");
    }
    assert_eq!(
        server.token_requests(),
        2,
        "one renewal after the wipe: {renewed:?}"
    );
    assert_eq!(fingerprints(&renewed).len(), 1, "{renewed:?}");
}

#[test]
fn a_blocking_source_over_the_redis_store_still_gets_its_token() {
    // The store's connection lives on the runtime it was made on; a blocking
    // source (no runtime) cannot use it, and must get its token anyway.
    let redis = RedisServer::start();
    let server = stand_in();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis_store = runtime.block_on(store(&redis));
    drop(runtime);
    let client = scope_core::auth::blocking::AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let credentials = Credentials::integration(CLIENT_ID, CLIENT_SECRET, None);
    let tokens = scope_core::auth::blocking::TokenSource::builder(client, credentials)
        .store(redis_store)
        .build()
        .unwrap();

    let first = tokens.token().unwrap();
    let again = tokens.token().unwrap();

    assert!(!first.is_expired());
    assert_eq!(
        first.access_token().expose_secret(),
        again.access_token().expose_secret()
    );
    assert_eq!(server.token_requests(), 1);
}

async fn store(redis: &RedisServer) -> RedisStore {
    RedisStore::builder(redis.url())
        .prefix("unit:")
        .connect()
        .await
        .unwrap()
}

fn stored(secret: &str, life: Duration) -> StoredToken {
    StoredToken::new(
        secret,
        "bearer",
        Duration::from_secs(7200),
        "market:all",
        0,
        SystemTime::now() + life,
    )
}

#[tokio::test]
async fn tokens_are_kept_versioned_with_their_life_as_expiry_under_the_prefix() {
    let redis = RedisServer::start();
    let store = store(&redis).await;
    store
        .put("k", stored("abc", Duration::from_secs(100)))
        .await
        .unwrap();
    let mut raw = fleet_common::raw(&redis).await;
    let value: String = raw.get(store.token_key("k")).await.unwrap();
    assert!(value.starts_with("scope-core:v1 "), "{value}");
    let ttl: i64 = raw.pttl(store.token_key("k")).await.unwrap();
    assert!((95_000..=100_000).contains(&ttl), "{ttl}");
    let back = store.get("k").await.unwrap().unwrap();
    assert_eq!(back.access_token().expose_secret(), "abc");

    // Compare-and-delete: another token is kept, the same one goes.
    assert!(
        !store
            .remove_if("k", &SecretString::from("old"))
            .await
            .unwrap()
    );
    assert!(store.get("k").await.unwrap().is_some());
    assert!(
        store
            .remove_if("k", &SecretString::from("abc"))
            .await
            .unwrap()
    );
    assert!(store.get("k").await.unwrap().is_none());

    // Leases: one holder, released only by itself.
    assert_eq!(store.acquire_lease("k", "a").await.unwrap(), Lease::Granted);
    assert_eq!(
        store.acquire_lease("k", "b").await.unwrap(),
        Lease::HeldElsewhere
    );
    store.release_lease("k", "b").await.unwrap();
    assert_eq!(
        store.acquire_lease("k", "b").await.unwrap(),
        Lease::HeldElsewhere
    );
    store.release_lease("k", "a").await.unwrap();
    assert_eq!(store.acquire_lease("k", "b").await.unwrap(), Lease::Granted);

    // The fleet backoff round-trips.
    let until = UNIX_EPOCH
        + Duration::from_millis(
            u64::try_from(
                (SystemTime::now() + Duration::from_secs(5))
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_millis(),
            )
            .unwrap(),
        );
    store
        .set_fleet_backoff("k", Some(FleetBackoff::new(until, 3)))
        .await
        .unwrap();
    assert_eq!(
        store.fleet_backoff("k").await.unwrap(),
        Some(FleetBackoff::new(until, 3))
    );
    store.set_fleet_backoff("k", None).await.unwrap();
    assert_eq!(store.fleet_backoff("k").await.unwrap(), None);
}

#[tokio::test]
async fn a_session_is_kept_past_its_access_token_for_as_long_as_its_record_says() {
    let redis = RedisServer::start();
    let store = store(&redis).await;
    let expired = scope_core::auth::Token::new("acc", Duration::ZERO, "market:all", 0)
        .with_refresh_token("r3fresh")
        .with_owner("wQzX", "customer");
    let record =
        StoredToken::from_token(&expired).keep_until(SystemTime::now() + Duration::from_secs(3600));
    store.put("session", record).await.unwrap();

    let mut raw = fleet_common::raw(&redis).await;
    let ttl: i64 = raw.pttl(store.token_key("session")).await.unwrap();
    assert!((3_590_000..=3_600_000).contains(&ttl), "{ttl}");
    let back = store.get("session").await.unwrap().expect("kept");
    assert!(back.to_token().is_none(), "its access token has expired");
    assert_eq!(back.refresh_token().unwrap().expose_secret(), "r3fresh");
    assert_eq!(back.owner(), Some(("wQzX", "customer")));
}

#[tokio::test]
async fn bad_data_in_redis_is_an_absent_token() {
    let redis = RedisServer::start();
    let store = store(&redis).await;
    let mut raw = fleet_common::raw(&redis).await;
    let line = stored("abc", Duration::from_secs(100)).to_line();
    let expired = stored("abc", Duration::ZERO).to_line();
    let values = [
        ("garbage", "\u{1}\u{2} not a token".to_owned()),
        ("old-format", line.clone()),
        ("future", format!("scope-core:v2 {line}")),
        ("half", "scope-core:v1 12 34".to_owned()),
    ];
    for (key, value) in &values {
        let _: () = raw.set(store.token_key(key), value).await.unwrap();
    }
    let _: () = raw
        .set(
            store.token_key("expired"),
            format!("scope-core:v1 {expired}"),
        )
        .await
        .unwrap();
    let _: () = raw.rpush(store.token_key("list"), "x").await.unwrap();
    let _: () = raw
        .set(store.token_key("bytes"), vec![0xff_u8, 0xfe, 0x00])
        .await
        .unwrap();
    for (key, _) in &values {
        assert!(store.get(key).await.unwrap().is_none(), "{key}");
    }
    assert!(store.get("expired").await.unwrap().is_none());
    assert!(store.get("list").await.unwrap().is_none());
    assert!(store.get("bytes").await.unwrap().is_none());
    assert_eq!(store.unreadable_values(), 6);
    // A wrong-type backoff is no backoff either.
    let _: () = raw.rpush(store.backoff_key("list"), "x").await.unwrap();
    assert!(store.fleet_backoff("list").await.unwrap().is_none());

    // A source over garbage asks the server and overwrites it.
    let server = stand_in();
    let client = AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let tokens = TokenSource::builder(
        client,
        Credentials::integration(CLIENT_ID, CLIENT_SECRET, None),
    )
    .store(store.clone())
    .build()
    .unwrap();
    let _: () = raw
        .set(store.token_key(tokens.store_key()), "garbage")
        .await
        .unwrap();
    let token = tokens.token().await.unwrap();
    assert_eq!(server.token_requests(), 1);
    let kept = store.get(tokens.store_key()).await.unwrap().unwrap();
    assert_eq!(
        kept.access_token().expose_secret(),
        token.access_token().expose_secret()
    );
}

#[tokio::test]
async fn a_backoff_that_is_not_text_is_absent_not_a_store_failure() {
    let redis = RedisServer::start();
    let store = store(&redis).await;
    let mut raw = fleet_common::raw(&redis).await;
    // Not UTF-8, and no expiry: read as a failure, it would send every
    // process of the fleet to the auth server at every renewal, forever.
    let _: () = raw
        .set(store.backoff_key("bytes"), vec![0xff_u8, 0xfe, 0x00])
        .await
        .unwrap();
    assert_eq!(store.fleet_backoff("bytes").await.unwrap(), None);
    assert_eq!(store.unreadable_values(), 1);
}

#[tokio::test]
async fn the_password_is_never_shown() {
    let redis = RedisServer::start_on(free_port(), &["--requirepass", "pa55word-42"]);
    let url = format!("redis://:pa55word-42@127.0.0.1:{}", redis.port());
    let store = RedisStore::builder(&url).connect().await.unwrap();
    assert!(!format!("{store:?}").contains("pa55word-42"));
    store
        .put("k", stored("abc", Duration::from_secs(60)))
        .await
        .unwrap();

    let builder = RedisStore::builder(redis.url()).password("pa55word-42");
    assert!(!format!("{builder:?}").contains("pa55word-42"));
    assert!(builder.connect().await.is_ok());

    // A wrong password, in the URL or apart: the error names neither.
    let wrong = format!("redis://:wr0ng-pass@127.0.0.1:{}", redis.port());
    let err = RedisStore::builder(&wrong).connect().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wr0ng-pass"), "{text}");
    let err = RedisStore::builder(redis.url())
        .password("wr0ng-pass")
        .connect()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wr0ng-pass"), "{text}");

    // Redis gone: errors within the timeout, and still no password.
    drop(redis);
    let started = Instant::now();
    let err = store.get("k").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!format!("{err} {err:?}").contains("pa55word-42"), "{err}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_fleet_started_while_redis_is_down_gets_tokens_alone_and_joins_it_when_it_comes_up() {
    let port = free_port();
    let server = stand_in();
    let mut target = RedisTarget::one(format!("redis://127.0.0.1:{port}"));
    target.wait_connected = false;
    let settings = Settings::on(server.base_url(), Some(target), 10);
    // Every worker starts: building the store does not fail without Redis.
    let mut fleet = Fleet::spawn(worker_exe(), 4, &settings);
    let alone = fleet.all("token");
    all_ok(&alone);
    for answer in &alone {
        assert!(answer.ends_with("on_its_own=true"), "{answer}");
    }
    assert_eq!(server.token_requests(), 4, "one per process: {alone:?}");

    let _redis = RedisServer::start_on(port, &[]);
    for answer in fleet.all("wait-store") {
        assert_eq!(answer, "ok store");
    }
    let joined = fleet.all("invalidate");
    all_ok(&joined);
    for answer in &joined {
        assert!(answer.ends_with("on_its_own=false"), "{answer}");
    }
    assert_eq!(server.token_requests(), 5, "one for the fleet: {joined:?}");
    assert_eq!(fingerprints(&joined).len(), 1, "{joined:?}");
}

#[tokio::test]
async fn without_redis_the_store_is_built_and_its_calls_fail_at_once() {
    let server = stand_in();
    let source = |store: RedisStore| {
        let client = AuthClient::builder()
            .base_url(server.base_url())
            .build()
            .unwrap();
        TokenSource::builder(
            client,
            Credentials::integration(CLIENT_ID, CLIENT_SECRET, None),
        )
        .store(store)
        .build()
        .unwrap()
    };
    // Nothing listens: refused at once.
    let started = Instant::now();
    let refused = RedisStore::builder(format!("redis://127.0.0.1:{}", free_port()))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(!refused.is_connected());

    // A port that accepts and never answers: the build waits its timeout, once.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let started = Instant::now();
    let store = RedisStore::builder(&url)
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(!store.is_connected());
    // Calls do not wait for the background attempts (2 s each): they fail at
    // once (the bound leaves room for a loaded machine).
    for _ in 0..5 {
        let started = Instant::now();
        assert!(store.get("k").await.is_err());
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    let tokens = source(store);
    let token = tokens.token().await.unwrap();
    assert!(!token.is_expired());
    assert!(tokens.is_on_its_own());
    assert_eq!(server.token_requests(), 1);
}

#[test]
fn unreadable_values_under_every_key_are_absent_counted_and_cost_one_request_per_renewal() {
    let redis = RedisServer::start();
    let server = stand_in();
    let settings = Settings::new(server.base_url(), Some(redis.url()), 10);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = runtime
        .block_on(
            RedisStore::builder(redis.url())
                .prefix(settings.prefix.clone())
                .connect(),
        )
        .unwrap();
    let key = fleet_common::fleet_key(&server);
    let mut admin = redis.admin();
    let not_text = vec![0xff_u8, 0xfe, 0x00];
    // Not text under the token and the backoff (no expiry), a list as the lease.
    let corrupt = |admin: &mut redis::Connection, lease_as_list: bool| {
        let _: () = redis::cmd("DEL")
            .arg(store.token_key(&key))
            .arg(store.backoff_key(&key))
            .arg(store.lease_key(&key))
            .query(admin)
            .unwrap();
        if lease_as_list {
            let _: () = redis::cmd("SET")
                .arg(store.token_key(&key))
                .arg(&not_text)
                .query(admin)
                .unwrap();
            let _: () = redis::cmd("SET")
                .arg(store.backoff_key(&key))
                .arg(&not_text)
                .query(admin)
                .unwrap();
            let _: () = redis::cmd("RPUSH")
                .arg(store.lease_key(&key))
                .arg("x")
                .query(admin)
                .unwrap();
        } else {
            // Lists under the token and the backoff, a lease with no expiry.
            let _: () = redis::cmd("RPUSH")
                .arg(store.token_key(&key))
                .arg("x")
                .query(admin)
                .unwrap();
            let _: () = redis::cmd("RPUSH")
                .arg(store.backoff_key(&key))
                .arg("x")
                .query(admin)
                .unwrap();
            let _: () = redis::cmd("SET")
                .arg(store.lease_key(&key))
                .arg("nobody")
                .query(admin)
                .unwrap();
        }
    };
    for lease_as_list in [true, false] {
        corrupt(&mut admin, lease_as_list);
        let before = store.unreadable_values();
        runtime.block_on(async {
            assert!(store.get(&key).await.unwrap().is_none());
            assert!(store.fleet_backoff(&key).await.unwrap().is_none());
            assert_eq!(
                store.acquire_lease(&key, "test").await.unwrap(),
                Lease::Granted
            );
            store.release_lease(&key, "test").await.unwrap();
        });
        assert_eq!(store.unreadable_values() - before, 3, "one per key");
    }

    let mut fleet = Fleet::spawn(worker_exe(), 4, &settings);
    corrupt(&mut admin, true);
    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1, "cold: {cold:?}");
    corrupt(&mut admin, false);
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    assert_eq!(server.token_requests(), 2, "renewal: {renewed:?}");
    assert_eq!(fingerprints(&renewed).len(), 1, "{renewed:?}");
}

#[tokio::test]
async fn a_cluster_prefix_with_a_brace_is_refused_at_once() {
    let err = RedisStore::cluster(["redis://127.0.0.1:9"])
        .prefix("app{1}:")
        .connect()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("brace"), "{err}");
}
