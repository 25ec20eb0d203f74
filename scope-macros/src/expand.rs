//! Building the output tokens: constants on success, one `compile_error!` and a
//! placeholder of the right type on failure.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::grammar::{Resource, Selector, form_code};

/// A token stream under construction, with helpers for the few shapes we emit.
pub(crate) struct Tokens(Vec<TokenTree>);

impl Tokens {
    pub(crate) fn new() -> Tokens {
        Tokens(Vec::new())
    }

    pub(crate) fn push(&mut self, token: impl Into<TokenTree>) -> &mut Tokens {
        self.0.push(token.into());
        self
    }

    pub(crate) fn ident(&mut self, name: &str) -> &mut Tokens {
        self.push(Ident::new(name, Span::call_site()))
    }

    pub(crate) fn punct(&mut self, c: char) -> &mut Tokens {
        self.push(Punct::new(c, Spacing::Alone))
    }

    /// `::`
    pub(crate) fn colons(&mut self) -> &mut Tokens {
        self.push(Punct::new(':', Spacing::Joint)).punct(':')
    }

    /// `{krate}::{item}::{name}`
    pub(crate) fn path(&mut self, krate: &TokenTree, item: &str, name: &str) -> &mut Tokens {
        self.push(krate.clone())
            .colons()
            .ident(item)
            .colons()
            .ident(name)
    }

    /// `::core::option::Option::{variant}`, immune to shadowed prelude names.
    pub(crate) fn option_path(&mut self, variant: &str) -> &mut Tokens {
        self.colons()
            .ident("core")
            .colons()
            .ident("option")
            .colons()
            .ident("Option")
            .colons()
            .ident(variant)
    }

    pub(crate) fn group(&mut self, delimiter: Delimiter, inner: Tokens) -> &mut Tokens {
        self.push(Group::new(delimiter, inner.into()))
    }

    pub(crate) fn extend(&mut self, more: Tokens) -> &mut Tokens {
        self.0.extend(more.0);
        self
    }
}

impl From<Tokens> for TokenStream {
    fn from(tokens: Tokens) -> TokenStream {
        tokens.0.into_iter().collect()
    }
}

/// `{krate}::Scope { __resource: …, __selector: …, __value: … }`: a struct
/// literal of constants, which the compiler promotes to `'static` anywhere.
pub(crate) fn scope_value(
    krate: &TokenTree,
    resource: Resource,
    selector: Option<Selector>,
    value: &str,
) -> Tokens {
    let mut fields = Tokens::new();
    fields
        .ident("__resource")
        .punct(':')
        .path(krate, "Resource", resource.variant_name())
        .punct(',');
    fields.ident("__selector").punct(':');
    match selector {
        Some(selector) => {
            let mut inner = Tokens::new();
            inner.path(krate, "Selector", selector.variant_name());
            fields
                .option_path("Some")
                .group(Delimiter::Parenthesis, inner);
        }
        None => {
            fields.option_path("None");
        }
    }
    fields
        .punct(',')
        .ident("__value")
        .punct(':')
        .push(krate.clone())
        .colons()
        .ident("__private");
    match selector {
        Some(Selector::Id | Selector::Code) => {
            let mut inner = Tokens::new();
            inner.push(Literal::string(value));
            fields
                .colons()
                .ident("Value")
                .colons()
                .ident("Static")
                .group(Delimiter::Parenthesis, inner);
        }
        _ => {
            fields.colons().ident("Value").colons().ident("None");
        }
    }
    let mut out = Tokens::new();
    out.push(krate.clone())
        .colons()
        .ident("Scope")
        .group(Delimiter::Brace, fields);
    out
}

/// One checked scope, as the set macros write it: its form and its value (empty
/// for `market:all` and the API scopes).
pub(crate) struct ScopeParts<'a> {
    pub(crate) resource: Resource,
    pub(crate) selector: Option<Selector>,
    pub(crate) value: &'a str,
}

/// `market:all`: the placeholder set after an error.
pub(crate) const MARKET_ALL: ScopeParts<'static> = ScopeParts {
    resource: Resource::Market,
    selector: Some(Selector::All),
    value: "",
};

/// A checked set as a constant expression. Up to three scopes:
/// `{krate}::ScopeSet::__from_macroN(form, "value", …)`, a `const fn` call that
/// the compiler checks in less than half the time struct literals take. More:
/// `{krate}::ScopeSet::__from_macro(&[struct literals…])`, promoted to `'static`.
pub(crate) fn scope_set_value(krate: &TokenTree, scopes: &[ScopeParts]) -> Tokens {
    let mut args = Tokens::new();
    let name = match scopes.len() {
        1 => "__from_macro1",
        2 => "__from_macro2",
        3 => "__from_macro3",
        _ => {
            let mut items = Tokens::new();
            for (i, scope) in scopes.iter().enumerate() {
                if i > 0 {
                    items.punct(',');
                }
                items.extend(scope_value(
                    krate,
                    scope.resource,
                    scope.selector,
                    scope.value,
                ));
            }
            args.punct('&').group(Delimiter::Bracket, items);
            let mut out = Tokens::new();
            out.path(krate, "ScopeSet", "__from_macro")
                .group(Delimiter::Parenthesis, args);
            return out;
        }
    };
    for (i, scope) in scopes.iter().enumerate() {
        if i > 0 {
            args.punct(',');
        }
        // Every pair the grammar makes has a number; `market:all` stands in otherwise.
        let code = form_code(scope.resource, scope.selector).unwrap_or(2);
        args.push(Literal::u8_unsuffixed(code))
            .punct(',')
            .push(Literal::string(scope.value));
    }
    let mut out = Tokens::new();
    out.path(krate, "ScopeSet", name)
        .group(Delimiter::Parenthesis, args);
    out
}

/// `::core::compile_error!("message");`, every token spanning `span` so the error points there.
pub(crate) fn compile_error(message: &str, span: Span) -> Tokens {
    compile_error_between(message, span, span)
}

/// `::core::compile_error!("message");` pointing from `start` to `end`: the path
/// carries `start` and the rest `end`, so the compiler underlines everything
/// between (stable Rust cannot join spans).
pub(crate) fn compile_error_between(message: &str, start: Span, end: Span) -> Tokens {
    let mut message_literal = Literal::string(message);
    message_literal.set_span(end);
    let path: [TokenTree; 7] = [
        Punct::new(':', Spacing::Joint).into(),
        Punct::new(':', Spacing::Alone).into(),
        Ident::new("core", start).into(),
        Punct::new(':', Spacing::Joint).into(),
        Punct::new(':', Spacing::Alone).into(),
        Ident::new("compile_error", start).into(),
        Punct::new('!', Spacing::Alone).into(),
    ];
    let rest: [TokenTree; 2] = [
        Group::new(
            Delimiter::Parenthesis,
            TokenStream::from(TokenTree::from(message_literal)),
        )
        .into(),
        Punct::new(';', Spacing::Alone).into(),
    ];
    let mut out = Tokens::new();
    for (mut token, span) in path
        .into_iter()
        .map(|t| (t, start))
        .chain(rest.into_iter().map(|t| (t, end)))
    {
        token.set_span(span);
        out.push(token);
    }
    out
}

/// `{ compile_error!(…); placeholder }`: one error, and a value of the right
/// type so the user sees no follow-on type errors.
pub(crate) fn error_with_placeholder(error: Tokens, placeholder: Tokens) -> Tokens {
    let mut block = Tokens::new();
    block.extend(error).extend(placeholder);
    let mut out = Tokens::new();
    out.group(Delimiter::Brace, block);
    out
}
