#!/usr/bin/env bash
# scripts/crash-loop.sh N: N cycles of load, kill -9 at a random moment, restart on
# the same store, and check that every event answered 2xx is stored (admin API) and
# that every status call it implies reaches the simulated marketplaces (hosted by the
# driver, so they outlive each daemon). Exits non-zero on any loss.
set -euo pipefail
cd "$(dirname "$0")/.."

cycles=${1:-100}
cargo build --release --bins >&2
pin=()
if [ "$(nproc)" -ge 2 ]; then
    pin=(taskset -c 1)
    daemon_cpu=0
else
    daemon_cpu=""
fi
exec "${pin[@]}" target/release/bench crash-loop --cycles "$cycles" \
    --daemon target/release/ordersync --daemon-cpu "$daemon_cpu" "${@:2}"
