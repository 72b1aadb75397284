/* cb_truth_ident.c -- docs/RULES.md 9.3 for the ground truth, the review
 * items about numbers rather than names: probable_typo (a row refused for
 * a slip in a person's number, whose one candidate is found by name and
 * by the slips that undo it) and duplicate_identity (one person, by name,
 * birth date and sex, under two numbers that both hold an active pension,
 * with the money paid or contributed twice).  Both are judged from the
 * truth's own state: the suspects kept by cb_truth_add_refused and the
 * persons' states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_truth_int.h"

/* Joins event ids (sorted bytewise by the caller) with spaces; NULL when
 * memory runs out. */
static char *join_eids(const char *const *eids, size_t n)
{
    size_t len = 1;
    char *out;

    for (size_t i = 0; i < n; i++)
        len += strlen(eids[i]) + 1;
    out = malloc(len);
    if (out == NULL)
        return NULL;
    len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(eids[i]);
        if (i > 0)
            out[len++] = ' ';
        memcpy(out + len, eids[i], k);
        len += k;
    }
    out[len] = '\0';
    return out;
}

/* "first|second"; NULL when memory runs out. */
static char *join_names(const char *first, const char *second)
{
    size_t len = strlen(first) + strlen(second) + 2;
    char *out = malloc(len);

    if (out != NULL)
        snprintf(out, len, "%s|%s", first, second);
    return out;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ------------------------------------------------------ probable_typo */

/* A suspect with its one candidate. */
typedef struct matched {
    uint64_t cand; /* the candidate's key */
    const suspect_ent *s;
    const char *eid;
} matched;

/* A suspect with the strings it is sorted by. */
typedef struct sorted_suspect {
    const char *eid, *name;
    const suspect_ent *s;
} sorted_suspect;

/* By event id, then by what the row says, so that a second delivery of
 * an event id (the same row) is dropped the same way in any order. */
static int cmp_suspect(const void *a, const void *b)
{
    const sorted_suspect *x = a, *y = b;
    int c = strcmp(x->eid, y->eid);

    if (c == 0)
        c = strcmp(x->s->written, y->s->written);
    if (c == 0)
        c = strcmp(x->name, y->name);
    if (c == 0)
        c = (x->s->tw > y->s->tw) - (x->s->tw < y->s->tw);
    return c;
}

/* By candidate, then number as written, then event id: an item's
 * suspects together, its evidence in order. */
static int cmp_matched(const void *a, const void *b)
{
    const matched *x = a, *y = b;
    int c;

    if (x->cand != y->cand)
        return x->cand < y->cand ? -1 : 1;
    c = strcmp(x->s->written, y->s->written);
    return c != 0 ? c : strcmp(x->eid, y->eid);
}

/* Is number (18 characters) a valid resident number of a person whose
 * register name has normal form norm?  Adds its key to cand[] (at most
 * 2 kept, *n counts the distinct ones up to 2). */
static void try_candidate(const cb_truth *t, const char *number,
                          const char *norm, uint64_t cand[2], int *n)
{
    char buf[NORM_SIZE];
    const char *reg;
    const person *p;
    uint64_t key;

    if (cb_ident_check_person(number, 18, NULL) != CB_IDENT_OK)
        return;
    key = cb_truth_person_key(number);
    p = cb_truth_person_find(t, key);
    if (p == NULL)
        return;
    reg = cb_truth_register_norm(t, p, buf);
    if (reg == NULL || strcmp(reg, norm) != 0)
        return;
    for (int i = 0; i < *n; i++)
        if (cand[i] == key)
            return;
    if (*n < 2)
        cand[(*n)++] = key;
}

/* The number of candidates of a suspect (0, 1, or 2 for "two or more"),
 * the one in *key: every number one character away from the written one
 * or with two adjacent characters swapped, that belongs to a person of the
 * suspect's name. */
static int candidates(const cb_truth *t, const suspect_ent *s, uint64_t *key)
{
    static const char alphabet[] = "0123456789X";
    char norm[NORM_SIZE], v[CB_ID_SIZE];
    uint64_t cand[2];
    int n = 0;

    cb_truth_norm(str_at(t, s->name), norm);
    for (int i = 0; i < 18 && n < 2; i++) {
        /* X is a check character only */
        for (int c = 0; c < (i == 17 ? 11 : 10) && n < 2; c++) {
            if (s->written[i] == alphabet[c])
                continue;
            memcpy(v, s->written, CB_ID_SIZE);
            v[i] = alphabet[c];
            try_candidate(t, v, norm, cand, &n);
        }
    }
    for (int i = 0; i < 17 && n < 2; i++) {
        if (s->written[i] == s->written[i + 1])
            continue;
        memcpy(v, s->written, CB_ID_SIZE);
        v[i] = s->written[i + 1];
        v[i + 1] = s->written[i];
        try_candidate(t, v, norm, cand, &n);
    }
    if (n == 1)
        *key = cand[0];
    return n;
}

/* One probable_typo item for the suspects m[0..n) (one candidate, one
 * number as written, sorted by event id). */
static int typo_item(const cb_truth *t, const matched *m, size_t n,
                     review_rows *rows)
{
    const person *c = cb_truth_person_find(t, m[0].cand);
    cb_truth_review *r = cb_truth_review_new(rows);
    const char **eids;
    const char *tw;

    if (r == NULL)
        return -1;
    r->kind = CB_REVIEW_PROBABLE_TYPO;
    r->status = CB_REVIEW_OPEN;
    cb_truth_person_id(c->key, r->subject_id);
    snprintf(r->other_id, sizeof(r->other_id), "%s", m[0].s->written);
    cb_truth_review_id(t, r, r->other_id);
    tw = cb_truth_person_township(t, c);
    snprintf(r->township_code, sizeof(r->township_code), "%s",
             tw != NULL ? tw : code_str(t, m[0].s->tw));
    r->names = join_names(str_at(t, c->name), str_at(t, m[0].s->name));
    eids = malloc(n * sizeof(*eids));
    if (r->names == NULL || eids == NULL) {
        free(eids);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        eids[i] = m[i].eid;
    r->evidence = join_eids(eids, n);
    free(eids);
    return r->evidence == NULL ? -1 : 0;
}

static int typo_items(const cb_truth *t, review_rows *rows)
{
    size_t ns = t->suspects.n - 1, nm = 0;
    sorted_suspect *s = NULL;
    matched *m = NULL;
    int rc = -1;

    if (ns == 0)
        return 0;
    s = malloc(ns * sizeof(*s));
    m = malloc(ns * sizeof(*m));
    if (s == NULL || m == NULL)
        goto out;
    for (size_t i = 0; i < ns; i++) {
        s[i].s = AT(t->suspects, suspect_ent, (uint32_t)(i + 1));
        s[i].eid = str_at(t, s[i].s->eid);
        s[i].name = str_at(t, s[i].s->name);
    }
    qsort(s, ns, sizeof(*s), cmp_suspect);
    for (size_t i = 0; i < ns; i++) {
        uint64_t key;
        if (i > 0 && strcmp(s[i].eid, s[i - 1].eid) == 0)
            continue; /* an event id seen twice counts once */
        if (candidates(t, s[i].s, &key) != 1)
            continue; /* none, or ambiguous: nothing to say */
        m[nm].cand = key;
        m[nm].s = s[i].s;
        m[nm++].eid = s[i].eid;
    }
    if (nm > 1)
        qsort(m, nm, sizeof(*m), cmp_matched);
    for (size_t i = 0; i < nm;) {
        size_t j = i;
        while (j < nm && m[j].cand == m[i].cand &&
               strcmp(m[j].s->written, m[i].s->written) == 0)
            j++;
        if (typo_item(t, m + i, j - i, rows) != 0)
            goto out;
        i = j;
    }
    rc = 0;
out:
    free(s);
    free(m);
    return rc;
}

/* ------------------------------------------------- duplicate_identity */

/* A person holding an active pension, by what identifies a person
 * without the number: the normal form of the register name (its hash
 * here, the text compared in each pair), the birth date and the sex. */
typedef struct holder {
    uint64_t name_hash;
    uint64_t born_sex; /* YYYYMMDD * 10 + the sequence's parity */
    uint64_t key;
    const person *p;
} holder;

static int cmp_holder(const void *a, const void *b)
{
    const holder *x = a, *y = b;

    if (x->name_hash != y->name_hash)
        return x->name_hash < y->name_hash ? -1 : 1;
    if (x->born_sex != y->born_sex)
        return x->born_sex < y->born_sex ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The latest row of employee_pension or resident_pension says enrolled,
 * whatever its date. */
static int active_pension(const cb_truth *t, const person *p)
{
    for (uint32_t i = p->schemes; i != 0;
         i = AT(t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(t->schemes, scheme_ent, i);
        if (is_basic(s->scheme) && s->on)
            return 1;
    }
    return 0;
}

/* Per month and kind (benefit or contribution), a person's basic-pension
 * total of the facts kept. */
typedef struct month_sum {
    int16_t month;
    uint8_t benefit;
    int64_t total;
} month_sum;

/* Adds p's basic-pension facts to sums (at most cap entries, *n used). */
static int sum_facts(const cb_truth *t, const person *p, month_sum **sums,
                     size_t *n, size_t *cap)
{
    *n = 0;
    for (uint32_t i = p->facts; i != 0; i = AT(t->facts, fact_ent, i)->next) {
        const fact_ent *f = AT(t->facts, fact_ent, i);
        size_t k;
        if (!is_basic(SCHEME(f)))
            continue;
        for (k = 0; k < *n; k++)
            if ((*sums)[k].month == f->month &&
                (*sums)[k].benefit == IS_BENEFIT(f))
                break;
        if (k == *n) {
            if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 32;
                month_sum *v = realloc(*sums, c * sizeof(*v));
                if (v == NULL)
                    return -1;
                *sums = v;
                *cap = c;
            }
            (*sums)[k].month = f->month;
            (*sums)[k].benefit = (uint8_t)IS_BENEFIT(f);
            (*sums)[k].total = 0;
            (*n)++;
        }
        (*sums)[k].total += f->amount;
    }
    return 0;
}

/* Is there an entry of (month, benefit) in sums[0..n)?  Its total in
 * *total. */
static int find_sum(const month_sum *sums, size_t n, int16_t month,
                    int benefit, int64_t *total)
{
    for (size_t i = 0; i < n; i++)
        if (sums[i].month == month && sums[i].benefit == benefit) {
            *total = sums[i].total;
            return 1;
        }
    return 0;
}

/* Scratch space for the pairs. */
typedef struct dup_scratch {
    month_sum *a, *b;
    size_t na, nb, cap_a, cap_b;
    const char **eids;
    size_t neids, cap_eids;
} dup_scratch;

/* Keeps the event ids of x's basic facts of the months both were paid
 * (or both contributed) in. */
static int add_shared_eids(const cb_truth *t, const person *x,
                           const month_sum *other, size_t nother,
                           dup_scratch *sc)
{
    for (uint32_t i = x->facts; i != 0; i = AT(t->facts, fact_ent, i)->next) {
        const fact_ent *f = AT(t->facts, fact_ent, i);
        int64_t total;
        if (!is_basic(SCHEME(f)) ||
            !find_sum(other, nother, f->month, IS_BENEFIT(f), &total))
            continue;
        if (sc->neids == sc->cap_eids) {
            size_t c = sc->cap_eids ? sc->cap_eids * 2 : 64;
            const char **v = realloc(sc->eids, c * sizeof(*v));
            if (v == NULL)
                return -1;
            sc->eids = v;
            sc->cap_eids = c;
        }
        sc->eids[sc->neids++] = str_at(t, f->eid);
    }
    return 0;
}

/* The item of the pair a < b (by number). */
static int dup_item(const cb_truth *t, const person *a, const person *b,
                    dup_scratch *sc, review_rows *rows)
{
    cb_truth_review *r;
    const char *tw;
    int64_t amount = 0;

    if (sum_facts(t, a, &sc->a, &sc->na, &sc->cap_a) != 0 ||
        sum_facts(t, b, &sc->b, &sc->nb, &sc->cap_b) != 0)
        return -1;
    /* each month both were paid (both contributed): the smaller total */
    for (size_t i = 0; i < sc->na; i++) {
        int64_t other;
        if (find_sum(sc->b, sc->nb, sc->a[i].month, sc->a[i].benefit, &other))
            amount += other < sc->a[i].total ? other : sc->a[i].total;
    }
    sc->neids = 0;
    if (add_shared_eids(t, a, sc->b, sc->nb, sc) != 0 ||
        add_shared_eids(t, b, sc->a, sc->na, sc) != 0)
        return -1;
    if (sc->neids > 1)
        qsort(sc->eids, sc->neids, sizeof(*sc->eids), cmp_cstr);
    r = cb_truth_review_new(rows);
    if (r == NULL)
        return -1;
    r->kind = CB_REVIEW_DUPLICATE_IDENTITY;
    r->status = CB_REVIEW_OPEN;
    r->amount_at_risk_fen = amount;
    cb_truth_person_id(a->key, r->subject_id);
    cb_truth_person_id(b->key, r->other_id);
    cb_truth_review_id(t, r, r->other_id);
    /* A's township, else B's, else the smallest evidence row's */
    tw = cb_truth_person_township(t, a);
    if (tw == NULL)
        tw = cb_truth_person_township(t, b);
    if (tw == NULL && sc->neids > 0) {
        for (int k = 0; k < 2 && tw == NULL; k++) {
            const person *x = k ? b : a;
            for (uint32_t i = x->facts; i != 0;
                 i = AT(t->facts, fact_ent, i)->next) {
                const fact_ent *f = AT(t->facts, fact_ent, i);
                if (strcmp(str_at(t, f->eid), sc->eids[0]) == 0) {
                    tw = code_str(t, f->township);
                    break;
                }
            }
        }
    }
    snprintf(r->township_code, sizeof(r->township_code), "%s",
             tw != NULL ? tw : "");
    r->names = join_names(str_at(t, a->name), str_at(t, b->name));
    r->evidence = join_eids(sc->eids, sc->neids);
    return r->names == NULL || r->evidence == NULL ? -1 : 0;
}

static int dup_items(const cb_truth *t, review_rows *rows)
{
    holder *h = NULL;
    size_t n = 0;
    dup_scratch sc;
    char na[NORM_SIZE], nb[NORM_SIZE];
    int rc = -1;

    memset(&sc, 0, sizeof(sc));
    for (uint32_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        if (p->name_st != NONE_STAMP && active_pension(t, p))
            n++;
    }
    if (n < 2)
        return 0;
    h = malloc(n * sizeof(*h));
    if (h == NULL)
        return -1;
    n = 0;
    for (uint32_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        if (p->name_st == NONE_STAMP || !active_pension(t, p))
            continue;
        h[n].name_hash = hash_text(cb_truth_register_norm(t, p, na));
        /* the key's digits: 6 of the area, 8 of the birth date, 3 of
         * sequence, the last odd for a man */
        h[n].born_sex = p->key / 1000 % 100000000 * 10 + p->key % 2;
        h[n].key = p->key;
        h[n++].p = p;
    }
    qsort(h, n, sizeof(*h), cmp_holder);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && h[j].name_hash == h[i].name_hash &&
               h[j].born_sex == h[i].born_sex)
            j++;
        for (size_t x = i; x < j; x++) {
            cb_truth_register_norm(t, h[x].p, na);
            for (size_t y = x + 1; y < j; y++)
                if (strcmp(na, cb_truth_register_norm(t, h[y].p, nb)) == 0 &&
                    dup_item(t, h[x].p, h[y].p, &sc, rows) != 0)
                    goto out;
        }
        i = j;
    }
    rc = 0;
out:
    free(h);
    free(sc.a);
    free(sc.b);
    free(sc.eids);
    return rc;
}

int cb_truth_ident_reviews(const cb_truth *t, review_rows *rows)
{
    if (typo_items(t, rows) != 0)
        return -1;
    return dup_items(t, rows);
}
