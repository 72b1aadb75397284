/* cb_step.c -- one step of one partition (cb_step.h): its life (new,
 * reset, free) and its phases as cb_pipe.c drives them -- round 1 reads
 * the partition's version, offsets, states and leads; round 2 looks up
 * the alerts and decisions the outcome names; the commit's reply is read
 * and the cache told.  Between the rounds the step evaluates
 * (cb_step_eval.c) and finishes (cb_step_finish.c); its writes and their
 * encoding are cb_step_writes.c's.  The records it stores have a module
 * each (cb_leadrec.h, cb_alertrec.h, cb_decisionrec.h, cb_reviewrec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ops.h"
#include "cb_step_int.h"

#define MAX_CONFLICTS 1000 /* commits refused in a row before giving up */

enum { READ_AGAIN = 100 }; /* read_reads: the cache was stale, read again */

/* -------------------------------------------------------------- setup */

cb_step *cb_step_new(const cb_step_args *args, char *errstr,
                     size_t errstr_size)
{
    cb_step *s;
    size_t cap = 16, *table = NULL;

    if (args->ids == NULL) {
        snprintf(errstr, errstr_size, "partition %d: no id key to make the "
                 "ids of leads and alerts with", args->partition);
        return NULL;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL)
        goto nomem;
    s->a = *args;
    snprintf(s->tag, sizeof(s->tag), "{p%d}", args->partition);
    s->op_subject = calloc(args->nops + 1, sizeof(*s->op_subject));
    s->op_next = calloc(args->nops + 1, sizeof(*s->op_next));
    s->op_skip = calloc(args->nops + 1, 1);
    s->subjects = calloc(args->nops + 1, sizeof(*s->subjects));
    while (cap < args->nops * 2)
        cap *= 2;
    table = malloc(cap * sizeof(*table));
    if (!s->op_subject || !s->op_next || !s->op_skip || !s->subjects ||
        !table)
        goto nomem;
    for (size_t i = 0; i < cap; i++)
        table[i] = SIZE_MAX;
    /* group the ops by subject, subjects in the order of their first op */
    for (size_t i = 0; i < args->nops; i++) {
        cb_op_head op;

        if (cb_op_read_head(args->ops[i].data, args->ops[i].len, &op) != 0) {
            snprintf(errstr, errstr_size, "partition %d: op %zu of the batch "
                     "is malformed", args->partition, i);
            goto fail;
        }
        size_t h = cb_fnv1a32(op.key, op.key_len) & (cap - 1);
        while (table[h] != SIZE_MAX) {
            subject *t = &s->subjects[table[h]];
            if (t->key_len == op.key_len &&
                memcmp(t->key, op.key, op.key_len) == 0)
                break;
            h = (h + 1) & (cap - 1);
        }
        subject *sj;
        if (table[h] == SIZE_MAX) {
            table[h] = s->nsubjects;
            sj = &s->subjects[s->nsubjects++];
            sj->key = op.key;
            sj->key_len = op.key_len;
            sj->id = op.id;
            sj->id_len = op.id_len;
            sj->bucket = op.bucket;
            sj->first = i;
        } else {
            sj = &s->subjects[table[h]];
            s->op_next[sj->last] = i;
        }
        sj->last = i;
        s->op_next[i] = SIZE_MAX;
        s->op_subject[i] = table[h];
        /* a contribution changes no lead: its lead need not be read */
        if (cb_state_key_kind_of(op.key, op.key_len) == CB_STATE_KEY_EMPLOYER ||
            cb_rules_op_may_change_lead(op.kind, op.fact_kind))
            sj->reads_lead = 1;
    }
    free(table);
    return s;
nomem:
    snprintf(errstr, errstr_size, "out of memory for a step");
fail:
    free(table);
    cb_step_free(s);
    return NULL;
}

