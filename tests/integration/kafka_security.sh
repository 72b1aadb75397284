#!/usr/bin/env bash
# kafka_security.sh -- canbao on a real three-broker Kafka cluster that
# authenticates and authorizes (issue 17): always real brokers, whatever
# CANBAO_TEST_KAFKA.
#
#   - A throwaway CA and a broker certificate for 127.0.0.1 are made with
#     openssl; the broker (scripts/kafka.sh run --security) listens for
#     clients with SASL_SSL and SCRAM-SHA-512 only, and KRaft's
#     StandardAuthorizer refuses whatever no ACL allows.
#   - deploy/kafka-acls.sh gives each role its own principal and its least:
#     the producers write a county's five feeds, the matcher matches them
#     to the ground truth, the workbench follows the lead topic, each with
#     its own credentials from a mode-600 config file.
#   - Each is refused outside its rights, with a clear message and exit 1:
#     the producers reading leads, the workbench writing or reading a
#     feed; and so are an unknown user, a wrong password and a client
#     speaking plaintext to the TLS listener.  No password is printed.
#
# Three brokers (the issue's cluster), replicating over SASL_SSL.
# Kafka: CANBAO_KAFKA_VERSION, by default the pom's kafka.scram.version
# (3.9.1), installed by
# scripts/kafka.sh install the first time (Maven Central).  Kafka 4's
# brokers refuse the SCRAM of Debian 12's librdkafka 2.0.2 (a client bug
# fixed in librdkafka 2.6.1; docs/SECURITY.md), 3.9.1 is the newest that
# accepts it.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

export CANBAO_KAFKA_VERSION=${CANBAO_KAFKA_VERSION:-$("$CANBAO_SOURCE_DIR/scripts/kafka.sh" version scram)}
KAFKA_SH=$CANBAO_SOURCE_DIR/scripts/kafka.sh
"$KAFKA_SH" install >"$CB_TMP/install.log" 2>&1 ||
    cb_fail "cannot install Kafka $CANBAO_KAFKA_VERSION: $(tail -3 "$CB_TMP/install.log")"

OUT=$CB_TMP/seen # everything canbao printed, one file per command
SEC=$CB_TMP/sec
mkdir -p "$OUT" "$SEC"

# ------------------------------------------------- the CA and the users
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=canbao test CA" \
    -keyout "$SEC/ca.key" -out "$SEC/ca.pem" >"$CB_TMP/openssl.log" 2>&1 ||
    cb_fail "openssl: cannot make the CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=canbao-broker" \
    -keyout "$SEC/broker.key" -out "$SEC/broker.csr" >>"$CB_TMP/openssl.log" 2>&1
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    "extendedKeyUsage=serverAuth,clientAuth" >"$SEC/broker.ext"
openssl x509 -req -in "$SEC/broker.csr" -CA "$SEC/ca.pem" -CAkey "$SEC/ca.key" \
    -CAcreateserial -days 2 -extfile "$SEC/broker.ext" -out "$SEC/broker.crt" \
    >>"$CB_TMP/openssl.log" 2>&1 || cb_fail "openssl: cannot sign the broker's certificate"
cat "$SEC/broker.key" "$SEC/broker.crt" >"$SEC/broker.pem"
chmod 600 "$SEC/broker.pem" "$SEC/ca.key" "$SEC/broker.key"

pw() { printf 'pw-%s' "$(openssl rand -hex 10)"; }
ADMIN_PW=$(pw) BROKER_PW=$(pw) PRODUCER_PW=$(pw) MATCHER_PW=$(pw) WEB_PW=$(pw)
PASSWORDS=("$ADMIN_PW" "$BROKER_PW" "$PRODUCER_PW" "$MATCHER_PW" "$WEB_PW")
(
    umask 077
    printf '%s\n' "admin=$ADMIN_PW" "broker=$BROKER_PW" \
        "canbao-producer=$PRODUCER_PW" "canbao-matcher=$MATCHER_PW" \
        "canbao-web=$WEB_PW" >"$SEC/users"
)

