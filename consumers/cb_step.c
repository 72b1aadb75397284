/* cb_step.c -- one step of one partition: reads, rules, one commit.
 *
 * The records it stores have a module each: the lead (cb_leadrec.h), the
 * alert (cb_alertrec.h), the team decision (cb_decisionrec.h); states
 * and ops are cb_state.h's and cb_ops.h's. */
#include <hiredis.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_alertrec.h"
#include "cb_cache.h"
#include "cb_decisionrec.h"
#include "cb_leadrec.h"
#include "cb_ops.h"
#include "cb_pack.h"
#include "cb_resp.h"
#include "cb_rules.h"
#include "cb_idkey.h"
#include "cb_state.h"
#include "cb_step.h"
#include "cb_time.h"

#define MAX_CONFLICTS 1000 /* commits refused in a row before giving up */

enum phase { PH_READS, PH_LOOKUPS, PH_COMMIT, PH_DONE };
enum { READ_AGAIN = 100 }; /* read_reads: the cache was stale, read again */

/* Late writes grouped by opcode and key (late_list). */
enum { G_LEAD_H, G_LEAD_D, G_LID_H, G_LID_D, G_ALERT_H, G_ALERT_D, G_TM_Z,
       G_TM_R, G_OFF_H, G_COUNT };
static const struct {
    const char *op, *what;
} groups[G_COUNT] = {{"H", "lead:"}, {"D", "lead:"}, {"H", "lid:"},
                     {"D", "lid:"},  {"H", "alert:"}, {"D", "alert:"},
                     {"Z", "tm:"},   {"R", "tm:"},   {"H", "off:"}};

/* An argument of a write: bytes in the step's arena. */
typedef struct warg {
    size_t off, len;
} warg;

typedef struct wlist {
    warg *v;
    size_t n, cap;
} wlist;

/* An alert as evaluated, waiting for the stored one to merge with. */
typedef struct ealert {
    char id[17];
    int kind;
    int64_t township;
    char period[8];
    int64_t amount;
    size_t ev_off, ev_len; /* sorted event ids, in the arena */
    int withdraw;          /* an active_after_death that no longer holds */
    long lookup;
} ealert;

/* A subject of the batch. */
typedef struct subject {
    const char *key;
    size_t key_len;
    const char *id;
    size_t id_len;
    unsigned bucket;
    size_t first, last; /* its ops: a chain through step->op_next */
    int reads_lead;     /* some op may change the lead: read it */
    /* round 1: what Redis holds, as read or as the cache has it */
    int cached;              /* state (and lead, if known) from the cache */
    int lead_read;           /* the lead is in the leads' HMGET */
    redisReply *state_reply; /* the HGET's, when read */
    const char *state, *lead;
    int32_t state_len, lead_len; /* bytes, CB_CACHE_NONE or _UNKNOWN */
    /* what the commit leaves, for the cache */
    int state_new;           /* new_state is written */
    int lead_new;            /* 1: new_lead written; 2: deleted */
    warg new_state, new_lead; /* in the arena */
    /* evaluation */
    int active;          /* has ops not yet applied */
    int lead_inputs;
    int has_lead;
    cb_rule_lead L;
    char lead_id[17];
    warg source;        /* provenance, in the arena (len 0: none) */
    int32_t next_day;
    int has_decision, decision;
    int32_t decision_day;
    long dec_lookup;
    size_t alert_first, nalerts;
} subject;

struct cb_step {
    cb_step_args a;
    char tag[24];  /* "{pN}" */
    enum phase phase;
    int conflicts;
    /* ops */
    size_t *op_subject, *op_next;
    unsigned char *op_skip;
    /* subjects, in the order of their first op */
    subject *subjects;
    size_t nsubjects;
    size_t nread_leads; /* subjects whose lead is read */
    /* round 1 */
    redisReply *version, *offsets, *leads;
    int used_cache;     /* some subject was taken from the cache */
    int64_t stored[CB_TOPIC_COUNT]; /* -1: none */
    /* evaluation */
    cb_buf arena;
    wlist early, late;  /* writes: while applying ops; after lookups */
    wlist states;       /* the states written, by bucket (one call a
                           bucket in commit.lua) */
    wlist grouped[G_COUNT]; /* late writes, by opcode and key */
    ealert *alerts;
    size_t nalerts, alerts_cap;
    wlist lookups;      /* key, field pairs */
    redisReply **looked;
    size_t nlooked;
    cb_step_counts counts;
    int failed;         /* out of memory while building */
    cb_resp out;        /* the commands of the phase being sent */
};

/* ------------------------------------------------------------ arena */

static int arena_put(cb_step *s, const void *p, size_t n, warg *out)
{
    out->off = s->arena.len;
    out->len = n;
    if (cb_buf_append(&s->arena, p, n) != 0) {
        s->failed = 1;
        return -1;
    }
    return 0;
}

static void wl_arg(cb_step *s, wlist *l, const void *p, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        warg *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            s->failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    if (arena_put(s, p, n, &l->v[l->n]) == 0)
        l->n++;
}

static void wl_str(cb_step *s, wlist *l, const char *str)
{
    wl_arg(s, l, str, strlen(str));
}

static void wl_fmt(cb_step *s, wlist *l, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    wl_arg(s, l, buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n
                                                            : sizeof(buf) - 1);
}

