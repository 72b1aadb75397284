#!/usr/bin/env bash
# demo.sh -- installs what is missing, builds, and runs canbao on a demo
# county: a private redis-server and the embedded broker on free loopback
# ports, a few records of every feed produced, and what arrived shown
# decoded (ID numbers masked).
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

# At this stage of the project records are encoded by `canbao avro encode`
# and carried by kcat; the feed producers replace this step.
total=0
for feed in business household death enrollment assistance; do
    n=0
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        # The key: the person, or the employer on an employer row.
        key=
        if [[ $line =~ \"(person_id|uscc)\":\"([^\"]+)\" ]]; then
            key=${BASH_REMATCH[2]}
        fi
        printf '%s' "$line" | "$CANBAO" avro encode "$feed" >"$CB_TMP/msg"
        kcat -P -b "$CANBAO_BROKERS" -t "canbao.$feed.v1" -k "$key" \
            -z lz4 "$CB_TMP/msg"
        n=$((n + 1))
    done <"scripts/demo/$feed.jsonl"
    cb_log "produced $n $feed record(s) to canbao.$feed.v1"
    total=$((total + n))
done

cb_log "what arrived, decoded (canbao tail --exit-at-end):"
"$CANBAO" tail --exit-at-end business household death enrollment assistance \
    | tee "$CB_TMP/arrived.jsonl"
arrived=$(grep -c '"record"' "$CB_TMP/arrived.jsonl" || true)
cb_log "$arrived of $total records arrived and decoded"
[ "$arrived" -eq "$total" ] || cb_fail "records went missing"

if [ $KEEP = 1 ]; then
    cb_log "servers keep running: CANBAO_BROKERS=$CANBAO_BROKERS" \
        "CANBAO_REDIS=$CANBAO_REDIS; Ctrl-C stops them"
    while true; do sleep 3600; done
fi
