#!/usr/bin/python3
"""Compares the matcher's stores with the ground truth `canbao gen` wrote.

    truth_compare.py TRUTH_DIR STORES_FILE

STORES_FILE is what `apply_tool REDIS_URL -` prints.  Every lead, alert and
progress count of the truth must be in the stores with the same fields, and
nothing more: a lead's source_event_id included (docs/RULES.md 5: the
event that decided its status, a function of the events like every other
field; a line says when the truth has no such column: then it is not
compared), an alert's raised_at not (the matcher's clock, not a fact).
When the truth has reviews.csv (docs/RULES.md 9.3), its
review items too, against the stores' {"review": {...}} lines: review_id,
kind, township_code, subject_id, other_id, names, evidence and status
(raised_at and resolved_at are the matcher's clock, not facts), and
amount_at_risk_fen when the stores' items carry it (a line says when they
do not: then it is not compared).  Prints the differences, the first 20 of
each kind, and exits 1 when there is any.
"""
import csv
import json
import os
import sys

truth_dir, stores_file = sys.argv[1], sys.argv[2]


def day(ts):
    return ts[:10] if ts else ""


want_leads = {}
with_source = True  # whether the truth says source_event_id
for r in csv.DictReader(open(truth_dir + "/leads.csv", encoding="utf-8")):
    with_source = with_source and "source_event_id" in r
    want_leads[r["lead_id"]] = (r["township_code"], r["subject_kind"],
                                r["subject_id"], r["reason"], r["priority"],
                                r["status"], r["closed_reason"],
                                day(r["opened_at"]), day(r["closed_at"]),
                                r["name"], r.get("source_event_id"))
want_alerts = {}
for r in csv.DictReader(open(truth_dir + "/alerts.csv", encoding="utf-8")):
    want_alerts[r["alert_id"]] = (r["kind"], r["subject_id"],
                                  r["township_code"], r["period"],
                                  int(r["amount_at_risk_fen"]), r["evidence"])
want_progress = {}
for r in csv.DictReader(open(truth_dir + "/progress.csv", encoding="utf-8")):
    if int(r["enrolled"]) > 0:
        want_progress["%s:%s" % (r["township_code"], r["year"])] = \
            int(r["enrolled"])

REVIEW_FIELDS = ("kind", "township_code", "subject_id", "other_id", "names",
                 "evidence", "status")
reviews_csv = os.path.join(truth_dir, "reviews.csv")
want_reviews = None  # not compared when the truth has no reviews.csv
want_amounts = {}
if os.path.exists(reviews_csv):
    want_reviews = {}
    for r in csv.DictReader(open(reviews_csv, encoding="utf-8")):
        want_reviews[r["review_id"]] = tuple(r[k] for k in REVIEW_FIELDS)
        # the amount at risk (0 for kinds without one, and in a truth
        # written before the column)
        want_amounts[r["review_id"]] = int(r.get("amount_at_risk_fen") or 0)


def review_fields(v):
    """A stored item's compared fields; an absent field is empty, and
    evidence given as a list is the space-separated text."""
    out = []
    for k in REVIEW_FIELDS:
        x = v.get(k)
        if isinstance(x, list):
            x = " ".join(x)
        out.append("" if x is None else str(x))
    return tuple(out)


got_leads, got_alerts, got_progress, got_reviews = {}, {}, {}, {}
got_amounts = {}  # review_id -> amount_at_risk_fen, when the stores say
for line in open(stores_file, encoding="utf-8"):
    j = json.loads(line)
    if "lead" in j:
        l = j["lead"]
        got_leads[l["lead_id"]] = (l["township_code"], l["subject_kind"],
                                   l["subject_id"], l["reason"], l["priority"],
                                   l["status"], l.get("closed_reason", ""),
                                   day(l["opened_at"]),
                                   day(l.get("closed_at", "")), l["name"],
                                   l.get("source_event_id", ""))
    elif "alert" in j:
        a = j["alert"]
        got_alerts[a["alert_id"]] = (a["kind"], a["subject_id"],
                                     a.get("township_code", ""), a.get("period", ""),
                                     a["amount_at_risk_fen"], a["evidence"])
    elif "progress" in j:
        p = j["progress"]
        got_progress[p["township_year"]] = p["enrolled"]
    elif "review" in j:
        v = j["review"]
        got_reviews[v["review_id"]] = review_fields(v)
        if "amount_at_risk_fen" in v:
            got_amounts[v["review_id"]] = int(v["amount_at_risk_fen"])


def diff(what, want, got):
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    wrong = sorted(k for k in set(want) & set(got) if want[k] != got[k])
    for k in missing[:20]:
        print("%s missing: %s %s" % (what, k, want[k]))
    for k in extra[:20]:
        print("%s extra:   %s %s" % (what, k, got[k]))
    for k in wrong[:20]:
        print("%s differs: %s\n    truth  %s\n    stores %s" % (
            what, k, want[k], got[k]))
    print("%s: %d in the truth, %d in the stores: %d missing, %d extra, "
          "%d different" % (what, len(want), len(got), len(missing),
                            len(extra), len(wrong)))
    return len(missing) + len(extra) + len(wrong)


if not with_source:
    print("lead sources: not compared (the truth's leads.csv has no "
          "source_event_id)")
    got_leads = {k: v[:-1] + (None,) for k, v in got_leads.items()}
bad = diff("leads", want_leads, got_leads)
bad += diff("alerts", want_alerts, got_alerts)
bad += diff("progress", want_progress, got_progress)
if want_reviews is not None:
    bad += diff("reviews", want_reviews, got_reviews)
    if got_reviews and not got_amounts:
        print("review amounts: not compared (the stores' review items carry "
              "no amount_at_risk_fen)")
    elif got_reviews:
        # every item the stores hold must say its amount; compared where
        # both sides have the item
        both = set(want_amounts) & set(got_reviews)
        wrong = sorted(k for k in both
                       if got_amounts.get(k) != want_amounts[k])
        for k in wrong[:20]:
            print("review amount differs: %s truth %d, stores %s" % (
                k, want_amounts[k], got_amounts.get(k)))
        print("review amounts: %d compared, %d different" % (len(both),
                                                            len(wrong)))
        bad += len(wrong)
sys.exit(1 if bad else 0)