/* A key of the partition: "cb:<what>{pN}<rest>" (what ends in ':'). */
static void wl_key(cb_step *s, wlist *l, const char *what, const char *rest)
{
    char buf[128];
    size_t lw = strlen(what), lt = strlen(s->tag), lr = strlen(rest);

    if (3 + lw + lt + lr > sizeof(buf)) {
        s->failed = 1;
        return;
    }
    memcpy(buf, "cb:", 3);
    memcpy(buf + 3, what, lw);
    memcpy(buf + 3 + lw, s->tag, lt);
    memcpy(buf + 3 + lw + lt, rest, lr);
    wl_arg(s, l, buf, 3 + lw + lt + lr);
}

/* ------------------------------------------------------------ packing */

static void str_set(cb_str *d, const char *p, size_t n)
{
    if (n > sizeof(d->s))
        n = sizeof(d->s);
    memcpy(d->s, p, n);
    d->len = (uint8_t)n;
}

/* ------------------------------------------------------------- setup */

/* Reads an op's common head: kind, topic, offset, bucket, subject key,
 * subject id. */
static int op_head(const cb_buf *op, int *topic, int64_t *offset,
                   unsigned *bucket, const char **key, size_t *key_len,
                   const char **id, size_t *id_len, int *kind, int *k)
{
    cb_unpack r;

    cb_unpack_init(&r, op->data, op->len);

    *kind = (int)cb_unpack_uint(&r, 1);
    *topic = (int)cb_unpack_uint(&r, 1);
    *offset = cb_unpack_int(&r, 8);
    *bucket = (unsigned)cb_unpack_uint(&r, 2);
    *key_len = (size_t)cb_unpack_uint(&r, 1);
    *key = cb_unpack_bytes(&r, *key_len);
    *id_len = (size_t)cb_unpack_uint(&r, 1);
    *id = cb_unpack_bytes(&r, *id_len);
    cb_unpack_bytes(&r, (size_t)cb_unpack_uint(&r, 1)); /* the event id */
    *k = *kind == CB_OP_FACT ? (int)cb_unpack_uint(&r, 1) : -1;
    if (r.failed || *topic < 0 || *topic >= CB_TOPIC_COUNT ||
        (*key_len != 8 && *key_len != CB_SUBJECT_KEY_MAX))
        return -1;
    return 0;
}

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
        const char *key, *id;
        size_t key_len, id_len;
        unsigned bucket;
        int topic, kind, k;
        int64_t offset;

        if (op_head(&args->ops[i], &topic, &offset, &bucket, &key, &key_len,
                    &id, &id_len, &kind, &k) != 0) {
            snprintf(errstr, errstr_size, "partition %d: op %zu of the batch "
                     "is malformed", args->partition, i);
            goto fail;
        }
        size_t h = cb_fnv1a32(key, key_len) & (cap - 1);
        while (table[h] != SIZE_MAX) {
            subject *t = &s->subjects[table[h]];
            if (t->key_len == key_len && memcmp(t->key, key, key_len) == 0)
                break;
            h = (h + 1) & (cap - 1);
        }
        subject *sj;
        if (table[h] == SIZE_MAX) {
            table[h] = s->nsubjects;
            sj = &s->subjects[s->nsubjects++];
            sj->key = key;
            sj->key_len = key_len;
            sj->id = id;
            sj->id_len = id_len;
            sj->bucket = bucket;
            sj->first = i;
        } else {
            sj = &s->subjects[table[h]];
            s->op_next[sj->last] = i;
        }
        sj->last = i;
        s->op_next[i] = SIZE_MAX;
        s->op_subject[i] = table[h];
        /* a contribution changes no lead: its lead need not be read */
        if (key_len == CB_SUBJECT_KEY_MAX ||
            cb_rules_op_may_change_lead(kind, k))
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
        sj->state_reply = NULL;
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
    if (s->leads)
        freeReplyObject(s->leads);
    s->version = s->offsets = s->leads = NULL;
    for (size_t i = 0; i < s->nlooked; i++)
        if (s->looked[i])
            freeReplyObject(s->looked[i]);
    free(s->looked);
    s->looked = NULL;
    s->nlooked = 0;
    s->arena.len = 0;
    s->early.n = s->late.n = s->lookups.n = s->states.n = 0;
    for (int g = 0; g < G_COUNT; g++)
        s->grouped[g].n = 0;
    s->nalerts = 0;
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
    for (int g = 0; g < G_COUNT; g++)
        free(s->grouped[g].v);
    free(s->lookups.v);
    free(s->alerts);
    cb_resp_free(&s->out);
    free(s);
}

/* ------------------------------------------------------------ round 1 */

