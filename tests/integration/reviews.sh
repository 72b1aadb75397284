#!/usr/bin/env bash
# reviews.sh -- the review items of docs/RULES.md 9.3 through the commands
# a township team uses: `canbao reviews` lists them (masked, or whole with
# --unmasked; the CSV's columns), `canbao review` records a verdict (a
# confirmed death closes the lead and raises its alert at once, a rejected
# one takes them back), `canbao report` counts the open ones by kind.  The
# events go in through apply_tool (the matcher's real step, no Kafka).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

export CANBAO_NOW=2025-11-20T10:00:00+08:00
TW=320923008
P=320923198008081234 # 王建国 in the register
cb_start_redis
printf 'township_code,township,target_total,target_2025\n%s,阜城街道,100,100\n' "$TW" \
    >"$CB_TMP/townships.csv"
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/townships.csv"

# A resident under another name in an assistance row and a death notice,
# with a medical enrollment that is still on.  (apply_tool's steps run at
# the clock's 0: the items are raised at 1970-01-01T08:00:00+08:00.)
"$APPLY_TOOL" "$CANBAO_REDIS" 2025-11-20 >/dev/null <<EOF
{"kind":"household","record":{"event_id":"hh-1","person_id":"$P","name":"王建国","sex":"M","birth_date":"1980-08-08","action":"resident","township_code":"$TW","occurred_at":"2025-01-02T09:00:00+08:00"}}
{"kind":"enrollment","record":{"event_id":"e-1","person_id":"$P","scheme":"resident_medical","action":"enroll","region_code":"320923","township_code":"$TW","occurred_at":"2024-02-02T09:00:00+08:00"}}
{"kind":"assistance","record":{"event_id":"a-1","person_id":"$P","name":"王建","identity":"minimum_living","valid_from":"2025-01-01","township_code":"$TW","occurred_at":"2025-03-01T09:00:00+08:00"}}
{"kind":"death","record":{"event_id":"d-1","person_id":"$P","name":"李四","date_of_death":"2025-06-01","source":"civil","township_code":"$TW","occurred_at":"2025-06-03T09:00:00+08:00"}}
EOF

cb_expect_exit 0 "reviews" "$CANBAO" reviews
cb_assert_contains "$CB_ERR" "2 review item(s)" "two items open"
cb_assert_contains "$CB_OUT" "320923**********" "the number masked"
cb_assert_contains "$CB_OUT" "王**|李*" "the names masked"
case "$CB_OUT" in *王建国*) cb_fail "a name shown whole" ;; esac

cb_expect_exit 0 "reviews csv" "$CANBAO" reviews --status all --format csv \
    --unmasked
csv=$CB_OUT
cb_assert_eq "review_id,kind,township_code,subject_id,other_id,names,evidence,status,raised_at,resolved_at" \
    "$(head -1 <<<"$csv")" "the CSV's columns"
death=$(grep death_unconfirmed <<<"$csv")
mismatch=$(grep name_mismatch <<<"$csv")
cb_assert_contains "$death" ",death_unconfirmed,$TW,$P,,王建国|李四,d-1,open,1970-01-01T08:00:00+08:00," \
    "the death's item, whole"
cb_assert_contains "$mismatch" ",name_mismatch,$TW,$P,,王建国|王建,a-1,open,1970-01-01T08:00:00+08:00," \
    "the assistance row's item, whole"
rid=${death%%,*}
[[ "$rid" =~ ^R[0-9a-f]{16}$ ]] || cb_fail "review id '$rid'"
cb_expect_exit 0 "reviews json" "$CANBAO" reviews --kind death_unconfirmed \
    --format json
"$CB_PY" -c 'import json,sys; r=json.loads(sys.argv[1]); assert len(r) == 1 and r[0]["kind"] == "death_unconfirmed" and "resolved_at" not in r[0], r' \
    "$CB_OUT" || cb_fail "the JSON list"
cb_expect_exit 0 "reviews of another township" "$CANBAO" reviews \
    --township 320923001
cb_assert_contains "$CB_ERR" "0 review item(s)" "none there"

