# bench_servers.sh -- sourced by the bench scripts, from the top of the
# tree.  `cb_bench_servers NAME` gives a script what scripts/servers.sh asks
# of whoever includes it: a private temp dir (/tmp/canbao-NAME.XXXXXX) in
# CB_TMP, CB_PIDS, and cb_log and cb_fail printing "NAME: "; then sources
# it, and stops every server and removes the dir when the script exits.
cb_bench_servers() {
    CB_BENCH_NAME=$1
    CB_TMP=$(mktemp -d "/tmp/canbao-$1.XXXXXX")
    CB_PIDS=()
    cb_log() { printf '%s: %s\n' "$CB_BENCH_NAME" "$*"; }
    cb_fail() { cb_log "FAILED: $*" >&2; exit 1; }
    . scripts/servers.sh
    trap 'set +e; cb_stop_servers; rm -rf "$CB_TMP"' EXIT
}
