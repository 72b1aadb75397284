#!/usr/bin/env bash
# web.sh -- the workbench (issue 5): a matched county, three accounts, a
# matcher still running and `canbao web` on a free port; then the JSON API
# (tests/integration/web_api.py) and, where Chromium is installed, the
# page itself in a headless browser (tests/integration/web_browser.py).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

TA=320923001 # 阜城街道
TB=320923002 # 新沟镇
cb_produced_county 4000 5

# Review items (docs/RULES.md 9.3) for the review queue: four residents
# of the register named otherwise by an assistance row or a death notice,
# three in township A (for web_api.py to confirm and reject one each, and
# for web_browser.py to reject one), one in township B.
"$CB_PY" - "$CB_TMP/rev" "$TA" "$TB" "$CANBAO_NOW" <<'PY'
import datetime, json, os, sys
out, ta, tb, now = sys.argv[1:5]
day = (datetime.date.fromisoformat(now) - datetime.timedelta(days=30))
at = day.isoformat() + "T09:00:00+08:00"
def pid(seq):  # 1950-01-01, a sequence the county's people do not use
    body = "320923195001019%02d" % seq
    s = sum(int(c) * w for c, w in zip(body, [7, 9, 10, 5, 8, 4, 2, 1, 6,
                                               3, 7, 9, 10, 5, 8, 4, 2]))
    return body + "10X98765432"[s % 11]
# odd sequences: men, as the rows say (the 17th digit is the sex)
people = [(1, ta, "张三丰", "assistance", "张三风"),
          (3, ta, "李小龙", "death", "李小隆"),
          (5, tb, "赵子龙", "assistance", "赵子隆"),
          (7, ta, "钱学森", "assistance", "钱学深")]
os.makedirs(out, exist_ok=True)
files = {k: open(os.path.join(out, k + ".jsonl"), "w")
         for k in ("household", "assistance", "death")}
for seq, tw, name, kind, other in people:
    p = pid(seq)
    files["household"].write(json.dumps({
        "event_id": "it-web-rev-hh-%d" % seq, "person_id": p, "name": name,
        "sex": "M", "birth_date": "1950-01-01", "action": "resident",
        "township_code": tw, "occurred_at": at}, ensure_ascii=False) + "\n")
    rec = {"event_id": "it-web-rev-%s-%d" % (kind, seq), "person_id": p,
           "name": other, "township_code": tw, "occurred_at": at}
    if kind == "death":
        rec.update(date_of_death=day.isoformat(), source="civil")
    else:
        rec.update(identity="minimum_living", valid_from=day.isoformat())
    files[kind].write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
for feed in household assistance death; do
    cb_expect_exit 0 "produce review rows: $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/rev/$feed.jsonl" --format jsonl
    cb_assert_contains "$CB_OUT$CB_ERR" "rejected 0" "every $feed row taken"
done
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3

for u in ta:"--township $TA" tb:"--township $TB" county:--county \
    locked:"--township $TA"; do
    name=${u%%:*}
    # shellcheck disable=SC2086
    echo "$name-password" | "$CANBAO" user add "$name" ${u#*:} >/dev/null
done
cb_expect_exit 2 "a user without a role" "$CANBAO" user add nobody
echo short | cb_expect_exit 1 "a short password" "$CANBAO" user add x --county
echo "x-password" | cb_expect_exit 1 "an unknown township" "$CANBAO" user add \
    x --township 999999999
echo "ta-password" | cb_expect_exit 1 "an account that exists" "$CANBAO" user \
    add ta --township "$TA"

# the matcher keeps running: the live list needs its changes
"$CANBAO" match >"$CB_TMP/match.log" 2>&1 &
CB_PIDS+=("$!")
cb_start_web web
cb_log "workbench at $URL"
# the matcher's group must have its partitions before events are produced
cb_wait_for "grep -q 'assigned' $CB_TMP/match.log" 30 ||
    cb_log "(the matcher has not said it was assigned; going on)"

"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/web_api.py" "$URL" \
    "$CANBAO" "$REDIS_PORT" "$TA" "$TB"
cb_pass "the JSON API"

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    SHOTS=${CANBAO_SCREENSHOTS:-$CANBAO_BUILD_DIR/screenshots}
    mkdir -p "$SHOTS"
    "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/web_browser.py" "$URL" \
        "$SHOTS" "$TA"
    cb_pass "the page in headless Chromium (screenshots in $SHOTS)"
elif [ "${CI:-}" = true ]; then
    cb_fail "CI needs chromium and chromium-driver for the browser test"
else
    cb_log "SKIPPED the browser test: no /usr/bin/chromium and chromedriver"
fi

kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web did not stop cleanly on SIGTERM"
cb_log "PASS"
