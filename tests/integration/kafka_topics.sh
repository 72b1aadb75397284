#!/usr/bin/env bash
# kafka_topics.sh -- deploy/topics.sh on a real three-broker Kafka cluster
# (issue 17), as scripts/kafka.sh runs it with the distribution's own
# kafka-topics.sh:
#   - what the brokers hold, read back with kafka-topics.sh --describe and
#     kafka-configs.sh --describe: the nine topics, 16 partitions, three
#     replicas in sync each, min.insync.replicas 2, the feeds, ownership
#     changes and dead letters kept for their retention, leads and alerts
#     compacted (cleanup.policy=compact);
#   - compaction at work: a county drained by the matcher, then teams'
#     decisions on 40 leads after the lead topic's segments may roll
#     (segment.ms 2 s, log.cleaner.backoff.ms 1 s): the log cleaner removes
#     superseded records (offsets go missing), and still the latest record
#     of every lead and alert id equals the store (changelog_check.py on
#     `canbao tail`, against canbao leads and canbao alerts).
# Always on real Kafka, whatever CANBAO_TEST_KAFKA says.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

if [ ! -x "$("$CANBAO_SOURCE_DIR/scripts/kafka.sh" bin)/kafka-topics.sh" ]; then
    [ "${CI:-}" = true ] && cb_fail "needs Kafka (scripts/kafka.sh install)"
    cb_log "SKIPPED: Kafka is not installed (scripts/kafka.sh install)"
    exit 0
fi

"$CANBAO" gen --people 3000 --seed 12 --out "$CB_TMP/county" >/dev/null
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW
cb_start_redis
# topics.sh's own knob for the output topics, passed on by kafka.sh
OUTPUT_CONFIG="segment.ms=2000 min.cleanable.dirty.ratio=0.01" \
    cb_start_kafka 3 --config log.cleaner.backoff.ms=1000
B=$CANBAO_BROKERS

# ------------------------------------------------- the topics as created
"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$B" --describe \
    --topic 'canbao\..*\.v1' >"$CB_TMP/describe.txt" 2>"$CB_TMP/describe.log" ||
    cb_fail "kafka-topics.sh --describe: $(tail -3 "$CB_TMP/describe.log")"
"$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$B" --describe \
    --entity-type topics >"$CB_TMP/configs.txt" 2>"$CB_TMP/configs.log" ||
    cb_fail "kafka-configs.sh --describe: $(tail -3 "$CB_TMP/configs.log")"
"$CB_PY" - "$CB_TMP/describe.txt" "$CB_TMP/configs.txt" <<'PY' ||
import re, sys
feeds = ["canbao.%s.v1" % t for t in
         ("business", "household", "death", "enrollment", "assistance",
          "ownership")]
want = {t: {"retention.ms": "2592000000"} for t in feeds}
want["canbao.deadletter.v1"] = {"retention.ms": "31536000000"}
for t in ("canbao.lead.v1", "canbao.alert.v1"):
    want[t] = {"cleanup.policy": "compact"}
# kafka-topics.sh --describe: a summary line, then one line a partition
topics, parts = {}, {}
for line in open(sys.argv[1]):
    f = dict(re.findall(r"(\w+): (\S*)", line))
    if "Partition" in f:
        parts.setdefault(f["Topic"], []).append(f)
    elif "PartitionCount" in f:
        topics[f["Topic"]] = f
# kafka-configs.sh --describe: the dynamic configs of each topic
conf, cur = {}, None
for line in open(sys.argv[2]):
    m = re.match(r"Dynamic configs for topic (\S+) are:", line)
    if m:
        cur = conf.setdefault(m.group(1), {})
    elif cur is not None and "=" in line:
        k, v = line.strip().split("=", 1)
        cur[k] = v.split(" ", 1)[0]
errors = []
if sorted(topics) != sorted(want):
    errors.append("topics %s, want %s" % (sorted(topics), sorted(want)))
for t, extra in want.items():
    if t not in topics:
        continue
    if topics[t]["PartitionCount"] != "16" or topics[t]["ReplicationFactor"] != "3":
        errors.append("%s: %s partitions, replication %s" %
                      (t, topics[t]["PartitionCount"], topics[t]["ReplicationFactor"]))
    for p in parts.get(t, []):
        if len(p["Replicas"].split(",")) != 3 or len(p["Isr"].split(",")) != 3:
            errors.append("%s partition %s: replicas %s, in sync %s" %
                          (t, p["Partition"], p["Replicas"], p["Isr"]))
    if len(parts.get(t, [])) != 16:
        errors.append("%s: %d partitions described" % (t, len(parts.get(t, []))))
    c = conf.get(t, {})
    need = dict(extra, **{"min.insync.replicas": "2",
                          "compression.type": "producer"})
    for k, v in need.items():
        if c.get(k) != v:
            errors.append("%s: %s=%s, want %s" % (t, k, c.get(k), v))
    if "cleanup.policy" not in extra and c.get("cleanup.policy", "delete") != "delete":
        errors.append("%s: cleanup.policy=%s" % (t, c["cleanup.policy"]))
