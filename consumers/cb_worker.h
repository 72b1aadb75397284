/* cb_worker.h -- a thread that applies the matcher's batches as steps
 * (cb_pipe.h) while the matcher's own thread goes on consuming and
 * decoding the next events.
 *
 * The matcher is two kinds of work, each about one core: taking messages
 * (Kafka, Avro, ops) and steps (the rules, and Redis's round trips).  On
 * a thread of their own, with a Redis connection of their own, the steps
 * run while the next batches fill.  Batches are handed over one at a time
 * and join the steps in flight at once: there is no round to wait for, so
 * Redis has work as long as any partition has.
 *
 * Order: a partition has at most two batches handed over, one in flight
 * and one waiting; the waiting one starts when the first has committed.
 * After a failure (Redis trouble, a step that failed) every batch handed
 * over comes back failed, and so does any handed over later, until
 * cb_worker_reconnect: which of them Redis applied is known only to Redis.
 *
 * Not thread-safe itself: one owner thread calls every function. */
#ifndef CB_WORKER_H
#define CB_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "cb_cache.h"
#include "cb_store.h"

typedef struct cb_worker cb_worker;

/* Starts the thread, with a store connected by opts (whose partitions
 * bound the partition numbers of batches).  NULL with errstr. */
cb_worker *cb_worker_new(const cb_store_opts *opts, char *errstr,
                         size_t errstr_size);

/* Stops the thread; steps in flight are dropped. */
void cb_worker_free(cb_worker *w);

/* Hands batch b over (its ops are the worker's until its result is
 * collected; its offsets are copied).  Returns 0, or -1 when its partition
 * already has two batches handed over. */
int cb_worker_submit(cb_worker *w, const cb_store_batch *b, int32_t today,
                     int64_t now_ms);

/* What became of a batch handed over. */
typedef struct cb_worker_result {
    int partition;
    const cb_buf *ops; /* given back */
    size_t nops;
    int rc;            /* 0 committed; CB_STEP_EREDIS Redis trouble;
                          CB_STEP_EFAILED a step failed */
    cb_store_result res;
    double seconds;    /* committed: from its step's first command to its
                          commit, as the thread saw it (Redis's round trips
                          and the rules, behind the other steps in
                          flight) */
} cb_worker_result;

/* Takes up to max results, in the order the batches finished; with wait,
 * waits for one when none is there and some batch is handed over.
 * Returns how many; errstr says why the first failure failed. */
size_t cb_worker_collect(cb_worker *w, cb_worker_result *out, size_t max,
                         int wait, char *errstr, size_t errstr_size);

/* Batches handed over and not yet collected. */
size_t cb_worker_handed(const cb_worker *w);

/* What the store's cache (cb_cache.h) has done, as of the thread's last
 * step; zeros when it has none.  Any time. */
void cb_worker_cache_stats(cb_worker *w, cb_cache_stats *stats);

/* Connects the worker's store again, reloads its script and takes batches
 * again after a failure.  Only with nothing handed over.  Returns 0 or
 * -1. */
int cb_worker_reconnect(cb_worker *w, char *errstr, size_t errstr_size);

#endif
