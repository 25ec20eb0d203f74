//! `#[derive(Scoped)]`, as a pipeline: `ast` reads the item, `attr` reads the
//! `#[scope(…)]` attributes, `valid` checks every rule (the grammar's among
//! them) and yields a checked model, `expand` writes the code. Errors gather in
//! `errors`, so one build shows every fault at once.

mod ast;
mod attr;
mod case;
mod errors;
mod expand;
mod valid;

use proc_macro::TokenStream;

use errors::Errors;

/// Expands `#[derive(Scoped)]`.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let Some(item) = ast::parse(input, &mut errors) else {
        return errors.into_tokens();
    };
    let model = valid::check(&item, &mut errors);
    let mut out = errors.into_tokens();
    if let Some(model) = model {
        out.extend(expand::expand(&model));
    }
    out
}
