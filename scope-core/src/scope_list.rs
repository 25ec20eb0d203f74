//! Storage for a set's scopes: borrowed from a constant, inline for small sets,
//! or on the heap. Inline storage lets a typical set parse without allocating.

use crate::grammar::Parsed;
use crate::scope::Scope;

/// Sets of up to this many scopes are stored inline. Three keeps a `ScopeSet` at
/// 128 bytes, which the compiler moves without calling `memcpy`.
const INLINE: usize = 3;

#[derive(Clone)]
pub(crate) enum ScopeList {
    /// From `from_static_scopes`, or a macro's set of more than three scopes.
    Static(&'static [Scope]),
    /// Small: parsed at run time, or a macro's set of up to three scopes.
    /// Slots past `len` hold [`Scope::SLOT`].
    Inline { len: u8, items: [Scope; INLINE] },
    /// Parsed at run time, large.
    Heap(Vec<Scope>),
}

impl ScopeList {
    /// An empty list that grows inline first. Its free slots hold an empty
    /// inline value, so that [`ScopeList::push_parsed`] can fill them in place.
    #[inline]
    pub(crate) fn new() -> ScopeList {
        // One constant for the whole list: the compiler copies it in a few
        // aligned moves, where building the slots one by one shuffled bytes.
        const EMPTY: ScopeList = ScopeList::Inline {
            len: 0,
            items: [Scope::SLOT; INLINE],
        };
        EMPTY
    }

    /// Appends the scope `parsed` found in `input`, written straight into a
    /// free inline slot when there is one: cheaper than building it and moving it in.
    #[inline]
    pub(crate) fn push_parsed(&mut self, parsed: &Parsed, input: &str) {
        match self {
            ScopeList::Inline { len, items } if usize::from(*len) < INLINE => {
                items[usize::from(*len)].set_from_parsed(parsed, input);
                *len += 1;
            }
            _ => self.push(Scope::from_parsed(parsed, input)),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, scope: Scope) {
        match self {
            ScopeList::Inline { len, items } if usize::from(*len) < INLINE => {
                items[usize::from(*len)] = scope;
                *len += 1;
            }
            ScopeList::Heap(scopes) => scopes.push(scope),
            _ => {
                let mut scopes = Vec::with_capacity(INLINE * 2);
                scopes.extend_from_slice(self.as_slice());
                scopes.push(scope);
                *self = ScopeList::Heap(scopes);
            }
        }
    }

    pub(crate) const fn as_slice(&self) -> &[Scope] {
        match self {
            ScopeList::Static(scopes) => scopes,
            ScopeList::Inline { len, items } => items.split_at(*len as usize).0,
            ScopeList::Heap(scopes) => scopes.as_slice(),
        }
    }
}

impl From<Vec<Scope>> for ScopeList {
    fn from(scopes: Vec<Scope>) -> ScopeList {
        ScopeList::Heap(scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_from_inline_to_heap_keeping_order() {
        let mut list = ScopeList::new();
        let scopes: Vec<Scope> = (0..10)
            .map(|i| format!("store:id:s{i}").parse().unwrap())
            .collect();
        for (n, scope) in scopes.iter().enumerate() {
            list.push(scope.clone());
            assert_eq!(list.as_slice(), &scopes[..=n]);
            assert_eq!(matches!(list, ScopeList::Inline { .. }), n < INLINE);
        }
    }
}
