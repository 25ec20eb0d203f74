//! `sales_channel_scopes!`: a literal in, a `SalesChannelScopes` constant or one
//! compile error out. The set is parsed as `scopes!` parses it, then checked by
//! the grammar's sales-channel rule, the one `ScopeSet::check_sales_channel` runs.

use proc_macro::{Delimiter, TokenStream, TokenTree};

use crate::expand::Tokens;
use crate::grammar::{Key, Parsed, SalesChannelRule, ScopeError};
use crate::scope_literal::{expand_set, parse_set};

/// Expands `sales_channel_scopes!`.
pub(crate) fn sales_channel_scopes(input: TokenStream) -> TokenStream {
    expand_set(
        input,
        "sales_channel_scopes",
        parse_sales_channel_set,
        sales_channel_value,
    )
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
