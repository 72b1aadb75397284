/* cb_matcher.c -- the matcher's loop: consume, batch per partition, step
 * in Redis (on the worker's thread), have the outbox published
 * (cb_outbox.c), fire timers; ride through Redis failures by seeking back
 * to the offsets Redis holds. */
#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_codec.h"
#include "cb_kafka.h"
#include "cb_log.h"
#include "cb_group.h"
#include "cb_matcher.h"
#include "cb_metrics.h"
#include "cb_ops.h"
#include "cb_outbox.h"
#include "cb_layout.h"
#include "cb_store.h"
#include "cb_timers.h"
#include "cb_worker.h"

#define TIMER_MS       1000 /* how often timers may be looked at */
#define TIMER_AGAIN_MS 60000 /* and a partition's at least this often */
#define MAX_PARTITIONS 1024
#define POLL_BURST     1000 /* messages taken between two housekeepings */
#define HANDED_MAX     2    /* batches of a partition with the worker */
#define HAND_EVERY     1000 /* messages of a burst between two handovers */
#define COLLECT_CHUNK  64   /* results taken from the worker at a time */
#define QUEUED_MIN     "300000" /* messages the consumer fetches ahead */
#define QUEUED_KBYTES  "12288"  /* and at most so many kB of them */
#define FETCH_MAX      "1048576" /* bytes of one fetch response */
#define FETCH_MIN      "65536"   /* bytes a fetch waits for, */
#define FETCH_WAIT_MS  "10"      /* or at most so many ms */

/* An array of ops (its cb_bufs keep their memory from batch to batch);
 * while with the worker, the figures of its stages (cb_metrics.h). */
typedef struct opsarr {
    cb_buf *ops;
    size_t cap;
    size_t nops;
    double taken_sum; /* the ops' taking times summed (clock_s) */
    double handed_at; /* clock_s */
} opsarr;

/* What waits to be applied to one partition. */
typedef struct batch {
    cb_buf *ops;
    size_t nops, cap;
    int64_t next[CB_TOPIC_COUNT]; /* next offset per topic, -1: none */
    double taken_sum; /* when its ops were taken (clock_s), summed */
    int assigned;
    opsarr handed[HANDED_MAX]; /* with the worker, oldest first */
    int nhanded;
    opsarr spare[HANDED_MAX];  /* back from the worker, to fill again */
    int nspare;
    int32_t timers_day;  /* the day of its timers' last whole look
                          * (cb_timers.h), -1: look now */
    int64_t timers_ms;   /* when that look was (cb_clock_ms) */
} batch;

typedef struct matcher {
    const cb_matcher_opts *opts;
    cb_matcher_stats *stats;
    rd_kafka_t *consumer;
    cb_outbox *outbox; /* the producer: outbox entries and dead letters */
    cb_store *store;   /* offsets, timers, outbox: this thread's */
    cb_worker *worker; /* steps, on their own thread and connection */
    cb_codec *codec;   /* decodes the messages taken */
    batch *batches;
    int npart;
    size_t pending; /* ops waiting, all partitions */
    int failing;    /* a result came back failed: -1 or -3 */
    int troubles;   /* Redis failures since the last step committed */
    char fail_err[512];
    int64_t last_timer_ms;
    int reseek;     /* seek every assigned partition to Redis's offsets */
    int fatal;
    char fatal_err[1024];
    cb_buf buf;     /* scratch for an op */
    int64_t assigned_ms; /* when partitions were last assigned, 0: never */
    cb_metrics *mx;       /* with --metrics: what /metrics shows, or NULL */
    cb_metrics_figures fig; /* counted here, handed to mx each turn */
    uint64_t pub_ops;     /* ops of steps collected and not yet published */
    double pub_sum;       /* when their steps were collected, summed */
} matcher;

_Static_assert(CB_TOPIC_OWNERSHIP < CB_METRICS_TOPICS,
               "every topic number has its count");

static int hand_over(matcher *m, int p);
static void show_figures(matcher *m, int ready);
static int collect_steps(matcher *m, int wait);
static void publish(matcher *m);

/* The topic name of a topic number (a kind, or the ownership topic). */
static const char *topic_of(int t)
{
    return t == CB_TOPIC_OWNERSHIP ? CB_OWNERSHIP_TOPIC
                                   : cb_topic_name((cb_kind)t);
}

static int topic_number(const char *name)
{
    cb_kind k;

    if (strcmp(name, CB_OWNERSHIP_TOPIC) == 0)
        return CB_TOPIC_OWNERSHIP;
    if (cb_topic_kind(name, &k) == 0 &&
        (k < CB_FEED_COUNT || k == CB_KIND_DEADLETTER))
        return (int)k;
    return -1;
}

/* The topics the matcher reads: the feeds, the internal topic, and the
 * dead letters (whose suspects the name groups weigh, RULES.md 9.3). */
static int is_input(int t)
{
    return t < CB_FEED_COUNT || t == CB_TOPIC_OWNERSHIP ||
           t == CB_KIND_DEADLETTER;
}

/* The op of a dead letter (rc 0), or none (1): not a suspect, or one
 * whose record does not decode (said, with the dead letter's file and
 * line; it stays on its topic). */
static int suspect_op(matcher *m, const rd_kafka_message_t *msg,
                      cb_subject *subject, char *err, size_t err_size)
{
    cb_record rec;
    int rc;

    if (cb_codec_decode_record(m->codec, msg->payload, msg->len, &rec, err,
                               err_size) != 0 ||
        rec.kind != CB_KIND_DEADLETTER) {
        cb_warn("%s [%" PRId32 "] at %" PRId64 ": not a dead letter: %s",
                rd_kafka_topic_name(msg->rkt), msg->partition, msg->offset,
                err);
        return 1;
    }
    rc = cb_ops_from_deadletter(m->codec, &rec.u.deadletter, msg->offset,
                                cb_store_buckets(m->store), &m->buf, subject, err,
                                err_size);
    if (rc < 0)
        cb_warn("dead letter of %s line %" PRId64 ": %s",
                rec.u.deadletter.file, rec.u.deadletter.line, err);
    return rc == 0 ? 0 : 1;
}

