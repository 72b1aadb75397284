/* cb_time.c -- proleptic Gregorian dates, months and instants by plain
 * arithmetic (no mktime, no TZ database), and strict parsers for them. */
#include "cb_time.h"

#include <time.h>

#define MS_PER_SEC  INT64_C(1000)
#define MS_PER_MIN  (60 * MS_PER_SEC)
#define MS_PER_HOUR (60 * MS_PER_MIN)
#define MS_PER_DAY  (24 * MS_PER_HOUR)

/* Days in 400 Gregorian years (97 leap days), in the first 100 years of
 * such a cycle (24 leap days) and in 4 years ending in a leap year. */
#define DAYS_400Y 146097
#define DAYS_100Y 36524
#define DAYS_4Y   1461

/* 0001-01-01 is this many days before 1970-01-01. */
#define DAYS_0001_TO_1970 719162

#define YEAR_MIN 1
#define YEAR_MAX 9999
#define DATE_MIN (-DAYS_0001_TO_1970) /* 0001-01-01 */
#define DATE_MAX 2932896              /* 9999-12-31 */

/* ---------------------------------------------------------------- calendar */

static int is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year))
        return 29;
    return len[month - 1];
}

/* Days in the year before the first of `month`. */
static int days_before_month(int64_t year, int month)
{
    static const int before[12] = {0,   31,  59,  90,  120, 151,
                                   181, 212, 243, 273, 304, 334};
    return before[month - 1] + (month > 2 && is_leap(year));
}

/* Rounds the quotient towards minus infinity (C rounds towards zero);
 * b > 0.  The remainder, 0 .. b-1, goes to *rem if rem is not NULL.  Never
 * multiplies back, so that it cannot overflow even for INT64_MIN. */
static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    if (rem != NULL)
        *rem = r;
    return q;
}

int32_t cb_date_from_ymd(int year, int month, int day)
{
    int64_t y;

    if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12 ||
        day < 1 || day > days_in_month(year, month))
        return CB_DATE_NONE;
    /* Whole years since 0001-01-01, each 365 days plus its leap days. */
    y = year - 1;
    return (int32_t)(y * 365 + y / 4 - y / 100 + y / 400 +
                     days_before_month(year, month) + (day - 1) -
                     DAYS_0001_TO_1970);
}

/* Works for every int32_t, far outside 1..9999 too: the 400-year cycle
 * repeats both ways.  A year of the cycle starts on 1 January of years
 * 1, 401, 801, ... so that its leap day (year 400) comes last. */
void cb_date_to_ymd(int32_t days, int *year, int *month, int *day)
{
    int64_t n = (int64_t)days + DAYS_0001_TO_1970; /* days since 0001-01-01 */
    int64_t rem; /* day of the 400-year cycle, 0 .. 146096 */
    int64_t cycles = floor_div(n, DAYS_400Y, &rem);
    int64_t c100, c4, c1, y;
    int m;

    c100 = rem / DAYS_100Y;
    if (c100 == 4) /* 31 December of the cycle's year 400 */
        c100 = 3;
    rem -= c100 * DAYS_100Y;
    c4 = rem / DAYS_4Y;
    rem -= c4 * DAYS_4Y;
    c1 = rem / 365;
    if (c1 == 4) /* 31 December of a leap year */
        c1 = 3;
    rem -= c1 * 365;
    y = cycles * 400 + c100 * 100 + c4 * 4 + c1 + 1;

    for (m = 12; m > 1 && days_before_month(y, m) > rem; m--)
        ;
    *year = (int)y;
    *month = m;
    *day = (int)(rem - days_before_month(y, m)) + 1;
}

/* ---------------------------------------------------------------- text */

/* Reads exactly n ASCII digits; -1 if any is not a digit. */
static int read_digits(const char *s, size_t n, int *value)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

/* Writes value as exactly n digits (value is known to fit). */
static char *put_digits(char *p, int value, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + n;
}

int cb_date_parse(const char *text, size_t len, int32_t *days)
{
    int y, m, d;
    int32_t v;

    if (text == NULL || len != 10 || text[4] != '-' || text[7] != '-' ||
        read_digits(text, 4, &y) != 0 || read_digits(text + 5, 2, &m) != 0 ||
        read_digits(text + 8, 2, &d) != 0)
        return -1;
    v = cb_date_from_ymd(y, m, d);
    if (v == CB_DATE_NONE)
        return -1;
    *days = v;
    return 0;
}

