/* cb_layout.c -- the old whole keys moved into buckets (cb_layout.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_idkey.h"
#include "cb_layout.h"
#include "cb_log.h"
#include "cb_ops.h"

#define CHUNK 500 /* entries moved by one round trip */

/* One family of a partition: the old key's name, its new one's, and how
 * an entry's bucket is found. */
typedef struct family {
    const char *what;
    int zset;   /* the timers */
    int by_lid; /* the field is a lead id's digits */
} family;

/* The bucket of an entry's field: a subject key's lead and timer bucket,
 * or a lead id's.  A field that is neither goes to bucket 0, kept. */
static unsigned field_bucket(const family *f, const redisReply *field,
                             unsigned nside)
{
    cb_subject s;

    if (f->by_lid) {
        char digits[CB_ID_DIGITS + 1] = {0};
        memcpy(digits, field->str,
               field->len < CB_ID_DIGITS ? field->len : CB_ID_DIGITS);
        return cb_lid_bucket(digits, nside);
    }
    if (cb_subject_from_key(field->str, field->len, &s) != 0)
        return 0;
    return cb_side_bucket(s.id, strlen(s.id), nside);
}

/* Moves n entries of the old key of f in partition p, given as (field,
 * value) pairs (a hash's, or a sorted set's member and score): each is
 * copied into its bucket unless the bucket has it already (the bucket's
 * is the newer), then deleted from the old key; last the partition's
 * version is raised, so that no cache keeps what it read before.  One
 * pipelined round trip on the partition's node, no script (canbao runs
 * none but commit.lua).  A crash between copying and deleting leaves the
 * entry in both: the next start copies nothing over and deletes it.
 * Returns 0 or -1 with errstr. */
static int move(cb_store *store, int p, const family *f, const char *old,
                redisReply **pairs, size_t n, char *errstr,
                size_t errstr_size)
{
    cb_redis *node = cb_store_node(store, p);
    char ver[48];
    size_t asked = 0;
    int rc = 0;

    snprintf(ver, sizeof(ver), "cb:v:{p%d}", p);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const redisReply *field = pairs[2 * i], *value = pairs[2 * i + 1];
        char key[48];
        cb_store_bucket_key(key, sizeof(key), f->what, p,
                            field_bucket(f, field,
                                         cb_store_side_buckets(store)));
        const char *copy[] = {f->zset ? "ZADD" : "HSETNX", key,
                              f->zset ? "NX" : field->str,
                              value->str,
                              f->zset ? field->str : NULL};
        size_t copylen[] = {strlen(copy[0]), strlen(key),
                            f->zset ? 2 : field->len,
                            value->len, f->zset ? field->len : 0};
        const char *del[] = {f->zset ? "ZREM" : "HDEL", old, field->str};
        size_t dellen[] = {4, strlen(old), field->len};
        if (cb_redis_append(node, f->zset ? 5 : 4, copy, copylen) != 0 ||
            cb_redis_append(node, 3, del, dellen) != 0)
            rc = -1;
        else
            asked += 2;
    }
    const char *incr[] = {"INCR", ver};
    if (rc == 0 && cb_redis_append(node, 2, incr, NULL) == 0)
        asked++;
    else
        rc = -1;
    /* every reply asked for is read, even after a failure */
    for (size_t i = 0; i < asked; i++) {
        redisReply *r = cb_redis_get_reply(node);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            if (rc == 0)
                snprintf(errstr, errstr_size, "moving %s into buckets: %s",
                         old, r ? r->str : cb_redis_errstr(node));
            rc = -1;
        }
        if (r != NULL)
            freeReplyObject(r);
    }
    if (rc != 0 && asked == 0)
        snprintf(errstr, errstr_size, "moving %s into buckets: %s", old,
                 cb_redis_errstr(node));
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
            got = cb_redis_commandf(r, "ZRANGE %s 0 %d WITHSCORES", old,
                                    CHUNK - 1);
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
        /* (field, value) pairs either way */
        n = items->elements / 2;
        if (!f->zset)
            snprintf(cursor, sizeof(cursor), "%s", got->element[0]->str);
        if (n > 0 && move(store, p, f, old, items->element, n, errstr,
                          errstr_size) != 0) {
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
