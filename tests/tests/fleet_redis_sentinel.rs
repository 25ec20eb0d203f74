//! The Redis store behind Sentinel (a primary, a replica, three sentinels),
//! as an ACL user with exactly `RedisStore::acl_rules`: one token request for
//! the fleet, the primary killed mid-renewal costs at most one request per
//! process, and the store follows the new primary (one request per renewal
//! again).

mod fleet_common;

use std::time::Duration;

use fleet_common::{all_ok, worker_exe};
use scope_core::auth::RedisStore;
use scope_tests::fleet::{Fleet, RedisTarget, Settings, fingerprints};
use scope_tests::{AuthServer, Misbehaviour, PRIMARY_NAME, RedisSentinels, wait_for};

const USER: &str = "fleet-user";
const USER_PASSWORD: &str = "fleet-user-pa55";
const PREFIX: &str = "sentinel-test:";
const PROCESSES: usize = 8;

/// The stand-in, and the settings of a fleet of `tasks` tasks per process
/// behind `set`'s sentinels as an ACL user with exactly the documented rules.
fn fleet_behind(set: &RedisSentinels, tasks: usize) -> (AuthServer, Settings) {
    for node in &set.nodes {
        node.acl_user(USER, USER_PASSWORD, &RedisStore::acl_rules(PREFIX));
    }
    let server = fleet_common::stand_in();
    let mut target = RedisTarget::sentinel(set.sentinel_urls(), PRIMARY_NAME);
    target.username = Some(USER.into());
    target.password = Some(USER_PASSWORD.into());
    let mut settings = Settings::on(server.base_url(), Some(target), tasks);
    settings.prefix = PREFIX.into();
    (server, settings)
}

#[test]
fn behind_sentinel_the_fleet_asks_once_and_follows_a_failover() {
    let mut set = RedisSentinels::start();
    let (server, settings) = fleet_behind(&set, 20);
    let mut fleet = Fleet::spawn(worker_exe(), PROCESSES, &settings);

    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1, "cold: {cold:?}");
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    assert_eq!(server.token_requests(), 2, "after a 401: {renewed:?}");

    // The primary dies while the holder's request is under way.
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(1500)));
    for worker in &mut fleet.workers {
        worker.send("invalidate");
    }
    wait_for("the holder's request", Duration::from_secs(20), || {
        server.token_requests() == 3
    });
    let old = set.kill_primary();
    let during: Vec<String> = fleet
        .workers
        .iter_mut()
        .map(|worker| worker.answer())
        .collect();
    all_ok(&during);
    let requests = server.token_requests() - 2;
    assert!(
        requests <= PROCESSES,
        "{requests} requests for {PROCESSES} processes during the failover: {during:?}"
    );

    // The new primary: every process finds it, and a renewal is one request again.
    set.wait_for_failover(old);
    for answer in fleet.all("wait-store") {
        assert_eq!(answer, "ok store");
    }
    for round in 0..2 {
        let before = server.token_requests();
        let after = fleet.all("invalidate");
        all_ok(&after);
        for answer in &after {
            assert!(answer.ends_with("on_its_own=false"), "{answer}");
        }
        assert_eq!(
            server.token_requests() - before,
            1,
            "renewal {round} after the failover: {after:?}"
        );
        assert_eq!(fingerprints(&after).len(), 1, "{after:?}");
    }
    for node in set.nodes.iter().filter(|node| node.is_running()) {
        let denied = node.acl_refusals();
        assert!(denied.is_empty(), "refused by the ACL: {denied:?}");
    }
}

/// How many connections of `user` a node has.
fn connections_of(node: &scope_tests::RedisServer, user: &str) -> usize {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut node.admin())
        .unwrap_or_default();
    list.lines()
        .filter(|line| line.contains(&format!(" user={user} ")))
        .count()
}

#[test]
fn a_failover_that_leaves_the_old_primary_alive_is_followed_through_switch_master() {
    let set = RedisSentinels::start();
    let (server, settings) = fleet_behind(&set, 10);
    let processes = 4;
    let mut fleet = Fleet::spawn(worker_exe(), processes, &settings);
    all_ok(&fleet.all("token"));
    assert_eq!(server.token_requests(), 1);

    // The old primary stays up, as a replica: the connections to it still
    // work for reads, so only the sentinels' word moves the fleet.
    let old = set.fail_over();
    set.wait_for_failover(old);
    let new = set.primary_port().unwrap();
    wait_for(
        "every process on the new primary",
        Duration::from_secs(30),
        || connections_of(set.node(new), USER) >= processes,
    );
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    for answer in &renewed {
        assert!(answer.ends_with("on_its_own=false"), "{answer}");
    }
    assert_eq!(server.token_requests(), 2, "one renewal: {renewed:?}");
}