# conf FILE USER PASSWORD [PROTOCOL]: canbao's settings for one principal,
# mode 600 (canbao warns about a secret in a file others can read).
conf() {
    (
        umask 077
        cat >"$1" <<EOF
# $2's Kafka settings
kafka.security.protocol=${4:-sasl_ssl}
kafka.sasl.mechanisms=SCRAM-SHA-512
kafka.sasl.username=$2
kafka.sasl.password=$3
kafka.ssl.ca.location=$SEC/ca.pem
EOF
    )
}
conf "$CB_TMP/producer.conf" canbao-producer "$PRODUCER_PW"
conf "$CB_TMP/matcher.conf" canbao-matcher "$MATCHER_PW"
conf "$CB_TMP/web.conf" canbao-web "$WEB_PW"
conf "$CB_TMP/unknown.conf" canbao-nobody "$(pw)"
PASSWORDS+=("$(sed -n 's/^kafka.sasl.password=//p' "$CB_TMP/unknown.conf")")
conf "$CB_TMP/wrong.conf" canbao-producer "$(pw)"
PASSWORDS+=("$(sed -n 's/^kafka.sasl.password=//p' "$CB_TMP/wrong.conf")")
# the producer's own password, but plaintext to the TLS listener
conf "$CB_TMP/plain.conf" canbao-producer "$PRODUCER_PW" sasl_plaintext

# -------------------------------------------------------------- servers
"$CANBAO" gen --people 1500 --seed 43 --out "$CB_TMP/county" >/dev/null
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW
cb_start_redis
# three brokers, each also a controller: replication between them goes
# over SASL_SSL as the principal `broker`, the controllers' quorum over SSL
cb_start_kafka 3 --security "$SEC"
cb_log "Kafka $CANBAO_KAFKA_VERSION, 3 brokers, SASL_SSL (SCRAM-SHA-512) and ACLs at $CANBAO_BROKERS"
for f in "$KAFKA_DIR/admin.conf" "$KAFKA_DIR/admin.properties" \
    "$KAFKA_DIR"/broker-*/server.properties; do
    cb_assert_eq 600 "$(stat -c %a "$f")" "mode of $(basename "$f"), which holds a password"
done
KAFKA_BIN=$KAFKA_BIN BOOTSTRAP=$CANBAO_BROKERS \
    COMMAND_CONFIG=$KAFKA_DIR/admin.properties \
    "$CANBAO_SOURCE_DIR/deploy/kafka-acls.sh" >"$CB_TMP/acls.log" 2>&1 ||
    cb_fail "deploy/kafka-acls.sh failed: $(tail -5 "$CB_TMP/acls.log")"
cb_pass "deploy/kafka-acls.sh: $(grep -c '^acls:' "$CB_TMP/acls.log") grants"

# run NAME WANT ARGS...: canbao with a 150 s bound (a hang is a failure),
# its stdout and stderr kept in $OUT/NAME.*; fails the test unless it
# exits WANT.
run() {
    local name=$1 want=$2 rc=0
    shift 2
    timeout 150 "$CANBAO" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    [ "$rc" -eq "$want" ] ||
        cb_fail "$name: exit $rc, expected $want: $(tail -5 "$OUT/$name.err")"
    cb_pass "$name (exit $rc)"
}

# ------------------------------------------------- each role at its work
run targets 0 targets "$CB_TMP/county/townships.csv"
run load 0 load "$CB_TMP/county/snapshot/enrollment.csv"
for feed in business household death enrollment assistance; do
    run "produce-$feed" 0 produce "$feed" "$CB_TMP/county/feeds/$feed.csv" \
        -c "$CB_TMP/producer.conf"
done
run match 0 match --until-idle 10 -c "$CB_TMP/matcher.conf"
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl" >"$CB_TMP/compare.out" ||
    cb_fail "the stores differ from the truth: $(tail -3 "$CB_TMP/compare.out")"
cb_pass "the matcher, as canbao-matcher, reached the ground truth"
leads=$("$KAFKA_BIN/kafka-get-offsets.sh" --bootstrap-server "$CANBAO_BROKERS" \
    --command-config "$KAFKA_DIR/admin.properties" --topic canbao.lead.v1 2>/dev/null |
    awk -F: '{ n += $3 } END { print n + 0 }')
[ "$leads" -gt 0 ] || cb_fail "the matcher wrote no lead to canbao.lead.v1"
cb_pass "canbao.lead.v1 holds $leads leads"
# every partition of the feeds and the leads in sync on all three brokers:
# the brokers replicate to each other through the secured listener
"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$CANBAO_BROKERS" \
    --command-config "$KAFKA_DIR/admin.properties" --describe \
    --topic 'canbao\.(household|lead)\.v1' >"$CB_TMP/describe.out" 2>&1 ||
    cb_fail "kafka-topics --describe: $(tail -3 "$CB_TMP/describe.out")"