int cb_date_parse_compact(const char *text, size_t len, int32_t *days)
{
    int y, m, d;
    int32_t v;

    if (text == NULL || len != 8 || read_digits(text, 4, &y) != 0 ||
        read_digits(text + 4, 2, &m) != 0 || read_digits(text + 6, 2, &d) != 0)
        return -1;
    v = cb_date_from_ymd(y, m, d);
    if (v == CB_DATE_NONE)
        return -1;
    *days = v;
    return 0;
}

/* A day outside 0001-01-01 .. 9999-12-31 (CB_DATE_NONE among them) has no
 * four-digit year; it is written "0000-00-00", which no parser accepts. */
void cb_date_format(int32_t days, char buf[11])
{
    int y = 0, m = 0, d = 0;
    char *p = buf;

    if (days >= DATE_MIN && days <= DATE_MAX)
        cb_date_to_ymd(days, &y, &m, &d);
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

/* ---------------------------------------------------------------- months */

/* Returns CB_MONTH_NONE for a month outside 1-12 or a year outside
 * 1..9999, as cb_date_from_ymd does. */
int32_t cb_month_from_ym(int year, int month)
{
    if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12)
        return CB_MONTH_NONE;
    return (int32_t)((year - 1970) * 12 + (month - 1));
}

int cb_month_parse(const char *text, size_t len, int32_t *months)
{
    int y, m;
    int32_t v;

    if (text == NULL || len != 7 || text[4] != '-' ||
        read_digits(text, 4, &y) != 0 || read_digits(text + 5, 2, &m) != 0)
        return -1;
    v = cb_month_from_ym(y, m);
    if (v == CB_MONTH_NONE)
        return -1;
    *months = v;
    return 0;
}