/* Monotonic seconds, for the stages' figures. */
static double clock_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts the arrive stage of a feed event: from its Kafka timestamp (the
 * producer's CreateTime, or the broker's LogAppendTime) to now, both wall
 * clocks in ms; nothing when it has none or the clocks disagree. */
static void observe_arrival(matcher *m, const rd_kafka_message_t *msg)
{
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(msg, &tt);
    struct timespec now;
    int64_t age;

    if (ts <= 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return;
    age = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - ts;
    if (age < 0)
        return;
    m->fig.stage_seconds[CB_STAGE_ARRIVE] += (double)age / 1000.0;
    m->fig.stage_ops[CB_STAGE_ARRIVE]++;
}

/* Has the caller asked the run to end (a signal, in canbao)? */
static int stopped(const matcher *m)
{
    return m->opts->stop_requested != NULL && m->opts->stop_requested();
}

static int64_t now_ms(const matcher *m)
{
    return m->opts->now_ms >= 0 ? m->opts->now_ms : cb_time_now();
}

/* --------------------------------------------------------------- batches */

static int batch_add(batch *b, const cb_buf *op)
{
    if (b->nops == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        cb_buf *n = realloc(b->ops, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        memset(n + b->cap, 0, (cap - b->cap) * sizeof(*n));
        b->ops = n;
        b->cap = cap;
    }
    /* copy the op: the caller's buffer is reused */
    cb_buf *dst = &b->ops[b->nops];
    if (dst->cap < op->len) {
        char *d = realloc(dst->data, op->len);
        if (d == NULL)
            return -1;
        dst->data = d;
        dst->cap = op->len;
    }
    memcpy(dst->data, op->data, op->len);
    dst->len = op->len;
    b->nops++;
    b->taken_sum += clock_s();
    return 0;
}

/* A partition's batch is one step: at most batch_max ops.  A full one is
 * handed to the worker, after waiting for the worker to take it, before
 * another op joins. */
static int make_room(matcher *m, int p)
{
    while (m->batches[p].nops >= (size_t)m->opts->batch_max) {
        if (hand_over(m, p))
            break;
        if (collect_steps(m, 1) != 0)
            return -1;
        publish(m);
        /* After a Redis failure the batches were dropped: the message in
         * hand comes again after the seek back, in its order. */
        if (m->reseek)
            return -1;
    }
    return 0;
}

static void free_ops(opsarr o)
{
    for (size_t i = 0; i < o.cap; i++)
        cb_buf_free(&o.ops[i]);
    free(o.ops);
}

static void batch_clear(batch *b)
{
    b->nops = 0;
    b->taken_sum = 0;
    for (int t = 0; t < CB_TOPIC_COUNT; t++)
        b->next[t] = -1;
}

static int batch_has_work(const batch *b)
{
    if (b->nops > 0)
        return 1;
    for (int t = 0; t < CB_TOPIC_COUNT; t++)
        if (b->next[t] >= 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------- Kafka assignment */

/* Sets each partition of the list to the next offset Redis holds for it
 * (the beginning when Redis holds none). */
static int set_offsets_from_redis(matcher *m,
                                  rd_kafka_topic_partition_list_t *parts,
                                  char *errstr, size_t errstr_size)
{
    int64_t (*next)[CB_TOPIC_COUNT] = calloc((size_t)m->npart, sizeof(*next));
    char *have = calloc((size_t)m->npart, 1);
    int rc = -1;

    if (next == NULL || have == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        int t = topic_number(tp->topic);
        int p = tp->partition;
        if (t < 0 || p < 0 || p >= m->npart)
            continue;
        if (!have[p]) {
            if (cb_store_offsets(m->store, p, next[p], CB_TOPIC_COUNT, errstr,
                                 errstr_size) != 0)
                goto out;
            have[p] = 1;
        }
        tp->offset = next[p][t] >= 0 ? next[p][t] : RD_KAFKA_OFFSET_BEGINNING;
    }
    rc = 0;
out:
    free(next);
    free(have);
    return rc;
}

/* Logs and frees an error object librdkafka returned (NULL: none).
 * Returns 0 when there was none, -1 otherwise. */
static int kafka_error(rd_kafka_error_t *e, const char *what)
{
    if (e == NULL)
        return 0;
    cb_warn("%s: %s", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return -1;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    matcher *m = opaque;
    char errstr[512];
    int cooperative =
        strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (set_offsets_from_redis(m, parts, errstr, sizeof(errstr)) != 0) {
            /* Without Redis the right offsets are unknown: take nothing. */
            cb_error("cannot read applied offsets: %s", errstr);
            m->fatal = 1;
            snprintf(m->fatal_err, sizeof(m->fatal_err),
                     "cannot read applied offsets from Redis: %s", errstr);
            parts = NULL;
        }
        for (int i = 0; parts && i < parts->cnt; i++)
            if (parts->elems[i].partition < m->npart) {
                batch *b = &m->batches[parts->elems[i].partition];
                b->assigned = 1;
                b->timers_day = -1; /* its timers are looked at first */
            }
        m->assigned_ms = cb_clock_ms();
        if (!cooperative) {
            rd_kafka_assign(rk, parts);
        } else if (parts != NULL &&
                   kafka_error(rd_kafka_incremental_assign(rk, parts),
                               "cannot take the assigned partitions") != 0) {
            m->fatal = 1;
            snprintf(m->fatal_err, sizeof(m->fatal_err),
                     "librdkafka refused the assigned partitions");
        }
        cb_info("assigned %d topic partition(s)", parts ? parts->cnt : 0);
    } else {
        /* Steps in hand finish first; whatever waits for these partitions
         * is dropped: the next owner reads it again from the offsets Redis
         * holds. */
        while (cb_worker_handed(m->worker) > 0 && !m->fatal)
            if (collect_steps(m, 1) != 0)
                break;
        for (int i = 0; i < parts->cnt; i++) {
            int p = parts->elems[i].partition;
            if (p >= 0 && p < m->npart) {
                m->pending -= m->batches[p].nops;
                batch_clear(&m->batches[p]);
                m->batches[p].assigned = 0;
            }
        }
        if (cooperative)
            kafka_error(rd_kafka_incremental_unassign(rk, parts),
                        "cannot give up the revoked partitions");
        else
            rd_kafka_assign(rk, NULL);
        /* An eager rebalance always assigns again after it revokes: until
         * then the member is not idle but waiting (--until-idle counts
         * from the next assignment). */
        if (!cooperative)
            m->assigned_ms = 0;
        cb_info("revoked %d topic partition(s)", parts->cnt);
    }
}

/* Checks that every input topic has the expected partition count. */
static int check_topics(matcher *m, char *errstr, size_t errstr_size)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t err;

    err = rd_kafka_metadata(m->consumer, 1, NULL, &md, 15000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "cannot read Kafka metadata: %s",
                 rd_kafka_err2str(err));
        return -1;
    }
    for (int t = 0; t < CB_TOPIC_COUNT; t++) {
        if (!is_input(t))
            continue;
        int found = -1;
        for (int i = 0; i < md->topic_cnt; i++)
            if (strcmp(md->topics[i].topic, topic_of(t)) == 0)
                found = i;
        if (found < 0 || md->topics[found].partition_cnt != m->npart) {
            snprintf(errstr, errstr_size,
                     "topic %s %s; the matcher needs every input topic with "
                     "%d partitions (--partitions)",
                     topic_of(t),
                     found < 0 ? "does not exist" : "has another partition "
                                                    "count",
                     m->npart);
            rd_kafka_metadata_destroy(md);
            return -1;
        }
    }
    rd_kafka_metadata_destroy(md);
    return 0;
}

/* -------------------------------------------------------------- messages */

/* Sends a message that cannot be applied to the dead-letter topic;
 * reason is a CB_DEAD_* (cb_metrics.h). */
static void dead_letter(matcher *m, const rd_kafka_message_t *msg,
                        int reason, const char *detail)
{
    cb_deadletter dl;

    cb_record_clear(CB_KIND_DEADLETTER, &dl);
    snprintf(dl.feed, sizeof(dl.feed), "%s", rd_kafka_topic_name(msg->rkt));
    snprintf(dl.file, sizeof(dl.file), "kafka:%s/%" PRId32,
             rd_kafka_topic_name(msg->rkt), msg->partition);
    dl.line = msg->offset;
    snprintf(dl.reason, sizeof(dl.reason), "%s",
             cb_metrics_dead_reason(reason));
    dl.detail.ptr = detail;
    dl.detail.len = strlen(detail);
    dl.raw.ptr = msg->payload ? msg->payload : "";
    dl.raw.len = msg->payload ? msg->len : 0;
    dl.rejected_at = cb_time_now();
    if (cb_outbox_dead_letter(m->outbox, &dl) != 0)
        cb_error("%s [%" PRId32 "] at %" PRId64 ": cannot dead-letter "
                 "(%s); it is counted", rd_kafka_topic_name(msg->rkt),
                 msg->partition, msg->offset, dl.reason);
    m->stats->dead_lettered++;
    m->fig.dead[reason]++;
}

/* Turns one message into an op in its partition's batch. */
static void take_message(matcher *m, const rd_kafka_message_t *msg)
{
    int t = topic_number(rd_kafka_topic_name(msg->rkt));
    int p = msg->partition;
    batch *b;
    cb_subject subject;
    char err[256];
    int rc;

    m->stats->messages++;
    if (m->stats->first_message_ms == 0)
        m->stats->first_message_ms = cb_clock_ms();
    if (t < 0 || p < 0 || p >= m->npart)
        return;
    m->fig.events[t]++;
    if (t < CB_FEED_COUNT)
        observe_arrival(m, msg);
    /* Between a Redis failure and the seek back to Redis's offsets,
     * messages are ahead of what Redis holds: they come again. */
    if (m->reseek)
        return;
    b = &m->batches[p];
    /* a full batch goes to the worker before this message's op joins */
    if (make_room(m, p) != 0)
        return;
    if (t == CB_KIND_DEADLETTER) {
        rc = suspect_op(m, msg, &subject, err, sizeof(err));
    } else if (t == CB_TOPIC_OWNERSHIP && msg->key_len == CB_GROUP_KEY_LEN) {
        rc = cb_ops_group(msg->key, msg->key_len, msg->payload, msg->len,
                          msg->offset, cb_store_buckets(m->store), &m->buf, &subject,
                          err, sizeof(err));
        if (rc < 0)
            dead_letter(m, msg, CB_DEAD_UNAPPLIABLE, err);
    } else if (t == CB_TOPIC_OWNERSHIP) {
        char person[CB_ID_SIZE] = "";
        if (msg->key_len == CB_ID_SIZE - 1)
            memcpy(person, msg->key, msg->key_len);
        rc = cb_ops_ownership(person, msg->payload, msg->len, msg->offset,
                              cb_store_buckets(m->store), &m->buf, &subject, err,
                              sizeof(err));
    } else {
        cb_record rec;
        rc = cb_codec_decode_record(m->codec, msg->payload, msg->len, &rec,
                                    err, sizeof(err));
        if (rc == 0 && (int)rec.kind != t) {
            snprintf(err, sizeof(err), "a %s record on topic %s",
                     cb_kind_info_get(rec.kind)->name, topic_of(t));
            rc = -1;
        }
        if (rc != 0) {
            dead_letter(m, msg, CB_DEAD_UNDECODABLE, err);
        } else {
            rc = cb_ops_from_record(rec.kind, &rec.u, t, msg->offset, 0,
                                    cb_store_buckets(m->store), &m->buf, &subject, err,
                                    sizeof(err));
            if (rc < 0)
                dead_letter(m, msg, CB_DEAD_UNAPPLIABLE, err);
        }
    }
    if (rc == 0) {
        int q = cb_store_partition_of(m->store, &subject);
        if (q != p) {
            /* A producer that does not place keys with murmur2: applying
             * it here would split the subject's state. */
            dead_letter(m, msg, CB_DEAD_WRONG_PARTITION,
                        "the key belongs to another partition: its "
                        "producer does not use murmur2");
        } else if (batch_add(b, &m->buf) == 0) {
            m->pending++;
        }
    }
    /* The offset moves on in any case: nothing is read twice. */
    b->next[t] = msg->offset + 1;
}

/* Takes a message of the consumer: an event, or an error to act on. */
static void take_or_fail(matcher *m, const rd_kafka_message_t *msg)
{
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        take_message(m, msg);
    } else if (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
               msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        snprintf(m->fatal_err, sizeof(m->fatal_err),
                 "%s [%" PRId32 "]: the offset the matcher needs is "
                 "no longer in the broker (%s); events were pruned "
                 "before they were applied",
                 msg->rkt ? rd_kafka_topic_name(msg->rkt) : "?",
                 msg->partition, rd_kafka_message_errstr(msg));
        m->fatal = 1;
    } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        cb_warn("kafka: %s", rd_kafka_message_errstr(msg));
    }
}

