#!/usr/bin/env bash
# security.sh -- what faces outside (issue 6; the review is docs/SECURITY.md).
#
#   - The whole pipeline runs as a Redis ACL user confined to keys cb:*
#     without @dangerous commands, the default user switched off: every key
#     canbao writes is under cb:, and a wrong or missing password fails
#     with a message that never holds the password.
#   - Kafka's security settings pass to librdkafka from the config file and
#     -X (SASL PLAIN here: the embedded broker does not speak SASL, so the
#     producer fails loudly, with a count, saying why), and no secret is
#     printed, not even with librdkafka's conf debugging on.
#   - Lua takes data only as arguments: Redis MONITOR, watching the whole
#     run, sees no EVAL, and every EVALSHA names the SHA-1 of
#     consumers/commit.lua as it is in the tree.
#   - No whole ID number or credit code reaches a log: every process's
#     stderr (with -v) and every masked export is scanned by find_ids.py,
#     which uses python3-stdnum, not canbao's validators.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

RPW=Redis-pw-4b1d9e
SPW=Sasl-pw-77c0aa
APW=Admin-pw-0e5f31
TA=320923001
OUT=$CB_TMP/seen # everything canbao printed, one file per command
mkdir -p "$OUT"

cb_county 1500 43

# ------------------------------------------------------------ Redis ACL
redis-cli -p "$REDIS_PORT" acl setuser canbao on ">$RPW" '~cb:*' '&*' \
    +@all -@dangerous >/dev/null
redis-cli -p "$REDIS_PORT" acl setuser admin on ">$APW" '~*' '&*' +@all >/dev/null
redis-cli -p "$REDIS_PORT" acl setuser default off >/dev/null
admin() { REDISCLI_AUTH=$APW redis-cli --user admin -p "$REDIS_PORT" "$@"; }
cb_assert_contains "$(redis-cli -p "$REDIS_PORT" ping 2>&1)" "NOAUTH" \
    "the default user is off"
export CANBAO_REDIS="redis://canbao:$RPW@127.0.0.1:$REDIS_PORT"

admin monitor >"$CB_TMP/monitor.txt" 2>/dev/null &
MON_PID=$!
CB_PIDS+=("$MON_PID")

# run NAME ARGS...: canbao with -v, its stdout and stderr kept in $OUT;
# fails the test unless it exits 0.
run() {
    local name=$1 rc=0
    shift
    "$CANBAO" "$@" -v >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    [ "$rc" -eq 0 ] || cb_fail "$name: exit $rc: $(tail -3 "$OUT/$name.err")"
}
run targets targets "$CB_TMP/county/townships.csv"
run load load "$CB_TMP/county/snapshot/enrollment.csv"
for feed in business household death enrollment assistance; do
    run "produce-$feed" produce "$feed" "$CB_TMP/county/feeds/$feed.csv"
done
run match match --until-idle 3
# (apply_tool, a test tool, lists keys with KEYS: it runs as admin)
"$APPLY_TOOL" "redis://admin:$APW@127.0.0.1:$REDIS_PORT" - >"$CB_TMP/stores.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl" >"$CB_TMP/compare.out" ||
    cb_fail "the stores differ from the truth: $(tail -3 "$CB_TMP/compare.out")"
cb_pass "the whole pipeline ran as ACL user canbao (~cb:*, no @dangerous) and reached the ground truth"
others=$(admin --scan | grep -vc '^cb:' || true)
cb_assert_eq 0 "$others" "keys outside cb:*"

# Refusals of every reason, bad IDs beside good ones in every field (after
# the comparison: the good records around them go to the topics too).
mkdir "$CB_TMP/bad"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/produce_data.py" bad "$CB_TMP/bad"
for f in household.csv household.jsonl enrollment.csv business.csv death.csv \
    assistance.csv; do
    run "bad-$f" produce "${f%.*}" "$CB_TMP/bad/$f" \
        --townships "$CANBAO_SOURCE_DIR/data/townships-funing.csv"
done
for f in household.csv household.jsonl enrollment.csv business.csv death.csv \
    assistance.csv; do
    run "gen-bad-$f" produce "${f%.*}" "$CB_TMP/county/bad/$f"
done
grep -q 'dead-lettered [1-9]' "$OUT"/bad-household.csv.out ||
    cb_fail "the bad household file was not dead-lettered"
