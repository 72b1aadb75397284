/* test_time.c -- dates, months, ages and instants of cb_time, against
 * tables whose expected values were computed with Python's datetime. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <string.h>

#include "cb_time.h"

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- dates */

typedef struct ymd_case {
    int y, m, d;
    int32_t days; /* CB_DATE_NONE: no such date */
} ymd_case;

static const ymd_case ymd_cases[] = {
    {1970, 1, 1, 0},
    {1969, 12, 31, -1},
    {1972, 2, 29, 789},
    {1, 1, 1, -719162},
    {9999, 12, 31, 2932896},
    {1900, 1, 1, -25567},
    {1900, 2, 28, -25509},
    {1900, 3, 1, -25508},
    {2000, 2, 29, 11016},
    {2000, 3, 1, 11017},
    {2024, 2, 29, 19782},
    {2024, 3, 1, 19783},
    {2024, 12, 31, 20088},
    {2038, 1, 19, 24855},
    {1600, 2, 29, -135081},
    {1582, 10, 4, -141438}, /* proleptic: no Julian gap */
    {1582, 10, 15, -141427},
    {2100, 3, 1, 47541},
    /* dates that do not exist */
    {1900, 2, 29, CB_DATE_NONE},
    {2023, 2, 29, CB_DATE_NONE},
    {2100, 2, 29, CB_DATE_NONE},
    {2024, 2, 30, CB_DATE_NONE},
    {2024, 4, 31, CB_DATE_NONE},
    {2024, 6, 31, CB_DATE_NONE},
    {2024, 9, 31, CB_DATE_NONE},
    {2024, 11, 31, CB_DATE_NONE},
    {2024, 1, 32, CB_DATE_NONE},
    {2024, 1, 0, CB_DATE_NONE},
    {2024, 0, 1, CB_DATE_NONE},
    {2024, 13, 1, CB_DATE_NONE},
    {2024, -1, 1, CB_DATE_NONE},
    {0, 1, 1, CB_DATE_NONE},
    {-1, 1, 1, CB_DATE_NONE},
    {10000, 1, 1, CB_DATE_NONE},
};

static void test_date_from_ymd(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(ymd_cases); i++) {
        const ymd_case *c = &ymd_cases[i];
        int32_t got = cb_date_from_ymd(c->y, c->m, c->d);
        int y = 0, m = 0, d = 0;

        if (got != c->days)
            fail_msg("row %zu %04d-%02d-%02d: got %" PRId32 ", want %" PRId32,
                     i, c->y, c->m, c->d, got, c->days);
        if (c->days == CB_DATE_NONE)
            continue;
        cb_date_to_ymd(c->days, &y, &m, &d);
        if (y != c->y || m != c->m || d != c->d)
            fail_msg("row %zu day %" PRId32 ": got %04d-%02d-%02d", i, c->days,
                     y, m, d);
    }
}

typedef struct leap_case {
    int year;
    int leap;
} leap_case;

static const leap_case leap_cases[] = {
    {1900, 0}, {2000, 1}, {2024, 1}, {2023, 0}, {2100, 0}, {1600, 1},
    {1700, 0}, {4, 1},    {1, 0},    {100, 0},  {400, 1},  {9996, 1},
    {9999, 0}, {1904, 1}, {1970, 0}, {1972, 1},
};

static void test_leap_years(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(leap_cases); i++) {
        const leap_case *c = &leap_cases[i];
        int has_29 = cb_date_from_ymd(c->year, 2, 29) != CB_DATE_NONE;
        int32_t len = cb_date_from_ymd(c->year, 12, 31) -
                      cb_date_from_ymd(c->year, 1, 1) + 1;

        if (has_29 != c->leap || len != 365 + c->leap)
            fail_msg("row %zu year %d: 29 Feb %s, %" PRId32 " days", i, c->year,
                     has_29 ? "exists" : "missing", len);
    }
}

/* Days in a month, written out again here so that the round trip below
 * checks cb_time against something it does not share. */
static int month_len(int y, int m)
{
    if (m == 2)
        return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}

