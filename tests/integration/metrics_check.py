#!/usr/bin/python3
"""metrics_check.py -- reads the matcher's /metrics strictly (the text
exposition format 0.0.4) and checks its figures.

  metrics_check.py drained FILE TOPIC=N...   events in by topic equal N,
        one undecodable message dead-lettered, every partition's lag 0,
        Redis's round trip there, ready
  metrics_check.py published FILE LEADS ALERTS   the lead and alert
        changes counted equal the messages on the lead and alert topics

Exits 1 with the reason; the last line printed says what held."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse(path):
    """{name: (type, [(labels dict, value)])}, or SystemExit on bad text."""
    families, current = {}, None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        where = "%s:%d: " % (path, n)
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in families:
                raise SystemExit(where + "family %s twice" % name)
            families[name] = [None, []]
            current = name
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if name != current or kind not in ("counter", "gauge"):
                raise SystemExit(where + "TYPE out of place: " + line)
            families[name][0] = kind
        else:
            m = SAMPLE.match(line)
            if not m:
                raise SystemExit(where + "not a sample: %r" % line)
            name, labels, value = m.group(1), m.group(3) or "", m.group(4)
            if name != current or families[name][0] is None:
                raise SystemExit(where + "%s without its HELP and TYPE" % name)
            got, pos = {}, 0
            while pos < len(labels):
                lm = LABEL.match(labels, pos)
                if not lm:
                    raise SystemExit(where + "bad labels: %r" % labels)
                got[lm.group(1)] = lm.group(2)
                pos = lm.end()
            v = float(value)
            if families[name][0] == "counter":
                if not name.endswith("_total") or v < 0 or v != int(v):
                    raise SystemExit(where + "a bad counter: " + line)
            families[name][1].append((got, v))
    for name, (kind, samples) in families.items():
        if kind is None:
            raise SystemExit("%s has no TYPE" % name)
    return {k: (t, s) for k, (t, s) in families.items()}


def total(fam, **want):
    return sum(v for labels, v in fam[1]
               if all(labels.get(k) == w for k, w in want.items()))


def need(ok, what):
    if not ok:
        raise SystemExit("not so: " + what)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    f = parse(path)
    if mode == "drained":
        events = f["canbao_matcher_events_total"]
        for arg in sys.argv[3:]:
            topic, n = arg.split("=")
            need(total(events, topic=topic) == int(n),
                 "events from %s: %d, the producers delivered %s" %
                 (topic, total(events, topic=topic), n))
        dead = f["canbao_matcher_dead_lettered_total"]
        need(total(dead, reason="undecodable") == 1 and total(dead) == 1,
             "one undecodable message dead-lettered: %s" % dead[1])
        lags = f["canbao_matcher_consumer_lag"][1]
        need(len(lags) >= 16 * 5, "the lag of every partition: %d samples" %
             len(lags))
        need(all(v == 0 for _, v in lags), "every lag 0: %s" %
             [(l["topic"], l["partition"], v) for l, v in lags if v][:5])
        rtt = f["canbao_matcher_redis_rtt_seconds"][1][0][1]
        need(0 < rtt < 1, "Redis's round trip %.6f s" % rtt)
        need(f["canbao_matcher_ready"][1][0][1] == 1, "ready")
        need(f["canbao_matcher_assigned_partitions"][1][0][1] == 16,
             "16 partitions assigned")
        need(total(f["canbao_matcher_applied_total"]) > 0, "events applied")
        print("drained: %d events in (%s), 1 dead letter, %d partitions at "
              "lag 0, Redis round trip %.3f ms" % (
                  total(events), " ".join(sys.argv[3:]), len(lags),
                  rtt * 1000))
    elif mode == "published":
        leads, alerts = int(sys.argv[3]), int(sys.argv[4])
        lt = total(f["canbao_matcher_leads_total"])
        at = total(f["canbao_matcher_alerts_total"])
        need(lt == leads, "lead changes counted %d, on the lead topic %d" %
             (lt, leads))
        need(at == alerts, "alert changes counted %d, on the alert topic %d"
             % (at, alerts))
        need(lt > 0 and at > 0, "some leads and alerts")
        kinds = sorted({l["kind"] for l, v in f["canbao_matcher_alerts_total"][1] if v})
        print("published: %d lead changes and %d alert changes counted, as "
              "on the topics (alert kinds: %s)" % (lt, at, " ".join(kinds)))
    else:
        raise SystemExit("mode: drained or published")


if __name__ == "__main__":
    main()
