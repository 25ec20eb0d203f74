#!/usr/bin/env bash
# The README's test command: every test of the workspace, on a fresh machine too.
# The Redis token store's tests start their own redis-server on 127.0.0.1, so it is
# installed (Debian's package) when missing; nothing else is needed beyond cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null; then
    echo "== installing redis-server (Debian's package), needed by the Redis store's tests"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y redis-server
fi

cargo test --workspace --all-features "$@"
