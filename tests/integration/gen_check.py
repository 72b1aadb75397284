#!/usr/bin/python3
"""Checks a county written by `canbao gen` against the contract, with
python3-stdnum as an independent judge of the identifiers.

    gen_check.py DIR [--names-only]

(--names-only leaves out the slow per-row checks of the feeds, for a big
county whose name defects are to be counted.)

- manifest.json: its counts are the files' row counts;
- every file's header is the contract's column list (the fields of schemas/; "Feed
  records"; the truth's columns of the brief);
- every resident ID (person_id, legal_rep_id) and every USCC is valid by
  stdnum.cn.ric / stdnum.cn.uscc; household birth dates and sexes agree
  with the IDs;
- legacy 15-digit numbers (RULES.md 9.1) are judged through their 18-digit
  form (region, 19, YYMMDD, sequence, stdnum's check character), belong to
  persons born 1900-1999, and make up about manifest's legacy_ids_pct of
  such persons' rows in every file (none when it is 0); subject_ids in
  the truth are 18 characters;
- the stream lies between its start and 00:00 of as_of, the snapshot
  before the stream; files are sorted by occurred_at but for a few
  deliberately misplaced rows; an event_id seen twice in a feed is the
  same row twice;
- the truth has every lead reason, closed reason, status, priority and
  alert kind; alert ids are the SHA-1 prefixes RULES.md defines;
- nobody in a basic pension on T (the latest employee_pension or
  resident_pension row, worked out from the files) has an open lead, roster
  members insured as employees included, and the county has such roster
  members and an assisted lead opened by an employee pension's stop;
- the name defects (manifest.json "name_defects"): every assistance row,
  legal representative's name and death notice is, against the register
  name (docs/RULES.md 9.2, its normal form written again here), the same
  bytes, the same name typed differently, or another name, in the numbers
  the manifest says; each defect drawn at about its rate; and
  truth/reviews.csv exactly the review items of RULES.md 9.3 worked out
  again here from the files (with no defects, none), none of their death
  notices closing a lead or counted by an alert;
- bad/expected.csv names every rejection reason.
"""
import csv
import datetime
import hashlib
import hmac
import json
import math
import os
import re
import sys

from stdnum.cn import ric, uscc

DIR = sys.argv[1]
NAMES_ONLY = "--names-only" in sys.argv[2:]
FAILED = []


def fail(msg):
    FAILED.append(msg)
    print("FAIL:", msg)


HEADERS = {
    "business": "event_id,uscc,name,kind,action,established_on,township_code,"
                "legal_rep_id,legal_rep_name,occurred_at",
    "household": "event_id,person_id,name,sex,birth_date,action,"
                 "township_code,student,occurred_at",
    "death": "event_id,person_id,name,date_of_death,source,township_code,"
             "occurred_at",
    "enrollment": "event_id,person_id,uscc,scheme,action,period,amount_fen,"
                  "paid_by,subsidy_tier,region_code,township_code,occurred_at",
    "assistance": "event_id,person_id,name,identity,valid_from,valid_to,"
                  "township_code,occurred_at",
    "leads": "lead_id,township_code,subject_kind,subject_id,reason,priority,"
             "status,closed_reason,opened_at,closed_at,name,source_event_id",
    "alerts": "alert_id,kind,subject_id,township_code,period,"
              "amount_at_risk_fen,evidence",
    "progress": "township_code,year,enrolled",
    "reviews": "review_id,kind,township_code,subject_id,other_id,names,"
               "evidence,status,amount_at_risk_fen",
    "expected": "file,line,field,reason",
}
FILES = {
    "snapshot/enrollment.csv": "enrollment",
    "feeds/business.csv": "business",
    "feeds/household.csv": "household",
    "feeds/death.csv": "death",
    "feeds/enrollment.csv": "enrollment",
    "feeds/assistance.csv": "assistance",
}
REASONS = ["missing_field", "too_long", "bad_token", "id_length", "id_charset",
           "id_birth_date", "id_check", "bad_code", "bad_month",
           "unknown_enum", "bad_date", "bad_time", "bad_number", "bad_amount",
           "bad_bool", "undecodable_text", "stray_quote", "text_after_quote",
           "unterminated_quote", "field_count", "future_date", "future_time",
           "birth_date_mismatch", "sex_mismatch", "death_before_birth",
           "bad_range", "unexpected_field", "bad_json"]
