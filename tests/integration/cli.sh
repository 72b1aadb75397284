#!/usr/bin/env bash
# cli.sh -- the command line of the contract: every subcommand is there with
# --help, usage errors exit 2, unbuilt subcommands say so and exit 1.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

cb_expect_exit 0 "canbao --help" "$CANBAO" --help
help=$CB_OUT
contract="broker produce load targets match leads lead alerts reviews review report web user gen"
for c in $contract tail avro idkey; do
    grep -qE "^  $c " <<<"$help" || cb_fail "canbao --help lacks $c" # no pipe: SIGPIPE under pipefail
    cb_expect_exit 0 "canbao $c --help" "$CANBAO" "$c" --help
    cb_assert_contains "$CB_OUT" "Usage: canbao $c" "$c --help shows usage"
    cb_assert_contains "$CB_OUT" "--brokers" "$c --help shows common options"
done
cb_expect_exit 0 "canbao help produce" "$CANBAO" help produce
cb_expect_exit 0 "canbao --version" "$CANBAO" --version

# Usage errors: exit 2 with a message on stderr.
cb_expect_exit 2 "no command" "$CANBAO"
cb_expect_exit 2 "unknown command" "$CANBAO" frobnicate
cb_assert_contains "$CB_ERR" "unknown command 'frobnicate'" "names the command"
cb_expect_exit 2 "unknown option" "$CANBAO" broker --bogus
cb_assert_contains "$CB_ERR" "--bogus" "names the option"
cb_expect_exit 2 "bad number" "$CANBAO" broker --partitions 0
cb_expect_exit 2 "missing value" "$CANBAO" broker --partitions
cb_expect_exit 2 "missing arguments" "$CANBAO" produce household
cb_expect_exit 2 "not a feed" "$CANBAO" produce lead x.csv
cb_expect_exit 2 "format unknown" "$CANBAO" produce household /dev/null
cb_assert_contains "$CB_ERR" "--format" "suggests --format"
cb_expect_exit 2 "lead: bad decision" "$CANBAO" lead L1 maybe
cb_expect_exit 2 "lead: refusal without reason" "$CANBAO" lead L1 refused
cb_assert_contains "$CB_ERR" "a refusal needs --reason" "says what needs it"
long=$(printf 'x%.0s' $(seq 1 1001))
cb_expect_exit 2 "lead: a reason too long" "$CANBAO" lead L1 contacted --reason "$long"
cb_assert_contains "$CB_ERR" "--reason is at most 1000 bytes" "says the limit"
cb_expect_exit 2 "leads: bad status" "$CANBAO" leads --status pending
cb_expect_exit 2 "reviews: bad status" "$CANBAO" reviews --status pending
cb_expect_exit 2 "reviews: bad kind" "$CANBAO" reviews --kind typo
cb_expect_exit 2 "review: bad verdict" "$CANBAO" review R1 maybe --reason x
cb_assert_contains "$CB_ERR" "confirm, reject or correct" "the verdicts named"
cb_expect_exit 2 "review: no reason" "$CANBAO" review R1 confirm
cb_assert_contains "$CB_ERR" "a verdict needs --reason" "says what needs it"
cb_expect_exit 2 "review: a reason too long" "$CANBAO" review R1 reject --reason "$long"
cb_assert_contains "$CB_ERR" "--reason is at most 1000 bytes" "says the limit"
cb_expect_exit 2 "review: correct without reason" "$CANBAO" review R1 correct
cb_expect_exit 2 "alerts: bad kind" "$CANBAO" alerts --kind theft
cb_expect_exit 2 "report: bad date" "$CANBAO" report --as-of 2025-02-30
cb_expect_exit 1 "targets: no file" "$CANBAO" targets /nonexistent.csv
cb_expect_exit 1 "leads: no Redis" "$CANBAO" leads -r redis://127.0.0.1:1
cb_expect_exit 2 "bad format" "$CANBAO" produce household -f xml x
cb_expect_exit 2 "bad encoding" "$CANBAO" produce household -e latin1 x.csv
CANBAO_NOW=yesterday cb_expect_exit 2 "bad CANBAO_NOW" \
    "$CANBAO" produce household x.csv
cb_expect_exit 2 "bad -X" "$CANBAO" tail -X nokey
cb_expect_exit 2 "unknown topic" "$CANBAO" tail canbao.nosuch.v1
printf 'brokers=x:1\nbrokerz=y\n' >"$CB_TMP/bad.conf"
cb_expect_exit 2 "bad config file" "$CANBAO" tail -c "$CB_TMP/bad.conf"
cb_assert_contains "$CB_ERR" "bad.conf:2" "names file and line"
CANBAO_CONFIG="$CB_TMP/bad.conf" cb_expect_exit 2 "bad CANBAO_CONFIG" \
    "$CANBAO" tail

# The workbench's commands refuse bad usage before connecting anywhere.
cb_expect_exit 2 "web: bad --listen" "$CANBAO" web --listen nope
cb_expect_exit 2 "web: bad --session-idle" "$CANBAO" web --session-idle 5
printf 'web.conns_per_address = many\n' >"$CB_TMP/web.conf"
cb_expect_exit 2 "web: bad web.conns_per_address" "$CANBAO" web \
    -c "$CB_TMP/web.conf"
cb_assert_contains "$CB_ERR" "web.conns_per_address" "names the key"

# The id key: canbao idkey makes 64 hex digits, a new one each time; what
# makes ids refuses to run without one, saying how to make it, and refuses
# a malformed one without printing it.
cb_expect_exit 0 "idkey" "$CANBAO" idkey
k1=$CB_OUT
cb_expect_exit 0 "idkey again" "$CANBAO" idkey
[[ "$k1" =~ ^[0-9a-f]{64}$ ]] || cb_fail "idkey printed '$k1'"
[ "$k1" != "$CB_OUT" ] || cb_fail "idkey gave the same key twice"
for c in "match --until-idle 1" "load $CB_TMP/none.csv" \
    "gen --people 100 --seed 1 --out $CB_TMP/g" \
    "lead L0123456789abcdef contacted" \
    "review R0123456789abcdef confirm --reason seen" "web"; do
    # shellcheck disable=SC2086
    CANBAO_ID_KEY= cb_expect_exit 1 "$c without an id key" "$CANBAO" $c
    cb_assert_contains "$CB_ERR" "canbao idkey" "$c says how to make one"
done
CANBAO_ID_KEY=abc123secret cb_expect_exit 1 "a malformed key" "$CANBAO" \
    match --until-idle 1
cb_assert_contains "$CB_ERR" "64 hex digits" "says what a key is"
case "$CB_ERR" in *abc123secret*) cb_fail "the key was printed" ;; esac
cb_expect_exit 2 "user: no role" "$CANBAO" user add someone
cb_expect_exit 2 "user: an unknown verb" "$CANBAO" user remove someone --county
cb_expect_exit 2 "user: a bad name" "$CANBAO" user add "a b" --county
cb_expect_exit 2 "user: a bad township" "$CANBAO" user add a --township 12x

cb_log "PASS"
