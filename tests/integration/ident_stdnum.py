"""ident_stdnum.py -- cross-checks canbao's identifier validation against
python3-stdnum (stdnum.cn.ric, stdnum.cn.uscc) on generated numbers.

Usage: /usr/bin/python3 ident_stdnum.py IDENT_TOOL

With a fixed seed it makes 20,000 resident ID numbers (region codes that
stdnum knows, real birth dates 1900..2025, random sequence; half with the
right check character, half with a wrong one) and 20,000 unified social
credit codes (the same halves), runs IDENT_TOOL over them and requires that
every verdict equals stdnum's is_valid(), and that the birth date and sex
agree for good ID numbers.  Two smaller sets cover what is_valid() cannot
judge the same way, against stdnum's own parts instead:

 - 2,000 ID numbers whose birth date does not exist (30 February, month 13,
   29 February of a common year) with the right check character: stdnum
   says invalid, canbao must say id_birth_date.
 - 2,000 USCCs with a letter in position 1 or 2 (GB 32100-2015 gives
   letters such as A, N, Y to some registering authorities; stdnum wants
   digits in positions 1-8 and refuses them): canbao must say ok exactly
   when stdnum's calc_check_digit matches.

Every one of the resident ID numbers above also goes through canbao's
18-digit form (`person18`, cb_ident_person_canonical), which must give the
same verdict and the number itself.  Legacy 15-digit numbers
(docs/RULES.md 9.1), which stdnum does not take, are judged through the
18-digit number canbao makes of them:

 - 10,000 random valid ones (a region stdnum knows, a real date of
   1900..1999 as YYMMDD, a random sequence): canbao's 18-digit form must
   be valid by stdnum.cn.ric, be the region, 19, the YYMMDD and the
   sequence, and stdnum's birth date of it must be the 19YY date; canbao's
   birth date and sex (from the sequence's last digit) must agree.
 - 2,000 whose YYMMDD is no date of 19YY (30 February, month 13, day 0,
   31 April, 29 February of a common year, 1900 included): the 18-digit
   text made of them with a right check character is refused by stdnum;
   canbao must say id_birth_date.
 - 1,000 with a non-digit in one place (X, x, a letter, a space, a
   hyphen, a dot): id_charset.  1,000 strings of digits 13, 14, 16, 17 or
   19 long: id_length.

Known differences, not generated: stdnum accepts births before 1900 and a
lower-case 'x' (it upper-cases), canbao refuses both; stdnum refuses region
codes missing from its GB/T 2260 table, canbao does not look regions up.

Prints counts; exits 1 on any disagreement, showing the first few (all
numbers here are synthetic).
"""

import datetime
import random
import subprocess
import sys

from stdnum import numdb
from stdnum.cn import ric, uscc

SEED = 20240229
N_EACH = 20000
N_EXTRA = 2000
N_LEGACY = 10000
N_LEGACY_BAD = 1000
USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
RIC_CHECKS = '0123456789X'
SHOW = 10


def region_codes():
    """The six-digit region codes stdnum's get_birth_place() accepts."""
    codes = []
    for _len, low, high, _props, _children in numdb.get('cn/loc').prefixes:
        if low != high or len(low) != 6 or not low.isdigit():
            continue
        try:
            ric.get_birth_place(low + '19000101' + '0000')
        except Exception:  # noqa: BLE001 -- stdnum raises its own kinds
            continue
        codes.append(low)
    return sorted(set(codes))


def random_date(rnd, first, last):
    span = last.toordinal() - first.toordinal()
    return datetime.date.fromordinal(first.toordinal() + rnd.randint(0, span))


def ric_with_check(body, rnd, right):
    """body + its right check character, or one of the 10 wrong ones."""
    check = ric.calc_check_digit(body + '0')
    if right:
        return body + check
    return body + rnd.choice([c for c in RIC_CHECKS if c != check])