/* The version, the offsets, each subject's state (its own bucket: one
 * HGET each), and the leads of one HMGET (one hash a partition); the
 * subjects the cache has are not read (read_reads checks the version
 * they are true at). */
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
    }
    if (s->nread_leads > 0) {
        cb_resp_begin(w, 2 + s->nread_leads);
        cb_resp_str(w, "HMGET");
        cb_resp_cat(w, "cb:lead:", s->tag, NULL);
        for (size_t i = 0; i < s->nsubjects; i++)
            if (s->subjects[i].lead_read)
                cb_resp_arg(w, s->subjects[i].key, s->subjects[i].key_len);
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
    for (size_t i = 0; i < s->nsubjects && !conn_dead(r); i++)
        if (!s->subjects[i].cached)
            s->subjects[i].state_reply = take_reply(r, &rc, errstr,
                                                    errstr_size);
    if (s->nread_leads > 0 && !conn_dead(r)) {
        s->leads = take_reply(r, &rc, errstr, errstr_size);
        if (s->leads != NULL && (s->leads->type != REDIS_REPLY_ARRAY ||
                                 s->leads->elements != s->nread_leads)) {
            snprintf(errstr, errstr_size, "partition %d: a bad reply to the "
                     "leads' HMGET", s->a.partition);
            return CB_STEP_EREDIS;
        }
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
    for (size_t i = 0, k = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        if (!sj->cached)
            reply_bytes(sj->state_reply, &sj->state, &sj->state_len);
        if (sj->lead_read)
            reply_bytes(s->leads->element[k++], &sj->lead, &sj->lead_len);
    }
    return rc;
}

/* ------------------------------------------------------------ evaluate */

static int64_t reply_int(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10)
                                         : r->integer;
}

/* The ops already applied (at offsets below Redis's) are skipped. */
static void mark_skips(cb_step *s)
{
    int64_t upto[CB_TOPIC_COUNT];

    for (int t = 0; t < CB_TOPIC_COUNT; t++)
        s->stored[t] = -1;
    if (s->offsets && s->offsets->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < s->offsets->elements; i += 2) {
            int64_t t = reply_int(s->offsets->element[i]);
            if (t >= 0 && t < CB_TOPIC_COUNT)
                s->stored[t] = reply_int(s->offsets->element[i + 1]);
        }
    memcpy(upto, s->stored, sizeof(upto));
    for (size_t i = 0; i < s->nsubjects; i++)
        s->subjects[i].active = 0;
    for (size_t i = 0; i < s->a.nops; i++) {
        const unsigned char *p = (const unsigned char *)s->a.ops[i].data;
        int topic = p[1];
        int64_t offset = 0;
        for (int b = 0; b < 8; b++)
            offset |= (int64_t)((uint64_t)p[2 + b] << (8 * b));
        s->op_skip[i] = offset >= 0 && upto[topic] >= 0 &&
                        offset < upto[topic];
        if (s->op_skip[i]) {
            s->counts.skipped++;
            continue;
        }
        if (offset >= 0)
            upto[topic] = offset + 1;
        s->counts.applied++;
        s->subjects[s->op_subject[i]].active = 1;
    }
}

static int push_alert(cb_step *s, ealert **out)
{
    if (s->nalerts == s->alerts_cap) {
        size_t cap = s->alerts_cap ? s->alerts_cap * 2 : 64;
        ealert *v = realloc(s->alerts, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->alerts = v;
        s->alerts_cap = cap;
    }
    *out = &s->alerts[s->nalerts++];
    memset(*out, 0, sizeof(**out));
    (*out)->lookup = -1;
    return 0;
}

static long add_lookup(cb_step *s, const char *what, const char *field)
{
    wl_fmt(s, &s->lookups, "cb:%s%s", what, s->tag);
    wl_str(s, &s->lookups, field);
    return (long)(s->lookups.n / 2 - 1);
}

/* The alerts a person's state makes, kept for the merge with the stored
 * ones (looked up in round 2). */
static int eval_alerts(cb_step *s, subject *sj, const cb_person *p)
{
    cb_rule_alerts ra = {0};
    int have_active = 0;

    sj->alert_first = s->nalerts;
    if (cb_rules_person_alerts(p, &ra) != 0)
        goto nomem;
    for (size_t i = 0; i < ra.n; i++) {
        const cb_rule_alert *a = &ra.v[i];
        ealert *e;
        if (push_alert(s, &e) != 0)
            goto nomem;
        e->kind = a->kind;
        e->township = a->township;
        memcpy(e->period, a->period, sizeof(e->period));
        e->amount = a->amount;
        cb_rules_alert_id(s->a.ids, a->kind, sj->id, sj->id_len, a->period,
                          e->id);
        /* the evidence, space separated, in the arena */
        e->ev_off = s->arena.len;
        for (size_t j = 0; j < a->nevidence; j++) {
            warg w;
            if (j > 0 && arena_put(s, " ", 1, &w) != 0)
                goto nomem;
            if (arena_put(s, a->evidence[j]->s, a->evidence[j]->len, &w) != 0)
                goto nomem;
        }
        e->ev_len = s->arena.len - e->ev_off;
        e->lookup = add_lookup(s, "alert:", e->id);
        if (a->kind == CB_ALERT_ACTIVE_AFTER_DEATH)
            have_active = 1;
    }
    if (p->has_death && !have_active) {
        ealert *e;
        if (push_alert(s, &e) != 0)
            goto nomem;
        e->withdraw = 1;
        cb_rules_alert_id(s->a.ids, CB_ALERT_ACTIVE_AFTER_DEATH, sj->id,
                          sj->id_len, "", e->id);
        e->lookup = add_lookup(s, "alert:", e->id);
    }
    sj->nalerts = s->nalerts - sj->alert_first;
    cb_rule_alerts_free(&ra);
    return s->failed ? -1 : 0;
nomem:
    cb_rule_alerts_free(&ra);
    return -1;
}

/* An outbox entry: XADD cb:out:{pN} * t <type> [k <key>] v <value>. */
static void write_outbox(cb_step *s, wlist *l, const char *type,
                         const char *key, size_t key_len, const void *v,
                         size_t v_len)
{
    wl_str(s, l, "X");
    wl_key(s, l, "out:", "");
    wl_str(s, l, key ? "3" : "2");
    wl_str(s, l, "t");
    wl_str(s, l, type);
    if (key) {
        wl_str(s, l, "k");
        wl_arg(s, l, key, key_len);
    }
    wl_str(s, l, "v");
    wl_arg(s, l, v, v_len);
}

/* The outbox gets an ownership change for the person's partition. */
static void write_own_change(cb_step *s, const cb_own_change *c)
{
    cb_buf b = {0};

    if (cb_own_change_pack(c, &b) != 0) {
        s->failed = 1;
        return;
    }
    write_outbox(s, &s->early, "O", c->rep.s, c->rep.len, b.data, b.len);
    cb_buf_free(&b);
}

/* The last decision among the subject's ops on its lead's id, if any:
 * sj->has_decision stays 1 with it, or becomes 0. */
static void step_decision(cb_step *s, subject *sj, cb_op *op)
{
    sj->has_decision = 0;
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        if (s->op_skip[i] || s->a.ops[i].data[0] != CB_OP_DECIDE ||
            cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0)
            continue;
        if (op->lead_id.len == 16 && memcmp(op->lead_id.s, sj->lead_id,
                                            16) == 0) {
            sj->has_decision = 1;
            sj->decision = op->decision;
            sj->decision_day = s->a.today;
        }
    }
}