/* Every day of years 1..9999: to_ymd steps one calendar day at a time,
 * from_ymd and parse invert it, format writes what parse reads. */
static void test_date_round_trip(void **state)
{
    int32_t first = cb_date_from_ymd(1, 1, 1);
    int32_t last = cb_date_from_ymd(9999, 12, 31);
    int py = 0, pm = 12, pd = 31; /* the day before 0001-01-01 */
    char buf[11];
    size_t count = 0;

    (void)state;
    for (int32_t days = first; days <= last; days++, count++) {
        int y, m, d;
        int32_t back = CB_DATE_NONE;
        int next_ok;

        cb_date_to_ymd(days, &y, &m, &d);
        if (pd < month_len(py, pm))
            next_ok = y == py && m == pm && d == pd + 1;
        else if (pm < 12)
            next_ok = y == py && m == pm + 1 && d == 1;
        else
            next_ok = y == py + 1 && m == 1 && d == 1;
        if (!next_ok)
            fail_msg("day %" PRId32 " is %04d-%02d-%02d after %04d-%02d-%02d",
                     days, y, m, d, py, pm, pd);
        if (cb_date_from_ymd(y, m, d) != days)
            fail_msg("day %" PRId32 ": from_ymd(%04d-%02d-%02d) differs", days,
                     y, m, d);
        cb_date_format(days, buf);
        if (cb_date_parse(buf, strlen(buf), &back) != 0 || back != days)
            fail_msg("day %" PRId32 ": \"%s\" parses to %" PRId32, days, buf,
                     back);
        if (cb_month_of_date(days) != cb_month_from_ym(y, m))
            fail_msg("day %" PRId32 ": month of date differs", days);
        py = y;
        pm = m;
        pd = d;
    }
    /* 25 cycles of 146097 days, less the leap year 10000 */
    assert_int_equal(count, 3652059);
    assert_int_equal(py, 9999);
}

/* Far outside years 1..9999 the split must still be defined (no overflow
 * under -fsanitize=undefined) and formatting must not pretend. */
static void test_date_extremes(void **state)
{
    static const int32_t extremes[] = {INT32_MIN, INT32_MIN + 1, -719163,
                                       2932897, INT32_MAX};
    (void)state;
    for (size_t i = 0; i < N_ROWS(extremes); i++) {
        int y, m, d;
        char buf[11];

        cb_date_to_ymd(extremes[i], &y, &m, &d);
        if (m < 1 || m > 12 || d < 1 || d > month_len(y, m))
            fail_msg("row %zu: %d-%d-%d", i, y, m, d);
        cb_date_format(extremes[i], buf);
        if (strcmp(buf, "0000-00-00") != 0)
            fail_msg("row %zu day %" PRId32 " formats as \"%s\"", i,
                     extremes[i], buf);
    }
}

typedef struct parse_case {
    const char *text;
    int32_t days; /* CB_DATE_NONE: refused */
} parse_case;

static const parse_case date_parse_cases[] = {
    {"1970-01-01", 0},
    {"2024-02-29", 19782},
    {"2000-02-29", 11016},
    {"0001-01-01", -719162},
    {"9999-12-31", 2932896},
    {"1900-02-29", CB_DATE_NONE},
    {"2023-02-29", CB_DATE_NONE},
    {"2024-02-30", CB_DATE_NONE},
    {"2024-04-31", CB_DATE_NONE},
    {"2024-13-01", CB_DATE_NONE},
    {"2024-00-10", CB_DATE_NONE},
    {"2024-01-00", CB_DATE_NONE},
    {"0000-01-01", CB_DATE_NONE},
    {"2024-2-29", CB_DATE_NONE},
    {"2024-02-9", CB_DATE_NONE},
    {"24-02-29", CB_DATE_NONE},
    {"2024/02/29", CB_DATE_NONE},
    {"2024-02-29 ", CB_DATE_NONE},
    {" 2024-02-29", CB_DATE_NONE},
    {"2024-02-29T00:00:00Z", CB_DATE_NONE},
    {"20240229", CB_DATE_NONE},
    {"+024-02-29", CB_DATE_NONE},
    {"2024-+2-29", CB_DATE_NONE},
    {"2024-02-2a", CB_DATE_NONE},
    {"", CB_DATE_NONE},
};

