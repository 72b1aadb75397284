#!/usr/bin/env bash
# identities.sh -- probable_typo and duplicate_identity (docs/RULES.md 9.3)
# through the whole pipeline on the embedded broker: a death notice whose
# number has two digits swapped is dead-lettered by `canbao produce`, the
# matcher weighs it against the register and raises a probable_typo for
# the one person it can be; two numbers of one name, sex and birth date,
# both drawing a pension, raise a duplicate_identity with the amount at
# risk.  `canbao review ... correct` re-produces the notice into its feed
# with the right number and its provenance (read back by kcat, an
# independent client), and the death then applies: its alert appears.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

export CANBAO_NOW=2025-11-20T10:00:00+08:00
TW=320923008
P1=320923198008081234  # 王建国, drawing a pension
P2=320923198008081250  # 王 建国: the same name, sex and birth date
P3=320923198109091230  # 王建国 too, another birth date: a namesake only
SWAP=320923198080081234 # P1 with digits 11 and 12 swapped
P4=32092319900101122X # 李秀英, enrolled, never paid
P5=320923199001011246  # 李秀英 too: a pair with no month paid together
P0=320923198505051116  # 赵六, no pension: tells no group about itself
P6=320923199204053227  # 张小红, no pension, registered after a slip of hers
SLIP6=320923199204053228 # P6 with a wrong check character
cb_start_redis
cb_start_broker
printf 'township_code,township,target_total,target_2025\n%s,阜城街道,100,100\n' "$TW" \
    >"$CB_TMP/townships.csv"
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/townships.csv"

# First a pair never paid in the same month, alone: its item has no
# evidence and amount 0, and listing it whole must not stumble on that
# (the walk once handed on a NULL evidence that UBSan caught).
cat >"$CB_TMP/pair-household.csv" <<EOF
event_id,person_id,name,sex,birth_date,action,township_code,occurred_at
hh-4,$P4,李秀英,F,1990-01-01,resident,$TW,2025-01-02T09:00:00+08:00
hh-5,$P5,李秀英,F,1990-01-01,resident,$TW,2025-01-02T09:00:00+08:00
hh-0,$P0,赵六,M,1985-05-05,resident,$TW,2025-01-02T09:00:00+08:00
EOF
cat >"$CB_TMP/pair-enrollment.csv" <<EOF
event_id,person_id,uscc,scheme,action,period,amount_fen,paid_by,subsidy_tier,region_code,township_code,occurred_at
e-4,$P4,,resident_pension,enroll,,,,,320923,$TW,2024-02-02T09:00:00+08:00
e-5,$P5,,resident_pension,enroll,,,,,320923,$TW,2024-02-02T09:00:00+08:00
EOF
for feed in household enrollment; do
    cb_expect_exit 0 "produce the pair's $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/pair-$feed.csv"
done
cb_expect_exit 0 "match the pair" "$CANBAO" match --until-idle 3
# Only the two pensioners tell their name's group about themselves (one
# message each, keyed by the group: G and 16 hex digits); 赵六, without a
# pension and never asked about, sends nothing.
kcat -b "$CANBAO_BROKERS" -C -t canbao.ownership.v1 -o beginning -e -q \
    -f '%k\n' >"$CB_TMP/ownership-keys.txt" 2>"$CB_TMP/kcat.err" ||
    cb_fail "kcat: $(cat "$CB_TMP/kcat.err")"
cb_assert_eq 2 "$(grep -c '^G[0-9a-f]\{16\}$' "$CB_TMP/ownership-keys.txt")" \
    "two holder messages: the pensioners', none for 赵六"
cb_expect_exit 0 "the pair's item, whole" "$CANBAO" reviews --status all \
    --format csv --unmasked
cb_assert_eq 2 "$(wc -l <<<"$CB_OUT")" "a header and the pair"
cb_assert_contains "$CB_OUT" ",duplicate_identity,$TW,$P4,$P5,李秀英|李秀英,,open," \
    "the pair, the smaller number first, no evidence"
cb_expect_exit 0 "the pair's amount" "$CANBAO" reviews --format json
"$CB_PY" -c 'import json,sys; r=json.loads(sys.argv[1]); assert len(r) == 1 and r[0]["amount_at_risk_fen"] == "0", r' \
    "$CB_OUT" || cb_fail "the amount at risk of a pair never paid: $CB_OUT"
