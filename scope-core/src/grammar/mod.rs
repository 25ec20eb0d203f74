//! The scope grammar, shared by the runtime parser and the proc macros.
//!
//! This folder is compiled twice: as `scope_core::grammar`, and inside
//! `scope-macros` through the symlink `scope-macros/src/grammar`. So the text a
//! build accepts is, by construction, the text `str::parse` accepts. Nothing
//! here may name items outside this folder, and nothing may need a dependency.

mod error;
mod form;
mod parse;
mod sales_channel;
mod set;
mod suggest;

pub use error::{ErrorKind, ScopeError};
pub use form::{Resource, Selector};
#[allow(unused_imports)] // `form_code` is for scope-macros, `form_of` for scope-core
pub(crate) use form::{form_code, form_of};
pub(crate) use parse::{Fault, Key, Parsed, parse_scope, parse_set_item, set_conflict};
pub(crate) use sales_channel::SalesChannelRule;
pub(crate) use set::{Conflict, SetScreen, check_set};
