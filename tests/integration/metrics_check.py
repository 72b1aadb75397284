#!/usr/bin/python3
"""metrics_check.py -- reads the matcher's /metrics strictly (the text
exposition format 0.0.4) and checks its figures.

  metrics_check.py drained FILE TOPIC=N...   events in by topic equal N,
        one undecodable message dead-lettered, every partition's lag 0,
        Redis's round trip there, every committed step in the steps'
        histogram, the stages' times summed over every op, up and ready
  metrics_check.py published FILE LEADS ALERTS   the lead and alert
        changes counted equal the messages on the lead and alert topics
  metrics_check.py reconnected FILE TOPIC=N...   a Redis failure ridden
        out and a reconnect counted, ready again, the events in as before
  metrics_check.py listed FILE LEADS.json ALERTS.json   what `canbao
        leads --status all` and `canbao alerts` list (--format json) is
        covered: for each reason and status at least as many lead changes
        counted as leads listed, for each alert kind at least as many
        raised less withdrawn as alerts listed

Exits 1 with the reason; the last line printed says what held.  Without
prometheus_client: the parser below is the format's grammar, as strict as
this matcher needs (no comments but HELP and TYPE, no timestamps)."""
import json
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
HELP = re.compile(r"^# HELP (%s) ((?:[^\\\n]|\\[\\n])*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$"
                  % NAME)
