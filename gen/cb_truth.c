/* cb_truth.c -- docs/RULES.md as a fold of records into subject states and
 * a pure evaluation of those states on day T. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_err.h"
#include "cb_ident.h"
#include "cb_idkey.h"
#include "cb_truth.h"

#define NONE_STAMP INT64_MIN
#define OPEN_END   INT32_MAX /* a roster identity without valid_to */

/* ------------------------------------------------------------- states */

/* A latest-wins stamp (RULES.md section 1): the second of occurred_at, then
 * the low 7 bits of the FNV-1a hash of the event id. */
typedef int64_t stamp_t;

typedef struct scheme_ent { /* enrollment state of one scheme */
    stamp_t st;
    int32_t since; /* the latest row's date */
    uint32_t next;
    uint8_t scheme, on;
} scheme_ent;

typedef struct roster_ent { /* one hardship identity */
    stamp_t st;
    int32_t from, to; /* to: OPEN_END when open-ended */
    uint32_t next;
    uint8_t identity;
} roster_ent;

/* Strings live in one arena, addressed by 32-bit offsets: 4 GB of names
 * and event ids (some 250 million facts) is the truth's limit. */
typedef uint32_t str_t;
#define STR_FAIL UINT32_MAX

typedef struct eid_ent { /* a death notice's event id */
    str_t eid;
    uint32_t next;
} eid_ent;

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

typedef struct mark_ent { /* a feed enrollment toward progress */
    uint32_t township;
    int32_t date; /* the earliest of its township and year */
    uint32_t next;
} mark_ent;

typedef struct person {
    uint64_t key; /* the 17 digits before the check character */
    stamp_t stay_st, leave_st, student_st, name_st;
    str_t name; /* the latest household row's name */
    int32_t stay_since, leave_out, death;
    uint32_t stay_tw, leave_tw;
    uint32_t death_tw; /* the township of the death notice with the
                          smallest event id */
    uint32_t schemes, roster, deaths, facts, marks; /* list heads */
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
    vec schemes, rosters, eids, facts, marks;
};

/* ----------------------------------------------------------- helpers */

static void vec_init(vec *v, size_t size)
{
    memset(v, 0, sizeof(*v));
    v->n = 1; /* element 0 is the "none" element */
    v->size = size;
}

static void vec_term(vec *v)
{
    for (size_t i = 0; i < v->nchunks; i++)
        free(v->chunks[i]);
    free(v->chunks);
}

static void *vec_at(const vec *v, uint32_t i)
{
    return v->chunks[i >> CHUNK_BITS] + (size_t)(i & CHUNK_MASK) * v->size;
}

#define AT(v, type, i) ((type *)vec_at(&(v), (i)))

/* Appends a zeroed element; returns its index, or 0 when memory runs
 * out. */
static uint32_t vec_push(vec *v)
{
    if (v->n >= UINT32_MAX - 1)
        return 0;
    if (v->n >= v->nchunks << CHUNK_BITS) {
        if (v->nchunks == v->chunks_cap) {
            size_t cap = v->chunks_cap ? v->chunks_cap * 2 : 8;
            char **c = realloc(v->chunks, cap * sizeof(*c));
            if (c == NULL)
                return 0;
            v->chunks = c;
            v->chunks_cap = cap;
        }
        v->chunks[v->nchunks] = malloc(v->size << CHUNK_BITS);
        if (v->chunks[v->nchunks] == NULL)
            return 0;
        v->nchunks++;
    }
    memset(vec_at(v, (uint32_t)v->n), 0, v->size);
    return (uint32_t)v->n++;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return mix64(h);
}

/* 32-bit FNV-1a, whose low 7 bits break ties of the same second. */
static uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static stamp_t stamp_of(int64_t occurred_ms, const char *event_id)
{
    int64_t sec = occurred_ms / 1000;

    if (occurred_ms % 1000 < 0)
        sec--; /* floor, before 1970 */
    return sec * 128 + (fnv1a32(event_id) & 0x7F);
}

/* The hash of the element a slot holds (its 1-based index), for rehashing
 * when a table grows. */
typedef uint64_t(table_hash_fn)(const cb_truth *t, uint32_t e);

/* Grows a table to twice its size. */
static int table_grow(table *tab, const cb_truth *t, table_hash_fn *hash)
{
    size_t cap = tab->mask ? (tab->mask + 1) * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t i = 0; tab->mask && i <= tab->mask; i++) {
        uint32_t e = tab->slots[i];
        if (e == 0)
            continue;
        size_t j = hash(t, e) & (cap - 1);
        while (slots[j] != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = e;
    }
    free(tab->slots);
    tab->slots = slots;
    tab->mask = cap - 1;
    return 0;
}

/* Makes room for one more entry (keeping the load under a half). */
static int table_reserve(table *tab, const cb_truth *t, table_hash_fn *hash)
{
    if (tab->mask != 0 && (tab->used + 1) * 2 <= tab->mask + 1)
        return 0;
    return table_grow(tab, t, hash);
}

/* Puts element e (1-based) in the first free slot of its probe
 * sequence. */
static void table_insert(table *tab, uint64_t h, uint32_t e)
{
    size_t j = h & tab->mask;

    while (tab->slots[j] != 0)
        j = (j + 1) & tab->mask;
    tab->slots[j] = e;
    tab->used++;
}

static const char *str_at(const cb_truth *t, str_t off)
{
    return t->arena[off >> ARENA_BITS] + (off & (ARENA_CHUNK - 1));
}

/* Copies a string into the arena; returns its offset, 0 for the empty
 * string (offset 0 holds ""), or STR_FAIL when memory or the 4 GB run
 * out. */
static str_t arena_put(cb_truth *t, const char *s)
{
    size_t len = strlen(s);
    str_t off;

    if (len == 0)
        return 0;
    if (len + 1 > ARENA_CHUNK)
        return STR_FAIL;
    if (t->narena == 0 || t->arena_len + len + 1 > ARENA_CHUNK) {
        char **a;
        if (t->narena == ARENA_MAX)
            return STR_FAIL;
        a = realloc(t->arena, (t->narena + 1) * sizeof(*a));
        if (a == NULL)
            return STR_FAIL;
        t->arena = a;
        t->arena[t->narena] = malloc(ARENA_CHUNK);
        if (t->arena[t->narena] == NULL)
            return STR_FAIL;
        t->narena++;
        t->arena_len = 0;
    }
    off = (str_t)((t->narena - 1) << ARENA_BITS | t->arena_len);
    memcpy(t->arena[t->narena - 1] + t->arena_len, s, len + 1);
    t->arena_len += len + 1;
    return off;
}

/* ------------------------------------------------------ subject lookup */

/* The text of interned code i (1-based), "" for 0. */
static const char *code_str(const cb_truth *t, uint32_t i)
{
    return i == 0 ? "" : str_at(t, *AT(t->codes, str_t, i));
}

