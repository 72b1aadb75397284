/* cb_api_reviews.c -- the review routes of the workbench (cb_api.h): the
 * queue of review items (docs/RULES.md 9.3) a township decides, masked;
 * one item whole (audited); a reviewer's verdict on one (audited). */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api_int.h"
#include "cb_decisionrec.h"
#include "cb_idkey.h"
#include "cb_mask.h"
#include "cb_pack.h"
#include "cb_reviewrec.h"
#include "cb_time.h"

/* ------------------------------------------------------------ an item */

/* Whether verdict v may be given on an item of kind k: a probable_typo is
 * corrected or rejected, any other item confirmed or rejected (what the
 * page offers; cb_store_review is the judge). */
static int verdict_fits(int k, int v)
{
    if (v == CB_VERDICT_REJECT)
        return 1;
    return k == CB_REVIEW_PROBABLE_TYPO ? v == CB_VERDICT_CORRECT
                                        : v == CB_VERDICT_CONFIRM;
}

/* A short packed string as JSON text, masked as an ID number or a name
 * when mask; NULL for an empty one. */
static json_t *str_json(const cb_str *s, int mask, int is_name)
{
    char text[256], m[256];

    cb_str_to_text(s, text, sizeof(text));
    if (text[0] == '\0')
        return json_null();
    if (mask && is_name) {
        cb_mask_name(text, m, sizeof(m));
        return json_string(m);
    }
    if (mask) {
        char id[CB_MASK_BUFSZ];
        cb_mask_id(text, id);
        return json_string(id);
    }
    return json_string(text);
}

static json_t *time_json(int64_t ms)
{
    char t[CB_TIME_BUFSZ];

    if (ms == CB_TIME_NONE)
        return json_null();
    cb_time_format(ms, t);
    return json_string(t);
}

/* An item as the queue shows it (masked) or as its own page does (whole):
 * the columns of `canbao reviews`, the two names apart, the amount at
 * risk (0 but for duplicate_identity), and the verdicts its kind takes. */
static json_t *review_json(const char *id_digits, const cb_reviewrec *r,
                           int mask)
{
    char id[2 + CB_ID_DIGITS], tw[CB_CODE_SIZE];
    const char *kind = cb_review_kind_symbol(r->kind);
    const char *status = cb_review_status_symbol(r->status);
    json_t *verdicts = json_array();

    snprintf(id, sizeof(id), "R%s", id_digits);
    cb_code_to_text(r->township, tw, sizeof(tw));
    for (int v = 0; v < CB_VERDICT_COUNT; v++)
        if (verdict_fits(r->kind, v))
            json_array_append_new(verdicts,
                                  json_string(cb_review_verdict_symbol(v)));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s%, s:I, "
                     "s:o, s:o, s:o}",
                     "review_id", id, "kind", kind ? kind : "", "status",
                     status ? status : "", "township_code", tw,
                     "subject_id", str_json(&r->subject_id, mask, 0),
                     "other_id", str_json(&r->other_id, mask, 0),
                     "register_name", str_json(&r->register_name, mask, 1),
                     "other_name", str_json(&r->other_name, mask, 1),
                     "evidence", r->evidence ? r->evidence : "",
                     r->evidence_len, "amount_at_risk_fen",
                     (json_int_t)r->amount, "raised_at", time_json(r->raised),
                     "resolved_at", time_json(r->resolved), "verdicts",
                     verdicts);
}

/* -------------------------------------------------------------- queue */

/* An item of the queue: what it is sorted by, and its JSON. */
typedef struct queued {
    int64_t township, raised;
    char id[CB_ID_DIGITS + 1];
    json_t *j;
} queued;

typedef struct review_list {
    cb_review_filter filter;
    queued *v;
    size_t n, cap;
    int nomem;
} review_list;

static int add_review(const char *id_digits, const cb_reviewrec *r,
                      void *opaque)
{
    review_list *l = opaque;

    if (!cb_review_filter_keeps(&l->filter, r))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        queued *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            l->nomem = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    queued *q = &l->v[l->n];
    q->township = r->township;
    q->raised = r->raised;
    memcpy(q->id, id_digits, sizeof(q->id));
    if ((q->j = review_json(id_digits, r, 1)) == NULL) {
        l->nomem = 1;
        return 1;
    }
    l->n++;
    return 0;
}

/* Township, then the oldest first, then by id: as `canbao reviews`. */
static int review_order(const void *x, const void *y)
{
    const queued *a = x, *b = y;

    if (a->township != b->township)
        return a->township < b->township ? -1 : 1;
    if (a->raised != b->raised)
        return a->raised < b->raised ? -1 : 1;
    return strcmp(a->id, b->id);
}