TZ = datetime.timezone(datetime.timedelta(hours=8))


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def full_id(v):
    """The 18-digit form of a number as written: a legacy 15-digit one
    gets 19 and stdnum's check character (canbao's is not used here)."""
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        return body + ric.calc_check_digit(body + "0")
    return v


def is_slip(rec):
    """A row with a slip in a person's number (manifest "ident_defects"):
    18 characters that stdnum refuses.  canbao produce refuses it; it is
    never applied."""
    v = rec.get("person_id") or rec.get("legal_rep_id") or ""
    return len(v) == 18 and not ric.is_valid(v)


def instant(text):
    return datetime.datetime.fromisoformat(text)


manifest = json.load(open(DIR + "/manifest.json"))
as_of = datetime.date.fromisoformat(manifest["as_of"])
start = datetime.date.fromisoformat(manifest["stream_start"])
midnight = datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=TZ)
stream_start = datetime.datetime(start.year, start.month, start.day,
                                 tzinfo=TZ)

# ------------------------------------------------------------- the feeds
ids = uscc_seen = 0
legacy_pct = manifest.get("legacy_ids_pct", 0)
for name, feed in FILES.items() if not NAMES_ONLY else []:
    header, data = rows(DIR + "/" + name)
    if ",".join(header) != HEADERS[feed]:
        fail("%s: header %s" % (name, ",".join(header)))
    if manifest["files"][name] != len(data):
        fail("%s: %d rows, manifest says %d" % (name, len(data),
                                                manifest["files"][name]))
    col = {c: i for i, c in enumerate(header)}
    seen, inversions, last = {}, 0, None
    born_19, legacy = 0, 0  # numbers of persons born 1900-1999, and old ones
    slipped = 0  # rows with a slip in a person's number (refused)
    for k, row in enumerate(data):
        rec = dict(zip(header, row))
        if is_slip(rec):
            slipped += 1
            continue
        for field in ("person_id", "legal_rep_id"):
            v = rec.get(field, "")
            if v:
                ids += 1
                full = full_id(v)
                if not ric.is_valid(full):
                    fail("%s row %d: %s %s invalid" % (name, k + 2, field, v))
                elif full[6:8] == "19":
                    born_19 += 1
                    legacy += len(v) == 15
                elif len(v) != 18:
                    fail("%s row %d: %s %s: a legacy number" % (
                        name, k + 2, field, v))
        if rec.get("uscc"):
            uscc_seen += 1
            if not uscc.is_valid(rec["uscc"]):
                fail("%s row %d: uscc %s invalid" % (name, k + 2, rec["uscc"]))
        if feed == "household":
            pid = full_id(rec["person_id"])
            born = "%s-%s-%s" % (pid[6:10], pid[10:12], pid[12:14])
            if born != rec["birth_date"]:
                fail("%s row %d: birth date %s, ID says %s" % (
                    name, k + 2, rec["birth_date"], born))
            if (rec["sex"] == "M") != (int(pid[16]) % 2 == 1):
                fail("%s row %d: sex %s, ID says otherwise" % (
                    name, k + 2, rec["sex"]))
        at = instant(rec["occurred_at"])
        if at >= midnight:
            fail("%s row %d: occurred_at %s on or after as_of" % (
                name, k + 2, rec["occurred_at"]))
        if name.startswith("snapshot") and at >= stream_start:
            fail("%s row %d: snapshot row in the stream" % (name, k + 2))
        if name.startswith("feeds") and at < stream_start:
            fail("%s row %d: stream row before its start" % (name, k + 2))
        if last is not None and at < last:
            inversions += 1
        last = at
        eid = rec["event_id"]
        if eid in seen and seen[eid] != row:
            fail("%s: event_id %s names two different rows" % (name, eid))
        seen[eid] = row
    want_slips = manifest.get("ident_defects", {}).get(
        "refused_rows", {}).get(name, 0)
    if slipped != want_slips:
        fail("%s: %d rows with a slip in a number, the manifest says %d" % (
            name, slipped, want_slips))
    if inversions > max(5, len(data) // 100):
        fail("%s: %d rows out of order" % (name, inversions))
    print("%-26s %7d rows, header ok, %d out of order, %d delivered twice" % (
        name, len(data), inversions, len(data) - len(seen)))
    # The rate: a binomial draw, so checked loosely, and only on a file
    # with enough rows to say anything.
    share = 100.0 * legacy / born_19 if born_19 else 0.0
    print("%-26s %7d numbers of persons born 1900-1999, %d (%.1f%%) in the "
          "legacy form" % ("", born_19, legacy, share))
    if legacy_pct == 0 and legacy:
        fail("%s: %d legacy numbers, none asked for" % (name, legacy))
    if legacy_pct and born_19 >= 2000 and not (
            legacy_pct / 2 <= share <= legacy_pct * 2):
        fail("%s: %.1f%% legacy numbers, %d%% asked for" % (
            name, share, legacy_pct))
if not NAMES_ONLY:
    print("identifiers: %d resident IDs and %d USCCs valid by "
          "python-stdnum" % (ids - sum(1 for m in FAILED if "invalid" in m),
                             uscc_seen))

# ------------------------------------------------------------- the truth
header, leads = rows(DIR + "/truth/leads.csv")
if ",".join(header) != HEADERS["leads"]:
    fail("leads.csv header %s" % ",".join(header))
lead = [dict(zip(header, r)) for r in leads]
want = {
    "reason": {"assisted_not_enrolled", "elderly_no_pension",
               "business_owner_uninsured", "working_age_uninsured",
               "employer_unregistered"},
    "closed_reason": {"", "enrolled", "deceased", "moved_out", "deregistered"},
    "priority": {"high", "normal"},
    "status": {"open", "closed"},
    "subject_kind": {"person", "employer"},
}
for field, values in want.items():
    got = {l[field] for l in lead}
    if not values <= got:
        fail("leads.csv lacks %s %s" % (field, sorted(values - got)))
for l in lead:
    if l["subject_kind"] == "person" and not ric.is_valid(l["subject_id"]):
        fail("lead %s: subject_id is not an 18-digit number" % l["lead_id"])
    if not re.fullmatch(r"L[0-9a-f]{16}", l["lead_id"]):
        fail("lead id %s" % l["lead_id"])
    if (l["status"] == "closed") != (l["closed_reason"] != "" and
                                     l["closed_at"] != ""):
        fail("lead %s: status and closing disagree" % l["lead_id"])
if [l["lead_id"] for l in lead] != sorted(l["lead_id"] for l in lead):
    fail("leads.csv is not sorted by lead_id")
for reason in sorted(want["reason"]):
    for prio in ("high", "normal"):
        n = sum(1 for l in lead if l["reason"] == reason and
                l["priority"] == prio)
        if n:
            print("lead %-26s %-6s %5d (%d closed)" % (
                reason, prio, n,
                sum(1 for l in lead if l["reason"] == reason and
                    l["priority"] == prio and l["status"] == "closed")))
for why in ("enrolled", "deceased", "moved_out", "deregistered"):
    print("closed %-12s %5d" % (why, sum(1 for l in lead
                                         if l["closed_reason"] == why)))
both = {l["reason"] for l in lead if l["priority"] == "high"} & {
    l["reason"] for l in lead if l["priority"] == "normal"}
if "working_age_uninsured" not in both:
    fail("working_age_uninsured lacks a priority")

header, alerts = rows(DIR + "/truth/alerts.csv")
if ",".join(header) != HEADERS["alerts"]:
    fail("alerts.csv header %s" % ",".join(header))
alert = [dict(zip(header, r)) for r in alerts]
kinds = {"paid_after_death", "dual_pension_enrollment",
         "dual_pension_benefit", "duplicate_subsidy", "active_after_death"}
if not kinds <= {a["kind"] for a in alert}:
    fail("alerts.csv lacks %s" % sorted(kinds - {a["kind"] for a in alert}))
ID_KEY = bytes.fromhex(os.environ["CANBAO_ID_KEY"])
for a in alert:
    if not ric.is_valid(a["subject_id"]):
        fail("alert %s: subject_id is not an 18-digit number" % a["alert_id"])
    text = "%s|%s|%s" % (a["kind"], a["subject_id"], a["period"])
    mac = hmac.new(ID_KEY, text.encode(), hashlib.sha256).hexdigest()
    if a["alert_id"] != "A" + mac[:16]:
        fail("alert id %s is not the keyed HMAC-SHA-256 of %s"
             % (a["alert_id"], text))
    ev = a["evidence"].split(" ")
    if ev != sorted(ev, key=lambda s: s.encode()):
        fail("alert %s: evidence not sorted" % a["alert_id"])
for k in sorted(kinds):
    print("alert %-24s %4d" % (k, sum(1 for a in alert if a["kind"] == k)))

header, progress = rows(DIR + "/truth/progress.csv")
if ",".join(header) != HEADERS["progress"] or not progress:
    fail("progress.csv: header %s, %d rows" % (",".join(header),
                                               len(progress)))

# ------------------------------------------------------------ the names
def normal(name):
    """RULES.md 9.2: white space and U+3000 out, full-width ASCII as ASCII,
    the separators of a minority name as U+00B7."""
    out = []
    for ch in name:
        c = ord(ch)
        if ch in " \t\r\n\v\f\u3000":
            continue
        if 0xFF01 <= c <= 0xFF5E:
            ch = chr(c - 0xFEE0)
        if ch in ".\u30fb\u2022":
            ch = "\u00b7"
        out.append(ch)
    return "".join(out)


def fnv7(text):
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h & 127


def stamp(rec):
    return (math.floor(instant(rec["occurred_at"]).timestamp()),
            fnv7(rec["event_id"]))


def subject(pid):
    """The 18-digit number a person's number as written stands for
    (RULES.md 9.1: a 15-digit one is 19YY and a check character)."""
    if len(pid) != 15:
        return pid
    body = pid[:6] + "19" + pid[6:]
    return body + ric.calc_check_digit(body + "0")


def read_feed(name):
    """The rows of a feed that are applied (a slipped number is not)."""
    header, data = rows(DIR + "/" + name)
    return [r for r in (dict(zip(header, d)) for d in data)
            if not is_slip(r)]


# The register (RULES.md 2, 9.2): per person the latest household row's
# name, the latest stay row's township and the latest move_out's.
register, stay, leave = {}, {}, {}
for r in read_feed("feeds/household.csv"):
    pid, st = subject(r["person_id"]), stamp(r)
    cur = register.get(pid)
    if cur is None or (st, r["name"].encode()) > (cur[0], cur[1].encode()):
        register[pid] = (st, r["name"])
    into = leave if r["action"] == "move_out" else stay
    cur = into.get(pid)
    if cur is None or (st, int(r["township_code"])) > (cur[0], int(cur[1])):
        into[pid] = (st, r["township_code"])

# Every row that names a person, once per event id: (feed, person, event
# id, name as written, township).
named = {}
for r in read_feed("feeds/assistance.csv"):
    named[r["event_id"]] = ("assistance", subject(r["person_id"]), r["name"],
                            r["township_code"])
for r in read_feed("feeds/business.csv"):
    if r["legal_rep_id"] and r["legal_rep_name"]:
        named[r["event_id"]] = ("business", subject(r["legal_rep_id"]),
                                r["legal_rep_name"], r["township_code"])
for r in read_feed("feeds/death.csv"):
    if r["name"]:
        named[r["event_id"]] = ("death", subject(r["person_id"]), r["name"],
                                r["township_code"])

nd = manifest["name_defects"]
found = {"other_name": 0, "typed_differently": 0, "death_other_name": 0}
groups = {}  # (kind, person, normal form) -> [(event id, name, township)]
for eid, (f, pid, name, tw) in named.items():
    if pid not in register:
        continue  # no register name: nothing to disagree with
    reg = register[pid][1]
    if name == reg:
        continue
    if normal(name) == normal(reg):
        found["typed_differently"] += 1
        continue
    kind = "death_unconfirmed" if f == "death" else "name_mismatch"
    found["death_other_name" if f == "death" else "other_name"] += 1
    groups.setdefault((kind, pid, normal(name)), []).append((eid, name, tw))
for k, n in sorted(found.items()):
    want = nd["rows"][k] if nd["on"] else 0
    if n != want:
        fail("%d rows with %s in the files, the manifest says %d" % (
            n, k, want))
    print("name rows %-18s %5d (%d drawn of %d at %g)" % (
        k, n, nd["drawn"][k], nd["trials"][k], nd["rates"][k]))
PERSONS = ("minority_name", "latin_name")  # drawn per person, always
for k, rate in sorted(nd["rates"].items()):
    # drawn at about its rate: within four standard deviations (the
    # same seed always draws the same, so this never flickers)
    n = nd["trials"]["people" if k in PERSONS else k]
    got = nd["drawn"][k]
    mean = n * rate if nd["on"] or k in PERSONS else 0
    if abs(got - mean) > 4 * math.sqrt(mean * (1 - rate)) + 2:
        fail("%s drawn %d times in %d, about %.1f expected" % (
            k, got, n, mean))
    if k in PERSONS:
        print("names %-22s %5d of %d people (rate %g)" % (k, got, n, rate))
if nd["on"]:
    for k in ("name_mismatch", "death_unconfirmed"):
        if not any(key[0] == k for key in groups):
            fail("the defects made no %s" % k)

# The review items, worked out again: one per person, kind and normal
# form, evidence every row of it, names the register's and the smallest
# event id's; the township the stay's, the leaving row's, or that row's.
want_reviews = {}
for (kind, pid, norm), ev in groups.items():
    ev.sort(key=lambda e: e[0].encode())
    text = "%s|%s|%s" % (kind, pid, norm)
    rid = "R" + hmac.new(ID_KEY, text.encode(),
                         hashlib.sha256).hexdigest()[:16]
    tw = stay[pid][1] if pid in stay else (
        leave[pid][1] if pid in leave else ev[0][2])
    want_reviews[rid] = [rid, kind, tw, pid, "",
                         register[pid][1] + "|" + ev[0][1],
                         " ".join(e[0] for e in ev), "open", "0"]
header, got_reviews = rows(DIR + "/truth/reviews.csv")
if ",".join(header) != HEADERS["reviews"]:
    fail("reviews.csv header %s" % ",".join(header))
if [r[0] for r in got_reviews] != sorted(r[0] for r in got_reviews):
    fail("reviews.csv is not sorted by review_id")
# (probable_typo and duplicate_identity are test_truth's: their rows are
# checked for form here)
NAME_KINDS = ("name_mismatch", "death_unconfirmed")
got = {r[0]: r for r in got_reviews if r[1] in NAME_KINDS}
for r in got_reviews:
    if r[1] in NAME_KINDS:
        continue
    if r[1] not in ("probable_typo", "duplicate_identity") or \
            not ric.is_valid(r[3]) or len(r[4]) != 18 or \
            not r[8].isdigit() or (r[1] == "probable_typo") == ric.is_valid(r[4]):
        fail("review %s" % r)
for rid in sorted(set(want_reviews) | set(got))[:2000]:
    if want_reviews.get(rid) != got.get(rid):
        fail("review %s: truth %s, files say %s" % (
            rid, got.get(rid), want_reviews.get(rid)))
for k in NAME_KINDS + ("probable_typo", "duplicate_identity"):
    print("review %-25s %4d" % (k, sum(1 for r in got_reviews
                                       if r[1] == k)))
if manifest.get("ident_defects", {}).get("on"):
    for k in ("probable_typo", "duplicate_identity"):
        if not any(r[1] == k for r in got_reviews):
            fail("the defects made no %s" % k)

# An unconfirmed notice is not applied: no alert counts it, and a person
# all of whose notices are unconfirmed is not closed deceased.
unconfirmed = {e[0] for (k, _, _), ev in groups.items()
               if k == "death_unconfirmed" for e in ev}
for a in alert:
    if unconfirmed & set(a["evidence"].split(" ")):
        fail("alert %s counts an unconfirmed death notice" % a["alert_id"])
applied = {subject(r["person_id"]) for r in read_feed("feeds/death.csv")
           if r["event_id"] not in unconfirmed}
for l in lead:
    if l["closed_reason"] == "deceased" and l["subject_id"] not in applied:
        fail("lead %s closed by an unconfirmed death" % l["lead_id"])
print("names: %d unconfirmed death notices, none applied" % len(
    unconfirmed))

# ------------------------------------------- the insured have no lead
# Every person reason asks for no basic pension on T, rule 1's included
# (RULES.md 4: a roster member insured as an employee is insured), so
# nobody whose latest employee_pension or resident_pension row is an
# enroll has an open lead; worked out again here from the files.
BASIC = ("employee_pension", "resident_pension")


def day_of(rec):
    return instant(rec["occurred_at"]).astimezone(TZ).date()


latest = {}  # (person, scheme) -> ((stamp, stop wins a tie), row)
for name in ("snapshot/enrollment.csv", "feeds/enrollment.csv"):
    for r in read_feed(name):
        if r["scheme"] not in BASIC or r["action"] not in ("enroll", "stop"):
            continue
        key = (subject(r["person_id"]), r["scheme"])
        rank = (stamp(r), r["action"] == "stop")
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, r)
insured = {pid for (pid, _), (_, r) in latest.items()
           if r["action"] == "enroll" and day_of(r) <= as_of}
