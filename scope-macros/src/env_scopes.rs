//! `env_scopes!`, `env_sales_channel_scopes!` and `option_env_scopes!`: the scopes
//! in an environment variable as the crate compiles (`CL_SCOPE` set in CI),
//! checked like `scopes!` checks a literal.
//!
//! The expansion names the variable in `option_env!`, so rustc records it and
//! cargo rebuilds the crate when its value changes.

use proc_macro::{Delimiter, Literal, Span, TokenStream, TokenTree};

use crate::expand::{
    MARKET_ALL, ScopeParts, Tokens, compile_error, error_with_placeholder, scope_set_value,
};
use crate::literal::unescape;
use crate::sales_channel::{parse_sales_channel_set, sales_channel_value};
use crate::scope_literal::{parse_set, scope_parts, split_krate};

/// Which macro: what it gives, and what it does when the variable is not set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A `ScopeSet`; the variable must be set.
    Set,
    /// A `SalesChannelScopes`; the variable must be set.
    SalesChannel,
    /// An `Option<ScopeSet>`: `None` when the variable is not set.
    Optional,
}

impl Mode {
    fn macro_name(self) -> &'static str {
        match self {
            Mode::Set => "env_scopes",
            Mode::SalesChannel => "env_sales_channel_scopes",
            Mode::Optional => "option_env_scopes",
        }
    }
}

/// Expands one of the three macros.
pub(crate) fn env_scopes(input: TokenStream, mode: Mode) -> TokenStream {
    let (krate, tokens) = split_krate(input);
    let macro_name = mode.macro_name();
    let (name, span) = match variable_name(tokens) {
        Some(found) => found,
        None => {
            let message = format!(
                "`{macro_name}!` takes the name of an environment variable as a string literal, such as `{macro_name}!(\"CL_SCOPE\")`"
            );
            return error_with_placeholder(
                compile_error(&message, Span::call_site()),
                placeholder(&krate, mode),
            )
            .into();
        }
    };
    let fail = |message: &str| -> TokenStream {
        error_with_placeholder(compile_error(message, span), placeholder(&krate, mode)).into()
    };
    if name.is_empty() || name.contains(['=', '\0']) {
        return fail(&format!(
            "`{name}` is not the name of an environment variable: a name is not empty and has no `=` or NUL"
        ));
    }
    let value = match std::env::var(&name) {
        Ok(value) => value,
        Err(std::env::VarError::NotPresent) if mode == Mode::Optional => {
            // `Option::<ScopeSet>::None`, typed, for `println!("{:?}", …)` and the like.
            let mut set = Tokens::new();
            set.push(krate.clone()).colons().ident("ScopeSet");
            let mut none = Tokens::new();
            none.colons()
                .ident("core")
                .colons()
                .ident("option")
                .colons()
                .ident("Option")
                .colons()
                .punct('<')
                .extend(set)
                .punct('>')
                .colons()
                .ident("None");
            return with_dependency(&name, none).into();
        }
        Err(std::env::VarError::NotPresent) => {
            return fail(&format!(
                "the environment variable `{name}` is not set as this crate compiles; set it to the scopes (`{name}=\"market:code:europe\"`), or use `option_env_scopes!` where it may be unset"
            ));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return fail(&format!(
                "the environment variable `{name}` is not UTF-8, so it holds no scopes"
            ));
        }
    };
    let parse = if mode == Mode::SalesChannel {
        parse_sales_channel_set
    } else {
        parse_set
    };
    match parse(&value) {
        Ok(parsed) => {
            let parts: Vec<ScopeParts<'_>> =
                parsed.iter().map(|p| scope_parts(p, &value)).collect();
            with_dependency(&name, wrap(&krate, mode, &parts)).into()
        }
        Err(err) => {
            let block = crate::position::text_block(
                &value,
                &format!("the environment variable `{name}`, as this crate compiles"),
                err.span(),
            );
            fail(&format!("{err}{block}"))
        }
    }
}

/// The value as the macro's type.
fn wrap(krate: &TokenTree, mode: Mode, parts: &[ScopeParts<'_>]) -> Tokens {
    let set = scope_set_value(krate, parts);
    match mode {
        Mode::Set => set,
        Mode::SalesChannel => sales_channel_value(krate, set),
        Mode::Optional => {
            let mut out = Tokens::new();
            out.option_path("Some").group(Delimiter::Parenthesis, set);
            out
        }
    }
}

/// A value of the right type after an error.
fn placeholder(krate: &TokenTree, mode: Mode) -> Tokens {
    wrap(krate, mode, &[MARKET_ALL])
}

/// `{ const _: Option<&str> = ::core::option_env!("NAME"); value }`: rustc records
/// the variable, so cargo rebuilds when it changes.
fn with_dependency(name: &str, value: Tokens) -> Tokens {
    let mut args = Tokens::new();
    args.push(Literal::string(name));
    let mut block = Tokens::new();
    block
        .ident("const")
        .ident("_")
        .punct(':')
        .colons()
        .ident("core")
        .colons()
        .ident("option")
        .colons()
        .ident("Option")
        .punct('<')
        .punct('&')
        .ident("str")
        .punct('>')
        .punct('=')
        .colons()
        .ident("core")
        .colons()
        .ident("option_env")
        .punct('!')
        .group(Delimiter::Parenthesis, args)
        .punct(';')
        .extend(value);
    let mut out = Tokens::new();
    out.group(Delimiter::Brace, block);
    out
}

/// The one string literal the macros take, and its span.
fn variable_name(tokens: Vec<TokenTree>) -> Option<(String, Span)> {
    let mut tokens = tokens;
    while let [TokenTree::Group(group)] = tokens.as_slice() {
        if group.delimiter() != Delimiter::None {
            break;
        }
        tokens = group.stream().into_iter().collect();
    }
    match tokens.as_slice() {
        [TokenTree::Literal(literal)] => Some((unescape(&literal.to_string())?, literal.span())),
        _ => None,
    }
}
