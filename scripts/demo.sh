#!/usr/bin/env bash
# demo.sh -- installs what is missing, builds, and runs the whole canbao
# pipeline on a synthetic county (about 20 s once built):
#
#   1. a private redis-server and the embedded broker on free loopback ports;
#   2. `canbao gen` writes a county of 20,000 people (DEMO_PEOPLE overrides)
#      with about 11 months of the five government feeds;
#   3. `canbao targets` loads the township targets, `canbao load` the
#      insurance agency's enrollment snapshot into Redis;
#   4. `canbao produce` validates each feed and delivers it to Kafka, and one
#      file of bad records shows the dead-letter path;
#   5. `canbao match` turns the events into leads and alerts, on the county's
#      evaluation day (CANBAO_NOW, the manifest's as_of);
#   6. the township report, one township's lead list and the alerts, with ID
#      numbers and names masked;
#   7. the workbench: two demo accounts, `canbao web` on a free port, and
#      its JSON API asked for the county seat's first leads.
#
#   scripts/demo.sh          run, then stop the servers
#   scripts/demo.sh --keep   leave the servers and the workbench running
#                            until Ctrl-C, to open the page in a browser and
#                            try canbao leads, lead, alerts, report by hand
#   scripts/demo.sh --kafka  the same on a real Apache Kafka broker
#                            (scripts/kafka.sh: needs Java 17 and Maven,
#                            scripts/setup.sh --tests; about 30 s more)
set -euo pipefail

cd "$(dirname "$0")/.."
KEEP=0
KAFKA=0
for arg in "$@"; do
    case "$arg" in
    --keep) KEEP=1 ;;
    --kafka) KAFKA=1 ;;
    *) echo "usage: scripts/demo.sh [--keep] [--kafka]" >&2; exit 2 ;;
    esac
done
scripts/setup.sh
if [ $KAFKA = 1 ]; then
    command -v java >/dev/null && command -v mvn >/dev/null || {
        echo "demo: --kafka needs Java 17 and Maven: scripts/setup.sh --tests" >&2
        exit 1
    }
    scripts/kafka.sh install
fi
CANBAO=$PWD/${CANBAO_BUILD_DIR:-build}/cli/canbao # setup.sh builds there
PEOPLE=${DEMO_PEOPLE:-20000}
TOWNSHIP=320923001 # 阜城街道, the county seat

CB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/canbao-demo.XXXXXX")
CB_PIDS=()
cb_log() { printf 'demo: %s\n' "$*"; }
cb_fail() { cb_log "FAILED: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }
. scripts/servers.sh
trap 'set +e; cb_stop_servers; rm -rf "$CB_TMP"' EXIT
trap 'exit 130' INT TERM

# Runs a command and shows the first N lines of what it prints, then what
# it said on stderr (the row count).
first() {
    local n=$1
    shift
    if ! "$@" >"$CB_TMP/out" 2>"$CB_TMP/err"; then
        cat "$CB_TMP/err" >&2
        cb_fail "$*"
    fi
    head -n "$n" "$CB_TMP/out"
    cat "$CB_TMP/err"
}

if [ $KAFKA = 1 ]; then
    step "starting redis-server and a real Apache Kafka broker (scripts/kafka.sh)"
    cb_start_redis
    cb_start_kafka 1
else
    step "starting redis-server and the embedded Kafka broker"
    cb_start_redis
    cb_start_broker
fi

step "canbao gen: a county of $PEOPLE people (seed 1)"
COUNTY=$CB_TMP/county
"$CANBAO" gen --people "$PEOPLE" --seed 1 --out "$COUNTY"
AS_OF=$("$CB_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$COUNTY/manifest.json")
# Every command from here on reasons on the county's evaluation day.
export CANBAO_NOW=$AS_OF
cb_log "the rules are evaluated on $AS_OF (CANBAO_NOW)"

step "canbao targets: the townships and their annual targets"
"$CANBAO" targets "$COUNTY/townships.csv"

step "canbao load: the enrollment snapshot into Redis"
"$CANBAO" load "$COUNTY/snapshot/enrollment.csv"

step "canbao produce: the five feeds, validated, to Kafka"
for feed in business household death enrollment assistance; do
    "$CANBAO" produce "$feed" "$COUNTY/feeds/$feed.csv"
done

# Each bad file mixes good records with one of every rejection reason; the
# good ones of bad/death.csv are about people the county does not know, so
# they change no lead or alert.
step "canbao produce: a file with bad records, refused to the dead-letter topic"
"$CANBAO" produce death "$COUNTY/bad/death.csv"

step "canbao match: events in, leads and alerts out (until 3 s idle)"
"$CANBAO" match --until-idle 3

step "canbao report: progress against the $(cut -c1-4 <<<"$AS_OF") targets, open leads by reason"
"$CANBAO" report

step "canbao leads --township $TOWNSHIP | head -15 (masked)"
first 15 "$CANBAO" leads --township "$TOWNSHIP"

step "canbao alerts | head -10"
first 10 "$CANBAO" alerts

step "where to find the lead lists"
cat <<EOF
Each township's lead list, as CSV (the columns docs/COMMANDS.md gives; add --unmasked
for whole ID numbers and names, for those entitled to see them):
    canbao leads --township CODE --format csv >leads-CODE.csv
every township's, one file each:
    for t in \$(canbao report --format csv | tail -n +2 | cut -d, -f1); do
        canbao leads --township "\$t" --format csv >"leads-\$t.csv"
    done
and closed leads too: canbao leads --status all; a team's decision:
canbao lead LEAD_ID contacted|refused --reason TEXT|enrolled|invalid.
EOF

step "canbao user, canbao web: the township workbench"
# demo accounts only: real ones get real passwords (canbao user --help)
echo "county-demo-password" | "$CANBAO" user add county --county
echo "fc-demo-password" | "$CANBAO" user add fc --township "$TOWNSHIP"
cb_start_web web
cat "$CB_TMP/web.out"
JAR=$CB_TMP/cookies
curl -sf -c "$JAR" -H 'Content-Type: application/json' \
    -d '{"name":"fc","password":"fc-demo-password"}' "${URL}api/session" >/dev/null
echo "GET ${URL}api/leads?per_page=3&sort=priority as fc (township $TOWNSHIP):"
curl -sf -b "$JAR" "${URL}api/leads?per_page=3&sort=priority" |
    "$CB_PY" -c 'import json, sys
r = json.load(sys.stdin)
print("  %d open leads" % r["total"])
for l in r["leads"]:
    print("  %s  %s  %s  %-24s %s" % (l["lead_id"], l["subject_id"], l["name"],
                                    l["reason"], l["priority"]))'
cat <<EOF
The page: $URL (sign in as county / county-demo-password for the county
view, or fc / fc-demo-password for the county seat's lead list; with
scripts/demo.sh --keep it stays up until Ctrl-C).
EOF

if [ $KEEP = 1 ]; then
    cb_log "the servers keep running; in another shell:"
    cb_log "  export CANBAO_BROKERS=$CANBAO_BROKERS CANBAO_REDIS=$CANBAO_REDIS CANBAO_NOW=$CANBAO_NOW"
    cb_log "  export PATH=$(dirname "$CANBAO"):\$PATH"
    cb_log "the county's files are in $COUNTY; Ctrl-C stops the servers and removes them"
    # Waiting on a background sleep lets INT or TERM run the traps at once.
    sleep infinity &
    CB_PIDS+=("$!")
    wait "$!"
fi
cb_log "done; the servers stop now, with the data (scripts/demo.sh --keep keeps them running)"