roster = {}  # (person, identity) -> (rank, valid_from, valid_to)
for r in read_feed("feeds/assistance.csv"):
    key = (subject(r["person_id"]), r["identity"])
    to = r["valid_to"] or "9999-12-31"
    rank = (stamp(r), to, r["valid_from"])
    if key not in roster or rank > roster[key][0]:
        roster[key] = (rank, r["valid_from"], to)
on_roster = {pid for (pid, _), (_, a, b) in roster.items()
             if a <= as_of.isoformat() <= b}
open_person = {l["subject_id"]: l for l in lead
               if l["subject_kind"] == "person" and l["status"] == "open"}
wrong = sorted(insured & set(open_person))
for pid in wrong[:20]:
    fail("lead %s is open, but %s is in a basic pension" % (
        open_person[pid]["lead_id"], pid))
employees = {pid for (pid, s), (_, r) in latest.items()
             if s == "employee_pension" and pid in insured}
stopped = {pid: day_of(r).isoformat() for (pid, s), (_, r) in latest.items()
           if s == "employee_pension" and r["action"] == "stop"}
reopened = [l for l in open_person.values()
            if l["reason"] == "assisted_not_enrolled" and
            stopped.get(l["subject_id"]) == l["opened_at"]]
print("insured: %d persons in a basic pension on T, %d with an open "
      "lead; %d of them roster members insured as employees" % (
          len(insured), len(wrong), len(employees & on_roster)))
print("insured: %d assisted leads open from an employee pension's stop" %
      len(reopened))
if not employees & on_roster:
    fail("no roster member insured as an employee (the injected cases)")
if not reopened:
    fail("no assisted lead opened by an employee pension's stop")

# ---------------------------------------------------------------- bad/
header, expected = rows(DIR + "/bad/expected.csv")
if ",".join(header) != HEADERS["expected"]:
    fail("expected.csv header %s" % ",".join(header))
got = {r[3] for r in expected}
missing = [r for r in REASONS if r not in got]
if missing:
    fail("bad/expected.csv lacks %s" % missing)
print("bad/expected.csv: %d bad records, %d reasons" % (len(expected),
                                                       len(got)))

if FAILED:
    print("%d checks failed" % len(FAILED))
    sys.exit(1)
print("all checks passed")