/* Forgets what the step read and computed: back to its reads. */
static void step_reset(cb_step *s)
{
    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        if (sj->state_reply)
            freeReplyObject(sj->state_reply);
        if (sj->lead_reply)
            freeReplyObject(sj->lead_reply);
        sj->state_reply = sj->lead_reply = NULL;
        sj->cached = sj->lead_read = 0;
        sj->state = sj->lead = NULL;
        sj->state_len = sj->lead_len = CB_CACHE_NONE;
        sj->state_new = sj->lead_new = 0;
    }
    s->used_cache = 0;
    s->nread_leads = 0;
    if (s->version)
        freeReplyObject(s->version);
    if (s->offsets)
        freeReplyObject(s->offsets);
    s->version = s->offsets = NULL;
    for (size_t i = 0; i < s->nlooked; i++)
        if (s->looked[i])
            freeReplyObject(s->looked[i]);
    free(s->looked);
    s->looked = NULL;
    s->nlooked = 0;
    s->arena.len = 0;
    s->early.n = s->late.n = s->lookups.n = s->states.n = s->outbox.n = 0;
    for (int g = 0; g < G_COUNT; g++)
        s->grouped[g].n = 0;
    s->nalerts = 0;
    s->nreviews = 0;
    memset(&s->counts, 0, sizeof(s->counts));
    s->failed = 0;
    s->phase = PH_READS;
}

void cb_step_free(cb_step *s)
{
    if (s == NULL)
        return;
    if (s->subjects)
        step_reset(s);
    free(s->op_subject);
    free(s->op_next);
    free(s->op_skip);
    free(s->subjects);
    free(s->arena.data);
    free(s->early.v);
    free(s->states.v);
    free(s->late.v);
    free(s->outbox.v);
    for (int g = 0; g < G_COUNT; g++)
        free(s->grouped[g].v);
    free(s->lookups.v);
    free(s->alerts);
    free(s->reviews);
    cb_resp_free(&s->out);
    free(s);
}

/* ------------------------------------------------------------ round 1 */

/* The version, the offsets, each subject's state (its own bucket: one
 * HGET each) and, when an op may change it, its lead (its lead bucket:
 * one HGET more); the subjects the cache has are not read (read_reads
 * checks the version they are true at). */
static int append_reads(cb_step *s, cb_redis *r)
{
    cb_resp *w = &s->out;
    char pre[48], num[24];

    cb_resp_reset(w);
    cb_resp_begin(w, 2);
    cb_resp_str(w, "GET");
    cb_resp_cat(w, "cb:v:", s->tag, NULL);
    cb_resp_begin(w, 2);
    cb_resp_str(w, "HGETALL");
    cb_resp_cat(w, "cb:off:", s->tag, NULL);
    snprintf(pre, sizeof(pre), "cb:s:%s:", s->tag);
    s->nread_leads = 0;
    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        cb_cache_entry e;
        if (s->a.cache != NULL &&
            cb_cache_get(s->a.cache, s->a.partition, sj->key, sj->key_len,
                         &e)) {
            sj->cached = 1;
            s->used_cache = 1;
            sj->state = e.state;
            sj->state_len = e.state_len;
            sj->lead = e.lead;
            sj->lead_len = e.lead_len;
        } else {
            num[cb_resp_itoa(sj->bucket, num)] = '\0';
            cb_resp_begin(w, 3);
            cb_resp_str(w, "HGET");
            cb_resp_cat(w, pre, num, NULL);
            cb_resp_arg(w, sj->key, sj->key_len);
            sj->lead_len = CB_CACHE_UNKNOWN;
        }
        sj->lead_read = sj->reads_lead && sj->lead_len == CB_CACHE_UNKNOWN;
        s->nread_leads += (size_t)sj->lead_read;
        if (sj->lead_read) {
            num[0] = ':';
            num[1 + cb_resp_itoa(cb_side_bucket(sj->id, sj->id_len,
                                                s->a.side_buckets),
                                 num + 1)] = '\0';
            cb_resp_begin(w, 3);
            cb_resp_str(w, "HGET");
            cb_resp_cat(w, "cb:lead:", s->tag, num);
            cb_resp_arg(w, sj->key, sj->key_len);
        }
    }
    if (w->failed)
        return -1;
    return cb_redis_append_raw(r, w->buf.data, w->buf.len);
}

static int conn_dead(cb_redis *r)
{
    return cb_redis_context(r) == NULL || cb_redis_context(r)->err != 0;
}

/* Reads one reply: NULL for an error reply, which sets *rc and errstr
 * (the first one), or for a dead connection. */
