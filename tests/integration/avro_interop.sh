#!/usr/bin/env bash
# avro_interop.sh -- canbao's Avro schemas, fingerprints and messages agree
# with Debian's python3-avro and with an independent Python reading of the
# specification (tests/integration/avro_interop.py says what is compared).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

# Debian's python, not whatever python3 is first on PATH: only it has
# python3-avro.
"$CB_PY" -c 'import avro.io, avro.schema' 2>"$CB_TMP/py.err" ||
    cb_fail "$CB_PY cannot import avro (python3-avro): $(cat "$CB_TMP/py.err")"

cd "$CB_TMP"
if ! CANBAO="$CANBAO" CANBAO_SOURCE_DIR="$CANBAO_SOURCE_DIR" \
    "$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/avro_interop.py"; then
    cb_fail "avro_interop.py found a mismatch (see above)"
fi
cb_pass "canbao and python3-avro agree"