/* Applies a subject's ops to its state, writes the state if it changed,
 * and works out its lead and alerts (finished after the lookups). */
static int eval_subject(cb_step *s, subject *sj, cb_person *p, cb_op *op,
                        cb_buf *enc, char *errstr, size_t errstr_size)
{
    const char *v = sj->state;
    size_t v_len = sj->state_len > 0 ? (size_t)sj->state_len : 0;
    int is_employer = sj->key_len == CB_SUBJECT_KEY_MAX;
    int has_v = sj->state_len >= 0;
    cb_employer e;
    char source[256];

    cb_employer_init(&e);
    source[0] = '\0';
    sj->lead_inputs = is_employer;
    sj->has_decision = 0;
    sj->dec_lookup = -1;
    sj->nalerts = 0;
    if (is_employer) {
        if (has_v && cb_employer_decode(v, v_len, &e) != 0)
            goto bad_state;
    } else {
        cb_person_free(p);
        if (has_v && cb_person_decode(v, v_len, p) != 0)
            goto bad_state;
    }
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        if (s->op_skip[i])
            continue;
        if (cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0) {
            snprintf(errstr, errstr_size, "partition %d: op %zu of the "
                     "batch is malformed", s->a.partition, i);
            return -1;
        }
        if (cb_rules_op_may_change_lead(op->kind, op->k))
            sj->lead_inputs = 1;
        if (op->kind == CB_OP_DECIDE) {
            cb_decisionrec dr = {op->decision, s->a.today, op->why,
                                 op->why_len};
            cb_buf d = {0};
            if (cb_decisionrec_encode(&dr, &d) != 0)
                s->failed = 1;
            wl_str(s, &s->early, "H");
            wl_key(s, &s->early, "dec:", "");
            wl_arg(s, &s->early, op->lead_id.s, op->lead_id.len);
            wl_arg(s, &s->early, d.data, d.len);
            cb_buf_free(&d);
            sj->has_decision = 1; /* applied if it is this lead's */
        } else if (is_employer) {
            cb_own_change ch[2];
            int nch = 0;
            cb_employer_apply(&e, op, ch, &nch);
            for (int c = 0; c < nch; c++)
                write_own_change(s, &ch[c]);
        } else {
            int progress = 0;
            if (!has_v && op->has_birth) {
                p->birth = op->birth;
                p->male = op->male;
            }
            if (cb_person_apply(p, op, &progress) != 0)
                return -1;
            if (progress) {
                int y, m, d;
                char rest[48];
                cb_date_to_ymd(op->date, &y, &m, &d);
                snprintf(rest, sizeof(rest), ":%" PRId64 ":%d", op->township,
                         y);
                wl_str(s, &s->early, "L");
                wl_key(s, &s->early, "pg:", rest);
                wl_fmt(s, &s->early, "%d", (int)op->date);
                wl_arg(s, &s->early, sj->key, sj->key_len);
            }
        }
        /* provenance: the latest op that names one */
        cb_rules_op_source(op, s->a.today, source, sizeof(source));
    }
    arena_put(s, source, strlen(source), &sj->source);
    /* the state, written if it changed */
    if (is_employer) {
        if (cb_employer_encode(&e, enc) != 0)
            return -1;
    } else {
        /* facts that left the window are not kept */
        cb_rules_forget_old_facts(p, s->a.today);
        if (cb_person_encode(p, enc) != 0)
            return -1;
    }
    if (!has_v || v_len != enc->len || memcmp(v, enc->data, enc->len)) {
        char rest[24];
        rest[0] = ':';
        rest[1 + cb_resp_itoa(sj->bucket, rest + 1)] = '\0';
        wl_str(s, &s->states, "H");
        wl_key(s, &s->states, "s:", rest);
        wl_arg(s, &s->states, sj->key, sj->key_len);
        wl_arg(s, &s->states, enc->data, enc->len);
        if (s->states.n > 0) {
            sj->new_state = s->states.v[s->states.n - 1];
            sj->state_new = 1;
        }
    }
    if (!is_employer && eval_alerts(s, sj, p) != 0)
        return -1;
    if (!sj->lead_inputs)
        return 0;
    if (is_employer) {
        sj->has_lead = cb_rules_employer_lead(&e, s->a.today, &sj->L);
        sj->next_day = cb_rules_employer_next(&e, s->a.today);
    } else {
        sj->has_lead = cb_rules_person_lead(p, s->a.today, &sj->L);
        sj->next_day = cb_rules_person_next(p, s->a.today);
    }
    if (sj->has_lead) {
        char lead_id[CB_ID_DIGITS + 1];
        cb_rules_lead_id(s->a.ids, &sj->L, sj->id, sj->id_len, lead_id);
        memcpy(sj->lead_id, lead_id, sizeof(lead_id));
        /* a decision of this step counts if it is this lead's (the last
         * one); else one stored earlier, looked up */
        if (sj->has_decision)
            step_decision(s, sj, op);
        if (cb_rules_takes_decision(&sj->L) && !sj->has_decision)
            sj->dec_lookup = add_lookup(s, "dec:", lead_id);
    }
    return s->failed ? -1 : 0;
