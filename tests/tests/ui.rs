//! Compile-time behaviour, checked with trybuild: what must compile (`ui/*/pass`)
//! and what must fail with exactly the committed message (`ui/*/fail/*.stderr`).
//! After changing a message on purpose: `TRYBUILD=overwrite cargo test -p scope-tests --test ui`,
//! then review the diff of the `.stderr` files.

use std::path::Path;

#[test]
fn ui() {
    copy_config_fixtures();
    let t = trybuild::TestCases::new();
    t.pass("ui/*/pass/*.rs");
    t.compile_fail("ui/*/fail/*.rs");
}

/// The `config_scopes!` cases read their files relative to the crate's root
/// (`CARGO_MANIFEST_DIR`), as users' crates do. trybuild builds each case in a
/// project of its own, `{target}/tests/trybuild/scope-tests`, so the fixtures are
/// copied there, under the same relative path they have in this package: a case's
/// `"ui/config/fixtures/…"` names the same file in both.
fn copy_config_fixtures() {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/config/fixtures");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let to = target.join("tests/trybuild/scope-tests/ui/config/fixtures");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
