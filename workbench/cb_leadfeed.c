/* cb_leadfeed.c -- follows canbao.lead.v1 into the lead book
 * (cb_leadfeed.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_codec.h"
#include "cb_kafka.h"
#include "cb_leadfeed.h"
#include "cb_log.h"

#define RETRY_MS 5000

struct cb_leadfeed {
    pthread_t thread;
    rd_kafka_t *rk;
    cb_codec *codec;
    cb_leadbook *book;
    cb_leadfeed_reload_fn *reload;
    void *opaque;
    atomic_int stop, live;
};

/* Sleeps up to ms, waking early when asked to stop. */
static void nap(cb_leadfeed *f, int ms)
{
    for (int i = 0; i < ms / 100 && !atomic_load(&f->stop); i++)
        usleep(100 * 1000);
}

/* The topic's partitions, each at its end offset now.  NULL with errstr.
 * One ListOffsets request a leader for all partitions (a "latest"
 * timestamp asks for the end): a watermark query a partition took one
 * round trip each, over a minute on a loaded machine just after a
 * broker restart. */
static rd_kafka_topic_partition_list_t *end_offsets(cb_leadfeed *f,
                                                    char *errstr,
                                                    size_t errstr_size)
{
    const char *topic = cb_topic_name(CB_KIND_LEAD);
    rd_kafka_topic_partition_list_t *parts =
        rd_kafka_topic_partition_list_new(16);
    rd_kafka_resp_err_t err;

    if (cb_kafka_add_partitions(f->rk, topic, RD_KAFKA_OFFSET_END, parts,
                                errstr, errstr_size) < 0)
        goto fail;
    err = rd_kafka_offsets_for_times(f->rk, parts, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "end offsets of %s: %s", topic,
                 rd_kafka_err2str(err));
        goto fail;
    }
    for (int i = 0; i < parts->cnt; i++) {
        if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
            parts->elems[i].offset < 0) {
            snprintf(errstr, errstr_size, "end of %s [%d]: %s", topic,
                     parts->elems[i].partition,
                     parts->elems[i].err ? rd_kafka_err2str(parts->elems[i].err)
                                         : "no offset");
            goto fail;
        }
    }
    return parts;
fail:
    rd_kafka_topic_partition_list_destroy(parts);
    return NULL;
}

static void take(cb_leadfeed *f, const rd_kafka_message_t *m)
{
    char err[256];
    cb_record rec;

    if (cb_codec_decode_record(f->codec, m->payload, m->len, &rec, err,
                               sizeof(err)) != 0 ||
        rec.kind != CB_KIND_LEAD) {
        cb_warn("web: %s [%d] offset %lld is not a lead: %s",
                rd_kafka_topic_name(m->rkt), (int)m->partition,
                (long long)m->offset, err);
        return;
    }
    if (cb_leadbook_put(f->book, &rec.u.lead) < 0)
        cb_error("web: out of memory for lead %s", rec.u.lead.lead_id);
}

static void *run(void *arg)
{
    cb_leadfeed *f = arg;
    char err[512];

    while (!atomic_load(&f->stop)) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rd_kafka_topic_partition_list_t *parts =
            end_offsets(f, err, sizeof(err));
        if (parts == NULL) {
            cb_warn("web: cannot follow the lead topic yet (%s); trying "
                    "again in %d s", err, RETRY_MS / 1000);
            nap(f, RETRY_MS);
            continue;
        }
        if (f->reload(f->opaque, err, sizeof(err)) != 0) {
            cb_warn("web: cannot load the leads from Redis (%s); trying "
                    "again in %d s", err, RETRY_MS / 1000);
            rd_kafka_topic_partition_list_destroy(parts);
            nap(f, RETRY_MS);
            continue;
        }
        rd_kafka_resp_err_t e = rd_kafka_assign(f->rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            cb_warn("web: cannot assign the lead topic: %s",
                    rd_kafka_err2str(e));
            nap(f, RETRY_MS);
            continue;
        }
        atomic_store(&f->live, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        cb_info("web: following %s (its end and the leads in Redis read in "
                "%.1f s)", cb_topic_name(CB_KIND_LEAD),
                (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        while (!atomic_load(&f->stop)) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(f->rk, 200);
            if (m == NULL)
                continue;
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                take(f, m);
            } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
                cb_warn("web: fell behind what %s keeps (%s); loading the "
                        "leads again", cb_topic_name(CB_KIND_LEAD),
                        rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                break;
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                int fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
                cb_warn("web: lead topic: %s", rd_kafka_message_errstr(m));
                if (fatal) {
                    rd_kafka_message_destroy(m);
                    break;
                }
            }
            rd_kafka_message_destroy(m);
        }
        atomic_store(&f->live, 0);
        rd_kafka_assign(f->rk, NULL);
    }
    return NULL;
}

cb_leadfeed *cb_leadfeed_start(const cb_config *cfg, cb_leadbook *book,
                               cb_leadfeed_reload_fn *reload, void *opaque,
                               char *errstr, size_t errstr_size)
{
    cb_leadfeed *f = calloc(1, sizeof(*f));
    rd_kafka_conf_t *conf;

    if (f == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    f->book = book;
    f->reload = reload;
    f->opaque = opaque;
    if ((f->codec = cb_codec_new(errstr, errstr_size)) == NULL)
        goto fail;
    conf = cb_kafka_conf_new(cfg, CB_KAFKA_CONSUMER, errstr, errstr_size);
    if (conf == NULL)
        goto fail;
    /* a position the topic no longer holds (the feed fell behind its
     * retention) is an error, not a silent jump: the book is loaded
     * again from Redis */
    if (rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                          errstr_size) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "error", errstr,
                          errstr_size) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", "canbao-web", errstr,
                          errstr_size) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    f->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (f->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_poll_set_consumer(f->rk);
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        snprintf(errstr, errstr_size, "cannot start a thread");
        goto fail;
    }
    return f;
fail:
    if (f->rk)
        rd_kafka_destroy(f->rk);
    cb_codec_free(f->codec);
    free(f);
    return NULL;
}

int cb_leadfeed_live(cb_leadfeed *f) { return atomic_load(&f->live); }

void cb_leadfeed_stop(cb_leadfeed *f)
{
    if (f == NULL)
        return;
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    rd_kafka_consumer_close(f->rk);
    rd_kafka_destroy(f->rk);
    cb_codec_free(f->codec);
    free(f);
}
