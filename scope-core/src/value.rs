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
    /// Short values are copied as words, which skips `str`'s boundary checks.
    #[inline]
    pub(crate) fn copy_of(input: &str, start: usize, end: usize) -> Value {
        match input.as_bytes().get(start..end) {
            Some(value) if value.len() <= INLINE => Value::Inline {
                len: value.len() as u8,
                bytes: inline_bytes(value),
            },
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
                *bytes = inline_bytes(value);
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

/// `src` (at most `INLINE` bytes) followed by zeros, built from whole-word
/// loads in registers: overlapping loads cover any length, and the words land
/// at fixed offsets. That lets the compiler write them straight to where the
/// value goes; byte copies at a variable offset, read back at another, stall
/// the processor's store forwarding, which cost several nanoseconds per scope.
#[inline(always)]
fn inline_bytes(src: &[u8]) -> [u8; INLINE] {
    let n = src.len();
    // The `N` bytes of `src` at `at`, little-endian; zero if out of range.
    fn load<const N: usize>(src: &[u8], at: usize) -> u64 {
        let mut word = [0; 8];
        if let Some(chunk) = src.get(at..).and_then(|rest| rest.first_chunk::<N>()) {
            word[..N].copy_from_slice(chunk);
        }
        u64::from_le_bytes(word)
    }
    // The bytes `from..n` of `src` (fewer than eight), placed low in a word: the
    // last eight bytes of `src`, shifted down past the ones before `from`.
    let tail = |from: usize| match n - from {
        0 => 0,
        rest => load::<8>(src, n - 8) >> (8 * (8 - rest)),
    };
    let words: [u64; 4] = match n {
        0 => [0; 4],
        1..4 => {
            let mut word = 0;
            for (i, byte) in src.iter().enumerate() {
                word |= u64::from(*byte) << (8 * i);
            }
            [word, 0, 0, 0]
        }
        // Two overlapping loads; the bytes both hold are equal, so `|` is exact.
        4..8 => [
            load::<4>(src, 0) | load::<4>(src, n - 4) << (8 * (n - 4)),
            0,
            0,
            0,
        ],
        8..16 => [load::<8>(src, 0), tail(8), 0, 0],
        16..24 => [load::<8>(src, 0), load::<8>(src, 8), tail(16), 0],
        _ => [
            load::<8>(src, 0),
            load::<8>(src, 8),
            load::<8>(src, 16),
            tail(24),
        ],
    };
    let mut bytes = [0; INLINE];
    for (i, word) in words.iter().enumerate() {
        let at = 8 * i;
        let len = (INLINE - at).min(8);
        bytes[at..at + len].copy_from_slice(&word.to_le_bytes()[..len]);
    }
    bytes
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
