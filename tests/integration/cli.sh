#!/usr/bin/env bash
# cli.sh -- the command line of the contract: every subcommand is there with
# --help, usage errors exit 2, unbuilt subcommands say so and exit 1.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

cb_expect_exit 0 "canbao --help" "$CANBAO" --help
help=$CB_OUT
contract="broker produce load targets match leads lead alerts report web user gen"
for c in $contract tail avro; do
    printf '%s\n' "$help" | grep -qE "^  $c " || cb_fail "canbao --help lacks $c"
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
cb_expect_exit 2 "leads: bad status" "$CANBAO" leads --status pending
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
cb_expect_exit 2 "user: no role" "$CANBAO" user add someone
cb_expect_exit 2 "user: an unknown verb" "$CANBAO" user remove someone --county
cb_expect_exit 2 "user: a bad name" "$CANBAO" user add "a b" --county
cb_expect_exit 2 "user: a bad township" "$CANBAO" user add a --township 12x

cb_log "PASS"
