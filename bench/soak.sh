#!/usr/bin/env bash
# soak.sh -- the soak of issue 6: events at a steady rate for MINUTES
# (default 10) into a running matcher that is stopped and started again
# every minute, with Redis on AOF.  Every 10 s it samples the RSS of Redis,
# the embedded broker and the matcher; at the end it prints, per minute,
# the largest RSS of each (the matcher's per life, since it restarts), and
# checks that the stores equal those of an uninterrupted run: a second
# Redis with the same snapshot, filled by one `canbao match --until-idle`
# over the same topics.  Exit 0 only when they are equal.  A figure and a
# check, too long for the test suite.
#
#   bench/soak.sh [MINUTES] [RATE] [BUILD_DIR]      default 10, 150 events/s
set -euo pipefail

cd "$(dirname "$0")/.."
MINUTES=${1:-10}
RATE=${2:-150}
BUILD=${3:-build}
CANBAO=$PWD/$BUILD/cli/canbao
APPLY=$PWD/$BUILD/tests/apply_tool
[ -x "$CANBAO" ] && [ -x "$APPLY" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
SECONDS_TOTAL=$((MINUTES * 60))
[ $((RATE * SECONDS_TOTAL)) -le 100000 ] ||
    { echo "soak: RATE x seconds must be at most 100,000" >&2; exit 2; }
. bench/bench_servers.sh
cb_bench_servers soak

rss() { ps -o rss= -p "$1" 2>/dev/null | tr -d ' ' || echo 0; }

cb_start_redis --aof >/dev/null
cb_start_broker >/dev/null
"$CANBAO" targets data/townships-funing.csv >/dev/null
"$CANBAO" gen --people 5000 --seed 3 --out "$CB_TMP/county" >/dev/null
"$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv" -q

start_matcher() {
    "$CANBAO" match -q >>"$CB_TMP/match.log" 2>&1 &
    MATCH_PID=$!
    CB_PIDS+=("$MATCH_PID")
}
start_matcher
sleep 15 # the group settles
cb_log "producing $RATE events/s for $MINUTES min; the matcher restarts every minute"
"$PWD/$BUILD/bench/latency" "$CANBAO_BROKERS" "$RATE" "$SECONDS_TOTAL" \
    >"$CB_TMP/latency.out" 2>&1 &
PROD_PID=$!
echo "t,redis_kb,broker_kb,matcher_kb,matcher_life" >"$CB_TMP/rss.csv"
life=1
for t in $(seq 10 10 "$SECONDS_TOTAL"); do
    sleep 10
    echo "$t,$(rss "$REDIS_PID"),$(rss "$BROKER_PID"),$(rss "$MATCH_PID"),$life" >>"$CB_TMP/rss.csv"
    if [ $((t % 60)) -eq 0 ] && [ "$t" -lt "$SECONDS_TOTAL" ]; then
        kill -TERM "$MATCH_PID"
        wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
        start_matcher
        life=$((life + 1))
    fi
done
wait "$PROD_PID" || true
sleep 20 # the last events reach the stores
kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly at the end"
# (sorted: a bucket hash lists its fields in the order they came, which
# differs between two histories of the same end state)
"$APPLY" "$CANBAO_REDIS" - --states | sort >"$CB_TMP/soaked.jsonl"

# The uninterrupted run: the same snapshot, the same topics, one matcher.
SOAK_REDIS=$CANBAO_REDIS SOAK_PORT=$REDIS_PORT SOAK_PID=$REDIS_PID
cb_start_redis >/dev/null
"$CANBAO" targets data/townships-funing.csv >/dev/null
"$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv" -q
# (--until-idle counts from the start, and joining a group on the embedded
# broker takes 5-11 s)
"$CANBAO" match --group soak-check --until-idle 30 -q >/dev/null
"$APPLY" "$CANBAO_REDIS" - --states | sort >"$CB_TMP/straight.jsonl"

"$CB_PY" - "$CB_TMP/rss.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("soak: minute  redis RSS kB  broker RSS kB  matcher RSS kB (largest that minute)")
for m in range(0, len(rows), 6):
    chunk = rows[m:m + 6]
    print("soak: %6d  %12d  %13d  %14d" % (
        m // 6 + 1, max(int(r["redis_kb"] or 0) for r in chunk),
        max(int(r["broker_kb"] or 0) for r in chunk),
        max(int(r["matcher_kb"] or 0) for r in chunk)))
PY
grep -E "^(count|p50|p99)|events" "$CB_TMP/latency.out" | sed 's/^/soak: producer: /' || true
cb_log "$(grep -c . "$CB_TMP/soaked.jsonl") lines of stores and states after the soak, $(grep -c . "$CB_TMP/straight.jsonl") after the uninterrupted run"
if cmp -s "$CB_TMP/soaked.jsonl" "$CB_TMP/straight.jsonl"; then
    cb_log "the stores and states equal those of an uninterrupted run"
else
    diff "$CB_TMP/soaked.jsonl" "$CB_TMP/straight.jsonl" >"$CB_TMP/diff" || true
    head -n 10 "$CB_TMP/diff"
    cb_fail "the stores differ from an uninterrupted run"
fi
