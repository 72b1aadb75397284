/* cb_layout.c -- the old whole keys moved into buckets (cb_layout.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_idkey.h"
#include "cb_layout.h"
#include "cb_log.h"
#include "cb_ops.h"

#define CHUNK 500 /* entries moved by one script */

/* KEYS: the old key, the partition's version, the timer bound; ARGV[1]
 * 'h' (a hash) or 'z' (the timers), then (field, bucket key) pairs.  An
 * entry is read here, not taken from the caller, so a batch moves what
 * the old key holds when it runs. */
static const char move_lua[] =
    "local old, low = KEYS[1], nil\n"
    "for i = 2, #ARGV, 2 do\n"
    "  local f, key = ARGV[i], ARGV[i + 1]\n"
    "  if ARGV[1] == 'h' then\n"
    "    local v = redis.call('HGET', old, f)\n"
    "    if v then\n"
    "      redis.call('HSETNX', key, f, v)\n"
    "      redis.call('HDEL', old, f)\n"
    "    end\n"
    "  else\n"
    "    local v = redis.call('ZSCORE', old, f)\n"
    "    if v then\n"
    "      redis.call('ZADD', key, 'NX', v, f)\n"
    "      redis.call('ZREM', old, f)\n"
    "      v = tonumber(v)\n"
    "      if low == nil or v < low then low = v end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if low then redis.call('ZADD', KEYS[3], 'LT', low, 'due') end\n"
    "redis.call('INCR', KEYS[2])\n"
    "return 1\n";

/* One family of a partition: the old key's name, its new one's, and how
 * an entry's bucket is found. */
typedef struct family {
    const char *what;
    int zset;   /* the timers */
    int by_lid; /* the field is a lead id's digits */
} family;

/* The bucket of an entry's field: a subject key's lead and timer bucket,
 * or a lead id's.  A field that is neither goes to bucket 0, kept. */
static unsigned field_bucket(const family *f, const redisReply *field)
{
    cb_subject s;

    if (f->by_lid) {
        char digits[CB_ID_DIGITS + 1] = {0};
        memcpy(digits, field->str,
               field->len < CB_ID_DIGITS ? field->len : CB_ID_DIGITS);
        return cb_lid_bucket(digits);
    }
    if (cb_subject_from_key(field->str, field->len, &s) != 0)
        return 0;
    return cb_side_bucket(s.id, strlen(s.id));
}

/* Moves fields[0], [step], [2*step].. (n of them) of the old key of f in
 * partition p.  Returns 0 or -1 with errstr. */
static int move(cb_store *store, int p, const family *f, const char *old,
                redisReply **fields, size_t n, size_t step, char *errstr,
                size_t errstr_size)
{
    size_t argc = 7 + 2 * n;
    const char **argv = malloc(argc * sizeof(*argv));
    size_t *argvlen = malloc(argc * sizeof(*argvlen));
    char (*keys)[48] = malloc((n ? n : 1) * sizeof(*keys));
    char ver[48], bound[48];
    redisReply *r = NULL;
    int rc = -1;

    if (argv == NULL || argvlen == NULL || keys == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    snprintf(ver, sizeof(ver), "cb:v:{p%d}", p);
    snprintf(bound, sizeof(bound), "cb:tmin:{p%d}", p);
    argv[0] = "EVAL";
    argv[1] = move_lua;
    argv[2] = "3";
    argv[3] = old;
    argv[4] = ver;
    argv[5] = bound;
    argv[6] = f->zset ? "z" : "h";
    for (size_t i = 0; i < 7; i++)
        argvlen[i] = strlen(argv[i]);
    for (size_t i = 0; i < n; i++) {
        const redisReply *field = fields[i * step];
        cb_store_bucket_key(keys[i], sizeof(keys[i]), f->what, p,
                            field_bucket(f, field));
        argv[7 + 2 * i] = field->str;
        argvlen[7 + 2 * i] = field->len;
        argv[8 + 2 * i] = keys[i];
        argvlen[8 + 2 * i] = strlen(keys[i]);
    }
    r = cb_redis_command(cb_store_redis(store), (int)argc, argv, argvlen);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "moving %s into buckets: %s", old,
                 r ? r->str : cb_redis_errstr(cb_store_redis(store)));
        goto out;
    }
    rc = 0;
out:
    if (r != NULL)
        freeReplyObject(r);
    free(argv);
    free(argvlen);
    free(keys);
    return rc;
}

/* Moves the old key of f in partition p, batch by batch, until it is
 * gone.  Returns the entries moved, or -1 with errstr. */
static long migrate_family(cb_store *store, int p, const family *f,
                           char *errstr, size_t errstr_size)
{
    cb_redis *r = cb_store_redis(store);
    char old[48], cursor[32] = "0";
    long moved = 0;

    cb_store_key(old, sizeof(old), f->what, p);
    for (;;) {
        redisReply *got, *items;
        size_t n;
        if (f->zset)
            got = cb_redis_commandf(r, "ZRANGE %s 0 %d", old, CHUNK - 1);
        else
            got = cb_redis_commandf(r, "HSCAN %s %s COUNT %d", old, cursor,
                                    CHUNK);
        if (got == NULL || got->type == REDIS_REPLY_ERROR ||
            got->type != REDIS_REPLY_ARRAY ||
            (!f->zset && got->elements != 2)) {
            snprintf(errstr, errstr_size, "reading %s: %s", old,
                     got == NULL ? cb_redis_errstr(r)
                     : got->type == REDIS_REPLY_ERROR ? got->str
                                                      : "a bad reply");
            if (got != NULL)
                freeReplyObject(got);
            return -1;
        }
        items = f->zset ? got : got->element[1];
        /* a hash's reply is field, value pairs: the fields only */
        n = f->zset ? items->elements : items->elements / 2;
        if (!f->zset)
            snprintf(cursor, sizeof(cursor), "%s", got->element[0]->str);
        if (n > 0 && move(store, p, f, old, items->element, n,
                          f->zset ? 1 : 2, errstr, errstr_size) != 0) {
            freeReplyObject(got);
            return -1;
        }
        moved += (long)n;
        freeReplyObject(got);
        if (f->zset ? n == 0 : strcmp(cursor, "0") == 0) {
            /* a scan that came round may have missed nothing we must
             * keep, but check: the key is gone once empty */
            redisReply *e = cb_redis_commandf(r, "EXISTS %s", old);
            long long left = e && e->type == REDIS_REPLY_INTEGER
                                 ? e->integer : -1;
            if (e != NULL)
                freeReplyObject(e);
            if (left < 0) {
                snprintf(errstr, errstr_size, "reading %s: %s", old,
                         cb_redis_errstr(r));
                return -1;
            }
            if (left == 0)
                return moved;
        }
    }
}

long cb_layout_migrate(cb_store *store, char *errstr, size_t errstr_size)
{
    static const family fams[] = {
        {"lead", 0, 0}, {"lid", 0, 1}, {"tm", 1, 0}};
    long total = 0;

    for (int p = 0; p < cb_store_partitions(store); p++)
        for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
            long n = migrate_family(store, p, &fams[k], errstr, errstr_size);
            if (n < 0)
                return -1;
            if (n > 0)
                cb_info("moved %ld entries of cb:%s:{p%d} into its buckets",
                        n, fams[k].what, p);
            total += n;
        }
    return total;
}
