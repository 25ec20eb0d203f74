//! `sales_channel_scopes!`: a literal in, a `SalesChannelScopes` constant or one
//! compile error out. The set is parsed as `scopes!` parses it, then checked by
//! the grammar's sales-channel rule, the one `ScopeSet::check_sales_channel` runs.

use proc_macro::{Delimiter, TokenStream, TokenTree};

use crate::expand::{
    Tokens, compile_error, error_with_placeholder, market_all_value, scope_set_value,
};
use crate::grammar::{Key, Parsed, SalesChannelRule, ScopeError};
use crate::literal;
use crate::scope_literal::{parse_set, scope_tokens, split_krate};

/// Expands `sales_channel_scopes!`.
pub(crate) fn sales_channel_scopes(input: TokenStream) -> TokenStream {
    let (krate, tokens) = split_krate(input);
    let wrap = |set: Tokens| sales_channel_value(&krate, set);
    let placeholder = || wrap(scope_set_value(&krate, vec![market_all_value(&krate)]));
    let (text, span) = match literal::string_literal(tokens, "sales_channel_scopes") {
        Ok(found) => found,
        Err((message, span)) => {
            return error_with_placeholder(compile_error(&message, span), placeholder()).into();
        }
    };
    match parse_sales_channel_set(&text) {
        Ok(parsed) => {
            let scopes = parsed
                .iter()
                .map(|p| scope_tokens(&krate, p, &text))
                .collect();
            wrap(scope_set_value(&krate, scopes)).into()
        }
        Err(error) => {
            let message = format!("{error:#}");
            error_with_placeholder(compile_error(&message, span), placeholder()).into()
        }
    }
}

/// `{krate}::SalesChannelScopes::__from_macro({set})`: a set the sales-channel rule has passed.
pub(crate) fn sales_channel_value(krate: &TokenTree, set: Tokens) -> Tokens {
    let mut out = Tokens::new();
    out.path(krate, "SalesChannelScopes", "__from_macro")
        .group(Delimiter::Parenthesis, set);
    out
}

/// Parses a set as `scopes!` does, then applies the sales-channel rule.
pub(crate) fn parse_sales_channel_set(text: &str) -> Result<Vec<Parsed>, ScopeError> {
    let parsed = parse_set(text)?;
    SalesChannelRule::check(parsed.iter().map(|scope| Key::of(scope, text.as_bytes()))).map_err(
        |fault| {
            let fault = fault.into_fault(text.len(), |i| (parsed[i].start, parsed[i].end));
            ScopeError::new(text, fault)
        },
    )?;
    Ok(parsed)
}
