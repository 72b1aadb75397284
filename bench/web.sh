#!/usr/bin/env bash
# web.sh -- benchmark of the workbench (issue 5): a filtered page of a
# township's lead list when the township has N leads (default 100,000).
#
#   bench/web.sh [N] [REQUESTS] [BUILD_DIR]
#
# Starts Redis, the embedded broker and `canbao web` of its own, signs in
# a township account, and runs bench/web_pages: N leads produced to
# canbao.lead.v1 (the workbench follows the topic), then REQUESTS (default
# 2,000) GET /api/leads with random filters, sorts and pages, timed one by
# one: p50, p90, p99, max; and the workbench's RSS after.  A figure, not a
# test.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${1:-100000}
REQUESTS=${2:-2000}
BUILD=${3:-build}
CANBAO=$PWD/$BUILD/cli/canbao
[ -x "$CANBAO" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
. bench/bench_servers.sh
cb_bench_servers bench

cb_start_redis >/dev/null
cb_start_broker >/dev/null
"$CANBAO" targets data/townships-funing.csv >/dev/null
echo "bench-password" | "$CANBAO" user add bench --township 320923001 >/dev/null
cb_start_web web
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"name":"bench","password":"bench-password"}' "${URL}api/session" |
    sed -n 's/^Set-Cookie: \(canbao_session=[^;]*\).*/\1/p')
[ -n "$COOKIE" ] || cb_fail "cannot sign in"
"$PWD/$BUILD/bench/web_pages" "$CANBAO_BROKERS" "$URL" "$COOKIE" 320923001 \
    "$N" "$REQUESTS" | sed 's/^/bench: /'
cb_log "canbao web RSS $(ps -o rss= -p "$WEB_PID" | tr -d ' ') kB"
