/* cb_store.c -- the matcher's Redis store: batches applied as steps
 * (cb_step.c, driven by cb_pipe.c), applied offsets, packed leads, alerts
 * and review items read back, and the decisions and verdicts that are
 * steps of their own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_alertrec.h"
#include "cb_cache.h"
#include "cb_config.h"
#include "cb_decisionrec.h"
#include "cb_eidforms.h"
#include "cb_embed.h"
#include "cb_group.h"
#include "cb_idkey.h"
#include "cb_leadrec.h"
#include "cb_log.h"
#include "cb_name.h"
#include "cb_pipe.h"
#include "cb_reviewrec.h"
#include "cb_rules.h"
#include "cb_state.h"
#include "cb_step.h"
#include "cb_store.h"

extern const cb_embedded_file cb_script_files[];

struct cb_store {
    cb_redis *redis;
    cb_redis_script commit;
    cb_cache *cache;
    const cb_idkey *ids; /* borrowed */
    int partitions;
    unsigned buckets; /* settled: the store's; before, the ones asked for */
    int settled;
    cb_eidforms *forms; /* the store's event-id forms (CB_KEY_EIDFORMS) */
    cb_redis *side;     /* the forms' own connection, opened when a step
                           in flight needs them (NULL until then) */
    char *url;
    int timeout_ms;
};

/* ------------------------------------------------------ event-id forms */

/* Reads the store's list of event-id forms into the table, through r.
 * Returns 0, or -1 when Redis did not answer with a list. */
static int load_forms(cb_store *st, cb_redis *r)
{
    const char *entries[CB_EIDFORMS_MAX];
    size_t lens[CB_EIDFORMS_MAX];
    redisReply *reply = cb_redis_commandf(r, "LRANGE %s 0 %d",
                                          CB_KEY_EIDFORMS,
                                          CB_EIDFORMS_MAX - 1);
    size_t n = 0;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        if (reply != NULL)
            freeReplyObject(reply);
        return -1;
    }
    for (size_t i = 0; i < reply->elements && n < CB_EIDFORMS_MAX; i++) {
        redisReply *e = reply->element[i];
        entries[n] = e->type == REDIS_REPLY_STRING ? e->str : "";
        lens[n++] = e->type == REDIS_REPLY_STRING ? e->len : 0;
    }
    cb_eidforms_set(st->forms, entries, lens, n);
    freeReplyObject(reply);
    return 0;
}

/* The table's miss hook (cb_eidforms.h).  It may be called while steps
 * are in flight on the store's connection, so it talks through a
 * connection of its own.  A form not yet in the list is pushed (unless
 * the list is full); then the list is read again.  Failures leave the
 * table as it was: the id is packed whole, or the state refused. */
static void forms_miss(cb_eidforms *t, const char *entry, void *opaque)
{
    cb_store *st = opaque;
    char err[256];
    redisReply *r;

    (void)t;
    if (st->side == NULL &&
        (st->side = cb_redis_connect(st->url, st->timeout_ms, err,
                                     sizeof(err))) == NULL)
        return;
    if (entry != NULL) {
        r = cb_redis_commandf(st->side, "LLEN %s", CB_KEY_EIDFORMS);
        int room = r != NULL && r->type == REDIS_REPLY_INTEGER &&
                   r->integer < CB_EIDFORMS_MAX;
        if (r != NULL)
            freeReplyObject(r);
        if (room &&
            (r = cb_redis_commandf(st->side, "RPUSH %s %s", CB_KEY_EIDFORMS,
                                   entry)) != NULL)
            freeReplyObject(r);
    }
    if (load_forms(st, st->side) != 0) {
        /* a connection that failed is opened again at the next miss */
        cb_redis_free(st->side);
        st->side = NULL;
    }
}

cb_eidforms *cb_store_forms(cb_store *store)
{
    return store->forms;
}

/* Whether partition p holds anything a matcher or `canbao load` wrote:
 * 1, 0, or -1 when Redis did not answer. */
static int partition_written(cb_store *st, int p)
{
    redisReply *r = cb_redis_commandf(st->redis, "EXISTS cb:v:{p%d} "
                                      "cb:off:{p%d}", p, p);
    int rc = r != NULL && r->type == REDIS_REPLY_INTEGER
                 ? r->integer > 0
                 : -1;

    if (r != NULL)
        freeReplyObject(r);
    return rc;
}

/* The state buckets a partition of the store in Redis has
 * (CB_KEY_BUCKETS): 0 when none are recorded, -1 with errstr when Redis
 * did not answer or holds something else. */