/* ----------------------------------------------------------------- steps */

/* After a Redis failure: every batch is dropped, because which of them
 * Redis applied is then known only to Redis; reconnect both connections
 * (waiting as long as it takes, or until stopped) and seek back to Redis's
 * offsets.  Redis may answer and still refuse every commit (out of memory
 * with maxmemory and noeviction, a replica gone read-only): then the
 * failures come one after another with no step committed between them,
 * and each waits twice as long as the one before (up to 30 s), so that a
 * full Redis is not hammered and the log says why once a wait, not a
 * thousand times a second.  Returns 0, or -1 when stopped first. */
static int ride_out_failure(matcher *m)
{
    char err[512];
    int pause_ms = 0;

    m->stats->redis_failures++;
    if (m->troubles++ > 0) {
        pause_ms = 250;
        for (int i = 1; i < m->troubles && pause_ms < 30000; i++)
            pause_ms *= 2;
        if (pause_ms > 30000)
            pause_ms = 30000;
    }
    cb_warn("Redis failed; consumption stops until it is back%s",
            pause_ms ? " and takes commits again" : "");
    for (int p = 0; p < m->npart; p++)
        batch_clear(&m->batches[p]);
    m->pending = 0;
    if (pause_ms > 0) {
        cb_warn("Redis failed %d time(s) in a row with no step committed; "
                "trying again in %.1f s", m->troubles, pause_ms / 1000.0);
        for (int waited = 0; waited < pause_ms && !stopped(m);
             waited += 100) {
            show_figures(m, 0);
            usleep(100 * 1000);
        }
    }
    char said[sizeof(err)] = "";
    for (int wait_ms = 200; !stopped(m);) {
        err[0] = '\0';
        if (cb_redis_reconnect(cb_store_redis(m->store)) == 0 &&
            cb_store_reload(m->store, err, sizeof(err)) == 0 &&
            cb_worker_reconnect(m->worker, err, sizeof(err)) == 0) {
            cb_info("Redis is back; resuming from the offsets it holds");
            m->fig.redis_reconnects++;
            m->reseek = 1;
            return 0;
        }
        if (err[0] != '\0' && strcmp(err, said) != 0) {
            /* Redis answers but the store will not do (a bucket count
             * that is not this matcher's): said once, tried again */
            cb_warn("Redis is back but the store is not usable: %s", err);
            snprintf(said, sizeof(said), "%s", err);
        }
        show_figures(m, 0);
        usleep((useconds_t)wait_ms * 1000);
        if (wait_ms < 5000)
            wait_ms *= 2;
    }
    return -1;
}

