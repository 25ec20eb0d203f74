//! The derive's errors: gathered while reading and checking the item, then
//! emitted together as `compile_error!`s, each spanning its cause.

use proc_macro::{Span, TokenStream};

use crate::expand::compile_error_between;

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

    /// One `::core::compile_error!` for each error, spanning its cause.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut out = TokenStream::new();
        for (message, start, end) in self.0 {
            out.extend(TokenStream::from(compile_error_between(
                &message, start, end,
            )));
        }
        out
    }
}
