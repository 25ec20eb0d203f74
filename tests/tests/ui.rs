//! Compile-time behaviour, checked with trybuild: what must compile (`ui/*/pass`)
//! and what must fail with exactly the committed message (`ui/*/fail/*.stderr`).
//! After changing a message on purpose: `TRYBUILD=overwrite cargo test -p scope-tests --test ui`,
//! then review the diff of the `.stderr` files.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/*/pass/*.rs");
    t.compile_fail("ui/*/fail/*.rs");
}
