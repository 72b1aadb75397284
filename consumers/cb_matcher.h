/* cb_matcher.h -- the matcher: a Kafka consumer group over the five feeds
 * (and the derived ownership topic) that applies every event to the state
 * in Redis (cb_step.c, commit.lua), publishes the lead and alert changes
 * the steps put in the outbox (cb_outbox.h), and fires the timers that
 * fall due.
 *
 * Exactly-once effects: the offsets a step covers are written by the step
 * itself, atomically with the state; on every assignment (and after every
 * Redis failure) the matcher seeks to the offsets Redis holds, and the step
 * skips any event below them.  Kafka's committed offsets are only for
 * watching lag.
 *
 * Partitions: every input topic must have the same partition count, and
 * the range assignor gives one matcher partition N of every topic, which
 * is state partition N.  Messages are keyed by subject with murmur2 (as
 * Kafka's Java clients and canbao's producers do). */
#ifndef CB_MATCHER_H
#define CB_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "cb_config.h"

typedef struct cb_matcher_opts {
    const cb_config *cfg;
    const struct cb_idkey *ids; /* keys lead and alert ids (cb_idkey.h) */
    const char *group;    /* consumer group id */
    int partitions;       /* of every input topic */
    unsigned buckets;     /* state buckets a partition of a store not yet
                             written (cb_store_opts); 0: the store's */
    int batch_max;        /* events per step */
    size_t cache_bytes;   /* states and leads kept between steps; 0: none */
    int idle_exit_s;      /* exit once idle this long; 0: run until stopped */
    int64_t now_ms;       /* a fixed clock (CANBAO_NOW), or -1 */
    int quiet;            /* no progress line */
    const char *metrics_listen; /* "HOST:PORT" to serve /metrics, /healthz
                                   and /readyz on (cb_metrics.h), or NULL */
    int (*stop_requested)(void); /* non-zero once the run must end (the
                                    caller's signal flag), or NULL: never */
} cb_matcher_opts;

typedef struct cb_matcher_stats {
    uint64_t messages;       /* consumed */
    uint64_t applied;        /* events applied by steps */
    uint64_t skipped;        /* redeliveries below the applied offsets */
    uint64_t ticks;          /* timers fired */
    uint64_t leads_changed;
    uint64_t alerts_changed;
    uint64_t published;      /* outbox entries delivered to Kafka */
    uint64_t dead_lettered;  /* messages that did not decode */
    uint64_t steps;
    uint64_t conflicts;      /* steps redone: another writer came first */
    uint64_t redis_failures; /* reconnections */
    uint64_t cache_hits, cache_misses; /* subjects a step found cached, or
                                          read from Redis */
    uint64_t cache_stale;    /* partitions another writer had moved on */
    uint64_t cache_evicted;  /* partitions emptied for room */
    int64_t first_message_ms; /* monotonic: the first message taken */
    int64_t last_step_ms;     /* monotonic: the last step applied */
} cb_matcher_stats;

/* Runs until opts->stop_requested says so, or idle_exit_s of quiet.  Returns 0, or -1 with errstr on a failure it cannot ride through
 * (bad configuration, a topic with the wrong partition count, offsets the
 * broker no longer has). */
int cb_matcher_run(const cb_matcher_opts *opts, cb_matcher_stats *stats,
                   char *errstr, size_t errstr_size);

#endif
