/* cb_worker.h -- a thread that applies steps (cb_store_apply) while the
 * matcher's own thread goes on consuming and decoding the next events.
 *
 * The matcher is two kinds of work, each about one core: taking messages
 * (Kafka, Avro, ops) and steps (the rules, and Redis's round trips).  Done
 * one after the other, each waits for the other; on a thread of its own,
 * with a Redis connection of its own, the steps of one flush run while the
 * next flush fills.  One job at a time, so a partition's batches are still
 * applied in their order.
 *
 * Not thread-safe itself: one owner thread calls every function. */
#ifndef CB_WORKER_H
#define CB_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "cb_store.h"

typedef struct cb_worker cb_worker;

/* Starts the thread, with a store connected by opts.  NULL with errstr. */
cb_worker *cb_worker_new(const cb_store_opts *opts, char *errstr,
                         size_t errstr_size);

/* Waits for the running job (its outcome is lost) and stops the thread. */
void cb_worker_free(cb_worker *w);

/* Hands n batches (n at most CB_WORKER_MAX) to the thread, which must be
 * idle.  The batches and their ops are the worker's until cb_worker_wait
 * returns: the caller does not touch them. */
#define CB_WORKER_MAX 1024
void cb_worker_start(cb_worker *w, int32_t today, int64_t now_ms,
                     const cb_store_batch *batches, size_t n);

/* Is a job handed over and not yet waited for? */
int cb_worker_busy(const cb_worker *w);

/* Is the job handed over finished (cb_worker_wait will not block)? */
int cb_worker_done(cb_worker *w);

/* Waits for the job: cb_store_apply's return code (0, -1 Redis trouble,
 * -3 a step failed), with res[i] for each batch and errstr. */
int cb_worker_wait(cb_worker *w, cb_store_result *res, char *errstr,
                   size_t errstr_size);

/* Connects the worker's store again and reloads its script (when idle).
 * Returns 0 or -1. */
int cb_worker_reconnect(cb_worker *w, char *errstr, size_t errstr_size);

#endif
