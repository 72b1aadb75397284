/* cb_pipe.h -- steps (cb_step.h) of many partitions in flight on one Redis
 * connection, each moved on as soon as its replies are read.
 *
 * Replies come back in the order the commands went, so the steps waiting
 * for replies form a queue: cb_pipe_turn reads the replies of the step at
 * its head and, when the step has a next phase, queues that phase's
 * commands at once and sends them.  Redis works on what is queued while
 * the caller reads and evaluates: neither waits for the other as long as
 * a few partitions have a step in flight.  Steps join and leave the queue
 * at any time: there is no round every step must finish before the next
 * one starts.
 *
 * The caller keeps a partition's steps in order: a partition's next batch
 * is added only once its step in flight has finished.  A step reads after
 * the commits queued before it, so it sees them.
 *
 * Not thread-safe: one thread drives a pipe and its connection. */
#ifndef CB_PIPE_H
#define CB_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "cb_store.h"

typedef struct cb_pipe cb_pipe;

/* A pipe on the store's connection (the store is not owned).  NULL when
 * out of memory. */
cb_pipe *cb_pipe_new(cb_store *store);

/* Frees the pipe; steps still in flight are dropped unread. */
void cb_pipe_free(cb_pipe *pipe);

/* Starts a step over batch b (its ops and offsets are the caller's, kept
 * until the step finishes) and queues its reads.  Returns 0;
 * CB_STEP_EFAILED when the batch does not make a step (an op that does not
 * decode); CB_STEP_EREDIS when the connection fails.  errstr says why. */
int cb_pipe_add(cb_pipe *pipe, const cb_store_batch *b, int32_t today,
                int64_t now_ms, char *errstr, size_t errstr_size);

/* Steps in flight. */
size_t cb_pipe_inflight(const cb_pipe *pipe);

/* Reads the replies of the step at the head of the queue (waiting for
 * them) and moves it on.  Returns 1 when it committed, with its partition
 * and what it did; 0 when it went on to another phase (or nothing is in
 * flight); CB_STEP_EREDIS on Redis trouble (the connection failed, Redis
 * refused for want of memory) or CB_STEP_EFAILED when a step itself
 * failed (a state that does not decode, a commit Redis refused), with
 * errstr.  After either every step in flight is dropped: the replies
 * still due are read (while the connection lives) so that it can be used
 * again; which steps had committed is then known only to Redis. */
int cb_pipe_turn(cb_pipe *pipe, int *partition, cb_store_result *res,
                 char *errstr, size_t errstr_size);

/* Gives up every step in flight: the replies still due are read (while
 * the connection lives) and the steps dropped. */
void cb_pipe_abort(cb_pipe *pipe);

#endif
