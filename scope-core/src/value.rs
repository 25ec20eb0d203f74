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
    /// Copies `text` (ASCII, checked by the grammar) into a value.
    #[inline]
    pub(crate) fn copy_of(text: &str) -> Value {
        if text.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Value::Inline {
                len: text.len() as u8,
                bytes,
            }
        } else {
            Value::Heap(text.to_owned())
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

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