static uint64_t code_hash(const cb_truth *t, uint32_t e)
{
    const char *s = code_str(t, e);
    return hash_bytes(s, strlen(s));
}

/* The index (1-based) of a township or region code, interned; 0 for an
 * empty code; UINT32_MAX when memory runs out. */
static uint32_t intern(cb_truth *t, const char *code)
{
    size_t len = strlen(code);
    uint64_t h;
    str_t off;
    uint32_t i;

    if (len == 0)
        return 0;
    h = hash_bytes(code, len);
    /* (looked up first; a new code past MAX_CODES fails below) */
    for (size_t j = h & t->code_tab.mask;
         t->code_tab.mask != 0 && t->code_tab.slots[j] != 0;
         j = (j + 1) & t->code_tab.mask)
        if (strcmp(code_str(t, t->code_tab.slots[j]), code) == 0)
            return t->code_tab.slots[j];
    if (t->codes.n > MAX_CODES ||
        table_reserve(&t->code_tab, t, code_hash) != 0)
        return UINT32_MAX;
    off = arena_put(t, code);
    i = vec_push(&t->codes);
    if (off == STR_FAIL || i == 0)
        return UINT32_MAX;
    *AT(t->codes, str_t, i) = off;
    table_insert(&t->code_tab, h, i);
    return i;
}

/* A resident ID's 17 leading digits as a number: the person's key. */
static uint64_t person_key(const char *id)
{
    uint64_t k = 0;

    for (int i = 0; i < 17; i++)
        k = k * 10 + (uint64_t)(id[i] - '0');
    return k;
}

/* The resident ID of a key, check character recomputed. */
static void person_id_of(uint64_t key, char out[CB_ID_SIZE])
{
    for (int i = 16; i >= 0; i--) {
        out[i] = (char)('0' + key % 10);
        key /= 10;
    }
    out[17] = cb_ident_person_check_char(out);
    out[18] = '\0';
}

static uint64_t person_hash(const cb_truth *t, uint32_t e)
{
    return mix64(AT(t->persons, person, e)->key);
}

/* The state of a person, created empty when first seen; NULL when memory
 * runs out. */
static person *person_get(cb_truth *t, const char *id)
{
    uint64_t key = person_key(id), h = mix64(key);
    uint32_t e;
    person *p;

    for (size_t j = h & t->person_tab.mask;
         t->person_tab.mask != 0 && t->person_tab.slots[j] != 0;
         j = (j + 1) & t->person_tab.mask) {
        p = AT(t->persons, person, t->person_tab.slots[j]);
        if (p->key == key)
            return p;
    }
    if (table_reserve(&t->person_tab, t, person_hash) != 0)
        return NULL;
    e = vec_push(&t->persons);
    if (e == 0)
        return NULL;
    table_insert(&t->person_tab, h, e);
    p = AT(t->persons, person, e);
    p->key = key;
    p->stay_st = p->leave_st = p->student_st = p->name_st = NONE_STAMP;
    p->stay_since = p->leave_out = p->death = CB_DATE_NONE;
    p->student = -1;
    return p;
}

static uint64_t employer_hash(const cb_truth *t, uint32_t e)
{
    return hash_bytes(AT(t->employers, employer, e)->uscc, 18);
}

/* The state of an employer, created empty when first seen. */
static employer *employer_get(cb_truth *t, const char *uscc)
{
    uint64_t h = hash_bytes(uscc, strlen(uscc));
    uint32_t e;
    employer *b;

    for (size_t j = h & t->employer_tab.mask;
         t->employer_tab.mask != 0 && t->employer_tab.slots[j] != 0;
         j = (j + 1) & t->employer_tab.mask) {
        b = AT(t->employers, employer, t->employer_tab.slots[j]);
        if (strcmp(b->uscc, uscc) == 0)
            return b;
    }
    if (table_reserve(&t->employer_tab, t, employer_hash) != 0)
        return NULL;
    e = vec_push(&t->employers);
    if (e == 0)
        return NULL;
    table_insert(&t->employer_tab, h, e);
    b = AT(t->employers, employer, e);
    snprintf(b->uscc, sizeof(b->uscc), "%s", uscc);
    b->kind = b->action = -1;
    b->st = NONE_STAMP;
    b->est = b->dereg = b->reg = CB_DATE_NONE;
    return b;
}

/* ------------------------------------------------------------ lifecycle */

cb_truth *cb_truth_new(int32_t as_of, const cb_idkey *ids)
{
    cb_truth *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->ids = ids;
    t->as_of = as_of;
    t->window = cb_month_of_date(as_of) - 12;
    vec_init(&t->codes, sizeof(str_t));
    vec_init(&t->persons, sizeof(person));
    vec_init(&t->employers, sizeof(employer));
    vec_init(&t->schemes, sizeof(scheme_ent));
    vec_init(&t->rosters, sizeof(roster_ent));
    vec_init(&t->eids, sizeof(eid_ent));
    vec_init(&t->facts, sizeof(fact_ent));
    vec_init(&t->marks, sizeof(mark_ent));
    /* offset 0 is the empty string */
    t->arena = malloc(sizeof(*t->arena));
    if (t->arena == NULL || (t->arena[0] = malloc(ARENA_CHUNK)) == NULL) {
        cb_truth_free(t);
        return NULL;
    }
    t->narena = 1;
    t->arena[0][0] = '\0';
    t->arena_len = 1;
    return t;
}

void cb_truth_free(cb_truth *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->narena; i++)
        free(t->arena[i]);
    free(t->arena);
    vec_term(&t->codes);
    vec_term(&t->persons);
    vec_term(&t->employers);
    vec_term(&t->schemes);
    vec_term(&t->rosters);
    vec_term(&t->eids);
    vec_term(&t->facts);
    vec_term(&t->marks);
    free(t->code_tab.slots);
    free(t->person_tab.slots);
    free(t->employer_tab.slots);
    free(t);
}

/* ---------------------------------------------------------------- fold */

/* Township codes compared as numbers, as the matcher's Lua holds them. */
static int code_greater(const char *a, const char *b)
{
    return strtoll(a, NULL, 10) > strtoll(b, NULL, 10);
}

/* Household rows: stay, leaving, student and name, each latest wins.  On
 * a full tie (same second, same 7 hash bits) the greater township code
 * wins the stay or the leaving, the greater name the name, the greater
 * value the student flag: any order of the same rows gives the same
 * state. */
