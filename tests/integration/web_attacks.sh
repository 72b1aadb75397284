#!/usr/bin/env bash
# web_attacks.sh -- the workbench attacked (issue 21, items 4 and 5): a
# matched county, its accounts and `canbao web` on a free port, then
# web_attacks.py runs each attack against it and fails if any succeeds:
# sign-in guessing in parallel, from many addresses and across names;
# probing lead ids; a live stream outliving its session; a change from an
# origin of another scheme or port; requests of ambiguous length; and
# connections that trickle their headers or hold every thread.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

TA=320923001 # 阜城街道
TB=320923002 # 新沟镇
cb_produced_county 1500 21
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3

for u in ta:"--township $TA" tb:"--township $TB" county:--county \
    victim:"--township $TA" victim2:"--township $TA"; do
    name=${u%%:*}
    # shellcheck disable=SC2086
    echo "$name-password" | "$CANBAO" user add "$name" ${u#*:} >/dev/null
done

cb_start_web web --no-follow
cb_log "workbench at $URL"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/web_attacks.py" "$URL" \
    "$CANBAO" "$REDIS_PORT" "$TA" "$TB" "$CB_TMP/web.log"
cb_pass "every attack failed"

kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web did not stop cleanly on SIGTERM"
cb_log "PASS"
