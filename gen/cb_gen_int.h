/* cb_gen_int.h -- what the parts of the generator share: the context, the
 * PRNG, persons and their identifiers, and the builders that write one row
 * of a feed (and fold it into the ground truth).  Internal to gen/. */
#ifndef CB_GEN_INT_H
#define CB_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cb_gen.h"
#include "cb_gen_out.h"
#include "cb_record.h"
#include "cb_townships.h"
#include "cb_truth.h"

/* ----------------------------------------------------------------- PRNG */

/* xoshiro256** seeded through splitmix64. */
typedef struct cb_gen_rng {
    uint64_t s[4];
} cb_gen_rng;

void cb_gen_rng_seed(cb_gen_rng *rng, uint64_t seed);
uint64_t cb_gen_rng_next(cb_gen_rng *rng);
/* Uniform in [0, n); n > 0. */
uint32_t cb_gen_rng_below(cb_gen_rng *rng, uint32_t n);
/* Uniform in [lo, hi]; lo <= hi. */
int32_t cb_gen_rng_range(cb_gen_rng *rng, int32_t lo, int32_t hi);
/* 1 with probability p. */
int cb_gen_rng_chance(cb_gen_rng *rng, double p);

/* -------------------------------------------------------------- context */

#define CB_GEN_NREGIONS 16 /* region codes persons are registered in */

/* Names as offices write them, and the name defects (cb_gen_names.h). */
typedef struct cb_gen_names cb_gen_names;

/* Slips in persons' numbers, namesakes and second numbers
 * (cb_gen_idents.h). */
typedef struct cb_gen_idents cb_gen_idents;

typedef struct cb_gen_ctx {
    const cb_gen_opts *opts;
    int32_t S, T; /* stream start and the evaluation day */
    int32_t E;    /* the last day rows are dated: T - 1, so that all
                     is known at 00:00 of T (a producer whose clock
                     says T accepts every row) */
    cb_gen_rng rng;
    cb_gen_out *out;
    cb_truth *truth;
    cb_townships tws;     /* the embedded township table */
    double *tw_cum;       /* cumulative weights of the townships */
    uint16_t *id_count;   /* IDs given per region, birth day and sex */
    int32_t id_first_day; /* the first birth day id_count covers */
    int32_t id_days;
    uint64_t next_eid[CB_GEN_NFILES];
    uint64_t next_uscc;
    int64_t register_used; /* persons given a `resident` row so far */
    int ncases;
    const char *case_names[CB_GEN_MAX_CASES];
    int64_t case_counts[CB_GEN_MAX_CASES];
    cb_gen_names *names;
    cb_gen_idents *idents;
    char err[1600]; /* room for a path and a reason */
} cb_gen_ctx;

/* Region codes: index 0 is Funing (320923); the others are elsewhere. */
const char *cb_gen_region(int index);

/* A township's code, by index into ctx->tws. */
const char *cb_gen_tw(const cb_gen_ctx *g, int tw);

/* A township drawn by weight of its target (seed 003's table). */
int cb_gen_tw_pick(cb_gen_ctx *g);

/* A township other than tw. */
int cb_gen_tw_other(cb_gen_ctx *g, int tw);

/* 00:00 of a day plus sec seconds, UTC+08:00, in ms. */
int64_t cb_gen_ms(int32_t day, int sec);

/* The same day `years` later (earlier when negative); 29 February falls
 * on 1 March in common years. */
int32_t cb_gen_add_years(int32_t day, int years);

/* Day `day` (1-28) of a month (months since 1970). */
int32_t cb_gen_month_day(int32_t month, int day);

/* A random second of office hours (08:00-18:00). */
int cb_gen_office_sec(cb_gen_ctx *g);

/* Counts an injected case of a kind (name: a static string). */
void cb_gen_count_case(cb_gen_ctx *g, const char *name);

/* -------------------------------------------------------------- persons */

typedef struct gen_person {
    char id[CB_ID_SIZE];
    char name[CB_PERSON_NAME_SIZE];
    int32_t birth;
    int male;
    int tw; /* township index, where the person lives now */
} gen_person;

/* Makes a person born on `birth` with a unique resident ID of the region
 * (or the next region with a free number that day), a name, and township
 * tw.  Returns 0, or -1 with g->err when no number is left. */
