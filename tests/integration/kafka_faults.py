"""kafka_faults.py -- what kafka_faults.sh asks of the cluster and the logs.

Run with Debian's /usr/bin/python3 (no Kafka library: the topics are read
with kcat, an independent consumer, never with canbao's own counters).

  count BOOTSTRAP COUNTY FEED...
      reads each feed topic canbao.FEED.v1 end to end with kcat, takes the
      event id out of every message (single-object Avro: 0xC3 0x01, the
      8-byte schema fingerprint, then the record, whose first field is the
      event_id string), and compares the count of each event id with its
      count in COUNTY/feeds/FEED.csv (a county's feeds repeat a few events
      on purpose; the topic must hold each row once: no id missing, none
      more often than the file has it).  Exit 1 on any difference.
  distinct BOOTSTRAP TOPIC
      prints how many distinct values the first field of TOPIC's records
      takes (canbao.lead.v1: lead ids; a workbench holds that many leads).
  leaders BOOTSTRAP TOPIC
      prints, for each broker id, how many partitions of TOPIC it leads,
      most first ("ID COUNT" lines).
  isr-full BOOTSTRAP N
      exit 0 when every partition of every topic has N in-sync replicas and
      a leader (a restarted broker has rejoined), else 1.
  coordinator BOOTSTRAP GROUP
      prints the id of the broker that coordinates consumer group GROUP:
      the leader of its partition of __consumer_offsets (Java's
      String.hashCode of the group id, made non-negative, modulo the
      topic's partition count, as Kafka places groups).
  trickle SECONDS
      copies standard input (a CSV feed) to standard output spread evenly
      over about SECONDS, header first: a producer reading it runs that
      long, on a fast machine as on a slow one.
  stamp FILE
      copies standard input to FILE line by line, each line prefixed by the
      wall-clock time (seconds, 3 decimals), flushed at once: a matcher's
      log with the moment of each assignment.
  unowned SINCE LOG...
      from stamped matcher logs (stamp), how long the partitions stayed
      unowned after a fault at SINCE (seconds since the epoch): the first
      "revoked" line after it (the moment the group noticed) and the first
      "assigned" line after that (owned again).  Exit 1 while there is no
      such pair yet.
"""

import collections
import csv
import subprocess
import sys
import time

MAGIC = b"\xc3\x01"


def varint(buf, pos):
    """Avro's zigzag long at buf[pos:]: (value, next position)."""
    shift = 0
    n = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return (n >> 1) ^ -(n & 1), pos


def event_id(value):
    """The first field of a message (single-object encoding) as a string:
    the event_id of a feed record, the lead_id of a lead."""
    if len(value) < 11 or value[:2] != MAGIC:
        raise ValueError("not a single-object Avro message")
    n, pos = varint(value, 10)
    if n < 0 or pos + n > len(value):
        raise ValueError("bad event_id length")
    return value[pos:pos + n].decode("utf-8")


def read_topic(bootstrap, topic):
    """Every message of topic, as (partition, offset, value) tuples, read
    with kcat from the beginning of every partition to its end."""
    out = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning",
         "-e", "-q", "-f", "%p %o %S\n%s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if out.returncode != 0:
        sys.exit("kcat could not read %s: %s" % (
            topic, out.stderr.decode(errors="replace")[-500:]))
    data, pos, msgs = out.stdout, 0, []
    while pos < len(data):
        nl = data.index(b"\n", pos)
        p, o, size = data[pos:nl].split()
        size = int(size)
        pos = nl + 1
        value = data[pos:pos + max(size, 0)]
        pos += max(size, 0)
        msgs.append((int(p), int(o), value))
    return msgs


def cmd_count(bootstrap, county, feeds):
    bad = 0
    for feed in feeds:
        want = collections.Counter()
        with open("%s/feeds/%s.csv" % (county, feed), encoding="utf-8",
                  newline="") as f:
            for row in csv.DictReader(f):
                want[row["event_id"]] += 1
        got = collections.Counter()
        where = collections.defaultdict(list)
        for p, o, value in read_topic(bootstrap, "canbao.%s.v1" % feed):
            try:
                eid = event_id(value)
            except ValueError as e:
                print("%s: partition %d offset %d: %s" % (feed, p, o, e))
                bad += 1
                continue
            got[eid] += 1
            where[eid].append("%d@%d" % (p, o))
        missing = sorted(e for e in want if got[e] < want[e])
        extra = sorted(e for e in got if got[e] > want[e])
        print("%s: %d records on the topic, %d rows in the file, %d event "
              "ids: %d missing, %d more often than in the file" % (
                  feed, sum(got.values()), sum(want.values()), len(want),
                  len(missing), len(extra)))
        for e in missing[:5]:
            print("  missing %s: %d on the topic, %d in the file" % (
                e, got[e], want[e]))
        for e in extra[:5]:
            print("  extra %s: %d on the topic (%s), %d in the file" % (
                e, got[e], " ".join(where[e]), want[e]))
        bad += len(missing) + len(extra)
    return 1 if bad else 0


