/* cb_truth_int.h -- what the four parts of the ground truth share: the
 * compact per-subject states and the containers that hold them (chunked
 * arrays, hash tables, the string arena, the interned codes).  cb_truth.c
 * keeps the containers and writes the result, cb_truth_fold.c folds
 * records into the states (docs/RULES.md sections 1-3), cb_truth_rules.c
 * evaluates the states on T (sections 4-8), cb_truth_review.c says which
 * death notices apply and which review items the names raise (section
 * 9).  Internal to gen/: other modules use cb_truth.h. */
#ifndef CB_TRUTH_INT_H
#define CB_TRUTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cb_idkey.h"
#include "cb_policy.h"
#include "cb_truth.h"

#define NONE_STAMP INT64_MIN
#define OPEN_END   CB_DATE_OPEN_END /* a roster identity without valid_to */

/* ------------------------------------------------------------- states */

/* A latest-wins stamp (RULES.md section 1): the second of occurred_at, then
 * the low 7 bits of the FNV-1a hash of the event id. */
typedef int64_t stamp_t;

/* Strings live in one arena, addressed by 32-bit offsets: 4 GB of names
 * and event ids (some 250 million facts) is the truth's limit. */
typedef uint32_t str_t;
#define STR_FAIL UINT32_MAX

typedef struct scheme_ent { /* enrollment state of one scheme */
    stamp_t st;
    int32_t since; /* the latest row's date */
    str_t eid;     /* that row's event id: a basic pension's only */
    uint32_t next;
    uint8_t scheme, on;
} scheme_ent;

typedef struct roster_ent { /* one hardship identity */
    stamp_t st;
    int32_t from, to; /* to: OPEN_END when open-ended */
    uint32_t next;
    uint8_t identity;
} roster_ent;


/* A row that gives the person a name: a death notice (date: its
 * date_of_death), or an assistance row or a business row naming the
 * person as legal representative (date unused).  One per event id. */
typedef struct named_ent {
    str_t eid;
    str_t name; /* as written; 0 ("") when the row gives none */
    int32_t date;
    uint32_t tw; /* the row's interned township_code, 0 when none */
    uint32_t next;
} named_ent;

typedef struct fact_ent { /* a benefit or a contribution: 32 bytes */
    int64_t amount;
    int64_t tier; /* CB_LONG_NONE when absent */
    str_t eid;
    uint32_t next;
    uint16_t region, township; /* interned codes */
    int16_t month;             /* months since 1970-01 */
    uint8_t kind;              /* FACT_BENEFIT bit | scheme */
    uint8_t paid_by;           /* 255: absent */
} fact_ent;

#define FACT_BENEFIT  0x80
#define IS_BENEFIT(f) (((f)->kind & FACT_BENEFIT) != 0)
#define SCHEME(f)     ((f)->kind & 0x7F)
#define MAX_CODES     UINT16_MAX /* distinct township and region codes */

/* A suspect (RULES.md 9.3): a row refused for a person's number as
 * written (18 characters, id_check, id_birth_date or id_charset) that
 * names the person.  Never applied; kept for probable_typo. */
typedef struct suspect_ent {
    char written[CB_ID_SIZE]; /* the number as written */
    str_t eid;
    str_t name; /* as written */
    uint32_t tw; /* the row's interned township_code, 0 when none */
} suspect_ent;

typedef struct mark_ent { /* a feed enrollment toward progress */
    uint32_t township;
    int32_t date; /* the earliest of its township and year */
    uint32_t next;
} mark_ent;

typedef struct person {
    uint64_t key; /* the 17 digits before the check character */
    stamp_t stay_st, leave_st, student_st, name_st;
    str_t name; /* the latest household row's name: the register name */
    str_t stay_eid, leave_eid; /* the rows behind the stay and the leaving
                                  (a lead's source, RULES.md 5) */
    int32_t stay_since, leave_out;
    uint32_t stay_tw, leave_tw;
    uint32_t schemes, roster, facts, marks; /* list heads */
    uint32_t deaths; /* death notices (named_ent), applied or not */
    uint32_t names;  /* names given by assistance and business rows
                        (named_ent) */
    int8_t student;
    uint8_t snap_basic; /* the snapshot enrolled the person in a basic
                           pension */
} person;

typedef struct employer {
    char uscc[CB_ID_SIZE];
    int8_t kind, action; /* of the latest established/changed row */
    stamp_t st;
    int32_t est, dereg, reg;
    uint32_t tw;
    str_t name;
    uint64_t rep; /* legal representative's key, 0 when none */
    /* the rows behind the latest business row (and its date), the
     * registration and the deregistration: a lead's source (RULES.md 5) */
    int32_t biz_date;
    str_t biz_eid, reg_eid, dereg_eid;
} employer;

/* A growable array of fixed-size elements, in chunks (so that growing
 * neither copies nor overshoots by much); element 0 is never used, so that
 * index 0 can mean "none" in lists. */
#define CHUNK_BITS 14
#define CHUNK_MASK ((1u << CHUNK_BITS) - 1)

typedef struct vec {
    char **chunks;
    size_t nchunks, chunks_cap;
    size_t n, size;
} vec;

/* Slots of an open-addressing hash table: element index + 1, 0 empty. */
typedef struct table {
    uint32_t *slots;
    size_t mask;
    size_t used;
} table;

/* The string arena: chunks of 4 MB, a string never across two; a str_t
 * is the chunk number above ARENA_BITS and the offset below. */
