#!/usr/bin/env bash
# suspect.sh -- a suspect (docs/RULES.md 9.3) on the dead-letter topic:
# `canbao produce` on a household file with a wrong check character, a
# wrong length and another bad field; only the first's dead letter carries
# `record`, and Debian's python3-avro (not canbao) reads it, from bytes
# kcat fetched, as the household record with the number as written.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

"$CB_PY" -c 'import avro.io, avro.schema' 2>"$CB_TMP/py.err" ||
    cb_fail "$CB_PY cannot import avro (python3-avro): $(cat "$CB_TMP/py.err")"
cb_start_broker

cat >"$CB_TMP/suspects.csv" <<'CSV'
event_id,person_id,name,sex,birth_date,action,township_code,occurred_at
s1,320923198001011234,王五,M,1980-01-01,resident,320923008,2025-01-01T00:00:00+08:00
s2,32092319800101123,王五,M,1980-01-01,resident,320923008,2025-01-01T00:00:00+08:00
s3,320923198001011234,王五,M,1980-13-01,resident,320923008,2025-01-01T00:00:00+08:00
s4,320923198001011233,王五,M,1980-01-01,resident,320923008,2025-01-01T00:00:00+08:00
CSV
cb_expect_exit 0 "produce the suspects" "$CANBAO" produce household \
    "$CB_TMP/suspects.csv"
cb_assert_contains "$CB_OUT" "read 4, produced 1, rejected 3" "one good record"

# length-prefixed values: binary-safe
kcat -C -b "$CANBAO_BROKERS" -t canbao.deadletter.v1 -o beginning -e -q \
    -f '%R%s' >"$CB_TMP/dl.bin"
"$CB_PY" - "$CANBAO_SOURCE_DIR/schemas" "$CB_TMP/dl.bin" <<'PY' ||
import io, struct, sys
import avro.io, avro.schema
sd, path = sys.argv[1], sys.argv[2]
def schema(name):
    return avro.schema.parse(open("%s/%s.avsc" % (sd, name)).read())
def datum(s, value):
    # single-object encoding: C3 01, 8 bytes of fingerprint, the datum
    assert value[:2] == b"\xc3\x01", value[:2]
    return avro.io.DatumReader(s).read(
        avro.io.BinaryDecoder(io.BytesIO(value[10:])))
dls, hh = schema("deadletter"), schema("household")
data, pos, got = open(path, "rb").read(), 0, {}
while pos < len(data):
    (n,) = struct.unpack(">i", data[pos:pos + 4])
    d = datum(dls, data[pos + 4:pos + 4 + n])
    pos += 4 + n
    got[d["line"]] = d
assert sorted(got) == [2, 3, 4], sorted(got)
assert got[2]["reason"] == "id_check" and got[2]["field"] == "person_id"
rec = datum(hh, got[2]["record"])
assert rec["event_id"] == "s1", rec
assert rec["person_id"] == "320923198001011234", "not the number as written"
assert rec["name"] == "王五" and rec["action"] == "resident", rec
assert got[3]["reason"] == "id_length" and got[3]["record"] is None
assert got[4]["reason"] == "id_check" and got[4]["record"] is None
print("the suspect's dead letter carries its household record, number as "
      "written; the others carry none")
PY
    cb_fail "the dead letters' record field"
cb_pass "python3-avro reads the suspect's record from its dead letter"

# canbao's own reader shows the field, masked unless asked
"$CANBAO" tail deadletter --exit-at-end >"$CB_TMP/tail.masked"
if grep -q "320923198001011234\|王五" "$CB_TMP/tail.masked"; then
    cb_fail "canbao tail showed personal data of a dead letter"
fi
cb_pass "canbao tail masks the record of a dead letter"
cb_log "PASS"