bad_state:
    snprintf(errstr, errstr_size, "partition %d: the state of %.*s does "
             "not decode", s->a.partition, (int)sj->id_len, sj->id);
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int evaluate(cb_step *s, char *errstr, size_t errstr_size)
{
    cb_person *p = malloc(sizeof(*p));
    cb_op *op = malloc(sizeof(*op));
    cb_buf enc = {0};
    uint64_t *order = NULL;
    int rc = -1;

    if (p == NULL || op == NULL) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        goto out;
    }
    cb_person_init(p);
    mark_skips(s);
    /* subjects by bucket: the states they write reach commit.lua bucket
     * by bucket, and each bucket is one call */
    order = malloc((s->nsubjects + 1) * sizeof(*order));
    if (order == NULL) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        goto out;
    }
    for (size_t i = 0; i < s->nsubjects; i++)
        order[i] = (uint64_t)s->subjects[i].bucket << 32 | i;
    qsort(order, s->nsubjects, sizeof(*order), cmp_u64);
    for (size_t k = 0; k < s->nsubjects; k++) {
        subject *sj = &s->subjects[order[k] & 0xFFFFFFFFu];
        if (!sj->active)
            continue;
        errstr[0] = '\0';
        if (eval_subject(s, sj, p, op, &enc, errstr, errstr_size) != 0) {
            if (errstr[0] == '\0')
                snprintf(errstr, errstr_size, "out of memory for a step");
            goto out;
        }
    }
    rc = 0;
out:
    if (p != NULL)
        cb_person_free(p);
    free(p);
    free(op);
    free(order);
    cb_buf_free(&enc);
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

static const redisReply *looked(const cb_step *s, long i)
{
    const redisReply *r;

    if (i < 0 || (size_t)i >= s->nlooked)
        return NULL;
    r = s->looked[i];
    return r != NULL && r->type == REDIS_REPLY_STRING ? r : NULL;
}

/* ------------------------------------------------------------ finishing */

static void write_lead_out(cb_step *s, const cb_leadrec *l)
{
    cb_buf b = {0};

    if (cb_leadrec_encode(l, &b) != 0) {
        s->failed = 1;
        return;
    }
    write_outbox(s, &s->late, "L", NULL, 0, b.data, b.len);
    cb_buf_free(&b);
}

/* The list a late write goes in.  Writes of one opcode to one of the
 * partition's own keys (no rest: the lead hash, the timer set...) go in a
 * group of their own, so that commit.lua finds them side by side and makes
 * one call of them all; within a step no two of them touch one field. */
static wlist *late_list(cb_step *s, const char *op, const char *what,
                        const char *rest)
{
    if (rest[0] == '\0')
        for (int g = 0; g < G_COUNT; g++)
            if (strcmp(op, groups[g].op) == 0 &&
                strcmp(what, groups[g].what) == 0)
                return &s->grouped[g];
    return &s->late;
}

/* A late write of one argument: op key f. */
static void write_cmd2(cb_step *s, const char *op, const char *what,
                       const char *rest, const void *f, size_t flen)
{
    wlist *l = late_list(s, op, what, rest);

    wl_str(s, l, op);
    wl_key(s, l, what, rest);
    wl_arg(s, l, f, flen);
}

/* A late write of two arguments: op key a b. */
static void write_cmd3(cb_step *s, const char *op, const char *what,
                       const char *rest, const void *a, size_t alen,
                       const void *b, size_t blen)
{
    wlist *l = late_list(s, op, what, rest);

    wl_str(s, l, op);
    wl_key(s, l, what, rest);
    wl_arg(s, l, a, alen);
    wl_arg(s, l, b, blen);
}

/* A number as text, for a score or an offset. */
static size_t fmt_int(char *buf, size_t size, int64_t v)
{
    int n = snprintf(buf, size, "%" PRId64, v);
    return n < 0 ? 0 : (size_t)n;
}