static const parse_case compact_parse_cases[] = {
    {"19700101", 0},
    {"20240229", 19782},
    {"19000101", -25567},
    {"19000229", CB_DATE_NONE},
    {"20230229", CB_DATE_NONE},
    {"19851301", CB_DATE_NONE},
    {"19850100", CB_DATE_NONE},
    {"00000101", CB_DATE_NONE},
    {"1985-3-7", CB_DATE_NONE},
    {"1985030", CB_DATE_NONE},
    {"198503071", CB_DATE_NONE},
    {"1985 307", CB_DATE_NONE},
    {"2024-02-29", CB_DATE_NONE},
};

static void run_parse_cases(const parse_case *cases, size_t n,
                            int (*parse)(const char *, size_t, int32_t *))
{
    for (size_t i = 0; i < n; i++) {
        const parse_case *c = &cases[i];
        int32_t got = 12345;
        int rc = parse(c->text, strlen(c->text), &got);

        if (c->days == CB_DATE_NONE) {
            if (rc != -1)
                fail_msg("row %zu \"%s\": accepted as %" PRId32, i, c->text,
                         got);
            if (got != 12345)
                fail_msg("row %zu \"%s\": refused but wrote", i, c->text);
        } else if (rc != 0 || got != c->days) {
            fail_msg("row %zu \"%s\": rc %d, got %" PRId32 ", want %" PRId32, i,
                     c->text, rc, got, c->days);
        }
    }
}

static void test_date_parse(void **state)
{
    int32_t days = 0;

    (void)state;
    run_parse_cases(date_parse_cases, N_ROWS(date_parse_cases), cb_date_parse);
    run_parse_cases(compact_parse_cases, N_ROWS(compact_parse_cases),
                    cb_date_parse_compact);
    /* No NUL needed: only len bytes are read. */
    assert_int_equal(cb_date_parse("2024-02-29junk", 10, &days), 0);
    assert_int_equal(days, 19782);
    assert_int_equal(cb_date_parse_compact("3209231985030712", 8, &days), -1);
    assert_int_equal(cb_date_parse_compact("198503071236", 8, &days), 0);
    assert_int_equal(days, 5544);
}

/* ---------------------------------------------------------------- months */

typedef struct month_case {
    int y, m;
    int32_t months; /* CB_MONTH_NONE: refused */
    const char *text;
} month_case;

static const month_case month_cases[] = {
    {1970, 1, 0, "1970-01"},
    {1969, 12, -1, "1969-12"},
    {2024, 2, 649, "2024-02"},
    {2024, 12, 659, "2024-12"},
    {1, 1, -23628, "0001-01"},
    {9999, 12, 96359, "9999-12"},
    {2024, 0, CB_MONTH_NONE, "2024-00"},
    {2024, 13, CB_MONTH_NONE, "2024-13"},
    {0, 1, CB_MONTH_NONE, "0000-01"},
    {10000, 1, CB_MONTH_NONE, NULL},
};

static const char *const bad_months[] = {
    "2024-2",   "202402", "2024/02", "2024-02-01", " 2024-02",
    "2024-02 ", "24-02",  "2024-1a", "",           "2024-+2",
};

