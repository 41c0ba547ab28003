#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ in turn, one libFuzzer process at a time (one
# core), each for SECONDS (default 60), starting from its committed seeds, and prints a
# table: target, executions (libFuzzer's final stat::number_of_executed_units), exec/s,
# coverage, corpus size, crashes. Exits non-zero if any target crashed.
#
#   scripts/fuzz.sh [seconds-per-target]
#
# Environment:
#   FUZZ_RUNS=N         also stop a target after N executions (whichever limit comes first)
#   FUZZ_TARGETS="a b"  run only these targets (default: all, from `cargo fuzz list`)
#   FUZZ_SANITIZER=s    cargo-fuzz sanitizer (default none: see FUZZING.md)
#
# Kept corpora grow in fuzz/corpus/<target> (gitignored); crash inputs land in
# fuzz/artifacts/<target>/ and each run's libFuzzer log in fuzz/artifacts/<target>/last-run.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [seconds-per-target]  (a positive integer, got '$seconds')" >&2
    exit 2
fi
runs="${FUZZ_RUNS:-}"
if [[ -n "$runs" && ! "$runs" =~ ^[1-9][0-9]*$ ]]; then
    echo "FUZZ_RUNS must be a positive integer, got '$runs'" >&2
    exit 2
fi
sanitizer="${FUZZ_SANITIZER:-none}"

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

# Debug assertions and overflow checks on (cargo-fuzz's default, spelt out so that the
# build and the runs agree and nothing is rebuilt between targets).
flags=(--sanitizer "$sanitizer" --debug-assertions)
cargo +nightly fuzz build "${flags[@]}"

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

dict_for() {
    case "$1" in
        standard_*) echo fuzz/dicts/standard.dict ;;
        canonical_event) echo fuzz/dicts/canonical.dict ;;
        shopify_*) echo fuzz/dicts/shopify.dict ;;
        woocommerce_*) echo fuzz/dicts/woocommerce.dict ;;
        youcan_*) echo fuzz/dicts/youcan.dict ;;
        *) echo "" ;;
    esac
}

count_artifacts() {
    find "fuzz/artifacts/$1" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l
}

rows=()
failed=()
started=$(date +%s)
for target in "${targets[@]}"; do
    if [[ ! -d "fuzz/seeds/$target" ]]; then
        echo "no seeds for $target (fuzz/seeds/$target)" >&2
        exit 2
    fi
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    log="fuzz/artifacts/$target/last-run.log"
    before=$(count_artifacts "$target")
    # cargo-fuzz itself points -artifact_prefix at fuzz/artifacts/<target>/.
    args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048)
    [[ -n "$runs" ]] && args+=(-runs="$runs")
    dict=$(dict_for "$target")
    [[ -n "$dict" ]] && args+=(-dict="$dict")
    echo "== $target: ${seconds}s${runs:+ or $runs runs}, log in $log" >&2
    status=0
    cargo +nightly fuzz run "${flags[@]}" "$target" \
        "fuzz/corpus/$target" "fuzz/seeds/$target" -- "${args[@]}" >"$log" 2>&1 || status=$?

    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*$' || true)
    units=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' <<<"$last" | sed 's/corp: //' || true)
    files=$(find "fuzz/corpus/$target" -maxdepth 1 -type f | wc -l)
    crashes=$(( $(count_artifacts "$target") - before ))
    if [[ $status -ne 0 || $crashes -gt 0 ]]; then
        failed+=("$target")
        (( crashes == 0 )) && crashes="exit $status"
        echo "!! $target failed; the last lines of $log:" >&2
        tail -n 30 "$log" >&2
    fi
    rows+=("$target|${execs:-?}|${rate:-?}|${cov:-?}|${units:-?}|$files|$crashes")
done

echo
printf '%-28s %12s %8s %6s %16s %8s %8s\n' target executions exec/s cov 'corpus(units/b)' files crashes
for row in "${rows[@]}"; do
    IFS='|' read -r t e r c u f x <<<"$row"
    printf '%-28s %12s %8s %6s %16s %8s %8s\n' "$t" "$e" "$r" "$c" "$u" "$f" "$x"
done
echo "total wall time: $(( $(date +%s) - started )) s"

if (( ${#failed[@]} > 0 )); then
    echo "CRASHED: ${failed[*]} (inputs in fuzz/artifacts/<target>/; reproduce with" \
        "cargo +nightly fuzz run --sanitizer $sanitizer --debug-assertions <target> <input>)" >&2
    exit 1
fi
