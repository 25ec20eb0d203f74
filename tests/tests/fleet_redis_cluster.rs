//! The Redis store on a Redis Cluster (three primaries with a replica each),
//! as an ACL user with exactly `RedisStore::acl_rules`: 16 processes of 100
//! tasks ask once cold; the primary that holds the credential's slot killed
//! mid-renewal costs at most one request per process, then one per renewal
//! once its replica took over.

mod fleet_common;

use std::time::Duration;

use fleet_common::{all_ok, worker_exe};
use scope_core::auth::RedisStore;
use scope_tests::fleet::{CLIENT_ID, CLIENT_SECRET, Fleet, RedisTarget, Settings, fingerprints};
use scope_tests::{AuthServer, Misbehaviour, RedisCluster, wait_for};

const USER: &str = "fleet-user";
const USER_PASSWORD: &str = "fleet-user-pa55";
const PREFIX: &str = "cluster-test:";
const PROCESSES: usize = 16;

#[test]
fn on_a_cluster_the_fleet_asks_once_and_rides_out_a_primary_failover() {
    let mut cluster = RedisCluster::start();
    for node in &cluster.nodes {
        node.acl_user(USER, USER_PASSWORD, &RedisStore::acl_rules(PREFIX));
    }
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let mut target = RedisTarget::cluster(cluster.urls());
    target.username = Some(USER.into());
    target.password = Some(USER_PASSWORD.into());
    let mut settings = Settings::on(server.base_url(), Some(target.clone()), 100);
    settings.prefix = PREFIX.into();
    // The Redis key of the fleet's token, to find the primary that holds it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = runtime
        .block_on(target.builder().prefix(PREFIX).connect())
        .unwrap();
    let key = fleet_common::fleet_key(&server);
    let token_key = store.token_key(&key);
    drop(store);
    drop(runtime);

    let mut fleet = Fleet::spawn(worker_exe(), PROCESSES, &settings);
    let cold = fleet.all("token");
    all_ok(&cold);
    assert_eq!(server.token_requests(), 1, "cold: {cold:?}");
    let renewed = fleet.all("invalidate");
    all_ok(&renewed);
    assert_eq!(server.token_requests(), 2, "after a 401: {renewed:?}");

    // The primary of the credential's slot dies while the holder asks.
    let holder = cluster.primary_of(&token_key);
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(1500)));
    for worker in &mut fleet.workers {
        worker.send("invalidate");
    }
    wait_for("the holder's request", Duration::from_secs(20), || {
        server.token_requests() == 3
    });
    cluster.kill(holder);
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

    // The replica took over: one request per renewal again. The cluster's
    // nodes agree at once, but a process may still meet a stale slot map
    // (its connection replaced in the background): until the whole fleet is
    // back, a renewal still costs at most one request per process. Then two
    // renewals in a row cost one each.
    cluster.wait_failover(&token_key, holder);
    for answer in fleet.all("wait-store") {
        assert_eq!(answer, "ok store");
    }
    let mut in_a_row = 0;
    for round in 0.. {
        assert!(
            round < 20,
            "the fleet never came back to one request per renewal"
        );
        let before = server.token_requests();
        let after = fleet.all("invalidate");
        all_ok(&after);
        let requests = server.token_requests() - before;
        assert!(
            requests <= PROCESSES,
            "renewal {round}: {requests} requests: {after:?}"
        );
        let back = requests == 1
            && fingerprints(&after).len() == 1
            && after
                .iter()
                .all(|answer| answer.ends_with("on_its_own=false"));
        in_a_row = if back { in_a_row + 1 } else { 0 };
        if in_a_row == 2 {
            break;
        }
    }
    for node in cluster.nodes.iter().filter(|node| node.is_running()) {
        let denied = node.acl_refusals();
        assert!(denied.is_empty(), "refused by the ACL: {denied:?}");
    }
}
