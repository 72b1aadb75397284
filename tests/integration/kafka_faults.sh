#!/usr/bin/env bash
# kafka_faults.sh -- canbao on a real three-broker Kafka cluster (KRaft,
# replication factor 3, min.insync.replicas 2) under faults.  One county,
# one cluster; its feeds are produced through two faults, then drained
# three times, each drain in its own Redis database and consumer group
# under a fault of its own:
#   leader    the broker leading most partitions of the enrollment feed is
#             killed with SIGKILL while two producers run, and restarted;
#   minisr    two brokers stopped, so min.insync.replicas is not met: a
#             producer with a short message.timeout.ms fails loudly with
#             its counts, one with a long one waits; the brokers return;
#             the failed feed is produced again and completes;
#   stop      the group coordinator of a draining matcher is stopped
#             (SIGSTOP) for longer than the session timeouts, then resumed;
#   rolling   the three brokers are restarted one by one (SIGTERM, start,
#             back in every ISR) under a running matcher and workbench;
#   churn     two matchers share a group; one is killed with SIGKILL and
#             another joins; the time the partitions stay unowned is
#             printed.
# Every feed record is on its topic exactly once, counted by kcat reading
# each topic end to end against the county's files (kafka_faults.py count),
# and each drain ends with the stores equal to the county's ground truth.
# Always on real Kafka, whatever CANBAO_TEST_KAFKA says.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"
KF="$CB_PY $CANBAO_SOURCE_DIR/tests/integration/kafka_faults.py"
FEEDS=(business household death enrollment assistance)

PEOPLE=${CANBAO_KAFKA_FAULTS_PEOPLE:-10000}
# defects off: this is about delivery, and rows refused at the door would
# not reach the topic
CANBAO_GEN_DEFECTS=0 "$CANBAO" gen --people "$PEOPLE" --seed 29 --out "$CB_TMP/county" >/dev/null
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW
rows() { echo $(($(wc -l <"$CB_TMP/county/feeds/$1.csv") - 1)); }

cb_start_redis
BASE=$CANBAO_REDIS
t0=$SECONDS
cb_start_kafka 3
cb_log "three brokers up in $((SECONDS - t0)) s"
for db in 1 2 3; do
    CANBAO_REDIS=$BASE/$db "$CANBAO" targets "$CB_TMP/county/townships.csv" >/dev/null
    CANBAO_REDIS=$BASE/$db "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv" >/dev/null
done

# ---------------------------------------------------------------- helpers

broker_pid() { cat "$KAFKA_DIR/broker-$1/pid"; }

# stop_broker I SIGNAL: sends SIGNAL to broker I and waits until it is gone
# (a SIGTERMed broker that has not stopped in 60 s is killed).
stop_broker() {
    local pid
    pid=$(broker_pid "$1")
    kill -"$2" "$pid"
    cb_wait_for "! kill -0 $pid" 60 || {
        cb_log "broker $1 did not stop on SIG$2 in 60 s: killed"
        kill -KILL "$pid"
        cb_wait_for "! kill -0 $pid" 10
    }
}

# restart_broker I: starts broker I again, with a watchdog.
restart_broker() {
    "$KAFKA_SH" restart-broker --dir "$KAFKA_DIR" "$1" 2>>"$CB_TMP/kafka.log" ||
        cb_fail "kafka.sh restart-broker $1 failed"
    cb_watchdog "$(broker_pid "$1")"
}

# wait_isr_full WHAT: every partition of every topic has a leader and three
# in-sync replicas again (a restarted broker has caught up), within 180 s.
wait_isr_full() {
    local t=$SECONDS
    cb_wait_for "$KF isr-full $CANBAO_BROKERS 3" 180 ||
        cb_fail "$1: the ISRs are not full again after 180 s: $(kcat -L -b "$CANBAO_BROKERS" | grep -v 'isrs: [0-9]*,[0-9]*,[0-9]*$' | head -5)"
    cb_log "$1: every partition has 3 in-sync replicas (waited $((SECONDS - t)) s)"
}

# produced OUTPUT: the "produced N" of a produce summary
produced() { sed -n 's/.*produced \([0-9]*\),.*/\1/p' <<<"$1"; }
not_delivered() { sed -n 's/.*not delivered \([0-9]*\)$/\1/p' <<<"$1"; }

