#!/usr/bin/env bash
# ident_stdnum.sh -- canbao's resident ID and USCC checks agree with
# python3-stdnum on 40,000 generated numbers (see ident_stdnum.py).
set -euo pipefail

: "${IDENT_TOOL:?IDENT_TOOL must name the ident_tool program}"
: "${CANBAO_SOURCE_DIR:?CANBAO_SOURCE_DIR must name the source tree}"

# Debian's python3 has python3-stdnum; a python3 earlier on PATH may not.
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import stdnum.cn.ric, stdnum.cn.uscc' 2>/dev/null; then
    echo "ident_stdnum: $PYTHON cannot import stdnum (apt install python3-stdnum)" >&2
    exit 1
fi

# A few fixed lines first, so that a broken tool fails with a clear message.
want=$'ok 1985-03-07 M\nid_check\nid_charset\nok\nerror bad_line'
rc=0
got=$(printf '%s\n' 'person 320923198503071236' 'person 320923198503071237' \
      'person 32092319850307123x' 'uscc 91320923MA1XYW123G' 'nonsense' |
      "$IDENT_TOOL") || rc=$?
if [ "$got" != "$want" ] || [ "$rc" -ne 1 ]; then
    printf 'ident_stdnum: ident_tool smoke test failed (exit %s):\n%s\n' \
        "$rc" "$got" >&2
    exit 1
fi

"$PYTHON" "$CANBAO_SOURCE_DIR/tests/integration/ident_stdnum.py" "$IDENT_TOOL"
