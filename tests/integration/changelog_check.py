#!/usr/bin/env python3
"""changelog_check.py -- the lead and alert topics as changelogs: the latest
record of every key (a lead or alert id) equals the store.

Usage: changelog_check.py TAIL.jsonl LEADS.json ALERTS.json

TAIL.jsonl is `canbao tail lead alert --exit-at-end --unmasked`; LEADS.json
`canbao leads --status all --format json --unmasked`; ALERTS.json `canbao
alerts --format json --unmasked`.  Checks, for each topic: every message
decodes and is keyed by its own lead or alert id; the latest record of
every id in the store equals the store's; an id the store no longer holds
was last heard of closed (a lead) or withdrawn (an alert).  Prints the
counts (messages, ids, ids with more than one message) and exits 1 on the
first kind of mismatch, naming up to 5 of them."""
import json
import sys


def latest(lines, topic, id_field):
    """The latest message of every key of TOPIC (offsets rise within a
    partition, and a key has one partition), and the count of messages."""
    last, seen, n = {}, {}, 0
    for line in lines:
        m = json.loads(line)
        if m["topic"] != topic:
            continue
        n += 1
        if "record" not in m:
            sys.exit("%s offset %d/%d does not decode: %s" %
                     (topic, m["partition"], m["offset"], m.get("error")))
        key = m.get("key")
        if key != m["record"][id_field]:
            sys.exit("%s offset %d/%d: key %r, but the record's %s is %r" %
                     (topic, m["partition"], m["offset"], key, id_field,
                      m["record"][id_field]))
        seen[key] = seen.get(key, 0) + 1
        old = last.get(key)
        if old is not None and old["partition"] != m["partition"]:
            sys.exit("%s: key %s on partitions %d and %d" %
                     (topic, key, old["partition"], m["partition"]))
        if old is None or m["offset"] > old["offset"]:
            last[key] = m
    again = sum(1 for c in seen.values() if c > 1)
    return last, n, again


def check(topic, lines, store, id_field, gone):
    last, n, again = latest(lines, topic, id_field)
    errors = []
    for rec in store:
        m = last.get(rec[id_field])
        if m is None:
            errors.append("%s is in the store, not on the topic" % rec[id_field])
        elif m["record"] != rec or m.get("withdrawn"):
            errors.append("%s: the topic's latest %s%s, the store's %s" %
                          (rec[id_field], m["record"],
                           " (withdrawn)" if m.get("withdrawn") else "", rec))
    ids = {rec[id_field] for rec in store}
    for key, m in last.items():
        if key not in ids and not gone(m):
            errors.append("%s: not in the store, but its latest record %s "
                          "says it is current" % (key, m["record"]))
    print("%s: %d messages, %d ids, %d with more than one message, "
          "%d in the store" % (topic, n, len(last), again, len(store)))
    for e in errors[:5]:
        print("MISMATCH %s: %s" % (topic, e))
    return not errors


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
    leads = json.load(open(sys.argv[2], encoding="utf-8"))
    alerts = json.load(open(sys.argv[3], encoding="utf-8"))
    ok = check("canbao.lead.v1", lines, leads, "lead_id",
               lambda m: m["record"]["status"] == "closed")
    ok = check("canbao.alert.v1", lines, alerts, "alert_id",
               lambda m: m.get("withdrawn", False)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