void cb_api_get_reviews(const cb_http_req *req, cb_http_resp *resp,
                        cb_store *st, const cb_session *s, int *failed)
{
    review_list l = {{NULL, -1, CB_REVIEW_OPEN}, NULL, 0, 0, 0};
    const char *v;
    char err[256];

    if (!cb_api_township_arg(req, resp, s, &l.filter.township))
        return;
    if ((v = cb_http_query(req, "kind")) != NULL && *v &&
        (l.filter.kind = cb_review_kind_value(v)) < 0) {
        cb_api_reply_error(resp, 400, "kind is not a review kind");
        return;
    }
    if ((v = cb_http_query(req, "status")) != NULL && *v) {
        l.filter.status =
            strcmp(v, "all") == 0 ? -1 : cb_review_status_value(v);
        if (l.filter.status < 0 && strcmp(v, "all") != 0) {
            cb_api_reply_error(resp, 400, "status is open, confirmed, "
                               "rejected, corrected or all");
            return;
        }
    }
    int rc = cb_store_each_review(st, add_review, &l, err, sizeof(err));
    json_t *list = json_array();
    if (rc == 0 && !l.nomem && list != NULL) {
        if (l.n > 1)
            qsort(l.v, l.n, sizeof(*l.v), review_order);
        for (size_t i = 0; i < l.n; i++) {
            json_array_append_new(list, l.v[i].j);
            l.v[i].j = NULL;
        }
    }
    for (size_t i = 0; i < l.n; i++)
        json_decref(l.v[i].j);
    free(l.v);
    if (l.nomem || list == NULL) {
        json_decref(list);
        cb_api_reply_error(resp, 500, "out of memory");
        return;
    }
    if (rc != 0) {
        *failed = 1;
        json_decref(list);
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    cb_api_reply_json(resp, 200, json_pack("{s:I, s:o}", "total",
                                           (json_int_t)l.n, "reviews",
                                           list));
}

/* ----------------------------------------------------------- one item */

/* A review id: "R" and 16 lower-case hex digits. */
static int review_id_ok(const char *s)
{
    if (s[0] != 'R' || strlen(s) != 1 + CB_ID_DIGITS)
        return 0;
    for (int i = 1; i <= CB_ID_DIGITS; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Item id as stored: 1 with *r (pointing into *reply, which the caller
 * frees) and its partition, 0 when there is none, -1 with errstr. */
static int load_review(cb_store *st, const char *id, cb_reviewrec *r,
                       redisReply **reply, int *partition, char *errstr,
                       size_t errstr_size)
{
    cb_subject subject;
    cb_str other;
    char key[96];
    int kind;

    *reply = NULL;
    int rc = cb_store_find_review(st, id, &subject, partition, &kind, &other,
                                  errstr, errstr_size);
    if (rc <= 0)
        return rc;
    cb_store_key(key, sizeof(key), "rev", *partition);
    *reply = cb_redis_commandf(cb_store_redis(st), "HGET %s %s", key, id + 1);
    if (*reply == NULL) {
        snprintf(errstr, errstr_size, "%s",
                 cb_redis_errstr(cb_store_redis(st)));
        return -1;
    }
    if ((*reply)->type == REDIS_REPLY_STRING &&
        cb_reviewrec_decode((*reply)->str, (*reply)->len, r) == 0)
        return 1;
    freeReplyObject(*reply);
    *reply = NULL;
    return 0;
}

/* The item a request names, checked against the account: 1 as
 * load_review; otherwise answers 400, 404 or 503 and returns 0 (-1 on
 * Redis trouble).  Another township's item gets the very answer of one
 * that does not exist, as a lead does (cb_api_leads.c), so that ids cannot
 * be probed. */
static int review_of(cb_http_resp *resp, cb_store *st, const cb_session *s,
                     const char *id, cb_reviewrec *r, redisReply **reply,
                     int *partition)
{
    char err[256], tw[CB_CODE_SIZE];

    *reply = NULL;
    if (!review_id_ok(id)) {
        cb_api_reply_error(resp, 400, "a review id is R and 16 hex digits");
        return 0;
    }
    int rc = load_review(st, id, r, reply, partition, err, sizeof(err));
    if (rc < 0) {
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return -1;
    }
    if (rc == 1) {
        cb_code_to_text(r->township, tw, sizeof(tw));
        if (cb_api_may_see(s, tw))
            return 1;
        freeReplyObject(*reply);
        *reply = NULL;
    }
    cb_api_reply_error(resp, 404, "no review item %s", id);
    return 0;
}

/* The last verdict on item id of partition p, with its day and reason,
 * into j; nothing when none. */
static void add_verdict(cb_store *st, int p, const char *id, json_t *j)
{
    cb_decisionrec d;
    char key[96], day[11];
    redisReply *reply;

    cb_store_key(key, sizeof(key), "rdec", p);
    reply = cb_redis_commandf(cb_store_redis(st), "HGET %s %s", key, id + 1);
    if (reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_STRING &&
        cb_decisionrec_decode(reply->str, reply->len, &d) == 0 &&
        cb_review_verdict_symbol(d.decision) != NULL) {
        cb_date_format(d.day, day);
        json_object_set_new(
            j, "verdict",
            json_pack("{s:s, s:s, s:s%}", "verdict",
                      cb_review_verdict_symbol(d.decision), "day", day,
                      "reason", d.why, d.why_len));
    }
    freeReplyObject(reply);
}

void cb_api_get_review(cb_api *a, cb_http_resp *resp, cb_store *st,
                       const cb_session *s, const char *id, int *failed)
{
    cb_reviewrec r;
    redisReply *reply;
    char tw[CB_CODE_SIZE], err[256];
    cb_buf evidence = {0};
    int p;

    int rc = review_of(resp, st, s, id, &r, &reply, &p);
    if (rc <= 0) {
        *failed = rc < 0;
        return;
    }
    /* a pair's amount and evidence come from the two states */
    if (cb_store_review_risk(st, &r, &evidence, err, sizeof(err)) != 0) {
        freeReplyObject(reply);
        cb_buf_free(&evidence);
        *failed = 1;
        return;
    }
    json_t *j = review_json(id + 1, &r, 0);
    cb_code_to_text(r.township, tw, sizeof(tw));
    freeReplyObject(reply); /* r points into it */
    cb_buf_free(&evidence);
    add_verdict(st, p, id, j);
    atomic_fetch_add(&a->review_views, 1);
    cb_api_audit(st, s, tw, "view_review", id, "", "");
    cb_api_reply_json(resp, 200, j);
}

/* ------------------------------------------------------------ verdict */

void cb_api_post_review(cb_api *a, const cb_http_req *req,
                        cb_http_resp *resp, cb_store *st,
                        const cb_session *s, const char *id, int *failed)
{
    json_t *body = NULL;
    const char *verdict = NULL, *note = NULL, *before;
    cb_reviewrec r;
    redisReply *reply = NULL;
    char why[CB_DECISION_WHY_MAX + 1], err[512], tw[CB_CODE_SIZE],
        after[CB_DECISION_WHY_MAX + 64];
    int p, status, v;

    if (!cb_api_change_allowed(a, req, resp, s))
        return;
    int rc = review_of(resp, st, s, id, &r, &reply, &p);
    if (rc <= 0) {
        *failed = rc < 0;
        return;
    }
    before = cb_review_status_symbol(r.status);
    cb_code_to_text(r.township, tw, sizeof(tw));
    freeReplyObject(reply); /* r points into it: only tw kept */
    if (!cb_api_json_body(req, resp, &body))
        return;
    if (json_unpack(body, "{s:s, s?s}", "verdict", &verdict, "reason",
                    &note) != 0) {
        json_decref(body);
        cb_api_reply_error(resp, 400, "send {\"verdict\": .., \"reason\": ..}");
        return;
    }
    /* which verdict fits the item's kind is the store's to say: its
     * refusal is answered in its words, below */
    v = cb_review_verdict_value(verdict);
    size_t note_len = note ? strlen(note) : 0;
    const char *bad =
        v < 0 ? "verdict is confirm, reject or correct"
        : note_len == 0 ? "a verdict needs a reason"
        : note_len > CB_DECISION_WHY_MAX ? "reason is at most 1000 bytes"
        : cb_utf8_valid_prefix(note, note_len) != note_len
            ? "reason is not UTF-8"
            : NULL;
    if (bad != NULL) {
        json_decref(body);
        cb_api_reply_error(resp, 400, "%s", bad);
        return;
    }
    /* the reason kept, ID numbers in it masked (as a lead's note) */
    snprintf(why, sizeof(why), "%s", note);
    json_decref(body); /* verdict and note point into it */
    cb_mask_ids_in_text(why, strlen(why));
    err[0] = '\0';
    rc = cb_store_review(st, id, v, why, cb_api_now_ms(a), &status, err,
                         sizeof(err));
    if (rc < 0) {
        /* Redis trouble, or the store refused the verdict: its words */
        *failed = cb_redis_errstr(cb_store_redis(st))[0] != '\0';
        cb_api_reply_error(resp, *failed ? 503 : 400, "%s", err);
        return;
    }
    if (rc == 0) {
        cb_api_reply_error(resp, 404, "no review item %s", id);
        return;
    }
    atomic_fetch_add(&a->verdicts, 1);
    /* before: the item's status; after: its status now, the verdict and
     * the reason given */
    snprintf(after, sizeof(after), "%s; %s: %s",
             cb_review_status_symbol(status), cb_review_verdict_symbol(v),
             why);
    cb_api_audit(st, s, tw, "decide_review", id, before ? before : "",
                 after);
    /* the item after, masked, as the queue shows it (its status alone if
     * it has gone meanwhile) */
    json_t *j;
    if (load_review(st, id, &r, &reply, &p, err, sizeof(err)) == 1) {
        cb_buf evidence = {0};
        /* on Redis trouble the item shows as stored */
        cb_store_review_risk(st, &r, &evidence, err, sizeof(err));
        j = review_json(id + 1, &r, 1);
        freeReplyObject(reply);
        cb_buf_free(&evidence);
    } else {
        j = json_pack("{s:s, s:s}", "review_id", id, "status",
                      cb_review_status_symbol(status));
    }
    cb_api_reply_json(resp, 200, j);
}