static void test_months(void **state)
{
    char buf[8];

    (void)state;
    for (size_t i = 0; i < N_ROWS(month_cases); i++) {
        const month_case *c = &month_cases[i];
        int32_t got = cb_month_from_ym(c->y, c->m), parsed = 777;
        int rc;

        if (got != c->months)
            fail_msg("row %zu %d-%d: got %" PRId32 ", want %" PRId32, i, c->y,
                     c->m, got, c->months);
        if (c->text == NULL)
            continue;
        rc = cb_month_parse(c->text, strlen(c->text), &parsed);
        if (c->months == CB_MONTH_NONE) {
            if (rc != -1)
                fail_msg("row %zu \"%s\" accepted", i, c->text);
            continue;
        }
        if (rc != 0 || parsed != c->months)
            fail_msg("row %zu \"%s\": rc %d, got %" PRId32, i, c->text, rc,
                     parsed);
        cb_month_format(c->months, buf);
        if (strcmp(buf, c->text) != 0)
            fail_msg("row %zu: %" PRId32 " formats as \"%s\", want \"%s\"", i,
                     c->months, buf, c->text);
    }
    for (size_t i = 0; i < N_ROWS(bad_months); i++) {
        int32_t parsed;
        if (cb_month_parse(bad_months[i], strlen(bad_months[i]), &parsed) != -1)
            fail_msg("bad month \"%s\" accepted", bad_months[i]);
    }
    /* Months without a four-digit year are not written as real ones. */
    cb_month_format(CB_MONTH_NONE, buf);
    assert_string_equal(buf, "0000-00");
    cb_month_format(96360, buf);
    assert_string_equal(buf, "0000-00");
    cb_month_format(-23629, buf);
    assert_string_equal(buf, "0000-00");
    cb_month_format(INT32_MAX, buf);
    assert_string_equal(buf, "0000-00");
    /* Round trip of every month of years 1..9999. */
    for (int32_t mo = -23628; mo <= 96359; mo++) {
        int32_t back = CB_MONTH_NONE;
        cb_month_format(mo, buf);
        if (cb_month_parse(buf, 7, &back) != 0 || back != mo)
            fail_msg("month %" PRId32 " -> \"%s\" -> %" PRId32, mo, buf, back);
    }
}

typedef struct month_of_case {
    int32_t days;
    int32_t months;
} month_of_case;

static const month_of_case month_of_cases[] = {
    {0, 0},
    {-1, -1},
    {30, 0},
    {31, 1},
    {19782, 649},
    {19783, 650},
    {-719162, -23628},
    {2932896, 96359},
    {CB_DATE_NONE, CB_MONTH_NONE},
};

static void test_month_of_date(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(month_of_cases); i++) {
        int32_t got = cb_month_of_date(month_of_cases[i].days);
        if (got != month_of_cases[i].months)
            fail_msg("row %zu day %" PRId32 ": got %" PRId32 ", want %" PRId32,
                     i, month_of_cases[i].days, got, month_of_cases[i].months);
    }
}

/* ---------------------------------------------------------------- ages */

typedef struct age_case {
    const char *birth, *on;
    int age;
} age_case;

static const age_case age_cases[] = {
    {"2000-02-29", "2001-02-28", 0}, /* birthday is 1 March in 2001 */
    {"2000-02-29", "2001-03-01", 1},
    {"2000-02-29", "2004-02-28", 3},
    {"2000-02-29", "2004-02-29", 4},
    {"2000-02-29", "2060-02-28", 59},
    {"2000-02-29", "2060-02-29", 60},
    {"2000-02-29", "2100-02-28", 99}, /* 2100 is a common year */
    {"2000-02-29", "2100-03-01", 100},
    {"1985-03-07", "2045-03-06", 59},
    {"1985-03-07", "2045-03-07", 60},
    {"1979-11-21", "2024-11-20", 44}, /* the 20 November snapshot */
    {"1979-11-20", "2024-11-20", 45},
    {"1970-01-01", "1970-01-01", 0},
    {"1970-01-01", "1970-12-31", 0},
    {"1970-01-01", "1971-01-01", 1},
    {"1900-01-01", "2025-12-31", 125},
    {"2024-12-31", "2025-12-30", 0},
    {"2024-12-31", "2025-12-31", 1},
    {"2000-01-01", "1999-12-31", -1}, /* not born yet */
};

static void test_age_on(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(age_cases); i++) {
        const age_case *c = &age_cases[i];
        int32_t birth, on;
        int got;

        assert_int_equal(cb_date_parse(c->birth, 10, &birth), 0);
        assert_int_equal(cb_date_parse(c->on, 10, &on), 0);
        got = cb_age_on(birth, on);
        if (got != c->age)
            fail_msg("row %zu born %s on %s: got %d, want %d", i, c->birth,
                     c->on, got, c->age);
    }
}

