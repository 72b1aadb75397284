/* cb_audit.h -- the workbench's audit log: every change a person makes and
 * every view of a whole ID number, who, when, what, before and after.
 *
 * Kept in Redis as the stream cb:audit (one entry per action, never
 * rewritten); read back newest first, all of it or one township's. */
#ifndef CB_AUDIT_H
#define CB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cb_redis.h"

typedef struct cb_audit_entry {
    const char *id;       /* the stream id, when read back */
    int64_t at;           /* ms since the epoch */
    const char *who;      /* the account */
    const char *role;     /* "township" or "county" */
    const char *township; /* the township of the thing acted on, "" none */
    const char *action;   /* "sign_in", "view_lead", "decide", "export" .. */
    const char *target;   /* a lead id, a filter.. */
    const char *before;   /* "" when none */
    const char *after;    /* "" when none */
} cb_audit_entry;

/* Appends an entry (its id is ignored).  Returns 0, or -1 with errstr. */
int cb_audit_append(cb_redis *r, const cb_audit_entry *e, char *errstr,
                    size_t errstr_size);

/* Called for each entry read back; returns 0 to go on. */
typedef int (cb_audit_fn)(const cb_audit_entry *e, void *opaque);

/* Reads entries newest first, those of one township only when township is
 * not NULL, at most max of them (0: all).  Returns 0, or -1 with errstr. */
int cb_audit_each(cb_redis *r, const char *township, size_t max,
                  cb_audit_fn *fn, void *opaque, char *errstr,
                  size_t errstr_size);

#endif
