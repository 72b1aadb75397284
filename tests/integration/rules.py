#!/usr/bin/python3
"""The rules of docs/RULES.md, case by case, against the matcher's real
atomic step (tests/tools/apply_tool: ops, Lua, Redis).

Every case is a set of events, a day T, and what the lead, alert and review
stores must hold after them.  Each case runs in several orders (the given
one, reversed, shuffled) and batchings (one step per event, one step for
all): every run must give the same stores, every field of every lead
(source_event_id included) and alert but raised_at, which the fixed clock
makes equal too, and those must be the expected ones.  The same events folded by the generator's reference implementation
(gen/cb_truth*.c, through apply_tool --truth) must give the same
leads, alerts and progress too, so the ground truth of `canbao gen` and
the matcher cannot drift apart (cases with team decisions or reviewers'
verdicts excepted: the truth has none).  Review items (RULES.md 9.3) are
compared too.

    rules.py APPLY_TOOL REDIS_PORT [CASE...]
"""
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import tempfile

from stdnum.cn import ric, uscc

TOOL, PORT = sys.argv[1], sys.argv[2]
ONLY = set(sys.argv[3:])
URL = "redis://127.0.0.1:%s" % PORT
TW, TW2 = "320923008", "320923010"


def pid(birth, seq=123):
    body = "320923%s%03d" % (birth.replace("-", ""), seq)
    return body + ric.calc_check_digit(body + "0")


def legacy(person):
    """The legacy 15-digit form of an 18-digit number born 1900-1999:
    without the century and the check character (RULES.md 9.1)."""
    assert person[6:8] == "19", person
    return person[:6] + person[8:17]


def full(person):
    """The 18-digit form of a number in either form, made with stdnum's
    check character (not canbao's)."""
    if len(person) == 15:
        body = person[:6] + "19" + person[6:]
        person = body + ric.calc_check_digit(body + "0")
    assert ric.is_valid(person), person
    return person


def employer_id(n):
    body = "91320923MA1M%05d" % n
    return body + uscc.calc_check_digit(body + "0")


def at(day, time="09:00:00"):
    return "%sT%s+08:00" % (day, time)


class Events:
    """Builds the events of a case with unique ids."""

    def __init__(self):
        self.list = []
        self.n = 0

    def _id(self, p):
        self.n += 1
        return "%s-%04d" % (p, self.n)

    def add(self, kind, rec):
        self.list.append({"kind": kind, "record": rec})
        return rec["event_id"]

    def hh(self, person, day, action="resident", tw=TW, student=None,
           name="王建国", eid=None):
        p18 = full(person)
        rec = {"event_id": eid or self._id("hh"), "person_id": person,
               "name": name, "sex": "M" if int(p18[16]) % 2 else "F",
               "birth_date": "%s-%s-%s" % (p18[6:10], p18[10:12],
                                           p18[12:14]),
               "action": action, "township_code": tw, "occurred_at": at(day)}
        if student is not None:
            rec["student"] = student
        return self.add("household", rec)

    def death(self, person, date, reported, source="police", eid=None,
              tw=None, name=None):
        rec = {"event_id": eid or self._id("d"), "person_id": person,
               "date_of_death": date, "source": source,
               "occurred_at": at(reported)}
        if tw:
            rec["township_code"] = tw
        if name:
            rec["name"] = name
        return self.add("death", rec)

    def enr(self, person, scheme, action, day, tw=TW, eid=None):
        return self.add("enrollment", {
            "event_id": eid or self._id("e"), "person_id": person,
            "scheme": scheme, "action": action, "region_code": "320923",
            "township_code": tw, "occurred_at": at(day)})

    def fact(self, person, action, scheme, period, amount, day, region="320923",
             paid_by=None, tier=None, eid=None):
        rec = {"event_id": eid or self._id("f"), "person_id": person,
               "scheme": scheme, "action": action, "period": period,
               "amount_fen": amount, "region_code": region,
               "township_code": TW, "occurred_at": at(day)}
        if paid_by:
            rec["paid_by"] = paid_by
        if tier is not None:
            rec["subsidy_tier"] = tier
        return self.add("enrollment", rec)

    def roster(self, person, identity, valid_from, valid_to, day,
               name="王建国", eid=None, tw=TW):
        rec = {"event_id": eid or self._id("a"), "person_id": person,
               "name": name, "identity": identity, "valid_from": valid_from,
               "township_code": tw, "occurred_at": at(day)}
        if valid_to:
            rec["valid_to"] = valid_to
        return self.add("assistance", rec)

    def biz(self, code, kind, action, est, day, rep=None, tw=TW, eid=None,
            name="阜宁某厂", rep_name=None):
        rec = {"event_id": eid or self._id("b"), "uscc": code, "name": name,
               "kind": kind, "action": action, "established_on": est,
               "township_code": tw, "occurred_at": at(day)}
        if rep:
            rec["legal_rep_id"] = rep
        if rep_name:
            rec["legal_rep_name"] = rep_name
        return self.add("business", rec)

    def reg(self, code, day):
        return self.add("enrollment", {
            "event_id": self._id("r"), "uscc": code,
            "action": "register_employer", "region_code": "320923",
            "township_code": TW, "occurred_at": at(day)})


def lead_id(kind, subject, township, since):
    """RULES.md's lead id, keyed with the run's CANBAO_ID_KEY by Python's
    own HMAC-SHA-256."""
    text = "%s|%s|%s|%s" % (kind, subject, township, since)
    key = bytes.fromhex(os.environ["CANBAO_ID_KEY"])
    return "L" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]


def normal_form(name):
    """RULES.md 9.2: white space and U+3000 out, full-width ASCII as ASCII,
    the separators of a minority or foreign name as U+00B7."""
    out = []
    for c in name:
        if c in " \t\r\n\v\f\u3000":
            continue
        if 0xFF01 <= ord(c) <= 0xFF5E:
            c = chr(ord(c) - 0xFEE0)
        if c in ".\u00b7\u30fb\u2022":
            c = "\u00b7"
        out.append(c)
    return "".join(out)


def review_id(kind, subject, other):
    """RULES.md 9.3's review id, other a name as written."""
    text = "%s|%s|%s" % (kind, subject, normal_form(other))
    key = bytes.fromhex(os.environ["CANBAO_ID_KEY"])
    return "R" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]