int cb_gen_person(cb_gen_ctx *g, gen_person *p, int32_t birth, int male,
                  int region, int tw);

/* A fresh unified social credit code; kind is a cb_business_kind. */
void cb_gen_uscc(cb_gen_ctx *g, int kind, char out[CB_ID_SIZE]);

/* An employer's name in a township. */
void cb_gen_org_name(cb_gen_ctx *g, int kind, int tw, char *out, size_t size);

/* A person's number as a row of file writes it: the 18-digit form, or
 * for a person born 1900-1999 now and then the legacy 15-digit form
 * (cb_gen_legacy.c, opts->legacy_pct).  Call it before the row is emitted
 * (the choice hangs on the row's event number). */
void cb_gen_id_as_written(const cb_gen_ctx *g, int file, const gen_person *p,
                          char out[CB_ID_SIZE]);

/* ------------------------------------------------------------- builders */

/* Appends a field's text to buf (at *len, no NUL), quoted when it holds a
 * comma, a quote or a line break (RFC 4180).  Returns -1 when buf, of
 * size bytes, is too small. */
int cb_gen_csv_append(char *buf, size_t size, size_t *len, const char *text);

/* Each writes one row (event_id assigned) into its file at instant place
 * (CB_TIME_NONE: at the row's occurred_at) and folds it into the truth.
 * keep, when not NULL, receives the record for a second delivery with
 * cb_gen_again.  They return 0, or -1 with g->err. */

int cb_gen_hh(cb_gen_ctx *g, const gen_person *p, int action, int tw,
              int64_t at, int student, int64_t place, cb_record *keep);
int cb_gen_death(cb_gen_ctx *g, const gen_person *p, int32_t date, int source,
                 int64_t at, int64_t place, cb_record *keep);
/* enroll or stop; snapshot: into the snapshot file. */
int cb_gen_enroll(cb_gen_ctx *g, int snapshot, const gen_person *p, int scheme,
                  int action, const char *region, int tw, int64_t at,
                  int64_t place);
/* contribute (paid_by, tier: -1 / CB_LONG_NONE when not government) or
 * benefit, for a month (months since 1970). */
int cb_gen_fact(cb_gen_ctx *g, int snapshot, const gen_person *p, int action,
                int scheme, int32_t month, int64_t amount, int paid_by,
                int64_t tier, const char *region, int tw, int64_t at,
                int64_t place, cb_record *keep);
int cb_gen_roster(cb_gen_ctx *g, const gen_person *p, int identity,
                  int32_t from, int32_t to, int tw, int64_t at, int64_t place,
                  cb_record *keep);
/* rep may be NULL. */
int cb_gen_biz(cb_gen_ctx *g, const char *uscc, const char *name, int kind,
               int action, int32_t est, int tw, const gen_person *rep,
               int64_t at, int64_t place);
int cb_gen_reg(cb_gen_ctx *g, int snapshot, const char *uscc, int tw,
               int64_t at, int64_t place, cb_record *keep);

/* Writes a row that `canbao produce` refuses for its person's number
 * (event_id assigned) at place (CB_TIME_NONE: at its occurred_at) and
 * gives it to the truth as refused (cb_truth_add_refused): never applied.
 * Returns 0, or -1 with g->err. */
int cb_gen_refused(cb_gen_ctx *g, int file, cb_record *rec, int64_t place);

/* Delivers a kept record again, unchanged (same event_id), at place. */
int cb_gen_again(cb_gen_ctx *g, int file, const cb_record *rec, int64_t place);

/* ---------------------------------------------------------------- parts */

/* The injected cases (cb_gen_cases.c): every lead reason, closing and
 * alert kind, with late and out-of-order variants; `per_kind` of each. */
int cb_gen_cases(cb_gen_ctx *g, int per_kind);

/* The background county (cb_gen_people.c): `count` persons of the initial
 * register with their lives, newcomers, and employers. */
int cb_gen_people(cb_gen_ctx *g, int64_t count);

/* The bad/ files (cb_gen_bad.c); records[] receives each one's record
 * count (cb_gen_bad_path order). */
int cb_gen_bad(cb_gen_ctx *g, int64_t records[CB_GEN_NBAD]);

#endif