parts=$(grep -c 'Partition: ' "$CB_TMP/describe.out" || true)
full=$(grep -cE 'Isr: [0-9]+,[0-9]+,[0-9]+' "$CB_TMP/describe.out" || true)
[ "$parts" -gt 0 ] || cb_fail "kafka-topics --describe listed no partition"
cb_assert_eq "$parts" "$full" "partitions of the household feed and the leads with 3 in sync"
# the county's bad rows (after the comparison: the good rows among them
# go to the feeds too): refused, to the dead-letter topic
run produce-bad 0 produce household "$CB_TMP/county/bad/household.csv" \
    -c "$CB_TMP/producer.conf"
grep -q 'dead-lettered [1-9]' "$OUT/produce-bad.out" ||
    cb_fail "nothing dead-lettered: $(cat "$OUT/produce-bad.out")"
cb_pass "canbao-producer wrote dead letters: $(cat "$OUT/produce-bad.out")"

cb_start_web seen/web -c "$CB_TMP/web.conf"
cb_assert_contains "$(curl -sf "${URL}healthz")" '"following":true' \
    "the workbench, as canbao-web, follows canbao.lead.v1"
sleep 3 # librdkafka asks for the group's coordinator meanwhile
if grep -i "authorization" "$OUT/web.log"; then
    cb_fail "the workbench was refused something it needs"
fi
kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web did not stop cleanly"

# ---------------------------------------------------- and is refused the rest
# authorization errors name it; a refused login says why
refused() {
    local name=$1 what=$2
    grep -qi "$what" "$OUT/$name.err" ||
        cb_fail "$name: no '$what' in what canbao said: $(tail -5 "$OUT/$name.err")"
    cb_pass "$name: says '$(grep -io "[^:]*$what[^(]*" "$OUT/$name.err" | head -n 1)'"
}
head -n 21 "$CB_TMP/county/feeds/household.csv" >"$CB_TMP/small.csv"

run producer-tails-leads 1 tail canbao.lead.v1 --exit-at-end \
    -c "$CB_TMP/producer.conf"
refused producer-tails-leads "authorization failed"
[ ! -s "$OUT/producer-tails-leads.out" ] || cb_fail "the producers read a lead"

run web-writes-feed 1 produce household "$CB_TMP/small.csv" \
    -c "$CB_TMP/web.conf" -X message.timeout.ms=15000
refused web-writes-feed "authorization failed"
cb_assert_contains "$(cat "$OUT/web-writes-feed.out")" "produced 0," \
    "the workbench wrote nothing"
run web-tails-feed 1 tail household --exit-at-end -c "$CB_TMP/web.conf"
refused web-tails-feed "authorization failed"

for who in unknown wrong; do
    run "$who-user-produces" 1 produce household "$CB_TMP/small.csv" \
        -c "$CB_TMP/$who.conf" -X message.timeout.ms=15000
    refused "$who-user-produces" "invalid credentials"
    cb_assert_contains "$(cat "$OUT/$who-user-produces.out")" "not delivered 20" \
        "$who-user-produces: every record counted as not delivered"
done
run plaintext-produces 1 produce household "$CB_TMP/small.csv" \
    -c "$CB_TMP/plain.conf" -X message.timeout.ms=15000
refused plaintext-produces "incorrect security.protocol"
run plaintext-tails 1 tail lead --exit-at-end -c "$CB_TMP/plain.conf"
refused plaintext-tails "incorrect security.protocol"

# Nothing was written to the feed by the refused ones: the county's
# household rows and no more.
produced=$(cat "$OUT/produce-household.out" "$OUT/produce-bad.out" |
    sed -n 's/^household: read [0-9]*, produced \([0-9]*\),.*/\1/p' |
    awk '{ n += $1 } END { print n + 0 }')
on_topic=$("$KAFKA_BIN/kafka-get-offsets.sh" --bootstrap-server "$CANBAO_BROKERS" \
    --command-config "$KAFKA_DIR/admin.properties" --topic canbao.household.v1 \
    2>/dev/null | awk -F: '{ n += $3 } END { print n + 0 }')
cb_assert_eq "$produced" "$on_topic" "canbao.household.v1 holds only what canbao-producer wrote"

# ---------------------------------------------------------- no password
for p in "${PASSWORDS[@]}"; do
    if grep -rlF -- "$p" "$OUT" "$CB_TMP"/*.log "$KAFKA_DIR"/broker-*/server.log \
        >"$CB_TMP/leaks" 2>/dev/null; then
        cb_fail "a password was printed, in: $(tr '\n' ' ' <"$CB_TMP/leaks")"
    fi
done
cb_pass "no password in anything canbao, kafka.sh or the broker printed ($(ls "$OUT" | wc -l) files)"
