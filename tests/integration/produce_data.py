#!/usr/bin/python3
"""Writes the feed files of tests/integration/produce.sh.

    produce_data.py bad DIR       bad records of every rejection reason, and
                                  DIR/expected.csv (feed,file,line,field,reason)
    produce_data.py good N FILE   N valid household rows, then one bad one
    produce_data.py names FILE    household rows with Chinese names (UTF-8),
                                  one with a line break inside quotes
    produce_data.py legacy DIR    rows of every feed with legacy 15-digit
                                  numbers, good and bad, DIR/expected.csv
                                  (feed,file,line,field,reason) and
                                  DIR/persons.csv (event_id,as_written,full)

IDs are synthetic, made valid with python3-stdnum's own check characters
(an implementation independent of canbao's)."""
import csv
import io
import json
import os
import random
import sys

from stdnum.cn import ric, uscc

HH_HEADER = ["event_id", "person_id", "name", "sex", "birth_date", "action",
             "township_code", "student", "occurred_at"]
WHEN = "2025-03-01T09:00:00+08:00"


def person_id(birth="19800101", seq=123, region="320923"):
    body = "%s%s%03d" % (region, birth, seq)
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder


def sex_of(pid):
    return "M" if int(pid[16]) % 2 else "F"


def uscc_code(body17):
    return body17 + uscc.calc_check_digit(body17 + "0")


def hh_row(eid, pid=None, **over):
    pid = pid or person_id()
    row = {"event_id": eid, "person_id": pid, "name": "王建国",
           "sex": sex_of(pid), "birth_date": "%s-%s-%s" % (
               pid[6:10], pid[10:12], pid[12:14]),
           "action": "resident", "township_code": "320923008",
           "student": "", "occurred_at": WHEN}
    row.update(over)
    return row


