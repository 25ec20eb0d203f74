//! The shape every reader gives a config file: tables, arrays and strings, each
//! with its place in the file. Selecting and checking the scopes see only this,
//! so they work alike for every format.

use std::ops::Range;

/// A value of the file.
pub(crate) enum Node {
    /// A string.
    Text(Text),
    /// A table (a `.env` file is one table), its entries in the file's order, and
    /// where it is written (its header, for a `[table]`).
    Table(Vec<(String, Node)>, Range<usize>),
    /// An array, and where it is written (brackets included).
    Array(Vec<Node>, Range<usize>),
    /// Anything else (a number, a boolean, a date): what it is, for messages, and where.
    Other(&'static str, Range<usize>),
}

/// A string value: its text as a program reads it, and how it is written.
pub(crate) struct Text {
    /// The value, escapes decoded.
    pub value: String,
    /// The string as written in the file, quotes included.
    pub raw: Range<usize>,
    pub quoting: Quoting,
}

/// How a string is written, which says how a byte of its value maps back to the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quoting {
    /// No escapes: byte `i` of the value is byte `raw.start + skip + i` of the file
    /// (TOML literal strings, `.env` values unquoted or in single quotes).
    Verbatim { skip: usize },
    /// A TOML basic string (`"…"`, or `"""…"""` when `multiline`).
    TomlBasic { multiline: bool },
    /// A `.env` value in double quotes.
    DotenvDouble,
}

/// A file its reader refuses: what is wrong, and where.
pub(crate) struct Malformed {
    pub message: String,
    pub span: Range<usize>,
}

/// One step of a key path: a key, or an element of an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A key path as users read it: `storefronts.europe.scope`, `storefront[0].scope`,
/// `"new york".scope` (keys that are not bare are quoted, as TOML writes them).
pub(crate) fn show_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if bare {
                    out.push_str(key);
                } else {
                    out.push('"');
                    for c in key.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                            c => out.push(c),
                        }
                    }
                    out.push('"');
                }
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The keys of a path, without array indices: what patterns match.
pub(crate) fn keys_of(path: &[Segment]) -> Vec<&str> {
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
        .collect()
}
