//! `.env` files, read here: the format is a line per variable, too small to be
//! worth a dependency, and the crates that read it give no positions.
//!
//! What is read, line by line:
//! - blank lines, and comments: `#` first on the line (after spaces);
//! - `NAME=value` or `export NAME=value`, spaces allowed around `=`; a name is
//!   ASCII letters, digits and `_`, not starting with a digit;
//! - a value unquoted (up to the end of the line, or to the spaces before a `#`
//!   that starts a comment), in single quotes (as written) or in double quotes
//!   (escapes `\\`, `\"`, `\'`, `\$`, `\n`, `\r`, `\t`); a quoted value ends on its
//!   line, and only a comment may follow it.
//!
//! Nothing is expanded: `$NAME` stays as written (and `$` is in no scope). A line
//! this does not read, a name set twice, or a quote that does not close is an
//! error: skipping a line could skip a scope.

use super::value::{Malformed, Node, Quoting, Text};

/// The file as one [`Node::Table`], its variables in the file's order.
pub(crate) fn read(file: &str) -> Result<Node, Malformed> {
    let mut entries: Vec<(String, Node)> = Vec::new();
    let mut first_line_of: Vec<(String, usize)> = Vec::new();
    let mut line_start = 0;
    for (number, line) in file.split('\n').enumerate() {
        let at = line_start;
        line_start += line.len() + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some((name, name_at, text)) = assignment(line, at)? else {
            continue;
        };
        if let Some((_, first)) = first_line_of.iter().find(|(n, _)| *n == name) {
            return Err(Malformed {
                message: format!(
                    "`{name}` is set again, after line {first}; readers differ on which one wins, so set it once"
                ),
                span: name_at..name_at + name.len(),
            });
        }
        first_line_of.push((name.clone(), number + 1));
        entries.push((name, Node::Text(text)));
    }
    Ok(Node::Table(entries, 0..0))
}

/// The character a `\` escape in double quotes stands for.
pub(crate) fn escape(kind: char) -> Option<char> {
    match kind {
        '\\' | '"' | '\'' | '$' => Some(kind),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        _ => None,
    }
}

/// One line starting at byte `at` of the file: `None` if blank or a comment, else
/// the name, where it starts, and the value.
fn assignment(line: &str, at: usize) -> Result<Option<(String, usize, Text)>, Malformed> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let (skip, rest) = match rest.strip_prefix("export") {
        Some(after) if after.starts_with([' ', '\t']) => {
            let name = after.trim_start();
            (indent + line[indent..].len() - name.len(), name)
        }
        _ => (indent, rest),
    };
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    let name_at = at + skip;
    let malformed = |message: String, start: usize, end: usize| Malformed {
        message,
        span: at + start..at + end,
    };
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(malformed(
            "expected `NAME=value`, `export NAME=value`, a comment (`#`) or a blank line; a name is ASCII letters, digits and `_`, not starting with a digit".to_owned(),
            skip,
            line.len().max(skip + 1),
        ));
    }
    let after_name = skip + name_len;
    let spaces = line[after_name..].len() - line[after_name..].trim_start().len();
    let Some(value) = line[after_name + spaces..].strip_prefix('=') else {
        return Err(malformed(
            format!("expected `=` after the name `{name}`"),
            after_name + spaces,
            after_name + spaces + 1,
        ));
    };
    let value_at = line.len() - value.trim_start().len();
    let value = value.trim_start();
    let text = match value.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let close = closing_quote(value, quote).ok_or_else(|| {
                malformed(
                    format!("the quoted value of `{name}` does not end on its line; a quoted value ends on the line it starts on"),
                    value_at,
                    line.len(),
                )
            })?;
            let after = &value[close + 1..];
            let trailing = after.trim_start();
            if !trailing.is_empty() && !trailing.starts_with('#') {
                let from = value_at + close + 1 + (after.len() - trailing.len());
                return Err(malformed(
                    format!(
                        "unexpected text after the quoted value of `{name}`; only a comment (`#`) may follow it"
                    ),
                    from,
                    line.len(),
                ));
            }
            let raw = &value[..close + 1];
            let (decoded, quoting) = if quote == '\'' {
                (
                    raw[1..raw.len() - 1].to_owned(),
                    Quoting::Verbatim { skip: 1 },
                )
            } else {
                (unescape(raw, name, at + value_at)?, Quoting::DotenvDouble)
            };
            Text {
                value: decoded,
                raw: at + value_at..at + value_at + raw.len(),
                quoting,
            }
        }
        _ => {
            // Unquoted: to the end of the line, or to the spaces before a comment.
            let end = comment_start(value).unwrap_or(value.len());
            Text {
                value: value[..end].to_owned(),
                raw: at + value_at..at + value_at + end,
                quoting: Quoting::Verbatim { skip: 0 },
            }
        }
    };
    Ok(Some((name.to_owned(), name_at, text)))
}