def canonical(lines):
    """The stores' lines, each with its keys sorted, in sorted order: every
    field kept, a lead's source_event_id too (RULES.md 5: a function of
    the events, not of their order)."""
    return sorted(json.dumps(json.loads(line), sort_keys=True,
                             ensure_ascii=False) for line in lines)


COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "truth_compare.py")


def truth_agrees(name, events, today):
    """The matcher's stores and cb_truth's, for one order: equal."""
    if any("decide" in e or "review" in e for e in events):
        return True
    subprocess.run(["redis-cli", "-p", PORT, "FLUSHALL"], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([TOOL, URL, today, "--truth", d],
                             input="\n".join(json.dumps(e, ensure_ascii=False)
                                             for e in events) + "\n",
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        with open(os.path.join(d, "stores.jsonl"), "w") as f:
            f.write(out.stdout)
        cmp = subprocess.run([sys.executable, COMPARE, d,
                              os.path.join(d, "stores.jsonl")],
                             capture_output=True, text=True)
        if cmp.returncode != 0:
            print("FAIL %s: cb_truth and the matcher differ:\n%s" % (
                name, cmp.stdout + cmp.stderr))
            return False
    return True


def run(events, today, batch):
    subprocess.run(["redis-cli", "-p", PORT, "FLUSHALL"], check=True,
                   stdout=subprocess.DEVNULL)
    # --states: the packed states too, which must not depend on the order.
    # Step by step, the store keeps a cache of what it read and wrote, so
    # small (4 KiB) that partitions are emptied for room now and then: it
    # must change nothing.
    args = [TOOL, URL, today, "--states"] + (
        ["--batch", str(batch), "--cache-kb", "4"] if batch else [])
    out = subprocess.run(args, input="\n".join(json.dumps(e, ensure_ascii=False)
                                               for e in events) + "\n",
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return canonical(out.stdout.splitlines())


def summary(lines):
    """The stores as {subject: lead fields}, [(alert fields)] and
    [(review item fields)]."""
    leads, alerts, reviews = {}, [], []
    for line in lines:
        j = json.loads(line)
        if "state" in j:
            continue
        if "progress" in j:
            p = j["progress"]
            alerts.append(("progress", p["township_year"], p["enrolled"]))
        elif "lead" in j:
            l = j["lead"]
            leads[l["subject_id"]] = (l["reason"], l["priority"], l["status"],
                                      l.get("closed_reason", ""))
        elif "review" in j:
            r = j["review"]
            # the other of a kind that spans persons is a number
            other = r["other_id"] or r["names"].split("|", 1)[1]
            if r["review_id"] != review_id(r["kind"], r["subject_id"], other):
                raise RuntimeError("review id of %s is not RULES.md's" % r)
            item = (r["kind"], r["subject_id"], r["township_code"],
                    r["names"], r["evidence"], r["status"])
            if r["other_id"]:  # and its amount at risk
                item += (r["other_id"], int(r["amount_at_risk_fen"]))
            reviews.append(item)
        else:
            a = j["alert"]
            alerts.append((a["kind"], a["subject_id"], a.get("period", ""),
                           a["amount_at_risk_fen"], a["evidence"]))
    return leads, sorted(alerts), sorted(reviews)


CASES = {}


def case(f):
    CASES[f.__name__] = f
    return f


# ------------------------------------------------------------ lead reasons

@case
def working_age_normal_and_high():
    e, a, b = Events(), pid("1995-03-04"), pid("1975-03-04")
    e.hh(a, "2025-01-02")
    e.hh(b, "2025-01-02")
    return e, "2025-11-20", {a: ("working_age_uninsured", "normal", "open", ""),
                             b: ("working_age_uninsured", "high", "open", "")}, []


@case
def student_and_child_have_no_lead():
    e, a, b = Events(), pid("2007-03-04"), pid("2012-06-01")
    e.hh(a, "2025-01-02", student=1)
    e.hh(b, "2025-01-02")
    return e, "2025-11-20", {}, []


@case
def sixteenth_birthday_opens_a_lead():
    e, a = Events(), pid("2009-11-20")
    e.hh(a, "2025-01-02")
    # opened by the clock: the birthday names the lead (RULES.md 5)
    e.expect = {("lead", a): {"source_event_id": "timer:2025-11-20"}}
    return e, "2025-11-20", {a: ("working_age_uninsured", "normal", "open", "")}, []


@case
def fifteen_the_day_before():
    e, a = Events(), pid("2009-11-21")
    e.hh(a, "2025-01-02")
    return e, "2025-11-20", {}, []


@case
def elderly_no_pension():
    e, a, b, c = Events(), pid("1950-05-05"), pid("1951-05-05"), pid("1952-05-05")
    e.hh(a, "2025-01-02")
    e.hh(b, "2025-01-02")
    e.fact(b, "benefit", "resident_pension", "2025-09", 21500, "2025-09-05")
    e.hh(c, "2025-01-02")  # last benefit four months ago: no longer draws
    e.fact(c, "benefit", "resident_pension", "2025-07", 21500, "2025-07-05")
    return e, "2025-11-20", {
        a: ("elderly_no_pension", "normal", "open", ""),
        c: ("elderly_no_pension", "normal", "open", "")}, []


@case
def assisted_not_enrolled():
    e, a, b, c = Events(), pid("1985-02-02"), pid("1986-02-02"), pid("1987-02-02")
    e.hh(a, "2025-01-02")
    e.roster(a, "minimum_living", "2025-01-01", "2025-12-31", "2025-06-30")
    e.hh(b, "2025-01-02")  # roster over: working age instead
    e.roster(b, "lifted_out", "2024-01-01", "2025-06-30", "2024-06-30")
    e.hh(c, "2025-01-02")  # in the resident pension: no lead
    e.roster(c, "severe_disability", "2025-01-01", None, "2025-06-30")
    e.enr(c, "resident_pension", "enroll", "2024-02-01")
    return e, "2025-11-20", {
        a: ("assisted_not_enrolled", "high", "open", ""),
        b: ("working_age_uninsured", "normal", "open", "")}, []


@case
def assisted_insured_as_employee():
    # Rule 1 asks for no basic pension, employee_pension included: a roster
    # member insured through an employer is no lead (the resident pension
    # on top would be a dual enrollment, its 代缴 owed to nobody).
    e = Events()
    insured, joins, stops, again = (pid("1984-03-%02d" % d) for d in
                                    (11, 12, 13, 14))
    e.hh(insured, "2025-01-02")  # an employee before the roster: never a lead
    e.enr(insured, "employee_pension", "enroll", "2023-04-01")
    e.roster(insured, "minimum_living", "2025-01-01", None, "2025-01-20")
    e.hh(joins, "2025-01-02")  # takes a job: the assisted lead closes
    e.roster(joins, "lifted_out", "2025-01-01", "2025-12-31", "2025-01-20")
    e.enr(joins, "employee_pension", "enroll", "2025-06-01")
    e.hh(stops, "2025-01-02")  # loses the job, still on the roster: a lead
    e.enr(stops, "employee_pension", "enroll", "2022-09-01")
    e.roster(stops, "severe_disability", "2025-01-01", None, "2025-01-20")
    e.enr(stops, "employee_pension", "stop", "2025-08-01")
    e.hh(again, "2025-01-02")  # a job from March to September: open again
    e.roster(again, "minimum_living", "2025-01-01", None, "2025-01-20")
    e.enr(again, "employee_pension", "enroll", "2025-03-01")
    e.enr(again, "employee_pension", "stop", "2025-09-15")
    e.expect = {
        ("lead", joins): {"opened_at": "2025-01-02T00:00:00+08:00",
                          "closed_at": "2025-06-01T00:00:00+08:00"},
        ("lead", stops): {"opened_at": "2025-08-01T00:00:00+08:00"},
        ("lead", again): {"opened_at": "2025-09-15T00:00:00+08:00"}}
    # born in 1984: 41 in 2025, so a working-age lead would be normal
    return e, "2025-11-20", {
        joins: ("assisted_not_enrolled", "high", "closed", "enrolled"),
        stops: ("assisted_not_enrolled", "high", "open", ""),
        again: ("assisted_not_enrolled", "high", "open", "")}, []


@case
def business_owner_uninsured():
    e, a, b, c = Events(), pid("1990-07-07"), pid("1991-07-07"), pid("1992-07-07")
    s1, s2 = employer_id(1), employer_id(2)
    for p in (a, b, c):
        e.hh(p, "2025-01-02")
    e.biz(s1, "individual", "established", "2025-03-01", "2025-03-02", rep=a)
    # s2: b represented it, then c took over
    e.biz(s2, "individual", "established", "2025-03-01", "2025-03-02", rep=b)
    e.biz(s2, "individual", "changed", "2025-03-01", "2025-05-02", rep=c)
    return e, "2025-11-20", {
        a: ("business_owner_uninsured", "normal", "open", ""),
        b: ("working_age_uninsured", "normal", "open", ""),
        c: ("business_owner_uninsured", "normal", "open", "")}, []


@case
def deregistered_business_owner_is_working_age():
    e, a, s = Events(), pid("1990-07-07"), employer_id(3)
    e.hh(a, "2025-01-02")
    e.biz(s, "individual", "established", "2025-03-01", "2025-03-02", rep=a)
    e.biz(s, "individual", "deregistered", "2025-03-01", "2025-08-02", rep=a)
    return e, "2025-11-20", {a: ("working_age_uninsured", "normal", "open", "")}, []


@case
def employer_deadline():
    e = Events()
    s30, s31, early, late, gone, indiv = (employer_id(i) for i in range(10, 16))
    e.biz(s30, "enterprise", "established", "2025-10-21", "2025-10-22")
    e.biz(s31, "cooperative", "established", "2025-10-20", "2025-10-21")
    e.biz(early, "branch", "established", "2025-08-01", "2025-08-02")
    e.reg(early, "2025-08-31")  # on day 30: in time
    e.biz(late, "enterprise", "established", "2025-08-01", "2025-08-02")
    r1 = e.reg(late, "2025-09-15")
    e.reg(late, "2025-10-15")  # a later registration: the first closed it
    e.biz(gone, "enterprise", "established", "2025-08-01", "2025-08-02")
    d1 = e.biz(gone, "enterprise", "deregistered", "2025-08-01", "2025-10-01")
    # the sources (RULES.md 5): s31 opened by the clock on day 31, the
    # others closed by their first registration or deregistration
    e.expect = {("lead", s31): {"source_event_id": "timer:2025-11-20"},
                ("lead", late): {"source_event_id": r1},
                ("lead", gone): {"source_event_id": d1}}
    e.biz(indiv, "individual", "established", "2025-01-01", "2025-01-02",
          rep=pid("1980-01-01"))
    return e, "2025-11-20", {
        s31: ("employer_unregistered", "normal", "open", ""),
        late: ("employer_unregistered", "normal", "closed", "enrolled"),
        gone: ("employer_unregistered", "normal", "closed", "deregistered")}, []


# ------------------------------------------------------------ closings

@case
def closed_by_death_move_and_enrollment():
    e = Events()
    dead, gone, moved, enrolled, before = (pid("1980-01-%02d" % d) for d in
                                          (11, 12, 13, 14, 15))
    e.hh(dead, "2025-01-02")
    e.death(dead, "2025-06-01", "2025-06-03")
    e.hh(gone, "2025-01-02")
    e.hh(gone, "2025-04-01", action="move_out")
    e.hh(moved, "2025-01-02")  # leaves TW, arrives in TW2: a new lead there
    e.hh(moved, "2025-04-01", action="move_out")
    e.hh(moved, "2025-04-05", action="move_in", tw=TW2)
    e.hh(enrolled, "2025-01-02")
    e.enr(enrolled, "resident_pension", "enroll", "2025-05-01")
    e.hh(before, "2025-03-02")  # insured before arriving: never a lead
    e.enr(before, "employee_pension", "enroll", "2024-05-01")
    # born in 1980: 45 in 2025, so high priority
    return e, "2025-11-20", {
        dead: ("working_age_uninsured", "high", "closed", "deceased"),
        gone: ("working_age_uninsured", "high", "closed", "moved_out"),
        moved: ("working_age_uninsured", "high", "open", ""),
        enrolled: ("working_age_uninsured", "high", "closed", "enrolled")}, []


@case
def enrolled_lead_cites_the_enrollment():
    # Issue 20: a lead closed `enrolled` on 2025-10-27 named the enrollment
    # in one run and a contribution of 2025-11-15 in another.  It names
    # the enrollment that closed it, in every order; an open lead names
    # its stay row, one reopened by a stop the stop.
    e = Events()
    a, b, c = pid("1975-06-06"), pid("1976-06-06"), pid("1977-06-06")
    e.hh(a, "2025-01-02")
    en = e.enr(a, "resident_pension", "enroll", "2025-10-27")
    e.fact(a, "contribute", "resident_pension", "2025-11", 20000, "2025-11-15")
    e.enr(a, "employee_pension", "enroll", "2025-11-03")  # later: not it
    hb = e.hh(b, "2025-01-02")
    e.fact(b, "benefit", "resident_medical", "2025-10", 100, "2025-10-05")
    e.hh(c, "2024-01-02")
    e.enr(c, "resident_pension", "enroll", "2024-03-01")
    st = e.enr(c, "resident_pension", "stop", "2025-03-01")
    e.expect = {("lead", a): {"source_event_id": en,
                              "closed_at": "2025-10-27T00:00:00+08:00"},
                ("lead", b): {"source_event_id": hb},
                ("lead", c): {"source_event_id": st}}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "high", "closed", "enrolled"),
        b: ("working_age_uninsured", "high", "open", ""),
        c: ("working_age_uninsured", "high", "open", "")}, []


@case
def stop_reopens():
    e, a = Events(), pid("1980-02-02")
    e.hh(a, "2024-01-02")
    e.enr(a, "resident_pension", "enroll", "2024-03-01")
    e.enr(a, "resident_pension", "stop", "2025-03-01")
    return e, "2025-11-20", {a: ("working_age_uninsured", "high", "open", "")}, []


# ------------------------------------------------------------ alerts

@case
def paid_after_death_late_notice():
    e, a = Events(), pid("1950-01-01")
    e.hh(a, "2025-01-02")
    e.enr(a, "resident_pension", "enroll", "2025-01-02")
    ids = [e.fact(a, "benefit", "resident_pension", m, 21500, m + "-05")
           for m in ("2025-05", "2025-06", "2025-07", "2025-08")]
    d1 = e.death(a, "2025-05-20", "2025-09-10", "health")
    d2 = e.death(a, "2025-05-20", "2025-09-12", "police")
    e.enr(a, "resident_pension", "stop", "2025-09-15")
    evidence = " ".join(sorted([d1, d2] + ids[1:]))
    return e, "2025-11-20", {}, [
        ("paid_after_death", a, "", 3 * 21500, evidence),
        ("active_after_death", a, "", 0, " ".join(sorted([d1, d2])))]


@case
def active_after_death_and_a_stop_in_time():
    e, a, b = Events(), pid("1960-01-01"), pid("1961-01-01")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    d = e.death(a, "2025-05-20", "2025-06-01")
    e.enr(b, "resident_medical", "enroll", "2024-02-02")
    e.enr(b, "resident_medical", "stop", "2025-05-01")  # before the death
    e.death(b, "2025-05-20", "2025-06-01")
    return e, "2025-11-20", {}, [("active_after_death", a, "", 0, d)]


@case
def alert_township_from_the_first_death_notice():
    # Nothing but an enrollment and death notices: the alert's township is
    # that of the notice with the smallest event id, whichever came first;
    # a notice without a township leaves the alert without one.
    e, a, b = Events(), pid("1958-01-01"), pid("1959-01-01")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    da = e.death(a, "2025-05-20", "2025-06-01", eid="d-b", tw="320923002")
    db = e.death(a, "2025-05-21", "2025-06-03", "health", eid="d-a",
                 tw="320923003")
    e.enr(b, "resident_medical", "enroll", "2024-02-02")
    d = e.death(b, "2025-05-20", "2025-06-01")
    e.expect = {("active_after_death", a): {"township_code": "320923003"},
                ("active_after_death", b): {"township_code": ""}}
    return e, "2025-11-20", {}, [
        ("active_after_death", a, "", 0, " ".join(sorted([da, db]))),
        ("active_after_death", b, "", 0, d)]


# ------------------------------------------------------ legacy numbers

@case
def legacy_household_row_full_later_rows():
    # The household register wrote the 15-digit form, the agency and the
    # death notice the 18-digit one: one subject each, one lead each,
    # closed by the enrollment or the death; the lead is the 18-digit
    # subject's (its subject_id, and its id computed over it).
    e = Events()
    a, b, c = pid("1980-03-11"), pid("1980-03-12"), pid("1985-03-13")
    e.hh(legacy(a), "2025-01-02")
    e.enr(a, "resident_pension", "enroll", "2025-05-01")
    e.hh(legacy(b), "2025-01-02")
    e.death(b, "2025-06-01", "2025-06-03")
    e.hh(legacy(c), "2025-01-02")  # nothing else: stays open
    e.expect = {("lead", p): {"lead_id": lead_id("person", p, TW,
                                                 "2025-01-02")}
                for p in (a, b, c)}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "high", "closed", "enrolled"),
        b: ("working_age_uninsured", "high", "closed", "deceased"),
        c: ("working_age_uninsured", "normal", "open", "")}, []