static redisReply *take_reply(cb_redis *r, int *rc, char *errstr,
                              size_t errstr_size)
{
    redisReply *reply = cb_redis_get_reply(r);

    if (reply == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
        *rc = CB_STEP_EREDIS;
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        if (*rc == CB_STEP_AGAIN) {
            snprintf(errstr, errstr_size, "Redis refused a read: %s",
                     reply->str);
            *rc = CB_STEP_EREDIS;
        }
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* A reply as (bytes, length), CB_CACHE_NONE for nil. */
static void reply_bytes(const redisReply *r, const char **p, int32_t *len)
{
    if (r != NULL && r->type == REDIS_REPLY_STRING && r->len <= INT32_MAX) {
        *p = r->str;
        *len = (int32_t)r->len;
    } else {
        *p = NULL;
        *len = CB_CACHE_NONE;
    }
}

/* The partition's version as read: 0 when Redis has none. */
static int64_t read_version(const cb_step *s)
{
    if (s->version == NULL || s->version->type != REDIS_REPLY_STRING)
        return 0;
    return strtoll(s->version->str, NULL, 10);
}

static int read_reads(cb_step *s, cb_redis *r, char *errstr,
                      size_t errstr_size)
{
    int rc = CB_STEP_AGAIN;

    s->version = take_reply(r, &rc, errstr, errstr_size);
    s->offsets = take_reply(r, &rc, errstr, errstr_size);
    for (size_t i = 0; i < s->nsubjects && !conn_dead(r); i++) {
        subject *sj = &s->subjects[i];
        if (!sj->cached)
            sj->state_reply = take_reply(r, &rc, errstr, errstr_size);
        if (sj->lead_read && !conn_dead(r))
            sj->lead_reply = take_reply(r, &rc, errstr, errstr_size);
    }
    if (rc != CB_STEP_AGAIN)
        return rc;
    /* the cache is true at one version: if another writer has moved the
     * partition on since, what came from it is stale: read it all again */
    if (s->a.cache != NULL &&
        !cb_cache_valid(s->a.cache, s->a.partition, read_version(s))) {
        cb_cache_stale(s->a.cache, s->a.partition);
        if (s->used_cache) {
            step_reset(s);
            return READ_AGAIN;
        }
    }
    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        if (!sj->cached)
            reply_bytes(sj->state_reply, &sj->state, &sj->state_len);
        if (sj->lead_read)
            reply_bytes(sj->lead_reply, &sj->lead, &sj->lead_len);
    }
    return rc;
}

/* ------------------------------------------------------------ round 2 */

static int append_lookups(cb_step *s, cb_redis *r)
{
    cb_resp *w = &s->out;

    cb_resp_reset(w);
    for (size_t i = 0; i + 1 < s->lookups.n; i += 2) {
        cb_resp_begin(w, 3);
        cb_resp_str(w, "HGET");
        for (size_t k = 0; k < 2; k++)
            cb_resp_arg(w, s->arena.data + s->lookups.v[i + k].off,
                        s->lookups.v[i + k].len);
    }
    if (w->failed)
        return -1;
    return cb_redis_append_raw(r, w->buf.data, w->buf.len);
}

static int read_lookups(cb_step *s, cb_redis *r, char *errstr,
                        size_t errstr_size)
{
    int rc = CB_STEP_AGAIN;
    size_t n = s->lookups.n / 2;

    s->looked = calloc(n ? n : 1, sizeof(*s->looked));
    if (s->looked == NULL) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        return CB_STEP_EFAILED;
    }
    s->nlooked = n;
    for (size_t i = 0; i < n && !conn_dead(r); i++)
        s->looked[i] = take_reply(r, &rc, errstr, errstr_size);
    return rc;
}

/* ------------------------------------------------------------- commit */

/* The step committed: what it read and wrote is now what Redis holds of
 * its subjects, at the version the commit raised.  A subject the cache
 * already had and the step did not change is there still, unless the
 * partition was emptied for room meanwhile (then what came from the
 * cache is gone with it, and the subject is left out). */
static void remember(cb_step *s)
{
    cb_cache *c = s->a.cache;
    int p = s->a.partition, emptied = 0;

    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        const char *st = sj->state, *ld = sj->lead;
        int32_t st_len = sj->state_len, ld_len = sj->lead_len;
        if (sj->cached && (emptied || (!sj->state_new && !sj->lead_new)))
            continue;
        if (sj->state_new == 1) {
            st = s->arena.data + sj->new_state.off;
            st_len = (int32_t)sj->new_state.len;
        } else if (sj->state_new == 2) {
            st = NULL;
            st_len = CB_CACHE_NONE;
        }
        if (sj->lead_new == 1) {
            ld = s->arena.data + sj->new_lead.off;
            ld_len = (int32_t)sj->new_lead.len;
        } else if (sj->lead_new == 2) {
            ld = NULL;
            ld_len = CB_CACHE_NONE;
        }
        int rc = cb_cache_put(c, p, sj->key, sj->key_len, st, st_len, ld,
                              ld_len);
        if (rc < 0)
            return; /* out of memory: the partition is cleared */
        emptied |= rc == 1;
    }
    cb_cache_commit(c, p, read_version(s) + 1);
}

