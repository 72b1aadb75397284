/* cb_truth.c -- the ground truth's containers (cb_truth_int.h): chunked
 * arrays, open-addressing hash tables and a string arena that hold the
 * per-subject states compactly, the lookup of a subject's state, the
 * truth's lifecycle, and its result counted and written as CSV.  What the
 * rules say is in cb_truth_fold.c, cb_truth_rules.c and
 * cb_truth_review.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_err.h"
#include "cb_ident.h"
#include "cb_truth_int.h"

/* ---------------------------------------------------------- containers */

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

uint32_t cb_truth_vec_push(vec *v)
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

str_t cb_truth_arena_put(cb_truth *t, const char *s)
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

static uint64_t code_hash(const cb_truth *t, uint32_t e)
{
    const char *s = code_str(t, e);
    return hash_bytes(s, strlen(s));
}

uint32_t cb_truth_intern(cb_truth *t, const char *code)
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
    off = cb_truth_arena_put(t, code);
    i = cb_truth_vec_push(&t->codes);
    if (off == STR_FAIL || i == 0)
        return UINT32_MAX;
    *AT(t->codes, str_t, i) = off;
    table_insert(&t->code_tab, h, i);
    return i;
}

uint64_t cb_truth_person_key(const char *id)
{
    uint64_t k = 0;

    /* a legacy number (RULES.md 9.1): the region, 19, then its 9 digits */
    if (strlen(id) == 15) {
        for (int i = 0; i < 6; i++)
            k = k * 10 + (uint64_t)(id[i] - '0');
        k = k * 100 + 19;
        for (int i = 6; i < 15; i++)
            k = k * 10 + (uint64_t)(id[i] - '0');
        return k;
    }
    for (int i = 0; i < 17; i++)
        k = k * 10 + (uint64_t)(id[i] - '0');
    return k;
}

void cb_truth_person_id(uint64_t key, char out[CB_ID_SIZE])
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

person *cb_truth_person(cb_truth *t, const char *id)
{
    uint64_t key = cb_truth_person_key(id), h = mix64(key);
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
    e = cb_truth_vec_push(&t->persons);
    if (e == 0)
        return NULL;
    table_insert(&t->person_tab, h, e);
    p = AT(t->persons, person, e);
    p->key = key;
    p->stay_st = p->leave_st = p->student_st = p->name_st = NONE_STAMP;
    p->stay_since = p->leave_out = CB_DATE_NONE;
    p->student = -1;
    return p;
}

const person *cb_truth_person_find(const cb_truth *t, uint64_t key)
{
    uint64_t h = mix64(key);

    for (size_t j = h & t->person_tab.mask;
         t->person_tab.mask != 0 && t->person_tab.slots[j] != 0;
         j = (j + 1) & t->person_tab.mask) {
        const person *p = AT(t->persons, person, t->person_tab.slots[j]);
        if (p->key == key)
            return p;
    }
    return NULL;
}

static uint64_t employer_hash(const cb_truth *t, uint32_t e)
{
    return hash_bytes(AT(t->employers, employer, e)->uscc, 18);
}

employer *cb_truth_employer(cb_truth *t, const char *uscc)
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
    e = cb_truth_vec_push(&t->employers);
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
    t->window = cb_month_of_date(as_of) - CB_FACT_WINDOW_MONTHS;
    vec_init(&t->codes, sizeof(str_t));
    vec_init(&t->persons, sizeof(person));
    vec_init(&t->employers, sizeof(employer));
    vec_init(&t->schemes, sizeof(scheme_ent));
    vec_init(&t->rosters, sizeof(roster_ent));
    vec_init(&t->deaths, sizeof(named_ent));
    vec_init(&t->names, sizeof(named_ent));
    vec_init(&t->facts, sizeof(fact_ent));
    vec_init(&t->marks, sizeof(mark_ent));
    vec_init(&t->suspects, sizeof(suspect_ent));
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
    vec_term(&t->deaths);
    vec_term(&t->names);
    vec_term(&t->facts);
    vec_term(&t->marks);
    vec_term(&t->suspects);
    free(t->code_tab.slots);
    free(t->person_tab.slots);
    free(t->employer_tab.slots);
    free(t);
}

/* ------------------------------------------------------------- result */

void cb_truth_result_free(cb_truth_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nalerts; i++)
        free(r->alerts[i].evidence);
    for (size_t i = 0; i < r->nreviews; i++) {
        free(r->reviews[i].names);
        free(r->reviews[i].evidence);
    }
    free(r->leads);
    free(r->alerts);
    free(r->progress);
    free(r->reviews);
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
    c->reviews = (int64_t)r->nreviews;
    for (size_t i = 0; i < r->nreviews; i++)
        c->by_review_kind[r->reviews[i].kind]++;
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
          "status,closed_reason,opened_at,closed_at,name,source_event_id\n",
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
        put_field(f, l->name, 0);
        put_field(f, l->source_event_id, 1);
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
    if (close_out(f, path, errstr, errstr_size) != 0)
        return -1;

    f = open_out(dir, "reviews.csv", path, sizeof(path));
    if (f == NULL)
        return cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                          strerror(errno));
    fputs("review_id,kind,township_code,subject_id,other_id,names,evidence,"
          "status,amount_at_risk_fen\n",
          f);
    for (size_t i = 0; i < r->nreviews; i++) {
        const cb_truth_review *v = &r->reviews[i];
        put_field(f, v->review_id, 0);
        put_field(f, cb_review_kind_symbol(v->kind), 0);
        put_field(f, v->township_code, 0);
        put_field(f, v->subject_id, 0);
        put_field(f, v->other_id, 0);
        put_field(f, v->names, 0);
        put_field(f, v->evidence, 0);
        put_field(f, cb_review_status_symbol(v->status), 0);
        snprintf(num, sizeof(num), "%" PRId64, v->amount_at_risk_fen);
        put_field(f, num, 1);
    }
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