VALUE = re.compile(r"^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
                   r"|[+-]Inf|NaN)$")


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(path):
    """{name: (type, [(labels dict, value)])}, or SystemExit on bad text.
    A histogram's samples keep their suffix in the label "__name__"."""
    families, current = {}, None
    text = open(path, encoding="utf-8").read()
    if not text.endswith("\n"):
        raise SystemExit("%s: the text does not end with a newline" % path)
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "%s:%d: " % (path, n)
        if line.startswith("#"):
            h, t = HELP.match(line), TYPE.match(line)
            if h:
                name = h.group(1)
                if name in families:
                    raise SystemExit(where + "family %s twice" % name)
                families[name] = [None, [], set()]
                current = name
            elif t:
                name, kind = t.group(1), t.group(2)
                if name != current or families[name][0] is not None:
                    raise SystemExit(where + "TYPE out of place: " + line)
                if kind not in ("counter", "gauge", "histogram"):
                    raise SystemExit(where + "a type the matcher has no "
                                     "business with: " + line)
                families[name][0] = kind
            else:
                raise SystemExit(where + "a comment that is neither HELP "
                                 "nor TYPE: %r" % line)
            continue
        m = SAMPLE.match(line)
        if not m:
            raise SystemExit(where + "not a sample: %r" % line)
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        if current is None or families[current][0] is None:
            raise SystemExit(where + "%s without its HELP and TYPE" % name)
        kind = families[current][0]
        suffixes = ("_bucket", "_sum", "_count") if kind == "histogram" \
            else ("",)
        suffix = next((s for s in suffixes if name == current + s), None)
        if suffix is None:
            raise SystemExit(where + "%s is not a sample of %s (%s)" %
                             (name, current, kind))
        got, pos = {}, 0
        while pos < len(labels):
            lm = LABEL.match(labels, pos)
            if not lm or lm.group(1) in got:
                raise SystemExit(where + "bad labels: %r" % labels)
            got[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
        if not VALUE.match(value):
            raise SystemExit(where + "not a value: %r" % value)
        v = float(value)
        if kind == "counter":
            if not name.endswith("_total") or v < 0 or (
                    v != int(v) and not name.endswith("_seconds_total")):
                raise SystemExit(where + "a bad counter: " + line)
        if kind == "histogram":
            if (suffix == "_bucket") != ("le" in got):
                raise SystemExit(where + "le belongs on the buckets only: "
                                 + line)
            got["__name__"] = suffix
        series = tuple(sorted(got.items()))
        if series in families[current][2]:
            raise SystemExit(where + "a series twice: " + line)
        families[current][2].add(series)
        families[current][1].append((got, v))
    for name, (kind, samples, _) in families.items():
        if kind is None:
            raise SystemExit("%s has no TYPE" % name)
        if kind == "histogram":
            check_histogram(name, samples)
    return {k: (t, s) for k, (t, s, _) in families.items()}


def check_histogram(name, samples):
    """Buckets in rising le, cumulative, the last +Inf and equal to _count;
    one _sum."""
    buckets = [(float(l["le"]), v) for l, v in samples
               if l["__name__"] == "_bucket"]
    sums = [v for l, v in samples if l["__name__"] == "_sum"]
    counts = [v for l, v in samples if l["__name__"] == "_count"]
    if len(sums) != 1 or len(counts) != 1 or not buckets:
        raise SystemExit("%s: a histogram needs buckets, one _sum and one "
                         "_count" % name)
    les = [le for le, _ in buckets]
    if les != sorted(les) or len(set(les)) != len(les) or \
            not math.isinf(les[-1]):
        raise SystemExit("%s: le rises to +Inf: %s" % (name, les))
    vs = [v for _, v in buckets]
    if vs != sorted(vs) or any(v != int(v) or v < 0 for v in vs):
        raise SystemExit("%s: buckets are cumulative counts: %s" % (name, vs))
    if vs[-1] != counts[0]:
        raise SystemExit("%s: +Inf %g, _count %g" % (name, vs[-1], counts[0]))


def value(f, name, **want):
    """The one sample of name with the labels wanted."""
    got = [v for labels, v in f[name][1]
           if all(labels.get(k) == w for k, w in want.items())]
    if len(got) != 1:
        raise SystemExit("not so: one sample of %s %s, found %d" %
                         (name, want, len(got)))
    return got[0]


def total(fam, **want):
    return sum(v for labels, v in fam[1]
               if all(labels.get(k) == w for k, w in want.items()))


def need(ok, what):
    if not ok:
        raise SystemExit("not so: " + what)


def events_as_produced(f, delivered):
    """The events-in family, checked topic by topic against TOPIC=N."""
    events = f["canbao_matcher_events_total"]
    for arg in delivered:
        topic, n = arg.split("=")
        need(total(events, topic=topic) == int(n),
             "events from %s: %d, the producers delivered %s" %
             (topic, total(events, topic=topic), n))
    return events


def main():
    mode, path = sys.argv[1], sys.argv[2]
    f = parse(path)
    if mode == "drained":
        events = events_as_produced(f, sys.argv[3:])
        dead = f["canbao_matcher_dead_lettered_total"]
        need(total(dead, reason="undecodable") == 1 and total(dead) == 1,
             "one undecodable message dead-lettered: %s" % dead[1])
        lags = f["canbao_matcher_consumer_lag"][1]
        need(len(lags) >= 16 * 5, "the lag of every partition: %d samples" %
             len(lags))
        need(all(v == 0 for _, v in lags), "every lag 0: %s" %
             [(l["topic"], l["partition"], v) for l, v in lags if v][:5])
        rtt = value(f, "canbao_matcher_redis_rtt_seconds")
        need(0 < rtt < 1, "Redis's round trip %.6f s" % rtt)
        need(value(f, "canbao_matcher_ready") == 1, "ready")
        need(value(f, "canbao_matcher_up") == 1, "up")
        need(value(f, "canbao_matcher_assigned_partitions") == 16,
             "16 partitions assigned")
        need(value(f, "canbao_matcher_applied_total") > 0, "events applied")
        need(value(f, "canbao_matcher_redis_failures_total") == 0 and
             value(f, "canbao_matcher_redis_reconnects_total") == 0,
             "no Redis failure, no reconnect")
        steps = value(f, "canbao_matcher_steps_total")
        nstep = value(f, "canbao_matcher_step_seconds", __name__="_count")
        ssum = value(f, "canbao_matcher_step_seconds", __name__="_sum")
        need(steps > 0 and nstep == steps,
             "every step committed in the histogram: %d of %d" %
             (nstep, steps))
        need(0 < ssum < steps, "the steps' time summed: %.3f s" % ssum)
        # the stages: every feed event's arrival timed (the undecodable
        # one too), the ops of every committed step in queue, step and
        # publish, each summed time positive and under a minute an op
        feeds = sum(v for l, v in events[1]
                    if l["topic"] in [a.split("=")[0] for a in sys.argv[3:]])
        seconds = f["canbao_matcher_stage_seconds_total"]
        counted = f["canbao_matcher_stage_events_total"]
        need(total(counted, stage="arrive") == feeds,
             "the arrival of every feed event timed: %d of %d" %
             (total(counted, stage="arrive"), feeds))
        ops = total(counted, stage="step")
        need(ops >= value(f, "canbao_matcher_applied_total") and
             total(counted, stage="queue") == ops and
             total(counted, stage="publish") == ops,
             "the ops of every committed step in queue, step and publish: "
             "%s" % counted[1])
        for stage in ("arrive", "queue", "step", "publish"):
            sec, n = total(seconds, stage=stage), total(counted, stage=stage)
            need(0 <= sec < 60 * n,
                 "the %s stage's time %.6f s over %d events" % (stage, sec, n))
        print("drained: %d events in (%s), 1 dead letter, %d partitions at "
              "lag 0, Redis round trip %.3f ms, %d steps of %.2f ms on "
              "average" % (
                  total(events), " ".join(sys.argv[3:]), len(lags),
                  rtt * 1000, steps, ssum / steps * 1000))
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
    elif mode == "reconnected":
        failures = value(f, "canbao_matcher_redis_failures_total")
        reconnects = value(f, "canbao_matcher_redis_reconnects_total")
        need(failures >= 1 and reconnects >= 1,
             "a failure and a reconnect: %d and %d" % (failures, reconnects))
        need(value(f, "canbao_matcher_ready") == 1 and
             value(f, "canbao_matcher_up") == 1, "up and ready again")
        events_as_produced(f, sys.argv[3:])
        print("reconnected: %d Redis failure(s) ridden out, %d reconnect(s), "
              "ready again" % (failures, reconnects))
    elif mode == "listed":
        leads = json.load(open(sys.argv[3], encoding="utf-8"))
        alerts = json.load(open(sys.argv[4], encoding="utf-8"))
        need(leads and alerts, "some leads and alerts listed")
        lf, af = f["canbao_matcher_leads_total"], f["canbao_matcher_alerts_total"]
        pairs = {(l["reason"], l["status"]) for l in leads}
        for reason, status in sorted(pairs):
            n = sum(1 for l in leads
                    if (l["reason"], l["status"]) == (reason, status))
            c = total(lf, reason=reason, status=status)
            need(c >= n, "%s %s: %d listed, %d changes counted" %
                 (reason, status, n, c))
        for kind in sorted({a["kind"] for a in alerts}):
            n = sum(1 for a in alerts if a["kind"] == kind)
            c = total(af, kind=kind, change="raised") - \
                total(af, kind=kind, change="withdrawn")
            need(c >= n, "%s: %d listed, %d raised less withdrawn" %
                 (kind, n, c))
        print("listed: %d leads (%d reason and status pairs) and %d alerts "
              "(%d kinds), each covered by the changes counted" %
              (len(leads), len(pairs), len(alerts),
               len({a["kind"] for a in alerts})))
    else:
        raise SystemExit("mode: drained, published or listed")


if __name__ == "__main__":
    main()
