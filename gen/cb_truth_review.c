/* cb_truth_review.c -- docs/RULES.md section 9 for the ground truth: the
 * register name against the names other feeds give a person.  Which
 * death notices apply (a notice naming someone else does not, so the
 * person stays alive), and the review items name_mismatch and
 * death_unconfirmed, all open: the truth has no decisions.  Names are
 * compared by their normal form (cb_name.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_name.h"
#include "cb_truth_int.h"

const char *cb_truth_norm(const char *name, char *buf)
{
    if (cb_name_normalize(name, strlen(name), buf, NORM_SIZE) < 0)
        snprintf(buf, NORM_SIZE, "%s", name);
    return buf;
}

const char *cb_truth_register_norm(const cb_truth *t, const person *p,
                                   char *buf)
{
    if (p->name_st == NONE_STAMP)
        return NULL;
    return cb_truth_norm(str_at(t, p->name), buf);
}

int cb_truth_notice_applied(const cb_truth *t, const named_ent *d,
                            const char *reg)
{
    char buf[NORM_SIZE];

    if (d->name == 0 || reg == NULL)
        return 1;
    return strcmp(cb_truth_norm(str_at(t, d->name), buf), reg) == 0;
}

int32_t cb_truth_applied_death(const cb_truth *t, const person *p,
                               const char *reg, uint32_t *tw)
{
    int32_t death = CB_DATE_NONE;
    const named_ent *first = NULL;

    for (uint32_t i = p->deaths; i != 0;
         i = AT(t->deaths, named_ent, i)->next) {
        const named_ent *d = AT(t->deaths, named_ent, i);
        if (!cb_truth_notice_applied(t, d, reg))
            continue;
        if (death == CB_DATE_NONE || d->date < death)
            death = d->date;
        if (first == NULL ||
            strcmp(str_at(t, d->eid), str_at(t, first->eid)) < 0)
            first = d;
    }
    *tw = first != NULL ? first->tw : 0;
    return death;
}

/* ------------------------------------------------------------- items */

/* A named row with its name's normal form, to be grouped by it. */
typedef struct keyed {
    char norm[NORM_SIZE];
    const char *eid;
    const named_ent *row;
} keyed;

/* By normal form, then event id (bytewise): a group's rows come together
 * with its evidence in order, the smallest event id first. */
static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);

    return c != 0 ? c : strcmp(x->eid, y->eid);
}

cb_truth_review *cb_truth_review_new(review_rows *rows)
{
    if (rows->n == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 64;
        cb_truth_review *v = realloc(rows->v, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        rows->v = v;
        rows->cap = cap;
    }
    memset(&rows->v[rows->n], 0, sizeof(rows->v[0]));
    return &rows->v[rows->n++];
}

void cb_truth_review_id(const cb_truth *t, cb_truth_review *r,
                        const char *other)
{
    r->review_id[0] = 'R';
    cb_idkey_review(t->ids, cb_review_kind_symbol(r->kind), r->subject_id,
                    strlen(r->subject_id), other, strlen(other),
                    r->review_id + 1);
}

const char *cb_truth_person_township(const cb_truth *t, const person *p)
{
    if (p->stay_st != NONE_STAMP)
        return code_str(t, p->stay_tw);
    if (p->leave_st != NONE_STAMP)
        return code_str(t, p->leave_tw);
    return NULL;
}

/* One item of kind for person p over the rows k[0..n) (one normal form,
 * sorted by event id). */
static int add_item(const cb_truth *t, const person *p, int kind,
                    const keyed *k, size_t n, review_rows *rows)
{
    cb_truth_review *r = cb_truth_review_new(rows);
    const char *reg = str_at(t, p->name), *other = str_at(t, k[0].row->name);
    const char *tw;
    size_t len = 0;

    if (r == NULL)
        return -1;
    r->kind = kind;
    r->status = CB_REVIEW_OPEN;
    cb_truth_person_id(p->key, r->subject_id);
    cb_truth_review_id(t, r, k[0].norm);
    /* Township: the stay's, the leaving row's, or the evidence row's with
     * the smallest event id. */
    tw = cb_truth_person_township(t, p);
    if (tw == NULL)
        tw = code_str(t, k[0].row->tw);
    snprintf(r->township_code, sizeof(r->township_code), "%s", tw);
    /* "register|other", the other as the smallest event id writes it */
    len = strlen(reg) + strlen(other) + 2;
    r->names = malloc(len);
    if (r->names == NULL)
        return -1;
    snprintf(r->names, len, "%s|%s", reg, other);
    len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(k[i].eid) + 1;
    r->evidence = malloc(len + 1);
    if (r->evidence == NULL)
        return -1;
    len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e = strlen(k[i].eid);
        if (i > 0)
            r->evidence[len++] = ' ';
        memcpy(r->evidence + len, k[i].eid, e);
        len += e;
    }
    r->evidence[len] = '\0';
    return 0;
}

/* The items of kind over one list of named rows: one per normal form
 * other than the register name's, rows without a name left out. */
static int items_of(const cb_truth *t, const person *p, int kind,
                    const vec *v, uint32_t head, const char *reg,
                    review_rows *rows)
{
    keyed *k;
    size_t n = 0, cap = 0;
    int rc = 0;

    for (uint32_t i = head; i != 0; i = AT(*v, named_ent, i)->next)
        cap++;
    if (cap == 0)
        return 0;
    k = malloc(cap * sizeof(*k));
    if (k == NULL)
        return -1;
    for (uint32_t i = head; i != 0; i = AT(*v, named_ent, i)->next) {
        const named_ent *x = AT(*v, named_ent, i);
        if (x->name == 0)
            continue;
        cb_truth_norm(str_at(t, x->name), k[n].norm);
        if (strcmp(k[n].norm, reg) == 0)
            continue;
        k[n].eid = str_at(t, x->eid);
        k[n++].row = x;
    }
    if (n > 1)
        qsort(k, n, sizeof(*k), cmp_keyed);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && strcmp(k[j].norm, k[i].norm) == 0)
            j++;
        rc = add_item(t, p, kind, k + i, j - i, rows);
        i = j;
    }
    free(k);
    return rc;
}

int cb_truth_person_reviews(const cb_truth *t, const person *p,
                            const char *reg, review_rows *rows)
{
    if (reg == NULL)
        return 0; /* no register name, nothing to disagree with */
    if (items_of(t, p, CB_REVIEW_NAME_MISMATCH, &t->names, p->names, reg,
                 rows) != 0)
        return -1;
    return items_of(t, p, CB_REVIEW_DEATH_UNCONFIRMED, &t->deaths, p->deaths,
                    reg, rows);
}
