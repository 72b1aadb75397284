#!/usr/bin/env bash
# avro_java.sh -- reference clients read canbao's topics (issue 17): on a
# real Kafka broker, a county's five feeds (bad records included, so the
# dead-letter topic has messages), the matcher's leads, alerts and
# ownership changes; then
#   - ReferenceReader (tests/java, built here with Maven on kafka-clients
#     and Apache Avro's Java library) reads every message of the eight Avro
#     topics and decodes it with Avro's BinaryMessageDecoder against
#     schemas/: none fails, and every field equals what `canbao tail
#     --unmasked` decodes (avro_java_compare.py);
#   - the distribution's kafka-console-consumer.sh counts the same number
#     of records on every topic, canbao.ownership.v1 included (not Avro:
#     the matchers' own format, counted only).
# Always on real Kafka, whatever CANBAO_TEST_KAFKA says.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

command -v mvn >/dev/null && command -v javac >/dev/null || {
    [ "${CI:-}" = true ] && cb_fail "needs Maven and a JDK (scripts/setup.sh --tests)"
    cb_log "SKIPPED: no Maven or JDK"
    exit 0
}
JAVA_BUILD=${CANBAO_JAVA_BUILD:-$CB_TMP/java}
(cd "$CANBAO_SOURCE_DIR/tests/java" &&
    mvn -q -B -Dcanbao.build.dir="$JAVA_BUILD" compile \
        dependency:copy-dependencies) >"$CB_TMP/mvn.log" 2>&1 ||
    cb_fail "the reference reader did not build: $(tail -n 20 "$CB_TMP/mvn.log")"
cb_pass "ReferenceReader built with Maven"

"$CANBAO" gen --people 1500 --seed 5 --out "$CB_TMP/county" >/dev/null
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW
cb_start_redis
cb_start_kafka 1
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/county/feeds/$feed.csv"
    # the bad files: refusals stay out, dead letters go to their topic
    "$CANBAO" produce "$feed" "$CB_TMP/county/bad/$feed.csv" \
        >"$CB_TMP/bad-$feed.out" 2>&1 || true
done
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3

"$CANBAO" tail --exit-at-end --unmasked >"$CB_TMP/tail.jsonl" \
    2>"$CB_TMP/tail.err" || cb_fail "canbao tail: $(tail -n 3 "$CB_TMP/tail.err")"
java -cp "$JAVA_BUILD/classes:$JAVA_BUILD/dependency/*" \
    org.canbao.reference.ReferenceReader "$CANBAO_BROKERS" \
    "$CANBAO_SOURCE_DIR/schemas" >"$CB_TMP/java.jsonl" 2>"$CB_TMP/java.err" ||
    cb_fail "ReferenceReader: $(grep -v '^SLF4J' "$CB_TMP/java.err" | tail -n 5)"
grep '^ReferenceReader' "$CB_TMP/java.err" | sed 's/^/    /'

# the distribution's console consumer: how many records each topic has
for t in business household death enrollment assistance ownership lead alert \
    deadletter; do
    "$KAFKA_BIN/kafka-console-consumer.sh" --bootstrap-server "$CANBAO_BROKERS" \
        --topic "canbao.$t.v1" --from-beginning --timeout-ms 10000 \
        --property print.value=false --property print.offset=true \
        >/dev/null 2>"$CB_TMP/console-$t.err" || true
    n=$(sed -n 's/.*Processed a total of \([0-9]*\) messages.*/\1/p' \
        "$CB_TMP/console-$t.err")
    [ -n "$n" ] || cb_fail "console consumer on canbao.$t.v1: $(tail -n 3 "$CB_TMP/console-$t.err")"
    echo "canbao.$t.v1 $n" >>"$CB_TMP/console.counts"
done
kcat -b "$CANBAO_BROKERS" -C -t canbao.ownership.v1 -o beginning -e -q \
    -f '%p %o\n' >"$CB_TMP/ownership.offsets" 2>/dev/null ||
    cb_fail "kcat on canbao.ownership.v1"

"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/avro_java_compare.py" \
    "$CANBAO_SOURCE_DIR/schemas" "$CB_TMP/tail.jsonl" "$CB_TMP/java.jsonl" \
    "$CB_TMP/console.counts" "$CB_TMP/ownership.offsets" ||
    cb_fail "the reference reader and canbao disagree"
cb_pass "every message decoded by Avro's reference decoder equals canbao's"