static long recorded_buckets(cb_store *st, char *errstr, size_t errstr_size)
{
    redisReply *r = cb_redis_commandf(st->redis, "GET %s", CB_KEY_BUCKETS);
    unsigned n = 0;
    long v = -1;

    if (r == NULL || r->type == REDIS_REPLY_ERROR)
        snprintf(errstr, errstr_size, "reading %s: %s", CB_KEY_BUCKETS,
                 r ? r->str : cb_redis_errstr(st->redis));
    else if (r->type == REDIS_REPLY_NIL)
        v = 0;
    else if (r->type != REDIS_REPLY_STRING)
        snprintf(errstr, errstr_size, "%s is not a string", CB_KEY_BUCKETS);
    else if (cb_store_parse_buckets(r->str, CB_KEY_BUCKETS, &n, errstr,
                                    errstr_size) == 0)
        v = n;
    if (r != NULL)
        freeReplyObject(r);
    return v;
}

/* Settles st->buckets: the count recorded in Redis, which want (0: any)
 * must equal.  A store without one is either empty, and a writer (a
 * store with ids) records want (CB_STORE_BUCKETS when 0) there, or was
 * written before counts were recorded, with CB_STORE_BUCKETS: a reader
 * takes that in both cases (an empty store reads the same whatever the
 * count).  The count is part of every key a subject's state, lead and
 * timer are kept under, so a store cannot change it once written.  On a
 * reconnection (settled: the store has its count) a writer records its
 * count again if Redis lost it with its data. */
static int settle_buckets(cb_store *st, unsigned want, int settled,
                          char *errstr, size_t errstr_size)
{
    long have;

    if ((have = recorded_buckets(st, errstr, errstr_size)) < 0)
        return -1;
    if (have == 0 && st->ids == NULL)
        have = settled ? (long)want : CB_STORE_BUCKETS;
    if (have == 0) {
        unsigned rec = want ? want : CB_STORE_BUCKETS;
        for (int p = 0; p < st->partitions && !settled &&
                        rec != CB_STORE_BUCKETS;
             p++) {
            int w = partition_written(st, p);
            if (w < 0) {
                snprintf(errstr, errstr_size, "%s",
                         cb_redis_errstr(st->redis));
                return -1;
            }
            if (w)
                rec = CB_STORE_BUCKETS; /* written before counts were */
        }
        redisReply *r = cb_redis_commandf(st->redis, "SET %s %u NX",
                                          CB_KEY_BUCKETS, rec);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, errstr_size, "recording %s: %s", CB_KEY_BUCKETS,
                     r ? r->str : cb_redis_errstr(st->redis));
            if (r != NULL)
                freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
        /* another writer may have recorded its own first */
        if ((have = recorded_buckets(st, errstr, errstr_size)) <= 0) {
            if (have == 0)
                snprintf(errstr, errstr_size, "%s vanished", CB_KEY_BUCKETS);
            return -1;
        }
    }
    if (want != 0 && (unsigned long)have != want) {
        snprintf(errstr, errstr_size,
                 "the store in Redis keeps each partition's states in %ld "
                 "buckets, not the %u asked for: a store keeps the count "
                 "it was first written with (buckets in docs/COMMANDS.md); "
                 "leave buckets out, or set it to %ld",
                 have, want, have);
        return -1;
    }
    st->buckets = (unsigned)have;
    return 0;
}

