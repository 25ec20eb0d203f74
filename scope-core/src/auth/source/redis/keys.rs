//! The names of the store's keys and channels, and the hash tag that puts
//! every key of one credential in one Redis Cluster hash slot.
//!
//! A credential's key (`{auth URL}|{client id}|{scope}`) can hold any
//! character, braces included, so it cannot be its own hash tag. The tag is a
//! digest of it instead: 16 hex digits of its 64-bit FNV-1a hash, which holds
//! no brace and is the same in every process and version. Every name starts
//! with `{prefix}{tag}`, so whichever braces the prefix holds, the span Redis
//! hashes lies inside that common start: the token, lease, backoff and
//! channel of one credential always share a slot, and a Lua script may touch
//! them together. (A prefix holding `{}` would make Redis hash whole names:
//! cluster builders refuse braces in the prefix.)
//!
//! The names changed with this format (they were `{prefix}token:{key}` and so
//! on): values written under the old names are simply never read again, and
//! expire on their own.

/// The key and channel names of one store, from its prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
}

/// 64-bit FNV-1a: stable across processes, versions and platforms, unlike
/// the standard library's hashers. Only placement depends on it, never
/// correctness: two credentials that share a tag share a slot, nothing more.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Keys {
    pub(super) fn new(prefix: String) -> Keys {
        Keys { prefix }
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `{prefix}{tag}:{kind}:{key}`.
    fn name(&self, kind: &str, key: &str) -> String {
        format!("{}{{{:016x}}}:{kind}:{key}", self.prefix, fnv1a(key))
    }

    /// Where the token for `key` is kept.
    pub(super) fn token(&self, key: &str) -> String {
        self.name("token", key)
    }

    /// The fleet-wide single flight's lease.
    pub(super) fn lease(&self, key: &str) -> String {
        self.name("lease", key)
    }

    /// The fleet-wide backoff.
    pub(super) fn backoff(&self, key: &str) -> String {
        self.name("backoff", key)
    }

    /// The channel a landed token is announced on (sharded on a cluster).
    pub(super) fn channel(&self, key: &str) -> String {
        self.name("landed", key)
    }

    /// The fleet-wide budget of token requests `name` (an egress IP's, or a
    /// shopper IP's under it: the auth server's limit is per IP, whatever the
    /// credential): its places, the processes sharing it and its pause, kept
    /// under the prefix in one slot of their own, tagged by the name.
    pub(super) fn budget(&self, name: &str) -> [String; 3] {
        let base = format!(
            "{}{{budget-{:016x}}}:budget:{name}",
            self.prefix,
            fnv1a(name)
        );
        [
            format!("{base}:places"),
            format!("{base}:processes"),
            format!("{base}:pause"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of `name` Redis Cluster hashes: the first `{…}` with at least
    /// one character inside, or the whole name.
    fn hashed(name: &str) -> &str {
        if let Some(open) = name.find('{')
            && let Some(close) = name[open + 1..].find('}')
            && close > 0
        {
            return &name[open + 1..open + 1 + close];
        }
        name
    }

    #[test]
    fn a_budgets_keys_share_a_slot_of_their_own() {
        let keys = Keys::new("scope-core:".into());
        let names = keys.budget("eu-nat-1");
        let tag = hashed(&names[0]);
        assert!(tag.starts_with("budget-"), "{tag}");
        for name in &names {
            assert_eq!(hashed(name), tag, "{name}");
        }
        assert_ne!(hashed(&keys.budget("eu-nat-2")[0]), tag);
    }

    #[test]
    fn every_name_of_one_key_hashes_the_same_whatever_the_key_holds() {
        let keys = Keys::new("scope-core:".into());
        for key in [
            "https://auth.commercelayer.io|id|market:all",
            "a}b{c",
            "{",
            "}",
            "{}",
            "",
            "é|{x}",
        ] {
            let names = [
                keys.token(key),
                keys.lease(key),
                keys.backoff(key),
                keys.channel(key),
            ];
            let tag = hashed(&names[0]);
            assert_eq!(tag.len(), 16, "{key:?}");
            for name in &names {
                assert_eq!(hashed(name), tag, "{name}");
                assert!(name.ends_with(key));
            }
        }
        assert_ne!(hashed(&keys.token("a")), hashed(&keys.token("b")));
    }

    #[test]
    fn the_tag_is_stable_and_the_budget_has_a_slot_of_its_own() {
        let keys = Keys::new("p:".into());
        assert_eq!(keys.token("k"), "p:{af63e64c8601fd8a}:token:k");
        let [places, ..] = keys.budget("eu-nat-1");
        assert!(places.starts_with("p:{budget-"), "{places}");
        assert_ne!(hashed(&places), hashed(&keys.token("eu-nat-1")));
    }
}
