#!/usr/bin/env bash
# valgrind_run.sh -- every long-running canbao process under valgrind's
# memcheck on a short run (issue 6): the embedded broker, the five
# producers (bad records among the good), load, targets, the matcher (to
# the end of the topics, then again after a restart), leads, lead, alerts,
# report, tail, user, and the workbench serving a township's requests until
# SIGTERM.  Each process writes its own valgrind log; every log must be
# free of errors (invalid reads and writes, uninitialised values, bad
# frees) and of definite leaks, and every command must exit as it should.
#
# Label "valgrind", not "integration": the sanitizer build cannot run under
# valgrind, so scripts/test.sh runs this in the normal build only.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"
command -v valgrind >/dev/null || cb_fail "valgrind is not installed"

# Every "$CANBAO" below, the broker's too, runs under memcheck.
REAL=$CANBAO
CANBAO=$CB_TMP/canbao-vg
cat >"$CANBAO" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --log-file="$CB_TMP/vg.%p.log" "$REAL" "\$@"
EOF
chmod +x "$CANBAO"

cb_produced_county 300 41
TA=$(sed -n 2p "$CB_TMP/county/townships.csv" | cut -d, -f1)

cb_expect_exit 0 "match (under valgrind)" "$CANBAO" match --until-idle 5
cb_assert_contains "$CB_OUT" "events applied" "the matcher applied the county"
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl"
cb_pass "the stores equal the ground truth"
cb_expect_exit 0 "match again (a restart)" "$CANBAO" match --until-idle 3
cb_expect_exit 0 "leads" "$CANBAO" leads --format csv
cb_expect_exit 0 "leads, a table" "$CANBAO" leads --format table
lead=$("$REAL" leads --format csv | sed -n 2p | cut -d, -f1)
cb_expect_exit 0 "lead (a decision)" "$CANBAO" lead "$lead" contacted
cb_expect_exit 0 "alerts" "$CANBAO" alerts
cb_expect_exit 0 "report" "$CANBAO" report
cb_expect_exit 0 "tail" "$CANBAO" tail canbao.lead.v1 --count 5
echo "ta-password" | cb_expect_exit 0 "user add" "$CANBAO" user add ta \
    --township "$TA"
cb_expect_exit 2 "a bad option" "$CANBAO" match --no-such-option

cb_start_web web
JAR=$CB_TMP/cookies
session=$(curl -sf -c "$JAR" -H 'Content-Type: application/json' \
    -d '{"name":"ta","password":"ta-password"}' "${URL}api/session")
csrf=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' <<<"$session")
[ -n "$csrf" ] || cb_fail "no session: $session"
for path in api/leads "api/leads?sort=priority&status=open" api/leads.csv \
    api/alerts api/audit api/report api/refusal_reasons ""; do
    curl -sf -b "$JAR" "${URL}$path" >/dev/null || cb_fail "GET /$path failed"
done
lead=$(curl -sf -b "$JAR" "${URL}api/leads?per_page=1" |
    sed -n 's/.*"lead_id":"\([^"]*\)".*/\1/p')
curl -sf -b "$JAR" "${URL}api/leads/$lead" >/dev/null || cb_fail "GET a lead failed"
curl -sf -b "$JAR" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"decision":"refused","reason_code":"cannot_afford","reason":"x"}' \
    "${URL}api/leads/$lead" >/dev/null || cb_fail "POST a decision failed"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "${URL}api/leads/L1")
cb_assert_eq 400 "$code" "a malformed lead id"
cb_pass "the workbench served a township's requests"
kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web under valgrind exited $?"

# the broker last, so that its log is complete too
kill -TERM "$BROKER_PID"
wait "$BROKER_PID" || cb_fail "the embedded broker under valgrind exited $?"

logs=("$CB_TMP"/vg.*.log)
[ "${#logs[@]}" -ge 18 ] || cb_fail "only ${#logs[@]} processes ran under valgrind"
dirty=0
for f in "${logs[@]}"; do
    if [ -s "$f" ]; then
        dirty=$((dirty + 1))
        echo "---- $f"
        head -60 "$f"
    fi
done
[ "$dirty" -eq 0 ] || cb_fail "$dirty of ${#logs[@]} valgrind logs report errors"
cb_pass "${#logs[@]} processes ran under memcheck: no error, no definite leak"
cb_log "PASS"
