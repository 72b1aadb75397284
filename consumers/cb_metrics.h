/* cb_metrics.h -- the matcher's figures for Prometheus, and the small HTTP
 * server that shows them (GET /metrics, /healthz, /readyz).
 *
 * The matcher counts on its own thread, in a cb_metrics_figures of its
 * own, with no lock; once a turn of its loop it hands a copy over
 * (cb_metrics_publish), and the HTTP threads render the last copy.  The
 * consumer lag comes from librdkafka's statistics (a JSON document every
 * statistics.interval.ms), read as they arrive (cb_metrics_take_stats).
 *
 * Text exposition format 0.0.4: # HELP and # TYPE before each family,
 * counters ending in _total, label values escaped. */
#ifndef CB_METRICS_H
#define CB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_ops.h"
#include "cb_record.h"

#define CB_METRICS_TOPICS CB_TOPIC_COUNT /* the kinds, then the ownership
                                            topic (cb_ops.h) */
#define CB_METRICS_REASONS CB_LEAD_REASON_COUNT
#define CB_METRICS_STATUSES CB_LEAD_STATUS_COUNT
#define CB_METRICS_ALERT_KINDS CB_ALERT_KIND_COUNT

/* Why a message went to the dead-letter topic. */
enum {
    CB_DEAD_UNDECODABLE,
    CB_DEAD_UNAPPLIABLE,
    CB_DEAD_WRONG_PARTITION,
    CB_DEAD_REASONS
};

/* The reason's token, as the dead-letter record and /metrics give it
 * ("undecodable", ...). */
const char *cb_metrics_dead_reason(int reason);

/* Steps' durations (cb_worker_result.seconds): the histogram's upper
 * bounds in seconds, then +Inf. */
#define CB_METRICS_STEP_BOUNDS 12
#define CB_METRICS_STEP_BUCKETS (CB_METRICS_STEP_BOUNDS + 1)

/* The stages an event passes through in the matcher, for the latency
 * budget (docs/PERFORMANCE.md): from the event's Kafka timestamp to the
 * matcher taking it (the producer's linger, the broker, the fetch); taken
 * to handed to the step thread (waiting in its partition's batch); handed
 * to the step's result collected (the step, behind those in flight); and
 * collected to the outbox's new entries handed to the producer. */
enum {
    CB_STAGE_ARRIVE,
    CB_STAGE_QUEUE,
    CB_STAGE_STEP,
    CB_STAGE_PUBLISH,
    CB_STAGES
};

/* The stage's token, as /metrics gives it ("arrive", ...). */
const char *cb_metrics_stage_name(int stage);

typedef struct cb_metrics_figures {
    uint64_t events[CB_METRICS_TOPICS]; /* messages taken, by topic */
    uint64_t applied, skipped, steps, conflicts, timers;
    uint64_t leads[CB_METRICS_REASONS][CB_METRICS_STATUSES]; /* published */
    uint64_t alerts[CB_METRICS_ALERT_KINDS][2]; /* published: raised or
                                                   grown [0], withdrawn [1] */
    uint64_t dead[CB_DEAD_REASONS];
    uint64_t redis_failures;
    uint64_t redis_reconnects; /* after a failure, connected again */
    uint64_t step_buckets[CB_METRICS_STEP_BUCKETS]; /* steps committed, by
                                    the first bound their duration is at or
                                    under (not cumulative) */
    double step_seconds;         /* their durations summed */
    double stage_seconds[CB_STAGES]; /* every op's time in each stage,
                                        summed (arrive: feed events) */
    uint64_t stage_ops[CB_STAGES];   /* the ops those sums cover */
    double redis_rtt_s;  /* the last PING's round trip (every master's on a
                            cluster); < 0 before the first */
    int assigned;        /* state partitions held (partition N of every
                            input topic) */
    int ready;           /* assigned, and Redis's last answer was good */
    int64_t turned_ms;   /* monotonic: the loop's last turn */
} cb_metrics_figures;

typedef struct cb_metrics cb_metrics;

/* Figures for a matcher whose input topics are named topics[0..ntopics-1]
 * (by topic number; NULL names are left out).  The names are copied.
 * NULL when out of memory. */
cb_metrics *cb_metrics_new(const char *const *topics, int ntopics);

/* Stops the server (if any) and frees. */
void cb_metrics_free(cb_metrics *mx);

/* Counts a committed step that took seconds into f's histogram. */
void cb_metrics_observe_step(cb_metrics_figures *f, double seconds);

/* Hands the matcher's figures over (copied). */
void cb_metrics_publish(cb_metrics *mx, const cb_metrics_figures *f);

/* Reads the consumer lag of every partition from a librdkafka statistics
 * document (topics.<t>.partitions.<p>: hi_offset less app_offset, the
 * messages not yet taken; not consumer_lag, which counts from the offset
 * committed to Kafka, and the matcher's offsets live in Redis).  Left
 * out: partition -1, partitions not assigned ("desired": false, as after
 * a rebalance took them away) and unknown lags.  Returns 0, or -1 when
 * json does not parse (the last lags are kept). */
int cb_metrics_take_stats(cb_metrics *mx, const char *json, size_t len);

/* Renders every family into out, canbao_matcher_up as of now_ms (the
 * monotonic clock, cb_clock_ms).  Returns 0 or -1 (out of memory). */
int cb_metrics_render(cb_metrics *mx, int64_t now_ms, cb_buf *out);

/* Is the loop alive (turned within stall_ms of now_ms)?  And ready? */
int cb_metrics_live(cb_metrics *mx, int64_t now_ms, int64_t stall_ms);
int cb_metrics_ready(cb_metrics *mx);

/* Serves GET /metrics, /healthz (200 while the loop turned within 30 s,
 * else 503) and /readyz (200 when ready, else 503) on "HOST:PORT" (port
 * 0: any).  Returns the port, or -1 with errstr. */
int cb_metrics_serve(cb_metrics *mx, const char *listen, char *errstr,
                     size_t errstr_size);

/* Writes s as a Prometheus label value (\, " and newline escaped). */
int cb_metrics_escape(cb_buf *out, const char *s);

#endif