static int add_household(cb_truth *t, const cb_household *h)
{
    person *p = person_get(t, h->person_id);
    stamp_t st = stamp_of(h->occurred_at, h->event_id);
    int32_t date = cb_date_of_time(h->occurred_at);
    uint32_t tw;

    if (p == NULL)
        return -1;
    tw = intern(t, h->township_code);
    if (tw == UINT32_MAX)
        return -1;
    if (h->action == CB_HH_MOVE_OUT) {
        if (st > p->leave_st ||
            (st == p->leave_st &&
             code_greater(h->township_code, code_str(t, p->leave_tw)))) {
            p->leave_st = st;
            p->leave_out = date;
            p->leave_tw = tw;
        }
    } else if (st > p->stay_st ||
               (st == p->stay_st &&
                code_greater(h->township_code, code_str(t, p->stay_tw)))) {
        p->stay_st = st;
        p->stay_since = date;
        p->stay_tw = tw;
    }
    if (h->student >= 0 && (st > p->student_st ||
                            (st == p->student_st && h->student > p->student))) {
        p->student_st = st;
        p->student = (int8_t)h->student;
    }
    if (st > p->name_st ||
        (st == p->name_st && strcmp(h->name, str_at(t, p->name)) > 0)) {
        str_t off = arena_put(t, h->name);
        if (off == STR_FAIL)
            return -1;
        p->name_st = st;
        p->name = off;
    }
    return 0;
}

/* Death notices: the earliest date of death; every notice's event id; the
 * township of the notice with the smallest event id. */
static int add_death(cb_truth *t, const cb_death *d)
{
    person *p = person_get(t, d->person_id);
    uint32_t i, tw;
    str_t off;
    int smallest = 1;

    if (p == NULL)
        return -1;
    if (p->death == CB_DATE_NONE || d->date_of_death < p->death)
        p->death = d->date_of_death;
    for (i = p->deaths; i != 0; i = AT(t->eids, eid_ent, i)->next) {
        int c = strcmp(str_at(t, AT(t->eids, eid_ent, i)->eid), d->event_id);
        if (c == 0)
            return 0;
        if (c < 0)
            smallest = 0;
    }
    if (smallest) {
        tw = intern(t, d->township_code);
        if (tw == UINT32_MAX)
            return -1;
        p->death_tw = tw;
    }
    off = arena_put(t, d->event_id);
    i = vec_push(&t->eids);
    if (off == STR_FAIL || i == 0)
        return -1;
    AT(t->eids, eid_ent, i)->eid = off;
    AT(t->eids, eid_ent, i)->next = p->deaths;
    p->deaths = i;
    return 0;
}

static int is_basic(int scheme)
{
    return scheme == CB_SCHEME_EMPLOYEE_PENSION ||
           scheme == CB_SCHEME_RESIDENT_PENSION;
}

/* enroll / stop: the scheme's latest row wins (stop over enroll on a full
 * tie); progress marks and the snapshot's basic pensions. */
static int add_enroll(cb_truth *t, const cb_enrollment *e, int from_snapshot)
{
    person *p = person_get(t, e->person_id);
    stamp_t st = stamp_of(e->occurred_at, e->event_id);
    int32_t date = cb_date_of_time(e->occurred_at);
    int on = e->action == CB_ENR_ENROLL;
    uint32_t i;

    if (p == NULL)
        return -1;
    for (i = p->schemes; i != 0; i = AT(t->schemes, scheme_ent, i)->next)
        if (AT(t->schemes, scheme_ent, i)->scheme == e->scheme)
            break;
    if (i == 0) {
        i = vec_push(&t->schemes);
        if (i == 0)
            return -1;
        scheme_ent *s = AT(t->schemes, scheme_ent, i);
        s->st = NONE_STAMP;
        s->scheme = (uint8_t)e->scheme;
        s->on = 1;
        s->next = p->schemes;
        p->schemes = i;
    }
    scheme_ent *s = AT(t->schemes, scheme_ent, i);
    if (st > s->st || (st == s->st && on < s->on)) {
        s->st = st;
        s->since = date;
        s->on = (uint8_t)on;
    }
    if (!on || !is_basic(e->scheme))
        return 0;
    if (from_snapshot) {
        p->snap_basic = 1;
        return 0;
    }
    /* A feed enrollment: progress for its township and year, once. */
    uint32_t tw = intern(t, e->township_code);
    int year, m, d, y2;
    if (tw == UINT32_MAX)
        return -1;
    cb_date_to_ymd(date, &year, &m, &d);
    for (i = p->marks; i != 0; i = AT(t->marks, mark_ent, i)->next) {
        mark_ent *k = AT(t->marks, mark_ent, i);
        cb_date_to_ymd(k->date, &y2, &m, &d);
        if (k->township == tw && y2 == year) {
            if (date < k->date)
                k->date = date;
            return 0;
        }
    }
    i = vec_push(&t->marks);
    if (i == 0)
        return -1;
    AT(t->marks, mark_ent, i)->township = tw;
    AT(t->marks, mark_ent, i)->date = date;
    AT(t->marks, mark_ent, i)->next = p->marks;
    p->marks = i;
    return 0;
}

/* contribute / benefit: a fact, kept once per event id, when its period is
 * within the 12 months before T's month. */
static int add_fact(cb_truth *t, const cb_enrollment *e)
{
    person *p;
    int32_t month;
    uint32_t i, region, tw;
    str_t off;

    if (cb_month_parse(e->period, strlen(e->period), &month) != 0 ||
        month < t->window || month > INT16_MAX || e->amount_fen == CB_LONG_NONE)
        return 0;
    p = person_get(t, e->person_id);
    if (p == NULL)
        return -1;
    for (i = p->facts; i != 0; i = AT(t->facts, fact_ent, i)->next)
        if (strcmp(str_at(t, AT(t->facts, fact_ent, i)->eid), e->event_id) == 0)
            return 0;
    region = intern(t, e->region_code);
    tw = intern(t, e->township_code);
    off = arena_put(t, e->event_id);
    i = vec_push(&t->facts);
    if (region == UINT32_MAX || tw == UINT32_MAX || off == STR_FAIL || i == 0)
        return -1;
    fact_ent *f = AT(t->facts, fact_ent, i);
    f->amount = e->amount_fen;
    f->tier = e->subsidy_tier;
    f->eid = off;
    f->region = (uint16_t)region;
    f->township = (uint16_t)tw;
    f->month = (int16_t)month;
    f->kind =
        (uint8_t)((e->action == CB_ENR_BENEFIT ? FACT_BENEFIT : 0) | e->scheme);
    f->paid_by = e->paid_by >= 0 ? (uint8_t)e->paid_by : 255;
    f->next = p->facts;
    p->facts = i;
    return 0;
}

static int add_enrollment(cb_truth *t, const cb_enrollment *e,
                          int from_snapshot)
{
    if (e->action == CB_ENR_REGISTER_EMPLOYER) {
        if (e->uscc[0] == '\0')
            return 0;
        employer *b = employer_get(t, e->uscc);
        int32_t date = cb_date_of_time(e->occurred_at);
        if (b == NULL)
            return -1;
        if (b->reg == CB_DATE_NONE || date < b->reg)
            b->reg = date;
        return 0;
    }
    if (e->person_id[0] == '\0' || e->scheme < 0)
        return 0;
    if (e->action == CB_ENR_ENROLL || e->action == CB_ENR_STOP)
        return add_enroll(t, e, from_snapshot);
    if (e->period[0] == '\0')
        return 0;
    return add_fact(t, e);
}

