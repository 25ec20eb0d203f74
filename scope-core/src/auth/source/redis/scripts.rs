//! The store's Lua scripts. Each touches one key, so each runs on the node
//! that holds it, whatever the topology. Every command a script calls is
//! checked against the user's ACL like any other: they are in
//! [`ACL_COMMANDS`](super::RedisStore::ACL_COMMANDS).

use redis::Script;

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

/// The scripts, with their digests computed once.
pub(super) struct Scripts {
    pub(super) compare_and_delete: Script,
    pub(super) acquire_lease: Script,
}

impl Scripts {
    pub(super) fn new() -> Scripts {
        Scripts {
            compare_and_delete: Script::new(COMPARE_AND_DELETE),
            acquire_lease: Script::new(ACQUIRE_LEASE),
        }
    }
}
