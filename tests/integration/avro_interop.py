"""avro_interop.py -- canbao's Avro against Debian's python3-avro and an
independent Python reading of the specification.

Run by avro_interop.sh with Debian's /usr/bin/python3.  Environment: CANBAO
(the program) and CANBAO_SOURCE_DIR (the source tree).  Prints every
comparison; exits 1 on the first mismatch.

  (a) Parsing Canonical Form and CRC-64-AVRO fingerprint of each
      schemas/*.avsc, computed here from the spec, against `canbao avro
      canonical|fingerprint KIND`.  (python3-avro 1.11.1's own
      canonical_form keeps {"type":"int"} for logical types, against the
      spec, so it is not used.)
  (b) python3-avro writes a single-object message of every kind (full and
      minimal); `canbao avro decode --unmasked` must print the same values.
  (c) `canbao avro encode KIND` turns canbao's JSON into a message that
      python3-avro decodes to the same values.
"""

import base64
import datetime
import io
import json
import os
import struct
import subprocess
import sys

import avro.io
import avro.schema

CANBAO = os.environ["CANBAO"]
SRC = os.environ["CANBAO_SOURCE_DIR"]
KINDS = ["business", "household", "death", "enrollment", "assistance",
         "lead", "alert", "deadletter"]
UTC = datetime.timezone.utc
CHECKS = 0


def ok(what):
    global CHECKS
    CHECKS += 1
    print("ok: " + what)


def mismatch(what, want, got):
    print("MISMATCH: %s\n  want: %r\n  got:  %r" % (what, want, got))
    sys.exit(1)


def expect_equal(what, want, got):
    if want != got:
        mismatch(what, want, got)
    ok(what)


# ------------------------------------------------- the spec, independently

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes",
              "string"}


def pcf(schema):
    """Parsing Canonical Form of a parsed JSON schema."""
    defined = set()

    def ref(name, ns):
        if "." not in name and ns:
            full = ns + "." + name
            if full in defined:
                return full
        if name not in defined:
            raise ValueError("unknown type " + name)
        return name

    def define(s, ns):
        name = s["name"]
        if "." in name:
            full = name
        else:
            space = s.get("namespace", ns)
            full = space + "." + name if space else name
        defined.add(full)
        return full, full.rpartition(".")[0]

    def walk(s, ns):
        if isinstance(s, str):
            return json.dumps(s) if s in PRIMITIVES else json.dumps(ref(s, ns))
        if isinstance(s, list):
            return "[" + ",".join(walk(b, ns) for b in s) + "]"
        t = s["type"]
        if t in PRIMITIVES:
            return json.dumps(t)
        if t in ("record", "error"):
            full, inner = define(s, ns)
            fields = ",".join(
                '{"name":%s,"type":%s}' % (json.dumps(f["name"]),
                                           walk(f["type"], inner))
                for f in s["fields"])
            return '{"name":%s,"type":%s,"fields":[%s]}' % (
                json.dumps(full), json.dumps(t), fields)
        if t == "enum":
            full, _ = define(s, ns)
            return '{"name":%s,"type":"enum","symbols":[%s]}' % (
                json.dumps(full),
                ",".join(json.dumps(x) for x in s["symbols"]))
        if t == "array":
            return '{"type":"array","items":%s}' % walk(s["items"], ns)
        if t == "map":
            return '{"type":"map","values":%s}' % walk(s["values"], ns)
        if t == "fixed":
            full, _ = define(s, ns)
            return '{"name":%s,"type":"fixed","size":%d}' % (
                json.dumps(full), int(s["size"]))
        return json.dumps(ref(t, ns))

    return walk(schema, "")


EMPTY = 0xC15D213AA4D7A795
TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
    TABLE.append(fp)


def rabin(data):
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ TABLE[(fp ^ b) & 0xFF]
    return fp


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


# The Python implementation must itself agree with the spec's vectors.
for text, want in [('"int"', 8247732601305521295),
                   ('{"type":"int","logicalType":"date"}',
                    8247732601305521295),
                   ('{"fields":[],"type":"record","name":"foo",'
                    '"namespace":"x.y"}', 5916914534497305771),
                   ('{"namespace":"x.y.z","type":"enum","name":"foo",'
                    '"symbols":["A1","A2"]}', -4448647247586288245),
                   ('{"items":{"type":"null"},"type":"array"}',
                    -589620603366471059)]:
    expect_equal("python PCF fingerprint of %s" % text, want,
                 signed(rabin(pcf(json.loads(text)).encode())))


# ----------------------------------------------------------------- helpers

def run(args, stdin=b""):
    p = subprocess.run([CANBAO] + args, input=stdin, capture_output=True)
    if p.returncode != 0:
        mismatch("canbao %s exit status" % " ".join(args), 0,
                 "%d, stderr: %s" % (p.returncode,
                                     p.stderr.decode(errors="replace")))
    return p.stdout


def person_id(body17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(c) * x
                                      for c, x in zip(body17, w)) % 11]


def uscc(body17):
    alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(alpha.index(c) * x for c, x in zip(body17, w))
    return body17 + alpha[(31 - s % 31) % 31]


PERSON = person_id("32092319800101123")
USCC = uscc("91320923MA1XXXXXX")
RAW = b"320923198001011233,\xd5\xc5\xc8\xfd\x00,\xff"


def branch(t):
    """The non-null type of an optional field, and whether it is one."""
    if isinstance(t, list):
        return [b for b in t if b != "null"][0], True
    return t, False