/* ---------------------------------------------------------------- instants */

typedef struct time_case {
    const char *text;
    int ok;
    int64_t ms;
} time_case;

static const time_case time_cases[] = {
    {"1970-01-01T00:00:00Z", 1, 0},
    {"2024-03-01T12:34:56Z", 1, INT64_C(1709296496000)},
    {"2024-03-01T12:34:56+08:00", 1, INT64_C(1709267696000)},
    {"2024-03-01T12:34:56-05:30", 1, INT64_C(1709316296000)},
    {"2024-03-01 12:34:56+08:00", 1, INT64_C(1709267696000)},
    {"2024-03-01 12:34:56Z", 1, INT64_C(1709296496000)},
    {"2024-03-01T12:34:56+0800", 1, INT64_C(1709267696000)},
    {"2024-03-01T12:34:56+08", 1, INT64_C(1709267696000)},
    {"2024-03-01T12:34:56-0530", 1, INT64_C(1709316296000)},
    {"2024-03-01T12:34:56.5Z", 1, INT64_C(1709296496500)},
    {"2024-03-01T12:34:56.12Z", 1, INT64_C(1709296496120)},
    {"2024-03-01T12:34:56.123+08:00", 1, INT64_C(1709267696123)},
    {"2024-03-01T12:34:56.123999999Z", 1, INT64_C(1709296496123)},
    {"2024-03-01T12:34:56.000+08:00", 1, INT64_C(1709267696000)},
    {"2024-03-01T12:34:56.0000000000000000000001Z", 1, INT64_C(1709296496000)},
    {"1969-12-31T23:59:59.999Z", 1, -1},
    {"1970-01-01T07:59:59.999+08:00", 1, -1},
    {"2024-02-29", 1, INT64_C(1709136000000)}, /* midnight in UTC+08:00 */
    {"1970-01-01", 1, -28800000},
    {"0001-01-01T00:00:00Z", 1, INT64_C(-62135596800000)},
    {"9999-12-31T23:59:59.999Z", 1, INT64_C(253402300799999)},
    {"2000-02-29T00:00:00+14:00", 1, INT64_C(951732000000)},
    {"2024-12-31T23:59:59-00:00", 1, INT64_C(1735689599000)},
    {"2024-03-01T00:00:00+23:59", 1, INT64_C(1709164860000)},
    {"2024-03-01T00:00:00-23:59", 1, INT64_C(1709337540000)},
    {"1900-03-01T00:00:00+08:00", 1, INT64_C(-2203920000000)},
    /* refused */
    {"2024-03-01T12:34:56", 0, 0},     /* no offset */
    {"2024-03-01 12:34:56", 0, 0},     /* no offset */
    {"2024-03-01T12:34:56.123", 0, 0}, /* no offset */
    {"2024-03-01T24:00:01Z", 0, 0},
    {"2024-03-01T24:00:00Z", 0, 0},
    {"2024-03-01T12:60:00Z", 0, 0},
    {"2024-03-01T12:34:60Z", 0, 0}, /* no leap seconds */
    {"2024-02-30T00:00:00Z", 0, 0},
    {"2023-02-29", 0, 0},
    {"2023-02-29T00:00:00+08:00", 0, 0},
    {"2024-03-01T12:34:56.Z", 0, 0},
    {"2024-03-01T12:34:56,5Z", 0, 0},
    {"2024-03-01T12:34:56.12a4Z", 0, 0},
    {"2024-03-01T12:34:56z", 0, 0},
    {"2024-03-01t12:34:56Z", 0, 0},
    {"2024-03-01_12:34:56Z", 0, 0},
    {"2024-03-01T12:34Z", 0, 0},
    {"2024-03-01T1:34:56Z", 0, 0},
    {"2024-3-01T12:34:56Z", 0, 0},
    {"2024-03-01T12:34:56+8:00", 0, 0},
    {"2024-03-01T12:34:56+08:0", 0, 0},
    {"2024-03-01T12:34:56+080", 0, 0},
    {"2024-03-01T12:34:56+08:00:00", 0, 0},
    {"2024-03-01T12:34:56+0800:", 0, 0},
    {"2024-03-01T12:34:56+24:00", 0, 0},
    {"2024-03-01T12:34:56+08:60", 0, 0},
    {"2024-03-01T12:34:56+08-00", 0, 0},
    {"2024-03-01T12:34:56+", 0, 0},
    {"2024-03-01T12:34:56.5+", 0, 0},
    {"2024-03-01T12:34:56ZZ", 0, 0},
    {"2024-03-01T12:34:56UTC", 0, 0},
    {"2024-03-01T12:34:56 Z", 0, 0},
    {"2024-03-01T12:34:56+08:00 ", 0, 0},
    {" 2024-03-01T12:34:56Z", 0, 0},
    {"2024-03-01T", 0, 0},
    {"2024-03-01TZ", 0, 0},
    {"2024-03-01Z", 0, 0},
    {"0000-12-31T23:00:00-08:00", 0, 0},
    {"", 0, 0},
};

