#!/usr/bin/env bash
# The fleet figures of the README, in one run: token requests seen by the auth
# server for 1, 4, 16 and 64 processes with the Redis store and with a
# MemoryStore per process, the cold fleet's time to its first tokens; the same
# fleet on one Redis, behind Sentinel and on a Redis Cluster side by side, with
# the time from a primary's death until the fleet is back to one request per
# renewal; and the hot path of token() with either store. Needs redis-server
# and redis-cli (Debian's redis-server and redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p scope-examples --example fleet -- --measure "$@"