int cb_store_parse_buckets(const char *text, const char *name,
                           unsigned *out, char *errstr, size_t errstr_size)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
    if (v == 0 || errno != 0 || *end != '\0' || v < CB_STORE_BUCKETS_MIN ||
        v > CB_STORE_BUCKETS_MAX || (v & (v - 1)) != 0) {
        snprintf(errstr, errstr_size,
                 "%s must be a power of two from %d to %d, not '%s'", name,
                 CB_STORE_BUCKETS_MIN, CB_STORE_BUCKETS_MAX, text);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int cb_store_config_buckets(const cb_config *cfg, unsigned *out,
                            char *errstr, size_t errstr_size)
{
    const char *v = cb_config_get(cfg, "buckets");

    *out = 0;
    return v == NULL ? 0
                     : cb_store_parse_buckets(v, "buckets", out, errstr,
                                              errstr_size);
}

cb_store *cb_store_new(const cb_store_opts *opts, char *errstr,
                       size_t errstr_size)
{
    cb_store *st = calloc(1, sizeof(*st));
    const cb_embedded_file *lua = cb_embed_find(cb_script_files,
                                                "commit.lua");

    if (st == NULL || lua == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        free(st);
        return NULL;
    }
    st->partitions = opts->partitions;
    st->ids = opts->ids;
    st->timeout_ms = opts->timeout_ms ? opts->timeout_ms : 5000;
    if ((st->forms = cb_eidforms_new()) == NULL ||
        (st->url = strdup(opts->redis_url)) == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        cb_eidforms_free(st->forms);
        free(st);
        return NULL;
    }
    cb_eidforms_on_miss(st->forms, forms_miss, st);
    st->commit.source = lua->data;
    if (opts->cache_bytes > 0 &&
        (st->cache = cb_cache_new(opts->partitions, opts->cache_bytes)) ==
            NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        cb_store_free(st);
        return NULL;
    }
    st->redis = cb_redis_connect(opts->redis_url, st->timeout_ms, errstr,
                                 errstr_size);
    if (st->redis == NULL) {
        cb_store_free(st);
        return NULL;
    }
    st->buckets = opts->buckets; /* asked for; settled by the reload */
    if (cb_store_reload(st, errstr, errstr_size) != 0) {
        cb_store_free(st);
        return NULL;
    }
    return st;
}

cb_store *cb_store_from_config(const cb_config *cfg, const cb_idkey *ids,
                               char *errstr, size_t errstr_size)
{
    cb_store_opts o = {cb_config_redis(cfg), 16, 0, 5000, 0, ids};
    const char *p = cb_config_get(cfg, "partitions");

    if (p != NULL) {
        char *end;
        long v = strtol(p, &end, 10);
        if (*end != '\0' || v < 1 || v > 1024) {
            snprintf(errstr, errstr_size, "partitions must be 1..1024");
            return NULL;
        }
        o.partitions = (int)v;
    }
    if (cb_store_config_buckets(cfg, &o.buckets, errstr, errstr_size) != 0)
        return NULL;
    return cb_store_new(&o, errstr, errstr_size);
}

void cb_store_free(cb_store *store)
{
    if (store == NULL)
        return;
    cb_redis_free(store->redis);
    cb_redis_free(store->side);
    cb_cache_free(store->cache);
    cb_eidforms_free(store->forms);
    free(store->url);
    free(store);
}

cb_redis *cb_store_redis(cb_store *store)
{
    return store->redis;
}

cb_redis *cb_store_node(cb_store *store, int partition)
{
    char tag[32];
    int n = snprintf(tag, sizeof(tag), "{p%d}", partition);

    return cb_redis_node(store->redis, tag, (size_t)n);
}

const cb_idkey *cb_store_ids(const cb_store *store)
{
    return store->ids;
}

cb_cache *cb_store_cache(cb_store *store)
{
    return store->cache;
}

const cb_redis_script *cb_store_script(const cb_store *store)
{
    return &store->commit;
}

int cb_store_partitions(const cb_store *store)
{
    return store->partitions;
}

unsigned cb_store_buckets(const cb_store *store)
{
    return store->buckets;
}

unsigned cb_store_side_buckets(const cb_store *store)
{
    return cb_side_buckets(store->buckets);
}

int cb_store_partition_of(const cb_store *store, const cb_subject *s)
{
    return cb_key_partition(s->id, strlen(s->id), store->partitions);
}

void cb_store_key(char *buf, size_t size, const char *what, int partition)
{
    snprintf(buf, size, "cb:%s:{p%d}", what, partition);
}

void cb_store_bucket_key(char *buf, size_t size, const char *what,
                         int partition, unsigned bucket)
{
    snprintf(buf, size, "cb:%s:{p%d}:%u", what, partition, bucket);
}

/* Redis keeps a small hash or sorted set as a listpack, about half the
 * memory of a hash table or a skiplist, until an entry or the count
 * passes a limit (docs/MATCHER.md):
 * - a state bucket's values: a person with a name and a year of pension
 *   payments is longer than hash-max-listpack-value's default 64 bytes;
 * - a township's index of leads in a partition (cb:lt): a large township
 *   has more than zset-max-listpack-entries's default 128 open leads, and
 *   a skiplist takes 110 bytes an entry where a listpack takes 17.
 * So canbao raises both limits when Redis lets it (a Redis restart
 * forgets them: this runs again after every reconnection), and says so
 * when it cannot.  On a cluster the GET hears one master only, and a
 * promoted replica may not have the setting: every master is set. */
static const struct {
    const char *name;
    long want;
    const char *without;
} encoding_limits[] = {
    {"hash-max-listpack-value", CB_STORE_LISTPACK_VALUE,
     "states will take about twice the memory"},
    {"zset-max-listpack-entries", CB_STORE_LISTPACK_ZSET,
     "large townships' lead indexes will take about six times the memory"},
};

static void tune_encoding(cb_store *store)
{
    for (size_t i = 0; i < sizeof(encoding_limits) / sizeof(encoding_limits[0]);
         i++) {
        const char *name = encoding_limits[i].name;
        long want = encoding_limits[i].want, have = -1;
        redisReply *r = cb_redis_commandf(store->redis, "CONFIG GET %s", name);

        if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
            have = strtol(r->element[1]->str, NULL, 10);
        if (r != NULL)
            freeReplyObject(r);
        if (have >= want && !cb_redis_is_cluster(store->redis))
            continue;
        r = cb_redis_commandf(store->redis, "CONFIG SET %s %ld", name, want);
        if (r == NULL || r->type == REDIS_REPLY_ERROR)
            cb_warn("cannot set %s to %ld (%s): %s; set it in redis.conf",
                    name, want, r ? r->str : cb_redis_errstr(store->redis),
                    encoding_limits[i].without);
        if (r != NULL)
            freeReplyObject(r);
    }
}

int cb_store_reload(cb_store *store, char *errstr, size_t errstr_size)
{
    if (store->cache != NULL)
        cb_cache_clear(store->cache, -1);
    tune_encoding(store);
    if (settle_buckets(store, store->buckets, store->settled, errstr,
                       errstr_size) != 0)
        return -1;
    store->settled = 1;
    cb_redis_free(store->side); /* reopened when needed */
    store->side = NULL;
    if (load_forms(store, store->redis) != 0) {
        snprintf(errstr, errstr_size, "cannot read %s: %s", CB_KEY_EIDFORMS,
                 cb_redis_errstr(store->redis));
        return -1;
    }
    if (cb_redis_script_load(store->redis, &store->commit) != 0) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
        return -1;
    }
    return 0;
}

