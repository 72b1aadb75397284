#!/usr/bin/env bash
# redis_faults.sh -- Redis connections dropped in the middle of a pipeline
# (issue 6).  The matcher talks to Redis through cutproxy.py, which cuts
# its connections one after another at random byte counts, in either
# direction, once the matcher has its partitions (a failure while it starts
# ends it with exit 1 and a message, as an unreachable Redis does): Redis gets half of a pipelined EVALSHA, or the matcher half of
# a reply, with more commands in flight behind it.  Then, with the proxy
# letting everything through, CLIENT KILL drops every connection Redis has
# at once, again and again.  The matcher must notice each time, reconnect,
# resume from the offsets Redis holds, and end with the stores equal to the
# county's ground truth: no step lost, none applied twice or by halves.
# (Redis killed and restarted from its AOF under load: it_recovery.
# Redis out of memory: it_redis_oom.)
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

CUTS=${CANBAO_REDIS_CUTS:-10}
cb_produced_county 10000 37

"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/cutproxy.py" \
    "$CB_TMP/proxy.port" "$REDIS_PORT" "$CUTS" 15000 50000 "$RANDOM" \
    "$CB_TMP/proxy.arm" \
    >"$CB_TMP/proxy.out" 2>"$CB_TMP/proxy.log" &
CB_PIDS+=("$!")
cb_wait_for "test -s $CB_TMP/proxy.port" 10 || cb_fail "cutproxy.py did not start"
PROXY=redis://127.0.0.1:$(cat "$CB_TMP/proxy.port")
cb_log "the matcher's Redis is $PROXY, cutting $CUTS connections"

# Small batches, so that the drain lasts while the cuts come.
CANBAO_REDIS=$PROXY "$CANBAO" match --batch 50 -v >"$CB_TMP/match.log" 2>&1 &
MATCH_PID=$!
CB_PIDS+=("$MATCH_PID")
# The matcher may fail outright while it starts (it exits 1, saying why);
# once it consumes, it must ride every cut out.
cb_wait_for "grep -q 'assigned' $CB_TMP/match.log" 60 ||
    cb_fail "the matcher never got its partitions: $(tail -3 "$CB_TMP/match.log")"
touch "$CB_TMP/proxy.arm"
cb_wait_for "[ \$(grep -c '^cut' $CB_TMP/proxy.out) -ge $CUTS ]" 180 ||
    cb_fail "only $(grep -c '^cut' "$CB_TMP/proxy.out") of $CUTS cuts came"
kill -0 "$MATCH_PID" 2>/dev/null || cb_fail "the matcher exited: $(tail -5 "$CB_TMP/match.log")"
# the cuts must come in the middle of the drain, or they test nothing
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
if "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl" >/dev/null 2>&1; then
    cb_fail "the drain was over before the last cut"
fi
up=$(grep -c 'after .* to the server' "$CB_TMP/proxy.out" || true)
cb_pass "$CUTS connections cut mid-stream ($up on the way to Redis, the others on the way back) in the middle of the drain"

for _ in 1 2 3 4 5; do
    sleep 1
    redis-cli -p "$REDIS_PORT" client kill type normal skipme yes >/dev/null
done
cb_pass "CLIENT KILL dropped every connection 5 times"

cb_wait_for_truth 180
backs=$(grep -c 'Redis is back' "$CB_TMP/match.log" || true)
# two connections cut in one outage make one comeback
[ "$backs" -ge $((CUTS / 2)) ] ||
    cb_fail "the matcher came back only $backs times from $CUTS cuts and 5 kills"
cb_pass "the matcher came back $backs times; the stores equal the ground truth"
kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
cb_log "PASS"
