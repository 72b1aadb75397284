/* cb_leadbook.h -- the workbench's copy of the lead store, in memory, for
 * lists that filter, sort and page 100,000 leads of a township within a
 * request.
 *
 * The lead store in Redis (cb_store.h) is the truth; the book is filled
 * from it and then kept current by the changes the matcher publishes on
 * canbao.lead.v1 (cb_leadfeed.h) and by the decisions the workbench
 * records itself.  A put replaces a lead by its id: the topic is a
 * changelog, so a change seen twice says nothing new.
 *
 * Every change gets a sequence number; cb_leadbook_changes lets a page
 * that is open (the live list) learn which leads changed since it last
 * looked, and cb_leadbook_wait sleeps until something does.
 *
 * Thread-safe: any number of readers, one writer at a time. */
#ifndef CB_LEADBOOK_H
#define CB_LEADBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "cb_record.h"

typedef struct cb_leadbook cb_leadbook;

cb_leadbook *cb_leadbook_new(void);
void cb_leadbook_free(cb_leadbook *lb);

/* Adds a lead, or replaces the one with its id.  Returns 1 when the book
 * changed, 0 when it held that lead already, -1 out of memory. */
int cb_leadbook_put(cb_leadbook *lb, const cb_lead *lead);

/* The lead with this id; returns 1 and fills *out, or 0. */
int cb_leadbook_get(cb_leadbook *lb, const char *lead_id, cb_lead *out);

/* Leads in the book. */
size_t cb_leadbook_count(cb_leadbook *lb);

/* Age bands of a person's lead, by the birth date in the ID number, on the
 * query's day.  Employers have none. */
typedef enum cb_age_band {
    CB_AGE_UNDER_30,
    CB_AGE_30_44,
    CB_AGE_45_59,
    CB_AGE_60_PLUS,
    CB_AGE_BANDS
} cb_age_band;

/* Symbols for the API: "under_30", "30_44", "45_59", "60_plus". */
extern const char *const cb_age_band_names[CB_AGE_BANDS];

/* The age band of a lead on a day, or -1 (an employer, no birth date). */
int cb_leadbook_age_band(const cb_lead *lead, int32_t today);

typedef enum cb_leadbook_sort {
    CB_SORT_OPENED,   /* by opened_at */
    CB_SORT_PRIORITY, /* high first, then by opened_at */
    CB_SORT_AGE,      /* by birth date (employers last) */
    CB_SORT_STATUS,
    CB_SORT_REASON
} cb_leadbook_sort;

#define CB_LB_ANY (-1)        /* any value of a filter */
#define CB_LB_NOT_CLOSED (-2) /* status: all but closed */

typedef struct cb_leadbook_query {
    const char *township; /* NULL: every township */
    int status;           /* cb_lead_status, CB_LB_ANY, CB_LB_NOT_CLOSED */
    int reason;           /* cb_lead_reason or CB_LB_ANY */
    int priority;         /* cb_priority or CB_LB_ANY */
    int age_band;         /* cb_age_band or CB_LB_ANY */
    int sort;             /* cb_leadbook_sort */
    int desc;             /* reverse the order */
    int32_t today;        /* for the age bands */
    size_t offset, limit; /* the page; limit 0: to the end */
} cb_leadbook_query;

/* Called for each lead of the page, in order, under the book's read lock
 * (so it must not call into the book).  Returns 0 to go on. */
typedef int (cb_leadbook_fn)(const cb_lead *lead, void *opaque);

/* Finds the leads that pass q's filters, sorts them and calls fn for those
 * of the page.  *total gets how many passed.  Returns 0, or -1 out of
 * memory. */
int cb_leadbook_select(cb_leadbook *lb, const cb_leadbook_query *q,
                       cb_leadbook_fn *fn, void *opaque, size_t *total);

/* Calls fn for every lead, in no order, under the read lock. */
void cb_leadbook_each(cb_leadbook *lb, cb_leadbook_fn *fn, void *opaque);

/* The sequence number of the last change (0: none yet). */
uint64_t cb_leadbook_seq(cb_leadbook *lb);

/* One change: the lead as it is after it. */
typedef struct cb_leadbook_change {
    uint64_t seq;
    char lead_id[CB_LEAD_ID_SIZE];
    char township_code[CB_CODE_SIZE];
    int status;
} cb_leadbook_change;

/* Copies up to max changes after seq, oldest first.  Returns how many, or
 * -1 when changes after seq are no longer kept (the reader must reload
 * its list). */
long cb_leadbook_changes(cb_leadbook *lb, uint64_t seq,
                         cb_leadbook_change *out, size_t max);

/* Waits until the sequence passes seq, cb_leadbook_wake is called or
 * timeout_ms passes; returns the sequence number then. */
uint64_t cb_leadbook_wait(cb_leadbook *lb, uint64_t seq, int timeout_ms);

/* Wakes every cb_leadbook_wait now waiting (at shutdown, or when a
 * session ends and the live streams must look at theirs). */
void cb_leadbook_wake(cb_leadbook *lb);

#endif
