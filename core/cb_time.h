/* cb_time.h -- calendar dates, months and instants as canbao reads and
 * writes them.
 *
 * Feeds carry dates as YYYY-MM-DD, months as YYYY-MM and instants as ISO 8601
 * with an offset.  Inside canbao a date is a count of days since 1970-01-01
 * (Avro's "date" logical type), a month is a count of months since 1970-01,
 * and an instant is milliseconds since the Unix epoch, UTC (Avro's
 * "timestamp-millis").  Everything here is pure arithmetic on the proleptic
 * Gregorian calendar: no time zone database, no locale, no global state, so
 * it is safe from any thread. */
#ifndef CB_TIME_H
#define CB_TIME_H

#include <stddef.h>
#include <stdint.h>

#define CB_DATE_NONE  INT32_MIN /* an absent date */
#define CB_MONTH_NONE INT32_MIN /* an absent month */
#define CB_TIME_NONE  INT64_MIN /* an absent instant */

/* The offset canbao uses when it formats an instant for people, and whose
 * calendar dates the rules reason on: China Standard Time, UTC+08:00.  The
 * same offset in seconds and in milliseconds. */
#define CB_TIME_LOCAL_OFFSET_MIN (8 * 60)
#define CB_TIME_LOCAL_OFFSET_S   (CB_TIME_LOCAL_OFFSET_MIN * 60)
#define CB_TIME_LOCAL_OFFSET_MS  (CB_TIME_LOCAL_OFFSET_S * INT64_C(1000))

/* The end of a range of dates that has none (an assistance row without
 * valid_to): later than any date YYYY-MM-DD names, and the largest day a
 * packed 3-byte field holds (the matcher's ops and states keep it). */
#define CB_DATE_OPEN_END 8388607

/* Days since 1970-01-01 of a valid civil date.  Returns CB_DATE_NONE when
 * the date does not exist (month 13, 30 February, 29 February of a common
 * year) or the year is outside 1..9999. */
int32_t cb_date_from_ymd(int year, int month, int day);

/* Splits days since 1970-01-01 into year, month (1-12) and day (1-31). */
void cb_date_to_ymd(int32_t days, int *year, int *month, int *day);

/* Parses exactly "YYYY-MM-DD" (len bytes, no NUL needed) into *days.
 * Returns 0, or -1 when the text is not of that shape or is not a real
 * calendar date. */
int cb_date_parse(const char *text, size_t len, int32_t *days);

/* Parses exactly the 8 digits "YYYYMMDD" (as inside an ID number). */
int cb_date_parse_compact(const char *text, size_t len, int32_t *days);

/* Writes "YYYY-MM-DD" and a NUL into buf, which must hold 11 bytes. */
void cb_date_format(int32_t days, char buf[11]);

/* Months since 1970-01 (1970-01 is 0), from a year and month 1-12. */
int32_t cb_month_from_ym(int year, int month);

/* Parses exactly "YYYY-MM" into months since 1970-01.  Returns 0 or -1. */
int cb_month_parse(const char *text, size_t len, int32_t *months);

/* Writes "YYYY-MM" and a NUL; buf must hold 8 bytes. */
void cb_month_format(int32_t months, char buf[8]);

/* The month that contains a date. */
int32_t cb_month_of_date(int32_t days);

/* Whole years of age on date `on` of someone born on `birth`; a person born
 * on 29 February has a birthday on 1 March in common years. */
int cb_age_on(int32_t birth, int32_t on);

/* The day someone born on `birth` turns n: 29 February falls on 1 March
 * in common years. */
int32_t cb_birthday(int32_t birth, int n);

/* Parses an ISO 8601 instant into milliseconds since the epoch, UTC.
 * Accepted: "YYYY-MM-DDTHH:MM:SS" with optional ".fraction" (any number of
 * digits, kept to milliseconds) followed by "Z" or "+HH:MM" / "-HH:MM"
 * (also "+HHMM" and "+HH"); a space may stand for the 'T'.  A bare date
 * "YYYY-MM-DD" is taken as midnight UTC+08:00.  An instant without an
 * offset is refused: feeds must say what zone they mean.
 * Returns 0, or -1 on anything else. */
int cb_time_parse(const char *text, size_t len, int64_t *ms);

/* Writes the instant as "YYYY-MM-DDTHH:MM:SS.mmm+08:00" (or with the whole
 * seconds only when the milliseconds are 0) and a NUL; buf must hold
 * CB_TIME_BUFSZ bytes. */
#define CB_TIME_BUFSZ 32
void cb_time_format(int64_t ms, char buf[CB_TIME_BUFSZ]);

/* The calendar date of an instant in UTC+08:00. */
int32_t cb_date_of_time(int64_t ms);

/* The instant a calendar date begins: 00:00 UTC+08:00 of `days`. */
int64_t cb_time_of_date(int32_t days);

/* The current wall-clock instant, milliseconds since the epoch. */
int64_t cb_time_now(void);

/* Monotonic milliseconds, for measuring intervals. */
int64_t cb_clock_ms(void);

#endif
