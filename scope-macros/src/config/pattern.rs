//! Key path patterns: which values of a file hold scopes (`keys = […]`) and which
//! of those are a sales channel's (`sales_channel = […]`).
//!
//! A pattern is a key path, keys separated by `.`: `storefronts.europe.scope`.
//! Within a key, `*` matches any run of characters (`*_scope`); a key that is
//! `**` alone matches any number of keys, none included (`**.scope` is `scope`
//! at any depth). A key with `.`, `*` or `"` in it is written in double quotes
//! (`storefronts."eu.west".scope`). Array elements are matched by their array's
//! key: `storefront.scope` names the `scope` of every `[[storefront]]`.

use proc_macro::Span;

/// One pattern, as written and parsed.
pub(crate) struct Pattern {
    pub text: String,
    pub span: Span,
    keys: Vec<Key>,
}

enum Key {
    /// `**`: any number of keys.
    AnyDepth,
    /// A key, with `*` as a wildcard unless quoted.
    Glob { text: String, quoted: bool },
}

impl Pattern {
    /// Parses `text`; the error says what is wrong with it.
    pub(crate) fn parse(text: &str, span: Span) -> Result<Pattern, String> {
        Ok(Pattern {
            text: text.to_owned(),
            span,
            keys: parse_keys(text)?,
        })
    }

    /// Whether the pattern matches the key path `path` (array indices left out).
    pub(crate) fn matches(&self, path: &[&str]) -> bool {
        matches_keys(&self.keys, path)
    }
}

fn parse_keys(text: &str) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    let mut rest = text;
    loop {
        let (key, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted.find('"').ok_or_else(|| {
                format!("the pattern `{text}` opens a quoted key that does not close")
            })?;
            (
                Key::Glob {
                    text: quoted[..close].to_owned(),
                    quoted: true,
                },
                &quoted[close + 1..],
            )
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() {
                return Err(format!(
                    "the pattern `{text}` has an empty key; write keys separated by single dots, such as `storefronts.*.scope`"
                ));
            }
            if key.contains('"') {
                return Err(format!(
                    "the pattern `{text}` has a `\"` inside a key; quote the whole key, such as `storefronts.\"eu.west\".scope`"
                ));
            }
            let parsed = if key == "**" {
                Key::AnyDepth
            } else {
                Key::Glob {
                    text: key.to_owned(),
                    quoted: false,
                }
            };
            (parsed, &rest[end..])
        };
        keys.push(key);
        if after.is_empty() {
            break;
        }
        rest = after
            .strip_prefix('.')
            .ok_or_else(|| format!("the pattern `{text}` needs a `.` after a quoted key"))?;
    }
    Ok(keys)
}

fn matches_keys(pattern: &[Key], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((Key::AnyDepth, rest)) => {
            (0..=path.len()).any(|skipped| matches_keys(rest, &path[skipped..]))
        }
        Some((Key::Glob { text, quoted }, rest)) => match path.split_first() {
            Some((key, path_rest)) => {
                let key_matches = if *quoted {
                    text == key
                } else {
                    glob(text.as_bytes(), key.as_bytes())
                };
                key_matches && matches_keys(rest, path_rest)
            }
            None => false,
        },
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of bytes.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skipped| glob(rest, &text[skipped..])),
        Some((first, rest)) => text.first() == Some(first) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &[&str]) -> bool {
        matches_keys(&parse_keys(pattern).unwrap(), path)
    }

    #[test]
    fn matches_paths() {
        assert!(matches("**.scope", &["scope"]));
        assert!(matches("**.scope", &["a", "b", "scope"]));
        assert!(!matches("**.scope", &["a", "scopes"]));
        assert!(!matches("**.scope", &["scope", "x"]));
        assert!(matches(
            "storefronts.*.scope",
            &["storefronts", "europe", "scope"]
        ));
        assert!(!matches("storefronts.*.scope", &["storefronts", "scope"]));
        assert!(matches(
            "storefronts.**",
            &["storefronts", "europe", "scope"]
        ));
        assert!(matches("**.*_scope", &["back_office", "token_scope"]));
        assert!(matches("a.\"x.y\".scope", &["a", "x.y", "scope"]));
        assert!(matches("\"*\"", &["*"]));
        assert!(!matches("\"*\"", &["a"]));
    }

    #[test]
    fn refuses_malformed_patterns() {
        for bad in ["", "a..b", ".a", "a.", "a\"b", "\"open", "\"a\"b"] {
            assert!(parse_keys(bad).is_err(), "{bad}");
        }
    }
}
