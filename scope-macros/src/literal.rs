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

/// The value of a string literal's source text (`"…"` or `r#"…"#`); `None` for
/// any other literal (numbers, bytes, C strings, suffixed strings).
pub(crate) fn unescape(source: &str) -> Option<String> {
    if let Some(raw) = source.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let inner = raw.get(hashes..raw.len().checked_sub(hashes)?)?;
        return inner
            .strip_prefix('"')?
            .strip_suffix('"')
            .map(str::to_owned);
    }
    let inner = source.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
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
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                let braced: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = braced.strip_prefix('{')?.replace('_', "");
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            '\n' | '\r' => {
                // A line continuation: skip the newline and the next line's leading whitespace.
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
            }
            _ => return None,
        }
    }
    Some(out)
}
