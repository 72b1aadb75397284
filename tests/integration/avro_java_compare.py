"""avro_java_compare.py -- canbao's reading of its topics against the
reference reader's (tests/java, Apache Avro's BinaryMessageDecoder), and
both against the distribution's console consumer's counts.

    avro_java_compare.py SCHEMA_DIR TAIL_JSONL JAVA_JSONL COUNTS OWNERSHIP

TAIL_JSONL is `canbao tail --exit-at-end --unmasked` (dates YYYY-MM-DD,
times ISO 8601 with their offset, bytes base64, absent optional fields
left out); JAVA_JSONL is ReferenceReader's (dates as days, times as
milliseconds, bytes base64, nulls written).  Each of tail's values is
turned into Avro's by the field's schema, so that the two are compared
field by field, message by message (topic, partition, offset).  COUNTS
holds "TOPIC N" lines of kafka-console-consumer.sh; OWNERSHIP the
"partition offset" lines kcat read from canbao.ownership.v1.
"""
import datetime
import json
import os
import sys

SCHEMAS, TAIL, JAVA, COUNTS, OWNERSHIP = sys.argv[1:6]
EPOCH = datetime.date(1970, 1, 1)
failures = []


def fail(msg):
    if len(failures) < 20:
        print("FAIL: " + msg)
    failures.append(msg)


def logical(t):
    """The field type's logical type or base type, through a null union."""
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    if isinstance(t, dict):
        return t.get("logicalType") or t["type"]
    return t


def to_avro(t, v):
    """tail's JSON value of a field of type t as Avro's Java library gives
    it."""
    if v is None:
        return None
    kind = logical(t)
    if kind == "date":
        return (datetime.date.fromisoformat(v) - EPOCH).days
    if kind == "timestamp-millis":
        dt = datetime.datetime.fromisoformat(v)
        delta = dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return delta.days * 86400000 + delta.seconds * 1000 + \
            delta.microseconds // 1000
    return v


schemas = {}
for name in os.listdir(SCHEMAS):
    if name.endswith(".avsc"):
        s = json.load(open(os.path.join(SCHEMAS, name)))
        schemas["canbao.%s.v1" % name[:-5]] = s["fields"]


def read(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        m = json.loads(line)
        out[(m["topic"], m["partition"], m["offset"])] = m
    return out


tail = read(TAIL)
java = read(JAVA)
print("canbao tail: %d messages; ReferenceReader: %d" % (len(tail), len(java)))
for k in sorted(set(tail) | set(java)):
    if k not in java:
        fail("%s/%d@%d: only canbao read it" % k)
        continue
    if k not in tail:
        fail("%s/%d@%d: only the reference reader read it" % k)
        continue
    t, j = tail[k], java[k]
    if t.get("key") != j["key"]:
        fail("%s/%d@%d: keys %r and %r" % (k + (t.get("key"), j["key"])))
    for f in schemas[k[0]]:
        want = j["record"].get(f["name"])
        got = to_avro(f["type"], t["record"].get(f["name"]))
        if got != want:
            fail("%s/%d@%d %s: canbao %r, Avro %r" % (k + (f["name"], got,
                                                          want)))

per_topic = {}
for k in java:
    per_topic[k[0]] = per_topic.get(k[0], 0) + 1
per_topic["canbao.ownership.v1"] = sum(1 for _ in open(OWNERSHIP))
for line in open(COUNTS):
    topic, n = line.split()
    if int(n) != per_topic.get(topic, 0):
        fail("%s: the console consumer counts %s, the readers %d" %
             (topic, n, per_topic.get(topic, 0)))
    print("%s: %s records" % (topic, n))
for topic in schemas:
    if per_topic.get(topic, 0) == 0:
        fail("%s: no message to compare" % topic)

if failures:
    print("%d disagreements" % len(failures))
    sys.exit(1)
print("every field of every message agrees")