/// Where the closing `quote` of a value starting with it is (a `\` escapes the
/// next character in double quotes).
fn closing_quote(value: &str, quote: char) -> Option<usize> {
    let mut chars = value.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Some(i);
        }
        if c == '\\' && quote == '"' {
            chars.next();
        }
    }
    None
}

/// Where an unquoted value ends before a comment: at the spaces before a `#`.
fn comment_start(value: &str) -> Option<usize> {
    let hash = value
        .char_indices()
        .find(|&(i, c)| c == '#' && value[..i].ends_with([' ', '\t']))?
        .0;
    Some(value[..hash].trim_end().len())
}

/// The value of a double-quoted `raw` (quotes included), at byte `at` of the file.
fn unescape(raw: &str, name: &str, at: usize) -> Result<String, Malformed> {
    let mut out = String::new();
    let mut chars = raw[1..raw.len() - 1].char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(decoded) = chars.next().and_then(|(_, kind)| escape(kind)) else {
            return Err(Malformed {
                message: format!(
                    "unknown escape in the value of `{name}`; in double quotes, `\\` escapes `\\`, `\"`, `'`, `$`, `n`, `r` or `t`"
                ),
                span: at + 1 + i..at + 3 + i,
            });
        };
        out.push(decoded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(file: &str) -> Vec<(String, String, &str)> {
        let Ok(Node::Table(entries, _)) = read(file) else {
            panic!("not read: {file:?}");
        };
        entries
            .into_iter()
            .map(|(name, node)| match node {
                Node::Text(text) => (name, text.value, &file[text.raw]),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn reads_the_usual_lines() {
        let file = "# storefronts\n\nCL_SCOPE=market:code:europe stock_location:code:eu\r\nexport  B_SCOPE = 'market:all' # comment\nC=\"a\\\"b\" \nD=x # y\nE=\nF=a#b\n";
        assert_eq!(
            values(file),
            [
                (
                    "CL_SCOPE".into(),
                    "market:code:europe stock_location:code:eu".into(),
                    "market:code:europe stock_location:code:eu"
                ),
                ("B_SCOPE".into(), "market:all".into(), "'market:all'"),
                ("C".into(), "a\"b".into(), "\"a\\\"b\""),
                ("D".into(), "x".into(), "x"),
                ("E".into(), "".into(), ""),
                ("F".into(), "a#b".into(), "a#b"),
            ]
        );
    }

    #[test]
    fn keeps_trailing_spaces_of_unquoted_values() {
        assert_eq!(values("A=market:all  \n")[0].1, "market:all  ");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (file, needle) in [
            ("A market:all\n", "expected `=`"),
            ("1A=x\n", "a name is"),
            ("A='x\n", "does not end on its line"),
            ("A=\"x\" y\n", "only a comment"),
            ("A=\"\\q\"\n", "unknown escape"),
            ("A=1\nA=2\n", "set again, after line 1"),
        ] {
            let Err(err) = read(file) else {
                panic!("read {file:?}")
            };
            assert!(err.message.contains(needle), "{file:?}: {}", err.message);
        }
    }
}
