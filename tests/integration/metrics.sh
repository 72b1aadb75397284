#!/usr/bin/env bash
# metrics.sh -- the matcher's /metrics, /healthz and /readyz (issue 7): a
# county and one undecodable message drained by a matcher with --metrics;
# the Prometheus text parses strictly (metrics_check.py), and its figures
# are the pipeline's: events in by topic equal what the producers
# delivered, the leads and alerts counted equal the messages on the lead
# and alert topics and cover what `canbao leads` and `canbao alerts` list,
# the undecodable message is counted under its reason, every partition's
# lag comes down to 0, every step is in the steps' histogram, and Redis's
# round trip is there.  Then Redis goes away: /readyz says 503 while
# /healthz stays 200, and once Redis is back the matcher is ready again
# with the failure and the reconnect counted.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

cb_produced_county 3000 13
declare -A produced
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "count $feed" "$CANBAO" tail "$feed" --exit-at-end -q
    produced[$feed]=$(wc -l <<<"$CB_OUT")
done
echo "this is not Avro" | kcat -P -b "$CANBAO_BROKERS" -t canbao.household.v1 -k bad ||
    cb_fail "kcat could not produce the bad message"
produced[household]=$((produced[household] + 1))

"$CANBAO" match --metrics 127.0.0.1:0 -X statistics.interval.ms=500 \
    >"$CB_TMP/match.out" 2>"$CB_TMP/match.log" &
MATCH_PID=$!
CB_PIDS+=("$MATCH_PID")
cb_wait_for "grep -q 'metrics on port' $CB_TMP/match.log" 30 ||
    cb_fail "no metrics port: $(tail -3 "$CB_TMP/match.log")"
PORT=$(sed -n 's/.*metrics on port \([0-9]*\):.*/\1/p' "$CB_TMP/match.log")
M=http://127.0.0.1:$PORT
cb_log "matcher metrics at $M"
cb_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$M/healthz")" \
    "/healthz answers while the loop turns"

# drained: the events counted equal the producers' and no partition lags
args=()
for feed in business household death enrollment assistance; do
    args+=("canbao.$feed.v1=${produced[$feed]}")
done
drained() {
    curl -sf "$M/metrics" >"$CB_TMP/metrics.txt" &&
        "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/metrics_check.py" \
            drained "$CB_TMP/metrics.txt" "${args[@]}" >"$CB_TMP/check.out" 2>&1
}
cb_wait_for drained 120 ||
    cb_fail "the matcher's figures never showed the drain: $(tail -5 "$CB_TMP/check.out")"
cb_pass "$(tail -1 "$CB_TMP/check.out")"
cb_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$M/readyz")" \
    "/readyz: ready with partitions and Redis"
cb_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$M/nothing")" \
    "an unknown path: 404"

# what was published, against the topics themselves (the matcher keeps
# running: nothing more is coming)
sleep 2
curl -sf "$M/metrics" >"$CB_TMP/metrics.txt" || cb_fail "no /metrics"
cb_expect_exit 0 "tail lead" "$CANBAO" tail lead --exit-at-end -q
leads=$(grep -c . <<<"$CB_OUT" || true)
cb_expect_exit 0 "tail alert" "$CANBAO" tail alert --exit-at-end -q
alerts=$(grep -c . <<<"$CB_OUT" || true)
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/metrics_check.py" published \
    "$CB_TMP/metrics.txt" "$leads" "$alerts" >"$CB_TMP/check.out" 2>&1 ||
    cb_fail "published: $(cat "$CB_TMP/check.out")"
cb_pass "$(tail -1 "$CB_TMP/check.out")"
# the stores: a lead's last change is its state in the store, so each
# reason and status has at least as many changes counted as leads listed
# (leads that left the store were published closed); an alert listed was
# raised, and raised again each time it grew
cb_expect_exit 0 "canbao leads" "$CANBAO" leads --status all --format json
printf '%s\n' "$CB_OUT" >"$CB_TMP/leads.json"
cb_expect_exit 0 "canbao alerts" "$CANBAO" alerts --format json
printf '%s\n' "$CB_OUT" >"$CB_TMP/alerts.json"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/metrics_check.py" listed \
    "$CB_TMP/metrics.txt" "$CB_TMP/leads.json" "$CB_TMP/alerts.json" \
    >"$CB_TMP/check.out" 2>&1 || cb_fail "listed: $(cat "$CB_TMP/check.out")"
cb_pass "$(tail -1 "$CB_TMP/check.out")"
cb_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$M/readyz")" \
    "/readyz: still ready, idle"

# Redis goes away (its data kept in an AOF) and comes back: not ready but
# alive meanwhile, then ready again, the failure and the reconnect counted
code() { curl -s -o /dev/null -w '%{http_code}' "$M/$1"; }
redis-cli -p "$REDIS_PORT" CONFIG SET appendonly yes >/dev/null
cb_wait_for "redis-cli -p $REDIS_PORT INFO persistence | tr -d '\r' |
    grep -q '^aof_rewrite_in_progress:0' &&
    redis-cli -p $REDIS_PORT INFO persistence | tr -d '\r' |
    grep -q '^aof_rewrite_scheduled:0'" 30 || cb_fail "no AOF"
kill -TERM "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
cb_wait_for '[ "$(code readyz)" = 503 ]' 30 ||
    cb_fail "/readyz still $(code readyz) with Redis gone"
cb_pass "/readyz: 503 with Redis gone"
cb_assert_eq 200 "$(code healthz)" "/healthz: alive while Redis is waited for"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
    --save '' --appendonly yes --daemonize no \
    >>"$CB_TMP/redis-$REDIS_PORT.log" 2>&1 &
REDIS_PID=$!
CB_PIDS+=("$REDIS_PID")
cb_watchdog "$REDIS_PID"
cb_wait_for '[ "$(code readyz)" = 200 ]' 60 ||
    cb_fail "/readyz $(code readyz) after Redis came back"
cb_pass "/readyz: 200 again once Redis is back"
curl -sf "$M/metrics" >"$CB_TMP/metrics.txt" || cb_fail "no /metrics"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/metrics_check.py" reconnected \
    "$CB_TMP/metrics.txt" "${args[@]}" >"$CB_TMP/check.out" 2>&1 ||
    cb_fail "reconnected: $(cat "$CB_TMP/check.out")"
cb_pass "$(tail -1 "$CB_TMP/check.out")"

kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
curl -s -o /dev/null "$M/metrics" && cb_fail "/metrics still answers after the matcher stopped"
cb_pass "the server stops with the matcher"
cb_expect_exit 2 "a bad --metrics address" "$CANBAO" match --metrics nowhere
cb_assert_contains "$CB_ERR" "HOST:PORT" "the bad address is named"
cb_log "PASS"
