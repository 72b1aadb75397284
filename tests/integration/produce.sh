#!/usr/bin/env bash
# produce.sh -- `canbao produce` against the test's broker (embedded, or
# real with CANBAO_TEST_KAFKA=real):
#  - every rejection reason lands in the dead-letter topic with its file,
#    line and field, and the good records around it are delivered;
#  - a GB18030 file's Chinese names arrive as the same names in UTF-8, a
#    quoted line break included;
#  - legacy 15-digit numbers in every person field: accepted and kept as
#    written on the topic, keyed by their 18-digit form (kcat reads the
#    keys), so both forms of a person share a partition; bad ones
#    dead-lettered with their reasons; masked in `canbao tail`;
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

# ----------------------------------------- legacy 15-digit numbers (9.1)
mkdir "$CB_TMP/legacy"
"$CB_PY" "$DATA" legacy "$CB_TMP/legacy"
cd "$CB_TMP/legacy"
for feed in household death enrollment assistance business; do
    cb_expect_exit 0 "produce legacy $feed.csv" "$CANBAO" produce "$feed" \
        "$feed.csv" --townships "$TOWNSHIPS"
    cb_log "$CB_OUT"
done
cb_assert_contains "$CB_OUT" "read 2, produced 1, rejected 1 (id_birth_date 1)" \
    "business: the legacy representative taken, the bad one refused"
cd - >/dev/null
for feed in household death enrollment assistance; do
    "$CANBAO" tail "$feed" --exit-at-end --unmasked
done >"$CB_TMP/legacy.tail"
for feed in household death enrollment assistance; do
    kcat -C -b "$CANBAO_BROKERS" -t "canbao.$feed.v1" -o beginning -e -q \
        -f "$feed %p %o %k\n"
done >"$CB_TMP/legacy.keys"
"$CB_PY" - "$CB_TMP/legacy/persons.csv" "$CB_TMP/legacy.tail" \
    "$CB_TMP/legacy.keys" <<'PY' || cb_fail "legacy numbers on the topics"
import csv, json, sys
want = {r["event_id"]: r for r in csv.DictReader(open(sys.argv[1]))}
keys = {}
for line in open(sys.argv[3]):
    feed, part, off, key = line.split()
    keys[("canbao.%s.v1" % feed, int(part), int(off))] = key
seen, parts = set(), {}
for line in open(sys.argv[2]):
    m = json.loads(line)
    eid = m["record"]["event_id"]
    if eid not in want:
        continue
    w = want[eid]
    got = m["record"]["person_id"]
    assert got == w["as_written"], (eid, "record holds", got)
    key = keys[(m["topic"], m["partition"], m["offset"])]
    assert key == w["full"], (eid, "kcat key", key, "want", w["full"])
    parts.setdefault(w["full"], set()).add(m["partition"])
    seen.add(eid)
assert seen == set(want), ("missing", sorted(set(want) - seen))
for person, p in parts.items():
    assert len(p) == 1, (person, "in partitions", p)
print("%d records keep their numbers as written, keyed by the 18-digit "
      "form: %s" % (len(seen), ", ".join(sorted(
          "%s %s->%s" % (e, w["as_written"], w["full"])
          for e, w in want.items()))))
PY
cb_pass "legacy numbers kept as written, keyed by the 18-digit form, one partition per person"
cb_assert_contains "$("$CANBAO" tail business --exit-at-end --unmasked | grep '"l-b-1"')" \
    '"legal_rep_id":"320923800101123"' "a legacy legal_rep_id kept as written"
"$CANBAO" tail deadletter --exit-at-end --unmasked >"$CB_TMP/legacy.dlq"
"$CB_PY" - "$CB_TMP/legacy/expected.csv" "$CB_TMP/legacy.dlq" <<'PY' ||
import base64, csv, json, sys
want = {(r["feed"], r["file"], int(r["line"]), r["field"], r["reason"])
        for r in csv.DictReader(open(sys.argv[1]))}
files = {w[1] for w in want}
got = set()
for line in open(sys.argv[2]):
    r = json.loads(line)["record"]
    # the first section's files have the same names: only this run's rows
    if r["file"] in files and base64.b64decode(r["raw"]).startswith(b"l-"):
        got.add((r["feed"], r["file"], r["line"], r.get("field", ""),
                 r["reason"]))
for m in sorted(want - got): print("missing dead letter:", m)
for e in sorted(got - want): print("unexpected dead letter:", e)
sys.exit(1 if want != got else 0)
PY
    cb_fail "bad legacy numbers dead-lettered"
cb_pass "bad 15-digit numbers dead-lettered: id_charset, id_birth_date, id_length, birth_date_mismatch, sex_mismatch"
# Masked (no --unmasked): the record's 15 digits keep the area only, the
# key its 18-digit form's; the dead letter's raw bytes are masked too.
"$CANBAO" tail household --exit-at-end | grep '"l-hh-1"' >"$CB_TMP/legacy.masked"
cb_assert_contains "$(cat "$CB_TMP/legacy.masked")" '"person_id":"320923*********"' \
    "tail masks a 15-digit number"
cb_assert_contains "$(cat "$CB_TMP/legacy.masked")" '"key":"320923************"' \
    "tail masks the 18-digit key"
"$CANBAO" tail deadletter --exit-at-end |
    "$CB_PY" -c 'import base64, json, sys
for line in sys.stdin:
    raw = base64.b64decode(json.loads(line)["record"]["raw"])
    if raw.startswith(b"l-hh-9,"):
        print(raw.decode())' >"$CB_TMP/legacy.dl.masked"
if grep -q "320923800101123" "$CB_TMP/legacy.masked" "$CB_TMP/legacy.dl.masked"; then
    cb_fail "a legacy number shows unmasked"
fi
cb_assert_contains "$(cat "$CB_TMP/legacy.dl.masked")" "l-hh-9,320923*********," \
    "dead letter's raw record masks the 15-digit number"
cb_pass "legacy numbers masked in tail and in dead letters"

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
