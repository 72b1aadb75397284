#!/usr/bin/env bash
# redis_oom.sh -- Redis out of memory under the matcher (issue 6): with
# maxmemory reached and noeviction, Redis refuses the matcher's commits.
# The matcher must stop consuming and say why, wait longer and longer
# between tries instead of hammering Redis, never drop or half-apply a
# step, and resume by itself once Redis has room: the final stores equal
# the county's ground truth, as if nothing had happened.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

cb_produced_county 2000 21

# Room for a few commits at most: the matcher's states and leads outgrow it.
used=$(redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
redis-cli -p "$REDIS_PORT" config set maxmemory-policy noeviction >/dev/null
redis-cli -p "$REDIS_PORT" config set maxmemory $((used + 200000)) >/dev/null
cb_log "maxmemory set to $((used + 200000)) bytes (used $used)"

"$CANBAO" match -v >"$CB_TMP/match.log" 2>&1 &
MATCH_PID=$!
CB_PIDS+=("$MATCH_PID")
cb_wait_for "grep -q 'out of memory' $CB_TMP/match.log" 90 ||
    cb_fail "the matcher never said Redis was out of memory"
cb_pass "the matcher says why it stopped: $(grep -m1 'out of memory' "$CB_TMP/match.log")"
cb_wait_for "grep -q 'trying again in' $CB_TMP/match.log" 30 ||
    cb_fail "the matcher does not wait between refused tries"
sleep 8
kill -0 "$MATCH_PID" 2>/dev/null || cb_fail "the matcher exited while Redis was full"
tries=$(grep -c 'Redis failed;' "$CB_TMP/match.log" || true)
[ "$tries" -lt 40 ] || cb_fail "the matcher hammered a full Redis: $tries tries"
cb_pass "the matcher waits for room ($tries tries so far, with growing pauses)"

redis-cli -p "$REDIS_PORT" config set maxmemory 0 >/dev/null
cb_log "maxmemory lifted"
cb_wait_for_truth 120
grep -q 'Redis is back' "$CB_TMP/match.log" || cb_fail "no resume in the log"
cb_pass "resumed by itself; the stores equal the ground truth"
kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
cb_log "PASS"
