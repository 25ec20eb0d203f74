//! Reading the one string literal a macro takes, with `proc_macro` alone.

use proc_macro::{Delimiter, Span, TokenTree};

/// The literal's text, unescaped, and its span; or a message and where to show it.
pub(crate) fn string_literal(
    tokens: Vec<TokenTree>,
    macro_name: &str,
) -> Result<(String, Span), (String, Span)> {
    let example = format!("`{macro_name}!(\"market:code:europe\")`");
    let mut tokens = tokens;
    // `$e:expr` from another macro arrives wrapped in an invisible group.
    while let [TokenTree::Group(group)] = tokens.as_slice() {
        if group.delimiter() != Delimiter::None {
            break;
        }
        tokens = group.stream().into_iter().collect();
    }
    let token = match tokens.as_slice() {
        [] => {
            return Err((
                format!(
                    "`{macro_name}!` needs a string literal holding scope text, such as {example}"
                ),
                Span::call_site(),
            ));
        }
        [token] => token,
        // `"a", "b"`: several literals rather than an expression.
        [first @ TokenTree::Literal(_), TokenTree::Punct(p), ..] if p.as_char() == ',' => {
            return Err((
                format!(
                    "`{macro_name}!` takes exactly one string literal, such as {example}; to give several scopes, separate them with spaces inside one literal"
                ),
                first.span(),
            ));
        }
        [first, ..] => {
            let expression: proc_macro::TokenStream = tokens.iter().cloned().collect();
            return Err((
                format!(
                    "`{macro_name}!` needs a string literal, such as {example}, found the expression `{expression}`; the text must be known when the program compiles: for text known only at run time use `str::parse`"
                ),
                first.span(),
            ));
        }
    };
    let not_a_string = || {
        (
            format!(
                "`{macro_name}!` needs a string literal, such as {example}, found `{token}`; the text must be known when the program compiles: for text known only at run time use `str::parse`"
            ),
            token.span(),
        )
    };
    let TokenTree::Literal(literal) = token else {
        return Err(not_a_string());
    };
    let source = literal.to_string();
    unescape(&source)
        .map(|text| (text, literal.span()))
        .ok_or_else(not_a_string)
}

