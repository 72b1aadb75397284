#!/usr/bin/env bash
# kafka.sh -- the benchmarks on a real Apache Kafka broker beside the
# embedded one, in the same sitting, with the ratio (issue 17).  Figures,
# not tests.  Each benchmark runs first on canbao's embedded broker, then
# with CANBAO_TEST_KAFKA=real on one real broker (scripts/kafka.sh, which
# must be installed: scripts/kafka.sh install).
#
#   bench/kafka.sh [produce|drain|latency|all] [BUILD_DIR]   default all
#       produce  bench/produce.sh 1,000,000 household rows (best of 3)
#       drain    bench/match.sh drain 180,000 people (about 1M events)
#       latency  bench/match.sh latency 10,000 events/s
#
# Prints each run's figures as the benchmarks do, then one line a figure:
# "bench: kafka: FIGURE embedded E real R (real/embedded X)".
set -euo pipefail

cd "$(dirname "$0")/.."
WHAT=${1:-all}
BUILD=${2:-build}
LOG=$(mktemp -d /tmp/canbao-bench-kafka.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# run NAME BROKER CMD...: the benchmark's output, kept and shown
run() {
    local name=$1 broker=$2
    shift 2
    echo "bench: kafka: $name on the $broker broker"
    CANBAO_TEST_KAFKA=$broker "$@" 2>&1 | tee "$LOG/$name-$broker.out"
}

# ratio NAME FIGURE REGEX: the figure the regex's group takes from each
# run's output, and real/embedded
ratio() {
    local name=$1 figure=$2 re=$3 e r
    e=$(sed -n "s/$re/\\1/p" "$LOG/$name-embedded.out" | tail -n 1)
    r=$(sed -n "s/$re/\\1/p" "$LOG/$name-real.out" | tail -n 1)
    if [ -z "$e" ] || [ -z "$r" ]; then
        echo "bench: kafka: $figure: no figure (embedded '$e', real '$r')"
        return
    fi
    printf 'bench: kafka: %s embedded %s real %s (real/embedded %.2f)\n' \
        "$figure" "$e" "$r" "$(echo "$r / $e" | bc -l)"
}

if [ "$WHAT" = produce ] || [ "$WHAT" = all ]; then
    for b in embedded real; do run produce "$b" bench/produce.sh 1000000 "$BUILD"; done
fi
if [ "$WHAT" = drain ] || [ "$WHAT" = all ]; then
    for b in embedded real; do run drain "$b" bench/match.sh drain 180000 "$BUILD"; done
fi
if [ "$WHAT" = latency ] || [ "$WHAT" = all ]; then
    for b in embedded real; do run latency "$b" bench/match.sh latency 10000 "$BUILD"; done
fi

echo "bench: kafka: summary ($(nproc) cores)"
if [ "$WHAT" = produce ] || [ "$WHAT" = all ]; then
    ratio produce "produce records/s" '.*best: \([0-9]*\) records\/s.*'
fi
if [ "$WHAT" = drain ] || [ "$WHAT" = all ]; then
    ratio drain "drain events/s" '.*step: \([0-9]*\) events\/s.*'
fi
if [ "$WHAT" = latency ] || [ "$WHAT" = all ]; then
    for p in p50 p99 p99.9; do
        ratio latency "latency $p ms" ".* $p \\([0-9.]*\\) ms.*"
    done
fi
