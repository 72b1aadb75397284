/* cb_truth.h -- a reference implementation of docs/RULES.md: the leads,
 * alerts, progress and review items that a correct matcher must hold on a
 * day T, after a set of good feed and snapshot records.
 *
 * Written from that document alone, apart from the matcher, so that the
 * two can be held against each other: `canbao gen` writes its ground truth
 * with it, and tests feed it hand-made events.  Records go in one by one,
 * in any order and any number of times (every merge is order-independent
 * and idempotent, so an event_id seen twice counts once); the outcome is
 * computed once at the end.
 *
 * State is per subject (a person by resident ID, an employer by USCC) and
 * compact: fixed fields plus short pooled lists (schemes, roster
 * identities, death notices, the names assistance and business rows give
 * a person, benefit and contribution facts of the last 12 months,
 * progress marks).  Records must have passed the producer's checks
 * (cb_field_parse and cb_validate_record); a record without what its action
 * needs is ignored.  Limits: 65,535 distinct township and region codes
 * and 4 GB of names and event ids (some 250 million facts); past them
 * cb_truth_add fails as if memory ran out.  One thread. */
#ifndef CB_TRUTH_H
#define CB_TRUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cb_record.h"

typedef struct cb_truth cb_truth;

/* A state for evaluation day as_of (days since 1970-01-01), whose lead
 * and alert ids are keyed with ids (borrowed: it must outlive the state).
 * NULL when memory runs out. */
struct cb_idkey;
cb_truth *cb_truth_new(int32_t as_of, const struct cb_idkey *ids);

/* Frees the state; NULL is fine. */
void cb_truth_free(cb_truth *truth);

/* Folds one record of a feed kind (CB_KIND_BUSINESS .. CB_KIND_ASSISTANCE)
 * into the state.  from_snapshot says the record comes from the insurance
 * agency's snapshot rather than the enrollment feed (it matters for
 * progress only).  Returns 0, or -1 when memory runs out (the state is then
 * unusable but can be freed). */
int cb_truth_add(cb_truth *truth, cb_kind kind, const void *rec,
                 int from_snapshot);

/* Takes a record that `canbao produce` refused, for the review items of
 * RULES.md 9.3 (probable_typo): the record as its row wrote it, the
 * person's number field (household, death, assistance person_id, business
 * legal_rep_id) holding the number as written, every other field as
 * cb_field_parse gives it (the caller checks them).  The truth judges
 * whether it is a suspect -- an 18-character number refused as id_check,
 * id_birth_date or id_charset, and a name (household, death, assistance
 * name, business legal_rep_name) -- and keeps it, never applied, once per
 * event id; anything else it ignores.  Returns 0, or -1 when memory runs
 * out. */
int cb_truth_add_refused(cb_truth *truth, cb_kind kind, const void *rec);

/* One lead of the ground truth.  Dates are days; closed_at is
 * CB_DATE_NONE and closed_reason -1 while the lead is open. */
typedef struct cb_truth_lead {
    char lead_id[18]; /* "L" + 16 hex digits */
    char township_code[CB_CODE_SIZE];
    int subject_kind; /* cb_subject_kind */
    char subject_id[CB_ID_SIZE];
    int reason;        /* cb_lead_reason */
    int priority;      /* cb_priority */
    int status;        /* CB_STATUS_OPEN or CB_STATUS_CLOSED */
    int closed_reason; /* cb_closed_reason or -1 */
    int32_t opened_at;
    int32_t closed_at;
    const char *name; /* in the truth's memory: valid until the truth is
                         freed or takes another record */
    char source_event_id[CB_EVENT_ID_SIZE]; /* RULES.md 5: an event id or
                                               "timer:YYYY-MM-DD" */
} cb_truth_lead;

/* One alert.  evidence is owned by the result. */
typedef struct cb_truth_alert {
    char alert_id[18]; /* "A" + 16 hex digits */
    int kind;          /* cb_alert_kind */
    char subject_id[CB_ID_SIZE];
    char township_code[CB_CODE_SIZE]; /* "" when none is known */
    char period[CB_PERIOD_SIZE];      /* "YYYY-MM", "YYYY" or "" */
    int64_t amount_at_risk_fen;
    char *evidence; /* event ids sorted bytewise, space separated */
} cb_truth_alert;

