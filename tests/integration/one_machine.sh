#!/usr/bin/env bash
# one_machine.sh -- canbao on one machine, stopped and started again in the
# middle of a county's feeds (issue 17): a persistent single-node Kafka
# (scripts/kafka.sh run --dir), Redis with its AOF, the matcher and the
# workbench all run; half the feeds are produced and everything is stopped
# at once (the matcher may be mid-drain); everything starts again from
# disk, the bootstrap address is the same, the rest of the feeds is
# produced, and the stores end equal to the ground truth, which is what an
# uninterrupted run gives (it_pipeline).  Always on real Kafka.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

KAFKA_SH=$CANBAO_SOURCE_DIR/scripts/kafka.sh
KDIR=$CB_TMP/kafka-data
"$CANBAO" gen --people 3000 --seed 31 --out "$CB_TMP/county" >/dev/null
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW
F=$CB_TMP/county/feeds

# Every feed split in two at the middle of its rows (each half keeps the
# header): the first halves go in before the stop, the rest after.
for feed in business household death enrollment assistance; do
    n=$(($(wc -l <"$F/$feed.csv") - 1))
    awk -v half=$((n / 2)) -v a="$CB_TMP/$feed.1.csv" -v b="$CB_TMP/$feed.2.csv" \
        'NR == 1 { print > a; print > b; next }
         { print > (NR - 1 <= half ? a : b) }' "$F/$feed.csv"
done

start_kafka() {
    # kafka.out is emptied before the start, not by the child's
    # redirection: the first start's bootstrap line must not satisfy the
    # wait of the second.
    : >"$CB_TMP/kafka.out"
    "$KAFKA_SH" run --dir "$KDIR" >>"$CB_TMP/kafka.out" 2>>"$CB_TMP/kafka.log" &
    KAFKA_PID=$!
    CB_PIDS+=("$KAFKA_PID")
    cb_wait_for "grep -q '^bootstrap=' $CB_TMP/kafka.out || ! kill -0 $KAFKA_PID" 240
    grep -q '^bootstrap=' "$CB_TMP/kafka.out" ||
        cb_fail "Kafka did not start: $(tail -n 5 "$CB_TMP/kafka.log")"
    cb_watchdog "$(cat "$KDIR/broker-1/pid")"
    CANBAO_BROKERS=$(sed -n 's/^bootstrap=//p' "$CB_TMP/kafka.out")
    export CANBAO_BROKERS
}

start_canbao() {
    "$CANBAO" match >>"$CB_TMP/match.log" 2>&1 &
    MATCH_PID=$!
    CB_PIDS+=("$MATCH_PID")
    cb_start_web web
}

# Stops what runs as an operator's shutdown would: the matcher and the
# workbench by SIGTERM, Kafka by SIGTERM to kafka.sh (which must exit 0
# having stopped its broker).  Redis follows, with cb_restart_redis.
stop_all() {
    local rc=0 broker
    broker=$(cat "$KDIR/broker-1/pid")
    kill -TERM "$MATCH_PID" "$WEB_PID"
    wait "$MATCH_PID" || cb_fail "the matcher exited $? on SIGTERM"
    wait "$WEB_PID" || cb_fail "the workbench exited $? on SIGTERM"
    kill -TERM "$KAFKA_PID"
    wait "$KAFKA_PID" || rc=$?
    [ "$rc" = 0 ] || cb_fail "kafka.sh exited $rc on SIGTERM"
    ! kill -0 "$broker" 2>/dev/null || cb_fail "the broker outlived kafka.sh"
}

cb_start_redis --aof
start_kafka
first=$CANBAO_BROKERS
cb_log "Kafka at $first, data in $KDIR"
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
start_canbao
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce the first half of $feed" "$CANBAO" produce \
        "$feed" "$CB_TMP/$feed.1.csv"
done
stop_all
cb_pass "everything stopped mid-feed: kafka.sh exit 0, no broker left"

# Again from disk: Redis stopped (SIGTERM: its AOF flushed) and started
# from its AOF, then Kafka from its folder.
cb_restart_redis
start_kafka
cb_assert_eq "$first" "$CANBAO_BROKERS" "the same bootstrap after the restart"
start_canbao
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce the rest of $feed" "$CANBAO" produce \
        "$feed" "$CB_TMP/$feed.2.csv"
done
cb_wait_for_truth 300
cb_pass "after the restart the stores equal the ground truth"
curl -sf "${URL}healthz" | grep -q '"following":true' ||
    cb_fail "the workbench does not follow the lead topic after the restart"
cb_pass "the workbench follows the lead topic again"
