/* cb_kafka.c -- topic names and librdkafka configuration defaults. */
#include <stdio.h>
#include <string.h>

#include "cb_kafka.h"
#include "cb_log.h"

static const char *const topic_names[CB_KIND_COUNT] = {
    "canbao.business.v1",   "canbao.household.v1", "canbao.death.v1",
    "canbao.enrollment.v1", "canbao.assistance.v1", "canbao.lead.v1",
    "canbao.alert.v1",      "canbao.deadletter.v1",
};

const char *cb_topic_name(cb_kind kind)
{
    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return NULL;
    return topic_names[kind];
}

int cb_topic_kind(const char *topic, cb_kind *kind)
{
    for (int i = 0; i < CB_KIND_COUNT; i++) {
        if (strcmp(topic_names[i], topic) == 0) {
            *kind = (cb_kind)i;
            return 0;
        }
    }
    return cb_kind_from_name(topic, kind);
}

typedef struct kv {
    const char *key, *value;
} kv;

static const kv producer_defaults[] = {
    {"compression.codec", "lz4"},
    /* Kafka's Java clients place keys with murmur2: every producer of a
     * canbao feed must, so that one subject's events share one partition
     * number across topics (the matcher's state is partitioned so). */
    {"partitioner", "murmur2_random"},
    {"enable.idempotence", "true"},
    {"linger.ms", "20"},
    {"batch.num.messages", "10000"},
    {"queue.buffering.max.messages", "500000"},
    {"queue.buffering.max.kbytes", "1048576"},
    /* The bound on retries: a record not delivered in this time is
     * reported as failed, and the producer says how many. */
    {"message.timeout.ms", "60000"},
    {NULL, NULL},
};

static const kv consumer_defaults[] = {
    {"enable.auto.offset.store", "false"},
    {"auto.offset.reset", "earliest"},
    /* range gives one consumer partition N of every topic */
    {"partition.assignment.strategy", "range"},
    /* A member that went away is noticed in seconds, not minutes: a
     * restarted matcher takes its partitions back quickly.  (canbao's
     * consumers poll every 100 ms at most.) */
    {"session.timeout.ms", "10000"},
    {"heartbeat.interval.ms", "1000"},
    {"max.poll.interval.ms", "60000"},
    {"enable.partition.eof", "false"},
    {NULL, NULL},
};

/* Maps librdkafka's syslog levels onto ours. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    cb_log_level l = level <= 3   ? CB_LOG_ERROR
                     : level <= 4 ? CB_LOG_WARN
                     : level <= 6 ? CB_LOG_INFO
                                  : CB_LOG_DEBUG;
    (void)rk;
    cb_log(l, "kafka %s: %s", fac, buf);
}

void cb_kafka_log_error(rd_kafka_t *rk, int err, const char *reason,
                        void *opaque)
{
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        cb_error("kafka %s: fatal: %s", rd_kafka_name(rk), reason);
    else
        cb_warn("kafka %s: %s", rd_kafka_name(rk), reason);
}

static int set(rd_kafka_conf_t *conf, const char *key, const char *value,
               char *errstr, size_t errstr_size)
{
    char err[512];

    if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
        /* err may quote the value; name the property only. */
        snprintf(errstr, errstr_size, "librdkafka refused property '%s'",
                 key);
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *cb_kafka_conf_new(const cb_config *cfg, cb_kafka_role role,
                                   char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const kv *d = role == CB_KAFKA_PRODUCER ? producer_defaults
                                            : consumer_defaults;

    if (set(conf, "bootstrap.servers", cb_config_brokers(cfg), errstr,
            errstr_size) != 0)
        goto fail;
    if (set(conf, "client.id", "canbao", errstr, errstr_size) != 0)
        goto fail;
    for (; d->key != NULL; d++)
        if (set(conf, d->key, d->value, errstr, errstr_size) != 0)
            goto fail;
    for (size_t i = 0; i < cfg->count; i++) {
        const cb_config_entry *e = &cfg->entries[i];
        if (strncmp(e->key, "kafka.", 6) != 0)
            continue;
        if (set(conf, e->key + 6, e->value, errstr, errstr_size) != 0)
            goto fail;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int cb_kafka_add_partitions(rd_kafka_t *rk, const char *topic, int64_t start,
                          rd_kafka_topic_partition_list_t *parts, char *errstr,
                          size_t errstr_size)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err;
    int n = -1;

    err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "metadata of %s: %s", topic,
                 rd_kafka_err2str(err));
        goto out;
    }
    if (md->topic_cnt != 1 || md->topics[0].err != 0) {
        snprintf(errstr, errstr_size, "topic %s: %s", topic,
                 md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err)
                                    : "not found");
        goto out;
    }
    n = md->topics[0].partition_cnt;
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(parts, topic,
                                          md->topics[0].partitions[i].id)
            ->offset = start;
out:
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return n;
}