static void test_time_parse(void **state)
{
    int64_t ms;

    (void)state;
    for (size_t i = 0; i < N_ROWS(time_cases); i++) {
        const time_case *c = &time_cases[i];
        int64_t got = 42;
        int rc = cb_time_parse(c->text, strlen(c->text), &got);

        if (c->ok && (rc != 0 || got != c->ms))
            fail_msg("row %zu \"%s\": rc %d, got %" PRId64 ", want %" PRId64, i,
                     c->text, rc, got, c->ms);
        if (!c->ok && (rc != -1 || got != 42))
            fail_msg("row %zu \"%s\": accepted as %" PRId64, i, c->text, got);
    }
    /* Only len bytes are read. */
    assert_int_equal(cb_time_parse("2024-03-01T12:34:56Zjunk", 20, &ms), 0);
    assert_int_equal(ms, INT64_C(1709296496000));
    assert_int_equal(cb_time_parse("2024-03-01T12:34:56+08:00", 24, &ms), -1);
}

typedef struct format_case {
    int64_t ms;
    const char *text;
} format_case;

static const format_case format_cases[] = {
    {0, "1970-01-01T08:00:00+08:00"},
    {-1, "1970-01-01T07:59:59.999+08:00"},
    {-28800000, "1970-01-01T00:00:00+08:00"},
    {-28800001, "1969-12-31T23:59:59.999+08:00"},
    {INT64_C(1709267696000), "2024-03-01T12:34:56+08:00"},
    {INT64_C(1709267696123), "2024-03-01T12:34:56.123+08:00"},
    {INT64_C(1709267696001), "2024-03-01T12:34:56.001+08:00"},
    {INT64_C(1709267696100), "2024-03-01T12:34:56.100+08:00"},
    {INT64_C(1709135999999), "2024-02-28T23:59:59.999+08:00"},
    {INT64_C(1709136000000), "2024-02-29T00:00:00+08:00"},
    {INT64_C(-62135625600000), "0001-01-01T00:00:00+08:00"},
    {INT64_C(253402271999999), "9999-12-31T23:59:59.999+08:00"},
    /* outside years 1..9999 in UTC+08:00 */
    {INT64_C(-62135625600001), "0000-00-00T00:00:00+08:00"},
    {INT64_C(253402272000000), "0000-00-00T00:00:00+08:00"},
    {INT64_MIN, "0000-00-00T00:00:00+08:00"},
    {INT64_MAX, "0000-00-00T00:00:00+08:00"},
};

