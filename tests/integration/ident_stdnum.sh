#!/usr/bin/env bash
# ident_stdnum.sh -- canbao's resident ID and USCC checks agree with
# python3-stdnum on 40,000 generated numbers, and its 18-digit form of
# 14,000 legacy 15-digit numbers is judged by stdnum (see
# ident_stdnum.py).
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
# GB 11643-1999's own example of a legacy number is the fifth line.
want=$'ok 1985-03-07 M\nid_check\nid_charset\nok\nok 11010519491231002X 1949-12-31 F\nid_birth_date\nerror bad_line'
rc=0
got=$(printf '%s\n' 'person 320923198503071236' 'person 320923198503071237' \
      'person 32092319850307123x' 'uscc 91320923MA1XYW123G' \
      'person18 110105491231002' 'person18 110105990230002' 'nonsense' |
      "$IDENT_TOOL") || rc=$?
if [ "$got" != "$want" ] || [ "$rc" -ne 1 ]; then
    printf 'ident_stdnum: ident_tool smoke test failed (exit %s):\n%s\n' \
        "$rc" "$got" >&2
    exit 1
fi

"$PYTHON" "$CANBAO_SOURCE_DIR/tests/integration/ident_stdnum.py" "$IDENT_TOOL"
