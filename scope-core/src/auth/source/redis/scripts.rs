//! The store's Lua scripts. Each touches one key, so each runs on the node
//! that holds it, whatever the topology. Every command a script calls is
//! checked against the user's ACL like any other: they are in
//! [`ACL_COMMANDS`](super::RedisStore::ACL_COMMANDS).
//!
//! They are sent with `EVAL`, text and all (a few hundred bytes, at a
//! renewal), not `EVALSHA` with `SCRIPT LOAD` on a miss: a replica promoted
//! by a failover has no script cache, and on a cluster the redis crate sends
//! `SCRIPT LOAD` to every node, a dead one included, so the first script call
//! after a failover would wait for that node and time out. `EVAL` goes to the
//! key's node only (which caches the script anyway).

use redis::{Cmd, ToRedisArgs};

/// Deletes `KEYS[1]` only if it still holds `ARGV[1]`: releases only one's own
/// lease, removes only the very token that was rejected.
const COMPARE_AND_DELETE: &str = r"
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
";

/// Takes the lease `KEYS[1]` for holder `ARGV[1]` for `ARGV[2]` ms, if no one
/// holds it: `{granted, repaired}`. A lease is a string with an expiry; a key
/// there of another type, or with no expiry, was not written by a source and
/// would block the single flight forever: it is removed first (`repaired`).
const ACQUIRE_LEASE: &str = r"
local repaired = 0
local kind = redis.call('type', KEYS[1])['ok']
if kind ~= 'none' and (kind ~= 'string' or redis.call('pttl', KEYS[1]) == -1) then
    redis.call('del', KEYS[1])
    repaired = 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {1, repaired}
end
return {0, repaired}
";

/// `EVAL script 1 key`, its arguments to follow.
fn eval(script: &str, key: &str) -> Cmd {
    let mut command = redis::cmd("EVAL");
    command.arg(script).arg(1).arg(key);
    command
}

/// Deletes `key` if it still holds `value`: answers 1 when it did.
pub(super) fn compare_and_delete(key: &str, value: impl ToRedisArgs) -> Cmd {
    let mut command = eval(COMPARE_AND_DELETE, key);
    command.arg(value);
    command
}

/// Takes the lease `key` for `holder` for `px` ms: answers `(granted,
/// repaired)`.
pub(super) fn acquire_lease(key: &str, holder: &str, px: u64) -> Cmd {
    let mut command = eval(ACQUIRE_LEASE, key);
    command.arg(holder).arg(px);
    command
}
