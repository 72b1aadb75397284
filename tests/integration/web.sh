#!/usr/bin/env bash
# web.sh -- the workbench (issue 5): a matched county, three accounts, a
# matcher still running and `canbao web` on a free port; then the JSON API
# (tests/integration/web_api.py) and, where Chromium is installed, the
# page itself in a headless browser (tests/integration/web_browser.py).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

TA=320923001 # 阜城街道
TB=320923002 # 新沟镇
cb_produced_county 4000 5
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
