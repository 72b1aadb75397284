/* cb_broker.c -- the embedded broker on librdkafka's mock cluster. */
#include <librdkafka/rdkafka.h>
/* rdkafka_mock.h must follow rdkafka.h */
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_broker.h"
#include "cb_kafka.h"
#include "cb_record.h"

struct cb_broker {
    rd_kafka_t *rk; /* owns the mock cluster's threads */
    rd_kafka_mock_cluster_t *mcluster;
    int nodes;
};

cb_broker *cb_broker_new(int nodes, int partitions, char *errstr,
                         size_t errstr_size)
{
    cb_broker *b = NULL;
    rd_kafka_conf_t *conf = NULL;
    char err[512];

    if (nodes < 1 || nodes > 9 || partitions < 1 || partitions > 256) {
        snprintf(errstr, errstr_size,
                 "nodes must be 1..9 and partitions 1..256");
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL)
        goto oom;
    b->nodes = nodes;
    conf = rd_kafka_conf_new();
    /* The handle only hosts the cluster; it talks to no broker itself. */
    if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "%s", err);
        goto fail;
    }
    b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (b->rk == NULL) {
        snprintf(errstr, errstr_size, "cannot start librdkafka: %s", err);
        goto fail;
    }
    conf = NULL; /* now owned by rk */
    b->mcluster = rd_kafka_mock_cluster_new(b->rk, nodes);
    if (b->mcluster == NULL) {
        snprintf(errstr, errstr_size, "cannot start the mock cluster");
        goto fail;
    }
    for (int k = 0; k <= CB_KIND_COUNT; k++) {
        const char *name = k < CB_KIND_COUNT ? cb_topic_name((cb_kind)k)
                                             : CB_OWNERSHIP_TOPIC;
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(
            b->mcluster, name, partitions, nodes < 3 ? nodes : 3);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(errstr, errstr_size, "cannot create topic %s: %s", name,
                     rd_kafka_err2str(e));
            goto fail;
        }
    }
    return b;
oom:
    snprintf(errstr, errstr_size, "out of memory");
fail:
    if (conf != NULL)
        rd_kafka_conf_destroy(conf);
    cb_broker_free(b);
    return NULL;
}

const char *cb_broker_bootstraps(const cb_broker *broker)
{
    return rd_kafka_mock_cluster_bootstraps(broker->mcluster);
}

void cb_broker_free(cb_broker *broker)
{
    if (broker == NULL)
        return;
    if (broker->mcluster != NULL)
        rd_kafka_mock_cluster_destroy(broker->mcluster);
    if (broker->rk != NULL)
        rd_kafka_destroy(broker->rk);
    free(broker);
}

/* ------------------------------------------------------------- control */

static const struct {
    const char *name;
    int key;
} api_keys[] = {
    {"produce", 0},        {"fetch", 1},          {"listoffsets", 2},
    {"metadata", 3},       {"offsetcommit", 8},   {"offsetfetch", 9},
    {"findcoordinator", 10}, {"joingroup", 11},   {"heartbeat", 12},
    {"leavegroup", 13},    {"syncgroup", 14},     {"apiversions", 18},
    {"initproducerid", 22},
};

/* A whole decimal number, possibly negative. */
static int parse_num(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_api(const char *s, int *key)
{
    long v;

    for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
        if (strcasecmp(api_keys[i].name, s) == 0) {
            *key = api_keys[i].key;
            return 0;
        }
    }
    if (parse_num(s, &v) == 0 && v >= 0 && v < 100) {
        *key = (int)v;
        return 0;
    }
    return -1;
}

/* An error code by librdkafka name (with or without the leading '_' of
 * local errors, case-insensitive) or by number. */
static int parse_err(const char *s, rd_kafka_resp_err_t *err)
{
    long v;
    const struct rd_kafka_err_desc *descs;
    size_t n;

    if (parse_num(s, &v) == 0) {
        *err = (rd_kafka_resp_err_t)v;
        return 0;
    }
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++) {
        if (descs[i].name == NULL)
            continue;
        if (strcasecmp(descs[i].name, s) == 0) {
            *err = descs[i].code;
            return 0;
        }
    }
    return -1;
}

int cb_broker_control(cb_broker *broker, const char *line, char *reply,
                      size_t reply_size)
{
    char buf[256];
    char *argv[8];
    int argc = 0;
    char *save = NULL, *tok;
    long id = -1, v;
    int api;
    rd_kafka_resp_err_t err;

    snprintf(buf, sizeof(buf), "%s", line);
    for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL && argc < 8;
         tok = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = tok;
    if (argc == 0) {
        snprintf(reply, reply_size, "empty command");
        return -1;
    }

    if (strcmp(argv[0], "down") == 0 || strcmp(argv[0], "up") == 0) {
        if (argc > 2 || (argc == 2 && (parse_num(argv[1], &id) != 0 ||
                                       id < 1 || id > broker->nodes))) {
            snprintf(reply, reply_size, "usage: %s [1..%d]", argv[0],
                     broker->nodes);
            return -1;
        }
        err = argv[0][0] == 'd'
                  ? rd_kafka_mock_broker_set_down(broker->mcluster,
                                                  (int32_t)id)
                  : rd_kafka_mock_broker_set_up(broker->mcluster,
                                                (int32_t)id);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
            goto kafka_err;
        snprintf(reply, reply_size, "%s %s", id < 0 ? "all brokers" : "broker",
                 argv[0]);
        return 0;
    }
    if (strcmp(argv[0], "rtt") == 0) {
        if (argc < 2 || argc > 3 || parse_num(argv[1], &v) != 0 || v < 0 ||
            v > 600000 ||
            (argc == 3 && (parse_num(argv[2], &id) != 0 || id < 1 ||
                           id > broker->nodes))) {
            snprintf(reply, reply_size, "usage: rtt MS [1..%d]",
                     broker->nodes);
            return -1;
        }
        err = rd_kafka_mock_broker_set_rtt(broker->mcluster, (int32_t)id,
                                           (int)v);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
            goto kafka_err;
        snprintf(reply, reply_size, "rtt %ld ms", v);
        return 0;
    }
    if (strcmp(argv[0], "error") == 0) {
        long cnt = 1;
        if (argc < 3 || argc > 4 || parse_api(argv[1], &api) != 0 ||
            parse_err(argv[2], &err) != 0 ||
            (argc == 4 && (parse_num(argv[3], &cnt) != 0 || cnt < 1 ||
                           cnt > 1000))) {
            snprintf(reply, reply_size, "usage: error API ERR [COUNT]");
            return -1;
        }
        for (long i = 0; i < cnt; i++)
            rd_kafka_mock_push_request_errors(broker->mcluster,
                                              (int16_t)api, 1, err);
        snprintf(reply, reply_size, "%ld %s request(s) will fail with %s",
                 cnt, argv[1], rd_kafka_err2name(err));
        return 0;
    }
    if (strcmp(argv[0], "clear") == 0) {
        if (argc != 2 || parse_api(argv[1], &api) != 0) {
            snprintf(reply, reply_size, "usage: clear API");
            return -1;
        }
        rd_kafka_mock_clear_request_errors(broker->mcluster, (int16_t)api);
        snprintf(reply, reply_size, "errors of %s cleared", argv[1]);
        return 0;
    }
    snprintf(reply, reply_size, "unknown command '%s' (down, up, rtt, "
             "error, clear)", argv[0]);
    return -1;

kafka_err:
    snprintf(reply, reply_size, "%s", rd_kafka_err2str(err));
    return -1;
}
