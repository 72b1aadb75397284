/* cb_store_records.c -- what readers and township teams do with a
 * store (cb_store.h): leads, alerts and review items walked and read back
 * from their packed records, and the decisions and verdicts, each written
 * as a step of its own.  It sees the store only through cb_store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_alertrec.h"
#include "cb_decisionrec.h"
#include "cb_group.h"
#include "cb_idkey.h"
#include "cb_leadrec.h"
#include "cb_name.h"
#include "cb_reviewrec.h"
#include "cb_rules.h"
#include "cb_state.h"
#include "cb_store.h"

/* ------------------------------------------------------------- queries */

/* The last error of connection r (the store's or a node of it) into
 * errstr.  Returns -1. */
static int redis_error(cb_redis *r, char *errstr, size_t errstr_size)
{
    snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
    return -1;
}

/* Walks one hash with HSCAN, calling fn(field, value) for each entry. */
static int scan_hash(cb_store *store, const char *key,
                     int (*fn)(const redisReply *f, const redisReply *v,
                               void *opaque),
                     void *opaque, char *errstr, size_t errstr_size)
{
    char cursor[32] = "0";

    do {
        redisReply *r = cb_redis_commandf(cb_store_redis(store),
                                          "HSCAN %s %s COUNT 1000", key,
                                          cursor);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            snprintf(errstr, errstr_size, "%s",
                     r ? "bad reply to HSCAN"
                       : cb_redis_errstr(cb_store_redis(store)));
            if (r != NULL)
                freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        for (size_t i = 0; i + 1 < items->elements; i += 2) {
            if (fn(items->element[i], items->element[i + 1], opaque) != 0) {
                freeReplyObject(r);
                return 0;
            }
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

typedef struct lead_walk {
    cb_store *store;
    cb_store_lead_fn *fn;
    void *opaque;
    int stop;
} lead_walk;

static int one_lead(const redisReply *f, const redisReply *v, void *opaque)
{
    lead_walk *w = opaque;
    cb_lead l;

    if (cb_store_decode_lead(w->store, f->str, f->len, v->str, v->len,
                             &l) != 0)
        return 0; /* not ours to judge here; the matcher wrote it */
    w->stop = w->fn(&l, w->opaque);
    return w->stop;
}

/* Reads the replies of n pipelined reads of leads (HGETALL of a bucket:
 * its fields and values; HGET: the value, kept under the field
 * fields[i]) and hands each lead to w.  Every reply is read, even after w
 * stopped.  Returns 0, or -1 with errstr. */
static int take_leads(cb_redis *node, size_t n, redisReply *const *fields,
                      lead_walk *w, char *errstr, size_t errstr_size)
{
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        redisReply *r = cb_redis_get_reply(node);
        if (r == NULL)
            return redis_error(node, errstr, errstr_size);
        if (r->type == REDIS_REPLY_ERROR && rc == 0) {
            snprintf(errstr, errstr_size, "reading leads: %s", r->str);
            rc = -1;
        } else if (r->type == REDIS_REPLY_ARRAY) {
            for (size_t k = 1; k < r->elements && !w->stop; k += 2)
                one_lead(r->element[k - 1], r->element[k], w);
        } else if (r->type == REDIS_REPLY_STRING && !w->stop &&
                   fields != NULL) {
            one_lead(fields[i], r, w);
        }
        freeReplyObject(r);
    }
    return rc;
}

/* Every lead of partition p: its lead buckets' HGETALL, pipelined. */
static int each_lead_of(cb_store *store, int p, lead_walk *w, char *errstr,
                        size_t errstr_size)
{
    cb_redis *node = cb_store_node(store, p);
    unsigned nside = cb_store_side_buckets(store);

    for (unsigned b = 0; b < nside; b++) {
        char key[64];
        const char *argv[2] = {"HGETALL", key};
        size_t argvlen[2] = {7, 0};
        cb_store_bucket_key(key, sizeof(key), "lead", p, b);
        argvlen[1] = strlen(key);
        if (cb_redis_append(node, 2, argv, argvlen) != 0)
            return redis_error(node, errstr, errstr_size);
    }
    return take_leads(node, nside, NULL, w, errstr, errstr_size);
}

/* The leads of one township in partition p: its index, then one HGET a
 * subject it names, pipelined. */
static int township_leads_of(cb_store *store, int p, const char *township,
                             lead_walk *w, char *errstr, size_t errstr_size)
{
    char idx[96];
    cb_redis *node = cb_store_node(store, p);
    redisReply *ids;
    int rc = 0;

    snprintf(idx, sizeof(idx), "cb:lt:{p%d}:%s", p, township);
    ids = cb_redis_commandf(cb_store_redis(store), "ZRANGE %s 0 -1", idx);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        redis_error(cb_store_redis(store), errstr, errstr_size);
        if (ids != NULL)
            freeReplyObject(ids);
        return -1;
    }
    for (size_t i = 0; i < ids->elements && !w->stop && rc == 0; i += 500) {
        size_t n = ids->elements - i < 500 ? ids->elements - i : 500;
        for (size_t k = 0; k < n; k++) {
            const redisReply *id = ids->element[i + k];
            cb_subject sj;
            char key[64];
            unsigned b = cb_subject_from_key(id->str, id->len, &sj) == 0
                             ? cb_side_bucket(sj.id, strlen(sj.id),
                                              cb_store_side_buckets(store))
                             : 0;
            cb_store_bucket_key(key, sizeof(key), "lead", p, b);
            const char *argv[3] = {"HGET", key, id->str};
            size_t argvlen[3] = {4, strlen(key), id->len};
            if (cb_redis_append(node, 3, argv, argvlen) != 0) {
                freeReplyObject(ids);
                return redis_error(node, errstr, errstr_size);
            }
        }
        rc = take_leads(node, n, ids->element + i, w, errstr, errstr_size);
    }
    freeReplyObject(ids);
    return rc;
}

int cb_store_each_lead(cb_store *store, const char *township,
                       cb_store_lead_fn *fn, void *opaque, char *errstr,
                       size_t errstr_size)
{
    lead_walk w = {store, fn, opaque, 0};

    for (int p = 0; p < cb_store_partitions(store) && !w.stop; p++) {
        int rc = township == NULL
                     ? each_lead_of(store, p, &w, errstr, errstr_size)
                     : township_leads_of(store, p, township, &w, errstr,
                                         errstr_size);
        if (rc != 0)
            return -1;
    }
    return 0;
}

typedef struct alert_walk {
    cb_store_alert_fn *fn;
    void *opaque;
} alert_walk;

static int one_alert(const redisReply *f, const redisReply *v, void *opaque)
{
    alert_walk *w = opaque;
    cb_alert a;

    if (cb_store_decode_alert(f->str, v->str, v->len, &a) != 0)
        return 0;
    return w->fn(&a, w->opaque);
}

int cb_store_each_alert(cb_store *store, cb_store_alert_fn *fn, void *opaque,
                        char *errstr, size_t errstr_size)
{
    alert_walk w = {fn, opaque};

    for (int p = 0; p < cb_store_partitions(store); p++) {
        char key[96];
        cb_store_key(key, sizeof(key), "alert", p);
        if (scan_hash(store, key, one_alert, &w, errstr, errstr_size) != 0)
            return -1;
    }
    return 0;
}

int cb_store_find_lead(cb_store *store, const char *lead_id,
                       cb_subject *subject, int *partition, char *errstr,
                       size_t errstr_size)
{
    unsigned char field[CB_ID_DIGITS / 2];

    if (lead_id[0] != 'L' || strlen(lead_id) != 17 ||
        cb_id_to_bytes(lead_id + 1, field) != 0)
        return 0;
    for (int p = 0; p < cb_store_partitions(store); p++) {
        char key[96];
        cb_store_bucket_key(key, sizeof(key), "lid", p,
                            cb_lid_bucket(lead_id + 1,
                                          cb_store_side_buckets(store)));
        redisReply *r = cb_redis_commandf(cb_store_redis(store),
                                          "HGET %s %b", key, field,
                                          sizeof(field));
        if (r == NULL)
            return redis_error(cb_store_redis(store), errstr, errstr_size);
        if (r->type == REDIS_REPLY_STRING &&
            cb_subject_from_key(r->str, r->len, subject) == 0) {
            *partition = p;
            freeReplyObject(r);
            return 1;
        }
        freeReplyObject(r);
    }
    return 0;
}

int cb_store_get_lead(cb_store *store, int partition, const cb_subject *s,
                      cb_lead *lead, char *errstr, size_t errstr_size)
{
    char key[96];
    const char *argv[3];
    size_t argvlen[3];
    redisReply *r;
    int rc = 0;

    cb_store_bucket_key(key, sizeof(key), "lead", partition,
                        cb_side_bucket(s->id, strlen(s->id),
                                       cb_store_side_buckets(store)));
    argv[0] = "HGET";
    argvlen[0] = 4;
    argv[1] = key;
    argvlen[1] = strlen(key);
    argv[2] = s->key;
    argvlen[2] = s->key_len;
    r = cb_redis_command(cb_store_redis(store), 3, argv, argvlen);
    if (r == NULL)
        return redis_error(cb_store_redis(store), errstr, errstr_size);
    if (r->type == REDIS_REPLY_STRING &&
        cb_store_decode_lead(store, s->key, s->key_len, r->str, r->len,
                             lead) == 0)
        rc = 1;
    freeReplyObject(r);
    return rc;
}

/* ---------------------------------------------------- packed records */

int cb_store_decode_lead(cb_store *store, const char *key, size_t key_len,
                         const char *v,
                         size_t len, cb_lead *l)
{
    cb_leadrec r;
    cb_subject s;

    if (key != NULL && cb_subject_from_key(key, key_len, &s) != 0)
        return -1;
    if (cb_leadrec_decode(store != NULL ? cb_store_forms(store) : NULL, v, len,
                          key ? s.id : NULL, key ? strlen(s.id) : 0,
                          &r) != 0)
        return -1;
    return cb_leadrec_to_lead(&r, l);
}

int cb_store_decode_alert(const char *id, const char *v, size_t len,
                          cb_alert *a)
{
    cb_alertrec r;

    if (cb_alertrec_decode(v, len, &r) != 0)
        return -1;
    return cb_alertrec_to_alert(&r, id, a);
}

/* Applies op, one partition's ops packed by cb_ops.h, as a step of its
 * own at now_ms, and frees it.  Returns 0, or -1 with errstr. */
static int step_op(cb_store *store, int part, int64_t now_ms, cb_buf *op,
                   char *errstr, size_t errstr_size)
{
    cb_store_result res;
    int rc = cb_store_step(store, part, cb_date_of_time(now_ms), now_ms, op,
                           1, NULL, NULL, 0, &res, errstr, errstr_size);

    cb_buf_free(op);
    return rc != 0 ? -1 : 0;
}

int cb_store_decide(cb_store *store, const char *lead_id, int decision,
                    const char *why, int64_t now_ms, cb_lead *after,
                    char *errstr, size_t errstr_size)
{
    cb_subject subject;
    cb_buf op = {0};
    int part, rc;

    if (cb_decision_symbol(decision) == NULL) {
        snprintf(errstr, errstr_size, "no such decision");
        return -1;
    }
    if (decision == CB_DECISION_REFUSED && (why == NULL || *why == '\0')) {
        snprintf(errstr, errstr_size, "a refusal needs a reason");
        return -1;
    }
    rc = cb_store_find_lead(store, lead_id, &subject, &part, errstr,
                            errstr_size);
    if (rc <= 0)
        return rc;
    if (cb_ops_decide(&subject, cb_store_buckets(store), lead_id + 1,
                      decision, why, &op) != 0) {
        cb_buf_free(&op);
        snprintf(errstr, errstr_size, "the decision cannot be packed");
        return -1;
    }
    if (step_op(store, part, now_ms, &op, errstr, errstr_size) != 0)
        return -1;
    rc = cb_store_get_lead(store, part, &subject, after, errstr, errstr_size);
    if (rc == 0)
        snprintf(errstr, errstr_size, "the decision was recorded, but lead "
                 "%s is gone", lead_id);
    return rc == 1 ? 1 : -1;
}

int cb_store_get_decision(cb_store *store, const char *lead_id,
                          int *decision, int32_t *day, char *why,
                          size_t why_size, char *errstr, size_t errstr_size)
{
    cb_subject subject;
    int part, rc;
    char key[96];

    rc = cb_store_find_lead(store, lead_id, &subject, &part, errstr,
                            errstr_size);
    if (rc <= 0)
        return rc;
    cb_store_key(key, sizeof(key), "dec", part);
    redisReply *r = cb_redis_commandf(cb_store_redis(store), "HGET %s %s", key,
                                      lead_id + 1);
    if (r == NULL)
        return redis_error(cb_store_redis(store), errstr, errstr_size);
    rc = 0;
    cb_decisionrec d;
    if (r->type == REDIS_REPLY_STRING &&
        cb_decisionrec_decode(r->str, r->len, &d) == 0) {
        *decision = d.decision;
        *day = d.day;
        snprintf(why, why_size, "%.*s", (int)d.why_len, d.why ? d.why : "");
        rc = 1;
    }
    freeReplyObject(r);
    return rc;
}

/* ------------------------------------------------------ review items */

typedef struct review_walk {
    cb_store_review_fn *fn;
    void *opaque;
    cb_store *store;
    cb_buf evidence; /* a pair's, read in */
    int failed;      /* cb_store_review_risk failed: errstr says why */
    char *errstr;
    size_t errstr_size;
} review_walk;

static int one_review(const redisReply *f, const redisReply *v, void *opaque)
{
    review_walk *w = opaque;
    cb_reviewrec r;
    char id[CB_ID_DIGITS + 1];

    if (f->len != CB_ID_DIGITS || cb_reviewrec_decode(v->str, v->len, &r))
        return 0; /* not ours to judge here; the matcher wrote it */
    if (cb_store_review_risk(w->store, &r, &w->evidence, w->errstr,
                             w->errstr_size) != 0) {
        w->failed = 1;
        return 1;
    }
    memcpy(id, f->str, CB_ID_DIGITS);
    id[CB_ID_DIGITS] = '\0';
    return w->fn(id, &r, w->opaque);
}

/* A person's holder description with its facts (cb_rules_person_holder),
 * from its state in Redis: 1, 0 when it has no state or no register
 * name, -1 with errstr on a Redis failure.  *p and its bytes (*reply)
 * are the caller's to free. */
static int holder_of(cb_store *store, const cb_str *number, cb_person *p,
                     redisReply **reply, char *id, cb_holder *h,
                     char *errstr, size_t errstr_size)
{
    cb_subject s;
    char key[96];

    *reply = NULL;
    if (cb_str_to_text(number, id, CB_ID_SIZE) != 0 ||
        cb_subject_of_person(id, &s) != 0)
        return 0;
    cb_store_bucket_key(key, sizeof(key), "s",
                        cb_store_partition_of(store, &s),
                        cb_subject_bucket(&s, cb_store_buckets(store)));
    *reply = cb_redis_commandf(cb_store_redis(store), "HGET %s %b", key, s.key,
                               s.key_len);
    if (*reply == NULL)
        return redis_error(cb_store_redis(store), errstr, errstr_size);
    if ((*reply)->type != REDIS_REPLY_STRING ||
        cb_person_decode(cb_store_forms(store), id, (*reply)->str,
                         (*reply)->len, p) != 0)
        return 0;
    return cb_rules_person_holder(p, id, 1, h) > 0 ? 1 : 0;
}

int cb_store_review_risk(cb_store *store, cb_reviewrec *r, cb_buf *evidence,
                         char *errstr, size_t errstr_size)
{
    cb_person pa, pb;
    cb_holder ha = {0}, hb = {0};
    redisReply *ra = NULL, *rb = NULL;
    char ida[CB_ID_SIZE], idb[CB_ID_SIZE];
    int64_t amount;
    int rc = 0, a, b;

    if (r->kind != CB_REVIEW_DUPLICATE_IDENTITY)
        return 0;
    cb_person_init(&pa);
    cb_person_init(&pb);
    a = holder_of(store, &r->subject_id, &pa, &ra, ida, &ha, errstr,
                  errstr_size);
    b = a < 0 ? 0 : holder_of(store, &r->other_id, &pb, &rb, idb, &hb,
                              errstr, errstr_size);
    if (a < 0 || b < 0) {
        rc = -1;
    } else if (a == 1 && b == 1) {
        if (cb_group_pair_risk(&ha, &hb, &amount, evidence) != 0) {
            snprintf(errstr, errstr_size, "out of memory");
            rc = -1;
        } else {
            /* a pair paid in no month together has no evidence; the
             * record still points at bytes, as a decoded one does */
            r->amount = amount;
            r->evidence = evidence->len > 0 ? evidence->data : "";
            r->evidence_len = evidence->len;
        }
    }
    free(ha.facts);
    free(hb.facts);
    cb_person_free(&pa);
    cb_person_free(&pb);
    freeReplyObject(ra);
    freeReplyObject(rb);
    return rc;
}

int cb_store_each_review(cb_store *store, cb_store_review_fn *fn,
                         void *opaque, char *errstr, size_t errstr_size)
{
    review_walk w = {fn, opaque, store, {0}, 0, errstr, errstr_size};
    int rc = 0;

    for (int p = 0; rc == 0 && p < cb_store_partitions(store); p++) {
        char key[96];
        cb_store_key(key, sizeof(key), "rev", p);
        if (scan_hash(store, key, one_review, &w, errstr, errstr_size) != 0 ||
            w.failed)
            rc = -1;
    }
    cb_buf_free(&w.evidence);
    return rc;
}

int cb_store_find_review(cb_store *store, const char *review_id,
                         cb_subject *subject, int *partition, int *kind,
                         cb_str *other, char *errstr, size_t errstr_size)
{
    if (review_id[0] != 'R' || strlen(review_id) != 1 + CB_ID_DIGITS)
        return 0;
    for (int p = 0; p < cb_store_partitions(store); p++) {
        char key[96], id[CB_ID_SIZE], norm[sizeof(other->s) + 1];
        cb_reviewrec r;
        int n;
        cb_store_key(key, sizeof(key), "rev", p);
        redisReply *reply = cb_redis_commandf(cb_store_redis(store),
                                              "HGET %s %s", key,
                                              review_id + 1);
        if (reply == NULL)
            return redis_error(cb_store_redis(store), errstr, errstr_size);
        if (reply->type != REDIS_REPLY_STRING ||
            cb_reviewrec_decode(reply->str, reply->len, &r) != 0 ||
            cb_str_to_text(&r.subject_id, id, sizeof(id)) != 0 ||
            cb_subject_of_person(id, subject) != 0) {
            freeReplyObject(reply);
            continue;
        }
        freeReplyObject(reply);
        *partition = p;
        *kind = r.kind;
        if (r.kind == CB_REVIEW_PROBABLE_TYPO ||
            r.kind == CB_REVIEW_DUPLICATE_IDENTITY) {
            /* kept by the group of the register name (cb_group.h); its
             * verdicts name the item's two numbers */
            char gkey[CB_GROUP_KEY_LEN + 1];
            if (cb_store_ids(store) == NULL)
                return 0;
            cb_group_key(cb_store_ids(store), r.register_name.s,
                         r.register_name.len, gkey);
            cb_subject_of_group(gkey, CB_GROUP_KEY_LEN, subject);
            *partition = cb_store_partition_of(store, subject);
            n = snprintf(other->s, sizeof(other->s), "%.*s|%.*s",
                         (int)r.subject_id.len, r.subject_id.s,
                         (int)r.other_id.len, r.other_id.s);
            other->len = (uint8_t)n;
            return 1;
        }
        /* the item's other is the normal form of its other name */
        n = cb_name_normalize(r.other_name.s, r.other_name.len, norm,
                              sizeof(norm));
        if (n < 0) {
            *other = r.other_name;
        } else {
            memcpy(other->s, norm, (size_t)n);
            other->len = (uint8_t)n;
        }
        return 1;
    }
    return 0;
}

int cb_store_review(cb_store *store, const char *review_id, int verdict,
                    const char *why, int64_t now_ms, int *status,
                    char *errstr, size_t errstr_size)
{
    cb_subject subject;
    cb_buf op = {0};
    cb_str other;
    char key[96];
    int part, kind, rc;

    if (verdict < 0 || verdict >= CB_VERDICT_COUNT) {
        snprintf(errstr, errstr_size, "the verdict is confirm, reject or "
                 "correct");
        return -1;
    }
    rc = cb_store_find_review(store, review_id, &subject, &part, &kind,
                              &other, errstr, errstr_size);
    if (rc <= 0)
        return rc;
    /* a probable_typo is corrected or rejected; the others confirmed or
     * rejected (docs/RULES.md 9.3, verdicts) */
    if ((kind == CB_REVIEW_PROBABLE_TYPO && verdict == CB_VERDICT_CONFIRM) ||
        (kind != CB_REVIEW_PROBABLE_TYPO && verdict == CB_VERDICT_CORRECT)) {
        snprintf(errstr, errstr_size, "a %s item is %s",
                 cb_review_kind_symbol(kind),
                 kind == CB_REVIEW_PROBABLE_TYPO ? "corrected or rejected"
                                                 : "confirmed or rejected");
        return -1;
    }
    if (cb_ops_review(&subject, cb_store_buckets(store), kind, verdict,
                      other.s, other.len, now_ms, why, &op) != 0) {
        cb_buf_free(&op);
        snprintf(errstr, errstr_size, "the verdict cannot be packed");
        return -1;
    }
    if (step_op(store, part, now_ms, &op, errstr, errstr_size) != 0)
        return -1;
    /* the item as the step left it */
    cb_store_key(key, sizeof(key), "rev", part);
    redisReply *r = cb_redis_commandf(cb_store_redis(store), "HGET %s %s",
                                      key, review_id + 1);
    cb_reviewrec after;
    if (r == NULL)
        return redis_error(cb_store_redis(store), errstr, errstr_size);
    rc = r->type == REDIS_REPLY_STRING &&
         cb_reviewrec_decode(r->str, r->len, &after) == 0;
    freeReplyObject(r);
    if (!rc) {
        snprintf(errstr, errstr_size, "the verdict was recorded, but review "
                 "item %s is gone", review_id);
        return -1;
    }
    *status = after.status;
    return 1;
}