def uscc_with_check(body, rnd, right):
    check = uscc.calc_check_digit(body)
    if right:
        return body + check
    return body + rnd.choice([c for c in USCC_ALPHABET if c != check])


def expected_person(number):
    """What ident_tool must print for a resident ID, by stdnum."""
    if not ric.is_valid(number):
        return None
    birth = ric.get_birth_date(number)
    sex = 'M' if int(number[16]) % 2 else 'F'
    return 'ok %s %s' % (birth.isoformat(), sex)


def legacy_judge(number):
    """A judge of canbao's `person18` line for a valid 15-digit number:
    None when stdnum agrees with it, else what is wrong."""
    born = datetime.date(1900 + int(number[6:8]), int(number[8:10]),
                         int(number[10:12]))
    sex = 'M' if int(number[14]) % 2 else 'F'

    def judge(line):
        parts = line.split()
        if len(parts) != 4 or parts[0] != 'ok':
            return 'refused'
        full = parts[1]
        if not ric.is_valid(full):
            return 'stdnum refuses %s' % full
        if full[:6] != number[:6] or full[6:8] != '19' or \
                full[8:17] != number[6:]:
            return '%s is not region + 19 + YYMMDD + sequence' % full
        if ric.get_birth_date(full) != born:
            return 'stdnum reads birth %s' % ric.get_birth_date(full)
        if parts[2] != born.isoformat() or parts[3] != sex:
            return 'birth or sex differ from the number'
        return None
    return judge


def legacy_cases(rnd, regions):
    """Legacy 15-digit numbers: valid ones judged through stdnum, and the
    three ways to be refused."""
    cases = []
    first, last = datetime.date(1900, 1, 1), datetime.date(1999, 12, 31)
    for _ in range(N_LEGACY):
        number = (rnd.choice(regions)
                  + random_date(rnd, first, last).strftime('%y%m%d')
                  + '%03d' % rnd.randint(0, 999))
        cases.append(('person18', number, legacy_judge(number), 'legacy'))

    bad_dates = []
    for yy in range(100):
        bad_dates += ['%02d0230' % yy, '%02d1301' % yy, '%02d0100' % yy,
                      '%02d0431' % yy, '%02d0001' % yy]
        year = 1900 + yy
        if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            bad_dates.append('%02d0229' % yy)
    for _ in range(N_EXTRA):
        number = (rnd.choice(regions) + rnd.choice(bad_dates)
                  + '%03d' % rnd.randint(0, 999))
        body = number[:6] + '19' + number[6:]
        if ric.is_valid(body + ric.calc_check_digit(body + '0')):
            raise SystemExit('stdnum takes %s: generator is wrong' % number)
        cases.append(('person18', number, 'id_birth_date', 'legacy-bad-date'))

    for _ in range(N_LEGACY_BAD):
        number = list(rnd.choice(regions)
                      + random_date(rnd, first, last).strftime('%y%m%d')
                      + '%03d' % rnd.randint(0, 999))
        number[rnd.randrange(15)] = rnd.choice('XxAO -.')
        cases.append(('person18', ''.join(number), 'id_charset',
                      'legacy-charset'))
    for _ in range(N_LEGACY_BAD):
        n = rnd.choice([13, 14, 16, 17, 19])
        number = ''.join(rnd.choice('0123456789') for _ in range(n))
        cases.append(('person18', number, 'id_length', 'legacy-length'))
    return cases