@case
def full_household_row_legacy_later_rows():
    # The other way round, and every other person field: the agency, the
    # death notice, the hardship roster and the business register write
    # the 15-digit form.
    e = Events()
    a, b, c, d = (pid("1981-04-%02d" % n) for n in (11, 12, 13, 14))
    owner = pid("1990-07-07")
    code = employer_id(21)
    e.hh(a, "2025-01-02")
    e.enr(legacy(a), "resident_pension", "enroll", "2025-05-01")
    e.hh(b, "2025-01-02")
    e.death(legacy(b), "2025-06-01", "2025-06-03")
    e.hh(c, "2025-01-02")
    e.roster(legacy(c), "minimum_living", "2025-01-01", "2025-12-31",
             "2025-06-30")
    e.hh(d, "2025-01-02")  # both forms in the household register itself
    e.hh(legacy(d), "2025-04-01", action="address_change")
    e.hh(owner, "2025-01-02")
    e.biz(code, "individual", "established", "2025-03-01", "2025-03-02",
          rep=legacy(owner))
    # born in 1981: 44 in 2025, so normal priority
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "closed", "enrolled"),
        b: ("working_age_uninsured", "normal", "closed", "deceased"),
        c: ("assisted_not_enrolled", "high", "open", ""),
        d: ("working_age_uninsured", "normal", "open", ""),
        owner: ("business_owner_uninsured", "normal", "open", "")}, []


