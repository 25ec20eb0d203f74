//! Scopes from outside the source, checked when the program compiles: the
//! crate's config files (`config_scopes!`, feature `config`) and the build's
//! environment (`env_scopes!`, `env_sales_channel_scopes!`, `option_env_scopes!`).
//! The macros are exported at the crate's root; this module holds only them.

/// The scopes of a config file of the crate, checked when the crate compiles,
/// as a module of typed constants.
///
/// A config file that ships with the code (`config/storefronts.toml`, `.env`) is
/// where a service keeps its scopes, and a bad one there builds fine and fails
/// when the service starts. This macro reads the file as the crate compiles,
/// checks every scope value in it with the grammar `str::parse` runs (and the
/// sales-channel rule where a value is a sales channel's), and fails the build on
/// a bad one with `scopes!`'s message, the file's path, line and column, and the
/// line with a caret under the fault. Cargo rebuilds the crate when the file
/// changes.
///
/// ```
/// use scope_core::{SalesChannelScopes, ScopeSet};
///
/// scope_core::config_scopes! {
///     /// The scopes of the storefronts and the back office.
///     pub mod storefronts = "config/storefronts.toml" {
///         sales_channel = ["storefronts.*.scope"],
///     }
/// }
///
/// // A constant per scope value, named after its key path.
/// const EUROPE: SalesChannelScopes = storefronts::STOREFRONTS_EUROPE_SCOPE;
/// const BACK_OFFICE: ScopeSet = storefronts::BACK_OFFICE_SCOPES;
/// assert_eq!(EUROPE.to_string(), "market:code:europe stock_location:code:eu_warehouse");
/// assert_eq!(BACK_OFFICE.to_string(), "market:all");
///
/// // Every value by key path, the file's path and its text.
/// assert_eq!(storefronts::ALL.len(), 3);
/// assert_eq!(storefronts::get("storefronts.usa.scope").unwrap().len(), 2);
/// assert_eq!(storefronts::PATH, "config/storefronts.toml");
/// assert!(storefronts::SOURCE.contains("[storefronts.usa]"));
/// ```
///
/// A `.env` file, the same way (`CL_SCOPE` is a scope value by its name):
///
/// ```
/// scope_core::config_scopes! {
///     mod deploy = "config/storefront.env" { sales_channel = "CL_SCOPE" }
/// }
/// assert_eq!(deploy::CL_SCOPE.to_string(), "market:code:europe stock_location:code:eu_warehouse");
/// ```
///
/// # The input
///
/// One or more `mod` items: attributes (doc comments) and a visibility, as on any
/// module, then `mod NAME = "PATH"`, then either `;` or options in braces:
///
/// - `keys = ["…", …]`: which values hold scopes. By default, in TOML, the values
///   of keys named `scope` or `scopes` at any depth; in a `.env` file, variables
///   named `SCOPE`, `SCOPES`, `…_SCOPE` or `…_SCOPES` (`CL_SCOPE`). Given, the
///   patterns replace the default. A pattern is a key path (`back_office.token_scope`);
///   `*` in a key matches any characters (`*_scope`), a key `**` any number of keys
///   (`**.scope` is the default); quote keys that hold `.`, `*` or `"`
///   (`storefronts."eu.west".scope`). Array elements are matched by their array's
///   key (`storefront.scope` names the `scope` of every `[[storefront]]`).
/// - `sales_channel = ["…", …]`: which of the scope values are a sales channel's:
///   each is checked with the sales-channel rule and becomes a
///   [`SalesChannelScopes`](crate::SalesChannelScopes).
/// - `format = "toml"` or `"dotenv"`, for a file whose name does not say
///   (`….toml`; `.env`, `.env.…`, `….env`).
///
/// The path is relative to the crate's root (the folder of its `Cargo.toml`,
/// `CARGO_MANIFEST_DIR`), whichever source file the macro is in: the path a service
/// run with `cargo run` opens too.
///
/// # Scope values
///
/// A string holds a set: scopes separated by single spaces, as
/// [`ScopeSet`](crate::ScopeSet)'s text. An array of strings is one set, one scope
/// per string (read it at run time as `Vec<Scope>`, and
/// [`ScopeSet::from_scopes`](crate::ScopeSet::from_scopes)). A table under a scope
/// key holds more scope values (`[scopes]` with `europe = "…"`), and so does an array
/// of tables or of arrays. Any other value under a scope key is an error.
///
/// # The module
///
/// - `PATH: &str`, the path as given; `SOURCE: &str`, the file's text as checked
///   (`include_str!`), for a program that reads its config from the binary.
/// - A constant per scope value, named after its key path in upper case, other
///   characters `_` (`storefronts.new-york.scope` is `STOREFRONTS_NEW_YORK_SCOPE`,
///   `storefront[0].scope` is `STOREFRONT_0_SCOPE`): a [`ScopeSet`](crate::ScopeSet),
///   or a [`SalesChannelScopes`](crate::SalesChannelScopes). Two key paths that make
///   the same name are an error.
/// - `ALL: &[(&str, &ScopeSet)]`, every scope value by key path in the file's order,
///   and `get(key_path)`.
///
/// Nothing stops the program from reading the same file with serde at run time:
/// once the build passed, that cannot fail on a scope.
///
/// # Errors
///
/// Each fault is its own error: a scope the grammar refuses, a value under a scope
/// key that is not a string or an array of strings, two key paths with one constant
/// name; and the build fails when the file is missing, is not UTF-8, or is not
/// valid TOML (with the parser's position), when it holds no scope value (a wrong
/// path or key must not pass silently), and when a pattern names nothing.
///
/// With `stock-location` written for `stock_location` in the file above:
///
/// ```text
/// error: invalid scope: unknown resource `stock-location` after a space; ids and codes cannot contain spaces, and each scope starts with a resource; expected `market`, `store`, `stock_location`, `provisioning-api` or `metrics-api`; did you mean `stock_location`?
///
///          --> config/storefronts.toml:10:26 (`storefronts.usa.scope`)
///           |
///        10 | scope = "market:code:usa stock-location:code:us_east"
///           |                          ^^^^^^^^^^^^^^
///  --> src/main.rs:3:27
///   |
/// 3 |     pub mod storefronts = "config/storefronts.toml" {
///   |                           ^^^^^^^^^^^^^^^^^^^^^^^^^
/// ```
///
/// In a basic TOML string the caret is placed through the escapes; the few values
/// whose escapes it cannot map get the caret under the whole string, and the
/// message says so. The file is TOML as the `toml` crate 1.x reads it (TOML 1.1);
/// a `.env` file is read line by line: `NAME=value` or `export NAME=value`, the
/// value unquoted (to the end of the line, or to the spaces before a `#` comment),
/// in single quotes (as written) or in double quotes (escapes `\\`, `\"`, `\'`,
/// `\$`, `\n`, `\r`, `\t`), with no `$VAR` expansion; a line it cannot read, a
/// quote that does not end on its line, or a name set twice is an error.
///
/// ```compile_fail
/// scope_core::config_scopes! {
///     mod missing = "config/no-such-file.toml";
/// }
/// ```
#[cfg(feature = "config")]
#[cfg_attr(docsrs, doc(cfg(feature = "config")))]
#[macro_export]
macro_rules! config_scopes {
    ($($input:tt)*) => {
        $crate::__private::config_scopes_impl!($crate $($input)*);
    };
}

