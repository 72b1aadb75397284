#!/usr/bin/env bash
# broker_kcat.sh -- `canbao broker` is a Kafka broker to any real client:
# kcat lists its metadata, produces and consumes through it; a canbao Avro
# record produced by kcat is decoded by `canbao tail`; fault injection takes
# it down and up; SIGTERM stops it cleanly.  With CANBAO_TEST_KAFKA=real the
# client half runs against a real broker (scripts/kafka.sh, whose first
# line is checked the same way); the rest is canbao broker's own.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

cb_start_broker
B=$CANBAO_BROKERS

# First stdout line is the bootstrap address.
if [ "${CANBAO_TEST_KAFKA:-embedded}" = real ]; then
    first=$(head -n 1 "$CB_TMP/kafka.out")
else
    first=$(head -n 1 "$CB_TMP/broker.log")
fi
cb_assert_eq "bootstrap=$B" "$first" "first line of the broker"

# Metadata: every canbao topic, 16 partitions each.
meta=$(kcat -L -J -b "$B" -m 10)
for t in business household death enrollment assistance lead alert deadletter; do
    n=$(printf '%s' "$meta" | "$CB_PY" -c '
import json, sys
md = json.load(sys.stdin)
t = [x for x in md["topics"] if x["topic"] == sys.argv[1]]
print(len(t[0]["partitions"]) if t else 0)' "canbao.$t.v1")
    cb_assert_eq 16 "$n" "partitions of canbao.$t.v1"
done

# Produce with lz4 as canbao's producers do, then consume the same back.
for i in 1 2 3; do echo "hello-$i"; done |
    kcat -P -b "$B" -t canbao.household.v1 -k k1 -z lz4 -X enable.idempotence=true
got=$(kcat -C -b "$B" -t canbao.household.v1 -o beginning -e -q -f '%k=%s\n' | sort)
cb_assert_eq "$(printf 'k1=hello-1\nk1=hello-2\nk1=hello-3')" "$got" \
    "kcat round trip"
parts=$(kcat -C -b "$B" -t canbao.household.v1 -o beginning -e -q -f '%p\n' | sort -u | wc -l)
cb_assert_eq 1 "$parts" "one key, one partition"

# A canbao record, encoded by canbao, carried by kcat, decoded by tail.
cat >"$CB_TMP/rec.json" <<'JSON'
{"event_id":"d-1","person_id":"11010519491231002X","name":"张三",
 "date_of_death":"2024-05-01","source":"police","township_code":"320923001",
 "occurred_at":"2024-05-02T09:00:00+08:00"}
JSON
"$CANBAO" avro encode death <"$CB_TMP/rec.json" >"$CB_TMP/rec.bin"
kcat -P -b "$B" -t canbao.death.v1 -k 11010519491231002X "$CB_TMP/rec.bin"
line=$("$CANBAO" tail death --exit-at-end)
cb_assert_contains "$line" '"event_id":"d-1"' "tail decodes the record"
cb_assert_contains "$line" '"date_of_death":"2024-05-01"' "tail shows the date"
cb_assert_contains "$line" '110105************' "tail masks the ID"
cb_assert_contains "$line" '"name":"张*"' "tail masks the name"
case "$line" in *11010519491231002X* | *张三*) cb_fail "tail printed personal data" ;; esac
line=$("$CANBAO" tail death --exit-at-end --unmasked)
cb_assert_contains "$line" '11010519491231002X' "tail --unmasked"
# A message that is not canbao's is reported, not fatal.
out=$("$CANBAO" tail household --exit-at-end)
line=${out%%$'\n'*}
cb_assert_contains "$line" '"error"' "tail reports a foreign message"

cb_embedded_only "the rest tests canbao broker itself: control FIFO, SIGTERM, --partitions"

# Fault injection: with the broker down, metadata fails; up, it works.
cb_broker_ctl down
if kcat -L -b "$B" -m 2 -t canbao.household.v1 >/dev/null 2>&1; then
    cb_fail "metadata answered while the broker was down"
fi
cb_pass "broker down refuses clients"
cb_broker_ctl up
cb_wait_for "kcat -L -b $B -m 2 -t canbao.household.v1" 15 ||
    cb_fail "broker did not come back up"
cb_pass "broker up again"
reply=$(cb_broker_ctl nonsense)
cb_assert_contains "$reply" "control: error" "bad control command refused"

# SIGTERM: exits 0 promptly and removes its bootstrap file.
kill -TERM "$BROKER_PID"
rc=0
for _ in $(seq 50); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$BROKER_PID" || rc=$?
cb_assert_eq 0 "$rc" "broker exit status on SIGTERM"
cb_assert_eq 0 "$(ls "$CB_TMP"/bootstrap.* 2>/dev/null | wc -l)" "bootstrap file removed"

# Another partition count.
cb_start_broker --partitions 4
n=$(kcat -L -J -b "$CANBAO_BROKERS" -m 10 -t canbao.lead.v1 |
    "$CB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["topics"][0]["partitions"]))')
cb_assert_eq 4 "$n" "--partitions 4"

cb_log "PASS"
