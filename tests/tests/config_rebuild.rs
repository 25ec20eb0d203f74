//! `config_scopes!` and the `env_scopes!` family make cargo rebuild the crate that
//! uses them when the file they read, or the variable, changes: a probe crate is
//! built with cargo (offline, its own target dir), the file and the variable are
//! edited, and each build after an edit re-runs the macro (and a build after no
//! edit does not).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

mod support;

const VARIABLE: &str = "SCOPE_TESTS_REBUILD_PROBE_SCOPE";

const MAIN: &str = r#"
scope_core::config_scopes! {
    mod file = "config/scopes.toml";
}

fn main() {
    let from_env = scope_core::option_env_scopes!("SCOPE_TESTS_REBUILD_PROBE_SCOPE");
    println!("{} | {:?}", file::STOREFRONT_SCOPE, from_env.map(|s| s.to_string()));
}
"#;

struct Probe {
    dir: PathBuf,
}

impl Probe {
    fn new() -> Probe {
        let dir = support::probe_crate_with("config-rebuild-probe", "scope-core", &["config"]);
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(dir.join("src/bin/rebuild.rs"), MAIN).unwrap();
        Probe { dir }
    }

    /// Writes the config file, a little later than anything built so far (cargo
    /// compares modification times).
    fn write_config(&self, scope: &str) {
        std::thread::sleep(Duration::from_millis(1100));
        let text = format!("# The probe's scopes.\n[storefront]\nscope = \"{scope}\"\n");
        std::fs::write(self.dir.join("config/scopes.toml"), text).unwrap();
    }

    fn cargo(&self, command: &str, variable: Option<&str>) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut cmd = Command::new(cargo);
        cmd.args([command, "--offline", "--bin", "rebuild"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove(VARIABLE);
        if let Some(value) = variable {
            cmd.env(VARIABLE, value);
        }
        cmd.output().unwrap()
    }

    /// Builds and runs; what it printed, and whether the probe crate was compiled.
    fn run(&self, variable: Option<&str>) -> (String, bool) {
        let out = self.cargo("run", variable);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let compiled = stderr.contains("Compiling config-rebuild-probe");
        (String::from_utf8(out.stdout).unwrap(), compiled)
    }

    /// Builds, expecting errors; the compiler's output.
    fn errors(&self, variable: Option<&str>) -> String {
        let out = self.cargo("build", variable);
        assert!(!out.status.success(), "built, but it should not");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

#[test]
fn editing_the_file_or_the_variable_rebuilds() {
    let probe = Probe::new();
    probe.write_config("market:code:europe");
    let (printed, _) = probe.run(None);
    assert_eq!(printed, "market:code:europe | None\n");

    // Nothing changed: nothing is compiled.
    let (printed, compiled) = probe.run(None);
    assert!(!compiled, "rebuilt with nothing changed");
    assert_eq!(printed, "market:code:europe | None\n");

    // The file changed: the macro runs again and the constant follows.
    probe.write_config("market:code:usa stock_location:code:us_east");
    let (printed, compiled) = probe.run(None);
    assert!(compiled, "not rebuilt after the file changed");
    assert_eq!(
        printed,
        "market:code:usa stock_location:code:us_east | None\n"
    );

    // The variable set, then changed: rebuilt each time.
    let (printed, compiled) = probe.run(Some("market:all"));
    assert!(compiled, "not rebuilt after the variable was set");
    assert_eq!(
        printed,
        "market:code:usa stock_location:code:us_east | Some(\"market:all\")\n"
    );
    let (printed, compiled) = probe.run(Some("market:id:xYZkjABcde"));
    assert!(compiled, "not rebuilt after the variable changed");
    assert!(
        printed.ends_with("Some(\"market:id:xYZkjABcde\")\n"),
        "{printed}"
    );
    let (_, compiled) = probe.run(Some("market:id:xYZkjABcde"));
    assert!(!compiled, "rebuilt with the variable unchanged");

    // A bad scope in the file, then in the variable: the build fails, at the fault.
    probe.write_config("market:code:usa stock-location:code:us_east");
    let errors = probe.errors(None);
    assert!(
        errors.contains("did you mean `stock_location`?"),
        "{errors}"
    );
    assert!(
        errors.contains("--> config/scopes.toml:3:26 (`storefront.scope`)"),
        "{errors}"
    );
    assert!(
        errors.contains("3 | scope = \"market:code:usa stock-location:code:us_east\""),
        "{errors}"
    );

    probe.write_config("market:code:europe");
    let errors = probe.errors(Some("market:code:europe,market:code:usa"));
    assert!(
        errors.contains("found a comma between scopes at byte 18"),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "--> the environment variable `{VARIABLE}`, as this crate compiles"
        )),
        "{errors}"
    );
    let (printed, _) = probe.run(None);
    assert_eq!(printed, "market:code:europe | None\n");
}