cb_pass "a pair never paid together: amount 0, no evidence"

cat >"$CB_TMP/household.csv" <<EOF
event_id,person_id,name,sex,birth_date,action,township_code,occurred_at
hh-1,$P1,王建国,M,1980-08-08,resident,$TW,2025-01-02T09:00:00+08:00
hh-2,$P2,王 建国,M,1980-08-08,resident,$TW,2025-01-02T09:00:00+08:00
hh-3,$P3,王建国,M,1981-09-09,resident,$TW,2025-01-02T09:00:00+08:00
EOF
cat >"$CB_TMP/enrollment.csv" <<EOF
event_id,person_id,uscc,scheme,action,period,amount_fen,paid_by,subsidy_tier,region_code,township_code,occurred_at
e-1,$P1,,resident_pension,enroll,,,,,320923,$TW,2024-02-02T09:00:00+08:00
e-2,$P2,,resident_pension,enroll,,,,,320923,$TW,2024-02-02T09:00:00+08:00
e-3,$P3,,resident_pension,enroll,,,,,320923,$TW,2024-02-02T09:00:00+08:00
b-1,$P1,,resident_pension,benefit,2025-09,15000,,,320923,$TW,2025-10-02T09:00:00+08:00
b-2,$P2,,resident_pension,benefit,2025-09,16000,,,320923,$TW,2025-10-02T09:00:00+08:00
b-3,$P2,,resident_pension,benefit,2025-10,16000,,,320923,$TW,2025-11-02T09:00:00+08:00
EOF
# d-1 names P1 with a slip; d-2 a slip of a number no 王建国 holds
cat >"$CB_TMP/death.csv" <<EOF
event_id,person_id,name,date_of_death,source,township_code,occurred_at
d-1,$SWAP,王建国,2025-06-01,civil,$TW,2025-06-03T09:00:00+08:00
d-2,320923197707071234,王建国,2025-06-01,civil,$TW,2025-06-03T09:00:00+08:00
EOF
for feed in household enrollment death; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/$feed.csv"
done
cb_assert_contains "$CB_OUT" "dead-lettered 2" "both notices refused"
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3

cb_expect_exit 0 "reviews csv" "$CANBAO" reviews --status all --format csv \
    --unmasked
csv=$CB_OUT
cb_assert_eq 4 "$(wc -l <<<"$csv")" "a header, the pair and two items"
typo=$(grep ',probable_typo,' <<<"$csv")
dup=$(grep ",duplicate_identity,$TW,$P1," <<<"$csv")
cb_assert_contains "$typo" ",probable_typo,$TW,$P1,$SWAP,王建国|王建国,d-1,open," \
    "the slip names P1, the number as written, the notice"
cb_assert_contains "$dup" ",duplicate_identity,$TW,$P1,$P2,王建国|王 建国,b-1 b-2,open," \
    "one pair: the smaller number first, the months both were paid"
cb_expect_exit 0 "reviews json" "$CANBAO" reviews --kind duplicate_identity \
    --format json --unmasked
"$CB_PY" -c 'import json,sys; r=[x for x in json.loads(sys.argv[1]) if x["other_id"] == sys.argv[2]]; assert len(r) == 1 and r[0]["amount_at_risk_fen"] == "15000", r' \
    "$CB_OUT" "$P2" || cb_fail "the amount at risk: $CB_OUT"
cb_pass "amount at risk 15000 fen: the smaller of 2025-09's payments"
cb_expect_exit 0 "reviews masked" "$CANBAO" reviews --kind probable_typo
case "$CB_OUT" in *"$P1"* | *"$SWAP"* | *王建国*) cb_fail "shown whole: $CB_OUT" ;; esac
cb_assert_contains "$CB_OUT" "320923************" "numbers masked"

# Before any verdict the notice is not applied: no alert.
cb_expect_exit 0 "alerts" "$CANBAO" alerts --format csv
cb_assert_eq 1 "$(wc -l <<<"$CB_OUT")" "no alert while the slip is open"

typo_id=${typo%%,*}
dup_id=${dup%%,*}
cb_expect_exit 1 "confirm a typo" "$CANBAO" review "$typo_id" confirm \
    --reason "x"
cb_assert_contains "$CB_ERR" "corrected or rejected" "a slip is corrected"
cb_expect_exit 1 "correct a duplicate" "$CANBAO" review "$dup_id" correct \
    --reason "x"