static void test_time_format(void **state)
{
    char buf[CB_TIME_BUFSZ];

    (void)state;
    for (size_t i = 0; i < N_ROWS(format_cases); i++) {
        const format_case *c = &format_cases[i];
        int64_t back = 0;

        memset(buf, 'x', sizeof(buf));
        cb_time_format(c->ms, buf);
        if (strcmp(buf, c->text) != 0)
            fail_msg("row %zu %" PRId64 ": got \"%s\", want \"%s\"", i, c->ms,
                     buf, c->text);
        if (strncmp(c->text, "0000", 4) == 0) {
            if (cb_time_parse(buf, strlen(buf), &back) != -1)
                fail_msg("row %zu: \"%s\" parses", i, buf);
        } else if (cb_time_parse(buf, strlen(buf), &back) != 0 ||
                   back != c->ms) {
            fail_msg("row %zu: \"%s\" parses back as %" PRId64, i, buf, back);
        }
    }
}

/* format then parse gives the instant back, for instants spread over
 * years 1..9999 (a fixed linear congruential sequence) and every
 * millisecond around a day boundary in UTC+08:00. */
static void test_time_round_trip(void **state)
{
    const int64_t lo = INT64_C(-62135625600000);
    const int64_t span = INT64_C(253402271999999) - lo + 1;
    uint64_t x = 88172645463325252u;
    char buf[CB_TIME_BUFSZ];

    (void)state;
    for (int i = 0; i < 200000; i++) {
        int64_t ms, back = 0;

        x = x * 6364136223846793005u + 1442695040888963407u;
        ms = i < 100000 ? lo + (int64_t)((x >> 1) % (uint64_t)span)
                        : INT64_C(1709135900000) + (i - 100000);
        cb_time_format(ms, buf);
        if (cb_time_parse(buf, strlen(buf), &back) != 0 || back != ms)
            fail_msg("%" PRId64 " -> \"%s\" -> %" PRId64, ms, buf, back);
    }
}

typedef struct date_of_case {
    int64_t ms;
    int32_t days;
} date_of_case;

static const date_of_case date_of_cases[] = {
    {0, 0},
    {-28800000, 0}, /* 1970-01-01T00:00:00+08:00 */
    {-28800001, -1},
    {INT64_C(57599999), 0},
    {INT64_C(57600000), 1},
    {INT64_C(1709136000000), 19782},
    {INT64_C(1709135999999), 19781},
    {CB_TIME_NONE, CB_DATE_NONE},
    {INT64_MAX, CB_DATE_NONE},
    {INT64_MIN + 1, CB_DATE_NONE},
};

static void test_date_of_time(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(date_of_cases); i++) {
        int32_t got = cb_date_of_time(date_of_cases[i].ms);
        if (got != date_of_cases[i].days)
            fail_msg("row %zu %" PRId64 ": got %" PRId32 ", want %" PRId32, i,
                     date_of_cases[i].ms, got, date_of_cases[i].days);
    }
}

/* The instant a date begins, and back: midnight UTC+08:00. */
static void test_time_of_date(void **state)
{
    static const int32_t days[] = {-1, 0, 1, 19782, 2932896, -719162};

    (void)state;
    assert_int_equal(cb_time_of_date(0), -28800000);
    assert_int_equal(cb_time_of_date(19782), INT64_C(1709136000000));
    assert_int_equal(CB_TIME_LOCAL_OFFSET_MS, 28800000);
    for (size_t i = 0; i < N_ROWS(days); i++) {
        assert_int_equal(cb_date_of_time(cb_time_of_date(days[i])), days[i]);
        assert_int_equal(cb_date_of_time(cb_time_of_date(days[i]) - 1),
                         days[i] - 1);
    }
}

static void test_clocks(void **state)
{
    int64_t now = cb_time_now(), a = cb_clock_ms(), b;

    (void)state;
    /* Between 2024-01-01 and 2200-01-01: a sane wall clock. */
    assert_true(now > INT64_C(1704067200000));
    assert_true(now < INT64_C(7258118400000));
    b = cb_clock_ms();
    assert_true(a != CB_TIME_NONE);
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_from_ymd),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_date_extremes),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_month_of_date),
        cmocka_unit_test(test_age_on),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_date_of_time),
        cmocka_unit_test(test_time_of_date),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
