/* cb_delivery.c -- librdkafka producer with delivery accounting. */
#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_delivery.h"
#include "cb_kafka.h"
#include "cb_log.h"

struct cb_delivery {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topics[CB_KIND_COUNT]; /* opened when first used */
    cb_delivery_stats stats;
    int timeout_ms;
};

/* Called from rd_kafka_poll/flush, on this thread, once per message. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    cb_delivery *d = opaque;
    int cls = (int)(intptr_t)m->_private;

    (void)rk;
    if (cls != CB_DELIVERY_DEAD_LETTER)
        cls = CB_DELIVERY_RECORD;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        d->stats.delivered[cls]++;
        return;
    }
    d->stats.failed[cls]++;
    if (d->stats.first_error[0] == '\0')
        snprintf(d->stats.first_error, sizeof(d->stats.first_error),
                 "%s: %s", rd_kafka_topic_name(m->rkt),
                 rd_kafka_err2str(m->err));
}

/* Broker errors are reported as they come: the operator sees an outage
 * while it happens, not only in the final count. */
static void on_error(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque)
{
    (void)rk, (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        cb_error("kafka: fatal: %s", reason);
    else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        cb_warn("kafka: every broker is down; retrying until "
                "message.timeout.ms");
    else
        cb_warn("kafka: %s", reason);
}

cb_delivery *cb_delivery_new(const cb_config *cfg, char *errstr,
                             size_t errstr_size)
{
    cb_delivery *d = calloc(1, sizeof(*d));
    rd_kafka_conf_t *conf;
    char val[32];
    size_t vsz = sizeof(val);

    if (d == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    conf = cb_kafka_conf_new(cfg, CB_KAFKA_PRODUCER, errstr, errstr_size);
    if (conf == NULL) {
        free(d);
        return NULL;
    }
    d->timeout_ms = 60000;
    if (rd_kafka_conf_get(conf, "message.timeout.ms", val, &vsz) ==
        RD_KAFKA_CONF_OK)
        d->timeout_ms = atoi(val);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, d);
    d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (d->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        free(d);
        return NULL;
    }
    return d;
}

void cb_delivery_free(cb_delivery *d)
{
    if (d == NULL)
        return;
    for (int k = 0; k < CB_KIND_COUNT; k++)
        if (d->topics[k] != NULL)
            rd_kafka_topic_destroy(d->topics[k]);
    if (d->rk != NULL)
        rd_kafka_destroy(d->rk);
    free(d);
}

int cb_delivery_fatal(cb_delivery *d, char *errstr, size_t errstr_size)
{
    return rd_kafka_fatal_error(d->rk, errstr, errstr_size) !=
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

int cb_delivery_send(cb_delivery *d, cb_kind kind, const char *key,
                     size_t key_len, const void *value, size_t value_len,
                     int cls, char *errstr, size_t errstr_size)
{
    rd_kafka_topic_t *rkt = d->topics[kind];

    if (rkt == NULL) {
        rkt = rd_kafka_topic_new(d->rk, cb_topic_name(kind), NULL);
        if (rkt == NULL) {
            snprintf(errstr, errstr_size, "cannot open topic %s: %s",
                     cb_topic_name(kind),
                     rd_kafka_err2str(rd_kafka_last_error()));
            return -1;
        }
        d->topics[kind] = rkt;
    }
    for (;;) {
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             (void *)value, value_len, key, key_len,
                             (void *)(intptr_t)cls) == 0) {
            d->stats.queued[cls]++;
            return 0;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (cb_delivery_fatal(d, errstr, errstr_size))
                return -1;
            /* This message cannot go (too large, say): it is one message
             * not delivered, and the others go on. */
            d->stats.queued[cls]++;
            d->stats.failed[cls]++;
            if (d->stats.first_error[0] == '\0')
                snprintf(d->stats.first_error, sizeof(d->stats.first_error),
                         "%s: %s", cb_topic_name(kind),
                         rd_kafka_err2str(err));
            cb_warn("cannot produce to %s: %s", cb_topic_name(kind),
                    rd_kafka_err2str(err));
            return 0;
        }
        /* The queue is full: serve reports until there is room. */
        rd_kafka_poll(d->rk, 100);
    }
}

void cb_delivery_poll(cb_delivery *d)
{
    rd_kafka_poll(d->rk, 0);
}

uint64_t cb_delivery_flush(cb_delivery *d, int timeout_ms)
{
    rd_kafka_flush(d->rk, timeout_ms);
    if (rd_kafka_outq_len(d->rk) > 0) {
        /* What is left is reported failed (purged) by the next poll. */
        rd_kafka_purge(d->rk, RD_KAFKA_PURGE_F_QUEUE |
                                  RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(d->rk, 5000);
    }
    rd_kafka_poll(d->rk, 0);
    /* Anything queued that never got a report at all counts as failed. */
    for (int c = 0; c < 2; c++) {
        uint64_t seen = d->stats.delivered[c] + d->stats.failed[c];
        if (d->stats.queued[c] > seen)
            d->stats.failed[c] += d->stats.queued[c] - seen;
    }
    return d->stats.failed[0] + d->stats.failed[1];
}

const cb_delivery_stats *cb_delivery_stats_get(const cb_delivery *d)
{
    return &d->stats;
}

int cb_delivery_timeout_ms(const cb_delivery *d)
{
    return d->timeout_ms;
}
