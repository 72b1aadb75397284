#!/usr/bin/env bash
# rules.sh -- every rule of docs/RULES.md against the matcher's real step
# (ops, step, Redis), each case in six orders and two batchings
# (tests/integration/rules.py); first, commit.lua's side of the commit
# format on its own (tests/integration/commit_lua.py).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

cb_start_redis
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/commit_lua.py" \
    "$CANBAO_SOURCE_DIR/consumers/commit.lua" "$REDIS_PORT"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/rules.py" "$APPLY_TOOL" \
    "$REDIS_PORT"
cb_log "PASS"
