/* cb_state.h -- a subject's enrollment state as the matcher keeps it in
 * Redis (one packed hash value per subject), and how ops change it.
 *
 * A state is decoded into a cb_person or cb_employer, changed by ops
 * (cb_person_apply, cb_employer_apply), and encoded again; the same state
 * always encodes to the same bytes, so an unchanged state is seen
 * unchanged and not written.
 * Ops come decoded (cb_op, cb_ops.h, the one home of their format).
 *
 * The merges are those of docs/RULES.md section 1: latest-wins stamps with
 * their tie rules, earliest dates for deaths and deregistrations, facts
 * deduplicated by event id.  Nothing here talks to Redis. */
#ifndef CB_STATE_H
#define CB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_ops.h"

/* ---------------------------------------------------------- persons */

typedef struct cb_scheme_state {
    int on;          /* 1 enrolled, 0 stopped */
    int32_t date;
    int64_t st;
} cb_scheme_state;

#define CB_SCHEMES 128 /* scheme numbers fit 7 bits in the packing */

typedef struct cb_roster_state {
    int identity;
    int32_t from, to; /* to: CB_DATE_OPEN_END when open */
    int64_t st;
} cb_roster_state;

typedef struct cb_own_state {
    cb_str uscc;
    int active;
    int32_t est, dereg; /* dereg 0: none */
    int64_t st;
} cb_own_state;

/* A benefit or contribution kept for the alerts (RULES.md 2). */
typedef struct cb_fact {
    int k, scheme, paid; /* CB_FACT_*, cb_scheme, cb_paid_by (255: none) */
    int64_t region, amount, tier, township;
    int32_t period; /* months since 1970-01 */
    cb_str eid;
} cb_fact;

/* A person.  The arrays are owned by the struct: cb_person_free. */
typedef struct cb_person {
    int32_t birth;
    int male, snapbasic;
    int has_stay, has_leave, has_student, has_death, has_name;
    struct { int64_t tw; int32_t since; int64_t st; } stay;
    struct { int64_t tw; int32_t out; int64_t st; } leave;
    struct { int v; int64_t st; } student;
    int32_t death;
    int64_t dtw;          /* township of the notice with the smallest id */
    cb_str *deaths;       /* event ids of death notices, in byte order */
    size_t ndeaths;
    cb_str name;
    int has_scheme[CB_SCHEMES];
    cb_scheme_state schemes[CB_SCHEMES];
    cb_roster_state *roster; /* by identity, ascending */
    size_t nroster;
    cb_own_state *own;    /* by USCC, ascending */
    size_t nown;
    cb_fact *facts;       /* by (period, event id) once encoded */
    size_t nfacts;
} cb_person;

/* An empty person (no state yet). */
void cb_person_init(cb_person *p);
void cb_person_free(cb_person *p);

/* Decodes a packed person into an initialised *p.  Returns 0, or -1 for
 * bytes that are not a person's state. */
int cb_person_decode(const char *data, size_t len, cb_person *p);

/* Packs *p into out (replacing its contents): the canonical bytes.  Sorts
 * p's lists.  Returns 0 or -1 (out of memory). */
int cb_person_encode(cb_person *p, cb_buf *out);

/* Applies one op of kind HH, DEATH, ENR, FACT, ROSTER or OWN.  *progress
 * is set to 1 when the op is a new enrollment that counts in the
 * township's progress (an enrollment from the feed, in a basic pension, of
 * someone the snapshot did not have insured); the caller records it.
 * Returns 0, or -1 out of memory. */
int cb_person_apply(cb_person *p, const cb_op *op, int *progress);

/* Drops facts of periods before month `oldest`. */
void cb_person_drop_facts(cb_person *p, int32_t oldest);

/* -------------------------------------------------------- employers */

typedef struct cb_employer {
    int has_biz;          /* a business row was seen */
    int kind, action;     /* business kind and action (CB_BIZ_*) */
    int32_t est;
    int64_t tw, st;
    cb_str name, rep;     /* rep: the representative's ID, may be empty */
    int has_reg, has_dereg;
    int32_t reg, dereg;
} cb_employer;

void cb_employer_init(cb_employer *e);
int cb_employer_decode(const char *data, size_t len, cb_employer *e);
int cb_employer_encode(const cb_employer *e, cb_buf *out);

/* Applies a BIZ or REG op.  Ownership changes it makes are written to
 * changes[*nchanges++] (at most 2).  Returns 0. */
int cb_employer_apply(cb_employer *e, const cb_op *op,
                      cb_own_change changes[2], int *nchanges);

#endif
