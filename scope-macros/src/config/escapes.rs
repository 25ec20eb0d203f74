//! Where each byte of a decoded string was written: the map from a fault in a
//! value to the file, through the escapes of TOML basic strings and `.env`
//! double-quoted values.
//!
//! The decoders here only place bytes; they never decide what a file means. The
//! caller compares what they decode with the value its reader gave, and falls
//! back to pointing at the whole string if the two differ, so a gap here can make
//! a caret wider, never wrong.

use std::ops::Range;

use super::value::{Quoting, Text};

/// For each byte of `text`'s value, the bytes of `file` that wrote it; `None` if
/// the decoding here does not give the reader's value back.
pub(crate) fn byte_sources(file: &str, text: &Text) -> Option<Vec<Range<usize>>> {
    let raw = file.get(text.raw.clone())?;
    let (decoded, sources) = match text.quoting {
        Quoting::Verbatim { skip } => {
            let start = text.raw.start + skip;
            let value = raw.get(skip..skip + text.value.len())?;
            (
                value.to_owned(),
                (start..start + value.len()).map(|i| i..i + 1).collect(),
            )
        }
        Quoting::TomlBasic { multiline } => toml_basic(raw, text.raw.start, multiline)?,
        Quoting::DotenvDouble => dotenv_double(raw, text.raw.start)?,
    };
    (decoded == text.value).then_some(sources)
}

/// Collects decoded bytes with the range of the file that wrote each.
struct Decoder {
    value: String,
    sources: Vec<Range<usize>>,
}

impl Decoder {
    fn new() -> Decoder {
        Decoder {
            value: String::new(),
            sources: Vec::new(),
        }
    }

    fn push(&mut self, c: char, from: Range<usize>) {
        let before = self.value.len();
        self.value.push(c);
        if from.len() == c.len_utf8() {
            // Written as itself: each byte maps to its own.
            self.sources
                .extend((0..c.len_utf8()).map(|i| from.start + i..from.start + i + 1));
        } else {
            // Written as an escape: every byte maps to the whole escape.
            self.sources
                .extend((before..self.value.len()).map(|_| from.clone()));
        }
    }

    fn finish(self) -> (String, Vec<Range<usize>>) {
        (self.value, self.sources)
    }
}

/// A TOML basic string, `raw` with its quotes, starting at byte `offset` of the file.
fn toml_basic(raw: &str, offset: usize, multiline: bool) -> Option<(String, Vec<Range<usize>>)> {
    let quotes = if multiline { 3 } else { 1 };
    let mut start = quotes;
    let end = raw.len().checked_sub(quotes)?;
    if multiline {
        // A newline right after the opening quotes is not part of the value.
        let after = raw.get(start..)?;
        if after.starts_with('\n') {
            start += 1;
        } else if after.starts_with("\r\n") {
            start += 2;
        }
    }
    let body = raw.get(start..end)?;
    let at = offset + start;
    let mut out = Decoder::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c, at + i..at + i + c.len_utf8());
            continue;
        }
        let (_, kind) = chars.next()?;
        let simple = match kind {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.push(decoded, at + i..at + i + 2);
            continue;
        }
        let digits = match kind {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            ' ' | '\t' | '\n' | '\r' if multiline => {
                // A line-ending backslash: the whitespace and newlines after it go.
                while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
                continue;
            }
            _ => return None,
        };
        let hex = body.get(i + 2..i + 2 + digits)?;
        let code = u32::from_str_radix(hex, 16).ok()?;
        for _ in 0..digits {
            chars.next();
        }
        out.push(char::from_u32(code)?, at + i..at + i + 2 + digits);
    }
    Some(out.finish())
}

/// A `.env` value in double quotes, `raw` with its quotes, at byte `offset` of the
/// file; the escapes are those `super::dotenv` reads.
fn dotenv_double(raw: &str, offset: usize) -> Option<(String, Vec<Range<usize>>)> {
    let body = raw.get(1..raw.len().checked_sub(1)?)?;
    let at = offset + 1;
    let mut out = Decoder::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c, at + i..at + i + c.len_utf8());
            continue;
        }
        let (_, kind) = chars.next()?;
        out.push(
            super::dotenv::escape(kind)?,
            at + i..at + i + 1 + kind.len_utf8(),
        );
    }
    Some(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str, raw: Range<usize>, quoting: Quoting) -> Text {
        Text {
            value: value.to_owned(),
            raw,
            quoting,
        }
    }

    #[test]
    fn maps_through_toml_escapes() {
        let file = r#"s = "a\tb\u00e9c""#;
        let t = text(
            "a\tbéc",
            4..file.len(),
            Quoting::TomlBasic { multiline: false },
        );
        let map = byte_sources(file, &t).unwrap();
        assert_eq!(map[0], 5..6); // a
        assert_eq!(map[1], 6..8); // \t
        assert_eq!(map[2], 8..9); // b
        assert_eq!(map[3], 9..15); // é, both bytes: \u00e9
        assert_eq!(map[4], 9..15);
        assert_eq!(map[5], 15..16); // c
    }

    #[test]
    fn maps_through_a_line_ending_backslash() {
        let file = "s = \"\"\"\nab \\\n   cd\"\"\"";
        let t = text(
            "ab cd",
            4..file.len(),
            Quoting::TomlBasic { multiline: true },
        );
        let map = byte_sources(file, &t).unwrap();
        assert_eq!(&file[map[3].clone()], "c");
        assert_eq!(&file[map[2].clone()], " ");
    }

    #[test]
    fn a_value_it_cannot_rebuild_maps_to_nothing() {
        let file = r#"s = "abc""#;
        let t = text(
            "abd",
            4..file.len(),
            Quoting::TomlBasic { multiline: false },
        );
        assert!(byte_sources(file, &t).is_none());
    }
}