cb_assert_contains "$CB_ERR" "confirmed or rejected" "a pair is confirmed"
cb_expect_exit 0 "reject the pair" "$CANBAO" review "$dup_id" reject \
    --reason "two brothers, checked at the police station"
cb_assert_eq "$dup_id: rejected" "$CB_OUT" "rejected"
cb_expect_exit 0 "correct the slip" "$CANBAO" review "$typo_id" correct \
    --reason "the civil office's form says 19800808"
cb_assert_eq "$typo_id: corrected" "$CB_OUT" "corrected"

# The matcher hands the corrected notice to the death topic, reads it
# back and applies it.
cb_expect_exit 0 "match after" "$CANBAO" match --until-idle 3
kcat -b "$CANBAO_BROKERS" -C -t canbao.death.v1 -o beginning -e -q \
    -f '%k|%h\n' >"$CB_TMP/death-topic.txt" 2>"$CB_TMP/kcat.err" ||
    cb_fail "kcat: $(cat "$CB_TMP/kcat.err")"
corr=$(grep "canbao-review=$typo_id" "$CB_TMP/death-topic.txt") ||
    cb_fail "no corrected record on canbao.death.v1: $(cat "$CB_TMP/death-topic.txt")"
cb_assert_contains "$corr" "$P1|" "keyed by the candidate's number"
cb_assert_contains "$corr" "canbao-source-file=$CB_TMP/death.csv," "its file"
cb_assert_contains "$corr" "canbao-source-line=2" "its line"
cb_assert_contains "$corr" "canbao-corrected-from=$SWAP" "the number as written"
cb_assert_eq 1 "$(grep -c "canbao-review=" "$CB_TMP/death-topic.txt")" \
    "re-produced once"
cb_expect_exit 0 "tail death" "$CANBAO" tail death --exit-at-end --unmasked
cb_assert_contains "$CB_OUT" "\"event_id\":\"d-1\"" "its own event id"
cb_assert_contains "$CB_OUT" "\"person_id\":\"$P1\"" "the candidate's number"

cb_expect_exit 0 "alerts after" "$CANBAO" alerts --format csv --unmasked
cb_assert_contains "$CB_OUT" ",paid_after_death,$P1," \
    "the death applies to P1: a pension paid after it"
cb_expect_exit 0 "reviews after" "$CANBAO" reviews --status all --format csv
cb_assert_contains "$CB_OUT" ",probable_typo," "the slip stays listed"
cb_assert_contains "$CB_OUT" ",corrected," "as corrected"
cb_assert_contains "$CB_OUT" ",rejected," "the pair as rejected"

# A person without a pension is asked about by the group of her name
# when a notice names her with a slip, even before she is registered:
# the slip comes first, the item once her household row does.
cat >"$CB_TMP/death-6.csv" <<EOF
event_id,person_id,name,date_of_death,source,township_code,occurred_at
d-6,$SLIP6,张小红,2025-06-01,civil,$TW,2025-06-03T09:00:00+08:00
EOF
cb_expect_exit 0 "produce the slip first" "$CANBAO" produce death \
    "$CB_TMP/death-6.csv"
cb_assert_contains "$CB_OUT" "dead-lettered 1" "the slip refused"
cb_expect_exit 0 "match the slip" "$CANBAO" match --until-idle 3
cb_expect_exit 0 "reviews, slip alone" "$CANBAO" reviews --status all \
    --format csv --unmasked
case "$CB_OUT" in *"$SLIP6"*) cb_fail "an item with nobody to name: $CB_OUT" ;; esac
cat >"$CB_TMP/household-6.csv" <<EOF
event_id,person_id,name,sex,birth_date,action,township_code,occurred_at
hh-6,$P6,张小红,F,1992-04-05,resident,$TW,2025-07-01T09:00:00+08:00
EOF
cb_expect_exit 0 "produce her register" "$CANBAO" produce household \
    "$CB_TMP/household-6.csv"
cb_expect_exit 0 "match her register" "$CANBAO" match --until-idle 3
cb_expect_exit 0 "reviews, then" "$CANBAO" reviews --status all \
    --format csv --unmasked
cb_assert_contains "$CB_OUT" \
    ",probable_typo,$TW,$P6,$SLIP6,张小红|张小红,d-6,open," \
    "the slip names her once she is registered"