static void tw_rest(char *buf, size_t size, int64_t tw)
{
    snprintf(buf, size, ":%" PRId64, tw);
}

/* Stores the subject's lead if it changed, with its indexes, and puts the
 * change in the outbox.  Returns 1 when it changed. */
static int finish_lead(cb_step *s, subject *sj)
{
    cb_leadrec o, n;
    int has_old = sj->lead_len >= 0 &&
                  cb_leadrec_decode(sj->lead, (size_t)sj->lead_len, &o) == 0;
    char rest[32], num[24];

    /* no event of its own (a contribution, say): the lead keeps its
     * provenance */
    if (has_old && sj->source.len == 0)
        arena_put(s, o.source.s, o.source.len, &sj->source);
    if (!sj->has_lead) {
        if (!has_old)
            return 0;
        /* no longer a lead: it leaves the store; the topic hears it closed */
        write_cmd2(s, "D", "lead:", "", sj->key, sj->key_len);
        sj->lead_new = 2;
        write_cmd2(s, "D", "lid:", "", o.id, 16);
        tw_rest(rest, sizeof(rest), o.township);
        write_cmd2(s, "R", "lt:", rest, sj->key, sj->key_len);
        if (o.status != CB_STATUS_CLOSED) {
            o.status = CB_STATUS_CLOSED;
            o.closed = cb_rules_end_reason(o.township, NULL);
            o.closed_at = s->a.today;
            str_set(&o.subject_id, sj->id, sj->id_len);
            str_set(&o.source, s->arena.data + sj->source.off, sj->source.len);
            write_lead_out(s, &o);
        }
        return 1;
    }
    /* a team's decision on this lead id, if the lead takes one: this
     * step's, else one stored earlier */
    cb_rule_lead L = sj->L;
    if (cb_rules_takes_decision(&L)) {
        const redisReply *d = looked(s, sj->dec_lookup);
        cb_decisionrec stored;
        if (sj->has_decision)
            cb_rules_decide(&L, sj->decision, sj->decision_day);
        else if (d != NULL &&
                 cb_decisionrec_decode(d->str, d->len, &stored) == 0)
            cb_rules_decide(&L, stored.decision, stored.day);
    }
    memset(&n, 0, sizeof(n));
    memcpy(n.id, sj->lead_id, sizeof(n.id));
    n.kind = L.kind;
    n.reason = L.reason;
    n.priority = L.priority;
    n.status = L.status;
    n.closed = L.closed;
    n.township = L.township;
    n.opened = L.opened;
    n.closed_at = L.closed_at;
    n.name = L.name;
    str_set(&n.subject_id, sj->id, sj->id_len);
    str_set(&n.source, s->arena.data + sj->source.off, sj->source.len);
    if (has_old && memcmp(o.id, n.id, 16) == 0 && o.reason == n.reason &&
        o.priority == n.priority && o.status == n.status &&
        o.closed == n.closed && o.township == n.township &&
        o.opened == n.opened && o.closed_at == n.closed_at &&
        cb_str_cmp(&o.name, &n.name) == 0)
        return 0;
    cb_buf v = {0};
    if (cb_leadrec_encode(&n, &v) != 0) {
        s->failed = 1;
        return 0;
    }
    write_cmd3(s, "H", "lead:", "", sj->key, sj->key_len, v.data, v.len);
    if (s->grouped[G_LEAD_H].n > 0) {
        sj->new_lead = s->grouped[G_LEAD_H].v[s->grouped[G_LEAD_H].n - 1];
        sj->lead_new = 1;
    }
    if (has_old && memcmp(o.id, n.id, 16) != 0) {
        write_cmd2(s, "D", "lid:", "", o.id, 16);
        /* a new episode replaces the lead: the topic hears the old one
         * closed, moved_out when the subject's township changed */
        if (o.status != CB_STATUS_CLOSED) {
            o.status = CB_STATUS_CLOSED;
            o.closed_at = s->a.today;
            o.closed = cb_rules_end_reason(o.township, &L);
            str_set(&o.subject_id, sj->id, sj->id_len);
            str_set(&o.source, s->arena.data + sj->source.off, sj->source.len);
            write_lead_out(s, &o);
        }
    }
    if (has_old && o.township != n.township) {
        tw_rest(rest, sizeof(rest), o.township);
        write_cmd2(s, "R", "lt:", rest, sj->key, sj->key_len);
    }
    write_cmd3(s, "H", "lid:", "", n.id, 16, sj->key, sj->key_len);
    tw_rest(rest, sizeof(rest), n.township);
    write_cmd3(s, "Z", "lt:", rest, num, fmt_int(num, sizeof(num), n.opened),
               sj->key, sj->key_len);
    write_outbox(s, &s->late, "L", NULL, 0, v.data, v.len);
    cb_buf_free(&v);
    return 1;
}