# applied DB: events applied in Redis database DB (the offsets' sum)
applied() {
    redis-cli -p "$REDIS_PORT" -n "$1" --raw eval \
        "local n = 0
         for p = 0, 15 do
           for _, x in ipairs(redis.call('HVALS', 'cb:off:{p' .. p .. '}')) do
             n = n + tonumber(x)
           end
         end
         return n" 0 2>/dev/null || echo 0
}

# truth DB WHAT: the stores of database DB reach the ground truth (a
# matcher still running) within 240 s.
truth() {
    CANBAO_REDIS=$BASE/$1 cb_wait_for_truth 240
    cb_pass "$2: the stores equal the ground truth ($(tail -1 "$CB_TMP/compare.out"))"
}

# matcher NAME DB GROUP: a matcher in the background, its stderr stamped
# in NAME.log; sets MPID.  Small steps and a small fetch queue make a drain
# last, and make it fetch as it applies: with librdkafka's default queue
# it holds a whole feed of this county in memory within a second, and a
# broker's fault would miss it.
matcher() {
    CANBAO_REDIS=$BASE/$2 "$CANBAO" match --group "$3" --batch 20 \
        -X queued.max.messages.kbytes=256 \
        >"$CB_TMP/$1.out" 2> >($KF stamp "$CB_TMP/$1.log") &
    MPID=$!
    CB_PIDS+=("$MPID")
}

# stop_matcher PID NAME: SIGTERM; the matcher must exit 0.
stop_matcher() {
    kill -TERM "$1" 2>/dev/null || cb_fail "$2 is not running: $(tail -3 "$CB_TMP/$2.log")"
    wait "$1" || cb_fail "$2 exited $? on SIGTERM: $(tail -3 "$CB_TMP/$2.log")"
    cb_log "$2: $(grep '^match: [0-9]' "$CB_TMP/$2.out" | head -1)"
}

# count WHAT FEED...: each feed record on its topic exactly once
count() {
    local what=$1
    shift
    $KF count "$CANBAO_BROKERS" "$CB_TMP/county" "$@" >"$CB_TMP/count.out" ||
        { cat "$CB_TMP/count.out"; cb_fail "$what: the topics do not hold each feed record once"; }
    cat "$CB_TMP/count.out"
    cb_pass "$what: every record of $* on its topic exactly once (kcat)"
}

# ------------------------------------------------------------------ leader
# Two producers read their feeds spread over 12 s; the broker leading most
# enrollment partitions is killed 3 s in and started again 5 s later.  The
# idempotent producers retry to the new leaders: exit 0, every record
# delivered once.
read -r leader nled < <($KF leaders "$CANBAO_BROKERS" canbao.enrollment.v1)
cb_log "leader: broker $leader leads $nled of 16 enrollment partitions"
ppids=()
for feed in household enrollment; do
    $KF trickle 12 <"$CB_TMP/county/feeds/$feed.csv" |
        "$CANBAO" produce "$feed" --format csv - \
            >"$CB_TMP/leader-$feed.out" 2>"$CB_TMP/leader-$feed.log" &
    ppids+=("$!")
    CB_PIDS+=("$!")
done
sleep 3
for p in "${ppids[@]}"; do
    kill -0 "$p" 2>/dev/null || cb_fail "leader: a producer ended before the kill"
done
stop_broker "$leader" KILL
cb_log "leader: broker $leader killed (SIGKILL) while the producers run"
sleep 5
restart_broker "$leader"
i=0
for feed in household enrollment; do
    wait "${ppids[$i]}" || cb_fail "leader: produce $feed failed: $(tail -3 "$CB_TMP/leader-$feed.log")"
    out=$(cat "$CB_TMP/leader-$feed.out")
    cb_log "leader: $out"
    cb_assert_eq "$(rows "$feed")" "$(produced "$out")" "leader: $feed records acknowledged"
    i=$((i + 1))
done
grep -q "$(sed -n "s/^PORT\[$leader\]=//p" "$KAFKA_DIR/cluster.env").*\(Disconnected\|refused\)" \
    "$CB_TMP/leader-enrollment.log" ||
    cb_fail "leader: the enrollment producer never lost broker $leader"
wait_isr_full leader
count leader household enrollment