/* Assistance rows: per identity, latest wins (on a full tie the later
 * valid_to, then the later valid_from). */
static int add_assistance(cb_truth *t, const cb_assistance *a)
{
    person *p = person_get(t, a->person_id);
    stamp_t st = stamp_of(a->occurred_at, a->event_id);
    int32_t to = a->valid_to == CB_DATE_NONE ? OPEN_END : a->valid_to;
    uint32_t i;

    if (p == NULL)
        return -1;
    for (i = p->roster; i != 0; i = AT(t->rosters, roster_ent, i)->next)
        if (AT(t->rosters, roster_ent, i)->identity == a->identity)
            break;
    if (i == 0) {
        i = vec_push(&t->rosters);
        if (i == 0)
            return -1;
        roster_ent *r = AT(t->rosters, roster_ent, i);
        r->st = NONE_STAMP;
        r->identity = (uint8_t)a->identity;
        r->next = p->roster;
        p->roster = i;
    }
    roster_ent *r = AT(t->rosters, roster_ent, i);
    if (st > r->st ||
        (st == r->st &&
         (to > r->to || (to == r->to && a->valid_from > r->from)))) {
        r->st = st;
        r->from = a->valid_from;
        r->to = to;
    }
    return 0;
}

/* Compares two business rows of one stamp by their values, so that a full
 * tie resolves the same way in any order: 1 when the new row wins. */
static int business_tie(const cb_truth *t, const employer *b,
                        const cb_business *r, uint64_t rep)
{
    int c;

    if (r->action != b->action)
        return r->action > b->action;
    if (r->kind != b->kind)
        return r->kind > b->kind;
    if (r->established_on != b->est)
        return r->established_on > b->est;
    c = strcmp(r->township_code, code_str(t, b->tw));
    if (c != 0)
        return c > 0;
    c = strcmp(r->name, str_at(t, b->name));
    if (c != 0)
        return c > 0;
    return rep > b->rep;
}

/* Business rows: the latest established/changed row gives kind, name,
 * township, establishment and representative; deregistration is the
 * earliest deregistered row's date. */
static int add_business(cb_truth *t, const cb_business *r)
{
    employer *b = employer_get(t, r->uscc);
    stamp_t st = stamp_of(r->occurred_at, r->event_id);
    uint64_t rep = r->legal_rep_id[0] != '\0' ? person_key(r->legal_rep_id) : 0;

    if (b == NULL)
        return -1;
    if (r->action == CB_BIZ_DEREGISTERED) {
        int32_t date = cb_date_of_time(r->occurred_at);
        if (b->dereg == CB_DATE_NONE || date < b->dereg)
            b->dereg = date;
        return 0;
    }
    if (st > b->st || (st == b->st && business_tie(t, b, r, rep))) {
        uint32_t tw = intern(t, r->township_code);
        str_t name = arena_put(t, r->name);
        if (tw == UINT32_MAX || name == STR_FAIL)
            return -1;
        b->st = st;
        b->kind = (int8_t)r->kind;
        b->action = (int8_t)r->action;
        b->est = r->established_on;
        b->tw = tw;
        b->name = name;
        b->rep = rep;
    }
    return 0;
}

int cb_truth_add(cb_truth *t, cb_kind kind, const void *rec, int from_snapshot)
{
    switch (kind) {
    case CB_KIND_BUSINESS:
        return add_business(t, rec);
    case CB_KIND_HOUSEHOLD:
        return add_household(t, rec);
    case CB_KIND_DEATH:
        return add_death(t, rec);
    case CB_KIND_ENROLLMENT:
        return add_enrollment(t, rec, from_snapshot);
    case CB_KIND_ASSISTANCE:
        return add_assistance(t, rec);
    default:
        return 0;
    }
}

/* ---------------------------------------------------------- evaluation */

/* An individual business and its representative, for owner(D). */
typedef struct own_ent {
    uint64_t rep;
    uint32_t emp;
} own_ent;

/* A person as the rules see it. */
typedef struct pview {
    const cb_truth *t;
    const person *p;
    int32_t birth;
    const own_ent *own; /* the person's individual businesses */
    size_t nown;
} pview;

static int32_t birth_of(uint64_t key)
{
    uint64_t ymd = key / 1000 % 100000000;

    return cb_date_from_ymd((int)(ymd / 10000), (int)(ymd / 100 % 100),
                            (int)(ymd % 100));
}

static int moved_out(const person *p)
{
    return p->leave_st != NONE_STAMP &&
           (p->stay_st == NONE_STAMP || p->leave_st >= p->stay_st);
}

static int resident(const pview *v, int32_t d)
{
    const person *p = v->p;

    if (p->stay_st == NONE_STAMP || p->stay_since > d)
        return 0;
    return !moved_out(p) || p->leave_out > d;
}

static int alive(const pview *v, int32_t d)
{
    return v->p->death == CB_DATE_NONE || v->p->death > d;
}

static int enrolled(const pview *v, int scheme, int32_t d)
{
    for (uint32_t i = v->p->schemes; i != 0;
         i = AT(v->t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(v->t->schemes, scheme_ent, i);
        if (s->scheme == scheme)
            return s->on && s->since <= d;
    }
    return 0;
}

static int basic(const pview *v, int32_t d)
{
    return enrolled(v, CB_SCHEME_EMPLOYEE_PENSION, d) ||
           enrolled(v, CB_SCHEME_RESIDENT_PENSION, d);
}

/* A basic-pension benefit for the month of d or one of the two before. */
static int draws(const pview *v, int32_t d)
{
    int32_t m = cb_month_of_date(d);

    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next) {
        const fact_ent *f = AT(v->t->facts, fact_ent, i);
        if (IS_BENEFIT(f) && is_basic(SCHEME(f)) && f->month >= m - 2 &&
            f->month <= m)
            return 1;
    }
    return 0;
}

static int on_roster(const pview *v, int32_t d)
{
    for (uint32_t i = v->p->roster; i != 0;
         i = AT(v->t->rosters, roster_ent, i)->next) {
        const roster_ent *r = AT(v->t->rosters, roster_ent, i);
        if (r->from <= d && r->to >= d)
            return 1;
    }
    return 0;
}

static int owner(const pview *v, int32_t d)
{
    for (size_t i = 0; i < v->nown; i++) {
        const employer *b = AT(v->t->employers, employer, v->own[i].emp);
        if (b->est != CB_DATE_NONE && b->est <= d &&
            (b->dereg == CB_DATE_NONE || b->dereg > d))
            return 1;
    }
    return 0;
}

