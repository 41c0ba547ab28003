#!/usr/bin/env bash
# Checks systemd/ordersync.service without installing anything and without a running
# systemd (CI containers have none):
#  1. `systemd-analyze verify` in a throwaway root. verify insists that ExecStart's
#     binary exists, at /usr/local/bin/ordersync; the root gets a copy of the built
#     binary there, the unit, and the host's stock units (the targets ours names), so
#     the real unit file is checked unmodified. Any output (unknown keys, bad values
#     are only warnings to systemd) fails the check.
#  2. `systemd-analyze security --offline=yes`: the exposure score, which must stay at
#     or below the threshold (it is 1.2 with systemd 252).
# Usage: systemd/verify.sh [path/to/ordersync]   (default: target/debug/ordersync)
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-target/debug/ordersync}
# On systemd's internal 0-100 scale: 20 is an exposure of 2.0.
threshold=20
if [ ! -x "$binary" ]; then
    echo "$binary is not built (cargo build first, or pass the binary's path)" >&2
    exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
install -m 0755 "$binary" "$root/usr/local/bin/ordersync"
install -m 0644 systemd/ordersync.service "$root/etc/systemd/system/"

if ! output=$(systemd-analyze verify --root="$root" ordersync.service 2>&1) \
    || [ -n "$output" ]; then
    echo "systemd-analyze verify: systemd/ordersync.service has problems:" >&2
    echo "$output" >&2
    exit 1
fi
echo "systemd-analyze verify: systemd/ordersync.service OK"

if ! score=$(systemd-analyze security --offline=yes --threshold="$threshold" \
    --no-pager systemd/ordersync.service 2>&1); then
    echo "$score" >&2
    echo "systemd-analyze security: exposure above $threshold/10" >&2
    exit 1
fi
echo "$score" | grep "Overall exposure level"