# ------------------------------------------------------------------ minisr
# Two brokers stopped cleanly: their replicas leave the ISRs (they remain
# {broker 1}), below min.insync.replicas = 2, and the quorum of the
# controllers is lost with them.  Nothing can be acknowledged.
for b in 3 2; do stop_broker "$b" TERM; done
cb_log "minisr: brokers 2 and 3 stopped; broker 1 alone: $(kcat -L -b "$CANBAO_BROKERS" -t canbao.death.v1 2>/dev/null | grep -m1 'partition 0,')"
# A producer with a 10 s bound fails loudly, with its counts.
cb_expect_exit 1 "minisr: produce death with two brokers down" \
    "$CANBAO" produce death -X message.timeout.ms=10000 "$CB_TMP/county/feeds/death.csv"
cb_log "minisr: $CB_OUT"
cb_assert_eq 0 "$(produced "$CB_OUT")" "minisr: death records acknowledged"
cb_assert_eq "$(rows death)" "$(not_delivered "$CB_OUT")" "minisr: death records not delivered"
cb_assert_contains "$CB_ERR" "were not delivered" "minisr: the producer says so on stderr"
# A producer with a 5-minute bound waits for the brokers.
"$CANBAO" produce assistance -X message.timeout.ms=300000 \
    "$CB_TMP/county/feeds/assistance.csv" >"$CB_TMP/minisr-assistance.out" \
    2>"$CB_TMP/minisr-assistance.log" &
waiting=$!
CB_PIDS+=("$waiting")
sleep 5
kill -0 "$waiting" 2>/dev/null ||
    cb_fail "minisr: the waiting producer ended with two brokers down: $(cat "$CB_TMP/minisr-assistance.out")"
cb_pass "minisr: a producer with a long message.timeout.ms waits"
for b in 2 3; do restart_broker "$b"; done
cb_log "minisr: brokers 2 and 3 started again"
wait "$waiting" || cb_fail "minisr: the waiting producer failed: $(tail -3 "$CB_TMP/minisr-assistance.log")"
out=$(cat "$CB_TMP/minisr-assistance.out")
cb_log "minisr: $out"
cb_assert_eq "$(rows assistance)" "$(produced "$out")" "minisr: the waiting producer delivered every record"
wait_isr_full minisr
# The failed feed again, whole: nothing of it was acknowledged, so nothing
# is on the topic twice.
cb_expect_exit 0 "minisr: produce death again" "$CANBAO" produce death \
    "$CB_TMP/county/feeds/death.csv"
# What was acknowledged before the outage (household, enrollment) is
# still there, once.
count minisr household death enrollment assistance

# ----------------------------------------------------------------- rolling
# A workbench follows the lead topic and a matcher drains database 1 while
# the business feed is produced, spread over 60 s, and the brokers are
# restarted one by one: SIGTERM, started again, back in every ISR.
echo "county-password" | CANBAO_REDIS=$BASE/1 "$CANBAO" user add county --county >/dev/null ||
    cb_fail "user add"
CANBAO_REDIS=$BASE/1 cb_start_web web
matcher rolling 1 g-rolling
rolling=$MPID
cb_wait_for "[ \$(applied 1) -gt 0 ]" 60 || cb_fail "rolling: the matcher applies nothing"
$KF trickle 60 <"$CB_TMP/county/feeds/business.csv" |
    "$CANBAO" produce business --format csv -X message.timeout.ms=300000 - \
        >"$CB_TMP/rolling-business.out" 2>"$CB_TMP/rolling-business.log" &
producer=$!
CB_PIDS+=("$producer")
for b in 1 2 3; do
    stop_broker "$b" TERM
    cb_log "rolling: broker $b stopped (SIGTERM); events applied so far $(applied 1)"
    restart_broker "$b"
    wait_isr_full "rolling: broker $b"
    curl -sf "${URL}healthz" | grep -q '"following":true' ||
        cb_fail "rolling: the workbench stopped following after broker $b: $(curl -s "${URL}healthz")"
