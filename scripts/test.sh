#!/usr/bin/env bash
# test.sh -- installs what is missing, builds, and runs the whole test suite
# twice: a normal build, then one under AddressSanitizer and
# UndefinedBehaviorSanitizer.  Each integration test starts and stops its own
# redis-server and embedded broker on free loopback ports.
#
#   scripts/test.sh               everything
#   scripts/test.sh -L unit       only tests with that ctest label
#   CANBAO_NO_ASAN=1 scripts/test.sh   skip the sanitizer pass
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh

JOBS=$(nproc)
status=0

run_ctest() {
    local dir=$1
    shift
    echo "==== ctest in $dir"
    if ! ctest --test-dir "$dir" --output-on-failure -j"$JOBS" "$@"; then
        status=1
    fi
}

run_ctest build "$@"

if [ "${CANBAO_NO_ASAN:-0}" != 1 ]; then
    echo "==== building build-asan (ASan + UBSan)"
    cmake -S . -B build-asan -DCANBAO_SANITIZE=ON -DCANBAO_BENCH=OFF \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build build-asan -j"$JOBS"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_ctest build-asan "$@"
fi

if [ $status -eq 0 ]; then
    echo "test: all passed"
else
    echo "test: FAILURES above" >&2
fi
exit $status
