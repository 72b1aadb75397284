#!/usr/bin/env bash
# demo.sh -- installs what is missing, builds, and runs canbao on a demo
# county: a private redis-server and the embedded broker on free loopback
# ports, a few records of every feed validated and produced (one bad record
# dead-lettered), and what arrived shown decoded (IDs and names masked).
#
#   scripts/demo.sh          run and stop
#   scripts/demo.sh --keep   leave the servers running until Ctrl-C
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh
CANBAO=$PWD/build/cli/canbao
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1

CB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/canbao-demo.XXXXXX")
CB_PIDS=()
cb_log() { printf 'demo: %s\n' "$*"; }
cb_fail() { cb_log "FAILED: $*" >&2; exit 1; }
. scripts/servers.sh
trap 'set +e; cb_stop_servers; rm -rf "$CB_TMP"' EXIT
trap 'exit 130' INT TERM

cb_start_redis
cb_start_broker

# Each feed validated and delivered by `canbao produce`; one bad record
# shows the dead-letter path.
total=0
for feed in business household death enrollment assistance; do
    out=$("$CANBAO" produce "$feed" "scripts/demo/$feed.jsonl")
    cb_log "$out"
    n=$(printf '%s' "$out" | sed -n 's/.*produced \([0-9]*\).*/\1/p')
    total=$((total + n))
done
printf '%s\n' '{"event_id":"ps-bad-1","person_id":"320923198001011234",' \
    '"name":"X","sex":"M","birth_date":"1980-01-01","action":"resident",' \
    '"township_code":"320923008","occurred_at":"2025-01-01T00:00:00+08:00"}' |
    tr -d '\n' >"$CB_TMP/bad.jsonl"
cb_log "a record with a wrong check character:"
"$CANBAO" produce household --format jsonl - <"$CB_TMP/bad.jsonl" || true

cb_log "what arrived, decoded (canbao tail --exit-at-end):"
"$CANBAO" tail --exit-at-end business household death enrollment assistance \
    deadletter | tee "$CB_TMP/arrived.jsonl"
arrived=$(grep -v '"deadletter"' "$CB_TMP/arrived.jsonl" | grep -c '"record"' || true)
cb_log "$arrived of $total records arrived and decoded"
[ "$arrived" -eq "$total" ] || cb_fail "records went missing"

if [ $KEEP = 1 ]; then
    cb_log "servers keep running: CANBAO_BROKERS=$CANBAO_BROKERS" \
        "CANBAO_REDIS=$CANBAO_REDIS; Ctrl-C stops them"
    while true; do sleep 3600; done
fi
