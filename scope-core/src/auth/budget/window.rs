//! The requests one budget let through, kept as the instants their places
//! free: exact, never more permissive than the server's sliding window, and
//! cheap at these sizes (a few dozen requests a minute).
//!
//! The server counts a request when it arrives, which is some time after it
//! was let through here and before its answer came back. So a place is held
//! from the moment a request is let through, and frees one window after its
//! answer (or its failure): whatever the latency, the server's window never
//! holds more than the budget's. While the request is under way the place
//! frees no sooner than one window after the longest the request may take.

use std::time::{Duration, Instant};

/// How soon to look again when the place to wait for is a request still
/// under way.
pub(crate) const RECHECK: Duration = Duration::from_millis(50);

/// The places taken in the last window, and a pause after a 429.
#[derive(Debug)]
pub(crate) struct Window {
    window: Duration,
    places: Vec<Place>,
    next: u64,
    paused_until: Option<Instant>,
}

#[derive(Debug)]
struct Place {
    id: u64,
    frees_at: Instant,
}

impl Window {
    pub(crate) fn new(window: Duration) -> Window {
        Window {
            window,
            places: Vec::new(),
            next: 0,
            paused_until: None,
        }
    }

    /// The places still taken at `now`.
    pub(crate) fn used(&mut self, now: Instant) -> u32 {
        self.places.retain(|place| place.frees_at > now);
        u32::try_from(self.places.len()).unwrap_or(u32::MAX)
    }

    /// How long the pause still lasts.
    pub(crate) fn paused_for(&self, now: Instant) -> Option<Duration> {
        self.paused_until
            .map(|until| until.saturating_duration_since(now))
            .filter(|left| !left.is_zero())
    }

    /// Takes a place at `now` if fewer than `ceiling` are taken and no pause
    /// lasts, for a request that may take up to `hold`: the count with it and
    /// the place's id. Else how long until one may be.
    pub(crate) fn take(
        &mut self,
        now: Instant,
        ceiling: u32,
        hold: Duration,
    ) -> Result<(u32, u64), Duration> {
        if let Some(left) = self.paused_for(now) {
            return Err(left);
        }
        let used = self.used(now);
        if used < ceiling {
            return Ok((used + 1, self.hold(now, hold)));
        }
        // The place whose freeing brings the count under the ceiling (a
        // ceiling of zero: the last to free).
        let mut frees: Vec<Instant> = self.places.iter().map(|place| place.frees_at).collect();
        frees.sort_unstable();
        let index = (used - ceiling) as usize;
        let at = frees.get(index).or(frees.last()).copied().unwrap_or(now);
        let wait = at.saturating_duration_since(now);
        // A place that frees later than a window from now is a request still
        // under way: its answer, due soon, will say when it frees.
        let wait = if wait > self.window {
            wait.min(RECHECK)
        } else {
            wait
        };
        Err(wait.max(Duration::from_millis(1)))
    }

    /// Holds a place for a request let through at `now` (here, or by the
    /// fleet's budget: it counts here too, should this process have to go on
    /// with its share alone).
    pub(crate) fn hold(&mut self, now: Instant, hold: Duration) -> u64 {
        let id = self.next;
        self.next += 1;
        self.places.push(Place {
            id,
            frees_at: now + hold + self.window,
        });
        id
    }

    /// The request of place `id` is over at `now`: its place frees one window later.
    pub(crate) fn finish(&mut self, id: u64, now: Instant) {
        let frees_at = now + self.window;
        if let Some(place) = self.places.iter_mut().find(|place| place.id == id) {
            place.frees_at = place.frees_at.min(frees_at);
        }
    }

    /// No request before `until` (a 429 came back): the longer pause wins.
    pub(crate) fn pause(&mut self, until: Instant) {
        if self.paused_until.is_none_or(|current| current < until) {
            self.paused_until = Some(until);
        }
    }

    /// Whether it remembers nothing (no place taken, no pause).
    pub(crate) fn is_idle(&mut self, now: Instant) -> bool {
        self.used(now) == 0 && self.paused_for(now).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const HOLD: Duration = Duration::from_secs(30);

    #[test]
    fn a_place_frees_one_window_after_its_answer_and_the_wait_says_when() {
        let start = Instant::now();
        let mut window = Window::new(3 * SECOND);
        let mut ids = Vec::new();
        for n in 1..=30 {
            let at = start + Duration::from_millis(n * 10);
            let (used, id) = window.take(at, 30, HOLD).unwrap();
            assert_eq!(used, u32::try_from(n).unwrap());
            ids.push(id);
        }
        let now = start + SECOND;
        // Under way, a request holds its place for the longest it may take,
        // and a waiter looks again soon.
        assert_eq!(window.take(now, 30, HOLD), Err(RECHECK));
        // Answered at 1 s: the places free at 4 s.
        for id in &ids {
            window.finish(*id, now);
        }
        assert_eq!(window.take(now, 30, HOLD), Err(3 * SECOND));
        // A lower ceiling waits for as many more to free: all at 4 s here.
        assert_eq!(window.take(now, 20, HOLD), Err(3 * SECOND));
        assert_eq!(
            window
                .take(now + 3 * SECOND, 30, HOLD)
                .map(|(used, _)| used),
            Ok(1)
        );
    }

    #[test]
    fn a_pause_holds_every_request_and_the_longer_one_wins() {
        let start = Instant::now();
        let mut window = Window::new(3 * SECOND);
        window.pause(start + 2 * SECOND);
        window.pause(start + SECOND);
        assert_eq!(window.take(start, 30, HOLD), Err(2 * SECOND));
        let (_, id) = window.take(start + 2 * SECOND, 30, HOLD).unwrap();
        assert!(!window.is_idle(start + 2 * SECOND));
        window.finish(id, start + 2 * SECOND);
        assert!(window.is_idle(start + 5 * SECOND));
    }

    #[test]
    fn a_zero_ceiling_never_lets_a_request_through() {
        let start = Instant::now();
        let mut window = Window::new(3 * SECOND);
        assert_eq!(window.take(start, 0, HOLD), Err(Duration::from_millis(1)));
        let id = window.hold(start, HOLD);
        window.finish(id, start);
        assert_eq!(window.take(start, 0, HOLD), Err(3 * SECOND));
    }
}