/* Does any partition have something to hand over? */
static int any_work(const matcher *m)
{
    for (int p = 0; p < m->npart; p++)
        if (batch_has_work(&m->batches[p]))
            return 1;
    return 0;
}

/* Hands partition p's batch to the worker when it has work and the
 * worker has room for it; the batch fills a spare array meanwhile.
 * Returns 1 when handed over. */
static int hand_over(matcher *m, int p)
{
    batch *b = &m->batches[p];
    int topics[CB_TOPIC_COUNT];
    int64_t next[CB_TOPIC_COUNT], clock;
    size_t noff = 0;

    if (m->reseek || m->failing || m->fatal || b->nhanded >= HANDED_MAX ||
        !batch_has_work(b))
        return 0;
    for (int t = 0; t < CB_TOPIC_COUNT; t++) {
        if (b->next[t] >= 0) {
            topics[noff] = t;
            next[noff++] = b->next[t];
        }
    }
    cb_store_batch sb = {p, b->ops, b->nops, topics, next, noff};
    clock = now_ms(m);
    if (cb_worker_submit(m->worker, &sb, cb_date_of_time(clock), clock) != 0)
        return 0;
    b->handed[b->nhanded++] =
        (opsarr){b->ops, b->cap, b->nops, b->taken_sum, clock_s()};
    if (b->nspare > 0) {
        opsarr o = b->spare[--b->nspare];
        b->ops = o.ops;
        b->cap = o.cap;
    } else {
        b->ops = NULL;
        b->cap = 0;
    }
    m->pending -= b->nops;
    batch_clear(b);
    return 1;
}

static void hand_over_all(matcher *m)
{
    for (int p = 0; p < m->npart; p++)
        hand_over(m, p);
}