for e in errors:
    print("[kafka_topics] topics: " + e)
sys.exit(1 if errors else 0)
PY
    cb_fail "the topics on the brokers are not deploy/topics.sh's"
cb_pass "9 topics on the brokers: 16 partitions, 3 replicas in sync, min.insync.replicas 2; leads and alerts compacted, the others kept for their retention"

# ------------------------------------------------- compaction under use
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/county/feeds/$feed.csv"
done
"$CANBAO" match -v >"$CB_TMP/match.log" 2>&1 &
MATCH_PID=$!
CB_PIDS+=("$MATCH_PID")
cb_wait_for_truth 600
cb_pass "the matcher drained the county on three brokers: stores equal the truth"

# Offsets of the lead topic, "partition offset" a message.
lead_offsets() {
    kcat -C -b "$B" -t canbao.lead.v1 -o beginning -e -q -f '%p %o\n'
}
# until SECONDS COMMAND: runs COMMAND until it succeeds or SECONDS passed
# (cb_wait_for counts tries, too few for a command that reads a topic).
until_ok() {
    local deadline=$((SECONDS + $1))
    until eval "$2" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 1
    done
}
before=$(lead_offsets | wc -l)
sleep 3 # older than segment.ms: the next record of a partition rolls it
"$CANBAO" leads --status open --format json --unmasked >"$CB_TMP/open.json"
"$CB_PY" -c 'import json, sys
for l in json.load(open(sys.argv[1]))[:40]: print(l["lead_id"])' \
    "$CB_TMP/open.json" >"$CB_TMP/decide.ids"
[ "$(wc -l <"$CB_TMP/decide.ids")" -ge 20 ] ||
    cb_fail "too few open leads to decide on: $(wc -l <"$CB_TMP/decide.ids")"
while read -r id; do
    "$CANBAO" lead "$id" contacted --reason "visited" >/dev/null ||
        cb_fail "canbao lead $id contacted"
done <"$CB_TMP/decide.ids"
ndecided=$(wc -l <"$CB_TMP/decide.ids")
# The matcher publishes decisions about once a second.  (Counting the
# topic's messages would not do: the cleaner may already be at work.)
decided_on_topic() {
    "$CANBAO" tail lead --exit-at-end --unmasked |
        "$CB_PY" -c 'import json, sys
ids = set(open(sys.argv[1]).read().split())
got = {json.loads(l)["record"]["lead_id"] for l in sys.stdin
       if json.loads(l).get("record", {}).get("status") == "contacted"}
print(len(ids & got))' "$CB_TMP/decide.ids"
}
until_ok 120 "[ \$(decided_on_topic) = $ndecided ]" ||
    cb_fail "the decisions never reached the lead topic: $(decided_on_topic) of $ndecided"
cb_pass "$ndecided decisions published after $before lead messages"

# The cleaner at work: offsets missing from the lead topic (a compacted
# log keeps its offsets, with gaps where superseded records were).
gaps() {
    lead_offsets | sort -n -k1,1 -k2,2 | awk '
        $1 != p { p = $1; n = 0 }
        { if ($2 != n) gap += $2 - n; n = $2 + 1 }
        END { print gap + 0 }'
}
until_ok 180 "[ \$(gaps) -gt 0 ]" ||
    cb_fail "the log cleaner removed nothing from canbao.lead.v1 in 180 s"
cb_pass "the log cleaner ran: $(gaps) superseded lead records removed, $(lead_offsets | wc -l) left"

kill -TERM "$MATCH_PID"
wait "$MATCH_PID" || cb_fail "the matcher did not stop cleanly"
"$CANBAO" tail lead alert --exit-at-end --unmasked >"$CB_TMP/tail.jsonl"
"$CANBAO" leads --status all --format json --unmasked >"$CB_TMP/leads.json"
"$CANBAO" alerts --format json --unmasked >"$CB_TMP/alerts.json"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/changelog_check.py" \
    "$CB_TMP/tail.jsonl" "$CB_TMP/leads.json" "$CB_TMP/alerts.json" ||
    cb_fail "the compacted topics are not the stores"
cb_pass "after compaction the latest record of every lead and alert id equals the store"
cb_log "PASS"
