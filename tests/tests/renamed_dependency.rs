//! `scope!` and `scopes!` name the runtime crate through `$crate`, so they work
//! when a user renames the dependency (`cl = { package = "scope-core", … }`).

mod support;

#[test]
fn macros_work_through_a_renamed_dependency() {
    let dir = support::probe_crate("renamed-probe", "cl_scopes");
    let source = r#"
use cl_scopes::{Scope, ScopeSet};
const EUROPE: Scope = cl_scopes::scope!("market:code:europe");
static STOREFRONT: ScopeSet = cl_scopes::scopes!("market:code:europe store:code:outlet_ny");
fn main() {
    println!("{EUROPE} | {STOREFRONT}");
}
"#;
    assert_eq!(
        support::run_bin(&dir, "renamed", source),
        "market:code:europe | market:code:europe store:code:outlet_ny\n"
    );
}