def csv_text(header, rows):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def bad(d):
    """Every rejection reason at least once, between good records."""
    expected = []  # (feed, file, line, field, reason)
    good = person_id()

    # household.csv: field-level and cross-field reasons, one per row.
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_birth = person_id("19801332")  # check character right, date not
    future = person_id("20990101")
    cases = [
        (hh_row("h-ok-1"), None, None),
        (hh_row("h-1", name=""), "name", "missing_field"),
        (hh_row("h-2", name="王" * 40), "name", "too_long"),
        (hh_row("h 3"), "event_id", "bad_token"),
        (hh_row("h-4", pid=good[:17]), "person_id", "id_length"),
        (hh_row("h-5", pid=good[:6] + "A" + good[7:]), "person_id",
         "id_charset"),
        (hh_row("h-6", pid=bad_birth, birth_date="1980-01-01"), "person_id",
         "id_birth_date"),
        (hh_row("h-7", pid=wrong_check), "person_id", "id_check"),
        (hh_row("h-8", township_code="3209AB"), "township_code", "bad_code"),
        (hh_row("h-9", sex="X"), "sex", "unknown_enum"),
        (hh_row("h-10", birth_date="1980-02-30"), "birth_date", "bad_date"),
        (hh_row("h-11", occurred_at="2025-03-01T09:00:00"), "occurred_at",
         "bad_time"),
        (hh_row("h-12", student="yes"), "student", "bad_bool"),
        (hh_row("h-13", occurred_at="2099-01-01T00:00:00+08:00"),
         "occurred_at", "future_time"),
        (hh_row("h-14", pid=future), "birth_date", "future_date"),
        (hh_row("h-15", birth_date="1980-01-02"), "birth_date",
         "birth_date_mismatch"),
        (hh_row("h-16", sex="F" if sex_of(good) == "M" else "M"), "sex",
         "sex_mismatch"),
        (hh_row("h-17", township_code="320923099"), "township_code",
         "unknown_township"),
        (hh_row("h-ok-2"), None, None),
    ]
    text = csv_text(HH_HEADER, [c[0] for c in cases])
    lines = text.split("\n")
    # Structural reasons, written by hand: CSV writers would not make them.
    g = lines[1]
    extra = [
        (g.replace("h-ok-1", "h-s1").replace("王建国", 'Wang"X'), None,
         "stray_quote"),
        (g.replace("h-ok-1", "h-s2").replace("王建国", '"Wang"X'), None,
         "text_after_quote"),
        (g.replace("h-ok-1", "h-s3") + ",surplus", None, "field_count"),
    ]
    body = "\n".join(lines[:-1]) + "\n"
    body_b = body.encode()
    for row, field, reason in extra:
        body_b += (row + "\n").encode()
    # Bytes that are not UTF-8, in a name.
    body_b += g.replace("h-ok-1", "h-u1").encode().replace(
        "王建国".encode(), b"W\xff\xfe") + b"\n"
    body_b += (g.replace("h-ok-1", "h-ok-3") + "\n").encode()
    # Last: a quote that never closes (it swallows nothing after it).
    body_b += g.replace("h-ok-1", "h-s4").replace("王建国", '"Wang').encode()
    body_b += b"\n"
    with open(os.path.join(d, "household.csv"), "wb") as f:
        f.write(body_b)
    line = 2
    for row, field, reason in cases:
        if reason:
            expected.append(("household", "household.csv", line, field or "",
                             reason))
        line += 1
    for row, field, reason in extra:
        expected.append(("household", "household.csv", line, "", reason))
        line += 1
    expected.append(("household", "household.csv", line, "name",
                     "undecodable_text"))
    line += 2  # and the good h-ok-3
    expected.append(("household", "household.csv", line, "",
                     "unterminated_quote"))

    # household.jsonl: JSON-level reasons.
    ok = dict(hh_row("j-ok"))
    del ok["student"]
    jl = [json.dumps(ok, ensure_ascii=False), "not json at all", "[1,2]",
          json.dumps(dict(ok, event_id="j-3", person_id={"x": 1}),
                     ensure_ascii=False),
          json.dumps(dict(ok, event_id="j-4", name="x" * (1 << 20)))]
    with open(os.path.join(d, "household.jsonl"), "w") as f:
        f.write("\n".join(jl) + "\n")
    expected += [("household", "household.jsonl", 2, "", "bad_json"),
                 ("household", "household.jsonl", 3, "", "bad_json"),
                 ("household", "household.jsonl", 4, "person_id", "bad_type"),
                 ("household", "household.jsonl", 5, "", "record_too_long")]

    # enrollment.csv: numbers, months, conditional fields.
    eh = ["event_id", "person_id", "uscc", "scheme", "action", "period",
          "amount_fen", "paid_by", "subsidy_tier", "region_code",
          "township_code", "occurred_at"]
    base = {"event_id": "e-ok", "person_id": good, "uscc": "",
            "scheme": "resident_pension", "action": "contribute",
            "period": "2025-02", "amount_fen": "20000", "paid_by": "self",
            "subsidy_tier": "", "region_code": "320923",
            "township_code": "320923008", "occurred_at": WHEN}
    employer = uscc_code("91320923MA1M12345")
    ecases = [
        (dict(base), None, None),
        (dict(base, event_id="e-1", period="2025-13"), "period",
         "bad_month"),
        (dict(base, event_id="e-2", amount_fen="12.5"), "amount_fen",
         "bad_number"),
        (dict(base, event_id="e-3", amount_fen="-5"), "amount_fen",
         "bad_amount"),
        (dict(base, event_id="e-4", period=""), "period", "missing_field"),
        (dict(base, event_id="e-5", paid_by="government"), "subsidy_tier",
         "missing_field"),
        (dict(base, event_id="e-6", action="register_employer", scheme="",
              period="", amount_fen="", paid_by="", uscc=employer),
         "person_id", "unexpected_field"),
        (dict(base, event_id="e-ok2", action="register_employer", scheme="",
              period="", amount_fen="", paid_by="", uscc=employer,
              person_id=""), None, None),
    ]
    with open(os.path.join(d, "enrollment.csv"), "w") as f:
        f.write(csv_text(eh, [c[0] for c in ecases]))
    for i, (row, field, reason) in enumerate(ecases):
        if reason:
            expected.append(("enrollment", "enrollment.csv", i + 2, field,
                             reason))

    # business.csv: a USCC outside the alphabet; an individual without rep.
    bh = ["event_id", "uscc", "name", "kind", "action", "established_on",
          "township_code", "legal_rep_id", "legal_rep_name", "occurred_at"]
    bbase = {"event_id": "b-ok", "uscc": employer, "name": "阜宁县某某厂",
             "kind": "individual", "action": "established",
             "established_on": "2025-01-10", "township_code": "320923008",
             "legal_rep_id": good, "legal_rep_name": "王建国",
             "occurred_at": WHEN}
    bcases = [
        (dict(bbase), None, None),
        (dict(bbase, event_id="b-1", uscc="91320923MA1MIOZSV0"), "uscc",
         "id_charset"),
        (dict(bbase, event_id="b-2", legal_rep_id=""), "legal_rep_id",
         "missing_field"),
    ]
    with open(os.path.join(d, "business.csv"), "w") as f:
        f.write(csv_text(bh, [c[0] for c in bcases]))
    for i, (row, field, reason) in enumerate(bcases):
        if reason:
            expected.append(("business", "business.csv", i + 2, field,
                             reason))

    # death.csv and assistance.csv: dates that contradict each other.
    with open(os.path.join(d, "death.csv"), "w") as f:
        f.write(csv_text(["event_id", "person_id", "date_of_death", "source",
                          "occurred_at"],
                         [{"event_id": "d-1", "person_id": good,
                           "date_of_death": "1979-05-01", "source": "police",
                           "occurred_at": WHEN}]))
    expected.append(("death", "death.csv", 2, "date_of_death",
                     "death_before_birth"))
    with open(os.path.join(d, "assistance.csv"), "w") as f:
        f.write(csv_text(["event_id", "person_id", "name", "identity",
                          "valid_from", "valid_to", "township_code",
                          "occurred_at"],
                         [{"event_id": "a-1", "person_id": good,
                           "name": "王建国", "identity": "minimum_living",
                           "valid_from": "2025-01-01",
                           "valid_to": "2024-12-31",
                           "township_code": "320923008",
                           "occurred_at": WHEN}]))
    expected.append(("assistance", "assistance.csv", 2, "valid_to",
                     "bad_range"))

    with open(os.path.join(d, "expected.csv"), "w") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["feed", "file", "line", "field", "reason"])
        for e in expected:
            w.writerow(e)


