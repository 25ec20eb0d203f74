//! Storage for a scope's id or code: borrowed from a constant, inline, or on the heap.

use std::fmt;

/// Ids and codes up to this many bytes are stored inline, so that parsing a
/// typical scope allocates nothing. It covers every market code (at most 25).
const INLINE: usize = 30;

/// A scope's id or code. Not API: public only for the macros' struct literals.
#[doc(hidden)]
#[derive(Clone)]
pub enum Value {
    /// `market:all` and the API scopes have no value.
    None,
    /// From a macro or a `const fn` constructor.
    Static(&'static str),
    /// Parsed at run time, short.
    Inline {
        /// How many bytes of `bytes` hold the value.
        len: u8,
        /// The value, then zeros.
        bytes: [u8; INLINE],
    },
    /// Parsed at run time, long.
    Heap(String),
}

impl Value {
    /// Copies `input[start..end]` (ASCII, checked by the grammar) into a value.
    /// Short values are copied as bytes, which skips `str`'s boundary checks.
    #[inline]
    pub(crate) fn copy_of(input: &str, start: usize, end: usize) -> Value {
        match input.as_bytes().get(start..end) {
            Some(value) if value.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                copy_short(&mut bytes, value);
                Value::Inline {
                    len: value.len() as u8,
                    bytes,
                }
            }
            _ => Value::Heap(input.get(start..end).unwrap_or_default().to_owned()),
        }
    }

    /// An empty inline value: the placeholder in unused slots of a set, which
    /// [`Value::set_copy_of`] then fills in place.
    pub(crate) const EMPTY_INLINE: Value = Value::Inline {
        len: 0,
        bytes: [0; INLINE],
    };

    /// Makes this value a copy of `input[start..end]`, writing into its inline
    /// bytes where it can instead of building a value and moving it in: this
    /// runs for every scope of every set parsed.
    #[inline]
    pub(crate) fn set_copy_of(&mut self, input: &str, start: usize, end: usize) {
        match (self, input.as_bytes().get(start..end)) {
            (Value::Inline { len, bytes }, Some(value)) if value.len() <= INLINE => {
                copy_short(bytes, value);
                *len = value.len() as u8;
            }
            (this, _) => *this = Value::copy_of(input, start, end),
        }
    }

    /// The value's bytes, without the UTF-8 check `as_str` needs (for comparisons).
    pub(crate) const fn as_bytes(&self) -> &[u8] {
        match self {
            Value::None => b"",
            Value::Static(text) => text.as_bytes(),
            Value::Inline { len, bytes } => bytes.split_at(*len as usize).0,
            Value::Heap(text) => text.as_bytes(),
        }
    }

    pub(crate) const fn as_str(&self) -> &str {
        match self {
            Value::None => "",
            Value::Static(text) => text,
            Value::Inline { len, bytes } => {
                match std::str::from_utf8(bytes.split_at(*len as usize).0) {
                    Ok(text) => text,
                    // Unreachable: only grammar-checked ASCII is stored inline.
                    Err(_) => "",
                }
            }
            Value::Heap(text) => text.as_str(),
        }
    }
}

/// Copies `src` (at most `INLINE` bytes) to the start of `dst` with two
/// overlapping fixed-size copies, which compile to a few moves instead of a
/// `memcpy` call: this runs for every scope parsed.
#[inline]
fn copy_short(dst: &mut [u8; INLINE], src: &[u8]) {
    fn pair<const N: usize>(dst: &mut [u8; INLINE], src: &[u8]) {
        let n = src.len();
        if let (Some(head), Some(tail), Some(dst_tail)) = (
            src.first_chunk::<N>(),
            src.last_chunk::<N>(),
            dst.get_mut(n - N..n),
        ) {
            dst_tail.copy_from_slice(tail);
            dst[..N].copy_from_slice(head);
        }
    }
    match src.len() {
        16.. => pair::<16>(dst, src),
        8.. => pair::<8>(dst, src),
        4.. => pair::<4>(dst, src),
        _ => dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s),
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::{INLINE, Value};

    #[test]
    fn filling_in_place_replaces_the_value_exactly() {
        let source: String = ('a'..='z').chain('A'..='Z').collect();
        for len in 0..=INLINE + 1 {
            for mut value in [
                Value::EMPTY_INLINE,
                Value::None,
                Value::copy_of(&source, 0, 40),
            ] {
                // A longer value first, so stale bytes would show.
                value.set_copy_of(&source, 10, 10 + INLINE);
                value.set_copy_of(&source, 3, len + 3);
                assert_eq!(value.as_str(), &source[3..len + 3], "length {len}");
            }
        }
    }

    #[test]
    fn every_inline_length_copies_exactly() {
        let source: String = ('a'..='z').chain('A'..='Z').collect();
        for len in 0..=INLINE + 1 {
            let text = &source[..len];
            assert_eq!(
                Value::copy_of(&source, 0, len).as_str(),
                text,
                "length {len}"
            );
            assert_eq!(
                Value::copy_of(&source, 3, len + 3).as_str(),
                &source[3..len + 3]
            );
        }
    }
}
