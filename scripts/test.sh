#!/usr/bin/env bash
# test.sh -- installs what is missing, builds, and runs the whole test suite
# twice: a normal build, then one under AddressSanitizer and
# UndefinedBehaviorSanitizer.  Each integration test starts and stops its own
# redis-server and embedded broker on free loopback ports.  After the normal
# build's pass its integration tests run once more on a real Apache Kafka
# broker each (CANBAO_TEST_KAFKA=real: scripts/kafka.sh, installed by
# scripts/setup.sh --tests); the sanitizer pass stays on the embedded one.
#
# Then the unit test programs run once more under valgrind's memcheck, and
# the processes on a short run of the pipeline (ctest label "valgrind",
# tests/integration/valgrind_run.sh); last the libFuzzer targets run for a bounded time each (scripts/fuzz.sh).
#
#   scripts/test.sh               everything
#   scripts/test.sh -L unit       only tests with that ctest label
#   CANBAO_NO_ASAN=1 scripts/test.sh   skip the sanitizer pass
#   CANBAO_NO_REAL_KAFKA=1 scripts/test.sh  skip the pass on real Kafka
#   CANBAO_NO_VALGRIND=1 scripts/test.sh   skip the valgrind pass
#   CANBAO_NO_FUZZ=1 scripts/test.sh       skip the fuzz targets
#   CANBAO_FUZZ_SECONDS=N scripts/test.sh  fuzz each target N s (default 60)
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh --tests

JOBS=$(nproc)
status=0
# The tests that start a real Kafka themselves, whatever CANBAO_TEST_KAFKA
# says: in the normal build only (the sanitizer pass stays on the embedded
# broker, where it finds the same bugs faster).
REAL_KAFKA_TESTS='^it_(kafka_|avro_java|one_machine)'

# Fast unit tests first, then the integration tests (or what "$@" picks),
# leaving out the tests that match $SKIP when it is set.
run_ctest() {
    local dir=$1
    shift
    if [ $# -gt 0 ]; then
        echo "==== ctest in $dir: $*"
        ctest --test-dir "$dir" --output-on-failure -j"$JOBS" "$@" || status=1
        return
    fi
    local label
    for label in unit integration; do
        echo "==== ctest in $dir: $label tests"
        ctest --test-dir "$dir" --output-on-failure -j"$JOBS" -L "$label" \
            ${SKIP:+-E "$SKIP"} || status=1
    done
}

run_ctest build "$@"

# The integration suite again, each test on a real Kafka broker in place of
# the embedded one (only for the whole suite).  The tests that start real
# Kafka themselves (it_kafka_*, it_avro_java, it_one_machine) already ran
# on it.
if [ "${CANBAO_NO_REAL_KAFKA:-0}" != 1 ] && [ $# -eq 0 ]; then
    echo "==== ctest in build: integration tests on real Kafka (CANBAO_TEST_KAFKA=real)"
    t0=$SECONDS
    CANBAO_TEST_KAFKA=real ctest --test-dir build --output-on-failure \
        -j"$JOBS" -L integration -E "$REAL_KAFKA_TESTS" || status=1
    echo "==== integration tests on real Kafka: $((SECONDS - t0)) s"
fi

if [ "${CANBAO_NO_ASAN:-0}" != 1 ]; then
    echo "==== building build-asan (ASan + UBSan)"
    cmake -S . -B build-asan -DCANBAO_SANITIZE=ON -DCANBAO_BENCH=OFF \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build build-asan -j"$JOBS"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    SKIP=$REAL_KAFKA_TESTS run_ctest build-asan "$@"
fi

if [ "${CANBAO_NO_VALGRIND:-0}" != 1 ]; then
    echo "==== unit tests under valgrind memcheck"
    vfail=0
    for t in build/tests/test_*; do
        [ -x "$t" ] || continue
        if CANBAO_SOURCE_DIR=$PWD valgrind -q --error-exitcode=99 \
            --leak-check=full \
            --errors-for-leak-kinds=definite "$t" >/dev/null 2>"$t.valgrind"; then
            echo "valgrind: $(basename "$t") clean"
        else
            echo "valgrind: $(basename "$t") FAILED"
            cat "$t.valgrind"
            vfail=1
        fi
    done
    [ $vfail -eq 0 ] || status=1
    if [ $# -eq 0 ]; then
        echo "==== ctest in build: the processes under valgrind"
        ctest --test-dir build --output-on-failure -L valgrind || status=1
    fi
fi

# The fuzz targets for a bounded time each (only for the whole suite).
if [ "${CANBAO_NO_FUZZ:-0}" != 1 ] && [ $# -eq 0 ]; then
    echo "==== fuzz targets, ${CANBAO_FUZZ_SECONDS:-60} s each (scripts/fuzz.sh)"
    scripts/fuzz.sh "${CANBAO_FUZZ_SECONDS:-60}" || status=1
fi

if [ $status -eq 0 ]; then
    echo "test: all passed"
else
    echo "test: FAILURES above" >&2
fi
exit $status