/* The person's lead reason on day d (RULES.md section 4), or -1. */
static int person_reason(const pview *v, int32_t d, int *priority)
{
    int age, b;

    if (!resident(v, d) || !alive(v, d))
        return -1;
    age = cb_age_on(v->birth, d);
    if (age < 16)
        return -1;
    *priority = CB_PRIORITY_NORMAL;
    if (on_roster(v, d) && !enrolled(v, CB_SCHEME_RESIDENT_PENSION, d)) {
        *priority = CB_PRIORITY_HIGH;
        return CB_REASON_ASSISTED_NOT_ENROLLED;
    }
    b = basic(v, d);
    if (age >= 60 && !draws(v, d) && !b)
        return CB_REASON_ELDERLY_NO_PENSION;
    if (age <= 59 && owner(v, d) && !b)
        return CB_REASON_BUSINESS_OWNER_UNINSURED;
    if (age <= 59 && v->p->student != 1 && !b) {
        if (age >= 45)
            *priority = CB_PRIORITY_HIGH;
        return CB_REASON_WORKING_AGE_UNINSURED;
    }
    return -1;
}

/* Growable arrays of the result. */
typedef struct rows {
    cb_truth_result *r;
    size_t lead_cap, alert_cap;
} rows;

static cb_truth_lead *new_lead(rows *w)
{
    cb_truth_result *r = w->r;

    if (r->nleads == w->lead_cap) {
        size_t cap = w->lead_cap ? w->lead_cap * 2 : 256;
        cb_truth_lead *l = realloc(r->leads, cap * sizeof(*l));
        if (l == NULL)
            return NULL;
        r->leads = l;
        w->lead_cap = cap;
    }
    memset(&r->leads[r->nleads], 0, sizeof(r->leads[0]));
    return &r->leads[r->nleads++];
}

static void set_lead_id(const cb_truth *t, cb_truth_lead *l, const char *kind,
                        const char *subject, const char *township,
                        int32_t since)
{
    char date[11];

    cb_date_format(since, date);
    l->lead_id[0] = 'L';
    cb_idkey_lead(t->ids, kind, subject, strlen(subject), township, date,
                  l->lead_id + 1);
}

