#!/usr/bin/env bash
# labels.sh -- every code the workbench can show a person has a Chinese name
# in workbench/page/labels.js (tests/integration/labels_check.py says where
# the codes are read from).  No servers.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/labels_check.py" \
    "$CANBAO_SOURCE_DIR" || cb_fail "a code without a Chinese name (above)"
cb_pass "every code has its Chinese name in workbench/page/labels.js"
