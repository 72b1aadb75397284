/* cb_layout.c -- the old whole keys moved into buckets (cb_layout.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_idkey.h"
#include "cb_layout.h"
#include "cb_log.h"
#include "cb_group.h"
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

/* Ends a pipelined batch of writes to partition p, asked replies due
 * (rc 0 while every write went out): raises the partition's version, so
 * that no cache keeps what it read before, and reads every reply, even
 * after a failure, so that the connection can be used again.  doing
 * names the batch in errstr.  Returns 0 or -1. */
static int end_batch(cb_redis *node, int p, size_t asked, int rc,
                     const char *doing, char *errstr, size_t errstr_size)
{
    char ver[48];
    const char *incr[] = {"INCR", ver};

    snprintf(ver, sizeof(ver), "cb:v:{p%d}", p);
    if (rc == 0 && cb_redis_append(node, 2, incr, NULL) == 0)
        asked++;
    else
        rc = -1;
    for (size_t i = 0; i < asked; i++) {
        redisReply *r = cb_redis_get_reply(node);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            if (rc == 0)
                snprintf(errstr, errstr_size, "%s: %s", doing,
                         r ? r->str : cb_redis_errstr(node));
            rc = -1;
        }
        if (r != NULL)
            freeReplyObject(r);
    }
    if (rc != 0 && asked == 0)
        snprintf(errstr, errstr_size, "%s: %s", doing,
                 cb_redis_errstr(node));
    return rc;
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
    char doing[96];
    size_t asked = 0;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        const redisReply *field = pairs[2 * i], *value = pairs[2 * i + 1];
        unsigned char lid[CB_ID_DIGITS / 2];
        char key[48];
        /* a lead id's field is kept as its 8 bytes (rename_fields) */
        int bytes = f->by_lid && field->len == CB_ID_DIGITS &&
                    cb_id_to_bytes(field->str, lid) == 0;
        cb_store_bucket_key(key, sizeof(key), f->what, p,
                            field_bucket(f, field,
                                         cb_store_side_buckets(store)));
        const char *copy[] = {f->zset ? "ZADD" : "HSETNX", key,
                              f->zset ? "NX"
                              : bytes ? (const char *)lid
                                      : field->str,
                              value->str,
                              f->zset ? field->str : NULL};
        size_t copylen[] = {strlen(copy[0]), strlen(key),
                            f->zset ? 2 : bytes ? sizeof(lid) : field->len,
                            value->len, f->zset ? field->len : 0};
        const char *del[] = {f->zset ? "ZREM" : "HDEL", old, field->str};
        size_t dellen[] = {4, strlen(old), field->len};
        if (cb_redis_append(node, f->zset ? 5 : 4, copy, copylen) != 0 ||
            cb_redis_append(node, 3, del, dellen) != 0)
            rc = -1;
        else
            asked += 2;
    }
    snprintf(doing, sizeof(doing), "moving %s into buckets", old);
    return end_batch(node, p, asked, rc, doing, errstr, errstr_size);
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

/* ------------------------------------------------- fields renamed */

/* A family of buckets whose fields an earlier store wrote as text: the
 * name groups' keys in the state buckets ('G' and 16 hex digits, now 'G'
 * and 8 bytes) and the lead ids in cb:lid (16 hex digits, now 8 bytes).
 * Into out the field's new name; returns its length, or 0 for a field
 * that is not an old one. */
static size_t renamed(int lid, const redisReply *field, char out[16])
{
    if (field->type != REDIS_REPLY_STRING)
        return 0;
    if (lid) {
        if (field->len != CB_ID_DIGITS ||
            cb_id_to_bytes(field->str, (unsigned char *)out) != 0)
            return 0;
        return CB_ID_DIGITS / 2;
    }
    cb_subject s;
    if (field->len != CB_GROUP_KEY_LEN ||
        cb_subject_of_group(field->str, field->len, &s) != 0)
        return 0;
    memcpy(out, s.key, s.key_len);
    return s.key_len;
}

/* Renames the old fields of one bucket (key): their values read (HMGET),
 * each copied under its new name unless that is there already (a step
 * wrote it since: the newer), then the old ones deleted, the partition's
 * version raised after each.  Three round trips on the partition's node.
 * Returns the fields renamed, or -1 with errstr. */