/* Event ids: spans of text, sorted bytewise. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);

    if (c != 0)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

/* Splits space-separated ids (any ASCII white space) into v[*n..]. */
static void split_ids(const char *p, size_t len, span *v, size_t *n)
{
    size_t i = 0;

    while (i < len) {
        while (i < len && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
            i++;
        size_t j = i;
        while (j < len && !(p[j] == ' ' || (p[j] >= '\t' && p[j] <= '\r')))
            j++;
        if (j > i) {
            v[*n].p = p + i;
            v[(*n)++].n = j - i;
        }
        i = j;
    }
}

/* The union of the stored evidence and the new, sorted, into out. */
static int merge_evidence(const char *old, size_t old_len, const char *neu,
                          size_t neu_len, cb_buf *out)
{
    size_t cap = (old_len + neu_len) / 2 + 2, n = 0, k = 0;
    span *v = malloc(cap * sizeof(*v));

    if (v == NULL)
        return -1;
    split_ids(old, old_len, v, &n);
    split_ids(neu, neu_len, v, &n);
    qsort(v, n, sizeof(*v), span_cmp);
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && span_cmp(&v[i], &v[k - 1]) == 0)
            continue;
        v[k++] = v[i];
        if ((out->len > 0 && cb_buf_append(out, " ", 1) != 0) ||
            cb_buf_append(out, v[i].p, v[i].n) != 0) {
            free(v);
            return -1;
        }
    }
    free(v);
    return 0;
}

static void write_alert_out(cb_step *s, const char *type, const char *id,
                            const char *v, size_t len)
{
    write_outbox(s, &s->late, type, id, strlen(id), v, len);
}

/* Merges the computed alerts into the store: evidence only grows, amounts
 * only rise, and an active_after_death that no longer holds leaves.
 * Returns how many changed. */
static int finish_alerts(cb_step *s, subject *sj)
{
    int changed = 0;
    cb_buf ev = {0}, v = {0};
    char rest[32], num[24];

    for (size_t i = sj->alert_first; i < sj->alert_first + sj->nalerts; i++) {
        ealert *e = &s->alerts[i];
        const redisReply *old = looked(s, e->lookup);
        cb_alertrec o;
        int has_old = old != NULL &&
                      cb_alertrec_decode(old->str, old->len, &o) == 0;
        if (e->withdraw) {
            if (!has_old)
                continue;
            write_cmd2(s, "D", "alert:", "", e->id, 16);
            tw_rest(rest, sizeof(rest), o.township);
            write_cmd2(s, "R", "at:", rest, e->id, 16);
            if (o.township != 0)
                write_alert_out(s, "X", e->id, old->str, old->len);
            changed++;
            continue;
        }
        double raised = (double)s->a.now_ms;
        int64_t amount = e->amount;
        const char *evp = s->arena.data + e->ev_off;
        size_t evn = e->ev_len;
        if (has_old) {
            raised = o.raised;
            if (o.amount > amount)
                amount = o.amount;
            if (merge_evidence(o.evidence, o.evidence_len,
                               s->arena.data + e->ev_off, e->ev_len,
                               &ev) != 0)
                goto nomem;
            evp = ev.data;
            evn = ev.len;
        }
        cb_alertrec a;
        a.kind = e->kind;
        str_set(&a.subject_id, sj->id, sj->id_len);
        a.township = e->township;
        str_set(&a.period, e->period, strlen(e->period));
        a.amount = amount;
        a.evidence = evp;
        a.evidence_len = evn;
        if (a.evidence_len > CB_ALERTREC_EVIDENCE_MAX)
            a.evidence_len = CB_ALERTREC_EVIDENCE_MAX; /* cannot happen: 12
                                                          months of facts */
        a.raised = raised;
        if (cb_alertrec_encode(&a, &v) != 0)
            goto nomem;
        if (has_old && old->len == v.len && memcmp(old->str, v.data, v.len) == 0)
            continue;
        write_cmd3(s, "H", "alert:", "", e->id, 16, v.data, v.len);
        if (has_old && o.township != e->township) {
            /* the person's township changed: the old list loses it */
            tw_rest(rest, sizeof(rest), o.township);
            write_cmd2(s, "R", "at:", rest, e->id, 16);
            if (o.township != 0)
                write_alert_out(s, "X", e->id, old->str, old->len);
        }
        tw_rest(rest, sizeof(rest), e->township);
        write_cmd3(s, "Z", "at:", rest, num,
                   fmt_int(num, sizeof(num), (int64_t)(raised / 86400000.0)),
                   e->id, 16);
        /* the alert topic's consumers list alerts by township: an alert
         * whose township no row has named yet waits in the store until
         * one does */
        if (e->township != 0)
            write_alert_out(s, "A", e->id, v.data, v.len);
        changed++;
    }
    cb_buf_free(&ev);
    cb_buf_free(&v);
    return changed;
nomem:
    s->failed = 1;
    cb_buf_free(&ev);
    cb_buf_free(&v);
    return changed;
}

static void finish(cb_step *s)
{
    char num[24];

    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        if (!sj->active)
            continue;
        s->counts.alerts_changed += finish_alerts(s, sj);
        if (!sj->lead_inputs)
            continue;
        s->counts.leads_changed += finish_lead(s, sj);
        if (sj->next_day >= 0 && sj->next_day <= s->a.today + s->a.horizon) {
            write_cmd3(s, "Z", "tm:", "", num,
                       fmt_int(num, sizeof(num), sj->next_day), sj->key,
                       sj->key_len);
        } else {
            write_cmd2(s, "R", "tm:", "", sj->key, sj->key_len);
        }
    }
    /* the applied positions, with the state they cover */
    for (size_t i = 0; i < s->a.noffsets; i++) {
        int t = s->a.topics[i];
        if (t < 0 || t >= CB_TOPIC_COUNT)
            continue;
        if (s->stored[t] < 0 || s->a.next[i] > s->stored[t]) {
            char topic[8];
            write_cmd3(s, "H", "off:", "", topic,
                       fmt_int(topic, sizeof(topic), t), num,
                       fmt_int(num, sizeof(num), s->a.next[i]));
        }
    }
}