/// The value of a string literal's source text (`"…"`, `r"…"`, `r#"…"#`), read
/// exactly as rustc reads it; `None` for any other literal (numbers, characters,
/// byte strings, C strings, suffixed strings) and for text that rustc refuses.
///
/// rustc has already turned each CRLF of the source file into LF when a macro sees
/// the literal, so a CR left in the text is a bare CR, which rustc refuses in every
/// string literal. After a backslash-newline (a line continuation) rustc skips only
/// ASCII whitespace (space, tab, LF, CR): any other whitespace, such as U+00A0,
/// stays in the value.
pub(crate) fn unescape(source: &str) -> Option<String> {
    if let Some(raw) = source.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let closing = raw.len().checked_sub(hashes)?;
        if !raw.get(closing..)?.bytes().all(|b| b == b'#') {
            return None;
        }
        let inner = raw.get(hashes..closing)?;
        let inner = inner.strip_prefix('"')?.strip_suffix('"')?;
        return (!inner.contains('\r')).then(|| inner.to_owned());
    }
    let inner = source.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {}
            '\r' => return None,
            c => {
                out.push(c);
                continue;
            }
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '\\' => out.push('\\'),
            '0' => out.push('\0'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                // Exactly two hex digits; in a string (not a byte string) at most 0x7F.
                let high = chars.next()?.to_digit(16)?;
                let low = chars.next()?.to_digit(16)?;
                out.push(char::from_u32(high * 16 + low).filter(char::is_ascii)?);
            }
            'u' => out.push(unicode_escape(&mut chars)?),
            '\n' => {
                let rest = chars.as_str();
                chars = rest.trim_start_matches([' ', '\t', '\n', '\r']).chars();
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The character of a `\u{…}` escape, read after the `u`: one to six hex digits
/// with `_` allowed except first, naming a Unicode scalar value.
fn unicode_escape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    if chars.next()? != '{' {
        return None;
    }
    let (mut value, mut digits) = (0u32, 0);
    loop {
        match chars.next()? {
            '}' if digits > 0 => return char::from_u32(value),
            '_' if digits > 0 => {}
            c => {
                value = value * 16 + c.to_digit(16)?;
                digits += 1;
                if digits > 6 {
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unescape;

    /// `unescape` reads the literal's source text (`stringify!`) as rustc read
    /// the very same literal (its value).
    macro_rules! reads_as_rustc {
        ($($literal:literal),* $(,)?) => {
            $(assert_eq!(
                unescape(stringify!($literal)).as_deref(),
                Some($literal),
                "{}",
                stringify!($literal)
            );)*
        };
    }

    #[test]
    fn reads_every_literal_as_rustc_does() {
        reads_as_rustc!(
            "market:code:europe",
            "",
            "tab\t newline\n cr\r nul\0 quote\" apostrophe\' backslash\\",
            "\x00 \x41 \x7f \x7F",
            "\u{0} \u{41} \u{4_1} \u{4__1__} \u{00_0041} \u{10FFFF} \u{1F600} \u{e9}",
            "müñchen ✓ 😀",
            "market:all \
             market:code:eu",
            "market:all \
	 	market:code:eu",
            "no space \
market:all",
            r"market:all \n",
            r#"market:code:"eu""#,
            r##"a "# b"##,
            r"",
        );
    }

    #[test]
    fn a_line_continuation_skips_only_ascii_whitespace() {
        // rustc keeps these in the value (and warns that it does not skip them).
        for space in ['\u{a0}', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{3000}'] {
            let source = format!("\"market:all \\\n{space}market:code:eu\"");
            assert_eq!(
                unescape(&source),
                Some(format!("market:all {space}market:code:eu")),
                "{space:?}"
            );
        }
        // Several lines, with spaces, tabs and CRs between them, are all skipped.
        assert_eq!(unescape("\"a \\\n \t\r\n  \n\tb\"").as_deref(), Some("a b"));
    }

    #[test]
    fn refuses_what_rustc_refuses() {
        for source in [
            // Escapes rustc does not know, and a backslash at the end.
            r#""\q""#,
            r#""\ ""#,
            r#""a\""#,
            // `\x`: two hex digits, at most 0x7F in a string.
            r#""\x80""#,
            r#""\xff""#,
            r#""\xa""#,
            r#""\x+1""#,
            r#""\x4g""#,
            // `\u`: braces, one to six digits, `_` not first, a scalar value.
            r#""\u41""#,
            r#""\u{}""#,
            r#""\u{_41}""#,
            r#""\u{_}""#,
            r#""\u{+41}""#,
            r#""\u{41""#,
            r#""\u{0000041}""#,
            r#""\u{110000}""#,
            r#""\u{D800}""#,
            r#""\u{DFFF}""#,
            r#""\u{4g}""#,
            // A bare CR (a CRLF in the file reaches a macro as LF), and a backslash
            // before one (rustc: unknown character escape `\r`).
            "\"a\rb\"",
            "\"a\r\nb\"",
            "\"a\\\rb\"",
            "\"a\\\r\nb\"",
            "r\"a\rb\"",
            "r#\"a\r\nb\"#",
        ] {
            assert_eq!(unescape(source), None, "{source}");
        }
    }

    #[test]
    fn refuses_literals_other_than_strings() {
        for source in [
            r#"b"market:all""#,
            r#"br"market:all""#,
            r##"br#"market:all"#"##,
            r#"c"market:all""#,
            r#"cr"market:all""#,
            r##"cr#"market:all"#"##,
            r#""market:all"suffix"#,
            r#"r"market:all"suffix"#,
            r##"r#"market:all"#suffix"##,
            "'m'",
            "b'm'",
            "42",
            "1.5",
            "r#",
            "r",
            "\"",
        ] {
            assert_eq!(unescape(source), None, "{source}");
        }
    }
}
