//! Commerce Layer access-token scopes that cannot be wrong.
//!
//! A scope string such as `market:id:xYZkjABcde stock_location:code:eu_warehouse`
//! decides what an access token can reach. This crate checks scope text against
//! the grammar, when the program compiles ([`scope!`], [`scopes!`]) or when it
//! runs ([`str::parse`]), and turns it into typed values: [`Scope`] and
//! [`ScopeSet`]. A bad scope gets an error that points at the fault and says how
//! to fix it.
//!
//! ```
//! use scope_core::{scopes, ErrorKind, ScopeSet};
//!
//! // Checked when the program compiles; a typo is a build error.
//! const STOREFRONT: ScopeSet = scopes!("market:code:europe stock_location:code:eu_warehouse");
//! assert_eq!(STOREFRONT.stock_locations().count(), 1);
//!
//! // Checked when the program runs, with the same grammar.
//! let err = "market:code:europe,stock_location:code:eu_warehouse".parse::<ScopeSet>().unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::WrongSeparator);
//! assert!(err.to_string().contains("single space"));
//! ```
//!
//! # Features
//!
//! - `macros` (default): [`scope!`], [`scopes!`], `sales_channel_scopes!`, `#[derive(Scoped)]`, and
//!   `env_scopes!`, `env_sales_channel_scopes!` and `option_env_scopes!` (scopes in an environment
//!   variable as the program compiles).
//! - `config`: `config_scopes!`, the scopes in the crate's config files (TOML, `.env`) checked
//!   when it compiles, as typed constants.
//! - `serde`: `Serialize` and `Deserialize` for [`Scope`] and [`ScopeSet`], as text.
//! - `auth` (default): `auth`, the async `client_credentials` token client (reqwest, rustls),
//!   the single-flight token cache (`auth::TokenSource`), token claims and revocation.
//! - `blocking`: `auth::blocking`, the same client (with `auth::blocking::TokenSource`,
//!   `auth::blocking::CustomerSessions` and `auth::blocking::Verifier`) for synchronous programs.
//! - `verify`: `auth::Verifier`, RS512 signature checks against the auth server's JWKS.
//! - `redis`: `auth::RedisStore`, tokens shared by a fleet with a fleet-wide single flight,
//!   on one server, behind Sentinel or on a cluster, over TLS, as an ACL user.
//! - `middleware`, `tower`: `auth::outgoing`, the token on outgoing requests, one retry after a 401.
//! - `tracing` (default): spans and events, never a secret.
//! - `aws-lc-rs` (default) or `ring`: the crypto backend of rustls and of the crate's own checks.
//!
//! With `default-features = false` the grammar and the types have no dependencies.
#![forbid(unsafe_code)]
// docs.rs badges on everything behind a feature (`--cfg docsrs`, nightly rustdoc).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
mod config;
mod grammar;
mod sales_channel;
mod scope;
mod scope_list;
mod scope_set;
mod scoped;
#[cfg(feature = "serde")]
mod serde_impls;
mod value;

pub use grammar::{ErrorKind, Resource, ScopeError, Selector};
pub use sales_channel::SalesChannelScopes;
pub use scope::Scope;
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use scope_macros::Scoped;
pub use scope_set::ScopeSet;
pub use scoped::{Scoped, ScopedEnum};

/// Not public API: what the macros expand to.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "macros")]
    pub use crate::scoped::__derive::*;
    pub use crate::value::Value;
    #[cfg(feature = "config")]
    pub use scope_macros::config_scopes_impl;
    #[cfg(feature = "macros")]
    pub use scope_macros::sales_channel_scopes_impl;
    #[cfg(feature = "macros")]
    pub use scope_macros::{
        env_sales_channel_scopes_impl, env_scopes_impl, option_env_scopes_impl, scope_impl,
        scopes_impl,
    };
}

/// A [`Scope`] checked when the program compiles: a constant, with no run-time cost.
///
/// The literal follows the grammar of [`Scope`], exactly as `str::parse` does.
/// A bad literal fails the build with one error that repeats the text with a
/// caret line under the fault and suggests the fix.
///
/// ```
/// use scope_core::{scope, Scope};
///
/// const EUROPE: Scope = scope!("market:code:europe");
/// static WAREHOUSE: Scope = scope!(r"stock_location:code:eu_warehouse");
/// assert_eq!(EUROPE.value(), Some("europe"));
/// assert_eq!(WAREHOUSE.to_string(), "stock_location:code:eu_warehouse");
/// ```
///
/// ```compile_fail
/// let scope = scope_core::scope!("markets:code:europe"); // did you mean `market`?
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! scope {
    ($($literal:tt)*) => {
        $crate::__private::scope_impl!($crate $($literal)*)
    };
}

/// A [`ScopeSet`] checked when the program compiles. It is a constant expression, so nothing is parsed or checked at run time.
///
/// The literal holds one or more scopes separated by single spaces and follows
/// the rules of [`ScopeSet`], exactly as `str::parse` does. A bad literal fails
/// the build with one error that repeats the text with a caret line under the
/// fault and suggests the fix.
///
/// ```
/// use scope_core::{scopes, ScopeSet};
///
/// const STOREFRONT: ScopeSet = scopes!("market:id:xYZkjABcde stock_location:code:eu_warehouse");
/// assert_eq!(STOREFRONT.len(), 2);
/// assert_eq!(STOREFRONT.to_string(), "market:id:xYZkjABcde stock_location:code:eu_warehouse");
/// ```
///
/// ```compile_fail
/// let set = scope_core::scopes!("market:code:europe, market:code:usa"); // use a space
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! scopes {
    ($($literal:tt)*) => {
        $crate::__private::scopes_impl!($crate $($literal)*)
    };
}

// The README's examples run as doctests, so the tour cannot drift from the API.
#[cfg(all(doctest, feature = "macros", feature = "auth"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