@case
def legacy_numbers_in_alerts():
    # A pension paid after a death, the rows split between the two forms:
    # one alert, on the 18-digit subject.
    e, a = Events(), pid("1950-02-02")
    e.hh(legacy(a), "2025-01-02")
    e.enr(a, "resident_pension", "enroll", "2025-01-02")
    ids = [e.fact(legacy(a) if m == "2025-06" else a, "benefit",
                  "resident_pension", m, 21500, m + "-05")
           for m in ("2025-05", "2025-06", "2025-07")]
    d = e.death(legacy(a), "2025-05-20", "2025-08-10")
    e.enr(legacy(a), "resident_pension", "stop", "2025-08-15")
    return e, "2025-11-20", {}, [
        ("paid_after_death", a, "", 2 * 21500, " ".join(sorted([d] +
                                                             ids[1:]))),
        ("active_after_death", a, "", 0, d)]


def fnv1a7(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h & 0x7F


def colliding_ids(prefix, n):
    """n event ids whose stamps tie: the same low 7 bits of FNV-1a."""
    by = {}
    for i in range(10000):
        e = "%s-%04d" % (prefix, i)
        by.setdefault(fnv1a7(e), []).append(e)
        if len(by[fnv1a7(e)]) == n:
            return by[fnv1a7(e)]


@case
def full_ties_resolve_the_same_in_any_order():
    # Two rows about one subject in the same second whose event ids hash
    # alike: RULES.md section 1 breaks the tie by the rows' values.
    e, a, s = Events(), pid("1990-02-02"), employer_id(40)
    h1, h2 = colliding_ids("hh-tie", 2)
    e.hh(a, "2025-03-01", tw="320923005", name="王一", eid=h1)
    e.hh(a, "2025-03-01", action="move_in", tw="320923007", name="王二",
         eid=h2)
    b1, b2 = colliding_ids("b-tie", 2)
    e.biz(s, "enterprise", "established", "2025-06-01", "2025-06-02",
          tw="320923004", eid=b1, name="甲厂")
    e.biz(s, "enterprise", "established", "2025-06-01", "2025-06-02",
          tw="320923003", eid=b2, name="乙厂")
    e.expect = {
        ("lead", a): {"township_code": "320923007",
                      "name": max("王一", "王二", key=lambda x: x.encode())},
        ("lead", s): {"township_code": "320923004", "name": "甲厂"}}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "open", ""),
        s: ("employer_unregistered", "normal", "open", "")}, []


