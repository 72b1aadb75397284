#!/usr/bin/env python3
"""find_ids.py -- finds whole identifiers in text files, for the test that
no ID number reaches a log (issue 6).

    find_ids.py FILE...

Looks at every 18-character window of letters and digits (overlapping,
whatever surrounds it) and counts those that python3-stdnum, not canbao,
calls a valid resident ID number (GB 11643) or unified social credit code
(GB 32100).  Prints one line per file that holds any, with the count and a
masked sample, never the whole number; exits 1 if any file holds one.
"""
import re
import sys

from stdnum.cn import ric, uscc

WINDOW = re.compile(r"(?=([0-9A-Za-z]{18}))")


def whole_ids(text):
    found = []
    for m in WINDOW.finditer(text):
        w = m.group(1)
        if ric.is_valid(w.upper()) or uscc.is_valid(w.upper()):
            found.append(w)
    return found


def main():
    dirty = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            ids = whole_ids(f.read())
        if ids:
            dirty += 1
            print("%s: %d whole identifier(s), e.g. %s" %
                  (path, len(ids), ids[0][:6] + "*" * 8 + ids[0][-4:]))
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