def make_cases(rnd):
    """A list of (kind, number, expected line or None for 'any refusal',
    wanted reason token when refused, set name)."""
    cases = []
    regions = region_codes()
    first, last = datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)

    for i in range(N_EACH):
        body = (rnd.choice(regions)
                + random_date(rnd, first, last).strftime('%Y%m%d')
                + '%03d' % rnd.randint(0, 999))
        number = ric_with_check(body, rnd, i % 2 == 0)
        want = expected_person(number)
        cases.append(('person', number, want or 'id_check', 'ric'))
        # the 18-digit form of an 18-digit number: itself, same verdict
        cases.append(('person18', number,
                      'ok %s %s' % (number, want[3:]) if want
                      else 'id_check', 'ric-person18'))

    bad_dates = []
    for year in range(1901, 2026):
        bad_dates.append('%04d0230' % year)
        bad_dates.append('%04d1301' % year)
        bad_dates.append('%04d0100' % year)
        if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            bad_dates.append('%04d0229' % year)
    bad_dates.append('19000229')
    for _ in range(N_EXTRA):
        body = (rnd.choice(regions) + rnd.choice(bad_dates)
                + '%03d' % rnd.randint(0, 999))
        number = ric_with_check(body, rnd, True)
        if ric.is_valid(number):
            raise SystemExit('stdnum takes %s: generator is wrong' % number)
        cases.append(('person', number, 'id_birth_date', 'ric-bad-date'))
        cases.append(('person18', number, 'id_birth_date', 'ric-bad-date'))

    for i in range(N_EACH):
        body = (rnd.choice('123456789') + rnd.choice('123456789')
                + rnd.choice(regions)
                + ''.join(rnd.choice(USCC_ALPHABET) for _ in range(9)))
        code = uscc_with_check(body, rnd, i % 2 == 0)
        want = 'ok' if uscc.is_valid(code) else 'id_check'
        cases.append(('uscc', code, want, 'uscc'))

    letters = [c for c in USCC_ALPHABET if c.isalpha()]
    for i in range(N_EXTRA):
        head = (rnd.choice(letters) + rnd.choice(USCC_ALPHABET)
                if i % 2 else rnd.choice('123456789') + rnd.choice(letters))
        body = (head + rnd.choice(regions)
                + ''.join(rnd.choice(USCC_ALPHABET) for _ in range(9)))
        code = uscc_with_check(body, rnd, i % 4 < 2)
        want = 'ok' if code[17] == uscc.calc_check_digit(code[:17]) \
            else 'id_check'
        cases.append(('uscc', code, want, 'uscc-letter-led'))
    return cases + legacy_cases(rnd, regions)


def main(argv):
    if len(argv) != 2:
        print('usage: ident_stdnum.py IDENT_TOOL', file=sys.stderr)
        return 2
    rnd = random.Random(SEED)
    cases = make_cases(rnd)
    text = ''.join('%s %s\n' % (kind, number)
                   for kind, number, _want, _set in cases)
    proc = subprocess.run([argv[1]], input=text, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        print('ident_tool exited %d: %s' % (proc.returncode, proc.stderr),
              file=sys.stderr)
        return 1
    got = proc.stdout.splitlines()
    if len(got) != len(cases):
        print('ident_tool gave %d lines for %d inputs'
              % (len(got), len(cases)), file=sys.stderr)
        return 1

    counts = {}
    bad = []
    for (kind, number, want, name), line in zip(cases, got):
        c = counts.setdefault(name, {'cases': 0, 'valid': 0, 'agree': 0})
        c['cases'] += 1
        if callable(want):  # a valid number judged through stdnum
            c['valid'] += 1
            wrong = want(line)
            if wrong is None:
                c['agree'] += 1
            else:
                bad.append('%s %s: canbao "%s": %s'
                           % (kind, number, line, wrong))
            continue
        c['valid'] += want.startswith('ok')
        if line == want:
            c['agree'] += 1
        else:
            bad.append('%s %s: canbao "%s", stdnum "%s"'
                       % (kind, number, line, want))
    for name, c in counts.items():
        print('%-16s %6d cases, %6d expected ok, %6d agree'
              % (name, c['cases'], c['valid'], c['agree']))
    if bad:
        print('%d disagreements; the first %d:' % (len(bad), min(SHOW,
                                                                 len(bad))))
        for b in bad[:SHOW]:
            print('  ' + b)
        return 1
    print('all %d verdicts agree with stdnum' % len(cases))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