/* The steps of every batch in flight together on the store's connection
 * (cb_pipe.h), until each has committed. */
int cb_store_apply(cb_store *store, int32_t today, int64_t now_ms,
                   const cb_store_batch *batches, size_t n,
                   cb_store_result *res, char *errstr, size_t errstr_size)
{
    cb_pipe *pipe = cb_pipe_new(store);
    int rc = 0;

    if (pipe == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = cb_pipe_add(pipe, &batches[i], today, now_ms, errstr,
                         errstr_size);
    while (rc == 0 && cb_pipe_inflight(pipe) > 0) {
        cb_store_result r;
        int partition, t = cb_pipe_turn(pipe, &partition, &r, errstr,
                                        errstr_size);
        if (t < 0)
            rc = t;
        for (size_t i = 0; t == 1 && i < n; i++)
            if (batches[i].partition == partition)
                res[i] = r;
    }
    cb_pipe_free(pipe);
    return rc;
}

int cb_store_step(cb_store *store, int partition, int32_t today,
                  int64_t now_ms, const cb_buf *ops, size_t nops,
                  const int *topics, const int64_t *next, size_t noffsets,
                  cb_store_result *res, char *errstr, size_t errstr_size)
{
    cb_store_batch b = {partition, ops, nops, topics, next, noffsets};

    return cb_store_apply(store, today, now_ms, &b, 1, res, errstr,
                          errstr_size);
}

int cb_store_offsets(cb_store *store, int partition, int64_t *next,
                     size_t ntopics, char *errstr, size_t errstr_size)
{
    char key[64];
    redisReply *r;

    cb_store_key(key, sizeof(key), "off", partition);
    for (size_t i = 0; i < ntopics; i++)
        next[i] = -1;
    r = cb_redis_commandf(store->redis, "HGETALL %s", key);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        snprintf(errstr, errstr_size, "%s",
                 r ? "bad reply to HGETALL" : cb_redis_errstr(store->redis));
        if (r != NULL)
            freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        long t = strtol(r->element[i]->str, NULL, 10);
        if (t >= 0 && (size_t)t < ntopics)
            next[t] = strtoll(r->element[i + 1]->str, NULL, 10);
    }
    freeReplyObject(r);
    return 0;
}

/* ------------------------------------------------------------- queries */