/* Counts the queue and step stages of a batch whose step committed, now;
 * its ops wait for the next publish. */
static void observe_step(matcher *m, const opsarr *o, double now)
{
    double n = (double)o->nops;

    m->fig.stage_seconds[CB_STAGE_QUEUE] += n * o->handed_at - o->taken_sum;
    m->fig.stage_seconds[CB_STAGE_STEP] += n * (now - o->handed_at);
    m->fig.stage_ops[CB_STAGE_QUEUE] += o->nops;
    m->fig.stage_ops[CB_STAGE_STEP] += o->nops;
    m->pub_ops += o->nops;
    m->pub_sum += n * now;
}

/* Takes the worker's results (waiting for one with wait), counts what
 * the steps did and takes their arrays back; a failed one sets
 * m->failing.  Returns how many. */
static size_t take_results(matcher *m, int wait)
{
    cb_worker_result r[COLLECT_CHUNK];
    char err[512] = "";
    size_t n, total = 0;

    do {
        n = cb_worker_collect(m->worker, r, COLLECT_CHUNK, wait, err,
                              sizeof(err));
        wait = 0;
        double now = clock_s();
        for (size_t i = 0; i < n; i++) {
            batch *b = &m->batches[r[i].partition];
            for (int k = 0; k < b->nhanded; k++) {
                if (b->handed[k].ops != r[i].ops)
                    continue;
                if (r[i].rc == 0)
                    observe_step(m, &b->handed[k], now);
                b->spare[b->nspare++] = b->handed[k];
                memmove(&b->handed[k], &b->handed[k + 1],
                        (size_t)(b->nhanded - k - 1) * sizeof(*b->handed));
                b->nhanded--;
                break;
            }
            if (r[i].rc != 0) {
                if (!m->failing)
                    snprintf(m->fail_err, sizeof(m->fail_err), "%s", err);
                /* a failed step outranks Redis trouble */
                if (m->failing == 0 || r[i].rc < m->failing)
                    m->failing = r[i].rc;
                continue;
            }
            m->troubles = 0;
            m->stats->steps++;
            cb_metrics_observe_step(&m->fig, r[i].seconds);
            m->stats->conflicts += (uint64_t)r[i].res.conflicts;
            m->stats->applied += (uint64_t)r[i].res.applied;
            m->stats->skipped += (uint64_t)r[i].res.skipped;
            m->stats->leads_changed += (uint64_t)r[i].res.leads_changed;
            m->stats->alerts_changed += (uint64_t)r[i].res.alerts_changed;
            if (r[i].res.leads_changed || r[i].res.alerts_changed ||
                r[i].nops > 0)
                cb_outbox_touch(m->outbox, r[i].partition);
            m->stats->last_step_ms = cb_clock_ms();
        }
        total += n;
    } while (n == COLLECT_CHUNK);
    return total;
}

/* Takes what the worker finished (waiting for one with wait).  After a
 * failure, waits for every batch handed over to come back (failed too),
 * then stops the matcher (a step that failed would fail again) or rides
 * the Redis trouble out.  Returns 0 (also after riding out a failure, with
 * m->reseek set), or -1 when the matcher must stop (m->fatal, or stopped
 * meanwhile). */
static int collect_steps(matcher *m, int wait)
{
    int rc;

    take_results(m, wait);
    if (!m->failing)
        return 0;
    while (cb_worker_handed(m->worker) > 0)
        take_results(m, 1);
    rc = m->failing;
    m->failing = 0;
    if (rc == CB_STEP_EFAILED) {
        /* Deterministic: redoing the step would fail the same way. */
        snprintf(m->fatal_err, sizeof(m->fatal_err), "%s", m->fail_err);
        m->fatal = 1;
        return -1;
    }
    cb_error("%s", m->fail_err);
    return ride_out_failure(m);
}

/* The matcher's own connection failed (publishing, trimming, timers):
 * Redis trouble, ridden out by the next collect_steps as a step's would
 * be.  Without this an idle matcher would never notice that a cluster's
 * master it talks to has died, and warn about it forever. */
static void own_redis_failed(matcher *m)
{
    if (m->failing != 0)
        return;
    snprintf(m->fail_err, sizeof(m->fail_err), "%s",
             cb_redis_errstr(cb_store_redis(m->store)));
    m->failing = -1;
}

/* Hands the figures to the metrics server (with --metrics): once a turn
 * of the loop, and while a Redis failure is waited out (the process is
 * alive, not ready). */
static void show_figures(matcher *m, int ready)
{
    int held = 0;

    if (m->mx == NULL)
        return;
    for (int p = 0; p < m->npart; p++)
        held += m->batches[p].assigned != 0;
    m->fig.applied = m->stats->applied;
    m->fig.skipped = m->stats->skipped;
    m->fig.steps = m->stats->steps;
    m->fig.conflicts = m->stats->conflicts;
    m->fig.timers = m->stats->ticks;
    m->fig.redis_failures = m->stats->redis_failures;
    m->fig.assigned = held;
    m->fig.ready = ready && held > 0 && !m->failing;
    m->fig.turned_ms = cb_clock_ms();
    cb_metrics_publish(m->mx, &m->fig);
}

/* Times a PING on the matcher's own connection (with --metrics): Redis's
 * round trip as the matcher sees it, behind whatever Redis is doing. */