run match-after match --until-idle 3

run leads leads --format csv
run leads-table leads --status all
run alerts alerts --format csv
run report report
run tail tail --exit-at-end
echo "ta-password" | run user user add ta --township "$TA"

cb_start_web seen/web -v
curl -s -o /dev/null -H 'Content-Type: application/json' \
    -d '{"name":"ta","password":"not-the-password"}' "${URL}api/session"
session=$(curl -sf -c "$CB_TMP/jar" -D "$CB_TMP/signin.headers" \
    -H 'Content-Type: application/json' \
    -d '{"name":"ta","password":"ta-password"}' "${URL}api/session") ||
    cb_fail "ta cannot sign in"
csrf=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' <<<"$session")
lead=$(curl -sf -b "$CB_TMP/jar" "${URL}api/leads?per_page=1&reason=working_age_uninsured" |
    sed -n 's/.*"lead_id":"\([^"]*\)".*/\1/p') || cb_fail "ta cannot list leads"
[ -n "$lead" ] || cb_fail "no lead to look at"
curl -sf -b "$CB_TMP/jar" "${URL}api/leads/$lead" >"$CB_TMP/lead.json" ||
    cb_fail "ta cannot open a lead"
grep -Eq '"subject_id":"[0-9]{17}[0-9X]"' "$CB_TMP/lead.json" ||
    cb_fail "the lead's own page does not show the whole number"
curl -sf -b "$CB_TMP/jar" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $csrf" \
    -d '{"decision":"refused","reason_code":"cannot_afford","reason":"says 320923198503071236 is her son"}' \
    "${URL}api/leads/$lead" >/dev/null || cb_fail "a decision was not taken"
curl -sf -b "$CB_TMP/jar" "${URL}api/leads.csv" >"$OUT/web-leads.csv" ||
    cb_fail "a GET failed"
curl -sf -b "$CB_TMP/jar" "${URL}api/audit" >"$OUT/web-audit.json" ||
    cb_fail "a GET failed"
curl -sf -b "$CB_TMP/jar" "${URL}api/alerts" >"$OUT/web-alerts.json" ||
    cb_fail "a GET failed"
kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web did not stop cleanly"
admin xrange cb:audit - + >"$OUT/audit-stream.txt"
cb_pass "the workbench served a township (sign-ins, a lead's page, a decision, exports)"
cookie=$(grep -i '^set-cookie:' "$CB_TMP/signin.headers")
cb_assert_contains "$cookie" "HttpOnly; SameSite=Strict" "the session cookie is HttpOnly and SameSite=Strict"
case $cookie in *Secure*) cb_fail "Secure without --secure-cookie: $cookie" ;; esac
# behind a TLS proxy: --secure-cookie
cb_start_web seen/web2 --no-follow --secure-cookie
curl -sf -o /dev/null -D "$CB_TMP/signin2.headers" -H 'Content-Type: application/json' \
    -d '{"name":"ta","password":"ta-password"}' "${URL}api/session" ||
    cb_fail "ta cannot sign in to the second workbench"
cb_assert_contains "$(grep -i '^set-cookie:' "$CB_TMP/signin2.headers")" \
    "SameSite=Strict; Secure" "--secure-cookie marks the session cookie Secure"
kill -TERM "$WEB_PID"
wait "$WEB_PID" || cb_fail "canbao web --secure-cookie did not stop cleanly"
cb_expect_exit 2 "web.secure_cookie = yes" "$CANBAO" web --listen 127.0.0.1:0 \
    -c /dev/stdin <<<"web.secure_cookie = yes"
cb_assert_contains "$CB_ERR" "web.secure_cookie is 0 or 1" "the bad value is refused, named"

# ------------------------------------------------ wrong Redis passwords
bad="redis://canbao:Wrong-pw-3c9d@127.0.0.1:$REDIS_PORT"
cb_expect_exit 1 "a wrong Redis password" "$CANBAO" leads -r "$bad"
cb_assert_contains "$CB_ERR" "127.0.0.1:$REDIS_PORT" "the error names the Redis server"
case "$CB_ERR$CB_OUT" in *Wrong-pw-3c9d*) cb_fail "the wrong password was printed" ;; esac
cp "$CB_TMP/err" "$OUT/wrong-password.err"
cb_expect_exit 1 "no Redis password" "$CANBAO" match --until-idle 1 \
    -r "redis://127.0.0.1:$REDIS_PORT"
