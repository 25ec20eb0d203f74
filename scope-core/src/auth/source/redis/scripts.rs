//! The store's Lua scripts. Each touches one key, or the keys of one budget
//! (which share a hash slot), so each runs on the node that holds them,
//! whatever the topology. Every command a script calls is
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

/// Takes a place in a budget (`KEYS`: its places, a sorted set of place
/// names scored by the Unix ms they free at; the processes sharing it, scored
/// by when each was last seen; its pause). `ARGV`: the window (ms), the
/// ceiling, the place, the process, the longest the request may take (ms),
/// whether only to peek, and how soon to look again when the place to wait
/// for is a request under way (ms). The time is the server's (`TIME`), the
/// same for the whole fleet. Keys of another type are removed first
/// (`repaired`). Answers `{status, used, processes, wait ms, repaired}`:
/// status 1 taken (or peeked), 0 full, 2 paused.
const TAKE_BUDGET: &str = r"
local time = redis.call('time')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local ceiling = tonumber(ARGV[2])
local peek = ARGV[6] == '1'
local repaired = 0
for i, wanted in ipairs({'zset', 'zset', 'string'}) do
    local kind = redis.call('type', KEYS[i])['ok']
    if kind ~= 'none' and kind ~= wanted then
        redis.call('del', KEYS[i])
        repaired = 1
    end
end
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
redis.call('zremrangebyscore', KEYS[2], '-inf', now - window)
if not peek then
    redis.call('zadd', KEYS[2], now, ARGV[4])
    redis.call('pexpire', KEYS[2], window)
end
local processes = redis.call('zcard', KEYS[2])
local used = redis.call('zcard', KEYS[1])
local paused = redis.call('pttl', KEYS[3])
if paused > 0 then
    return {2, used, processes, paused, repaired}
end
if peek then
    return {1, used, processes, 0, repaired}
end
if used < ceiling then
    local hold = tonumber(ARGV[5]) + window
    redis.call('zadd', KEYS[1], now + hold, ARGV[3])
    if redis.call('pttl', KEYS[1]) < hold then
        redis.call('pexpire', KEYS[1], hold)
    end
    return {1, used + 1, processes, 0, repaired}
end
local index = used - ceiling
if index >= used then
    index = used - 1
end
local at = redis.call('zrange', KEYS[1], index, index, 'WITHSCORES')
local wait = 1
if at[2] then
    wait = math.max(1, tonumber(at[2]) - now)
end
if wait > window then
    wait = math.min(wait, tonumber(ARGV[7]))
end
return {0, used, processes, wait, repaired}
";

/// The request of place `ARGV[1]` in the budget whose places are `KEYS[1]`
/// is over: it frees one window (`ARGV[2]` ms) from now, unless sooner.
const RELEASE_BUDGET_PLACE: &str = r"
local time = redis.call('time')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local frees = now + tonumber(ARGV[2])
local score = redis.call('zscore', KEYS[1], ARGV[1])
if score and tonumber(score) > frees then
    redis.call('zadd', KEYS[1], 'XX', frees, ARGV[1])
end
return 0
";

/// Pauses a budget (`KEYS[1]`) for `ARGV[1]` ms, unless a longer pause lasts.
const PAUSE_BUDGET: &str = r"
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[1]) then
    redis.call('set', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
";

/// `EVAL script 1 key`, its arguments to follow.
fn eval(script: &str, key: &str) -> Cmd {
    eval_keys(script, &[key])
}

/// `EVAL script n keys…`, its arguments to follow.
fn eval_keys(script: &str, keys: &[&str]) -> Cmd {
    let mut command = redis::cmd("EVAL");
    command.arg(script).arg(keys.len()).arg(keys);
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

/// Takes a place (see [`TAKE_BUDGET`]): answers `(status, used, processes,
/// wait ms, repaired)`.
pub(super) fn take_budget(
    keys: &[String; 3],
    take: &crate::auth::BudgetTake,
    recheck_ms: u64,
) -> Cmd {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut command = eval_keys(TAKE_BUDGET, &keys);
    command
        .arg(millis(take.window))
        .arg(take.ceiling)
        .arg(&take.place)
        .arg(take.holder())
        .arg(millis(take.hold))
        .arg(u8::from(take.peek))
        .arg(recheck_ms);
    command
}

/// Frees a place one window after its request ended (see [`RELEASE_BUDGET_PLACE`]).
pub(super) fn release_budget_place(places: &str, place: &str, window: std::time::Duration) -> Cmd {
    let mut command = eval(RELEASE_BUDGET_PLACE, places);
    command.arg(place).arg(millis(window));
    command
}

/// Pauses a budget (see [`PAUSE_BUDGET`]).
pub(super) fn pause_budget(pause: &str, duration: std::time::Duration) -> Cmd {
    let mut command = eval(PAUSE_BUDGET, pause);
    command.arg(millis(duration).max(1));
    command
}

/// Whole milliseconds.
fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
