//! The issue's example, const use, structs of every shape, and what attributes may sit beside.
use scope_core::{ScopeSet, Scoped, ScopedEnum};

#[derive(Scoped, Clone, Copy, Debug)]
enum Storefront {
    #[scope("market:code:europe stock_location:code:eu_warehouse")]
    Europe,
    /// Other attributes and doc comments are left alone.
    #[allow(dead_code)]
    #[scope(r#"market:code:usa"#,)]
    Usa = 10,
}

#[derive(Scoped)]
#[scope("store:code:outlet_ny")]
pub struct Outlet {
    pub name: String,
}

#[derive(Scoped)]
#[scope("market:all")]
struct Unit;

#[derive(Scoped)]
#[scope("provisioning-api metrics-api")]
pub(crate) struct Tuple(#[allow(dead_code)] u8);

const EUROPE: &ScopeSet = Storefront::Europe.scopes();
static OUTLET: &ScopeSet = Outlet::SCOPES;

fn generic(config: impl Scoped) -> usize {
    config.scopes().len()
}

fn main() {
    let s: &'static ScopeSet = Storefront::Europe.scopes();
    assert_eq!(s, EUROPE);
    assert_eq!(Storefront::ALL.len(), 2);
    assert_eq!(<Storefront as ScopedEnum>::NAMES, ["Europe", "Usa"]);
    assert_eq!(generic(Storefront::Usa), 1);
    assert_eq!(generic(Outlet { name: String::new() }), OUTLET.len());
    assert_eq!(generic(Unit), 1);
    assert_eq!(generic(Tuple(0)), 2);
}