@case
def dual_pensions():
    e, a, b, c = Events(), pid("1980-03-03"), pid("1950-03-03"), pid("1981-03-03")
    x = e.fact(a, "contribute", "employee_pension", "2025-06", 80000, "2025-06-10",
               paid_by="employer")
    y = e.fact(a, "contribute", "resident_pension", "2025-06", 20000, "2025-06-11",
               paid_by="self")
    p = e.fact(b, "benefit", "employee_pension", "2025-07", 300000, "2025-07-05")
    q = e.fact(b, "benefit", "employee_pension", "2025-07", 250000, "2025-07-06",
               region="320900")
    u = e.fact(c, "contribute", "resident_pension", "2025-03", 20000, "2025-03-10",
               paid_by="self")
    v = e.fact(c, "contribute", "resident_pension", "2025-03", 30000, "2025-03-10",
               region="321000", paid_by="self")
    return e, "2025-11-20", {}, [
        ("dual_pension_benefit", b, "2025-07", 250000, " ".join(sorted([p, q]))),
        ("dual_pension_enrollment", a, "2025-06", 20000, " ".join(sorted([x, y]))),
        ("dual_pension_enrollment", c, "2025-03", 20000, " ".join(sorted([u, v])))]


@case
def duplicate_subsidy_keeps_the_highest_tier():
    e, a = Events(), pid("1970-04-04")
    x = e.fact(a, "contribute", "resident_pension", "2025-01", 10000, "2025-01-10",
               paid_by="government", tier=10000)
    y = e.fact(a, "contribute", "resident_pension", "2025-06", 20000, "2025-06-10",
               paid_by="government", tier=20000)
    z = e.fact(a, "contribute", "resident_pension", "2024-06", 20000, "2024-12-10",
               paid_by="government", tier=20000)  # another year: alone
    e.enr(a, "resident_pension", "enroll", "2024-01-02")
    return e, "2025-11-20", {}, [
        ("duplicate_subsidy", a, "2025", 10000, " ".join(sorted([x, y])))]


@case
def duplicate_delivery_counts_once():
    e, a = Events(), pid("1950-01-01")
    e.enr(a, "resident_pension", "enroll", "2024-01-02")
    f1 = e.fact(a, "benefit", "resident_pension", "2025-08", 21500, "2025-08-05")
    e.list.append(dict(e.list[-1]))  # the same event delivered twice
    d = e.death(a, "2025-07-01", "2025-09-01")
    e.list.append(dict(e.list[-1]))
    return e, "2025-11-20", {}, [
        ("active_after_death", a, "", 0, d),
        ("paid_after_death", a, "", 21500, " ".join(sorted([d, f1])))]


@case
def team_decisions_stay_with_the_lead():
    e = Events()
    a, b, c, d = (pid("1990-05-%02d" % n) for n in (1, 2, 3, 4))
    for p in (a, b, c, d):
        e.hh(p, "2025-01-02")
    lid = lambda p: lead_id("person", p, TW, "2025-01-02")
    e.after = [{"decide": lid(a), "decision": "contacted"},
               {"decide": lid(b), "decision": "refused"},
               {"decide": lid(c), "decision": "invalid"},
               {"decide": lid(d), "decision": "enrolled"}]
    e.expect = {("lead", p): {"source_event_id": "decision:%s:2025-11-20" % x}
                for p, x in ((a, "contacted"), (b, "refused"),
                             (c, "invalid"), (d, "enrolled"))}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "contacted", ""),
        b: ("working_age_uninsured", "normal", "refused", ""),
        c: ("working_age_uninsured", "normal", "closed", "invalid"),
        d: ("working_age_uninsured", "normal", "closed", "enrolled")}, []