static int read_commit(cb_step *s, cb_redis *r, char *errstr,
                       size_t errstr_size)
{
    redisReply *reply = cb_redis_get_reply(r);
    int rc;

    if (reply == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
        return CB_STEP_EREDIS;
    }
    if (cb_redis_is_noscript(reply)) {
        snprintf(errstr, errstr_size, "Redis lost the commit script");
        step_reset(s);
        rc = CB_STEP_ENOSCRIPT;
    } else if (cb_redis_is_oom(reply)) {
        snprintf(errstr, errstr_size, "Redis is out of memory: %s",
                 reply->str);
        rc = CB_STEP_EREDIS;
    } else if (cb_redis_is_redirect(reply)) {
        /* the cluster moved the slot, or is failing over: ask it for the
         * slots again (the reconnect) and redo */
        snprintf(errstr, errstr_size, "partition %d: the Redis Cluster "
                 "moved on: %s", s->a.partition, reply->str);
        rc = CB_STEP_EREDIS;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "partition %d: the commit failed in "
                 "Redis: %s", s->a.partition, reply->str);
        rc = CB_STEP_EFAILED;
    } else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        s->phase = PH_DONE;
        rc = CB_STEP_DONE;
        if (s->a.cache != NULL)
            remember(s);
    } else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        /* another writer came in between: read again, compute again */
        if (s->a.cache != NULL)
            cb_cache_stale(s->a.cache, s->a.partition);
        if (++s->conflicts >= MAX_CONFLICTS) {
            snprintf(errstr, errstr_size, "partition %d changed under %d "
                     "commits in a row", s->a.partition, s->conflicts);
            rc = CB_STEP_EREDIS;
        } else {
            rc = CB_STEP_AGAIN;
        }
        step_reset(s);
    } else {
        snprintf(errstr, errstr_size, "the commit gave a bad reply");
        rc = CB_STEP_EREDIS;
    }
    freeReplyObject(reply);
    return rc;
}

/* ------------------------------------------------------------ driving */

int cb_step_append(cb_step *s, cb_redis *r, const cb_redis_script *commit)
{
    switch (s->phase) {
    case PH_READS:
        return append_reads(s, r);
    case PH_LOOKUPS:
        return append_lookups(s, r);
    case PH_COMMIT:
        return cb_step_append_commit(s, r, commit);
    case PH_DONE:
        return 0;
    }
    return -1;
}

int cb_step_read(cb_step *s, cb_redis *r, char *errstr, size_t errstr_size)
{
    int rc;

    switch (s->phase) {
    case PH_READS:
        rc = read_reads(s, r, errstr, errstr_size);
        if (rc == READ_AGAIN)
            return CB_STEP_AGAIN;
        if (rc != CB_STEP_AGAIN)
            return rc;
        if (cb_step_evaluate(s, errstr, errstr_size) != 0)
            return CB_STEP_EFAILED;
        if (s->lookups.n > 0) {
            s->phase = PH_LOOKUPS;
            return CB_STEP_AGAIN;
        }
        cb_step_finish(s);
        break;
    case PH_LOOKUPS:
        rc = read_lookups(s, r, errstr, errstr_size);
        if (rc != CB_STEP_AGAIN)
            return rc;
        cb_step_finish(s);
        break;
    case PH_COMMIT:
        return read_commit(s, r, errstr, errstr_size);
    case PH_DONE:
        return CB_STEP_DONE;
    }
    if (s->failed) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        return CB_STEP_EFAILED;
    }
    s->phase = PH_COMMIT;
    return CB_STEP_AGAIN;
}

void cb_step_result(const cb_step *s, cb_step_counts *counts)
{
    *counts = s->counts;
}

int cb_step_conflicts(const cb_step *s)
{
    return s->conflicts;
}