/* Walks one hash with HSCAN, calling fn(field, value) for each entry. */
static int scan_hash(cb_store *store, const char *key,
                     int (*fn)(const redisReply *f, const redisReply *v,
                               void *opaque),
                     void *opaque, char *errstr, size_t errstr_size)
{
    char cursor[32] = "0";

    do {
        redisReply *r = cb_redis_commandf(store->redis,
                                          "HSCAN %s %s COUNT 1000", key,
                                          cursor);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            snprintf(errstr, errstr_size, "%s",
                     r ? "bad reply to HSCAN"
                       : cb_redis_errstr(store->redis));
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
        if (r == NULL) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(node));
            return -1;
        }
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
        if (cb_redis_append(node, 2, argv, argvlen) != 0) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(node));
            return -1;
        }
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
    ids = cb_redis_commandf(store->redis, "ZRANGE %s 0 -1", idx);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
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
                snprintf(errstr, errstr_size, "%s", cb_redis_errstr(node));
                freeReplyObject(ids);
                return -1;
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

    for (int p = 0; p < store->partitions && !w.stop; p++) {
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

    for (int p = 0; p < store->partitions; p++) {
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
    for (int p = 0; p < store->partitions; p++) {
        char key[96];
        cb_store_bucket_key(key, sizeof(key), "lid", p,
                            cb_lid_bucket(lead_id + 1,
                                          cb_store_side_buckets(store)));
        redisReply *r = cb_redis_commandf(store->redis, "HGET %s %b", key,
                                          field, sizeof(field));
        if (r == NULL) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
            return -1;
        }
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
    r = cb_redis_command(store->redis, 3, argv, argvlen);
    if (r == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
        return -1;
    }
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
    if (cb_leadrec_decode(store != NULL ? store->forms : NULL, v, len,
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

int cb_store_decide(cb_store *store, const char *lead_id, int decision,
                    const char *why, int64_t now_ms, cb_lead *after,
                    char *errstr, size_t errstr_size)
{
    cb_subject subject;
    cb_store_result res;
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
    if (cb_ops_decide(&subject, store->buckets, lead_id + 1, decision, why,
                      &op) != 0) {
        cb_buf_free(&op);
        snprintf(errstr, errstr_size, "the decision cannot be packed");
        return -1;
    }
    rc = cb_store_step(store, part, cb_date_of_time(now_ms), now_ms, &op, 1,
                       NULL, NULL, 0, &res, errstr, errstr_size);
    cb_buf_free(&op);
    if (rc != 0)
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
    redisReply *r = cb_redis_commandf(store->redis, "HGET %s %s", key,
                                      lead_id + 1);
    if (r == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
        return -1;
    }
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
    cb_store_bucket_key(key, sizeof(key), "s", cb_store_partition_of(store, &s),
                        cb_subject_bucket(&s, store->buckets));
    *reply = cb_redis_commandf(store->redis, "HGET %s %b", key, s.key,
                               s.key_len);
    if (*reply == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
        return -1;
    }
    if ((*reply)->type != REDIS_REPLY_STRING ||
        cb_person_decode(store->forms, id, (*reply)->str, (*reply)->len,
                         p) != 0)
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

    for (int p = 0; rc == 0 && p < store->partitions; p++) {
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
    for (int p = 0; p < store->partitions; p++) {
        char key[96], id[CB_ID_SIZE], norm[sizeof(other->s) + 1];
        cb_reviewrec r;
        int n;
        cb_store_key(key, sizeof(key), "rev", p);
        redisReply *reply = cb_redis_commandf(store->redis, "HGET %s %s", key,
                                              review_id + 1);
        if (reply == NULL) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
            return -1;
        }
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
            if (store->ids == NULL)
                return 0;
            cb_group_key(store->ids, r.register_name.s, r.register_name.len,
                         gkey);
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
    cb_store_result res;
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
    if (cb_ops_review(&subject, store->buckets, kind, verdict, other.s,
                      other.len, now_ms, why, &op) != 0) {
        cb_buf_free(&op);
        snprintf(errstr, errstr_size, "the verdict cannot be packed");
        return -1;
    }
    rc = cb_store_step(store, part, cb_date_of_time(now_ms), now_ms, &op, 1,
                       NULL, NULL, 0, &res, errstr, errstr_size);
    cb_buf_free(&op);
    if (rc != 0)
        return -1;
    /* the item as the step left it */
    cb_store_key(key, sizeof(key), "rev", part);
    redisReply *r = cb_redis_commandf(store->redis, "HGET %s %s", key,
                                      review_id + 1);
    cb_reviewrec after;
    if (r == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(store->redis));
        return -1;
    }
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
