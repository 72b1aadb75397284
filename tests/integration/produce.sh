#!/usr/bin/env bash
# produce.sh -- `canbao produce` against the test's broker (embedded, or
# real with CANBAO_TEST_KAFKA=real):
#  - every rejection reason lands in the dead-letter topic with its file,
#    line and field, and the good records around it are delivered;
#  - a GB18030 file's Chinese names arrive as the same names in UTF-8, a
#    quoted line break included;
#  - 10,000 good records and 1 bad one: 10,000 delivered, 1 dead-lettered;
#  - the broker taken down mid-run (the embedded one's fault injection, a
#    real one killed with SIGKILL and started again): exit 1, the
#    undelivered counted, and what the summary calls produced is exactly
#    what the topic holds.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

DATA="$CANBAO_SOURCE_DIR/tests/integration/produce_data.py"
TOWNSHIPS="$CANBAO_SOURCE_DIR/data/townships-funing.csv"
cb_start_broker

# Messages in a topic (offsets printed, one per message: binary-safe).
topic_count() {
    kcat -C -b "$CANBAO_BROKERS" -t "$1" -o beginning -e -q -f '%o\n' |
        wc -l | tr -d ' '
}

# ------------------------------------------------ every rejection reason
mkdir "$CB_TMP/bad"
"$CB_PY" "$DATA" bad "$CB_TMP/bad"
cd "$CB_TMP/bad"
for f in household.csv household.jsonl enrollment.csv business.csv death.csv \
    assistance.csv; do
    feed=${f%.*}
    rc=0
    "$CANBAO" produce "$feed" "$f" --townships "$TOWNSHIPS" \
        >"$CB_TMP/out.$f" 2>"$CB_TMP/err.$f" || rc=$?
    cb_assert_eq 0 "$rc" "produce $f exit status (every record delivered or dead-lettered)"
    cb_log "$(cat "$CB_TMP/out.$f")"
done
cd - >/dev/null
"$CANBAO" tail deadletter --exit-at-end --unmasked >"$CB_TMP/dlq.jsonl"
"$CB_PY" - "$CB_TMP/bad/expected.csv" "$CB_TMP/dlq.jsonl" <<'PY'
import csv, json, sys
want = {(r["feed"], r["file"], int(r["line"]), r["field"], r["reason"])
        for r in csv.DictReader(open(sys.argv[1]))}
got = set()
for line in open(sys.argv[2]):
    r = json.loads(line)["record"]
    got.add((r["feed"], r["file"], r["line"], r.get("field", ""), r["reason"]))
missing, extra = want - got, got - want
for m in sorted(missing): print("missing dead letter:", m)
for e in sorted(extra): print("unexpected dead letter:", e)
reasons = sorted({w[4] for w in want})
print("%d dead letters, %d reasons: %s" % (len(got), len(reasons), " ".join(reasons)))
sys.exit(1 if missing or extra else 0)
PY
cb_pass "every rejection reason dead-lettered with file, line and field"
# The good records around the bad ones went through.
cb_assert_contains "$(cat "$CB_TMP/out.household.csv")" "produced 3," "good household rows delivered"
cb_assert_contains "$(cat "$CB_TMP/err.household.csv")" "household.csv:3: name: missing_field" \
    "rejections named on stderr"
if grep -q "$(sed -n 2p "$CB_TMP/bad/household.csv" | cut -d, -f2)" "$CB_TMP"/err.*; then
    cb_fail "an ID number appears on stderr"
fi
cb_pass "no ID number on stderr"

# ------------------------------------------- GB18030 names, line breaks
"$CB_PY" "$DATA" names "$CB_TMP/names.csv"
iconv -f UTF-8 -t GB18030 "$CB_TMP/names.csv" >"$CB_TMP/names.gb.csv"
if cmp -s "$CB_TMP/names.csv" "$CB_TMP/names.gb.csv"; then
    cb_fail "the GB18030 file is not different from the UTF-8 one"
fi
cb_expect_exit 0 "produce GB18030" "$CANBAO" produce household \
    --encoding gb18030 "$CB_TMP/names.gb.csv"
cb_assert_contains "$CB_OUT" "produced 6, rejected 1 (unknown_enum 1)" "GB18030 counts"
"$CANBAO" tail household --exit-at-end --unmasked >"$CB_TMP/hh.jsonl"
"$CB_PY" - "$CB_TMP/names.csv" "$CB_TMP/hh.jsonl" <<'PY'
import csv, json, sys
want = {r["event_id"]: r["name"] for r in csv.DictReader(open(sys.argv[1]))
        if r["event_id"] != "n-bad"}
got = {}
for line in open(sys.argv[2]):
    r = json.loads(line)["record"]
    if r["event_id"] in want:
        got[r["event_id"]] = r["name"]
assert got == want, (got, want)
assert want["n-break"] == "陈\n桂兰"
print("names arrived as written:", ", ".join(sorted(got.values())))
PY
cb_pass "GB18030 names arrive in UTF-8, line break kept"
"$CANBAO" tail deadletter --exit-at-end --unmasked | grep names.gb.csv >"$CB_TMP/dl.names"
cb_assert_contains "$(cat "$CB_TMP/dl.names")" '"line":9' "line number after a quoted line break"

# ------------------------------------------------- 10,000 good and 1 bad
"$CB_PY" "$DATA" good 10000 "$CB_TMP/good.csv"
before_dl=$(topic_count canbao.deadletter.v1)
before_hh=$(topic_count canbao.household.v1)
cb_expect_exit 0 "produce 10,001 rows" "$CANBAO" produce household "$CB_TMP/good.csv"
cb_assert_contains "$CB_OUT" "read 10001, produced 10000, rejected 1" "summary"
cb_assert_contains "$CB_OUT" "dead-lettered 1, not delivered 0" "summary, delivery"
hh_before=$(topic_count canbao.household.v1)
cb_assert_eq $((before_dl + 1)) "$(topic_count canbao.deadletter.v1)" "dead-letter topic grew by 1"
cb_assert_eq $((before_hh + 10000)) "$hh_before" "household topic grew by 10,000"

# --------------------------------------------- the broker down mid-run
mkfifo "$CB_TMP/feed.fifo"
"$CANBAO" produce household - --format csv -X message.timeout.ms=3000 \
    <"$CB_TMP/feed.fifo" >"$CB_TMP/outage.out" 2>"$CB_TMP/outage.err" &
prod=$!
exec 3>"$CB_TMP/feed.fifo"
head -n 1001 "$CB_TMP/good.csv" >&3 # the header and 1,000 rows
cb_wait_for "[ \$(topic_count canbao.household.v1) -ge $((hh_before + 1000)) ]" 20 ||
    cb_fail "the first 1,000 records were not delivered"
cb_broker_down --kill
sed -n 1002,1501p "$CB_TMP/good.csv" >&3 # 500 more while it is down
exec 3>&-
rc=0
wait "$prod" || rc=$?
cb_assert_eq 1 "$rc" "exit status when records were not delivered"
cb_log "$(cat "$CB_TMP/outage.out")"
cb_assert_contains "$(cat "$CB_TMP/outage.out")" "read 1500, produced 1000" "outage summary"
cb_assert_contains "$(cat "$CB_TMP/outage.out")" "not delivered 500" "outage: 500 not delivered"
cb_assert_contains "$(cat "$CB_TMP/outage.err")" "500 record(s) were not delivered" "outage named"
cb_broker_up
cb_assert_eq $((hh_before + 1000)) "$(topic_count canbao.household.v1)" \
    "the topic holds exactly what was reported produced"

cb_log "PASS"