/* Persons newly enrolled toward a township's target in a year. */
typedef struct cb_truth_progress {
    char township_code[CB_CODE_SIZE];
    int year;
    int64_t enrolled;
} cb_truth_progress;

/* One review item (docs/RULES.md 9.3).  The truth has no decisions, so
 * every item is open.  names and evidence are owned by the result. */
typedef struct cb_truth_review {
    char review_id[18]; /* "R" + 16 hex digits */
    int kind;           /* cb_review_kind */
    char township_code[CB_CODE_SIZE]; /* "" when none is known */
    char subject_id[CB_ID_SIZE];      /* the 18-digit number */
    char other_id[CB_ID_SIZE]; /* "" for name_mismatch, death_unconfirmed;
                                  the number as written (probable_typo),
                                  the larger number (duplicate_identity) */
    char *names;    /* "REGISTER|OTHER", the other as written */
    char *evidence; /* event ids sorted bytewise, space separated */
    int status;     /* cb_review_status: CB_REVIEW_OPEN */
    int64_t amount_at_risk_fen; /* duplicate_identity's, else 0 */
} cb_truth_review;

/* The outcome on T: leads sorted by lead_id, alerts by alert_id, progress
 * by township code and year, review items by review_id. */
typedef struct cb_truth_result {
    cb_truth_lead *leads;
    size_t nleads;
    cb_truth_alert *alerts;
    size_t nalerts;
    cb_truth_progress *progress;
    size_t nprogress;
    cb_truth_review *reviews;
    size_t nreviews;
} cb_truth_result;

/* Evaluates the rules on T over everything added so far.  Returns a result
 * the caller frees with cb_truth_result_free (the lead names point into the
 * truth, which must outlive it), or NULL with errstr when memory runs out.
 * The truth may take more records afterwards and be evaluated again. */
cb_truth_result *cb_truth_eval(cb_truth *truth, char *errstr,
                               size_t errstr_size);

/* Frees a result; NULL is fine. */
void cb_truth_result_free(cb_truth_result *result);

/* Writes dir/leads.csv (lead_id, township_code, subject_kind, subject_id,
 * reason, priority, status, closed_reason, opened_at, closed_at, name,
 * source_event_id),
 * dir/alerts.csv (alert_id, kind, subject_id, township_code, period,
 * amount_at_risk_fen, evidence), dir/progress.csv (township_code, year,
 * enrolled) and dir/reviews.csv (review_id, kind, township_code,
 * subject_id, other_id, names, evidence, status, amount_at_risk_fen):
 * UTF-8, LF, RFC 4180
 * quoting, dates YYYY-MM-DD.  dir must exist.  Returns 0 or -1 with
 * errstr. */
int cb_truth_result_write(const cb_truth_result *result, const char *dir,
                          char *errstr, size_t errstr_size);

/* What a result holds, counted: for the summary and the manifest. */
typedef struct cb_truth_counts {
    int64_t leads, open, closed, high, normal;
    int64_t by_reason[5];        /* every lead, by cb_lead_reason */
    int64_t by_closed_reason[5]; /* closed leads, by cb_closed_reason */
    int64_t alerts;
    int64_t by_alert_kind[5]; /* by cb_alert_kind */
    int64_t progress_rows, progress_enrolled;
    int64_t reviews;
    int64_t by_review_kind[CB_REVIEW_KIND_COUNT];
} cb_truth_counts;

void cb_truth_result_count(const cb_truth_result *result,
                           cb_truth_counts *counts);

/* cb_truth_eval, cb_truth_result_write and cb_truth_result_free in one;
 * counts (when not NULL) receives the result's counts.  Returns 0 or -1
 * with errstr. */
int cb_truth_write(cb_truth *truth, const char *dir, cb_truth_counts *counts,
                   char *errstr, size_t errstr_size);

#endif