def value_for(kind, field, t, variant):
    """A value that canbao's validators accept, for field of type t."""
    name = field["name"]
    logical = t.get("logicalType") if isinstance(t, dict) else None
    base = t["type"] if isinstance(t, dict) else t
    if base == "enum":
        syms = t["symbols"]
        return syms[variant % len(syms)] if variant else syms[-1]
    if logical == "date":
        return datetime.date(1985, 6, 30) if variant else \
            datetime.date(1900, 1, 1)
    if logical == "timestamp-millis":
        return datetime.datetime(2024, 3, 1, 2, 3, 4, 567000, tzinfo=UTC) \
            if variant else datetime.datetime(1969, 12, 31, 23, 0, 0,
                                              tzinfo=UTC)
    if base == "boolean":
        return bool(variant)
    if base == "long":
        return 42 if variant else 9007199254740993
    if base == "bytes":
        return RAW if variant else b""
    # strings, by what the field holds
    if name in ("person_id", "legal_rep_id") or \
            (name == "subject_id" and kind == "alert"):
        return PERSON
    if name == "uscc" or name == "subject_id":
        return USCC
    if name in ("township_code", "region_code"):
        return "320923100" if variant else "320923"
    if name == "period":
        return "2024-03" if variant or kind == "enrollment" else "2024"
    if name.endswith("_id") or name in ("reason", "feed"):
        return "ev-%d-%s" % (variant, name)
    if name == "evidence":
        return "ev-1 ev-2 ev-3"
    return "\u5f20\u4e09 Zhang %d" % variant


def make_record(kind, schema, full, variant):
    rec = {}
    for f in schema["fields"]:
        t, optional = branch(f["type"])
        rec[f["name"]] = None if optional and not full else \
            value_for(kind, f, t, variant)
    return rec


def canbao_json_value(v):
    """A Python value as canbao's JSON writes it."""
    if isinstance(v, datetime.datetime):
        return v  # compared as instants
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return v


def compare_json(what, rec, got):
    want = {k: canbao_json_value(v) for k, v in rec.items() if v is not None}
    if set(want) != set(got):
        mismatch(what + ": keys", sorted(want), sorted(got))
    for k, v in want.items():
        g = got[k]
        if isinstance(v, datetime.datetime):
            g = datetime.datetime.fromisoformat(g)
        if v != g:
            mismatch("%s: %s" % (what, k), v, got[k])
    ok(what)


def compare_python(what, rec, got):
    for k, v in rec.items():
        g = got[k]
        if v != g:
            mismatch("%s: %s" % (what, k), v, g)
    if set(rec) != set(got):
        mismatch(what + ": keys", sorted(rec), sorted(got))
    ok(what)


def to_canbao_input(rec):
    """A record as the JSON `canbao avro encode` reads."""
    out = {}
    for k, v in rec.items():
        if v is None:
            continue
        if isinstance(v, datetime.datetime):
            out[k] = v.astimezone(
                datetime.timezone(datetime.timedelta(hours=8))).isoformat()
        else:
            out[k] = canbao_json_value(v)
    return out


# ------------------------------------------------------------------ tests

for kind in KINDS:
    path = os.path.join(SRC, "schemas", kind + ".avsc")
    with open(path, encoding="utf-8") as fp:
        text = fp.read()
    doc = json.loads(text)
    parsed = avro.schema.parse(text)
    canonical = pcf(doc)
    fingerprint = rabin(canonical.encode())

    # (a)
    expect_equal("%s: canonical form" % kind, canonical,
                 run(["avro", "canonical", kind]).decode().strip())
    expect_equal("%s: fingerprint" % kind, "%016x" % fingerprint,
                 run(["avro", "fingerprint", kind]).decode().strip())
    expect_equal("%s: schema text" % kind, doc,
                 json.loads(run(["avro", "schema", kind])))

    header = b"\xc3\x01" + struct.pack("<Q", fingerprint)
    for full, variant, label in [(True, 1, "full"), (True, 0, "edge"),
                                 (False, 1, "minimal")]:
        rec = make_record(kind, doc, full, variant)

        # (b) python writes, canbao reads
        buf = io.BytesIO()
        avro.io.DatumWriter(parsed).write(rec, avro.io.BinaryEncoder(buf))
        msg = header + buf.getvalue()
        line = json.loads(run(["avro", "decode", "--unmasked"], msg))
        expect_equal("%s (%s): decoded kind" % (kind, label), kind,
                     line["kind"])
        compare_json("%s (%s): python-written message decoded by canbao"
                     % (kind, label), rec, line["record"])
        masked = json.loads(run(["avro", "decode"], msg))["record"]
        for k, v in masked.items():
            if k == "raw":  # bytes: IDs inside are masked too
                v = base64.b64decode(v).decode("latin-1")
            if isinstance(v, str) and (PERSON in v or USCC in v):
                mismatch("%s (%s): masked decode hides %s" % (kind, label, k),
                         "no whole ID", v)
        ok("%s (%s): IDs masked without --unmasked" % (kind, label))

        # (c) canbao writes, python reads
        out = run(["avro", "encode", kind],
                  json.dumps(to_canbao_input(rec)).encode())
        expect_equal("%s (%s): header of canbao's message" % (kind, label),
                     header.hex(), out[:10].hex())
        got = avro.io.DatumReader(parsed).read(
            avro.io.BinaryDecoder(io.BytesIO(out[10:])))
        compare_python("%s (%s): canbao-written message decoded by python"
                       % (kind, label), rec, got)
        expect_equal("%s (%s): byte-identical to python's encoding"
                     % (kind, label), msg.hex(), out.hex())

print("avro_interop: %d checks passed" % CHECKS)
