//! The rules over a whole set of scopes, applied after each scope has parsed.

use super::error::ErrorKind;
use super::parse::{Fault, Key, set_conflict};

/// Up to this many scopes, every pair is compared (the `const` path always does this);
/// above it, sorting finds the same first conflict in `O(n log n)`.
const PAIRWISE_LIMIT: usize = 32;

/// A broken set rule: its kind, the index of the offending scope and of the earlier one it clashes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub kind: ErrorKind,
    pub later: usize,
    pub earlier: usize,
}

impl Conflict {
    /// The fault to report, given where each scope of the set lies in the text.
    pub(crate) fn fault(self, span: impl Fn(usize) -> (usize, usize)) -> Fault {
        let (start, end) = span(self.later);
        Fault {
            kind: self.kind,
            start,
            end,
            related: Some(span(self.earlier)),
        }
    }
}

/// Checks the set rules over `count` scopes whose keys `key` gives, in input order.
///
/// Reports the conflict whose offending scope comes first, exactly as a
/// pairwise scan in input order would.
pub(crate) fn check_set<'a>(count: usize, key: impl Fn(usize) -> Key<'a>) -> Result<(), Conflict> {
    if count <= PAIRWISE_LIMIT {
        for later in 1..count {
            let later_key = key(later);
            for earlier in 0..later {
                if let Some(kind) = set_conflict(&key(earlier), &later_key) {
                    return Err(Conflict {
                        kind,
                        later,
                        earlier,
                    });
                }
            }
        }
        return Ok(());
    }
    let first_is_api = key(0).resource.is_api();
    let mixed = (1..count)
        .find(|&i| key(i).resource.is_api() != first_is_api)
        .map(|later| Conflict {
            kind: ErrorKind::ApiScopeMixed,
            later,
            earlier: 0,
        });
    let mut order: Vec<usize> = (0..count).collect();
    let sort_key = |i: usize| {
        let k = key(i);
        (k.resource, k.selector, k.value, i)
    };
    order.sort_unstable_by(|&a, &b| sort_key(a).cmp(&sort_key(b)));
    // Runs of equal keys hold their scopes in input order (the index is the
    // last sort key): a run's second scope is the first repeat of its first.
    let same = |a: usize, b: usize| {
        let (a, b) = (key(a), key(b));
        (a.resource, a.selector, a.value) == (b.resource, b.selector, b.value)
    };
    let mut duplicate: Option<Conflict> = None;
    let mut run_start = 0;
    for pos in 1..=count {
        if pos < count && same(order[pos], order[run_start]) {
            continue;
        }
        if pos - run_start >= 2 && duplicate.is_none_or(|d| order[run_start + 1] < d.later) {
            duplicate = Some(Conflict {
                kind: ErrorKind::DuplicateScope,
                later: order[run_start + 1],
                earlier: order[run_start],
            });
        }
        run_start = pos;
    }
    match (mixed, duplicate) {
        (Some(m), Some(d)) => Err(if d.later < m.later { d } else { m }),
        (Some(c), None) | (None, Some(c)) => Err(c),
        (None, None) => Ok(()),
    }
}

/// A cheap screen for the set rules while a set is parsed: it never misses a
/// conflict, and when it finds none the full check can be skipped. Two scopes
/// can only be equal if their resource, selector and value length are, and an
/// API scope can only clash with a Core one if both kinds are present.
#[derive(Default)]
pub(crate) struct SetScreen {
    shapes: [u32; SCREEN_SIZE],
    seen: usize,
    api: bool,
    core: bool,
    maybe_conflict: bool,
}

/// How many scopes the screen compares; a larger set takes the full check.
const SCREEN_SIZE: usize = 8;

impl SetScreen {
    /// Notes one more scope.
    #[inline]
    pub(crate) fn see(&mut self, parsed: &super::Parsed) {
        let shape = parsed.resource as u32
            | (super::Selector::variant_index(parsed.selector) << 4)
            | (((parsed.end - parsed.value_start) as u32) << 8);
        if parsed.resource.is_api() {
            self.api = true;
        } else {
            self.core = true;
        }
        if self.seen >= SCREEN_SIZE {
            self.maybe_conflict = true;
            return;
        }
        if self.shapes[..self.seen].contains(&shape) {
            self.maybe_conflict = true;
        }
        self.shapes[self.seen] = shape;
        self.seen += 1;
    }

    /// Whether the full check ([`check_set`]) could find a conflict.
    pub(crate) fn may_conflict(&self) -> bool {
        self.maybe_conflict || (self.api && self.core)
    }
}
