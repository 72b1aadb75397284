#!/usr/bin/env bash
# id_oracle.sh -- the masked lists give no whole ID number away (issue 21):
# a county is matched, then id_oracle.py plays the township user who
# downloads its masked leads and alerts and tries to rebuild the numbers
# offline, as the attack that recovered 477 of 489 numbers did: every
# number the mask allows (or, where that is too many, the true number
# itself) hashed every way the ids were ever made, compared with the row's
# lead or alert id.  It recovers nothing; the same attack against ids made
# the old way (unsalted SHA-1) recovers them, so the test can fail.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

cb_produced_county 3000 29
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3
cb_expect_exit 0 "leads (masked)" "$CANBAO" leads --status all --format csv
cp "$CB_TMP/out" "$CB_TMP/leads.csv"
cb_expect_exit 0 "leads (whole numbers)" "$CANBAO" leads --status all \
    --format csv --unmasked
cp "$CB_TMP/out" "$CB_TMP/leads-unmasked.csv"
cb_expect_exit 0 "alerts (masked)" "$CANBAO" alerts --format csv
cp "$CB_TMP/out" "$CB_TMP/alerts.csv"
cb_expect_exit 0 "alerts (whole numbers)" "$CANBAO" alerts --format csv \
    --unmasked
cp "$CB_TMP/out" "$CB_TMP/alerts-unmasked.csv"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/id_oracle.py" "$CB_TMP" ||
    cb_fail "a masked list gave numbers away"
cb_pass "no whole number recovered from the masked lists"
