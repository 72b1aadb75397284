#!/usr/bin/env bash
# matcher_faults.sh -- broker faults under a running matcher (issue 6): the
# broker down for 6 s in the middle of a drain, then fetch requests failing
# with a retriable error, then slow round trips.  The matcher rides them
# out and the stores end equal to the county's ground truth: nothing lost,
# nothing applied twice.  On a real broker (CANBAO_TEST_KAFKA=real) the
# outage is the broker stopped with SIGSTOP for 6 s; fetch errors and slow
# round trips are the embedded broker's alone and are skipped.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

cb_produced_county 6000 31

# Small batches, so that the drain lasts while the faults come and go.
"$CANBAO" match --batch 50 -v >"$CB_TMP/match.log" 2>&1 &
MATCH_PID=$!
CB_PIDS+=("$MATCH_PID")
cb_wait_for "grep -q 'assigned' $CB_TMP/match.log" 60 ||
    cb_fail "the matcher never got its partitions"
cb_broker_down
# The fault must come in the middle of the drain, or it tests nothing: the
# stores as the broker went down are not yet the truth.  (Looked at at
# once: the matcher fetched the county ahead before the outage and may
# finish applying it during the outage, with its outbox waiting for the
# broker; a look 3 s later failed once on a fast run.)
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
if "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl" >/dev/null 2>&1; then
    cb_fail "the drain was over before the broker went down"
fi
cb_pass "the broker went down in the middle of the drain"
sleep 6
cb_broker_up
if [ "${CANBAO_TEST_KAFKA:-embedded}" = real ]; then
    cb_log "SKIPPED on real Kafka: fetch errors and slow round trips (the embedded broker's fault injection)"
else
    cb_broker_ctl "error fetch NOT_LEADER_FOR_PARTITION 20" >/dev/null
    cb_broker_ctl "rtt 200" >/dev/null
    sleep 3
    cb_broker_ctl "rtt 0" >/dev/null
fi
kill -0 "$MATCH_PID" 2>/dev/null || cb_fail "the matcher exited under broker faults"
cb_pass "the matcher is still up after the faults"

cb_wait_for_truth 180
cb_pass "the stores equal the ground truth"
kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
cb_log "$(grep -c 'kafka' "$CB_TMP/match.log" || true) kafka lines in the matcher's log"
cb_log "PASS"
