//! `scope!` and `scopes!`: a literal in, a constant or one compile error out.

use proc_macro::{TokenStream, TokenTree};

use crate::expand::{
    MARKET_ALL, ScopeParts, Tokens, compile_error, error_with_placeholder, scope_set_value,
    scope_value,
};
use crate::grammar::{Key, Parsed, ScopeError, check_set, parse_scope, parse_set_item};
use crate::literal;

/// Splits `$crate` (passed first by scope-core's `macro_rules!` shell, so the
/// output names the runtime crate even when it is renamed) from the literal.
pub(crate) fn split_krate(input: TokenStream) -> (TokenTree, Vec<TokenTree>) {
    let mut tokens = input.into_iter();
    let krate = tokens.next().unwrap_or_else(|| {
        proc_macro::Ident::new("scope_core", proc_macro::Span::call_site()).into()
    });
    (krate, tokens.collect())
}

/// Expands `scope!`.
pub(crate) fn scope(input: TokenStream) -> TokenStream {
    let (krate, tokens) = split_krate(input);
    let placeholder = || {
        let mut p = Tokens::new();
        p.path(&krate, "Scope", "MARKET_ALL");
        p
    };
    let (text, span) = match literal::string_literal(tokens, "scope") {
        Ok(found) => found,
        Err((message, span)) => {
            return error_with_placeholder(compile_error(&message, span), placeholder()).into();
        }
    };
    match parse_scope(text.as_bytes()) {
        Ok(parsed) => scope_tokens(&krate, &parsed, &text).into(),
        Err(fault) => {
            let message = format!("{:#}", ScopeError::new(&text, fault));
            error_with_placeholder(compile_error(&message, span), placeholder()).into()
        }
    }
}

/// Expands `scopes!`.
pub(crate) fn scopes(input: TokenStream) -> TokenStream {
    expand_set(input, "scopes", parse_set, |_, set| set)
}

/// Expands a set macro: `scopes!`, or one whose `parse` applies more rules
/// and whose `wrap` turns the set into another type (`sales_channel_scopes!`).
/// On an error, one `compile_error!` and a wrapped `market:all` placeholder.
pub(crate) fn expand_set(
    input: TokenStream,
    macro_name: &str,
    parse: fn(&str) -> Result<Vec<Parsed>, ScopeError>,
    wrap: fn(&TokenTree, Tokens) -> Tokens,
) -> TokenStream {
    let (krate, tokens) = split_krate(input);
    let placeholder = || wrap(&krate, scope_set_value(&krate, &[MARKET_ALL]));
    let (text, span) = match literal::string_literal(tokens, macro_name) {
        Ok(found) => found,
        Err((message, span)) => {
            return error_with_placeholder(compile_error(&message, span), placeholder()).into();
        }
    };
    match parse(&text) {
        Ok(parsed) => {
            let scopes: Vec<ScopeParts> = parsed.iter().map(|p| scope_parts(p, &text)).collect();
            wrap(&krate, scope_set_value(&krate, &scopes)).into()
        }
        Err(error) => {
            let message = format!("{error:#}");
            error_with_placeholder(compile_error(&message, span), placeholder()).into()
        }
    }
}

/// Parses a set the way `ScopeSet::from_str` does: each scope, then the set rules.
pub(crate) fn parse_set(text: &str) -> Result<Vec<Parsed>, ScopeError> {
    let bytes = text.as_bytes();
    let mut parsed = Vec::new();
    let mut pos = 0;
    loop {
        let (scope, next) =
            parse_set_item(bytes, pos).map_err(|fault| ScopeError::new(text, fault))?;
        parsed.push(scope);
        match next {
            Some(next) => pos = next,
            None => break,
        }
    }
    check_set(parsed.len(), |i| Key::of(&parsed[i], bytes)).map_err(|conflict| {
        ScopeError::new(text, conflict.fault(|i| (parsed[i].start, parsed[i].end)))
    })?;
    Ok(parsed)
}

/// The form and value of a scope parsed from `text`.
pub(crate) fn scope_parts<'a>(parsed: &Parsed, text: &'a str) -> ScopeParts<'a> {
    ScopeParts {
        resource: parsed.resource,
        selector: parsed.selector,
        value: text.get(parsed.value_start..parsed.end).unwrap_or_default(),
    }
}

fn scope_tokens(krate: &TokenTree, parsed: &Parsed, text: &str) -> Tokens {
    let parts = scope_parts(parsed, text);
    scope_value(krate, parts.resource, parts.selector, parts.value)
}
