/* cb_state.h -- a subject's enrollment state as the matcher keeps it in
 * Redis (one packed hash value per subject), and the ops that change it.
 *
 * A state is decoded into a cb_person or cb_employer, changed by ops
 * (cb_person_apply, cb_employer_apply), and encoded again; the same state
 * always encodes to the same bytes, so an unchanged state is seen
 * unchanged and not written.
 * Ops arrive packed by cb_ops.c (the layouts are documented there, next to
 * each put_*) and are decoded by cb_op_decode.
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

#define CB_STAMP_LOW 16777216LL /* a stamp: day * CB_STAMP_LOW + 24 bits */
#define CB_OPEN_END 8388607     /* a roster row with no valid_to */

/* Short strings of packed states and ops (a u8 length in the packing). */
typedef struct cb_str {
    uint8_t len;
    char s[255];
} cb_str;

/* ------------------------------------------------------------- ops */

/* An op, decoded.  Fields not used by its kind are zero. */
typedef struct cb_op {
    int kind;        /* CB_OP_* */
    int topic;       /* topic number of its offset */
    int64_t offset;  /* Kafka offset, -1 for snapshot rows and ticks */
    unsigned bucket; /* the state's bucket in its partition */
    cb_str subject;  /* the state key (8 binary bytes or an 18-char USCC) */
    cb_str subject_id; /* the ID number or USCC as text */
    cb_str eid;      /* event id, empty for ticks, decisions, ownership */
    /* common to the person ops: the birth date and sex of the ID */
    int32_t birth;
    int male;
    int has_birth;   /* the op carries birth and male */
    /* stamped ops: day and 24 low bits */
    int32_t date;
    uint32_t s24;
    int64_t township;
    /* CB_OP_HH */
    int student;     /* -1 absent, 0, 1 */
    int action;      /* CB_OP_HH: household action; CB_OP_BIZ: business */
    cb_str name;
    /* CB_OP_DEATH */
    int32_t death;
    /* CB_OP_ENR */
    int scheme, on, snapshot;
    /* CB_OP_FACT */
    int k;           /* 0 benefit, 1 contribution */
    int64_t region, amount, tier;
    int32_t period;  /* months since 1970-01 */
    int paid;
    /* CB_OP_ROSTER */
    int identity;
    int32_t from, to;
    /* CB_OP_OWN */
    cb_str uscc;
    int active;
    int32_t est, dereg;
    cb_str src;      /* the business event behind an ownership change */
    /* CB_OP_BIZ */
    int bkind;
    cb_str rep;
    /* CB_OP_DECIDE */
    int decision;
    cb_str lead_id;  /* 16 hex digits */
    char why[1001];
    size_t why_len;
} cb_op;

/* Decodes a packed op.  Returns 0, or -1 for bytes that are not an op. */
int cb_op_decode(const char *data, size_t len, cb_op *op);

/* ---------------------------------------------------------- persons */

typedef struct cb_scheme_state {
    int on;          /* 1 enrolled, 0 stopped */
    int32_t date;
    int64_t st;
} cb_scheme_state;

#define CB_SCHEMES 128 /* scheme numbers fit 7 bits in the packing */

typedef struct cb_roster_state {
    int identity;
    int32_t from, to; /* to: CB_OPEN_END when open */
    int64_t st;
} cb_roster_state;

typedef struct cb_own_state {
    cb_str uscc;
    int active;
    int32_t est, dereg; /* dereg 0: none */
    int64_t st;
} cb_own_state;

typedef struct cb_fact {
    int k, scheme, paid;
    int64_t region, amount, tier, township;
    int32_t period;
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

/* An ownership change a business op makes, for the representative's own
 * partition to apply (the person may live in another partition). */
typedef struct cb_own_change {
    cb_str rep;      /* the person's ID text */
    cb_str uscc;
    int active;
    int32_t est, dereg;
    int64_t st;
    cb_str eid;      /* the business event behind it */
} cb_own_change;

/* Applies a BIZ or REG op.  Ownership changes it makes are written to
 * changes[*nchanges++] (at most 2).  Returns 0. */
int cb_employer_apply(cb_employer *e, const cb_op *op,
                      cb_own_change changes[2], int *nchanges);

/* Packs an ownership change as an outbox value (what the ownership topic
 * carries).  Returns 0 or -1. */
int cb_own_change_pack(const cb_own_change *c, cb_buf *out);

/* Bytewise order of two short strings: <0, 0, >0. */
int cb_str_cmp(const cb_str *a, const cb_str *b);

#endif
