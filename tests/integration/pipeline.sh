#!/usr/bin/env bash
# pipeline.sh -- end to end: a county written by `canbao gen`, loaded,
# produced through the embedded broker and matched, ends with exactly the
# leads, alerts and progress of its ground truth: none missing, none extra
# (with some numbers written in the legacy 15-digit form).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

PEOPLE=${CANBAO_PIPELINE_PEOPLE:-3000}
"$CANBAO" gen --people "$PEOPLE" --seed 11 --out "$CB_TMP/county" >/dev/null
AS_OF=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW=$AS_OF
cb_log "county of $PEOPLE people, evaluated on $AS_OF"
# Some rows write legacy 15-digit numbers (RULES.md 9.1): the truth is
# the same, so the matcher must fold both forms of a person into one.
LEGACY=$("$CB_PY" - "$CB_TMP/county" <<'PY'
import csv, glob, sys
n = 0
for f in glob.glob(sys.argv[1] + "/feeds/*.csv") + \
        [sys.argv[1] + "/snapshot/enrollment.csv"]:
    for r in csv.DictReader(open(f, encoding="utf-8")):
        n += sum(1 for k in ("person_id", "legal_rep_id")
                 if len(r.get(k) or "") == 15)
print(n)
PY
)
[ "$LEGACY" -gt 0 ] || cb_fail "the county has no legacy 15-digit numbers"
cb_log "$LEGACY rows write a legacy 15-digit number"

cb_start_redis
cb_start_broker
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load the snapshot" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
cb_log "$CB_OUT"
cb_assert_eq 1024 "$(redis-cli -p "$REDIS_PORT" config get hash-max-listpack-value | tail -1)" \
    "hash-max-listpack-value raised, so that states stay listpacks"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/county/feeds/$feed.csv"
    cb_log "$CB_OUT"
    # refused: exactly the rows with a slip in a person's number
    SLIPS=$("$CB_PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("ident_defects", {}).get("refused_rows", {}).get("feeds/" + sys.argv[2] + ".csv", 0))' \
        "$CB_TMP/county/manifest.json" "$feed")
    echo "$CB_OUT" | grep -Eq "rejected $SLIPS[ ,]" ||
        cb_fail "$feed: no good record refused, every slip: $CB_OUT"
    cb_pass "$feed: no good record refused, every slip"
done
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3
cb_log "$CB_OUT"
# The applied positions live in Redis: another group (Kafka holds no
# offsets for it) starts where Redis says and finds nothing left to do.
cb_expect_exit 0 "match again, another group" "$CANBAO" match --group again \
    --until-idle 2
cb_assert_contains "$CB_OUT" "match: 0 messages, 0 events applied" \
    "resumed from the offsets in Redis"
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl"
cb_pass "the stores equal the ground truth"

# The lead and alert topics carry what the stores hold.
"$CANBAO" tail lead --exit-at-end --unmasked >"$CB_TMP/lead-topic.jsonl"
"$CB_PY" - "$CB_TMP/lead-topic.jsonl" "$CB_TMP/stores.jsonl" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    r = json.loads(line)["record"]
    last[r["lead_id"]] = r
stores = {}
for l in open(sys.argv[2]):
    if '"lead"' in l:
        x = json.loads(l)["lead"]
        stores[x["lead_id"]] = x
bad = []
for lid, l in stores.items():
    t = last.get(lid)
    if t is None or t["status"] != l["status"] or \
            t.get("closed_reason") != l.get("closed_reason"):
        bad.append(("stored", l, t))
for lid, t in last.items():
    # A lead that left the store (its facts no longer make one, or a new
    # episode replaced it) was last heard of closed.
    if lid not in stores and t["status"] != "closed":
        bad.append(("gone", None, t))
for b in bad[:5]:
    print(b)
print("lead topic: %d leads, %d stored leads, %d not as stored" % (
    len(last), len(stores), len(bad)))
sys.exit(1 if bad else 0)
PY
cb_pass "the lead topic's latest record of each lead is the stored lead"

# The alert topic, township by township: the latest word on each alert is
# the stored alert, and an alert heard of and no longer stored there was
# last withdrawn.
"$CANBAO" tail alert --exit-at-end --unmasked >"$CB_TMP/alert-topic.jsonl"
"$CB_PY" - "$CB_TMP/alert-topic.jsonl" "$CB_TMP/stores.jsonl" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    r = m["record"]
    last[(r["township_code"], r["alert_id"])] = (m.get("withdrawn", False), r)
stores = {}
for l in open(sys.argv[2]):
    if '"alert"' in l:
        a = json.loads(l)["alert"]
        stores[(a["township_code"], a["alert_id"])] = a
bad = []
for k, a in stores.items():
    w, r = last.get(k, (True, None))
    if w or r["amount_at_risk_fen"] != a["amount_at_risk_fen"] or \
            r["evidence"] != a["evidence"]:
        bad.append(("stored", a, r))
for k, (w, r) in last.items():
    if k not in stores and not w:
        bad.append(("gone", None, r))
for b in bad[:5]:
    print(b)
print("alert topic: %d alerts, %d stored alerts, %d not as stored" % (
    len(last), len(stores), len(bad)))
sys.exit(1 if bad else 0)
PY
cb_pass "the alert topic's latest word on each alert is the stored alert"
cb_log "PASS"
