//! TOML files, read with `toml`'s spanned document parser (`DeTable::parse`, the
//! parser `toml::from_str` itself runs), turned into [`Node`]s with the place of
//! every string.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::value::{Malformed, Node, Quoting, Text};

/// The document as a [`Node::Table`].
pub(crate) fn read(file: &str) -> Result<Node, Malformed> {
    let document = DeTable::parse(file).map_err(|err| Malformed {
        message: err.message().to_owned(),
        span: err.span().unwrap_or(0..0),
    })?;
    let span = document.span();
    Ok(table(file, document.into_inner(), span))
}

fn table(file: &str, table: DeTable<'_>, span: Range<usize>) -> Node {
    let mut entries: Vec<(usize, String, Node)> = table
        .into_iter()
        .map(|(key, value)| {
            let at = key.span().start;
            let span = value.span();
            (
                at,
                key.into_inner().into_owned(),
                node(file, value.into_inner(), span),
            )
        })
        .collect();
    // The parser keeps keys sorted; the file's order reads better in messages and constants.
    entries.sort_by_key(|(at, _, _)| *at);
    Node::Table(
        entries
            .into_iter()
            .map(|(_, key, node)| (key, node))
            .collect(),
        span,
    )
}

fn node(file: &str, value: DeValue<'_>, span: Range<usize>) -> Node {
    match value {
        DeValue::String(value) => Node::Text(Text {
            quoting: quoting(file.get(span.clone()).unwrap_or("")),
            value: value.into_owned(),
            raw: span,
        }),
        DeValue::Table(inner) => table(file, inner, span),
        DeValue::Array(items) => Node::Array(
            items
                .into_iter()
                .map(|item| {
                    let span = item.span();
                    node(file, item.into_inner(), span)
                })
                .collect(),
            span,
        ),
        DeValue::Integer(_) => Node::Other("an integer", span),
        DeValue::Float(_) => Node::Other("a float", span),
        DeValue::Boolean(_) => Node::Other("a boolean", span),
        DeValue::Datetime(_) => Node::Other("a date-time", span),
    }
}

/// How a TOML string is written, from its first characters.
fn quoting(raw: &str) -> Quoting {
    if let Some(rest) = raw.strip_prefix("'''") {
        let newline = if rest.starts_with('\n') {
            1
        } else if rest.starts_with("\r\n") {
            2
        } else {
            0
        };
        Quoting::Verbatim { skip: 3 + newline }
    } else if raw.starts_with('\'') {
        Quoting::Verbatim { skip: 1 }
    } else {
        Quoting::TomlBasic {
            multiline: raw.starts_with("\"\"\""),
        }
    }
}