static void ping_redis(matcher *m)
{
    struct timespec a, b;
    redisReply *r;

    clock_gettime(CLOCK_MONOTONIC, &a);
    r = cb_redis_commandf(cb_store_redis(m->store), "PING");
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (r == NULL) {
        own_redis_failed(m);
        return;
    }
    freeReplyObject(r);
    m->fig.redis_rtt_s = (double)(b.tv_sec - a.tv_sec) +
                         (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* librdkafka's statistics, every statistics.interval.ms (with --metrics),
 * served by the consumer's poll on the matcher's thread: the lag of each
 * partition.  librdkafka frees json. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    matcher *m = opaque;

    (void)rk;
    if (m->mx != NULL && cb_metrics_take_stats(m->mx, json, len) != 0)
        cb_warn("metrics: librdkafka's statistics do not parse");
    return 0;
}

/* Applies everything pending and waits for it. */
static int drain_steps(matcher *m)
{
    while (!m->fatal &&
           (any_work(m) || cb_worker_handed(m->worker) > 0)) {
        hand_over_all(m);
        if (collect_steps(m, 1) != 0)
            return -1;
        if (m->reseek)
            return 0;
    }
    return 0;
}

/* Seeks every assigned topic partition to the offset Redis holds.  Until
 * a seek takes (m->reseek stays set, and it is tried again) messages are
 * dropped: they come again from Redis's offsets. */
static void reseek(matcher *m)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    char err[512];
    int failed;

    m->reseek = 0;
    /* Redis may have lost writes: every partition's timers are looked at
     * again */
    for (int p = 0; p < m->npart; p++)
        m->batches[p].timers_day = -1;
    if (rd_kafka_assignment(m->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (set_offsets_from_redis(m, parts, err, sizeof(err)) != 0) {
        cb_error("cannot read applied offsets: %s", err);
        m->reseek = 1;
    } else {
        failed = kafka_error(rd_kafka_seek_partitions(m->consumer, parts,
                                                      10000),
                             "cannot seek to the offsets Redis holds");
        for (int i = 0; !failed && i < parts->cnt; i++)
            if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                cb_warn("cannot seek %s [%d] to the offset Redis holds: %s",
                        parts->elems[i].topic, parts->elems[i].partition,
                        rd_kafka_err2str(parts->elems[i].err));
                failed = 1;
            }
        if (failed)
            m->reseek = 1;
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

/* ---------------------------------------------------------------- outbox */

/* Hands the new entries of the outboxes that changed to the producer
 * (cb_outbox_publish), unless the matcher is stopping or its Redis is in
 * trouble. */
static void publish(matcher *m)
{
    int lost = 0;

    if (m->fatal || m->failing)
        return;
    if (cb_outbox_publish(m->outbox, &lost, m->fatal_err,
                          sizeof(m->fatal_err)) != 0)
        m->fatal = 1;
    if (m->pub_ops > 0 && !lost) {
        m->fig.stage_seconds[CB_STAGE_PUBLISH] +=
            (double)m->pub_ops * clock_s() - m->pub_sum;
        m->fig.stage_ops[CB_STAGE_PUBLISH] += m->pub_ops;
        m->pub_ops = 0;
        m->pub_sum = 0;
    }
    if (lost)
        own_redis_failed(m);
}

/* Trims what Kafka confirmed (cb_outbox_confirm); not while Redis is in
 * trouble.  Returns as cb_outbox_confirm. */
static int confirm(matcher *m, int wait)
{
    int lost = 0;
    int rc = cb_outbox_confirm(m->outbox, wait, !m->failing, &lost);

    if (lost)
        own_redis_failed(m);
    return rc;
}

/* ---------------------------------------------------------------- timers */

/* A due timer's subject, handed by cb_timers_due: a tick op of its
 * partition. */
typedef struct timer_ctx {
    matcher *m;
    int p;
    int dropped; /* a due subject found no room in its batch */
} timer_ctx;

static int tick_op(const char *key, size_t len, void *opaque)
{
    timer_ctx *t = opaque;
    matcher *m = t->m;
    cb_subject s;

    if (make_room(m, t->p) == 0 && cb_subject_from_key(key, len, &s) == 0 &&
        cb_ops_tick(&s, cb_store_buckets(m->store), &m->buf) == 0 &&
        batch_add(&m->batches[t->p], &m->buf) == 0) {
        m->pending++;
        m->stats->ticks++;
    } else {
        t->dropped = 1;
    }
    return 0;
}

/* Subjects whose timer fell due become tick ops of their partition (one
 * round trip a partition: cb_timers.h).  A partition is looked at when
 * its day changed since its last whole look, after it was assigned, when
 * that look left some, and once a minute besides: the look costs 256
 * commands, and made every second it took the main thread milliseconds
 * that the events behind it waited. */
static void fire_timers(matcher *m, int64_t clock_ms)
{
    int32_t today = cb_date_of_time(now_ms(m));

    for (int p = 0; p < m->npart; p++) {
        batch *b = &m->batches[p];
        int rc;
        if (!b->assigned || (b->timers_day == today &&
                             clock_ms - b->timers_ms < TIMER_AGAIN_MS))
            continue;
        timer_ctx t = {m, p, 0};
        rc = cb_timers_due(m->store, p, today, 1000, tick_op, &t);
        if (rc < 0) {
            own_redis_failed(m);
            return;
        }
        b->timers_day = rc == 1 && !t.dropped ? today : -1;
        b->timers_ms = clock_ms;
    }
}

/* ------------------------------------------------------------------ run */

static void progress_line(matcher *m, int64_t started)
{
    double s = (double)(cb_clock_ms() - started) / 1000.0;
    fprintf(stderr,
            "\rmatcher: %" PRIu64 " events, %.0f/s, %" PRIu64 " leads and %"
            PRIu64 " alerts changed   ",
            m->stats->applied, s > 0 ? (double)m->stats->applied / s : 0,
            m->stats->leads_changed, m->stats->alerts_changed);
}

static rd_kafka_t *new_consumer(matcher *m, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = cb_kafka_conf_new(m->opts->cfg, CB_KAFKA_CONSUMER,
                                              errstr, errstr_size);
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *topics;

    if (conf == NULL)
        return NULL;
    if (rd_kafka_conf_set(conf, "group.id", m->opts->group, errstr,
                          errstr_size) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                          errstr_size) != RD_KAFKA_CONF_OK ||
        (cb_config_get(m->opts->cfg, "kafka.fetch.wait.max.ms") == NULL &&
         rd_kafka_conf_set(conf, "fetch.wait.max.ms", FETCH_WAIT_MS, errstr,
                           errstr_size) != RD_KAFKA_CONF_OK) ||
        /* A fetch names every partition of the seven topics (112 with
         * 16 partitions), and librdkafka 2.0 has no incremental fetch
         * sessions: a real broker reads them all for each one.  With
         * fetch.min.bytes 1 a steady flow made it answer as soon as one
         * message had come, hundreds of fetches a second, and at 10,000
         * events/s a Kafka broker on the matcher's machine fell seconds
         * behind.  Waiting for 64 kB (or fetch.wait.max.ms) costs a
         * live event at most those 10 ms; 20 ms made the p99 of
         * event to lead 35-53 ms, 10 ms 28-33 (docs/PERFORMANCE.md). */
        (cb_config_get(m->opts->cfg, "kafka.fetch.min.bytes") == NULL &&
         rd_kafka_conf_set(conf, "fetch.min.bytes", FETCH_MIN, errstr,
                           errstr_size) != RD_KAFKA_CONF_OK) ||
        /* librdkafka 2.0 (Debian 12's) stops fetching every partition
         * once the consumer's queue holds queued.min.messages (100,000 by
         * default), and looks again only when its broker thread next
         * wakes, up to a second later.  A matcher working through a
         * backlog then ran dry for a fraction of every second (a quarter
         * of the drain benchmark's time): the queue must hold more than
         * the matcher applies in that second.  Memory: at most
         * queued.max.messages.kbytes of payload (64 MB by default). */
        (cb_config_get(m->opts->cfg, "kafka.queued.min.messages") == NULL &&
         rd_kafka_conf_set(conf, "queued.min.messages", QUEUED_MIN, errstr,
                           errstr_size) != RD_KAFKA_CONF_OK) ||
        /* What bounds the queue is then its bytes.  librdkafka keeps the
         * messages queued and the fetch responses they came in (up to
         * fetch.max.bytes, 50 MB by default) besides, about eight times
         * the payload in all: with the defaults (64 MB) the matcher's RSS
         * reached 380-450 MB in the drain benchmark.  Too small a queue
         * starves the matcher instead: with 6 MB it drained 104,000
         * messages/s, with 10 MB 144,000-156,000, with 12 MB 184,000-
         * 206,000 and with 14 MB 212,000-235,000, but an RSS over 200 MB
         * in two runs of eleven.  Fetches of 1 MB (a response pins its
         * buffer while any of its messages is queued), 12 MB queued and
         * large blocks mapped (cmd_match.c) keep it at 156-178 MB
         * (docs/PERFORMANCE.md, "The consumer's queue"). */
        (cb_config_get(m->opts->cfg, "kafka.queued.max.messages.kbytes") ==
             NULL &&
         rd_kafka_conf_set(conf, "queued.max.messages.kbytes", QUEUED_KBYTES,
                           errstr, errstr_size) != RD_KAFKA_CONF_OK) ||
        (cb_config_get(m->opts->cfg, "kafka.fetch.max.bytes") == NULL &&
         rd_kafka_conf_set(conf, "fetch.max.bytes", FETCH_MAX, errstr,
                           errstr_size) != RD_KAFKA_CONF_OK) ||
        /* Offsets the broker no longer has are an error, never a silent
         * jump: the embedded broker prunes old messages. */
        rd_kafka_conf_set(conf, "auto.offset.reset", "error", errstr,
                          errstr_size) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (m->mx != NULL) {
        if (cb_config_get(m->opts->cfg, "kafka.statistics.interval.ms") ==
                NULL &&
            rd_kafka_conf_set(conf, "statistics.interval.ms", "5000", errstr,
                              errstr_size) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
        rd_kafka_conf_set_stats_cb(conf, on_stats);
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, cb_kafka_log_error);
    rd_kafka_conf_set_opaque(conf, m);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    topics = rd_kafka_topic_partition_list_new(CB_TOPIC_COUNT);
    for (int t = 0; t < CB_TOPIC_COUNT; t++)
        if (is_input(t))
            rd_kafka_topic_partition_list_add(topics, topic_of(t),
                                              RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "cannot subscribe: %s",
                 rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return NULL;
    }
    m->consumer = rk;
    return rk;
}

int cb_matcher_run(const cb_matcher_opts *opts, cb_matcher_stats *stats,
                   char *errstr, size_t errstr_size)
{
    matcher m;
    cb_store_opts so = {cb_config_redis(opts->cfg), opts->partitions,
                        opts->buckets, 5000, 0, opts->ids};
    int rc = -1;
    int64_t last_msg, started, shown = 0;
    /* asked once: isatty is a system call, and the loop turns per message */
    int tty = !opts->quiet && isatty(STDERR_FILENO);

    memset(&m, 0, sizeof(m));
    memset(stats, 0, sizeof(*stats));
    m.opts = opts;
    m.stats = stats;
    m.npart = opts->partitions;
    if (m.npart < 1 || m.npart > MAX_PARTITIONS) {
        snprintf(errstr, errstr_size, "partitions must be 1..%d",
                 MAX_PARTITIONS);
        return -1;
    }
    m.batches = calloc((size_t)m.npart, sizeof(*m.batches));
    m.codec = cb_codec_new(errstr, errstr_size);
    if (m.batches == NULL || m.codec == NULL)
        goto out;
    for (int p = 0; p < m.npart; p++)
        batch_clear(&m.batches[p]);
    m.store = cb_store_new(&so, errstr, errstr_size);
    if (m.store == NULL)
        goto out;
    cb_info("Redis at %s", cb_redis_where(cb_store_redis(m.store)));
    if (cb_layout_migrate(m.store, errstr, errstr_size) < 0)
        goto out;
    /* the steps run on the worker's store: the cache is its */
    so.cache_bytes = opts->cache_bytes;
    m.worker = cb_worker_new(&so, errstr, errstr_size);
    if (m.worker == NULL)
        goto out;
    if (opts->metrics_listen != NULL) {
        const char *names[CB_METRICS_TOPICS] = {NULL};
        int port;
        for (int t = 0; t < CB_FEED_COUNT; t++)
            names[t] = topic_of(t);
        names[CB_TOPIC_OWNERSHIP] = topic_of(CB_TOPIC_OWNERSHIP);
        names[CB_KIND_DEADLETTER] = topic_of(CB_KIND_DEADLETTER);
        m.fig.redis_rtt_s = -1;
        if ((m.mx = cb_metrics_new(names, CB_METRICS_TOPICS)) == NULL) {
            snprintf(errstr, errstr_size, "out of memory");
            goto out;
        }
        if ((port = cb_metrics_serve(m.mx, opts->metrics_listen, errstr,
                                     errstr_size)) < 0)
            goto out;
        show_figures(&m, 0);
        cb_info("metrics on port %d: /metrics, /healthz, /readyz", port);
    }
    cb_outbox_opts oo = {opts->cfg, m.store, m.npart, &stats->published,
                         &m.fig};
    m.outbox = cb_outbox_new(&oo, errstr, errstr_size);
    if (m.outbox == NULL || new_consumer(&m, errstr, errstr_size) == NULL)
        goto out;
    if (check_topics(&m, errstr, errstr_size) != 0)
        goto out;

    started = last_msg = cb_clock_ms();
    while (!stopped(&m) && !m.fatal) {
        /* short waits while steps are out: their results are waited for */
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(
            m.consumer, m.pending || cb_worker_handed(m.worker) ? 1 : 100);
        int idle = msg == NULL, took = 0;
        int64_t now;

        /* Take what is there, then do the rounds below once: they cost
         * system calls and locks, too many to pay for every message. */
        while (msg != NULL) {
            take_or_fail(&m, msg);
            rd_kafka_message_destroy(msg);
            if (++took >= POLL_BURST || m.fatal || m.reseek)
                break;
            /* the worker must not run dry while a burst is taken */
            if (took % HAND_EVERY == 0 && collect_steps(&m, 0) == 0)
                hand_over_all(&m);
            if (m.fatal || m.reseek)
                break;
            msg = rd_kafka_consumer_poll(m.consumer, 0);
        }
        now = cb_clock_ms();
        if (took > 0)
            last_msg = now;
        cb_outbox_poll(m.outbox);
        if (confirm(&m, 0) < 0)
            publish(&m); /* a delivery failed: hand everything over again */

        if (now - m.last_timer_ms >= TIMER_MS) {
            m.last_timer_ms = now;
            if (m.mx != NULL)
                ping_redis(&m);
            fire_timers(&m, now);
            /* Decisions of township teams reach the outbox outside the
             * matcher's steps: look at every outbox now and then. */
            for (int p = 0; p < m.npart; p++)
                if (m.batches[p].assigned)
                    cb_outbox_touch(m.outbox, p);
            publish(&m);
        }
        /* Batches go to the worker as soon as it has room for them: while
         * it is busy they grow, and steps grow with them. */
        if (collect_steps(&m, 0) != 0)
            break;
        hand_over_all(&m);
        publish(&m);
        if (m.reseek)
            reseek(&m);
        show_figures(&m, 1);
        if (tty && now - shown >= 1000) {
            shown = now;
            progress_line(&m, started);
        }
        /* Idle counts from the latest assignment: joining the group, or
         * a rebalance, takes a while, and nothing arrives meanwhile. */
        if (opts->idle_exit_s > 0 && idle && !any_work(&m) &&
            cb_worker_handed(m.worker) == 0 &&
            m.assigned_ms > 0 &&
            now - (last_msg > m.assigned_ms ? last_msg : m.assigned_ms) >=
                (int64_t)opts->idle_exit_s * 1000)
            break;
    }
    if (!m.fatal && drain_steps(&m) == 0)
        publish(&m);
    if (tty)
        fputc('\n', stderr);
    if (m.fatal) {
        snprintf(errstr, errstr_size, "%s", m.fatal_err);
        goto out;
    }
    /* Everything handed over confirmed, or one more try for what failed. */
    int confirmed = confirm(&m, 1);
    if (confirmed < 0) {
        publish(&m);
        confirmed = confirm(&m, 1);
    }
    if (confirmed != 0) {
        snprintf(errstr, errstr_size, "%" PRIu64 " lead/alert message(s) "
                 "could not be published; they stay in the outbox and go "
                 "out on the next run", cb_outbox_failed(m.outbox));
        goto out;
    }
    rc = 0;
out:
    cb_metrics_free(m.mx); /* stops serving */
    m.mx = NULL;           /* on_stats may still run as the consumer closes */
    if (m.consumer != NULL) {
        rd_kafka_consumer_close(m.consumer);
        rd_kafka_destroy(m.consumer);
    }
    cb_outbox_free(m.outbox); /* waits for what is out */
    if (m.worker != NULL) {
        cb_cache_stats cs;
        cb_worker_cache_stats(m.worker, &cs);
        stats->cache_hits = cs.hits;
        stats->cache_misses = cs.misses;
        stats->cache_stale = cs.stale;
        stats->cache_evicted = cs.evicted;
    }
    cb_worker_free(m.worker);
    for (int p = 0; m.batches && p < m.npart; p++) {
        batch *b = &m.batches[p];
        free_ops((opsarr){b->ops, b->cap, 0, 0, 0});
        for (int k = 0; k < b->nhanded; k++)
            free_ops(b->handed[k]);
        for (int k = 0; k < b->nspare; k++)
            free_ops(b->spare[k]);
    }
    free(m.batches);
    cb_store_free(m.store);
    cb_codec_free(m.codec);
    cb_buf_free(&m.buf);
    return rc;
}
