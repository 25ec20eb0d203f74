//! Throwaway crates built by the cargo running the tests, for what trybuild cannot
//! express: many literals checked in one build, and a renamed dependency.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate in the test target dir that depends on scope-core (macros only) as `dependency_name`.
#[allow(dead_code)] // Not every test crate that includes this module uses both.
pub fn probe_crate(name: &str, dependency_name: &str) -> PathBuf {
    probe_crate_with(name, dependency_name, &["macros"])
}

/// A crate in the test target dir that depends on scope-core, without its default
/// features and with `features`, as `dependency_name`. It starts from the
/// workspace's lockfile, so an offline build resolves to the crates already fetched.
pub fn probe_crate_with(name: &str, dependency_name: &str, features: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let core = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scope-core")
        .canonicalize()
        .unwrap();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependency_name} = {{ package = \"scope-core\", path = {core:?}, default-features = false, features = {features:?} }}\n\n\
         [workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let lockfile = dir.join("Cargo.lock");
    if !lockfile.exists() {
        let workspace_lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        std::fs::copy(workspace_lock, lockfile).unwrap();
    }
    dir
}

/// `cargo build` (or `run`) of one binary of a probe crate, offline.
fn cargo(dir: &Path, bin: &str, run: bool) -> Output {
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

/// Writes `source` as binary `bin` of the probe crate in `dir`, runs it and
/// returns what it printed; fails the test, showing the compiler's or the
/// program's errors, unless it builds and runs.
#[allow(dead_code)] // Not every test crate that includes this module runs a binary.
pub fn run_bin(dir: &Path, bin: &str, source: &str) -> String {
    std::fs::write(dir.join("src/bin").join(format!("{bin}.rs")), source).unwrap();
    let out = cargo(dir, bin, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes `source` as binary `bin` of the probe crate in `dir` and builds it;
/// fails the test if it builds, else returns the compiler's errors.
#[allow(dead_code)] // Not every test crate that includes this module expects a failed build.
pub fn build_errors(dir: &Path, bin: &str, source: &str) -> String {
    std::fs::write(dir.join("src/bin").join(format!("{bin}.rs")), source).unwrap();
    let out = cargo(dir, bin, false);
    assert!(!out.status.success(), "`{bin}` built, but it should not");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
