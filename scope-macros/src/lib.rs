//! The proc macros behind `scope_core::scope!`, `scope_core::scopes!`,
//! `scope_core::env_scopes!`, `scope_core::config_scopes!` and
//! `#[derive(Scoped)]`. Use them through `scope-core`, which re-exports them.
//!
//! The grammar is not copied here: `src/grammar` is a symlink to scope-core's
//! grammar folder, so the macros run the very code that `str::parse` runs. By
//! default the crate has no dependencies; a literal is read with `proc_macro`
//! alone. Feature `config` adds `toml`, for `config_scopes!`.
#![forbid(unsafe_code)]

extern crate proc_macro;

#[cfg(feature = "config")]
mod config;
mod derive;
mod env_scopes;
mod expand;
// Compiled from scope-core's source; the macros use only part of it.
#[allow(dead_code, unused_imports)]
mod grammar;
mod literal;
mod position;
mod sales_channel;
mod scope_literal;

use proc_macro::TokenStream;

/// `scope_core::scope!`: called as `scope_impl!($crate "literal")` by scope-core's `macro_rules!` shell.
#[doc(hidden)]
#[proc_macro]
pub fn scope_impl(input: TokenStream) -> TokenStream {
    scope_literal::scope(input)
}

/// `scope_core::scopes!`: called as `scopes_impl!($crate "literal")` by scope-core's `macro_rules!` shell.
#[doc(hidden)]
#[proc_macro]
pub fn scopes_impl(input: TokenStream) -> TokenStream {
    scope_literal::scopes(input)
}

/// `scope_core::sales_channel_scopes!`: called as `sales_channel_scopes_impl!($crate "literal")` by
/// scope-core's `macro_rules!` shell.
#[doc(hidden)]
#[proc_macro]
pub fn sales_channel_scopes_impl(input: TokenStream) -> TokenStream {
    sales_channel::sales_channel_scopes(input)
}

/// `scope_core::env_scopes!`: called as `env_scopes_impl!($crate "NAME")`.
#[doc(hidden)]
#[proc_macro]
pub fn env_scopes_impl(input: TokenStream) -> TokenStream {
    env_scopes::env_scopes(input, env_scopes::Mode::Set)
}

/// `scope_core::env_sales_channel_scopes!`: called as `env_sales_channel_scopes_impl!($crate "NAME")`.
#[doc(hidden)]
#[proc_macro]
pub fn env_sales_channel_scopes_impl(input: TokenStream) -> TokenStream {
    env_scopes::env_scopes(input, env_scopes::Mode::SalesChannel)
}

/// `scope_core::option_env_scopes!`: called as `option_env_scopes_impl!($crate "NAME")`.
#[doc(hidden)]
#[proc_macro]
pub fn option_env_scopes_impl(input: TokenStream) -> TokenStream {
    env_scopes::env_scopes(input, env_scopes::Mode::Optional)
}

/// `scope_core::config_scopes!` (feature `config`): called as
/// `config_scopes_impl!($crate pub mod name = "path" { … })`.
#[cfg(feature = "config")]
#[doc(hidden)]
#[proc_macro]
pub fn config_scopes_impl(input: TokenStream) -> TokenStream {
    config::config_scopes(input)
}

/// Derives `scope_core::Scoped` (and, for enums, `scope_core::ScopedEnum`): scopes
/// fixed in code and checked when the program compiles. See `scope_core::Scoped`
/// for the attributes and an example.
#[proc_macro_derive(Scoped, attributes(scope))]
pub fn derive_scoped(input: TokenStream) -> TokenStream {
    derive::derive(input)
}
