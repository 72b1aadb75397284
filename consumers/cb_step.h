/* cb_step.h -- one step of the matcher on one partition: a batch of ops
 * applied to the states of their subjects, the subjects' leads and alerts
 * re-evaluated, and the whole committed to Redis atomically with the
 * partition's applied offsets.
 *
 * The rules run in the step, in C (cb_state.h, cb_rules.h); Redis is
 * asked only for what the step needs and given only what changes:
 *
 *   1. reads   the partition's version and applied offsets, and each
 *              subject's state and lead (pipelined plain reads) that the
 *              cache (cb_cache.h) does not have;
 *   2. lookups the stored alerts, review items and team decisions the
 *              new outcome names (only when there are any);
 *   3. commit  one EVALSHA of commit.lua with every write, applied only if
 *              the partition's version is still the one the reads saw.
 *
 * A commit refused because the version moved (another writer came in
 * between) sends the step back to 1: optimistic concurrency, so that two
 * matchers, or a matcher and `canbao lead`, never write from stale reads.
 *
 * Phases are driven from outside, by a pipe (cb_pipe.c; the matcher's
 * worker runs one, cb_store_apply another), so that the steps of many
 * partitions share each round trip: cb_step_append queues the commands of
 * the step's current phase, cb_step_read reads their replies.  The files
 * of a step are listed in cb_step_int.h. */
#ifndef CB_STEP_H
#define CB_STEP_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_cache.h"
#include "cb_redis.h"

typedef struct cb_step cb_step;

typedef struct cb_step_args {
    int partition;
    int32_t today;   /* evaluation day, days since 1970 (UTC+08:00) */
    int64_t now_ms;  /* the clock: when alerts are raised */
    int horizon;     /* timers further than this many days are not kept */
    const cb_buf *ops; /* packed by cb_ops.c; not copied: keep them */
    size_t nops;
    const int *topics; /* the applied offsets this batch reaches */
    const int64_t *next;
    size_t noffsets;
    cb_cache *cache; /* states and leads not to read again, or NULL; the
                        step keeps it up to date when it commits */
    const struct cb_idkey *ids; /* keys the ids of leads and alerts */
    int cluster; /* Redis is a cluster: the commit declares every key it
                    writes, so that a node whose slot is moving refuses
                    it before it runs */
    unsigned side_buckets; /* of the partition's leads, lead ids and
                              timers (cb_side_buckets) */
    struct cb_eidforms *forms; /* the store's event-id forms, or NULL */
} cb_step_args;

typedef struct cb_step_counts {
    int64_t applied, skipped, leads_changed, alerts_changed;
} cb_step_counts;

/* A step over a batch.  NULL with errstr when an op is malformed or
 * there is no id key. */
cb_step *cb_step_new(const cb_step_args *args, char *errstr,
                     size_t errstr_size);

void cb_step_free(cb_step *step);

/* Queues the commands of the step's current phase.  Returns 0, or -1
 * (the connection's error). */
int cb_step_append(cb_step *step, cb_redis *redis,
                   const cb_redis_script *commit);

enum {
    CB_STEP_DONE = 1,      /* committed */
    CB_STEP_AGAIN = 0,     /* append and read again (next phase, or a
                              conflict sent it back to its reads) */
    CB_STEP_EREDIS = -1,   /* the connection failed or Redis refused (out
                              of memory): Redis trouble, redo later */
    CB_STEP_ENOSCRIPT = -2, /* Redis lost commit.lua: load it, then
                               append again (the step starts over) */
    CB_STEP_EFAILED = -3   /* the step itself is wrong (a state or op that
                              does not decode, a refused commit): redoing
                              it would fail again */
};

/* Reads the replies of what cb_step_append queued, every one of them even
 * after an error reply (so the pipeline stays in step), and moves the
 * step on.  Returns a CB_STEP_* code, with errstr for the errors. */
int cb_step_read(cb_step *step, cb_redis *redis, char *errstr,
                 size_t errstr_size);

/* What the committed step did. */
void cb_step_result(const cb_step *step, cb_step_counts *counts);

/* How many times a commit found the partition changed. */
int cb_step_conflicts(const cb_step *step);

/* Reading an outbox entry (the field array of an XRANGE entry of
 * cb:out:{pN}): it holds one message or more, each beginning with its
 * field "t", as a step writes them (one entry a step).  The message that
 * starts at field `from` ends at cb_step_outbox_message_end: the next "t",
 * or the end of the fields.  cb_step_outbox_field is the value of a field
 * of the message in fields [from, to), or NULL. */
size_t cb_step_outbox_message_end(const redisReply *fields, size_t from);
const redisReply *cb_step_outbox_field(const redisReply *fields, size_t from,
                                       size_t to, const char *name);

#endif