@case
def progress_counts_new_enrollments_once():
    e = Events()
    a, b, c = pid("1980-06-01"), pid("1981-06-01"), pid("1982-06-01")
    e.enr(a, "resident_pension", "enroll", "2025-03-01")
    e.enr(a, "employee_pension", "enroll", "2025-04-01")  # the same person
    e.enr(b, "resident_pension", "enroll", "2024-12-30")  # another year
    e.enr(c, "resident_pension", "enroll", "2025-03-01", tw=TW2)
    e.enr(c, "resident_medical", "enroll", "2025-03-01", tw=TW2)  # not basic
    return e, "2025-11-20", {}, [("progress", TW + ":2024", 1),
                                 ("progress", TW + ":2025", 1),
                                 ("progress", TW2 + ":2025", 1)]


@case
def another_writer_between_two_steps():
    # The cached store applies the first and last events; in between,
    # another writer (a second connection, no cache) enrolls the person and
    # records a second employer.  The steps after it must see what it
    # wrote, not what their cache held.
    e = Events()
    a, owner = pid("1985-07-07"), pid("1970-01-09")
    code = employer_id(7)
    e.hh(a, "2025-01-02")
    e.hh(owner, "2025-01-02")
    e.biz(code, "enterprise", "established", "2025-02-01", "2025-02-02",
          rep=owner)
    e.enr(a, "employee_pension", "enroll", "2025-03-01")
    e.list[-1]["external"] = True
    e.reg(code, "2025-02-20")
    e.list[-1]["external"] = True
    e.hh(a, "2025-06-01", action="move_in", tw=TW2)
    e.hh(owner, "2025-06-01", action="move_in", tw=TW2)
    # a: enrolled (by the other writer), then moved: no lead.  The owner of
    # an enterprise is a working-age person; the employer registered in
    # time (by the other writer): no lead.
    return e, "2025-11-20", {
        owner: ("working_age_uninsured", "high", "open", "")}, []


# ------------------------------------------------------------ review items
# RULES.md 9.3.  A case's expected review items are e.reviews: (kind,
# subject, township, names, evidence, status).

def death_unconfirmed_case(e, verdict=None):
    """A working-age resident under another name in a death notice, with a
    medical enrollment and benefits after the death: the notice (and so the
    death) waits for a reviewer."""
    a = pid("1980-08-08")
    e.hh(a, "2025-01-02", name="王建国")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    b1 = e.fact(a, "benefit", "resident_medical", "2025-07", 5000,
                "2025-07-05")
    b2 = e.fact(a, "benefit", "resident_medical", "2025-08", 6000,
                "2025-08-05")
    d = e.death(a, "2025-06-01", "2025-06-03", name="李四", tw=TW2)
    if verdict:
        e.after = [{"review": review_id("death_unconfirmed", a, "李四"),
                    "verdict": verdict}]
    return a, d, b1, b2


@case
def assistance_row_with_another_name():
    # Two assistance rows give 王建 (typed twice otherwise): one
    # name_mismatch, names as the smallest id writes them; the leads follow
    # the number.
    e, a = Events(), pid("1985-02-02")
    e.hh(a, "2025-01-02")
    r1 = e.roster(a, "minimum_living", "2025-01-01", "2025-12-31",
                  "2025-06-30", name="王 建", eid="a-1")
    r2 = e.roster(a, "minimum_living", "2025-01-01", "2025-12-31",
                  "2025-07-30", name="王建", eid="a-2", tw=TW2)
    e.reviews = [("name_mismatch", a, TW, "王建国|王 建", "a-1 a-2", "open")]
    assert (r1, r2) == ("a-1", "a-2")
    return e, "2025-11-20", {
        a: ("assisted_not_enrolled", "high", "open", "")}, []


@case
def same_name_typed_otherwise_is_no_review():
    # Spaces, an ideographic space, full-width letters, another dot: the
    # same name (RULES.md 9.2), whatever the source.
    e = Events()
    a, b, c = pid("1985-03-03"), pid("1985-04-04"), pid("1985-05-05")
    e.hh(a, "2025-01-02", name="王建国")
    e.roster(a, "minimum_living", "2025-01-01", None, "2025-06-30",
             name=" 王\u3000建 国")
    e.hh(b, "2025-01-02", name="阿依古丽·买买提")
    e.roster(b, "minimum_living", "2025-01-01", None, "2025-06-30",
             name="阿依古丽.买买提")
    e.biz(employer_id(50), "individual", "established", "2025-03-01",
          "2025-03-02", rep=b, rep_name="阿依古丽\u30fb买买提")
    e.hh(c, "2025-01-02", name="Li Na")
    e.roster(c, "minimum_living", "2025-01-01", None, "2025-06-30",
             name="\uff2c\uff49 \uff2e\uff41")
    e.death(c, "2025-09-01", "2025-09-02", name="LiNa")
    e.reviews = []
    return e, "2025-11-20", {
        a: ("assisted_not_enrolled", "high", "open", ""),
        b: ("assisted_not_enrolled", "high", "open", ""),
        c: ("assisted_not_enrolled", "high", "closed", "deceased")}, []


@case
def death_notice_with_another_name_waits():
    # Not applied while its item is open: the lead stays open, and no
    # benefit after it is paid after a death.
    e = Events()
    a, d, _, _ = death_unconfirmed_case(e)
    e.reviews = [("death_unconfirmed", a, TW, "王建国|李四", d, "open")]
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "high", "open", "")}, []


@case
def death_notice_confirmed_applies():
    # Confirmed, it applies with its own date: the lead closes deceased on
    # 2025-06-01 (at 44, so of normal priority), the alerts of the death
    # appear.
    e = Events()
    a, d, b1, b2 = death_unconfirmed_case(e, "confirm")
    e.reviews = [("death_unconfirmed", a, TW, "王建国|李四", d, "confirmed")]
    e.expect = {("lead", a): {"closed_at": "2025-06-01T00:00:00+08:00"}}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "closed", "deceased")}, [
        ("paid_after_death", a, "", 11000, " ".join(sorted([d, b1, b2]))),
        ("active_after_death", a, "", 0, d)]


@case
def death_notice_rejected_never_applies():
    e = Events()
    a, d, _, _ = death_unconfirmed_case(e, "reject")
    e.reviews = [("death_unconfirmed", a, TW, "王建国|李四", d, "rejected")]
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "high", "open", "")}, []


@case
def register_row_after_the_notice_withdraws_it():
    # The notice names 李四, as the register did then; a later household
    # row renames the person 王建国.  Step by step in the orders where the
    # notice comes first, it is applied (the lead closes, the alerts are
    # raised) and then withdrawn: the lead reopens, the alerts leave.
    e, a = Events(), pid("1981-09-09")
    e.hh(a, "2025-01-02", name="李四")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    e.fact(a, "benefit", "resident_medical", "2025-07", 5000, "2025-07-05")
    d = e.death(a, "2025-06-01", "2025-06-03", name="李四")
    e.hh(a, "2025-06-20", action="address_change", name="王建国")
    e.reviews = [("death_unconfirmed", a, TW, "王建国|李四", d, "open")]
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "open", "")}, []