/* ------------------------------------------------------------ commit */

/* Arguments after the key of one write of an opcode (commit.lua's W). */
static int op_width(char op)
{
    return op == 'H' || op == 'Z' || op == 'L' ? 2 : op == 'D' || op == 'R' ? 1
                                                                              : 0;
}

/* At most this many arguments in one run: commit.lua unpacks a run onto
 * Lua's stack, which holds some 8,000. */
#define RUN_ARGS 2000

/* Puts l's writes as commit.lua takes them, or only counts the arguments
 * (w NULL).  A write is "op key args" in l (an outbox entry "X key n f1 v1
 * .. fn vn"); commit.lua takes runs "op key m" followed by the arguments
 * of m writes of that opcode to that key, so that it makes one call of
 * them without a loop of its own.  Writes side by side with one opcode and
 * one key join a run.  Returns the arguments put, or -1 for a write that
 * is not whole. */
static long put_runs(const cb_step *s, const wlist *l, cb_resp *w)
{
    const char *base = s->arena.data;
    long nargs = 0;
    size_t i = 0;

    while (i < l->n) {
        if (i + 2 >= l->n || l->v[i].len != 1)
            return -1;
        char op = base[l->v[i].off];
        const warg *key = &l->v[i + 1];
        size_t m = 1, width, end;
        if (op == 'X') { /* one entry, its count already there */
            const warg *cnt = &l->v[i + 2];
            size_t pairs = 0;
            for (size_t k = 0; k < cnt->len; k++)
                pairs = pairs * 10 + (size_t)(base[cnt->off + k] - '0');
            if (i + 3 + 2 * pairs > l->n)
                return -1;
            if (w) {
                for (size_t k = i; k < i + 3 + 2 * pairs; k++)
                    cb_resp_arg(w, base + l->v[k].off, l->v[k].len);
            }
            nargs += (long)(3 + 2 * pairs);
            i += 3 + 2 * pairs;
            continue;
        }
        if ((width = (size_t)op_width(op)) == 0 || i + 2 + width > l->n)
            return -1;
        end = i + 2 + width;
        while (end + 2 + width <= l->n && (m + 1) * width <= RUN_ARGS &&
               l->v[end].len == 1 && base[l->v[end].off] == op &&
               l->v[end + 1].len == key->len &&
               memcmp(base + l->v[end + 1].off, base + key->off,
                      key->len) == 0) {
            m++;
            end += 2 + width;
        }
        if (w) {
            char num[24];
            cb_resp_arg(w, &op, 1);
            cb_resp_arg(w, base + key->off, key->len);
            cb_resp_arg(w, num, fmt_int(num, sizeof(num), (int64_t)m));
            for (size_t k = i; k < end; k += 2 + width)
                for (size_t a = 0; a < width; a++)
                    cb_resp_arg(w, base + l->v[k + 2 + a].off,
                                l->v[k + 2 + a].len);
        }
        nargs += (long)(3 + m * width);
        i = end;
    }
    return nargs;
}

static int append_commit(cb_step *s, cb_redis *r, const cb_redis_script *sc)
{
    cb_resp *w = &s->out;
    const wlist *lists[3 + G_COUNT] = {&s->early, &s->states, &s->late};
    long n = 2;
    const char *ver = "0";
    size_t ver_len = 1;

    for (int g = 0; g < G_COUNT; g++)
        lists[3 + g] = &s->grouped[g];
    for (size_t k = 0; k < 3 + G_COUNT; k++) {
        long c = put_runs(s, lists[k], NULL);
        if (c < 0)
            return -1;
        n += c;
    }
    if (s->version != NULL && s->version->type == REDIS_REPLY_STRING) {
        ver = s->version->str;
        ver_len = s->version->len;
    }
    /* EVALSHA sha 1 cb:v:{pN} version runs... */
    cb_resp_reset(w);
    cb_resp_begin(w, 3 + (size_t)n);
    cb_resp_str(w, "EVALSHA");
    cb_resp_arg(w, sc->sha, 40);
    cb_resp_str(w, "1");
    cb_resp_cat(w, "cb:v:", s->tag, NULL);
    cb_resp_arg(w, ver, ver_len);
    for (size_t k = 0; k < 3 + G_COUNT; k++)
        put_runs(s, lists[k], w);
    if (w->failed)
        return -1;
    return cb_redis_append_raw(r, w->buf.data, w->buf.len);
}

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
        if (sj->state_new) {
            st = s->arena.data + sj->new_state.off;
            st_len = (int32_t)sj->new_state.len;
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
        return append_commit(s, r, commit);
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
        if (evaluate(s, errstr, errstr_size) != 0)
            return CB_STEP_EFAILED;
        if (s->lookups.n > 0) {
            s->phase = PH_LOOKUPS;
            return CB_STEP_AGAIN;
        }
        finish(s);
        break;
    case PH_LOOKUPS:
        rc = read_lookups(s, r, errstr, errstr_size);
        if (rc != CB_STEP_AGAIN)
            return rc;
        finish(s);
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