/// A [`ScopeSet`](crate::ScopeSet) from an environment variable as the program
/// compiles (`CL_SCOPE` set in CI), checked like a [`scopes!`](crate::scopes)
/// literal.
///
/// The build fails when the variable is not set, or holds a bad scope (the message
/// shows its value with a caret under the fault). Cargo rebuilds the crate when the
/// variable's value changes. Use [`option_env_scopes!`](crate::option_env_scopes)
/// where the variable may be unset.
///
/// ```ignore
/// // Built with `CL_SCOPE="market:code:europe"` set (the doctests have no such variable;
/// // tests/tests/config_rebuild.rs builds this for real):
/// const FROM_CI: scope_core::ScopeSet = scope_core::env_scopes!("CL_SCOPE");
/// assert_eq!(FROM_CI.to_string(), "market:code:europe");
/// ```
///
/// ```compile_fail
/// // Not set while the doctests compile.
/// let scopes = scope_core::env_scopes!("SCOPE_CORE_DOCS_UNSET_VARIABLE");
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! env_scopes {
    ($($name:tt)*) => {
        $crate::__private::env_scopes_impl!($crate $($name)*)
    };
}

/// A [`SalesChannelScopes`](crate::SalesChannelScopes) from an environment variable
/// as the program compiles, checked like a
/// [`sales_channel_scopes!`](crate::sales_channel_scopes) literal.
///
/// ```ignore
/// // Built with `CL_SCOPE="market:code:europe"` set:
/// const STOREFRONT: scope_core::SalesChannelScopes = scope_core::env_sales_channel_scopes!("CL_SCOPE");
/// assert!(STOREFRONT.has_market_or_store());
/// ```
///
/// ```compile_fail
/// let scopes = scope_core::env_sales_channel_scopes!("SCOPE_CORE_DOCS_UNSET_VARIABLE");
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! env_sales_channel_scopes {
    ($($name:tt)*) => {
        $crate::__private::env_sales_channel_scopes_impl!($crate $($name)*)
    };
}

/// An `Option<ScopeSet>` from an environment variable as the program compiles:
/// `None` when it is not set, the scopes checked like a [`scopes!`](crate::scopes)
/// literal when it is.
///
/// ```
/// use scope_core::{option_env_scopes, ScopeSet};
///
/// // Not set while the doctests compile.
/// const FROM_CI: Option<ScopeSet> = option_env_scopes!("SCOPE_CORE_DOCS_UNSET_VARIABLE");
/// assert_eq!(FROM_CI, None);
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! option_env_scopes {
    ($($name:tt)*) => {
        $crate::__private::option_env_scopes_impl!($crate $($name)*)
    };
}