@case
def a_withdrawn_notice_leaves_the_other_death():
    # Two notices: 李四's, the earlier, and one without a name.  Step by
    # step where the renaming row comes last, both apply first (the death
    # is the earlier date, the alerts name both); then 李四's is withdrawn:
    # the alerts are those of the later death alone, not grown from the
    # earlier.
    e, a = Events(), pid("1950-09-19")
    e.hh(a, "2025-01-02", name="李四")
    e.enr(a, "resident_pension", "enroll", "2024-02-02")
    e.fact(a, "benefit", "resident_pension", "2025-05", 20000, "2025-05-05")
    b6 = e.fact(a, "benefit", "resident_pension", "2025-06", 20000,
                "2025-06-05")
    d1 = e.death(a, "2025-04-10", "2025-04-12", name="李四")
    d2 = e.death(a, "2025-05-10", "2025-05-12")
    e.hh(a, "2025-01-20", action="address_change", name="王建国")
    e.reviews = [("death_unconfirmed", a, TW, "王建国|李四", d1, "open")]
    return e, "2025-11-20", {}, [
        ("paid_after_death", a, "", 20000, " ".join(sorted([d2, b6]))),
        ("active_after_death", a, "", 0, d2)]


@case
def register_name_that_comes_to_agree_applies():
    # The register's name changes to the notice's: the death applies, no
    # item is left.  (The renaming row is dated before the death, so that
    # the person lived here the day before it; in the orders where it comes
    # after the notice, it arrives after it all the same.)
    e, a = Events(), pid("1982-10-10")
    e.hh(a, "2025-01-02", name="王建国")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    d = e.death(a, "2025-06-01", "2025-06-03", name="李 四")
    e.hh(a, "2025-05-20", action="address_change", name="李四")
    e.reviews = []
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "closed", "deceased")}, [
        ("active_after_death", a, "", 0, d)]


@case
def notices_without_a_name_or_a_register_apply():
    # A notice without a name, and any notice of a person without household
    # rows, apply as before section 9; one applied notice beside one with
    # another name makes the death alone.
    e = Events()
    a, b, c = pid("1983-11-11"), pid("1984-12-12"), pid("1979-01-13")
    e.hh(a, "2025-01-02", name="王建国")
    e.enr(a, "resident_medical", "enroll", "2024-02-02")
    da = e.death(a, "2025-06-01", "2025-06-03")
    e.enr(b, "resident_medical", "enroll", "2024-02-02")
    db = e.death(b, "2025-06-01", "2025-06-03", name="李四", tw=TW2)
    e.hh(c, "2025-01-02", name="王建国")
    e.enr(c, "resident_medical", "enroll", "2024-02-02")
    dc1 = e.death(c, "2025-05-01", "2025-05-03", name="赵五", eid="d-c1")
    dc2 = e.death(c, "2025-07-01", "2025-07-03", name="王 建国", eid="d-c2")
    e.reviews = [("death_unconfirmed", c, TW, "王建国|赵五", dc1, "open")]
    e.expect = {("active_after_death", b): {"township_code": TW2},
                ("lead", c): {"closed_at": "2025-07-01T00:00:00+08:00"}}
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "closed", "deceased"),
        c: ("working_age_uninsured", "high", "closed", "deceased")}, [
        ("active_after_death", a, "", 0, da),
        ("active_after_death", b, "", 0, db),
        ("active_after_death", c, "", 0, dc2)]


@case
def legal_representative_with_another_name():
    # Business rows that name the person as legal representative give a
    # name: an individual business's (it makes the person an owner too) and
    # an enterprise's (it does not); the same name again is nothing.
    e, a = Events(), pid("1990-07-17")
    e.hh(a, "2025-01-02", name="王建国")
    b1 = e.biz(employer_id(60), "individual", "established", "2025-03-01",
               "2025-03-02", rep=a, rep_name="王健国")
    b2 = e.biz(employer_id(61), "enterprise", "established", "2025-03-01",
               "2025-03-02", rep=a, rep_name="王 健国", tw=TW2)
    e.biz(employer_id(62), "enterprise", "established", "2025-03-01",
          "2025-03-02", rep=a, rep_name="王建国")
    e.reviews = [("name_mismatch", a, TW, "王建国|王健国",
                  " ".join(sorted([b1, b2])), "open")]
    return e, "2025-11-20", {
        a: ("business_owner_uninsured", "normal", "open", ""),
        employer_id(61): ("employer_unregistered", "normal", "open", ""),
        employer_id(62): ("employer_unregistered", "normal", "open", "")}, []


# ---------------------------------------- items that span persons (9.3)

def swapped(person, i):
    """The number with characters i and i+1 swapped: a typing slip."""
    return person[:i] + person[i + 1] + person[i] + person[i + 2:]


def slips_case(e):
    """Three death notices written with a slip, all naming 王建国: one
    slip fits exactly one registered 王建国 (a, digits 11 and 12 swapped),
    one fits two (b and c, whose numbers differ in digit 17 and the check
    character: the slip has c's body and b's check), one fits nobody."""
    a, b, c = pid("1980-08-08", 123), pid("1985-01-01", 123), \
        pid("1985-01-01", 124)
    for p in (a, b, c):
        e.hh(p, "2025-01-02")
        e.enr(p, "employee_pension", "enroll", "2024-02-02")
    e.enr(b, "employee_pension", "stop", "2024-03-02")  # not a pair: b, c
    one = swapped(a, 10)
    both = c[:17] + b[17]
    assert not ric.is_valid(one) and not ric.is_valid(both)
    nobody = swapped(pid("1977-07-07", 555), 12)
    d1 = e.death(one, "2025-06-01", "2025-06-03", name="王 建国")
    e.death(both, "2025-06-01", "2025-06-04", name="王建国")
    e.death(nobody, "2025-06-01", "2025-06-05", name="王建国")
    return a, one, d1, b