/* Like cb_date_format, a month outside 0001-01 .. 9999-12 is "0000-00". */
void cb_month_format(int32_t months, char buf[8])
{
    int64_t m0;
    int64_t y = 1970 + floor_div(months, 12, &m0);
    int m = (int)m0 + 1;
    char *p = buf;

    if (y < YEAR_MIN || y > YEAR_MAX) {
        y = 0;
        m = 0;
    }
    p = put_digits(p, (int)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p = '\0';
}

/* CB_DATE_NONE gives CB_MONTH_NONE. */
int32_t cb_month_of_date(int32_t days)
{
    int y, m, d;

    if (days == CB_DATE_NONE)
        return CB_MONTH_NONE;
    cb_date_to_ymd(days, &y, &m, &d);
    return (int32_t)(((int64_t)y - 1970) * 12 + (m - 1));
}

/* Comparing (month, day) pairs gives the 1 March rule by itself: in a
 * common year (2, 28) < (2, 29) <= (3, 1).  Before the birth the age is
 * negative (rounded down, like the whole years after it). */
int cb_age_on(int32_t birth, int32_t on)
{
    int by, bm, bd, oy, om, od, age;

    cb_date_to_ymd(birth, &by, &bm, &bd);
    cb_date_to_ymd(on, &oy, &om, &od);
    age = oy - by;
    if (om < bm || (om == bm && od < bd))
        age--;
    return age;
}

int32_t cb_birthday(int32_t birth, int n)
{
    int y, m, d;
    int32_t day;

    cb_date_to_ymd(birth, &y, &m, &d);
    day = cb_date_from_ymd(y + n, m, d);
    return day != CB_DATE_NONE ? day : cb_date_from_ymd(y + n, 3, 1);
}

/* ---------------------------------------------------------------- instants */

/* Parses the zone designator that ends an instant: "Z", "+HH:MM", "+HHMM"
 * or "+HH" (or with '-'), offset hours 00-23 and minutes 00-59.  Stores the
 * offset east of UTC in minutes. */
static int parse_offset(const char *s, size_t n, int *offset_min)
{
    int sign, h, m = 0;

    if (n == 1 && s[0] == 'Z') {
        *offset_min = 0;
        return 0;
    }
    if (n < 3 || (s[0] != '+' && s[0] != '-'))
        return -1;
    sign = s[0] == '-' ? -1 : 1;
    if (read_digits(s + 1, 2, &h) != 0 || h > 23)
        return -1;
    if (n == 6) {
        if (s[3] != ':' || read_digits(s + 4, 2, &m) != 0)
            return -1;
    } else if (n == 5) {
        if (read_digits(s + 3, 2, &m) != 0)
            return -1;
    } else if (n != 3) {
        return -1;
    }
    if (m > 59)
        return -1;
    *offset_min = sign * (h * 60 + m);
    return 0;
}

/* Shapes, by position: 0 "YYYY-MM-DD" 10 ('T' or ' ') 11 "HH:MM:SS" 19,
 * then ".digits" optional, then the zone designator to the end.  Hours
 * 00-23 only: neither "24:00:00" nor a leap second 60 is taken. */
int cb_time_parse(const char *text, size_t len, int64_t *ms)
{
    int32_t days;
    int hh, mi, ss, offset_min, frac_ms = 0;
    size_t pos;

    if (text == NULL || len < 10 || cb_date_parse(text, 10, &days) != 0)
        return -1;
    if (len == 10) {
        *ms = days * MS_PER_DAY - CB_TIME_LOCAL_OFFSET_MIN * MS_PER_MIN;
        return 0;
    }
    if (len < 20 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
        text[16] != ':' || read_digits(text + 11, 2, &hh) != 0 ||
        read_digits(text + 14, 2, &mi) != 0 ||
        read_digits(text + 17, 2, &ss) != 0 || hh > 23 || mi > 59 || ss > 59)
        return -1;
    pos = 19;
    if (text[pos] == '.') {
        size_t start = ++pos;
        while (pos < len && text[pos] >= '0' && text[pos] <= '9') {
            if (pos - start < 3)
                frac_ms = frac_ms * 10 + (text[pos] - '0');
            pos++;
        }
        if (pos == start)
            return -1;
        for (size_t k = pos - start; k < 3; k++)
            frac_ms *= 10;
    }
    if (pos >= len || parse_offset(text + pos, len - pos, &offset_min) != 0)
        return -1;
    *ms = days * MS_PER_DAY + hh * MS_PER_HOUR + mi * MS_PER_MIN +
          ss * MS_PER_SEC + frac_ms - offset_min * MS_PER_MIN;
    return 0;
}

/* An instant whose UTC+08:00 date falls outside 0001-01-01 .. 9999-12-31
 * is written "0000-00-00T00:00:00+08:00", which cb_time_parse refuses. */
void cb_time_format(int64_t ms, char buf[CB_TIME_BUFSZ])
{
    int64_t in_day; /* 0 .. MS_PER_DAY - 1 */
    int64_t day = floor_div(ms, MS_PER_DAY, &in_day);
    int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0, milli = 0;
    char *p = buf;

    in_day += CB_TIME_LOCAL_OFFSET_MIN * MS_PER_MIN; /* no overflow */
    if (in_day >= MS_PER_DAY) {
        in_day -= MS_PER_DAY;
        day++;
    }
    if (day >= DATE_MIN && day <= DATE_MAX) {
        cb_date_to_ymd((int32_t)day, &y, &mo, &d);
        hh = (int)(in_day / MS_PER_HOUR);
        mi = (int)(in_day / MS_PER_MIN % 60);
        ss = (int)(in_day / MS_PER_SEC % 60);
        milli = (int)(in_day % MS_PER_SEC);
    }
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, mo, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, hh, 2);
    *p++ = ':';
    p = put_digits(p, mi, 2);
    *p++ = ':';
    p = put_digits(p, ss, 2);
    if (milli != 0) {
        *p++ = '.';
        p = put_digits(p, milli, 3);
    }
    *p++ = '+';
    p = put_digits(p, CB_TIME_LOCAL_OFFSET_MIN / 60, 2);
    *p++ = ':';
    p = put_digits(p, CB_TIME_LOCAL_OFFSET_MIN % 60, 2);
    *p = '\0';
}

/* CB_TIME_NONE, and an instant too far out for an int32_t day count, give
 * CB_DATE_NONE. */
int32_t cb_date_of_time(int64_t ms)
{
    int64_t day, in_day;

    if (ms == CB_TIME_NONE)
        return CB_DATE_NONE;
    day = floor_div(ms, MS_PER_DAY, &in_day);
    if (in_day + CB_TIME_LOCAL_OFFSET_MIN * MS_PER_MIN >= MS_PER_DAY)
        day++;
    if (day <= INT32_MIN || day > INT32_MAX)
        return CB_DATE_NONE;
    return (int32_t)day;
}

int64_t cb_time_of_date(int32_t days)
{
    return days * MS_PER_DAY - CB_TIME_LOCAL_OFFSET_MS;
}

/* ---------------------------------------------------------------- clocks */

/* Both clocks return CB_TIME_NONE if clock_gettime fails, which Linux does
 * not do for these two clocks. */
int64_t cb_time_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return CB_TIME_NONE;
    return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

int64_t cb_clock_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return CB_TIME_NONE;
    return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}