/* The lead of a person on T (RULES.md section 5), appended to the rows. */
static int person_lead(rows *w, const pview *v, int32_t T)
{
    const cb_truth *t = v->t;
    const person *p = v->p;
    int prio = CB_PRIORITY_NORMAL, reason, closed = -1;
    int32_t closed_at = CB_DATE_NONE, opened, enrolled_on = CB_DATE_NONE;
    cb_truth_lead *l;

    if (p->stay_st == NONE_STAMP)
        return 0;
    reason = person_reason(v, T, &prio);
    if (reason < 0 && p->death != CB_DATE_NONE && p->death <= T &&
        (reason = person_reason(v, p->death - 1, &prio)) >= 0)
        closed = CB_CLOSED_DECEASED, closed_at = p->death;
    if (reason < 0 && closed < 0 && moved_out(p) && p->leave_out <= T &&
        (reason = person_reason(v, p->leave_out - 1, &prio)) >= 0)
        closed = CB_CLOSED_MOVED_OUT, closed_at = p->leave_out;
    if (reason < 0 && closed < 0) {
        for (uint32_t i = p->schemes; i != 0;
             i = AT(t->schemes, scheme_ent, i)->next) {
            const scheme_ent *s = AT(t->schemes, scheme_ent, i);
            if (is_basic(s->scheme) && s->on && s->since <= T &&
                (enrolled_on == CB_DATE_NONE || s->since < enrolled_on))
                enrolled_on = s->since;
        }
        if (enrolled_on != CB_DATE_NONE &&
            (reason = person_reason(v, enrolled_on - 1, &prio)) >= 0)
            closed = CB_CLOSED_ENROLLED, closed_at = enrolled_on;
    }
    if (reason < 0)
        return 0;
    /* Opened: the latest of arriving, turning 16 and the last stop of a
     * basic pension. */
    opened = p->stay_since;
    if (cb_birthday(v->birth, 16) > opened)
        opened = cb_birthday(v->birth, 16);
    for (uint32_t i = p->schemes; i != 0;
         i = AT(t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(t->schemes, scheme_ent, i);
        if (is_basic(s->scheme) && !s->on && s->since <= T && s->since > opened)
            opened = s->since;
    }
    l = new_lead(w);
    if (l == NULL)
        return -1;
    person_id_of(p->key, l->subject_id);
    snprintf(l->township_code, sizeof(l->township_code), "%s",
             code_str(t, p->stay_tw));
    set_lead_id(t, l, "person", l->subject_id, l->township_code, p->stay_since);
    l->subject_kind = CB_SUBJECT_PERSON;
    l->reason = reason;
    l->priority = prio;
    l->status = closed < 0 ? CB_STATUS_OPEN : CB_STATUS_CLOSED;
    l->closed_reason = closed;
    l->opened_at = opened;
    l->closed_at = closed_at;
    l->name = str_at(t, p->name);
    return 0;
}

/* Is an employer's lead reason true on day d (rule 5)? */
static int employer_reason(const employer *b, int32_t d)
{
    if (b->kind != CB_BIZ_ENTERPRISE && b->kind != CB_BIZ_COOPERATIVE &&
        b->kind != CB_BIZ_BRANCH)
        return 0;
    if (b->est == CB_DATE_NONE)
        return 0;
    if (b->reg != CB_DATE_NONE && b->reg <= b->est + 30)
        return 0; /* registered in time: never a lead */
    if (d <= b->est + 30)
        return 0;
    if (b->dereg != CB_DATE_NONE && b->dereg <= d)
        return 0;
    return b->reg == CB_DATE_NONE || b->reg > d;
}

static int employer_lead(rows *w, const cb_truth *t, const employer *b,
                         int32_t T)
{
    int closed = -1;
    int32_t closed_at = CB_DATE_NONE;
    cb_truth_lead *l;

    if (!employer_reason(b, T)) {
        if (b->dereg != CB_DATE_NONE && b->dereg <= T &&
            employer_reason(b, b->dereg - 1))
            closed = CB_CLOSED_DEREGISTERED, closed_at = b->dereg;
        else if (b->reg != CB_DATE_NONE && b->reg <= T &&
                 employer_reason(b, b->reg - 1))
            closed = CB_CLOSED_ENROLLED, closed_at = b->reg;
        else
            return 0;
    }
    l = new_lead(w);
    if (l == NULL)
        return -1;
    snprintf(l->subject_id, sizeof(l->subject_id), "%s", b->uscc);
    snprintf(l->township_code, sizeof(l->township_code), "%s",
             code_str(t, b->tw));
    set_lead_id(t, l, "employer", b->uscc, l->township_code, b->est);
    l->subject_kind = CB_SUBJECT_EMPLOYER;
    l->reason = CB_REASON_EMPLOYER_UNREGISTERED;
    l->priority = CB_PRIORITY_NORMAL;
    l->status = closed < 0 ? CB_STATUS_OPEN : CB_STATUS_CLOSED;
    l->closed_reason = closed;
    l->opened_at = b->est + 31;
    l->closed_at = closed_at;
    l->name = str_at(t, b->name);
    return 0;
}

/* ------------------------------------------------------------- alerts */

/* Scratch space for one person's alerts. */
typedef struct scratch {
    const fact_ent **facts; /* the person's facts */
    size_t nfacts, facts_cap;
    const fact_ent **sel; /* the facts of one alert */
    size_t nsel;
    const char **eids; /* the evidence of one alert */
    size_t neids, eids_cap;
} scratch;

/* Room for n facts and n + ndeaths event ids. */
static int scratch_reserve(scratch *sc, size_t n, size_t ndeaths)
{
    if (n > sc->facts_cap) {
        size_t cap = sc->facts_cap ? sc->facts_cap : 64;
        while (cap < n)
            cap *= 2;
        const fact_ent **f = realloc(sc->facts, cap * sizeof(*f));
        if (f == NULL)
            return -1;
        sc->facts = f;
        const fact_ent **s = realloc(sc->sel, cap * sizeof(*s));
        if (s == NULL)
            return -1;
        sc->sel = s;
        sc->facts_cap = cap;
    }
    if (n + ndeaths > sc->eids_cap) {
        size_t cap = sc->eids_cap ? sc->eids_cap : 128;
        while (cap < n + ndeaths)
            cap *= 2;
        const char **e = realloc(sc->eids, cap * sizeof(*e));
        if (e == NULL)
            return -1;
        sc->eids = e;
        sc->eids_cap = cap;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cb_truth_alert *new_alert(rows *w)
{
    cb_truth_result *r = w->r;

    if (r->nalerts == w->alert_cap) {
        size_t cap = w->alert_cap ? w->alert_cap * 2 : 256;
        cb_truth_alert *a = realloc(r->alerts, cap * sizeof(*a));
        if (a == NULL)
            return NULL;
        r->alerts = a;
        w->alert_cap = cap;
    }
    memset(&r->alerts[r->nalerts], 0, sizeof(r->alerts[0]));
    return &r->alerts[r->nalerts++];
}

/* Adds the death notices' event ids to the evidence. */
static void add_death_eids(const pview *v, scratch *sc)
{
    for (uint32_t i = v->p->deaths; i != 0;
         i = AT(v->t->eids, eid_ent, i)->next)
        sc->eids[sc->neids++] = str_at(v->t, AT(v->t->eids, eid_ent, i)->eid);
}

/* Appends an alert with the evidence in sc->eids and the facts in
 * sc->sel (for its township when the person has no residence). */
static int add_alert(rows *w, const pview *v, scratch *sc, int kind,
                     const char *period, int64_t amount)
{
    const cb_truth *t = v->t;
    cb_truth_alert *a = new_alert(w);
    size_t len = 0;
    const char *tw;

    if (a == NULL)
        return -1;
    a->kind = kind;
    person_id_of(v->p->key, a->subject_id);
    snprintf(a->period, sizeof(a->period), "%s", period);
    a->amount_at_risk_fen = amount;
    a->alert_id[0] = 'A';
    cb_idkey_alert(t->ids, cb_symbol(CB_KIND_ALERT, "kind", kind),
                   a->subject_id, strlen(a->subject_id), period,
                   a->alert_id + 1);
    /* Township: the stay's, the leaving row's, the fact with the latest
     * period (the smaller event id on a tie), or the first death notice's
     * (by event id). */
    if (v->p->stay_st != NONE_STAMP) {
        tw = code_str(t, v->p->stay_tw);
    } else if (v->p->leave_st != NONE_STAMP) {
        tw = code_str(t, v->p->leave_tw);
    } else {
        const fact_ent *best = NULL;
        for (size_t i = 0; i < sc->nsel; i++) {
            const fact_ent *f = sc->sel[i];
            if (best == NULL || f->month > best->month ||
                (f->month == best->month &&
                 strcmp(str_at(t, f->eid), str_at(t, best->eid)) < 0))
                best = f;
        }
        if (best != NULL)
            tw = code_str(t, best->township);
        else if (v->p->death != CB_DATE_NONE)
            tw = code_str(t, v->p->death_tw);
        else
            tw = "";
    }
    snprintf(a->township_code, sizeof(a->township_code), "%s", tw);
    if (sc->neids > 1)
        qsort(sc->eids, sc->neids, sizeof(sc->eids[0]), cmp_str);
    for (size_t i = 0; i < sc->neids; i++)
        len += strlen(sc->eids[i]) + 1;
    a->evidence = malloc(len + 1);
    if (a->evidence == NULL)
        return -1;
    a->evidence[0] = '\0';
    len = 0;
    for (size_t i = 0; i < sc->neids; i++) {
        size_t k = strlen(sc->eids[i]);
        if (i > 0)
            a->evidence[len++] = ' ';
        memcpy(a->evidence + len, sc->eids[i], k);
        len += k;
    }
    a->evidence[len] = '\0';
    return 0;
}

/* Orders facts by kind (contribution, benefit), then period. */
static int cmp_fact(const void *a, const void *b)
{
    const fact_ent *x = *(const fact_ent *const *)a;
    const fact_ent *y = *(const fact_ent *const *)b;

    if (IS_BENEFIT(x) != IS_BENEFIT(y))
        return IS_BENEFIT(x) ? 1 : -1;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    return 0;
}

/* paid_after_death and active_after_death (RULES.md section 6). */
static int death_alerts(rows *w, const pview *v, scratch *sc)
{
    const person *p = v->p;
    int32_t dm = cb_month_of_date(p->death);
    int64_t amount = 0;
    int active = 0;

    sc->nsel = sc->neids = 0;
    for (size_t i = 0; i < sc->nfacts; i++) {
        const fact_ent *f = sc->facts[i];
        if (IS_BENEFIT(f) && f->month > dm) {
            amount += f->amount;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
        }
    }
    if (sc->nsel > 0) {
        add_death_eids(v, sc);
        if (add_alert(w, v, sc, CB_ALERT_PAID_AFTER_DEATH, "", amount) != 0)
            return -1;
    }
    for (uint32_t i = p->schemes; i != 0;
         i = AT(v->t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(v->t->schemes, scheme_ent, i);
        if (s->on || s->since > p->death)
            active = 1;
    }
    if (!active)
        return 0;
    sc->nsel = sc->neids = 0;
    add_death_eids(v, sc);
    return add_alert(w, v, sc, CB_ALERT_ACTIVE_AFTER_DEATH, "", 0);
}

/* dual_pension_enrollment and dual_pension_benefit: per month, basic
 * pension facts under two or more (scheme, region) pairs.  sc->facts is
 * sorted by kind and period. */
static int dual_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t i = 0;

    while (i < sc->nfacts) {
        const fact_ent *first = sc->facts[i];
        size_t j = i, npairs = 0;
        int64_t total = 0, largest = 0;

        sc->nsel = sc->neids = 0;
        for (;
             j < sc->nfacts && IS_BENEFIT(sc->facts[j]) == IS_BENEFIT(first) &&
             sc->facts[j]->month == first->month;
             j++) {
            const fact_ent *f = sc->facts[j];
            if (!is_basic(SCHEME(f)))
                continue;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
            total += f->amount;
        }
        /* The total of each pair, counted at its first fact. */
        for (size_t a = 0; a < sc->nsel; a++) {
            int seen = 0;
            int64_t pair = 0;
            for (size_t b = 0; b < a && !seen; b++)
                seen = SCHEME(sc->sel[b]) == SCHEME(sc->sel[a]) &&
                       sc->sel[b]->region == sc->sel[a]->region;
            if (seen)
                continue;
            npairs++;
            for (size_t b = a; b < sc->nsel; b++)
                if (SCHEME(sc->sel[b]) == SCHEME(sc->sel[a]) &&
                    sc->sel[b]->region == sc->sel[a]->region)
                    pair += sc->sel[b]->amount;
            if (pair > largest)
                largest = pair;
        }
        if (npairs >= 2) {
            char period[8];
            cb_month_format(first->month, period);
            if (add_alert(w, v, sc,
                          IS_BENEFIT(first) ? CB_ALERT_DUAL_PENSION_BENEFIT
                                            : CB_ALERT_DUAL_PENSION_ENROLLMENT,
                          period, total - largest) != 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

/* Is fact a due before fact b among government-paid contributions: the
 * higher tier, then the larger amount, then the smaller event id? */
static int due_before(const cb_truth *t, const fact_ent *a, const fact_ent *b)
{
    if (a->tier != b->tier)
        return a->tier > b->tier;
    if (a->amount != b->amount)
        return a->amount > b->amount;
    return strcmp(str_at(t, a->eid), str_at(t, b->eid)) < 0;
}

/* duplicate_subsidy: two or more government-paid contributions in a
 * year. */
static int subsidy_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t i = 0;

    while (i < sc->nfacts) {
        const fact_ent *first = sc->facts[i];
        int year = (int)((first->month - (first->month < 0 ? 11 : 0)) / 12);
        size_t j = i;
        const fact_ent *due = NULL;
        int64_t total = 0;

        if (IS_BENEFIT(first))
            break; /* contributions come first */
        sc->nsel = sc->neids = 0;
        for (; j < sc->nfacts && !IS_BENEFIT(sc->facts[j]); j++) {
            const fact_ent *f = sc->facts[j];
            int y = (int)((f->month - (f->month < 0 ? 11 : 0)) / 12);
            if (y != year)
                break;
            if (f->paid_by != CB_PAID_GOVERNMENT)
                continue;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
            total += f->amount;
            if (due == NULL || due_before(v->t, f, due))
                due = f;
        }
        if (sc->nsel >= 2) {
            char period[16];
            snprintf(period, sizeof(period), "%04d", 1970 + year);
            if (add_alert(w, v, sc, CB_ALERT_DUPLICATE_SUBSIDY, period,
                          total - due->amount) != 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

static int person_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t n = 0, ndeaths = 0;

    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next)
        n++;
    for (uint32_t i = v->p->deaths; i != 0;
         i = AT(v->t->eids, eid_ent, i)->next)
        ndeaths++;
    if (n == 0 && v->p->death == CB_DATE_NONE)
        return 0;
    if (scratch_reserve(sc, n, ndeaths) != 0)
        return -1;
    sc->nfacts = 0;
    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next)
        sc->facts[sc->nfacts++] = AT(v->t->facts, fact_ent, i);
    if (sc->nfacts > 1)
        qsort(sc->facts, sc->nfacts, sizeof(sc->facts[0]), cmp_fact);
    if (v->p->death != CB_DATE_NONE && death_alerts(w, v, sc) != 0)
        return -1;
    if (dual_alerts(w, v, sc) != 0)
        return -1;
    return subsidy_alerts(w, v, sc);
}

/* ----------------------------------------------------------- progress */

typedef struct tally_ent {
    const char *township;
    int year;
} tally_ent;

static int cmp_tally(const void *a, const void *b)
{
    const tally_ent *x = a, *y = b;
    int c = strcmp(x->township, y->township);

    if (c != 0)
        return c;
    return (x->year > y->year) - (x->year < y->year);
}

/* Progress (RULES.md section 8): per township and year, the persons the
 * feed enrolled in a basic pension, on or before T, whom the snapshot had
 * in none. */
static int progress(const cb_truth *t, cb_truth_result *r)
{
    tally_ent *all = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;

    for (size_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        if (p->snap_basic)
            continue;
        for (uint32_t i = p->marks; i != 0;
             i = AT(t->marks, mark_ent, i)->next) {
            const mark_ent *k = AT(t->marks, mark_ent, i);
            int y, m, d;
            if (k->date > t->as_of)
                continue;
            if (n == cap) {
                size_t c = cap ? cap * 2 : 256;
                tally_ent *a = realloc(all, c * sizeof(*a));
                if (a == NULL)
                    goto out;
                all = a;
                cap = c;
            }
            cb_date_to_ymd(k->date, &y, &m, &d);
            all[n].township = code_str(t, k->township);
            all[n++].year = y;
        }
    }
    if (n > 0)
        qsort(all, n, sizeof(*all), cmp_tally);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && cmp_tally(&all[i], &all[j]) == 0)
            j++;
        cb_truth_progress *g =
            realloc(r->progress, (r->nprogress + 1) * sizeof(*g));
        if (g == NULL)
            goto out;
        r->progress = g;
        g = &r->progress[r->nprogress++];
        snprintf(g->township_code, sizeof(g->township_code), "%s",
                 all[i].township);
        g->year = all[i].year;
        g->enrolled = (int64_t)(j - i);
        i = j;
    }
    rc = 0;
out:
    free(all);
    return rc;
}

/* ------------------------------------------------------------- result */

static int cmp_own(const void *a, const void *b)
{
    const own_ent *x = a, *y = b;

    if (x->rep != y->rep)
        return x->rep < y->rep ? -1 : 1;
    return (x->emp > y->emp) - (x->emp < y->emp);
}

static int cmp_lead(const void *a, const void *b)
{
    return strcmp(((const cb_truth_lead *)a)->lead_id,
                  ((const cb_truth_lead *)b)->lead_id);
}

static int cmp_alert(const void *a, const void *b)
{
    return strcmp(((const cb_truth_alert *)a)->alert_id,
                  ((const cb_truth_alert *)b)->alert_id);
}

cb_truth_result *cb_truth_eval(cb_truth *t, char *errstr, size_t errstr_size)
{
    cb_truth_result *r = calloc(1, sizeof(*r));
    rows w = {r, 0, 0};
    scratch sc;
    own_ent *own = NULL;
    size_t nown = 0;

    memset(&sc, 0, sizeof(sc));
    if (r == NULL)
        goto nomem;
    /* Individual businesses by representative, for owner(D). */
    own = malloc(t->employers.n * sizeof(*own));
    if (own == NULL)
        goto nomem;
    for (size_t e = 1; e < t->employers.n; e++) {
        const employer *b = AT(t->employers, employer, e);
        if (b->kind == CB_BIZ_INDIVIDUAL && b->rep != 0) {
            own[nown].rep = b->rep;
            own[nown++].emp = (uint32_t)e;
        }
        if (employer_lead(&w, t, b, t->as_of) != 0)
            goto nomem;
    }
    if (nown > 1)
        qsort(own, nown, sizeof(*own), cmp_own);
    for (size_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        pview v = {t, p, birth_of(p->key), NULL, 0};
        size_t lo = 0, hi = nown, end;
        /* The businesses this person represents. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (own[mid].rep < p->key)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (end = lo; end < nown && own[end].rep == p->key; end++)
            ;
        v.own = own + lo;
        v.nown = end - lo;
        if (person_lead(&w, &v, t->as_of) != 0 ||
            person_alerts(&w, &v, &sc) != 0)
            goto nomem;
    }
    if (progress(t, r) != 0)
        goto nomem;
    if (r->nleads > 0)
        qsort(r->leads, r->nleads, sizeof(r->leads[0]), cmp_lead);
    if (r->nalerts > 0)
        qsort(r->alerts, r->nalerts, sizeof(r->alerts[0]), cmp_alert);
    free(own);
    free(sc.facts);
    free(sc.sel);
    free(sc.eids);
    return r;
nomem:
    cb_err_set(errstr, errstr_size, "out of memory evaluating the rules");
    free(own);
    free(sc.facts);
    free(sc.sel);
    free(sc.eids);
    cb_truth_result_free(r);
    return NULL;
}

void cb_truth_result_free(cb_truth_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nalerts; i++)
        free(r->alerts[i].evidence);
    free(r->leads);
    free(r->alerts);
    free(r->progress);
    free(r);
}

void cb_truth_result_count(const cb_truth_result *r, cb_truth_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->leads = (int64_t)r->nleads;
    for (size_t i = 0; i < r->nleads; i++) {
        const cb_truth_lead *l = &r->leads[i];
        c->by_reason[l->reason]++;
        if (l->status == CB_STATUS_CLOSED) {
            c->closed++;
            c->by_closed_reason[l->closed_reason]++;
        } else {
            c->open++;
        }
        if (l->priority == CB_PRIORITY_HIGH)
            c->high++;
        else
            c->normal++;
    }
    c->alerts = (int64_t)r->nalerts;
    for (size_t i = 0; i < r->nalerts; i++)
        c->by_alert_kind[r->alerts[i].kind]++;
    c->progress_rows = (int64_t)r->nprogress;
    for (size_t i = 0; i < r->nprogress; i++)
        c->progress_enrolled += r->progress[i].enrolled;
}

/* ------------------------------------------------------------- writing */

/* Writes one CSV field, quoted when it holds a comma, a quote or a line
 * break (RFC 4180). */
static void put_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
    } else {
        fputc('"', f);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    }
    fputc(last ? '\n' : ',', f);
}

static FILE *open_out(const char *dir, const char *name, char *path,
                      size_t path_size)
{
    snprintf(path, path_size, "%s/%s", dir, name);
    return fopen(path, "w");
}

/* Closes f, failing on any write error met before. */
static int close_out(FILE *f, const char *path, char *errstr,
                     size_t errstr_size)
{
    int bad = ferror(f);

    if (fclose(f) != 0 || bad)
        return cb_err_set(errstr, errstr_size, "cannot write %s: %s", path,
                          strerror(errno ? errno : EIO));
    return 0;
}

int cb_truth_result_write(const cb_truth_result *r, const char *dir,
                          char *errstr, size_t errstr_size)
{
    char path[1024], d1[11], d2[11], num[32];
    FILE *f;

    f = open_out(dir, "leads.csv", path, sizeof(path));
    if (f == NULL)
        return cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                          strerror(errno));
    fputs("lead_id,township_code,subject_kind,subject_id,reason,priority,"
          "status,closed_reason,opened_at,closed_at,name\n",
          f);
    for (size_t i = 0; i < r->nleads; i++) {
        const cb_truth_lead *l = &r->leads[i];
        cb_date_format(l->opened_at, d1);
        if (l->closed_at != CB_DATE_NONE)
            cb_date_format(l->closed_at, d2);
        else
            d2[0] = '\0';
        put_field(f, l->lead_id, 0);
        put_field(f, l->township_code, 0);
        put_field(f, cb_symbol(CB_KIND_LEAD, "subject_kind", l->subject_kind),
                  0);
        put_field(f, l->subject_id, 0);
        put_field(f, cb_symbol(CB_KIND_LEAD, "reason", l->reason), 0);
        put_field(f, cb_symbol(CB_KIND_LEAD, "priority", l->priority), 0);
        put_field(f, l->status == CB_STATUS_OPEN ? "open" : "closed", 0);
        put_field(
            f,
            l->closed_reason >= 0
                ? cb_symbol(CB_KIND_LEAD, "closed_reason", l->closed_reason)
                : "",
            0);
        put_field(f, d1, 0);
        put_field(f, d2, 0);
        put_field(f, l->name, 1);
    }
    if (close_out(f, path, errstr, errstr_size) != 0)
        return -1;

    f = open_out(dir, "alerts.csv", path, sizeof(path));
    if (f == NULL)
        return cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                          strerror(errno));
    fputs("alert_id,kind,subject_id,township_code,period,"
          "amount_at_risk_fen,evidence\n",
          f);
    for (size_t i = 0; i < r->nalerts; i++) {
        const cb_truth_alert *a = &r->alerts[i];
        put_field(f, a->alert_id, 0);
        put_field(f, cb_symbol(CB_KIND_ALERT, "kind", a->kind), 0);
        put_field(f, a->subject_id, 0);
        put_field(f, a->township_code, 0);
        put_field(f, a->period, 0);
        snprintf(num, sizeof(num), "%" PRId64, a->amount_at_risk_fen);
        put_field(f, num, 0);
        put_field(f, a->evidence, 1);
    }
    if (close_out(f, path, errstr, errstr_size) != 0)
        return -1;

    f = open_out(dir, "progress.csv", path, sizeof(path));
    if (f == NULL)
        return cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                          strerror(errno));
    fputs("township_code,year,enrolled\n", f);
    for (size_t i = 0; i < r->nprogress; i++)
        fprintf(f, "%s,%d,%" PRId64 "\n", r->progress[i].township_code,
                r->progress[i].year, r->progress[i].enrolled);
    return close_out(f, path, errstr, errstr_size);
}

int cb_truth_write(cb_truth *t, const char *dir, cb_truth_counts *counts,
                   char *errstr, size_t errstr_size)
{
    cb_truth_result *r = cb_truth_eval(t, errstr, errstr_size);
    int rc;

    if (r == NULL)
        return -1;
    rc = cb_truth_result_write(r, dir, errstr, errstr_size);
    if (rc == 0 && counts != NULL)
        cb_truth_result_count(r, counts);
    cb_truth_result_free(r);
    return rc;
}