# The notice waits: the lead is open, no alert.
cb_expect_exit 0 "leads" "$CANBAO" leads --status all --format csv --unmasked
cb_assert_contains "$CB_OUT" ",assisted_not_enrolled,high," "the lead, open"
cb_assert_contains "$CB_OUT" ",open,," "not closed"
cb_expect_exit 0 "alerts" "$CANBAO" alerts --format csv
cb_assert_eq 1 "$(wc -l <<<"$CB_OUT")" "no alert yet"
cb_expect_exit 0 "report" "$CANBAO" report --format csv
cb_assert_eq "township_code,township,year,target,enrolled,percent,open_leads,open_name_mismatch,open_death_unconfirmed,open_probable_typo,open_duplicate_identity" \
    "$(head -1 <<<"$CB_OUT")" "the report's columns: open items by kind, last"
cb_assert_contains "$CB_OUT" "$TW,阜城街道,2025,100,0,0.0,1,1,1,0,0" \
    "two open: a name mismatch and a death"
cb_expect_exit 0 "report json" "$CANBAO" report --format json
"$CB_PY" -c 'import json,sys; r=json.loads(sys.argv[1]); k=list(r[0]); assert k[-4:] == ["open_name_mismatch","open_death_unconfirmed","open_probable_typo","open_duplicate_identity"] and r[0]["open_death_unconfirmed"] == 1 and "working_age_uninsured" in k, k' \
    "$CB_OUT" || cb_fail "the JSON report's columns"

# Confirmed: the death applies with its own date, at once.
cb_expect_exit 0 "review confirm" "$CANBAO" review "$rid" confirm \
    --reason "the civil office checked the notice"
cb_assert_eq "$rid: confirmed" "$CB_OUT" "confirmed"
cb_expect_exit 0 "leads after" "$CANBAO" leads --status all --format csv \
    --unmasked
cb_assert_contains "$CB_OUT" ",closed,deceased,2025-06-01T00:00:00+08:00," \
    "the lead closed on the notice's date"
cb_assert_contains "$CB_OUT" "review:confirm:2025-11-20" "its provenance"
cb_expect_exit 0 "alerts after" "$CANBAO" alerts --format csv
cb_assert_contains "$CB_OUT" "active_after_death" "the death's alert"
cb_expect_exit 0 "reviews after" "$CANBAO" reviews --status confirmed \
    --format csv
cb_assert_contains "$CB_OUT" ",confirmed,1970-01-01T08:00:00+08:00,2025-11-20T10:00:00+08:00" \
    "raised when it was, resolved at the verdict's time"
cb_expect_exit 0 "report after" "$CANBAO" report --format csv
cb_assert_contains "$CB_OUT" "$TW,阜城街道,2025,100,0,0.0,0,1,0,0,0" \
    "the name mismatch open, the death decided, the lead closed"
rdec=$(redis-cli -p "$REDIS_PORT" --raw keys 'cb:rdec:*')
redis-cli -p "$REDIS_PORT" --raw hget "$rdec" "${rid#R}" >"$CB_TMP/rdec"
grep -q "the civil office checked the notice" "$CB_TMP/rdec" ||
    cb_fail "the reason is not kept"
cb_pass "the reason is kept"

# Rejected after all: the death is withdrawn, the lead open again.
CANBAO_NOW=2025-11-21T10:00:00+08:00 cb_expect_exit 0 "review reject" \
    "$CANBAO" review "$rid" reject --reason "another person of that name"
cb_assert_eq "$rid: rejected" "$CB_OUT" "rejected"
cb_expect_exit 0 "leads at last" "$CANBAO" leads --format csv --unmasked
cb_assert_contains "$CB_OUT" ",assisted_not_enrolled,high," "open again"
cb_expect_exit 0 "alerts at last" "$CANBAO" alerts --format csv
cb_assert_eq 1 "$(wc -l <<<"$CB_OUT")" "the alert left"
cb_expect_exit 0 "reviews rejected" "$CANBAO" reviews --status rejected \
    --format csv
cb_assert_contains "$CB_OUT" ",rejected,1970-01-01T08:00:00+08:00,2025-11-21T10:00:00+08:00" \
    "the later verdict stands"

# Usage and unknown items.
cb_expect_exit 1 "no such item" "$CANBAO" review R0123456789abcdef confirm \
    --reason x
cb_assert_contains "$CB_ERR" "no review item R0123456789abcdef" "says so"
cb_expect_exit 1 "correct" "$CANBAO" review "$rid" correct --reason x
cb_assert_contains "$CB_ERR" "death_unconfirmed item is confirmed or rejected" \
    "correct is for probable_typo only"
cb_log "PASS"
