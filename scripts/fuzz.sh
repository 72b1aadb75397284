#!/usr/bin/env bash
# fuzz.sh -- builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) into
# build-fuzz/ and runs each for a bounded time on a copy of its seed corpus
# (fuzz/corpus/<target>, never changed by a run), then prints the
# executions of each and in all.  A crash, a leak or a failed check stops
# the run with the input saved in build-fuzz/artifacts/ and exit 1.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default 60 s each, every target
#
# Each crash found becomes a regression test: put its input in the
# target's corpus folder, which every run replays first.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] ||
    TARGETS=(fuzz_csv fuzz_feed fuzz_gb18030 fuzz_avro fuzz_ident fuzz_state)
BUILD=build-fuzz

command -v clang >/dev/null || { echo "fuzz: needs clang (scripts/setup.sh --tests)" >&2; exit 1; }
CC=clang cmake -S . -B "$BUILD" -DCANBAO_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
mkdir -p "$BUILD/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total=0
status=0
for t in "${TARGETS[@]}"; do
    name=${t#fuzz_}
    work="$BUILD/corpus/$name"
    rm -rf "$work"
    mkdir -p "$work"
    cp fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
    log="$BUILD/$t.log"
    if "$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$BUILD/artifacts/$t-" \
        "$work" fuzz/corpus/"$name" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: $t: ${runs:-0} executions in ${SECONDS_EACH} s, clean" \
            "($(ls "$work" | wc -l) inputs in its corpus after)"
        total=$((total + ${runs:-0}))
    else
        echo "fuzz: $t: FAILED; the end of its log ($log):" >&2
        tail -n 40 "$log" >&2
        status=1
    fi
done
echo "fuzz: $total executions in all"
exit $status
