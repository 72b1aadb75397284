# harness.sh -- sourced by every integration test: a private temp dir, a
# redis-server and an embedded broker on free loopback ports, assertions,
# and cleanup that runs however the test ends.
#
# Environment (set by ctest, see cmake/CanbaoHelpers.cmake):
#   CANBAO             the canbao program under test
#   CANBAO_SOURCE_DIR  the source tree (test data)
#   CANBAO_KEEP_TMP=1  keep the temp dir for a post-mortem
#
# Servers are stopped by an EXIT trap.  If the test itself is killed with
# SIGKILL (a ctest timeout), no trap runs: a watchdog beside each server
# stops it once the test's shell is gone, so no process is left behind.

set -euo pipefail

: "${CANBAO:?CANBAO must name the canbao program}"
: "${CANBAO_SOURCE_DIR:?CANBAO_SOURCE_DIR must name the source tree}"

CB_TEST_NAME=$(basename "${0%.sh}")
CB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/canbao-$CB_TEST_NAME.XXXXXX")
CB_PIDS=()
CB_FAILED=0

cb_log() { printf '[%s] %s\n' "$CB_TEST_NAME" "$*"; }

# Stops every server this test started, shows their logs on failure.
cb_cleanup() {
    local rc=$?
    set +e
    cb_stop_servers
    if [ "$rc" -ne 0 ] || [ "$CB_FAILED" -ne 0 ]; then
        cb_log "FAILED (exit $rc); server logs follow"
        local f
        for f in "$CB_TMP"/*.log; do
            [ -f "$f" ] || continue
            echo "---- $f (last 30 lines)"
            tail -n 30 "$f"
        done
    fi
    if [ "${CANBAO_KEEP_TMP:-0}" = 1 ]; then
        cb_log "kept $CB_TMP"
    else
        rm -rf "$CB_TMP"
    fi
    exit "$rc"
}
. "$CANBAO_SOURCE_DIR/scripts/servers.sh"
trap cb_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- asserts

cb_fail() {
    CB_FAILED=1
    cb_log "FAIL: $*" >&2
    exit 1
}

cb_pass() { cb_log "ok: $*"; }

# cb_assert_eq EXPECTED ACTUAL WHAT
cb_assert_eq() {
    if [ "$1" != "$2" ]; then
        cb_fail "$3: expected '$1', got '$2'"
    fi
    cb_pass "$3 = '$2'"
}

# cb_assert_contains HAYSTACK NEEDLE WHAT
cb_assert_contains() {
    case "$1" in
    *"$2"*) cb_pass "$3" ;;
    *) cb_fail "$3: '$2' not found in: ${1:0:2000}" ;;
    esac
}

# cb_expect_exit CODE WHAT COMMAND...: runs COMMAND, checks its exit status;
# its stdout and stderr are left in $CB_OUT and $CB_ERR.
cb_expect_exit() {
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$CB_TMP/out" 2>"$CB_TMP/err" || rc=$?
    CB_OUT=$(cat "$CB_TMP/out")
    CB_ERR=$(cat "$CB_TMP/err")
    if [ "$rc" -ne "$want" ]; then
        cb_fail "$what: exit $rc, expected $want; stderr: $CB_ERR"
    fi
    cb_pass "$what (exit $rc)"
}

# cb_county PEOPLE SEED: a county of `canbao gen` in $CB_TMP/county,
# CANBAO_NOW set to its evaluation day, Redis and the broker started.
cb_county() {
    "$CANBAO" gen --people "$1" --seed "$2" --out "$CB_TMP/county" >/dev/null
    CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
        "$CB_TMP/county/manifest.json")
    export CANBAO_NOW
    cb_start_redis
    cb_start_broker
}

# cb_loaded_county PEOPLE SEED: cb_county, then its targets and snapshot
# loaded, each checked to exit 0.
cb_loaded_county() {
    cb_county "$1" "$2"
    cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
    cb_expect_exit 0 "load" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
}

# cb_produced_county PEOPLE SEED: cb_loaded_county, then its five feeds
# produced, each checked to exit 0.  What the tests that need a county in
# the pipeline, not yet matched, begin with.
cb_produced_county() {
    local feed
    cb_loaded_county "$1" "$2"
    for feed in business household death enrollment assistance; do
        cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
            "$CB_TMP/county/feeds/$feed.csv"
    done
}

# cb_wait_for_truth SECONDS: waits until the stores in Redis equal the
# county's ground truth (a matcher still running in the background), or
# fails the test with the comparison's last lines.
cb_wait_for_truth() {
    local deadline=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$deadline" ]; do
        sleep 2
        "$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
        if "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
            "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl" \
            >"$CB_TMP/compare.out" 2>&1; then
            return 0
        fi
    done
    tail -20 "$CB_TMP/compare.out"
    cb_fail "the stores never reached the ground truth"
}
