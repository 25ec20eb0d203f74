//! When to renew a token, and how long to wait after a failed request.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The timing rules of a token cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Renew at least this long before the token expires.
    pub margin: Duration,
    /// Renew up to this much earlier again, picked at random per token, so a
    /// fleet started together does not renew in the same second.
    pub jitter: Duration,
    /// The first backoff step; it doubles with each failure. The wait after a
    /// failure is a random part of the upper half of its step. Also the least
    /// time between two requests after a success (short-lived values).
    pub backoff_initial: Duration,
    /// The largest step: waits between failed requests stay between half of it
    /// and all of it (unless `Retry-After` asks for more).
    pub backoff_max: Duration,
}

impl Policy {
    /// When to renew a token whose request was sent at `sent_at` and which
    /// expires at `expires_at`: `margin` plus a random part of `jitter` before
    /// expiry, but never in the first half of its life (a token shorter-lived
    /// than the margin would otherwise be renewed on every call).
    pub fn refresh_at(&self, sent_at: Instant, expires_at: Instant, random: u64) -> Instant {
        let early = self.margin.saturating_add(fraction_of(self.jitter, random));
        let half_life = expires_at.saturating_duration_since(sent_at) / 2;
        expires_at
            .checked_sub(early.min(half_life))
            .unwrap_or(sent_at)
    }

    /// How long to wait before the next request after `failures` failures in a
    /// row: exponential from `backoff_initial` up to `backoff_max`, the upper
    /// half of it picked at random (so waiting clients spread out), and never
    /// less than the server's `Retry-After`.
    pub fn backoff(&self, failures: u32, retry_after: Option<Duration>, random: u64) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let full = self
            .backoff_initial
            .saturating_mul(1 << doublings)
            .min(self.backoff_max);
        let spread = full / 2 + fraction_of(full / 2, random);
        spread.max(retry_after.unwrap_or(Duration::ZERO))
    }
}

/// A part of `span` between zero and all of it, picked by `random`.
pub(crate) fn fraction_of(span: Duration, random: u64) -> Duration {
    let nanos = span.as_nanos();
    let picked = nanos * u128::from(random) / u128::from(u64::MAX);
    Duration::from_nanos(u64::try_from(picked).unwrap_or(u64::MAX))
}

/// A random number for jitter: std's randomly keyed hasher over a counter.
/// Not for secrets, only to spread a fleet's renewals apart.
pub(crate) fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        margin: Duration::from_secs(300),
        jitter: Duration::from_secs(60),
        backoff_initial: Duration::from_secs(1),
        backoff_max: Duration::from_secs(60),
    };

    #[test]
    fn refresh_is_margin_plus_part_of_jitter_before_expiry() {
        let sent = Instant::now();
        let expires = sent + Duration::from_secs(14_400);
        assert_eq!(
            POLICY.refresh_at(sent, expires, 0),
            expires - Duration::from_secs(300)
        );
        assert_eq!(
            POLICY.refresh_at(sent, expires, u64::MAX),
            expires - Duration::from_secs(360)
        );
        let middle = POLICY.refresh_at(sent, expires, u64::MAX / 2);
        assert!(
            middle < expires - Duration::from_secs(329)
                && middle > expires - Duration::from_secs(331)
        );
    }

    #[test]
    fn jitter_stays_within_bounds_and_spreads() {
        let sent = Instant::now();
        let expires = sent + Duration::from_secs(7200);
        let mut earliest = expires;
        let mut latest = sent;
        for _ in 0..10_000 {
            let at = POLICY.refresh_at(sent, expires, random());
            assert!(at <= expires - POLICY.margin, "{:?} too late", expires - at);
            assert!(
                at >= expires - POLICY.margin - POLICY.jitter,
                "{:?} too early",
                expires - at
            );
            earliest = earliest.min(at);
            latest = latest.max(at);
        }
        // 10,000 draws cover nearly all of the jitter window.
        assert!(
            latest - earliest > POLICY.jitter * 9 / 10,
            "{:?}",
            latest - earliest
        );
    }

    #[test]
    fn short_lived_tokens_are_renewed_at_half_life() {
        let sent = Instant::now();
        let expires = sent + Duration::from_secs(60);
        assert_eq!(
            POLICY.refresh_at(sent, expires, 0),
            sent + Duration::from_secs(30)
        );
        assert_eq!(POLICY.refresh_at(sent, sent, 0), sent);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        for failures in 1..40 {
            let full = Duration::from_secs(1 << (failures - 1).min(6)).min(Duration::from_secs(60));
            assert_eq!(POLICY.backoff(failures, None, 0), full / 2);
            assert_eq!(POLICY.backoff(failures, None, u64::MAX), full);
        }
        assert_eq!(
            POLICY.backoff(1, Some(Duration::from_secs(30)), u64::MAX),
            Duration::from_secs(30)
        );
        assert_eq!(
            POLICY.backoff(10, Some(Duration::from_secs(3)), 0),
            Duration::from_secs(30)
        );
        assert_eq!(
            POLICY.backoff(u32::MAX, None, u64::MAX),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn random_numbers_differ() {
        let draws: std::collections::HashSet<u64> = (0..1000).map(|_| random()).collect();
        assert!(draws.len() > 990);
    }
}