@case
def a_slip_names_the_one_person_it_fits():
    # Refused, the notice is never applied: no alert of a's pension after
    # a death; the item names a, the number as written, the notice.
    e = Events()
    a, one, d1, b = slips_case(e)
    e.fact(a, "benefit", "employee_pension", "2025-08", 9000, "2025-08-05")
    e.reviews = [("probable_typo", a, TW, "王建国|王 建国", d1, "open", one,
                  0)]
    return e, "2025-11-20", {
        b: ("working_age_uninsured", "normal", "open", "")}, []


@case
def a_slip_names_a_person_with_no_pension():
    # Only pensioners tell their name's group about themselves unasked (a
    # new resident sends it nothing); a slip makes the group ask the
    # persons one slip from it, so the item is the same whether the notice
    # or the register comes first.
    e = Events()
    a = pid("1990-03-03", 321)
    e.hh(a, "2025-01-02", name="张小红")
    one = swapped(a, 10)
    assert not ric.is_valid(one)
    d1 = e.death(one, "2025-06-01", "2025-06-03", name="张 小红")
    e.reviews = [("probable_typo", a, TW, "张小红|张 小红", d1, "open", one,
                  0)]
    return e, "2025-11-20", {
        a: ("working_age_uninsured", "normal", "open", "")}, []


@case
def a_corrected_slip_stays_corrected():
    e = Events()
    a, one, d1, b = slips_case(e)
    e.after = [{"review": review_id("probable_typo", a, one),
                "verdict": "correct"}]
    e.reviews = [("probable_typo", a, TW, "王建国|王 建国", d1, "corrected",
                  one, 0)]
    return e, "2025-11-20", {
        b: ("working_age_uninsured", "normal", "open", "")}, []


def pair_case(e):
    """a and b: one name, sex and birth date, both with a resident pension
    paid in 2025-08 (12000 and 11000 fen) and a in 2025-09; c (born a year
    later) and d (a woman) are namesakes only."""
    a, b = pid("1960-05-05", 121), pid("1960-05-05", 131)
    c, d = pid("1961-05-05", 121), pid("1960-05-05", 122)
    for p in (a, b, c, d):
        e.hh(p, "2025-01-02", name="李秀英")
        e.enr(p, "resident_pension", "enroll", "2024-02-02")
    f1 = e.fact(a, "benefit", "resident_pension", "2025-08", 12000,
                "2025-08-05")
    f2 = e.fact(b, "benefit", "resident_pension", "2025-08", 11000,
                "2025-08-06")
    e.fact(a, "benefit", "resident_pension", "2025-09", 12000, "2025-09-05")
    e.fact(c, "benefit", "resident_pension", "2025-08", 11000, "2025-08-06")
    return a, b, " ".join(sorted([f1, f2]))


@case
def two_numbers_one_person():
    e = Events()
    a, b, ev = pair_case(e)
    e.reviews = [("duplicate_identity", a, TW, "李秀英|李秀英", ev, "open", b,
                  11000)]
    return e, "2025-11-20", {}, []


@case
def a_pair_ends_when_a_pension_stops():
    # Whatever the order, the stop is b's latest row: no item is left.
    e = Events()
    a, b, _ = pair_case(e)
    e.enr(b, "resident_pension", "stop", "2025-10-01")
    e.reviews = []
    return e, "2025-11-20", {
        b: ("elderly_no_pension", "normal", "open", "")}, []


@case
def a_pair_ends_when_the_register_renames_one():
    e = Events()
    a, b, _ = pair_case(e)
    e.hh(b, "2025-10-01", name="李秀华")
    e.reviews = []
    return e, "2025-11-20", {}, []


@case
def a_rejected_pair_stays_rejected():
    e = Events()
    a, b, ev = pair_case(e)
    e.after = [{"review": review_id("duplicate_identity", a, b),
                "verdict": "reject"}]
    e.reviews = [("duplicate_identity", a, TW, "李秀英|李秀英", ev,
                  "rejected", b, 11000)]
    return e, "2025-11-20", {}, []


def check(name, build):
    events, today, want_leads, want_alerts = build()
    evs = events.list
    after = getattr(events, "after", [])
    rnd = random.Random(name)
    orders = [list(evs), list(reversed(evs))]
    for _ in range(4):
        o = list(evs)
        rnd.shuffle(o)
        orders.append(o)
    first = None
    for i, order in enumerate(orders):
        for batch in (1, 0):
            got = run(order + after, today, batch)
            if first is None:
                first = got
            elif got != first:
                print("FAIL %s: order %d batch %s differs:\n  %s\nvs\n  %s" % (
                    name, i, batch or "all", "\n  ".join(got),
                    "\n  ".join(first)))
                return False
    if not truth_agrees(name, list(evs) + after, today):
        return False
    leads, alerts, reviews = summary(first)
    if not any(a[0] == "progress" for a in want_alerts):
        alerts = [a for a in alerts if a[0] != "progress"]
    want_alerts = sorted(want_alerts)
    want_reviews = sorted(getattr(events, "reviews", []))
    ok = leads == want_leads and alerts == want_alerts and \
        reviews == want_reviews
    # Fields a case names beyond the summary: (alert kind or "lead",
    # subject) -> {field: value}.
    want = getattr(events, "expect", {})
    seen = set()
    for line in first:
        j = json.loads(line)
        x = j.get("alert") or j.get("lead")
        if x is None:
            continue
        k = (x["kind"] if "alert" in j else "lead", x["subject_id"])
        for field, value in want.get(k, {}).items():
            seen.add(k)
            if x.get(field, "") != value:
                print("FAIL %s: %s of %s has %s %r, wanted %r" % (
                    name, k[0], k[1], field, x.get(field), value))
                ok = False
    if set(want) - seen:
        print("FAIL %s: no %s" % (name, sorted(set(want) - seen)))
        ok = False
    if not ok:
        print("FAIL %s:\n  leads  %s\n  wanted %s\n  alerts %s\n  wanted %s"
              "\n  reviews %s\n  wanted  %s" % (
                  name, leads, want_leads, alerts, want_alerts, reviews,
                  want_reviews))
    else:
        print("ok   %s (%d events, %d orders x 2 batchings agree)" % (
            name, len(evs), len(orders)))
    return ok


failed = 0
for name, build in CASES.items():
    if ONLY and name not in ONLY:
        continue
    if not check(name, build):
        failed += 1
print("%d cases, %d failed" % (len(CASES) if not ONLY else len(ONLY), failed))
sys.exit(1 if failed else 0)
