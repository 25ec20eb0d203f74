//! Building the output tokens: constants on success, one `compile_error!` and a
//! placeholder of the right type on failure.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::grammar::{Resource, Selector};

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

/// `{krate}::Scope::__from_macro(resource, selector, "value")`
pub(crate) fn scope_value(
    krate: &TokenTree,
    resource: Resource,
    selector: Option<Selector>,
    value: &str,
) -> Tokens {
    let mut args = Tokens::new();
    args.push(Literal::u8_suffixed(resource.code()))
        .punct(',')
        .push(Literal::u8_suffixed(Selector::code(selector)))
        .punct(',')
        .push(Literal::string(value));
    let mut out = Tokens::new();
    out.path(krate, "Scope", "__from_macro")
        .group(Delimiter::Parenthesis, args);
    out
}

/// `{ const SCOPES: &[{krate}::Scope] = &[scopes…]; {krate}::ScopeSet::__from_macro(SCOPES) }`
pub(crate) fn scope_set_value(krate: &TokenTree, scopes: Vec<Tokens>) -> Tokens {
    let mut items = Tokens::new();
    for (i, scope) in scopes.into_iter().enumerate() {
        if i > 0 {
            items.punct(',');
        }
        items.extend(scope);
    }
    let mut slice_type = Tokens::new();
    slice_type.push(krate.clone()).colons().ident("Scope");
    let mut block = Tokens::new();
    block
        .ident("const")
        .ident("SCOPES")
        .punct(':')
        .punct('&')
        .group(Delimiter::Bracket, slice_type)
        .punct('=')
        .punct('&')
        .group(Delimiter::Bracket, items)
        .punct(';');
    let mut arg = Tokens::new();
    arg.ident("SCOPES");
    block
        .path(krate, "ScopeSet", "__from_macro")
        .group(Delimiter::Parenthesis, arg);
    let mut out = Tokens::new();
    out.group(Delimiter::Brace, block);
    out
}

/// `::core::compile_error!("message")`, every token spanning `span` so the error points there.
pub(crate) fn compile_error(message: &str, span: Span) -> Tokens {
    let mut message_literal = Literal::string(message);
    message_literal.set_span(span);
    let tokens: Vec<TokenTree> = vec![
        Punct::new(':', Spacing::Joint).into(),
        Punct::new(':', Spacing::Alone).into(),
        Ident::new("core", span).into(),
        Punct::new(':', Spacing::Joint).into(),
        Punct::new(':', Spacing::Alone).into(),
        Ident::new("compile_error", span).into(),
        Punct::new('!', Spacing::Alone).into(),
        Group::new(
            Delimiter::Parenthesis,
            TokenStream::from(TokenTree::from(message_literal)),
        )
        .into(),
        Punct::new(';', Spacing::Alone).into(),
    ];
    let mut out = Tokens::new();
    for mut token in tokens {
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
