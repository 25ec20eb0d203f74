//! The Redis store over TLS (a CA made by the test, given to the store's
//! builder; a client certificate for a server that asks for one) as an ACL
//! user whose rights are exactly `RedisStore::acl_rules`: the fleet's
//! promises hold, and the documented rules are exactly what the store uses.

mod fleet_common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fleet_common::{all_ok, worker_exe};
use scope_core::auth::RedisStore;
use scope_tests::fleet::{CLIENT_ID, CLIENT_SECRET, Fleet, RedisTarget, Settings, fingerprints};
use scope_tests::{AuthServer, Misbehaviour, RedisServer, TestCa};

const ADMIN_PASSWORD: &str = "admin-pa55-for-the-tls-test";
const USER: &str = "fleet-user";
const USER_PASSWORD: &str = "fleet-user-pa55";
const PREFIX: &str = "tls-test:";

/// A TLS server whose admin has a password, and the store's user with
/// exactly the documented rules.
fn tls_server(ca: &TestCa, client_auth: bool) -> RedisServer {
    let redis = RedisServer::start_tls(ca, client_auth, &["--requirepass", ADMIN_PASSWORD]);
    redis.acl_user(USER, USER_PASSWORD, &RedisStore::acl_rules(PREFIX));
    redis
}

fn target(redis: &RedisServer, ca: &TestCa, client_certificate: bool) -> RedisTarget {
    let mut target = RedisTarget::one(redis.tls_url());
    target.username = Some(USER.into());
    target.password = Some(USER_PASSWORD.into());
    target.ca_file = Some(ca.ca_file());
    if client_certificate {
        target.client_files = Some(ca.client_files());
    }
    target
}

/// Cold start (the holder slow, so the others wait and are woken), then a
/// 401 seen by every task: one request each time.
fn one_request_cold_and_after_a_401(target: RedisTarget) {
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let mut settings = Settings::on(server.base_url(), Some(target), 20);
    settings.prefix = PREFIX.into();
    // The fleet's token budget too, one request a second: the renewal waits
    // for the cold start's place to free, so every command of its script runs
    // (and is in the rules).
    settings.budget = Some((1, Duration::from_secs(1)));
    settings.store_timeout = Duration::from_secs(3);
    let mut fleet = Fleet::spawn(worker_exe(), 4, &settings);
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(700)));
    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1, "cold start: {cold:?}");
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    for answer in &renewed {
        assert!(answer.ends_with("on_its_own=false"), "{answer}");
    }
    assert_eq!(server.token_requests(), 2, "one renewal: {renewed:?}");
    assert_eq!(fingerprints(&renewed).len(), 1);
}

/// The commands called since the last `CONFIG RESETSTAT`, from `INFO
/// commandstats` (`cmdstat_get:calls=…`), lower case.
fn commands_called(admin: &mut redis::Connection) -> BTreeSet<String> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(admin)
        .expect("INFO commandstats");
    info.lines()
        .filter_map(|line| line.strip_prefix("cmdstat_"))
        .filter_map(|line| line.split_once(':'))
        .filter(|(_, stats)| !stats.starts_with("calls=0,"))
        .map(|(command, _)| command)
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn over_tls_as_an_acl_user_with_exactly_the_documented_rules_the_fleet_asks_once() {
    let ca = TestCa::new();
    let redis = tls_server(&ca, false);
    let mut admin = redis.admin();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut admin)
        .unwrap();

    one_request_cold_and_after_a_401(target(&redis, &ca, false));

    // Sufficient: nothing the store sent was refused.
    let denied = redis.acl_refusals();
    assert!(denied.is_empty(), "refused by the ACL: {denied:?}");
    // Exact: every command allowed was used, but those of the other
    // topologies (sharded pub/sub, the cluster's layout, slot moves and
    // node checks, the Sentinel primary check).
    let mut called = commands_called(&mut admin);
    // The admin connections' own, and the log-in (`HELLO 3 AUTH`, allowed to
    // every user; a refused `CLIENT SETINFO` would be in the ACL log above).
    for own in [
        "info",
        "acl|log",
        "config|resetstat",
        "auth",
        "client|setinfo",
        "hello",
    ] {
        called.remove(own);
    }
    let allowed: BTreeSet<String> = RedisStore::ACL_COMMANDS
        .split_whitespace()
        .filter_map(|rule| rule.strip_prefix('+'))
        .map(str::to_owned)
        .collect();
    let elsewhere: BTreeSet<String> = [
        "spublish",
        "ssubscribe",
        "sunsubscribe",
        "cluster|slots",
        "asking",
        "ping",
        "role",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let unused: BTreeSet<&String> = allowed.difference(&called).collect();
    let unexpected: Vec<&&String> = unused
        .iter()
        .filter(|command| !elsewhere.contains(**command))
        .collect();
    assert!(
        unexpected.is_empty(),
        "allowed but never used on one server: {unexpected:?} (called: {called:?})"
    );
    let beyond: Vec<&String> = called.difference(&allowed).collect();
    assert!(beyond.is_empty(), "used but not allowed: {beyond:?}");

    // The README gives the same rules to paste.
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(&RedisStore::acl_rules("scope-core:")),
        "the README's ACL line is not RedisStore::acl_rules(\"scope-core:\")"
    );
}

#[test]
fn a_server_that_asks_for_a_client_certificate_gets_the_one_given_to_the_builder() {
    let ca = TestCa::new();
    let redis = tls_server(&ca, true);
    one_request_cold_and_after_a_401(target(&redis, &ca, true));
}

#[tokio::test]
async fn what_the_server_refuses_is_an_error_at_once_and_shows_no_secret() {
    let ca = TestCa::new();
    let redis = tls_server(&ca, false);
    let prefixed = || target(&redis, &ca, false).builder().prefix(PREFIX);

    // Connected with everything right.
    let store = prefixed().connect().await.unwrap();
    assert!(store.is_connected());
    let text = format!("{store:?}");
    assert!(!text.contains(USER_PASSWORD), "{text}");

    // The server's certificate, without the CA: not trusted.
    let started = Instant::now();
    let err = RedisStore::builder(redis.tls_url())
        .username(USER)
        .password(USER_PASSWORD)
        .connect()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("certificate"), "{err}");

    // A wrong password: refused.
    let err = prefixed()
        .password("wr0ng-pa55")
        .connect()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wr0ng-pa55"), "{text}");

    // TLS material that does not parse, or a key that is not one.
    let err = prefixed()
        .ca_certificate(b"not a certificate".to_vec())
        .connect()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("CA certificate"), "{err}");
    let err = prefixed()
        .client_certificate(ca.client_cert_pem().to_vec(), b"s3cret-not-a-key".to_vec())
        .connect()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret-not-a-key"), "{text}");
    // TLS material for a plain URL.
    let err = RedisStore::builder(redis.url())
        .ca_certificate(ca.ca_pem().to_vec())
        .connect()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rediss://"), "{err}");
}
