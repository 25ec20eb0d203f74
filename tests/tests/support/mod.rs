//! Throwaway crates built by the cargo running the tests, for what trybuild cannot
//! express: many literals checked in one build, and a renamed dependency.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate in the test target dir that depends on scope-core (macros only) as `dependency_name`.
pub fn probe_crate(name: &str, dependency_name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let core = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scope-core")
        .canonicalize()
        .unwrap();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependency_name} = {{ package = \"scope-core\", path = {core:?}, default-features = false, features = [\"macros\"] }}\n\n\
         [workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    dir
}

/// `cargo build` (or `run`) of one binary of a probe crate, offline.
pub fn cargo(dir: &Path, bin: &str, run: bool) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .arg(if run { "run" } else { "build" })
        .args(["--quiet", "--offline", "--bin", bin])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}
