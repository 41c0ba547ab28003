#!/usr/bin/env bash
# The benchmark suite in one invocation on this machine: builds the release binaries,
# runs every measurement with the daemon pinned to CPU 0 and the load generator (and
# the simulated marketplaces it hosts) pinned to CPU 1, prints the table and writes it
# into BENCHMARKS.md between the "measured" markers (the rest of the file is prose).
#
#   scripts/bench.sh           full run (about 10 minutes)
#   QUICK=1 scripts/bench.sh   a smoke run with small counts (does not touch BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=${QUICK:-0}
if [ "$(nproc)" -lt 2 ]; then
    echo "bench.sh needs two CPUs (daemon and generator each get one)" >&2
    exit 2
fi
cargo build --release --bins >&2

args=(--daemon target/release/ordersync --daemon-cpu 0)
if [ "$quick" = 1 ]; then
    args+=(--seconds 3 --events 5000 --orders 20000 --tasks 10000 --soak 0)
fi
# The million-order store takes a few GiB; on a nearly full disk it goes to tmpfs
# (sizes and RSS are the same there; only fsync latency would differ, and that run
# does not measure it).
tmp_free_kib=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR==2 {print $4}')
big_note="store folders in ${TMPDIR:-/tmp}"
if [ "$quick" != 1 ] && [ "$tmp_free_kib" -lt $((8 * 1024 * 1024)) ] && [ -d /dev/shm ]; then
    args+=(--big /dev/shm)
    big_note="store folders in ${TMPDIR:-/tmp}; the million-order store in /dev/shm (only $((tmp_free_kib / 1024)) MiB free on disk)"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
taskset -c 1 target/release/bench suite "${args[@]}" --out "$out" > /dev/null
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

section=$(mktemp)
{
    echo "Measured $started by \`scripts/bench.sh\`$([ "$quick" = 1 ] && echo " (QUICK=1)")."
    echo
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r)"
    echo "- load average before / after: $load_before / $load_after (the machine is shared with other builds: expect noise)"
    echo "- command: \`taskset -c 1 target/release/bench suite ${args[*]}\`; daemon \`taskset -c 0 target/release/ordersync serve -c <generated config>\`"
    echo "- $big_note"
    echo
    cat "$out"
} > "$section"
cat "$section"

if [ "$quick" != 1 ]; then
    if ! grep -q '<!-- measured:begin -->' BENCHMARKS.md 2>/dev/null; then
        printf '# Benchmarks\n\n<!-- measured:begin -->\n<!-- measured:end -->\n' >> BENCHMARKS.md
    fi
    awk -v section="$section" '
        /<!-- measured:begin -->/ { print; while ((getline line < section) > 0) print line; skip = 1; next }
        /<!-- measured:end -->/ { skip = 0 }
        !skip { print }
    ' BENCHMARKS.md > BENCHMARKS.md.new
    mv BENCHMARKS.md.new BENCHMARKS.md
    echo "BENCHMARKS.md updated" >&2
fi
rm -f "$section"
