#!/usr/bin/env python3
"""What feature `config` (`config_scopes!`) costs, in one run.

1. A clean build of a small service, with the feature off and on, one run each in a
   fresh target dir, dependencies fetched first: wall seconds and crates compiled.
   Two pairs: scope-core with `default-features = false, features = ["macros"]` (the
   feature's own cost, nothing else in the build) and with its default features (the
   client_credentials service of scripts/build_cost.sh). With the feature on, the
   service checks a small `config/storefronts.toml` with `config_scopes!`; off, it
   holds the same scopes as `scopes!` literals.

2. What checking a 1,000-line config file (250 storefronts: a table, a client id, a
   scope of two scopes, a blank line) adds to an incremental build of the crate that
   includes it: `src/main.rs` touched and `cargo build` run, in turn, for
     - `without-macro`: the same crate, the file only `include_str!`-ed;
     - `config-scopes`: `config_scopes!` over the file, `sales_channel` on every scope;
     - `literals`: the same 250 sets written as `sales_channel_scopes!` literals
       (what the constants alone cost rustc, without reading a file);
   `--runs` times each, medians of CPU time (user + system of cargo and rustc, the
   figure to compare on a shared machine) and wall time. Dev profile, as
   `cargo build` runs it (incremental compilation on).

    python3 scripts/config_cost.py [--runs 7] [--skip-clean]
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "scope-core"

SMALL_CONFIG = """[storefronts.europe]
client_id = "europe-client-id"
scope = "market:code:europe stock_location:code:eu_warehouse"

