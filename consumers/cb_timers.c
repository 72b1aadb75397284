/* cb_timers.c -- the timers due of a partition (cb_timers.h). */
#include <hiredis.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ops.h"
#include "cb_redis.h"
#include "cb_timers.h"

int cb_timers_due(cb_store *store, int partition, int32_t today, int limit,
                  cb_timers_fn *fn, void *opaque)
{
    cb_redis *node = cb_store_node(store, partition);
    unsigned nside = cb_store_side_buckets(store);
    redisReply **got = calloc(nside, sizeof(*got));
    char day[16], lim[16];
    int asked = 0, lost = 0, taken = 0, stop = 0, partial = 0;

    snprintf(day, sizeof(day), "%d", (int)today);
    snprintf(lim, sizeof(lim), "%d", limit);
    if (got == NULL)
        return -1;
    for (unsigned b = 0; b < nside; b++) {
        char key[48];
        const char *argv[] = {"ZRANGEBYSCORE", key, "-inf", day,
                              "LIMIT", "0", lim};
        cb_store_bucket_key(key, sizeof(key), "tm", partition, b);
        if (cb_redis_append(node, 7, argv, NULL) != 0) {
            lost = 1;
            break;
        }
        asked++;
    }
    /* every reply asked for is read before fn runs: fn may use the
     * connection (a full batch is handed over and the outbox read) */
    for (int i = 0; i < asked; i++)
        if ((got[i] = cb_redis_get_reply(node)) == NULL)
            lost = 1;
    for (int i = 0; i < asked; i++) {
        redisReply *r = got[i];
        if (r != NULL && r->type != REDIS_REPLY_ARRAY)
            partial = 1;
        for (size_t k = 0; !lost && !stop && r != NULL &&
                           r->type == REDIS_REPLY_ARRAY && k < r->elements &&
                           taken < limit;
             k++, taken++)
            stop = fn(r->element[k]->str, r->element[k]->len, opaque) != 0;
        if (r != NULL)
            freeReplyObject(r);
    }
    free(got);
    if (lost)
        return -1;
    return partial || stop || taken >= limit ? 0 : 1;
}