def good(n, path):
    """n valid household rows with distinct people, then one bad row."""
    rnd = random.Random(7)
    with open(path, "w") as f:
        f.write(",".join(HH_HEADER) + "\n")
        for i in range(n):
            birth = "%04d%02d%02d" % (rnd.randint(1940, 2010),
                                      rnd.randint(1, 12), rnd.randint(1, 28))
            # (region, sequence) is unique for up to 1,000,000 people
            pid = person_id(birth, i % 1000, "32%04d" % (i // 1000))
            r = hh_row("g-%d" % i, pid)
            f.write(",".join(r[k] for k in HH_HEADER) + "\n")
        r = hh_row("g-bad", sex="X")
        f.write(",".join(r[k] for k in HH_HEADER) + "\n")


def names(path):
    """Chinese names, one with a line break in quotes, and a bad row after
    it so that line numbers can be checked."""
    people = ["张伟", "王秀英", "李娜", "欧阳建国", "阜宁"]
    rows = []
    for i, name in enumerate(people):
        rows.append(hh_row("n-%d" % i, person_id("19700101", 100 + i),
                           name=name))
    rows.append(hh_row("n-break", person_id("19700101", 200),
                       name="陈\n桂兰"))
    rows.append(hh_row("n-bad", person_id("19700101", 201), sex="X"))
    with open(path, "w") as f:
        f.write(csv_text(HH_HEADER, rows))


def legacy_of(pid):
    """The 15-digit form of an 18-digit number born 1900-1999."""
    assert pid[6:8] == "19"
    return pid[:6] + pid[8:17]


def legacy(d):
    """Legacy 15-digit numbers (RULES.md 9.1) in every person field: good
    rows, each with its 18-digit form (stdnum's check character) for the
    key, and bad ones with the reason they must be dead-lettered with."""
    expected, persons = [], []
    a = person_id("19800101", 123)          # a man
    b = person_id("19491231", 2, "110105")  # GB 11643's example, a woman
    la, lb = legacy_of(a), legacy_of(b)
    assert lb == "110105491231002" and b == "11010519491231002X"
    # (hh_row computes sex and birth date from the 18-digit form given as
    # pid; person_id then writes the number as the row has it.)
    rows = [
        (hh_row("l-hh-1", a, person_id=la), None, None),
        (hh_row("l-hh-2", a), None, None),  # the same person, 18 digits
        (hh_row("l-hh-3", b, person_id=lb), None, None),
        (hh_row("l-hh-4", a, person_id=la[:14] + "X"), "person_id",
         "id_charset"),
        (hh_row("l-hh-5", a, person_id=la[:6] + "990230123"), "person_id",
         "id_birth_date"),
        (hh_row("l-hh-6", a, person_id=la + "4"), "person_id", "id_length"),
        (hh_row("l-hh-7", a, person_id=la, birth_date="2080-01-01"),
         "birth_date", "future_date"),
        (hh_row("l-hh-8", a, person_id=la, birth_date="1880-01-01"),
         "birth_date", "birth_date_mismatch"),
        (hh_row("l-hh-9", a, person_id=la, sex="F"), "sex", "sex_mismatch"),
    ]
    with open(os.path.join(d, "household.csv"), "w") as f:
        f.write(csv_text(HH_HEADER, [r[0] for r in rows]))
    for i, (row, field, reason) in enumerate(rows):
        if reason:
            expected.append(("household", "household.csv", i + 2, field,
                             reason))
        else:
            persons.append((row["event_id"], row["person_id"],
                            a if row["person_id"] in (a, la) else b))

    one = {
        "death": (["event_id", "person_id", "date_of_death", "source",
                   "occurred_at"],
                  {"event_id": "l-d-1", "person_id": lb,
                   "date_of_death": "2025-02-01", "source": "police",
                   "occurred_at": WHEN}, "person_id"),
        "enrollment": (["event_id", "person_id", "scheme", "action",
                        "region_code", "township_code", "occurred_at"],
                       {"event_id": "l-e-1", "person_id": la,
                        "scheme": "resident_pension", "action": "enroll",
                        "region_code": "320923",
                        "township_code": "320923008", "occurred_at": WHEN},
                       "person_id"),
        "assistance": (["event_id", "person_id", "name", "identity",
                        "valid_from", "township_code", "occurred_at"],
                       {"event_id": "l-a-1", "person_id": la, "name": "王建国",
                        "identity": "minimum_living",
                        "valid_from": "2025-01-01",
                        "township_code": "320923008", "occurred_at": WHEN},
                       "person_id"),
        "business": (["event_id", "uscc", "name", "kind", "action",
                      "established_on", "township_code", "legal_rep_id",
                      "legal_rep_name", "occurred_at"],
                     {"event_id": "l-b-1",
                      "uscc": uscc_code("91320923MA1M54321"),
                      "name": "阜宁县某某店", "kind": "individual",
                      "action": "established", "established_on": "2025-01-10",
                      "township_code": "320923008", "legal_rep_id": la,
                      "legal_rep_name": "王建国", "occurred_at": WHEN},
                     "legal_rep_id"),
    }
    for feed, (header, good_row, field) in one.items():
        bad_row = dict(good_row, event_id=good_row["event_id"] + "-bad")
        bad_row[field] = la[:6] + "000229123"  # 1900 is a common year
        with open(os.path.join(d, feed + ".csv"), "w") as f:
            f.write(csv_text(header, [good_row, bad_row]))
        expected.append((feed, feed + ".csv", 3, field, "id_birth_date"))
        if feed != "business":  # keyed by its USCC
            persons.append((good_row["event_id"], good_row[field],
                            a if good_row[field] == la else b))

    with open(os.path.join(d, "expected.csv"), "w") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["feed", "file", "line", "field", "reason"])
        w.writerows(expected)
    with open(os.path.join(d, "persons.csv"), "w") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "as_written", "full"])
        w.writerows(persons)


if __name__ == "__main__":
    if sys.argv[1] == "bad":
        bad(sys.argv[2])
    elif sys.argv[1] == "good":
        good(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "names":
        names(sys.argv[2])
    elif sys.argv[1] == "legacy":
        legacy(sys.argv[2])
    else:
        sys.exit("usage: produce_data.py bad DIR | good N FILE | names FILE "
                 "| legacy DIR")
