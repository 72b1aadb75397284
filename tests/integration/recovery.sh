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
#   buckets the store kept in 16 state buckets a partition, not 1,024;
#   quartet four matchers share them (16 partitions: 4 each).  They join
#           before anything is produced, and the events are produced once
#           the group has settled, so each has its share from the start;
#           each must apply some, and the four together each event once.
# Each ends with leads, alerts, progress and packed states equal to the
# reference byte for byte, a lead's source_event_id included (a function
# of the events, docs/RULES.md 5).  States are compared as packed without
# the store's table of event-id forms (apply_tool's canonical_state): an
# index in it depends on which writer met a form first.
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

# The stores of database N as sorted lines, every field kept.
dump_db() {
    "$APPLY_TOOL" "$BASE/$1" - --states | "$CB_PY" -c '
import json, sys
out = []
for line in sys.stdin:
    out.append(json.dumps(json.loads(line), sort_keys=True,
                          ensure_ascii=False))
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

# ------------------------------------------------------- quartet (start)
# The four matchers of group quartet join while the topics are empty, and
# nothing is produced until the group has settled.  Started on a backlog,
# a member that joined late (they start seconds apart under ASan) found
# its partitions already applied by the others, and how much each applied
# said more about start-up times than about the group.
#
# held NAME: how many topic partitions matcher NAME holds by its log (its
# "assigned N" less its "revoked N"; 0 before its first assignment).
held() {
    sed -n 's/.*\(assigned\|revoked\) \([0-9][0-9]*\) topic partition(s).*/\1 \2/p' \
        "$CB_TMP/$1.log" 2>/dev/null |
        awk '$1 == "assigned" { n += $2 } $1 == "revoked" { n -= $2 } END { print n + 0 }'
}
# The group has settled when each of the four holds topic partitions and
# together they hold each one once: 16 partitions of each of the topics a
# matcher reads (the five feeds, canbao.ownership and canbao.deadletter).
QUARTET_TOPIC_PARTITIONS=$((16 * 7))
quartet_holds() {
    local i out=""
    for i in 1 2 3 4; do out="$out $(held "quartet-$i")"; done
    echo "${out# }"
}
# settled N1 N2 N3 N4: whether holdings N1..N4 (quartet_holds) are settled.
settled() {
    local n sum=0
    for n in "$@"; do
        [ "$n" -gt 0 ] || return 1
        sum=$((sum + n))
    done
    [ "$sum" -eq "$QUARTET_TOPIC_PARTITIONS" ]
}
# --until-idle counts from a member's last assignment, also while a
# rebalance has taken its partitions away: under ASan on a busy machine
# the group can take more than one round to form, and a member idle for
# 8 s left before it had settled.  20 s outlasts the rounds (the session
# timeout is 6 s); it also leaves the producer ample time to begin.
pids=()
for i in 1 2 3 4; do
    CANBAO_REDIS=$BASE/6 "${MATCH[@]}" --group quartet --until-idle 20 \
        >"$CB_TMP/quartet-$i.out" 2>"$CB_TMP/quartet-$i.log" &
    pids+=("$!")
    CB_PIDS+=("$!") # stopped with the servers if the test fails meanwhile
done
holds=""
for ((tenths = 0; tenths < 900; tenths++)); do
    holds=$(quartet_holds)
    # shellcheck disable=SC2086
    settled $holds && break
    for i in 1 2 3 4; do
        kill -0 "${pids[$((i - 1))]}" 2>/dev/null ||
            cb_fail "matcher $i of 4 ended before its group settled (the four held $holds topic partition(s) when last looked at; its log: $(grep -E 'assigned|revoked' "$CB_TMP/quartet-$i.log" | paste -sd ';'))"
    done
    sleep 0.1
done
# shellcheck disable=SC2086
settled $holds ||
    cb_fail "the quartet's group did not settle in 90 s: the four hold $holds topic partition(s), not each some and $QUARTET_TOPIC_PARTITIONS in all"
cb_log "the quartet's group settled: the four hold $holds topic partition(s)"

events=0
for feed in business household death enrollment assistance; do
    out=$("$CANBAO" produce "$feed" "$CB_TMP/county/feeds/$feed.csv")
    n=$(sed -n 's/.*produced \([0-9]*\),.*/\1/p' <<<"$out")
    events=$((events + n))
done
cb_log "$events events in the topics"
[ "$events" -ge 100000 ] || cb_fail "only $events events: the county is too small"

# The quartet ends 20 s after its last message (its stores are compared
# with the reference at the end).
shares=()
for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" ||
        cb_fail "matcher $i of 4 failed: $(tail -3 "$CB_TMP/quartet-$i.log")"
    n=$(sed -n 's/^match: [0-9]* messages, \([0-9]*\) events applied.*/\1/p' \
        "$CB_TMP/quartet-$i.out")
    shares+=("${n:-0}")
done
# Each matcher applied its share: none was left without partitions.
total=0
for i in 1 2 3 4; do
    [ "${shares[$((i - 1))]}" -gt 0 ] ||
        cb_fail "matcher $i of 4 applied nothing, though its group had settled (events applied: ${shares[*]})"
    total=$((total + shares[i - 1]))
done
# Together they applied each message once.  Database 6 holds the next
# offset of each topic partition (topics 0-4 the feeds, then the
# ownership topic the matchers write and read back), and the topics begin
# at offset 0: the feeds' offsets add up to every event produced (none
# lost), and all of them to the events the four applied (none applied
# twice; a redelivery is "skipped as already applied").  The county has no
# dead letters, and no timer falls due on its date, so each op applied is
# one message.
read -r feed_offsets all_offsets < <(redis-cli -p "$REDIS_PORT" -n 6 --raw eval \
    "local feeds, all = 0, 0
     for p = 0, 15 do
       local kv = redis.call('HGETALL', 'cb:off:{p' .. p .. '}')
       for i = 1, #kv, 2 do
         local n = tonumber(kv[i + 1])
         all = all + n
         if tonumber(kv[i]) < 5 then feeds = feeds + n end
       end
     end
     return {feeds, all}" 0 | paste -sd ' ')
[ "${feed_offsets:-0}" -eq "$events" ] ||
    cb_fail "the quartet's offsets cover ${feed_offsets:-?} of the $events events produced"
[ "$total" -eq "${all_offsets:-0}" ] ||
    cb_fail "the four matchers applied $total events (${shares[*]}) for ${all_offsets:-?} messages: $(cat "$CB_TMP"/quartet-[1-4].out | grep '^match: [0-9]* messages')"
cb_pass "four matchers shared the partitions and applied each of $total messages once (events applied: ${shares[*]})"

# ------------------------------------------------------------ reference
cb_expect_exit 0 "uninterrupted run" env CANBAO_REDIS="$BASE/1" \
    "${MATCH[@]}" --group ref --until-idle 3
cb_log "$CB_OUT"
dump_db 1 >"$CB_TMP/db1.txt"
grep -q '"lead"' "$CB_TMP/db1.txt" || cb_fail "the reference run made no lead"

# -------------------------------------------------------------- buckets
# A store of 16 state buckets a partition (4 for its leads, lead ids and
# timers) where the reference has 1,024: the count says where an entry is
# kept, never what it holds.  `canbao load`, the store's first writer,
# records the count of its config file; every later command takes it from
# the store, and a writer that asks for another is refused before it
# writes.
printf 'buckets = 16\n' >"$CB_TMP/b16.conf"
CANBAO_CONFIG=$CB_TMP/b16.conf prepare_db 7
[ "$(redis-cli -p "$REDIS_PORT" -n 7 get 'cb:{plan}:buckets')" = 16 ] ||
    cb_fail "canbao load did not record the store's 16 buckets"
cb_expect_exit 1 "a matcher asking for 64 buckets of a store of 16" \
    env CANBAO_REDIS="$BASE/7" "${MATCH[@]}" --group b16 --buckets 64 \
    --until-idle 3
grep -q "keeps each partition's states in 16 buckets, not the 64 asked for" \
    <<<"$CB_ERR" || cb_fail "the refusal does not say why: $CB_ERR"
[ "$(redis-cli -p "$REDIS_PORT" -n 7 exists 'cb:off:{p0}')" = 0 ] ||
    cb_fail "the refused matcher wrote to the store"
cb_expect_exit 0 "a matcher on the store of 16 buckets" \
    env CANBAO_REDIS="$BASE/7" "${MATCH[@]}" --group b16 --until-idle 3
keys=$(redis-cli -p "$REDIS_PORT" -n 7 --scan --pattern 'cb:s:*' | wc -l)
[ "$keys" -le $((16 * 16)) ] && [ "$keys" -gt 16 ] ||
    cb_fail "$keys state buckets for 16 partitions of 16"
same_as_reference 7 "16 state buckets a partition ($keys keys)"
# all_leads N: the leads canbao lists from database N, as sorted CSV rows
all_leads() {
    "$CANBAO" leads -r "$BASE/$1" --status all --format csv --unmasked | sort
}
all_leads 1 >"$CB_TMP/leads1.csv"
all_leads 7 >"$CB_TMP/leads7.csv"
[ "$(wc -l <"$CB_TMP/leads1.csv")" -gt 1 ] &&
    cmp -s "$CB_TMP/leads1.csv" "$CB_TMP/leads7.csv" ||
    cb_fail "canbao leads lists other leads from 16 buckets: $(diff "$CB_TMP/leads1.csv" "$CB_TMP/leads7.csv" | head -3)"
cb_pass "canbao leads reads the same $(($(wc -l <"$CB_TMP/leads1.csv") - 1)) leads from either store"
# A store written before counts were recorded holds 1,024: a reader takes
# that, and a writer that asks for another is refused.
redis-cli -p "$REDIS_PORT" -n 1 del 'cb:{plan}:buckets' >/dev/null
all_leads 1 >"$CB_TMP/leads1-old.csv"
cmp -s "$CB_TMP/leads1.csv" "$CB_TMP/leads1-old.csv" ||
    cb_fail "canbao leads of a store without its count lists other leads"
cb_expect_exit 1 "a matcher asking for 256 buckets of a store of 1,024" \
    env CANBAO_REDIS="$BASE/1" "${MATCH[@]}" --group ref --buckets 256 \
    --until-idle 3
grep -q "in 1024 buckets, not the 256 asked for" <<<"$CB_ERR" ||
    cb_fail "the refusal does not say why: $CB_ERR"
[ "$(redis-cli -p "$REDIS_PORT" -n 1 get 'cb:{plan}:buckets')" = 1024 ] ||
    cb_fail "the store's 1,024 buckets were not recorded"

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
same_as_reference 6 "four matchers in one group"

# ------------------------------------------------------- buckets, again
# A store that loses its count under a running matcher (Redis emptied of
# it, the connection dropped) has it recorded again when the matcher
# reconnects: readers would otherwise take the count of a store from
# before counts were recorded.  Last: the event produced to wake the
# matcher is one the other databases never saw.
CANBAO_REDIS=$BASE/7 "${MATCH[@]}" --group b16 --until-idle 10 \
    >"$CB_TMP/b16-again.out" 2>"$CB_TMP/b16-again.log" &
pid=$!
cb_wait_for "grep -q 'assigned' '$CB_TMP/b16-again.log'" 60 ||
    cb_fail "the matcher on 16 buckets did not start"
redis-cli -p "$REDIS_PORT" -n 7 del 'cb:{plan}:buckets' >/dev/null
redis-cli -p "$REDIS_PORT" client kill type normal >/dev/null
head -2 "$CB_TMP/county/feeds/death.csv" >"$CB_TMP/one-death.csv"
"$CANBAO" produce death "$CB_TMP/one-death.csv" >/dev/null
wait "$pid" || cb_fail "the matcher failed after its connection dropped: $(tail -3 "$CB_TMP/b16-again.log")"
grep -q "Redis is back" "$CB_TMP/b16-again.log" ||
    cb_fail "the matcher did not reconnect: $(tail -3 "$CB_TMP/b16-again.log")"
[ "$(redis-cli -p "$REDIS_PORT" -n 7 get 'cb:{plan}:buckets')" = 16 ] ||
    cb_fail "the matcher did not record its 16 buckets again"
cb_pass "a count Redis lost is recorded again at the reconnection"
cb_log "PASS"
