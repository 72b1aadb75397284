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
 * their tie rules, earliest dates for deregistrations, death notices,
 * facts and names deduplicated by event id, reviewers' verdicts latest
 * first.  Which death notices apply, and the review items the names make
 * (RULES.md 9.3), are the rules' to say (cb_rules.h): the state keeps
 * what they are made of.  Nothing here talks to Redis. */
#ifndef CB_STATE_H
#define CB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_eidforms.h"
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

/* A death notice, whether or not it applies (RULES.md 9.3). */
typedef struct cb_notice {
    cb_str eid;
    int32_t date;    /* date_of_death */
    int64_t tw;      /* the notice's township, 0 when it gives none */
    cb_str name;     /* as written, "" when the notice names nobody */
    cb_str norm;     /* name's normal form (cb_name.h); not packed */
} cb_notice;

/* A name that a source other than the household register gives the
 * person (an assistance row's name, a business row's legal_rep_name): one
 * per normal form, with every row that gives it. */
typedef struct cb_alias {
    cb_str norm;     /* the normal form, the alias's key; not packed */
    cb_str name;     /* as written in its row of the smallest event id */
    cb_str *eids;    /* every row's event id, in byte order */
    size_t neids;
} cb_alias;

/* A reviewer's verdict on the review item (kind, other) of the person:
 * the latest given (by `at`) stands. */
typedef struct cb_verdict {
    int kind;        /* cb_review_kind */
    int verdict;     /* cb_review_verdict */
    int64_t at;      /* ms since the epoch */
    cb_str other;    /* the normal form of the item's other name */
} cb_verdict;

/* The event ids behind the latest-wins slots a lead's source is read from
 * (RULES.md 5, source_event_id): the stay, the leaving and the two basic
 * pension schemes (basic[0] employee_pension, basic[1] resident_pension).
 * Empty when unknown: a state packed before they were kept. */
typedef struct cb_person_eids {
    cb_str stay, leave, basic[2];
} cb_person_eids;

/* A person.  The arrays are owned by the struct: cb_person_free. */
typedef struct cb_person {
    int32_t birth;
    int male, snapbasic;
    int has_stay, has_leave, has_student, has_name;
    int probed; /* a name group has asked about the person (CB_OP_PROBE):
                   it tells its group about itself even without a
                   pension (cb_rules_group_needs) */
    struct { int64_t tw; int32_t since; int64_t st; } stay;
    struct { int64_t tw; int32_t out; int64_t st; } leave;
    struct { int v; int64_t st; } student;
    cb_notice *notices;   /* every death notice, by event id */
    size_t nnotices;
    cb_str name;          /* the register name (RULES.md 9.2) */
    int has_scheme[CB_SCHEMES];
    cb_scheme_state schemes[CB_SCHEMES];
    cb_roster_state *roster; /* by identity, ascending */
    size_t nroster;
    cb_own_state *own;    /* by USCC, ascending */
    size_t nown;
    cb_fact *facts;       /* by (period, event id) once encoded */
    size_t nfacts;
    cb_alias *aliases;    /* by normal form once encoded */
    size_t naliases;
    cb_verdict *verdicts; /* by (kind, other) once encoded */
    size_t nverdicts;
    cb_person_eids eids;  /* the rows behind the slots above */
} cb_person;

/* The event id behind a basic pension scheme's slot, or NULL for a
 * scheme that is not one (whose row's id is not kept). */
cb_str *cb_person_basic_eid(cb_person *p, int scheme);
const cb_str *cb_person_basic_eid_c(const cb_person *p, int scheme);

/* An empty person (no state yet). */
void cb_person_init(cb_person *p);
void cb_person_free(cb_person *p);

/* Decodes a packed person into an initialised *p.  id is the person's
 * number, its 18 characters (not necessarily NUL-terminated), or NULL when
 * unknown: a state packed against its number (cb_person_encode) reads
 * only with it.  Returns 0, or -1 for bytes that are not a person's
 * state. */
int cb_person_decode(cb_eidforms *forms, const char *id,
                     const char *data, size_t len,
                     cb_person *p);

/* Packs *p into out (replacing its contents): the canonical bytes.  With
 * id, the person's number (18 characters, as for cb_person_decode), the
 * state is packed against it: the birth date left out and townships as
 * differences from the number's county (docs/MATCHER.md); with NULL, or
 * a number whose birth date or sex is not p's, the layout without it.
 * Sorts p's lists.  Returns 0 or -1 (out of memory). */
int cb_person_encode(cb_eidforms *forms, cb_person *p, const char *id,
                     cb_buf *out);

/* Applies one op of kind HH, DEATH, ENR, FACT, ROSTER, OWN or REVIEW
 * (a verdict: the person keeps the latest of each item).  *progress
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
    /* the event ids behind the business slot, the registration and the
     * deregistration (RULES.md 5, source_event_id); empty when unknown */
    cb_str biz_eid, reg_eid, dereg_eid;
} cb_employer;

void cb_employer_init(cb_employer *e);
/* An employer's state from its bytes, and into out: as persons'. */
int cb_employer_decode(cb_eidforms *forms, const char *data, size_t len,
                       cb_employer *e);
int cb_employer_encode(cb_eidforms *forms, const cb_employer *e,
                       cb_buf *out);

/* What one business op can send to representatives' partitions. */
#define CB_OWN_CHANGES_MAX 3

/* Applies a BIZ or REG op.  Ownership changes it makes are written to
 * changes[*nchanges++], the first to a person carrying the name the row
 * gives its representative (a CB_OWN_NAME_ONLY change when the row
 * changes no ownership of that person's).  Returns 0. */
int cb_employer_apply(cb_employer *e, const cb_op *op,
                      cb_own_change changes[CB_OWN_CHANGES_MAX],
                      int *nchanges);

#endif
