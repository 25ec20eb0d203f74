#!/usr/bin/env python3
"""What `scopes!` costs to compile, beside two baselines, in one run.

Builds three crates of 1000 constants each: plain string constants, `uuid::uuid!`
constants (const-evaluated) and `scope_core::scopes!` constants. Dependencies are
built first; then each crate alone is rebuilt several times, in turn, with
CARGO_INCREMENTAL=0, and the median is taken. CPU time (user + system of cargo
and rustc) is the figure to compare: wall-clock time, also printed, swings when
other work shares the machine. Also reports the clean build time of scope-macros.

    python3 scripts/compile_cost.py [--runs 5] [--count 1000]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def constant(kind: str, i: int) -> str:
    if kind == "strings":
        return f'pub const C{i}: &str = "market:code:m{i} stock_location:code:w{i}";'
    if kind == "uuid":
        return f'pub const C{i}: uuid::Uuid = uuid::uuid!("67e55044-10b1-426f-9247-bb680e{i:06x}");'
    return f'pub const C{i}: scope_core::ScopeSet = scope_core::scopes!("market:code:m{i} stock_location:code:w{i}");'


def write_workspace(dir: Path, count: int) -> None:
    (dir / "Cargo.toml").write_text('[workspace]\nresolver = "2"\nmembers = ["strings", "uuid", "scopes"]\n')
    deps = {
        "strings": "",
        "uuid": 'uuid = { version = "1", default-features = false }\n',
        "scopes": f'scope-core = {{ path = "{ROOT / "scope-core"}", default-features = false, features = ["macros"] }}\n',
    }
    for kind, dep in deps.items():
        (dir / kind / "src").mkdir(parents=True)
        (dir / kind / "Cargo.toml").write_text(
            f'[package]\nname = "cost-{kind}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n{dep}'
        )
        body = "\n".join(constant(kind, i) for i in range(count))
        (dir / kind / "src" / "lib.rs").write_text("#![allow(dead_code)]\n" + body + "\n")


def timed(cmd, cwd, env) -> float:
    """Wall-clock seconds of `cmd`."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cpu_timed(cmd, cwd, env) -> float:
    """CPU seconds (user + system) that `cmd` and its children (cargo, rustc) used:
    steadier than wall-clock time when other work shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    with tempfile.TemporaryDirectory(prefix="scope-compile-cost-") as tmp:
        dir = Path(tmp)
        write_workspace(dir, args.count)
        subprocess.run(["cargo", "build", "--quiet", "--workspace"], cwd=dir, env=env, check=True)
        kinds = ["strings", "uuid", "scopes"]
        wall = {kind: [] for kind in kinds}
        cpu = {kind: [] for kind in kinds}
        # Round-robin, so that drift in the machine's load hits every kind alike.
        for _ in range(args.runs):
            for kind in kinds:
                (dir / kind / "src" / "lib.rs").touch()
                cmd = ["cargo", "build", "--quiet", "-p", f"cost-{kind}"]
                start = time.perf_counter()
                cpu[kind].append(cpu_timed(cmd, dir, env))
                wall[kind].append(time.perf_counter() - start)
        for name, samples in [("CPU time", cpu), ("wall time", wall)]:
            medians = {kind: statistics.median(samples[kind]) for kind in kinds}
            print(f"{name}, median of {args.runs} builds of {args.count} constants: "
                  + ", ".join(f"{kind} {medians[kind] * 1000:.1f} ms" for kind in kinds))
            per = {k: (medians[k] - medians["strings"]) / args.count * 1e6 for k in ["uuid", "scopes"]}
            print(f"  per invocation over plain strings: uuid! {per['uuid']:.1f} µs, scopes! {per['scopes']:.1f} µs "
                  f"({per['scopes'] / per['uuid']:.2f}x uuid!; target at most 0.25x)")

        # The macro crate's own clean build, as every user pays it.
        target = dir / "macro-target"
        clean = []
        for _ in range(max(1, args.runs // 2)):
            shutil.rmtree(target, ignore_errors=True)
            clean.append(timed(["cargo", "build", "--quiet", "-p", "scope-macros", "--target-dir", str(target)], ROOT, env))
        print(f"scope-macros clean build: median {statistics.median(clean):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
