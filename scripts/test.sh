#!/usr/bin/env bash
# The README's test command: every test of the workspace, on a fresh machine too.
# The Redis token store's tests start their own servers on 127.0.0.1 (plain and TLS,
# Sentinel with `redis-server --sentinel`, a cluster built by `redis-cli --cluster
# create`), so redis-server and redis-tools (Debian's packages) are installed when
# missing; nothing else is needed beyond cargo (the TLS certificates are made by the
# tests themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "== installing redis-server and redis-tools (Debian's packages), needed by the Redis store's tests"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y redis-server redis-tools
fi
if ! redis-server --version | grep -q "v=[7-9]"; then
    echo "redis-server 7 or later is needed (sharded pub/sub, ACL channel rules): $(redis-server --version)" >&2
    exit 1
fi

cargo test --workspace --all-features "$@"