done
wait "$producer" || cb_fail "rolling: produce business failed: $(tail -3 "$CB_TMP/rolling-business.log")"
out=$(cat "$CB_TMP/rolling-business.out")
cb_log "rolling: $out"
cb_assert_eq "$(rows business)" "$(produced "$out")" "rolling: business records acknowledged"
count rolling "${FEEDS[@]}"
truth 1 rolling
kill -0 "$rolling" || cb_fail "rolling: the matcher died: $(tail -5 "$CB_TMP/rolling.log")"
# The workbench still follows: it holds every lead of the lead topic.
nleads=$($KF distinct "$CANBAO_BROKERS" canbao.lead.v1)
cb_wait_for "curl -sf ${URL}healthz | grep -q '\"leads\":$nleads,'" 60 ||
    cb_fail "rolling: the workbench does not hold the $nleads leads of the lead topic: $(curl -s "${URL}healthz")"
cb_pass "rolling: the workbench follows the lead topic ($nleads leads)"
curl -sf -c "$CB_TMP/jar" -H 'Content-Type: application/json' \
    -d '{"name":"county","password":"county-password"}' "${URL}api/session" >/dev/null ||
    cb_fail "rolling: cannot sign in to the workbench"
total=$(curl -sf -b "$CB_TMP/jar" "${URL}api/leads?per_page=1" |
    "$CB_PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "${total:-0}" -gt 0 ] || cb_fail "rolling: the workbench lists no lead"
cb_pass "rolling: the workbench serves ($total leads listed)"
stop_matcher "$rolling" rolling

# -------------------------------------------------------------------- stop
# The coordinator of a draining matcher's group stops answering for 15 s:
# longer than the consumer's session.timeout.ms (10 s) and the broker's
# broker.session.timeout.ms (9 s), so the controller fences it and moves
# its leaderships and the group elsewhere.
matcher stop 2 g-stop
stopper=$MPID
cb_wait_for "[ \$(applied 2) -gt 0 ]" 60 || cb_fail "stop: the matcher applies nothing"
coord=$($KF coordinator "$CANBAO_BROKERS" g-stop) || cb_fail "stop: no coordinator found"
before=$(applied 2)
stopped_at=$(date +%s.%N)
kill -STOP "$(broker_pid "$coord")"
cb_log "stop: broker $coord (the group's coordinator) stopped (SIGSTOP) at $before events applied"
sleep 15
kill -CONT "$(broker_pid "$coord")"
cb_log "stop: broker $coord resumed (SIGCONT); $(applied 2) events applied"
# The matcher lost its group (the session timed out) and must join it
# again, with the coordinator wherever it now is.
cb_wait_for "$KF unowned $stopped_at $CB_TMP/stop.log" 120 ||
    cb_fail "stop: the matcher never took its partitions again: $(grep -E 'assigned|revoked' "$CB_TMP/stop.log" | tail -3)"
cb_log "stop: $($KF unowned "$stopped_at" "$CB_TMP/stop.log")"
truth 2 stop
[ "$before" -lt "$(applied 2)" ] ||
    cb_fail "stop: the drain was over before the broker stopped: make the county bigger"
stop_matcher "$stopper" stop
wait_isr_full stop

# ------------------------------------------------------------------- churn
# Matchers a and b share a group; b is killed with SIGKILL once both hold
# partitions; the time until a holds them again is measured; then c joins.
matcher churn-a 3 g-churn
ma=$MPID
matcher churn-b 3 g-churn
mb=$MPID
cb_wait_for "grep -q 'assigned [1-9]' $CB_TMP/churn-a.log && grep -q 'assigned [1-9]' $CB_TMP/churn-b.log" 60 ||
    cb_fail "churn: the two matchers do not share the partitions"
cb_wait_for "[ \$(applied 3) -gt 0 ]" 60 || cb_fail "churn: nothing applied"
killed_at=$(date +%s.%N)
kill -KILL "$mb"
wait "$mb" 2>/dev/null || true
cb_log "churn: matcher b killed (SIGKILL) at $(applied 3) events applied"
cb_wait_for "$KF unowned $killed_at $CB_TMP/churn-a.log" 90 ||
    cb_fail "churn: matcher a never took b's partitions"
cb_log "churn: $($KF unowned "$killed_at" "$CB_TMP/churn-a.log")"
matcher churn-c 3 g-churn
mc=$MPID
cb_wait_for "grep -q 'assigned [1-9]' $CB_TMP/churn-c.log" 60 ||
    cb_fail "churn: matcher c was given no partition"
cb_pass "churn: matcher c joined the group and holds partitions"
truth 3 churn
stop_matcher "$ma" churn-a
stop_matcher "$mc" churn-c
cb_log "PASS"
