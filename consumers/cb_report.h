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
#define CB_REPORT_REVIEW_KINDS CB_REVIEW_KIND_COUNT

typedef struct cb_report_row {
    char code[13];
    char name[96];
    int64_t target; /* -1: none for the year */
    int64_t enrolled;
    int64_t open[CB_REPORT_REASONS]; /* leads open on the day, by reason */
    /* review items open on the day, by kind (cb_review_kind) */
    int64_t open_reviews[CB_REPORT_REVIEW_KINDS];
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
 * day (raised by then, and not decided by then), under its kind in its
 * township's row.  The shape of a review
 * callback (cb_store_each_review).  Returns 0. */
struct cb_reviewrec;
int cb_report_count_review(const char *id_digits,
                           const struct cb_reviewrec *r, void *report);

/* The name of the report's column of open review items of kind k:
 * "open_" + the kind's symbol (open_name_mismatch, ...), written into buf
 * of size bytes (room for CB_REPORT_REVIEW_COLUMN_SIZE is enough); ""
 * for a kind out of range.  Returns buf. */
#define CB_REPORT_REVIEW_COLUMN_SIZE 48
const char *cb_report_review_column(int k, char *buf, size_t size);

/* The row of a township, or NULL. */
cb_report_row *cb_report_row_of(cb_report *rp, const char *code);

void cb_report_free(cb_report *rp);

#endif
