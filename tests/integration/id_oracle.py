"""id_oracle.py -- plays the attacker of issue 21 against the masked lead
and alert lists a township downloads, and fails if any whole ID number
comes out of them.

    id_oracle.py DIR   (DIR holds leads.csv, alerts.csv and their
                        --unmasked twins, leads-unmasked.csv and
                        alerts-unmasked.csv, which only the test reads)

The attack that worked on the old ids: the mask showed the first 6 and
last 4 characters, the 8 hidden ones were the birth date, and the lead id
was an unsalted SHA-1 of "person|ID|township|since" with everything but
the ID in the same row.  Every birth date from 1900 to 2011 whose number
passes the check character was hashed and compared with the id.

What is checked, for every row:
  1. the mask shows no more than the number's first 6 characters (a
     resident's number; a credit code may show 6 and 4): no birth date,
     sequence or check character to narrow a search with;
  2. the row's own id cannot confirm even the TRUE number, under every
     hash the ids were ever made with or might plausibly be (SHA-1,
     SHA-256, MD5, HMAC-SHA-256 with an empty key, each over each text the
     row's other fields allow): if the right guess cannot be confirmed, no
     enumeration can;
  3. the old attack itself, run in full on rows where the old mask's
     last 4 are given to the attacker for free, recovers nothing;
and as controls that the test can fail: the same attack against ids made
the old way recovers every number it tries, and the ids ARE the
HMAC-SHA-256 of the deployment's key (CANBAO_ID_KEY), which the attacker
does not have.
"""
import csv
import datetime
import hashlib
import hmac
import os
import re
import sys

DIR = sys.argv[1]
KEY = bytes.fromhex(os.environ["CANBAO_ID_KEY"])
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SAMPLE = 40  # rows the full enumeration (3) runs on
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def check_char(first17):
    return "10X98765432"[sum(int(c) * w for c, w in
                             zip(first17, WEIGHTS)) % 11]


def rows(name):
    with open(os.path.join(DIR, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def hashes(text):
    """Every 16-digit hash of text an attacker would try."""
    b = text.encode()
    return {hashlib.sha1(b).hexdigest()[:16],
            hashlib.sha256(b).hexdigest()[:16],
            hashlib.md5(b).hexdigest()[:16],
            hmac.new(b"", b, hashlib.sha256).hexdigest()[:16]}


def day(ts):
    return ts[:10] if ts else ""


def minus_days(d, n):
    return (datetime.date.fromisoformat(d) -
            datetime.timedelta(days=n)).isoformat()


def lead_texts(row, number):
    """The texts a lead id could be made of, from the row's own fields."""
    kind = row["subject_kind"]
    days = {day(row["opened_at"]), day(row["closed_at"])} - {""}
    if kind == "employer":
        days |= {minus_days(d, 31) for d in list(days)}
    return ["%s|%s|%s|%s" % (kind, number, row["township_code"], d)
            for d in days]


def alert_texts(row, number):
    return ["%s|%s|%s" % (row["kind"], number, row.get("period", ""))]


def confirms(texts_of, row, number, digits):
    return any(digits in hashes(t) for t in texts_of(row, number))


def old_attack(texts_of, row, first6, last4, digits, make):
    """The attack of the issue: every birth date 1900-2011 between the
    shown 6 and 4 characters whose check character is right, hashed with
    `make` (text -> 16 digits) and compared with digits.  Returns the
    numbers it confirms."""
    found = []
    d = datetime.date(1900, 1, 1)
    end = datetime.date(2011, 12, 31)
    texts = [t for t in texts_of(row, "@")]
    while d <= end:
        first17 = first6 + d.strftime("%Y%m%d") + last4[:3]
        if check_char(first17) == last4[3]:
            number = first17 + last4[3]
            if any(make(t.replace("@", number)) == digits for t in texts):
                found.append(number)
        d += datetime.timedelta(days=1)
    return found


def sha1_16(text):
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def run(kind, id_field, texts_of, masked, whole):
    by_id = {r[id_field]: r for r in whole}
    persons = [r for r in masked if re.fullmatch(r"\d{6}\*{12}",
                                                 r["subject_id"])]
    print("%s: %d rows, %d of persons" % (kind, len(masked), len(persons)))
    if len(masked) == 0 or len(masked) != len(whole):
        fail("%s: %d masked rows, %d whole" % (kind, len(masked),
                                                len(whole)))
    recovered = confirmed = keyed = 0
    for r in masked:
        shown = r["subject_id"]
        number = by_id[r[id_field]]["subject_id"]
        digits = r[id_field][1:]
        person = len(number) == 18 and number[:17].isdigit()
        # 1. what the mask shows
        if person and not re.fullmatch(r"\d{6}\*{12}", shown):
            fail("%s %s: the mask shows %r" % (kind, r[id_field], shown))
        if not person and not re.fullmatch(r"[0-9A-Z]{6}\*{8}[0-9A-Z]{4}",
                                           shown):
            fail("%s %s: the credit code's mask %r" % (kind, r[id_field],
                                                        shown))
        # 2. the true number cannot be confirmed by the id
        if confirms(texts_of, r, number, digits):
            confirmed += 1
            fail("%s %s: its id confirms the number" % (kind, r[id_field]))
        # control: with the deployment's key it is the id
        if any(hmac.new(KEY, t.encode(), hashlib.sha256).hexdigest()[:16]
               == digits for t in texts_of(r, number)):
            keyed += 1
    # (a person's id holds the residence date, which the row shows as
    # opened_at unless the lead opened on a 16th birthday or a pension
    # stop: most rows, not all)
    if keyed < 0.9 * len(masked):
        fail("%s: only %d of %d ids are HMAC-SHA-256 under CANBAO_ID_KEY"
             % (kind, keyed, len(masked)))
    # 3. the old attack in full, given the old mask's last 4 for free
    sample = [r for r in persons][:SAMPLE]
    control = 0
    for r in sample:
        number = by_id[r[id_field]]["subject_id"]
        digits = r[id_field][1:]
        got = old_attack(texts_of, r, number[:6], number[-4:], digits,
                         sha1_16)
        recovered += len(got)
        # control: an id made the old way is found by the same attack
        old = sha1_16(texts_of(r, number)[0])
        if number in old_attack(texts_of, r, number[:6], number[-4:], old,
                                sha1_16):
            control += 1
    print("%s: the old attack on %d rows recovered %d numbers; on ids "
          "made the old way it recovered %d of %d; %d true numbers "
          "confirmed by their ids; %d ids keyed as expected"
          % (kind, len(sample), recovered, control, len(sample), confirmed,
             keyed))
    if recovered:
        fail("%s: the old attack recovered %d numbers" % (kind, recovered))
    if sample and control != len(sample):
        fail("%s: the control attack found only %d of %d" %
             (kind, control, len(sample)))


run("leads", "lead_id", lead_texts, rows("leads.csv"),
    rows("leads-unmasked.csv"))
run("alerts", "alert_id", alert_texts, rows("alerts.csv"),
    rows("alerts-unmasked.csv"))
if failures:
    sys.exit(1)
print("id_oracle: no whole number recovered")
