#!/usr/bin/env python3
"""find_ids.py -- finds whole identifiers in text files, for the test that
no ID number reaches a log (issue 6).

    find_ids.py FILE...

Looks at every 18-character window of letters and digits (overlapping,
whatever surrounds it) and counts those that python3-stdnum, not canbao,
calls a valid resident ID number (GB 11643) or unified social credit code
(GB 32100); and at every run of exactly 15 digits, a legacy resident
number (docs/RULES.md 9.1) when stdnum calls the 18-digit number made of
it (19 inserted, stdnum's check character) valid.  Prints one line per
file that holds any, with the count and a masked sample, never the whole
number; exits 1 if any file holds one.
"""
import re
import sys

from stdnum.cn import ric, uscc

WINDOW = re.compile(r"(?=([0-9A-Za-z]{18}))")
LEGACY = re.compile(r"(?<![0-9A-Za-z])[0-9]{15}(?![0-9A-Za-z])")


def legacy_valid(w):
    body = w[:6] + "19" + w[6:]
    return ric.is_valid(body + ric.calc_check_digit(body + "0"))


def whole_ids(text):
    """(the identifiers found, how many of them are legacy numbers)"""
    found = []
    for m in WINDOW.finditer(text):
        w = m.group(1)
        if ric.is_valid(w.upper()) or uscc.is_valid(w.upper()):
            found.append(w)
    legacy = [m.group(0) for m in LEGACY.finditer(text)
              if legacy_valid(m.group(0))]
    return found + legacy, len(legacy)


def main():
    dirty = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            ids, legacy = whole_ids(f.read())
        if ids:
            dirty += 1
            print("%s: %d whole identifier(s) (%d legacy), e.g. %s" %
                  (path, len(ids), legacy, ids[0][:6] + "*" * 8 +
                   ids[0][-4:]))
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
