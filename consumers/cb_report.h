/* cb_report.h -- each township's progress against its target for a year,
 * as the figures stood on a day: the sums `canbao report` prints and the
 * workbench's county view draws.
 *
 * Townships, targets and the people enrolled come from Redis (the keys
 * `canbao targets` and the matcher write); the leads open on the day are
 * counted by the caller, one lead at a time, from wherever it holds them
 * (the lead store, or the workbench's copy of it), and so are the review
 * items open on the day (the review store). */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cb_record.h"
#include "cb_store.h"

#define CB_REPORT_REASONS CB_LEAD_REASON_COUNT

typedef struct cb_report_row {
    char code[13];
    char name[96];
    int64_t target; /* -1: none for the year */
    int64_t enrolled;
    int64_t open[CB_REPORT_REASONS]; /* leads open on the day, by reason */
    int64_t open_reviews; /* review items open on the day */
} cb_report_row;

/* Owned by the caller; cb_report_free frees its rows. */
typedef struct cb_report {
    cb_report_row *rows; /* by township code */
    size_t n;
    int year;
    int32_t as_of;
} cb_report;

/* Fills rp with a row for every township Redis knows, its target for year
 * and the people newly enrolled that year up to as_of; no leads yet.
 * Returns 0, or -1 with errstr (Redis trouble, no township table). */
int cb_report_load(cb_store *store, int year, int32_t as_of, cb_report *rp,
                   char *errstr, size_t errstr_size);

/* Counts lead l if it was open on the report's day (opened by then, not
 * closed by then), in its township's row; report is the cb_report.  The
 * shape of a lead callback (cb_store_each_lead, cb_leadbook_each), so that
 * either walk counts into a report directly.  Returns 0. */
int cb_report_count(const cb_lead *l, void *report);

/* Counts review item r (of id id_digits) if it was open on the report's
 * day: raised by then, and not decided by then.  The shape of a review
 * callback (cb_store_each_review).  Returns 0. */
struct cb_reviewrec;
int cb_report_count_review(const char *id_digits,
                           const struct cb_reviewrec *r, void *report);

/* The row of a township, or NULL. */
cb_report_row *cb_report_row_of(cb_report *rp, const char *code);

void cb_report_free(cb_report *rp);

#endif