cp "$CB_TMP/err" "$OUT/no-password.err"
cb_assert_contains "$CB_ERR" "wants credentials" "without a password, the error says what is missing"

# ------------------------------------------------ Kafka security settings
printf 'kafka.sasl.username = canbao\nkafka.sasl.password = %s\n' "$SPW" \
    >"$CB_TMP/secret.conf"
chmod 644 "$CB_TMP/secret.conf"
cb_expect_exit 1 "SASL PLAIN against a broker without SASL" "$CANBAO" \
    produce death "$CB_TMP/county/feeds/death.csv" -c "$CB_TMP/secret.conf" \
    -X security.protocol=sasl_plaintext -X sasl.mechanism=PLAIN \
    -X message.timeout.ms=4000 -X debug=conf,security -v -v
cp "$CB_TMP/err" "$OUT/sasl.err"
cp "$CB_TMP/out" "$OUT/sasl.out"
cb_assert_contains "$CB_ERR" "mechanism PLAIN" "the SASL settings reached librdkafka"
cb_assert_contains "$CB_OUT" "not delivered" "the failure is counted"
cb_assert_contains "$CB_ERR" "sasl.password = [redacted]" \
    "librdkafka's conf dump redacts the password"
cb_assert_contains "$CB_ERR" "secret.conf holds a secret and others" \
    "a config file with a secret that others may read is named"

# --------------------------------------------------------------- secrets
kill -TERM "$MON_PID" 2>/dev/null || true
for secret in "$RPW" "$SPW" "$APW" ta-password not-the-password; do
    if grep -rlF -- "$secret" "$OUT" >"$CB_TMP/leaks"; then
        cb_fail "a secret was printed, in: $(tr '\n' ' ' <"$CB_TMP/leaks")"
    fi
done
cb_pass "no password in the output of $(find "$OUT" -type f | wc -l) files"

# ------------------------------------------------------------------- Lua
sha=$(sha1sum "$CANBAO_SOURCE_DIR/consumers/commit.lua" | cut -d' ' -f1)
evalsha=$(grep -c '"EVALSHA"' "$CB_TMP/monitor.txt" || true)
ours=$(grep -c "\"EVALSHA\" \"$sha\"" "$CB_TMP/monitor.txt" || true)
evals=$(grep -ciE '"(EVAL|EVAL_RO|FCALL|FUNCTION)"' "$CB_TMP/monitor.txt" || true)
loads=$(grep -ci '"SCRIPT" "LOAD"' "$CB_TMP/monitor.txt" || true)
[ "$evalsha" -gt 0 ] || cb_fail "MONITOR saw no EVALSHA: it did not watch the run"
cb_assert_eq "$evalsha" "$ours" "EVALSHA calls naming commit.lua's SHA-1 (of $evalsha)"
cb_assert_eq 0 "$evals" "EVAL, FCALL or FUNCTION calls"
cb_pass "$loads SCRIPT LOAD(s), $evalsha EVALSHA: the only script is commit.lua, its data all arguments"

# ----------------------------------------------------------- ID numbers
"$CANBAO" leads --unmasked --format csv -r "$CANBAO_REDIS" >"$CB_TMP/unmasked.csv"
if "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/find_ids.py" \
    "$CB_TMP/unmasked.csv" >/dev/null; then
    cb_fail "find_ids.py finds no ID in an unmasked export: it cannot see them"
fi
# the county's feeds write some numbers in the legacy 15-digit form
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/find_ids.py" \
    "$CB_TMP/county/feeds/household.csv" >"$CB_TMP/legacy.seen" || true
grep -qE '\([1-9][0-9]* legacy\)' "$CB_TMP/legacy.seen" ||
    cb_fail "find_ids.py sees no legacy number in the feeds: it cannot see them"
if ! "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/find_ids.py" "$OUT"/*; then
    cb_fail "whole identifiers in the logs or masked exports above"
fi
cb_pass "no whole ID number or credit code in $(cat "$OUT"/* | wc -l) lines of logs and masked exports"
cb_log "PASS"
