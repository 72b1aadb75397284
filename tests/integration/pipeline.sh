#!/usr/bin/env bash
# pipeline.sh -- end to end: a county written by `canbao gen`, loaded,
# produced through the embedded broker and matched, ends with exactly the
# leads, alerts and progress of its ground truth: none missing, none extra.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

PEOPLE=${CANBAO_PIPELINE_PEOPLE:-3000}
"$CANBAO" gen --people "$PEOPLE" --seed 11 --out "$CB_TMP/county" >/dev/null
AS_OF=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW=$AS_OF
cb_log "county of $PEOPLE people, evaluated on $AS_OF"

cb_start_redis
cb_start_broker
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load the snapshot" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
cb_log "$CB_OUT"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/county/feeds/$feed.csv"
    cb_log "$CB_OUT"
    cb_assert_contains "$CB_OUT" "rejected 0," "$feed: no good record refused"
done
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3
cb_log "$CB_OUT"
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
    last[r["subject_id"]] = r
stores = [json.loads(l)["lead"] for l in open(sys.argv[2]) if '"lead"' in l]
bad = 0
for l in stores:
    t = last.get(l["subject_id"])
    if t is None or t["lead_id"] != l["lead_id"] or t["status"] != l["status"]:
        bad += 1
print("lead topic: %d subjects, %d stored leads, %d not as stored" % (
    len(last), len(stores), bad))
sys.exit(1 if bad else 0)
PY
cb_pass "the lead topic's latest record of each subject is the stored lead"
cb_log "PASS"