[storefronts.usa]
client_id = "usa-client-id"
scope = "market:code:usa stock_location:code:us_east"
"""

TOKEN_MAIN = """use scope_core::auth::{AuthClient, Credentials, ExposeSecret as _};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = std::env::var;
    println!("{} {}", EUROPE, USA);
    let client = AuthClient::builder().base_url(var("CL_AUTH_URL")?).build()?;
    let credentials = Credentials::integration(var("CL_CLIENT_ID")?, var("CL_CLIENT_SECRET")?, None);
    let token = client.request_token(&credentials).await?;
    println!("a token of {} bytes", token.access_token().expose_secret().len());
    Ok(())
}
"""

PLAIN_MAIN = """fn main() {
    println!("{} {}", EUROPE, USA);
}
"""

SCOPES_OFF = """use scope_core::SalesChannelScopes;
const EUROPE: SalesChannelScopes = scope_core::sales_channel_scopes!("market:code:europe stock_location:code:eu_warehouse");
const USA: SalesChannelScopes = scope_core::sales_channel_scopes!("market:code:usa stock_location:code:us_east");
"""

SCOPES_ON = """use scope_core::SalesChannelScopes;
scope_core::config_scopes! {
    mod storefronts = "config/storefronts.toml" { sales_channel = "storefronts.*.scope" }
}
const EUROPE: SalesChannelScopes = storefronts::STOREFRONTS_EUROPE_SCOPE;
const USA: SalesChannelScopes = storefronts::STOREFRONTS_USA_SCOPE;
"""


def crate(dir: Path, name: str, deps: str, main: str, config: str | None = None) -> None:
    (dir / "src").mkdir(parents=True)
    (dir / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
        f"[dependencies]\n{deps}\n[workspace]\n"
    )
    (dir / "src" / "main.rs").write_text(main)
    if config is not None:
        (dir / "config").mkdir()
        (dir / "config" / "storefronts.toml").write_text(config)
    shutil.copy(ROOT / "Cargo.lock", dir / "Cargo.lock")


def clean_builds(work: Path) -> None:
    tokio = 'tokio = { version = "1.40", features = ["rt", "macros"] }\n'
    services = []
    for label, off, on, main in [
        ('`default-features = false, features = ["macros"]`',
         'default-features = false, features = ["macros"]',
         'default-features = false, features = ["macros", "config"]', PLAIN_MAIN),
        ("default features (the token service)", "", 'features = ["config"]', TOKEN_MAIN),
    ]:
        for is_on in [False, True]:
            features = on if is_on else off
            name = f"service-{'min' if 'macros' in label else 'default'}-{'on' if is_on else 'off'}"
            deps = f'scope-core = {{ path = "{CORE}"{", " + features if features else ""} }}\n'
            if main is TOKEN_MAIN:
                deps += tokio
            crate(work / name, name, deps, (SCOPES_ON if is_on else SCOPES_OFF) + main,
                  SMALL_CONFIG if is_on else None)
            services.append((f"{label}, `config` {'on' if is_on else 'off'}", name))
    for _, name in services:
        subprocess.run(["cargo", "fetch", "--quiet"], cwd=work / name, check=True)
    print("| service | clean `cargo build`, wall | CPU (user + system) | crates compiled |")
    print("|---|---|---|---|")
    for label, name in services:
        target = work / f"target-{name}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run(
            ["cargo", "build", "--offline"], cwd=work / name, env=dict(os.environ, CARGO_TARGET_DIR=str(target)),
            capture_output=True, text=True,
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if out.returncode != 0:
            sys.exit(out.stderr)
        compiled = len(re.findall(r"^\s*Compiling ", out.stderr, re.M))
        print(f"| {label} | {seconds:.0f} s | {cpu:.0f} s | {compiled} |")
        shutil.rmtree(target, ignore_errors=True)
    print()


def big_config(count: int) -> str:
    lines = []
    for i in range(count):
        lines += [f"[storefronts.m{i}]", f'client_id = "client-{i}"',
                  f'scope = "market:code:m{i} stock_location:code:w{i}"', ""]
    return "\n".join(lines) + "\n"


def cpu_timed(cmd, cwd, env) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def incremental(work: Path, runs: int, count: int, optimized_macros: bool) -> None:
    config = big_config(count)
    deps = f'scope-core = {{ path = "{CORE}", default-features = false, features = ["config"] }}\n'
    mains = {
        "without-macro": 'const SOURCE: &str = include_str!("../config/storefronts.toml");\n'
                         'fn main() { println!("{}", SOURCE.len()); }\n',
        "config-scopes": 'scope_core::config_scopes! {\n    mod storefronts = "config/storefronts.toml" '
                         '{ sales_channel = "storefronts.*.scope" }\n}\n'
                         'fn main() { println!("{} {}", storefronts::SOURCE.len(), storefronts::ALL.len()); }\n',
        "literals": "".join(
            f'pub const M{i}: scope_core::SalesChannelScopes = scope_core::sales_channel_scopes!'
            f'("market:code:m{i} stock_location:code:w{i}");\n' for i in range(count))
            + 'const SOURCE: &str = include_str!("../config/storefronts.toml");\n'
              'fn main() { println!("{} {}", SOURCE.len(), M0); }\n',
    }
    (work / "incremental").mkdir()
    (work / "incremental" / "Cargo.toml").write_text(
        '[workspace]\nresolver = "3"\nmembers = ["without-macro", "config-scopes", "literals"]\n'
        + ('\n[profile.dev.build-override]\nopt-level = 3\n' if optimized_macros else ''))
    shutil.copy(ROOT / "Cargo.lock", work / "incremental" / "Cargo.lock")
    for name, main in mains.items():
        dir = work / "incremental" / name
        (dir / "src").mkdir(parents=True)
        (dir / "config").mkdir()
        (dir / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n{deps}')
        (dir / "src" / "main.rs").write_text(main)
        (dir / "config" / "storefronts.toml").write_text(config)
    env = dict(os.environ)
    env.pop("CARGO_TARGET_DIR", None)
    lines = config.count("\n")
    subprocess.run(["cargo", "build", "--quiet", "--offline", "--workspace"], cwd=work / "incremental", env=env, check=True)
    cpu = {name: [] for name in mains}
    wall = {name: [] for name in mains}
    for _ in range(runs):
        for name in mains:  # in turn, so drift in the machine's load hits each alike
            (work / "incremental" / name / "src" / "main.rs").touch()
            start = time.perf_counter()
            cpu[name].append(cpu_timed(["cargo", "build", "--quiet", "--offline", "-p", name], work / "incremental", env))
            wall[name].append(time.perf_counter() - start)
    print(f"Incremental `cargo build` after touching src/main.rs, a {lines}-line config file, "
          f"{count} scope values, median of {runs}"
          + (", proc macros built with opt-level 3:" if optimized_macros else ":"))
    print()
    print("| crate | CPU time | wall time |")
    print("|---|---|---|")
    base_cpu = statistics.median(cpu["without-macro"])
    base_wall = statistics.median(wall["without-macro"])
    for name in mains:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        extra = "" if name == "without-macro" else f" (+{(c - base_cpu) * 1000:.0f} ms)"
        extra_w = "" if name == "without-macro" else f" (+{(w - base_wall) * 1000:.0f} ms)"
        print(f"| {name} | {c * 1000:.0f} ms{extra} | {w * 1000:.0f} ms{extra_w} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--count", type=int, default=250, help="storefronts in the big config (4 lines each)")
    parser.add_argument("--skip-clean", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--optimized-macros", action="store_true",
                        help="build proc macros with opt-level 3 ([profile.dev.build-override])")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scope-config-cost-") as tmp:
        work = Path(tmp)
        if not args.skip_clean:
            clean_builds(work)
        if not args.skip_incremental:
            incremental(work, args.runs, args.count, args.optimized_macros)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