static long rename_bucket(cb_store *store, int p, const char *key, int lid,
                          const redisReply *fields, char *errstr,
                          size_t errstr_size)
{
    cb_redis *node = cb_store_node(store, p);
    size_t n = 0, asked = 0;
    char doing[96];
    /* each old field with its new name, worked out once */
    struct {
        const redisReply *old;
        char name[16];
        size_t len;
    } *rn = malloc((fields->elements ? fields->elements : 1) * sizeof(*rn));
    const char **argv = malloc((fields->elements + 2) * sizeof(*argv));
    size_t *argvlen = malloc((fields->elements + 2) * sizeof(*argvlen));
    redisReply *values = NULL;
    long rc = 0;

    if (rn == NULL || argv == NULL || argvlen == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        rc = -1;
        goto out;
    }
    argv[0] = "HMGET";
    argvlen[0] = 5;
    argv[1] = key;
    argvlen[1] = strlen(key);
    for (size_t i = 0; i < fields->elements; i++) {
        const redisReply *f = fields->element[i];
        if ((rn[n].len = renamed(lid, f, rn[n].name)) == 0)
            continue;
        rn[n].old = f;
        argv[2 + n] = f->str;
        argvlen[2 + n++] = f->len;
    }
    if (n == 0)
        goto out;
    values = cb_redis_command(node, (int)(n + 2), argv, argvlen);
    if (values == NULL || values->type != REDIS_REPLY_ARRAY ||
        values->elements != n) {
        snprintf(errstr, errstr_size, "reading %s: %s", key,
                 values == NULL ? cb_redis_errstr(node)
                 : values->type == REDIS_REPLY_ERROR ? values->str
                                                      : "a bad reply");
        rc = -1;
        goto out;
    }
    /* the copies first, then (once every copy is in) the deletes: a
     * failure or a crash between leaves a field under both names, and
     * the next start copies nothing over and deletes the old one */
    snprintf(doing, sizeof(doing), "renaming the fields of %s", key);
    for (int del = 0; del < 2 && rc == 0; del++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            const redisReply *v = values->element[i];
            const char *cmd[] = {del ? "HDEL" : "HSETNX", key,
                                 del ? rn[i].old->str : rn[i].name, v->str};
            size_t cmdlen[] = {strlen(cmd[0]), strlen(key),
                               del ? rn[i].old->len : rn[i].len, v->len};
            if (!del && v->type != REDIS_REPLY_STRING)
                continue; /* gone since it was listed */
            if (cb_redis_append(node, del ? 3 : 4, cmd, cmdlen) != 0)
                rc = -1;
            else
                asked++;
        }
        rc = end_batch(node, p, asked, (int)rc, doing, errstr, errstr_size);
        asked = 0;
    }
    if (rc == 0)
        rc = (long)n;
out:
    if (values != NULL)
        freeReplyObject(values);
    free(rn);
    free(argv);
    free(argvlen);
    return rc;
}

/* Renames the old fields of partition p's state and lead-id buckets,
 * unless its layout key says it is done, and then says so.  Returns the
 * fields renamed, or -1 with errstr. */
static long rename_fields(cb_store *store, int p, char *errstr,
                          size_t errstr_size)
{
    cb_redis *node = cb_store_node(store, p);
    char done[48];
    long total = 0;
    redisReply *r;

    snprintf(done, sizeof(done), CB_LAYOUT_KEY_FMT, p);
    r = cb_redis_commandf(node, "GET %s", done);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "reading %s: %s", done,
                 r ? r->str : cb_redis_errstr(node));
        if (r != NULL)
            freeReplyObject(r);
        return -1;
    }
    int is_done = r->type == REDIS_REPLY_STRING &&
                  atoi(r->str) >= CB_LAYOUT_FIELDS;
    freeReplyObject(r);
    if (is_done)
        return 0;
    for (int lid = 0; lid < 2; lid++) {
        unsigned n = lid ? cb_store_side_buckets(store)
                         : cb_store_buckets(store);
        for (unsigned b = 0; b < n; b++) {
            char key[48];
            cb_store_bucket_key(key, sizeof(key), lid ? "lid" : "s", p, b);
            const char *argv[] = {"HKEYS", key};
            if (cb_redis_append(node, 2, argv, NULL) != 0) {
                snprintf(errstr, errstr_size, "%s", cb_redis_errstr(node));
                return -1;
            }
        }
        redisReply **keys = calloc(n, sizeof(*keys));
        int failed = keys == NULL;
        for (unsigned b = 0; b < n; b++) {
            redisReply *k = cb_redis_get_reply(node);
            if (keys != NULL)
                keys[b] = k;
            else if (k != NULL)
                freeReplyObject(k);
            if (k == NULL || k->type != REDIS_REPLY_ARRAY) {
                if (!failed)
                    snprintf(errstr, errstr_size, "listing %s buckets: %s",
                             lid ? "lid" : "s",
                             k == NULL ? cb_redis_errstr(node)
                             : k->type == REDIS_REPLY_ERROR ? k->str
                                                             : "a bad reply");
                failed = 1;
            }
        }
        for (unsigned b = 0; b < n && !failed; b++) {
            char key[48];
            cb_store_bucket_key(key, sizeof(key), lid ? "lid" : "s", p, b);
            long m = rename_bucket(store, p, key, lid, keys[b], errstr,
                                   errstr_size);
            if (m < 0)
                failed = 1;
            else
                total += m;
        }
        for (unsigned b = 0; keys != NULL && b < n; b++)
            if (keys[b] != NULL)
                freeReplyObject(keys[b]);
        free(keys);
        if (failed) {
            if (keys == NULL)
                snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
    }
    r = cb_redis_commandf(node, "SET %s %d", done, CB_LAYOUT_FIELDS);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "writing %s: %s", done,
                 r ? r->str : cb_redis_errstr(node));
        if (r != NULL)
            freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    return total;
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
    for (int p = 0; p < cb_store_partitions(store); p++) {
        long n = rename_fields(store, p, errstr, errstr_size);
        if (n < 0)
            return -1;
        if (n > 0)
            cb_info("renamed %ld name groups' and lead ids' fields of "
                    "partition %d to their bytes", n, p);
        total += n;
    }
    return total;
}
