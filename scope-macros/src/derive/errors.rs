//! The derive's errors: gathered while reading and checking the item, then
//! emitted together as `compile_error!`s, each spanning its cause.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Every error found so far, with the first and last span of its cause.
pub(crate) struct Errors(Vec<(String, Span, Span)>);

impl Errors {
    pub(crate) fn new() -> Errors {
        Errors(Vec::new())
    }

    /// An error at one token.
    pub(crate) fn at(&mut self, span: Span, message: impl Into<String>) {
        self.0.push((message.into(), span, span));
    }

    /// An error spanning the tokens from `start` to `end`.
    pub(crate) fn between(&mut self, start: Span, end: Span, message: impl Into<String>) {
        self.0.push((message.into(), start, end));
    }

    /// `::core::compile_error! { "…" }` for each error. The path starts at the
    /// first span and the braces carry the last, so the compiler underlines
    /// everything between (stable Rust cannot join spans).
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut out = TokenStream::new();
        for (message, start, end) in self.0 {
            let mut message = Literal::string(&message);
            message.set_span(end);
            let mut body = Group::new(Delimiter::Brace, TokenTree::from(message).into());
            body.set_span(end);
            let tokens: [TokenTree; 7] = [
                joint(':', start),
                alone(':', start),
                Ident::new("core", start).into(),
                joint(':', start),
                alone(':', start),
                Ident::new("compile_error", start).into(),
                alone('!', start),
            ];
            out.extend(tokens);
            out.extend([TokenTree::from(body)]);
        }
        out
    }
}

fn joint(c: char, span: Span) -> TokenTree {
    let mut punct = Punct::new(c, Spacing::Joint);
    punct.set_span(span);
    punct.into()
}

fn alone(c: char, span: Span) -> TokenTree {
    let mut punct = Punct::new(c, Spacing::Alone);
    punct.set_span(span);
    punct.into()
}
