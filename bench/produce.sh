#!/usr/bin/env bash
# produce.sh -- benchmark: `canbao produce` of N household records (default
# 1,000,000) from CSV to the embedded broker on this machine; prints
# records/s, MB/s and what was confirmed delivered.  A figure, not a test.
#
#   bench/produce.sh [N] [BUILD_DIR]
#
# The CSV is generated once (valid IDs, by python3-stdnum) and cached in
# $CANBAO_BENCH_DIR (default /tmp/canbao-bench).  Runs three times and
# prints each run and the best.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${1:-1000000}
BUILD=${2:-build}
CANBAO=$PWD/$BUILD/cli/canbao
DIR=${CANBAO_BENCH_DIR:-/tmp/canbao-bench}
CSV=$DIR/household-$N.csv
mkdir -p "$DIR"

[ -x "$CANBAO" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
if [ ! -s "$CSV" ]; then
    echo "bench: writing $N household rows to $CSV"
    /usr/bin/python3 tests/integration/produce_data.py good "$((N - 1))" "$CSV"
fi
bytes=$(stat -c %s "$CSV")

. bench/bench_servers.sh
cb_bench_servers bench

best=0
for run in 1 2 3; do
    cb_start_broker >/dev/null # a fresh broker each run: memory only
    start=$(date +%s.%N)
    out=$("$CANBAO" produce household "$CSV" -q)
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    rate=$(echo "$N / $secs" | bc -l)
    printf 'bench: run %d: %d records in %.2f s = %.0f records/s, %.1f MB/s of CSV\n' \
        "$run" "$N" "$secs" "$rate" "$(echo "$bytes / $secs / 1000000" | bc -l)"
    echo "bench:   $out"
    case "$out" in *"produced $((N - 1)), rejected 1"*"not delivered 0"*) ;;
    *) cb_fail "not every record was delivered" ;;
    esac
    if [ "$(echo "$rate > $best" | bc -l)" = 1 ]; then best=$rate; fi
    cb_stop_servers
done
printf 'bench: best: %.0f records/s (goal 300,000), %s CSV rows of %.1f MB, %d cores\n' \
    "$best" "$N" "$(echo "$bytes / 1000000" | bc -l)" "$(nproc)"
