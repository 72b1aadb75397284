/* cb_store.c -- the matcher's Redis store: the connection, the buckets
 * and the event-id forms it settles on, batches applied as steps
 * (cb_step.c, driven by cb_pipe.c) and the applied offsets.  What readers
 * do with it (leads, alerts, review items, decisions) is
 * cb_store_records.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_cache.h"
#include "cb_config.h"
#include "cb_eidforms.h"
#include "cb_embed.h"
#include "cb_idkey.h"
#include "cb_log.h"
#include "cb_pipe.h"
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