def cmd_distinct(bootstrap, topic):
    ids = set()
    for p, o, value in read_topic(bootstrap, topic):
        ids.add(event_id(value))
    print(len(ids))
    return 0


def metadata(bootstrap, topic=None):
    """kcat -L's partitions: (topic, partition, leader, replicas, isrs)."""
    cmd = ["kcat", "-L", "-b", bootstrap, "-m", "5"]
    if topic:
        cmd += ["-t", topic]
    out = subprocess.run(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=30)
    if out.returncode != 0:
        return None
    parts, current = [], None
    for line in out.stdout.decode().splitlines():
        w = line.split()
        if line.startswith("  topic "):
            current = w[1].strip('"')
        elif line.startswith("    partition ") and current:
            # partition 3, leader 2, replicas: 2,3,1, isrs: 2,3,1
            leader = int(w[3].rstrip(","))
            reps = w[5].rstrip(",").split(",")
            isrs = w[7].split(",") if len(w) > 7 else []
            parts.append((current, int(w[1].rstrip(",")), leader,
                          [r for r in reps if r], [i for i in isrs if i]))
    return parts


def cmd_leaders(bootstrap, topic):
    parts = metadata(bootstrap, topic) or []
    led = collections.Counter(p[2] for p in parts)
    for broker, n in led.most_common():
        print(broker, n)
    return 0 if led else 1


def cmd_isr_full(bootstrap, n):
    parts = metadata(bootstrap)
    if not parts:
        return 1
    short = [p for p in parts if len(p[4]) < n or p[2] < 0]
    return 1 if short else 0


def java_hash(text):
    """Java's String.hashCode (UTF-16 code units, 32-bit signed)."""
    h = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (31 * h + int.from_bytes(units[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def cmd_coordinator(bootstrap, group):
    parts = metadata(bootstrap, "__consumer_offsets") or []
    parts = [p for p in parts if p[0] == "__consumer_offsets"]
    if not parts:
        print("no __consumer_offsets topic yet", file=sys.stderr)
        return 1
    h = java_hash(group)
    h = 0 if h == -(1 << 31) else abs(h)
    want = h % len(parts)
    for p in parts:
        if p[1] == want:
            print(p[2])
            return 0
    return 1


def cmd_trickle(seconds):
    lines = sys.stdin.buffer.readlines()
    out = sys.stdout.buffer
    if not lines:
        return 0
    out.write(lines[0])
    body = lines[1:]
    chunks = 50
    step = max(1, (len(body) + chunks - 1) // chunks)
    for i in range(0, len(body), step):
        out.writelines(body[i:i + step])
        out.flush()
        time.sleep(seconds / chunks)
    return 0


def cmd_stamp(path):
    with open(path, "a", encoding="utf-8", errors="replace") as out:
        for line in sys.stdin.buffer:
            out.write("%.3f %s\n" % (time.time(),
                                    line.decode("utf-8", "replace").rstrip()))
            out.flush()
    return 0


def cmd_unowned(since, logs):
    since = float(since)
    events = []
    for path in logs:
        for line in open(path, encoding="utf-8", errors="replace"):
            t, _, text = line.partition(" ")
            if float(t) >= since and ("revoked" in text or
                                      "assigned" in text):
                events.append((float(t), "revoked" in text))
    events.sort()
    revoked = next((t for t, r in events if r), None)
    assigned = next((t for t, r in events
                     if not r and (revoked is None or t >= revoked)), None)
    if revoked is None or assigned is None:
        print("no matcher gave its partitions up and took them again yet")
        return 1
    print("the group noticed after %.1f s (first revocation); the "
          "partitions were owned again %.1f s after the fault" % (
              revoked - since, assigned - since))
    return 0


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "count" and len(args) >= 3:
        return cmd_count(args[0], args[1], args[2:])
    if cmd == "distinct" and len(args) == 2:
        return cmd_distinct(args[0], args[1])
    if cmd == "leaders" and len(args) == 2:
        return cmd_leaders(args[0], args[1])
    if cmd == "isr-full" and len(args) == 2:
        return cmd_isr_full(args[0], int(args[1]))
    if cmd == "coordinator" and len(args) == 2:
        return cmd_coordinator(args[0], args[1])
    if cmd == "trickle" and len(args) == 1:
        return cmd_trickle(float(args[0]))
    if cmd == "stamp" and len(args) == 1:
        return cmd_stamp(args[0])
    if cmd == "unowned" and len(args) >= 2:
        return cmd_unowned(args[0], args[1:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