#define ARENA_BITS  22
#define ARENA_CHUNK ((size_t)1 << ARENA_BITS)
#define ARENA_MAX   1023 /* chunks: 4 GB */

struct cb_truth {
    const cb_idkey *ids; /* borrowed: keys lead and alert ids */
    int32_t as_of;
    int32_t window;   /* the first month whose facts are kept */
    char **arena;     /* chunks of NUL-terminated strings; "" at 0 */
    size_t narena;    /* chunks */
    size_t arena_len; /* bytes used in the last chunk */
    vec codes;        /* str_t of the interned codes */
    table code_tab;
    vec persons, employers;
    table person_tab, employer_tab;
    vec schemes, rosters, deaths, names, facts, marks, suspects;
};

/* --------------------------------------------------------- containers */

static inline void *vec_at(const vec *v, uint32_t i)
{
    return v->chunks[i >> CHUNK_BITS] + (size_t)(i & CHUNK_MASK) * v->size;
}

#define AT(v, type, i) ((type *)vec_at(&(v), (i)))

/* Appends a zeroed element; returns its index, or 0 when memory runs
 * out. */
uint32_t cb_truth_vec_push(vec *v);

static inline const char *str_at(const cb_truth *t, str_t off)
{
    return t->arena[off >> ARENA_BITS] + (off & (ARENA_CHUNK - 1));
}

/* Copies a string into the arena; returns its offset, 0 for the empty
 * string (offset 0 holds ""), or STR_FAIL when memory or the 4 GB run
 * out. */
str_t cb_truth_arena_put(cb_truth *t, const char *s);

/* The text of interned code i (1-based), "" for 0. */
static inline const char *code_str(const cb_truth *t, uint32_t i)
{
    return i == 0 ? "" : str_at(t, *AT(t->codes, str_t, i));
}

/* The index (1-based) of a township or region code, interned; 0 for an
 * empty code; UINT32_MAX when memory runs out. */
uint32_t cb_truth_intern(cb_truth *t, const char *code);

/* ----------------------------------------------------------- subjects */

/* A resident ID's 17 leading digits as a number: the person's key; a
 * legacy 15-digit number gets the key of its 18-digit form. */
uint64_t cb_truth_person_key(const char *id);

/* The resident ID of a key, check character recomputed. */
void cb_truth_person_id(uint64_t key, char out[CB_ID_SIZE]);

/* The state of a person, created empty when first seen; NULL when memory
 * runs out. */
person *cb_truth_person(cb_truth *t, const char *id);

/* The state of the person of key, or NULL when none was seen. */
const person *cb_truth_person_find(const cb_truth *t, uint64_t key);

/* The state of an employer, created empty when first seen; NULL when
 * memory runs out. */
employer *cb_truth_employer(cb_truth *t, const char *uscc);

/* ------------------------------------------------- names (section 9) */

/* Room for the normal form of a person's name (cb_name_normalize): at
 * most twice its bytes. */
#define NORM_SIZE (2 * CB_PERSON_NAME_SIZE)

/* The normal form of a name into buf (NORM_SIZE bytes); a name too long
 * for buf stays as written.  Returns buf. */
const char *cb_truth_norm(const char *name, char *buf);

/* The normal form of p's register name in buf (NORM_SIZE bytes); NULL when
 * p has no household row, so no register name. */
const char *cb_truth_register_norm(const cb_truth *t, const person *p,
                                   char *buf);

/* Does death notice d count (RULES.md 9.3: it has no name, or its name's
 * normal form is the register name's reg, or reg is NULL)?  The truth has
 * no decisions, so a notice of an open item never does. */
int cb_truth_notice_applied(const cb_truth *t, const named_ent *d,
                            const char *reg);

/* The death of p: the earliest date_of_death of the applied notices, and
 * in *tw the township of the applied notice with the smallest event id;
 * CB_DATE_NONE (and *tw 0) when no notice applies. */
int32_t cb_truth_applied_death(const cb_truth *t, const person *p,
                               const char *reg, uint32_t *tw);

/* Growable array of review items. */
typedef struct review_rows {
    cb_truth_review *v;
    size_t n, cap;
} review_rows;

/* Appends a zeroed item to rows; NULL when memory runs out. */
cb_truth_review *cb_truth_review_new(review_rows *rows);

/* Sets r's review_id: "R" and the keyed digest of KIND|SUBJECT|OTHER. */
void cb_truth_review_id(const cb_truth *t, cb_truth_review *r,
                        const char *other);

/* The subject's township for a review item (RULES.md 9.3, as for alerts):
 * the stay's, else the leaving row's; NULL when p has neither. */
const char *cb_truth_person_township(const cb_truth *t, const person *p);

/* Appends p's review items (name_mismatch, death_unconfirmed) to rows;
 * reg as cb_truth_register_norm gives it.  Returns 0, or -1 when memory
 * runs out. */
int cb_truth_person_reviews(const cb_truth *t, const person *p,
                            const char *reg, review_rows *rows);

/* Appends the review items over pairs of identities (cb_truth_ident.c):
 * probable_typo from the suspects, duplicate_identity from the persons
 * holding an active pension.  Returns 0, or -1 when memory runs out. */
int cb_truth_ident_reviews(const cb_truth *t, review_rows *rows);

/* A basic pension: the two schemes the lead reasons and the dual-pension
 * alerts look at. */
#define is_basic cb_scheme_is_basic_pension

#endif
