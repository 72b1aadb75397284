#!/usr/bin/env bash
# recovery.sh -- exactly-once effects under failure (issue 4).  One county of
# about 100,000 events is produced once; an uninterrupted matcher run gives
# the reference stores (Redis database 1).  Then, each in its own database
# and consumer group, against the same topics:
#   crash   the matcher is killed with SIGKILL at random moments at least
#           10 times and restarted each time;
#   redis   Redis (AOF, appendfsync everysec) is killed and restarted in
#           the middle of a run while the matcher keeps running;
#   script  commit.lua is flushed from Redis (SCRIPT FLUSH) again and again
#           while the matcher runs;
#   duo     two matchers share the group's partitions;
#   quartet four matchers share them (16 partitions: 4 each).
# Each ends with leads, alerts, progress and packed states equal to the
# reference (source_event_id, provenance, aside: docs/RULES.md).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

PEOPLE=${CANBAO_RECOVERY_PEOPLE:-18000}
KILLS=${CANBAO_RECOVERY_KILLS:-10}
"$CANBAO" gen --people "$PEOPLE" --seed 23 --out "$CB_TMP/county" >/dev/null
export CANBAO_NOW=2025-11-20
# A killed member is dropped from the group when its session times out.
MATCH=("$CANBAO" match -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

cb_start_redis --aof
cb_start_broker
BASE=$CANBAO_REDIS

# db N: targets and snapshot loaded into Redis database N
prepare_db() {
    CANBAO_REDIS=$BASE/$1 "$CANBAO" targets "$CB_TMP/county/townships.csv" \
        >/dev/null
    CANBAO_REDIS=$BASE/$1 "$CANBAO" load \
        "$CB_TMP/county/snapshot/enrollment.csv" >/dev/null
}

# The stores of database N as sorted lines, provenance left out.
dump_db() {
    "$APPLY_TOOL" "$BASE/$1" - --states | "$CB_PY" -c '
import json, sys
out = []
for line in sys.stdin:
    j = json.loads(line)
    j.get("lead", {}).pop("source_event_id", None)
    out.append(json.dumps(j, sort_keys=True, ensure_ascii=False))
print("\n".join(sorted(out)))'
}

# same_as_reference N WHAT
same_as_reference() {
    dump_db "$1" >"$CB_TMP/db$1.txt"
    if ! cmp -s "$CB_TMP/db1.txt" "$CB_TMP/db$1.txt"; then
        { diff "$CB_TMP/db1.txt" "$CB_TMP/db$1.txt" || true; } | head -20 >&2 || true
        cb_fail "$2: the stores differ from the uninterrupted run"
    fi
    cb_pass "$2: $(grep -c '"lead"' "$CB_TMP/db$1.txt") leads, $(grep -c '"alert"' "$CB_TMP/db$1.txt") alerts and $(grep -c '"state"' "$CB_TMP/db$1.txt") states equal the uninterrupted run's"
}

for db in 1 2 3 4 5 6; do prepare_db $db; done
events=0
for feed in business household death enrollment assistance; do
    out=$("$CANBAO" produce "$feed" "$CB_TMP/county/feeds/$feed.csv")
    n=$(sed -n 's/.*produced \([0-9]*\),.*/\1/p' <<<"$out")
    events=$((events + n))
done
cb_log "$events events in the topics"
[ "$events" -ge 100000 ] || cb_fail "only $events events: the county is too small"

# ------------------------------------------------------------ reference
cb_expect_exit 0 "uninterrupted run" env CANBAO_REDIS="$BASE/1" \
    "${MATCH[@]}" --group ref --until-idle 3
cb_log "$CB_OUT"
dump_db 1 >"$CB_TMP/db1.txt"
grep -q '"lead"' "$CB_TMP/db1.txt" || cb_fail "the reference run made no lead"

# ---------------------------------------------------------------- crash
# Small batches make many steps, so a kill lands between and inside them.
applied() {
    redis-cli -p "$REDIS_PORT" -n 2 --raw eval \
        "local n = 0
         for p = 0, 15 do
           local v = redis.call('HVALS', 'cb:off:{p' .. p .. '}')
           for _, x in ipairs(v) do n = n + tonumber(x) end
         end
         return n" 0 2>/dev/null || echo 0
}
kills=0
while [ "$kills" -lt "$KILLS" ]; do
    CANBAO_REDIS=$BASE/2 "${MATCH[@]}" --group crash --batch 50 \
        >>"$CB_TMP/crash.out" 2>>"$CB_TMP/crash.log" &
    pid=$!
    # wait until it applies something, then kill it a random moment later
    before=$(applied)
    for _ in $(seq 1 300); do
        [ "$(applied)" != "$before" ] && break
        sleep 0.1
    done
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
    cb_log "kill $kills: offsets sum $(applied)"
done
cb_expect_exit 0 "the run after $kills kills" env CANBAO_REDIS="$BASE/2" \
    "${MATCH[@]}" --group crash --until-idle 3
cb_log "$CB_OUT"
same_as_reference 2 "SIGKILL x $kills"

# start_applying N NAME IDLE: a matcher on database N in group NAME with
# small batches (--until-idle IDLE; output in NAME.out and NAME.log) in the
# background, as $pid, once it has applied something.
start_applying() {
    CANBAO_REDIS=$BASE/$1 "${MATCH[@]}" --group "$2" --batch 50 \
        --until-idle "$3" >"$CB_TMP/$2.out" 2>"$CB_TMP/$2.log" &
    pid=$!
    cb_wait_for "redis-cli -p $REDIS_PORT -n $1 exists 'cb:off:{p0}' | grep -q 1" 60 ||
        cb_fail "the matcher did not start applying"
}

# ---------------------------------------------------------------- redis
start_applying 3 redis 8
sleep 1
cb_restart_redis --kill
cb_log "redis-server killed and restarted from its AOF mid-run"
wait "$pid" || cb_fail "the matcher failed across the Redis restart: $(tail -5 "$CB_TMP/redis.log")"
grep -q "Redis is back" "$CB_TMP/redis.log" ||
    cb_fail "the matcher did not notice Redis going away: $(tail -5 "$CB_TMP/redis.log")"
cb_pass "the matcher waited for Redis and went on"
same_as_reference 3 "Redis killed and restarted (AOF everysec)"
# the reference and the crash run survived the restart too
same_as_reference 2 "after the restart, the crash run's database"

# --------------------------------------------------------------- script
start_applying 5 script 3
flushes=0
while kill -0 "$pid" 2>/dev/null && [ "$flushes" -lt 20 ]; do
    redis-cli -p "$REDIS_PORT" script flush >/dev/null
    flushes=$((flushes + 1))
    sleep 0.1
done
wait "$pid" || cb_fail "the matcher failed across SCRIPT FLUSH: $(tail -5 "$CB_TMP/script.log")"
cb_log "commit.lua flushed $flushes times mid-run"
same_as_reference 5 "SCRIPT FLUSH mid-run"

# ------------------------------------------------------------------ duo
CANBAO_REDIS=$BASE/4 "${MATCH[@]}" --group duo --until-idle 8 \
    >"$CB_TMP/duo-a.out" 2>"$CB_TMP/duo-a.log" &
a=$!
CANBAO_REDIS=$BASE/4 "${MATCH[@]}" --group duo --until-idle 8 \
    >"$CB_TMP/duo-b.out" 2>"$CB_TMP/duo-b.log" &
b=$!
wait "$a" || cb_fail "matcher a failed: $(tail -3 "$CB_TMP/duo-a.log")"
wait "$b" || cb_fail "matcher b failed: $(tail -3 "$CB_TMP/duo-b.log")"
na=$(sed -n 's/^match: [0-9]* messages, \([0-9]*\) events applied.*/\1/p' "$CB_TMP/duo-a.out")
nb=$(sed -n 's/^match: [0-9]* messages, \([0-9]*\) events applied.*/\1/p' "$CB_TMP/duo-b.out")
cb_log "matcher a applied ${na:-?}, matcher b ${nb:-?}"
[ "${na:-0}" -gt 0 ] && [ "${nb:-0}" -gt 0 ] ||
    cb_fail "the two matchers did not share the partitions (a ${na:-?}, b ${nb:-?})"
cb_pass "two matchers shared the partitions"
same_as_reference 4 "two matchers in one group"

# -------------------------------------------------------------- quartet
pids=()
for i in 1 2 3 4; do
    CANBAO_REDIS=$BASE/6 "${MATCH[@]}" --group quartet --until-idle 8 \
        >"$CB_TMP/quartet-$i.out" 2>"$CB_TMP/quartet-$i.log" &
    pids+=("$!")
done
shares=""
for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" ||
        cb_fail "matcher $i of 4 failed: $(tail -3 "$CB_TMP/quartet-$i.log")"
    n=$(sed -n 's/^match: [0-9]* messages, \([0-9]*\) events applied.*/\1/p' \
        "$CB_TMP/quartet-$i.out")
    [ "${n:-0}" -gt 0 ] || cb_fail "matcher $i of 4 applied nothing"
    shares="$shares ${n}"
done
cb_pass "four matchers shared the partitions (events applied:$shares)"
same_as_reference 6 "four matchers in one group"
cb_log "PASS"
