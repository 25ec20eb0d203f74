//! A literal handed on by another macro (`$text:expr`, `$text:literal`) still works.
use scope_core::{ScopeSet, scopes};

macro_rules! from_expr {
    ($text:expr) => {
        scopes!($text)
    };
}

macro_rules! from_literal {
    ($text:literal) => {
        scope_core::scope!($text)
    };
}

const A: ScopeSet = from_expr!("market:code:europe");

fn main() {
    assert_eq!(A.len(), 1);
    assert_eq!(from_literal!("market:all").to_string(), "market:all");
}
