/* cb_report.c -- township progress against targets (cb_report.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_report.h"
#include "cb_reviewrec.h"
#include "cb_time.h"

static int by_code(const void *x, const void *y)
{
    return strcmp(((const cb_report_row *)x)->code,
                  ((const cb_report_row *)y)->code);
}

cb_report_row *cb_report_row_of(cb_report *rp, const char *code)
{
    cb_report_row key;

    snprintf(key.code, sizeof(key.code), "%s", code);
    return bsearch(&key, rp->rows, rp->n, sizeof(*rp->rows), by_code);
}

int cb_report_count(const cb_lead *l, void *report)
{
    cb_report *rp = report;
    cb_report_row *r;

    if (cb_date_of_time(l->opened_at) > rp->as_of)
        return 0;
    if (l->status == CB_STATUS_CLOSED &&
        cb_date_of_time(l->closed_at) <= rp->as_of)
        return 0;
    r = cb_report_row_of(rp, l->township_code);
    if (r != NULL && l->reason >= 0 && l->reason < CB_REPORT_REASONS)
        r->open[l->reason]++;
    return 0;
}

int cb_report_count_review(const char *id_digits, const cb_reviewrec *r,
                           void *report)
{
    cb_report *rp = report;
    cb_report_row *w;
    char code[CB_CODE_SIZE];

    (void)id_digits;
    if (cb_date_of_time(r->raised) > rp->as_of)
        return 0;
    if (r->status != CB_REVIEW_OPEN && r->resolved != CB_TIME_NONE &&
        cb_date_of_time(r->resolved) <= rp->as_of)
        return 0;
    cb_code_to_text(r->township, code, sizeof(code));
    if ((w = cb_report_row_of(rp, code)) != NULL && r->kind >= 0 &&
        r->kind < CB_REPORT_REVIEW_KINDS)
        w->open_reviews[r->kind]++;
    return 0;
}

const char *cb_report_review_column(int k, char *buf, size_t size)
{
    const char *sym = cb_review_kind_symbol(k);

    snprintf(buf, size, "%s%s", sym ? "open_" : "", sym ? sym : "");
    return buf;
}

/* Target and enrolled count of one row. */
static int load_row(cb_store *store, cb_report *rp, cb_report_row *w,
                    char *errstr, size_t errstr_size)
{
    cb_redis *r = cb_store_redis(store);
    redisReply *t = cb_redis_commandf(r, "HGET " CB_KEY_TARGETS " %s:%d", w->code,
                                      rp->year);

    if (t == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
        return -1;
    }
    w->target = t->type == REDIS_REPLY_STRING ? strtoll(t->str, NULL, 10)
                                              : -1;
    freeReplyObject(t);
    /* enrolled: summed over the partitions, dated up to the day */
    for (int p = 0; p < cb_store_partitions(store); p++) {
        redisReply *c = cb_redis_commandf(
            r, "ZCOUNT cb:pg:{p%d}:%s:%d -inf %" PRId32, p, w->code,
            rp->year, rp->as_of);
        if (c == NULL) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
            return -1;
        }
        if (c->type == REDIS_REPLY_INTEGER)
            w->enrolled += c->integer;
        freeReplyObject(c);
    }
    return 0;
}

int cb_report_load(cb_store *store, int year, int32_t as_of, cb_report *rp,
                   char *errstr, size_t errstr_size)
{
    cb_redis *r = cb_store_redis(store);
    redisReply *tw;

    memset(rp, 0, sizeof(*rp));
    rp->year = year;
    rp->as_of = as_of;
    tw = cb_redis_commandf(r, "HGETALL " CB_KEY_TOWNSHIPS);
    if (tw == NULL || tw->type != REDIS_REPLY_ARRAY) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
        if (tw != NULL)
            freeReplyObject(tw);
        return -1;
    }
    if (tw->elements == 0) {
        freeReplyObject(tw);
        snprintf(errstr, errstr_size, "no township table in Redis: load one "
                 "with canbao targets FILE");
        return -1;
    }
    rp->rows = calloc(tw->elements / 2, sizeof(*rp->rows));
    if (rp->rows == NULL) {
        freeReplyObject(tw);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i + 1 < tw->elements; i += 2) {
        cb_report_row *w = &rp->rows[rp->n++];
        snprintf(w->code, sizeof(w->code), "%s", tw->element[i]->str);
        snprintf(w->name, sizeof(w->name), "%s", tw->element[i + 1]->str);
        if (load_row(store, rp, w, errstr, errstr_size) != 0) {
            freeReplyObject(tw);
            cb_report_free(rp);
            return -1;
        }
    }
    freeReplyObject(tw);
    qsort(rp->rows, rp->n, sizeof(*rp->rows), by_code);
    return 0;
}

void cb_report_free(cb_report *rp)
{
    free(rp->rows);
    rp->rows = NULL;
    rp->n = 0;
}
