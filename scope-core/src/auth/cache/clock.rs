//! The cache's two clocks: a precise one for every decision, and a cheap coarse
//! one that only lets the hot path skip the precise read while a token is
//! surely fresh.
//!
//! Reading the precise monotonic clock costs about as much as the whole hot path
//! may (17 ns here); reading the kernel's coarse clock (`CLOCK_MONOTONIC_COARSE`
//! on Linux, through `coarsetime`) costs a few. When a token is stored, the
//! cache turns "fresh until instant R" into "fresh while the coarse clock reads
//! less than N", with N pulled in by the most the coarse clock can lag or drift.

use std::time::{Duration, Instant};

/// The monotonic clock of the auth module: tokio's, so paused time in tests
/// moves token expiry too. Works outside a runtime as well.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// What the cache asks of time. One production clock, and fake ones in tests.
pub(crate) trait Clock: Send + Sync + 'static {
    /// The precise monotonic time.
    fn now(&self) -> Instant;

    /// A cheap monotonic reading, comparable only with [`Clock::coarse_deadline`].
    fn coarse(&self) -> u64;

    /// A coarse reading below which `deadline` has surely not passed, or 0
    /// (never) when the coarse clock cannot vouch for [`Clock::now`].
    fn coarse_deadline(&self, deadline: Instant) -> u64;
}

/// The slack taken off a coarse deadline: the coarse clock lags by up to one
/// kernel tick (1 to 16 ms), and may drift from the precise one (allowed: one
/// part in a thousand of the span).
pub(crate) fn coarse_slack(span: Duration) -> Duration {
    Duration::from_millis(50) + span / 1000
}

/// Whole seconds in the high 32 bits, fractions of a second in the low 32: the
/// unit of `coarsetime`.
pub(crate) fn ticks(span: Duration) -> u64 {
    let fraction = (u64::from(span.subsec_nanos()) << 32) / 1_000_000_000;
    span.as_secs()
        .saturating_mul(1 << 32)
        .saturating_add(fraction)
}

/// tokio's clock (so paused time in tests moves the cache too) for decisions,
/// the kernel's coarse clock for the hot path.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SystemClock;

/// Platforms where `coarsetime` reads a monotonic clock; elsewhere it falls
/// back to wall-clock time, which can step backwards, so the hot path always
/// takes the precise clock there.
const COARSE_IS_MONOTONIC: bool = cfg!(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "windows"
));

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        now()
    }

    #[inline]
    fn coarse(&self) -> u64 {
        // `now_without_cache_update` leaves coarsetime's global cache alone, so
        // threads on the hot path write nothing shared.
        coarsetime::Instant::now_without_cache_update().as_ticks()
    }

    fn coarse_deadline(&self, deadline: Instant) -> u64 {
        if !COARSE_IS_MONOTONIC || tokio_clock_is_frozen() {
            return 0;
        }
        // Coarse first, precise second: the precise reading is the later one,
        // so the span measured from it is never too long.
        let coarse = self.coarse();
        vouch(coarse, self.now(), deadline)
    }
}

/// The coarse deadline for `deadline`, given a coarse reading taken no later
/// than the precise reading `now`: the span to the deadline, less the slack.
pub(crate) fn vouch(coarse: u64, now: Instant, deadline: Instant) -> u64 {
    let span = deadline.saturating_duration_since(now);
    match span.checked_sub(coarse_slack(span)) {
        Some(sure) if !sure.is_zero() => coarse.saturating_add(ticks(sure)),
        _ => 0,
    }
}

/// Whether tokio's clock is paused (`tokio::time::pause`, test-util): then it
/// can jump while the coarse clock does not, so the hot path must not trust the
/// coarse clock. A running clock moves within two microseconds; a paused one
/// never does. Costs two microseconds once per stored token.
fn tokio_clock_is_frozen() -> bool {
    let first = now();
    let spin = Instant::now();
    while spin.elapsed() < Duration::from_micros(2) {
        std::hint::spin_loop();
    }
    now() == first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_match_coarsetime() {
        for span in [
            Duration::ZERO,
            Duration::from_millis(1500),
            Duration::from_secs(14_400),
            Duration::new(3, 999_999_999),
        ] {
            let theirs = coarsetime::Duration::from(span).as_ticks();
            assert!(
                ticks(span).abs_diff(theirs) <= 1,
                "{span:?}: {} vs {theirs}",
                ticks(span)
            );
        }
        assert_eq!(ticks(Duration::MAX), u64::MAX);
    }

    #[test]
    fn running_clock_is_not_frozen_and_vouches_for_a_far_deadline() {
        assert!(!tokio_clock_is_frozen());
        let clock = SystemClock;
        let deadline = clock.now() + Duration::from_secs(3600);
        let coarse_deadline = clock.coarse_deadline(deadline);
        if COARSE_IS_MONOTONIC {
            let now = clock.coarse();
            assert!(coarse_deadline > now);
            // Not beyond the deadline, minus the slack.
            let allowed =
                ticks(Duration::from_secs(3600) - coarse_slack(Duration::from_secs(3600)));
            assert!(coarse_deadline - now <= allowed + ticks(Duration::from_millis(20)));
        }
        // A deadline inside the slack is never vouched for.
        assert_eq!(
            clock.coarse_deadline(clock.now() + Duration::from_millis(10)),
            0
        );
        assert_eq!(clock.coarse_deadline(clock.now()), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn paused_tokio_clock_is_detected() {
        assert!(tokio_clock_is_frozen());
        let clock = SystemClock;
        assert_eq!(
            clock.coarse_deadline(clock.now() + Duration::from_secs(3600)),
            0
        );
    }
}
