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
    std::fs::write(dir.join("src/bin/renamed.rs"), source).unwrap();
    let out = support::cargo(&dir, "renamed", true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "market:code:europe | market:code:europe store:code:outlet_ny\n"
    );
}
