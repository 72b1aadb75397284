/* cb_outbox.c -- the matcher's publisher (cb_outbox.h): reads each touched
 * outbox from where it was last handed over, produces its entries, and
 * trims it once Kafka confirmed them; dead letters go on the same
 * producer. */
#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_codec.h"
#include "cb_err.h"
#include "cb_kafka.h"
#include "cb_log.h"
#include "cb_outbox.h"
#include "cb_refeed.h"
#include "cb_step.h"
#include "cb_suspect.h"

#define PUBLISH_CHUNK 1000 /* outbox entries read at a time */

/* How far one partition's outbox went. */
typedef struct outbox_part {
    int touched;      /* has entries to publish */
    char sent[48];    /* last outbox id handed to the producer, "" none */
    char trimmed[48]; /* the outbox is trimmed through this id */
} outbox_part;

struct cb_outbox {
    cb_outbox_opts o;
    rd_kafka_t *producer;
    rd_kafka_topic_t *topics[3]; /* lead, alert, ownership */
    cb_codec *codec;
    cb_buf buf;         /* scratch for encoding */
    outbox_part *parts; /* o.partitions */
    int *asked;         /* publish: the partitions of the replies due */
    uint64_t failed;    /* deliveries failed or refused */
    uint64_t failed_seen; /* failed when last looked at */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque)
{
    cb_outbox *ob = opaque;
    (void)rk;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ob->failed++;
        cb_error("cannot publish to %s: %s", rd_kafka_topic_name(msg->rkt),
                 rd_kafka_err2str(msg->err));
    } else {
        (*ob->o.published)++;
    }
}

/* Opens the producer's three topics.  Returns 0 or -1 with errstr. */
static int open_topics(cb_outbox *ob, char *errstr, size_t errstr_size)
{
    const char *names[3] = {cb_topic_name(CB_KIND_LEAD),
                            cb_topic_name(CB_KIND_ALERT), CB_OWNERSHIP_TOPIC};

    for (int i = 0; i < 3; i++) {
        ob->topics[i] = rd_kafka_topic_new(ob->producer, names[i], NULL);
        if (ob->topics[i] == NULL)
            return cb_err_set(errstr, errstr_size, "cannot open topic %s: %s",
                              names[i],
                              rd_kafka_err2str(rd_kafka_last_error()));
    }
    return 0;
}

cb_outbox *cb_outbox_new(const cb_outbox_opts *opts, char *errstr,
                         size_t errstr_size)
{
    cb_outbox *ob = calloc(1, sizeof(*ob));
    rd_kafka_conf_t *conf;

    if (ob == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    ob->o = *opts;
    ob->parts = calloc((size_t)opts->partitions, sizeof(*ob->parts));
    ob->asked = calloc((size_t)opts->partitions, sizeof(*ob->asked));
    if (ob->parts == NULL || ob->asked == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        goto fail;
    }
    ob->codec = cb_codec_new(errstr, errstr_size);
    if (ob->codec == NULL)
        goto fail;
    conf = cb_kafka_conf_new(opts->cfg, CB_KAFKA_PRODUCER, errstr,
                             errstr_size);
    if (conf == NULL)
        goto fail;
    /* Leads are waited for: send them at once (-X overrides). */
    if (cb_config_get(opts->cfg, "kafka.linger.ms") == NULL &&
        rd_kafka_conf_set(conf, "linger.ms", "2", errstr, errstr_size) !=
            RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, cb_kafka_log_error);
    rd_kafka_conf_set_opaque(conf, ob);
    ob->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (ob->producer == NULL) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    if (open_topics(ob, errstr, errstr_size) != 0)
        goto fail;
    return ob;
fail:
    cb_outbox_free(ob);
    return NULL;
}

void cb_outbox_free(cb_outbox *ob)
{
    if (ob == NULL)
        return;
    if (ob->producer != NULL) {
        rd_kafka_flush(ob->producer, 10000);
        for (int i = 0; i < 3; i++)
            if (ob->topics[i] != NULL)
                rd_kafka_topic_destroy(ob->topics[i]);
        rd_kafka_destroy(ob->producer);
    }
    cb_codec_free(ob->codec);
    cb_buf_free(&ob->buf);
    free(ob->parts);
    free(ob->asked);
    free(ob);
}

void cb_outbox_touch(cb_outbox *ob, int p)
{
    ob->parts[p].touched = 1;
}

void cb_outbox_poll(cb_outbox *ob)
{
    rd_kafka_poll(ob->producer, 0);
}

uint64_t cb_outbox_failed(const cb_outbox *ob)
{
    return ob->failed;
}

/* An outbox entry that does not encode is a bug, not bad input: the
 * matcher stops with it left in the outbox.  Returns -2. */
static int outbox_broken(const char *what, const char *err, char *errstr,
                         size_t errstr_size)
{
    cb_err_set(errstr, errstr_size,
               "%s in the outbox does not encode (%s); it stays there and "
               "the matcher stops", what, err);
    return -2;
}

/* Re-produces a corrected suspect (an 'F' entry, cb_refeed.h) into its
 * feed topic: its record with the candidate's number, keyed by that
 * number, with the dead letter's provenance and the review in headers
 * (docs/RULES.md 9.3, "Correcting").  Returns as publish_message. */
static int publish_refeed(cb_outbox *ob, const redisReply *v, char *errstr,
                          size_t errstr_size)
{
    char err[256] = "it does not decode", number[CB_ID_SIZE],
         line[24];
    rd_kafka_headers_t *hdrs;
    rd_kafka_resp_err_t e;
    cb_refeed r;

    if (cb_refeed_unpack(v->str, v->len, &r) != 0 ||
        cb_str_to_text(&r.number, number, sizeof(number)) != 0 ||
        cb_suspect_renumber(ob->codec, (cb_kind)r.kind, r.record,
                            r.record_len, number, &ob->buf, err,
                            sizeof(err)) != 0)
        return outbox_broken("a corrected record", err, errstr, errstr_size);
    snprintf(line, sizeof(line), "%lld", (long long)r.line);
    hdrs = rd_kafka_headers_new(4);
    rd_kafka_header_add(hdrs, "canbao-source-file", -1, r.file.s,
                        r.file.len);
    rd_kafka_header_add(hdrs, "canbao-source-line", -1, line, -1);
    rd_kafka_header_add(hdrs, "canbao-corrected-from", -1, r.written.s,
                        r.written.len);
    rd_kafka_header_add(hdrs, "canbao-review", -1, r.review_id.s,
                        r.review_id.len);
    e = rd_kafka_producev(
        ob->producer, RD_KAFKA_V_TOPIC(cb_topic_name((cb_kind)r.kind)),
        RD_KAFKA_V_KEY(number, strlen(number)),
        RD_KAFKA_V_VALUE(ob->buf.data, ob->buf.len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(hdrs);
        return -1;
    }
    return 0;
}

/* Produces one outbox message: a lead or an alert as Avro to its topic,
 * keyed by its lead or alert id (the topics are changelogs, compacted by
 * deploy/topics.sh: the latest record of an id is that lead's or alert's
 * current state, and every change of one id stays in order on one
 * partition), an ownership change or a name group's message raw to the
 * internal topic (keyed by person or group), a corrected suspect to its
 * feed topic (publish_refeed).  Returns 0, -1 when the producer refused
 * it, or -2 with errstr
 * when it does not encode (outbox_broken). */
static int publish_message(cb_outbox *ob, const redisReply *fields,
                           size_t from, size_t to, char *errstr,
                           size_t errstr_size)
{
    const redisReply *t = cb_step_outbox_field(fields, from, to, "t"),
                     *k = cb_step_outbox_field(fields, from, to, "k"),
                     *v = cb_step_outbox_field(fields, from, to, "v");
    char err[256] = "it does not decode"; /* until an encoder says */
    rd_kafka_headers_t *hdrs = NULL;

    if (t == NULL || v == NULL)
        return 0;
    if (t->str[0] == 'F')
        return publish_refeed(ob, v, errstr, errstr_size);
    if (t->str[0] == 'O' || t->str[0] == 'N') {
        /* raw, to the internal topic: an ownership change keyed by
         * person, a name group's message keyed by group (cb_group.h) */
        if (k == NULL)
            return 0;
        return rd_kafka_producev(
                   ob->producer, RD_KAFKA_V_RKT(ob->topics[2]),
                   RD_KAFKA_V_KEY(k->str, k->len),
                   RD_KAFKA_V_VALUE(v->str, v->len),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                   RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR
                   ? 0
                   : -1;
    }
    if (t->str[0] == 'L') {
        cb_lead l;
        if (cb_store_decode_lead(NULL, NULL, 0, v->str, v->len, &l) != 0 ||
            cb_codec_encode(ob->codec, CB_KIND_LEAD, &l, &ob->buf, err,
                            sizeof(err)) != 0) {
            return outbox_broken("a lead", err, errstr, errstr_size);
        }
        if (rd_kafka_producev(
                ob->producer, RD_KAFKA_V_RKT(ob->topics[0]),
                RD_KAFKA_V_KEY(l.lead_id, strlen(l.lead_id)),
                RD_KAFKA_V_VALUE(ob->buf.data, ob->buf.len),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return -1;
        if (l.reason >= 0 && l.reason < CB_METRICS_REASONS && l.status >= 0 &&
            l.status < CB_METRICS_STATUSES)
            ob->o.fig->leads[l.reason][l.status]++;
        return 0;
    }
    /* 'A' an alert raised or grown, 'X' an alert withdrawn */
    cb_alert a;
    if (k == NULL || cb_store_decode_alert(k->str, v->str, v->len, &a) != 0 ||
        cb_codec_encode(ob->codec, CB_KIND_ALERT, &a, &ob->buf, err,
                        sizeof(err)) != 0) {
        return outbox_broken("an alert", err, errstr, errstr_size);
    }
    if (t->str[0] == 'X') {
        hdrs = rd_kafka_headers_new(1);
        rd_kafka_header_add(hdrs, "canbao-withdrawn", -1, "1", 1);
    }
    rd_kafka_resp_err_t e = rd_kafka_producev(
        ob->producer, RD_KAFKA_V_RKT(ob->topics[1]),
        RD_KAFKA_V_KEY(a.alert_id, strlen(a.alert_id)),
        RD_KAFKA_V_VALUE(ob->buf.data, ob->buf.len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != NULL)
        rd_kafka_headers_destroy(hdrs);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && a.kind >= 0 &&
        a.kind < CB_METRICS_ALERT_KINDS)
        ob->o.fig->alerts[a.kind][t->str[0] == 'X']++;
    return e == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* Produces the messages of one outbox entry, in order: a step writes
 * all its messages as one entry (cb_step_outbox), each beginning with its
 * field t; others write one.  Returns the messages the producer refused,
 * or -2 with errstr for one that does not encode (the entry's messages
 * before it went out: the topics are changelogs, and the entry goes out
 * again whole once the matcher is mended). */
static int publish_entry(cb_outbox *ob, const redisReply *fields,
                         char *errstr, size_t errstr_size)
{
    size_t n = fields->elements & ~(size_t)1, from = 0;
    int refused = 0;

    while (from < n) {
        size_t to = cb_step_outbox_message_end(fields, from);
        int rc = publish_message(ob, fields, from, to, errstr, errstr_size);
        if (rc == -2)
            return -2;
        refused += rc != 0;
        from = to;
    }
    return refused;
}

/* part->sent remembers how far each outbox went.  The reads of every
 * outbox go in one round trip: Redis is busy with the worker's steps, and
 * each trip waits behind them. */
int cb_outbox_publish(cb_outbox *ob, int *redis_lost, char *errstr,
                      size_t errstr_size)
{
    int *asked = ob->asked, nasked, more = 1, lost = 0, broken = 0;

    while (more && !broken && !lost) {
        more = 0;
        nasked = 0;
        for (int p = 0; p < ob->o.partitions; p++) {
            outbox_part *b = &ob->parts[p];
            char key[64], from[64], count[16];
            if (!b->touched)
                continue;
            cb_store_key(key, sizeof(key), "out", p);
            /* "(" makes the start exclusive */
            snprintf(from, sizeof(from), "%s%s", b->sent[0] ? "(" : "",
                     b->sent[0] ? b->sent : "-");
            snprintf(count, sizeof(count), "%d", PUBLISH_CHUNK);
            const char *argv[6] = {"XRANGE", key, from, "+", "COUNT", count};
            /* each on its partition's node (a cluster's master), which
             * answers in the order it was asked */
            if (cb_redis_append(cb_store_node(ob->o.store, p), 6, argv,
                                NULL) != 0) {
                lost = 1; /* Redis trouble: the next step will say */
                break;
            }
            asked[nasked++] = p;
        }
        /* every reply asked for is read, even after a lost one: the other
         * nodes of a cluster must not keep a reply nobody reads */
        for (int i = 0; i < nasked; i++) {
            outbox_part *b = &ob->parts[asked[i]];
            redisReply *x = cb_redis_get_reply(cb_store_node(ob->o.store,
                                                             asked[i]));
            if (x == NULL)
                lost = 1;
            if (x == NULL || lost) {
                if (x != NULL)
                    freeReplyObject(x);
                continue;
            }
            if (x->type != REDIS_REPLY_ARRAY) {
                freeReplyObject(x);
                continue; /* stays touched: tried again */
            }
            size_t n = x->elements;
            for (size_t k = 0; k < n && !broken; k++) {
                int rc = publish_entry(ob, x->element[k]->element[1], errstr,
                                       errstr_size);
                if (rc == -2)
                    broken = 1;
                else
                    ob->failed += (uint64_t)rc;
                snprintf(b->sent, sizeof(b->sent), "%s",
                         x->element[k]->element[0]->str);
            }
            freeReplyObject(x);
            if (n < PUBLISH_CHUNK)
                b->touched = 0;
            else
                more = 1;
        }
    }
    if (lost)
        *redis_lost = 1;
    return broken ? -1 : 0;
}

/* XTRIM MINID keeps ids from the one given, so it is given the id just
 * after the last one handed over. */
int cb_outbox_confirm(cb_outbox *ob, int wait, int trim, int *redis_lost)
{
    if (wait)
        rd_kafka_flush(ob->producer, 30000);
    if (rd_kafka_outq_len(ob->producer) > 0)
        return 1;
    if (ob->failed != ob->failed_seen) {
        ob->failed_seen = ob->failed;
        for (int p = 0; p < ob->o.partitions; p++) {
            ob->parts[p].sent[0] = '\0';
            ob->parts[p].touched = 1;
        }
        return -1;
    }
    if (!trim)
        return 0;
    for (int p = 0; p < ob->o.partitions; p++) {
        outbox_part *b = &ob->parts[p];
        char key[64];
        unsigned long long ms = 0, seq = 0;

        if (b->sent[0] == '\0' || strcmp(b->sent, b->trimmed) == 0)
            continue;
        cb_store_key(key, sizeof(key), "out", p);
        sscanf(b->sent, "%llu-%llu", &ms, &seq);
        redisReply *x = cb_redis_commandf(cb_store_redis(ob->o.store),
                                          "XTRIM %s MINID %llu-%llu", key, ms,
                                          seq + 1);
        if (x == NULL) {
            *redis_lost = 1;
            break;
        }
        if (x->type == REDIS_REPLY_ERROR)
            cb_warn("cannot trim the outbox of partition %d: %s", p, x->str);
        else
            snprintf(b->trimmed, sizeof(b->trimmed), "%s", b->sent);
        freeReplyObject(x);
    }
    return 0;
}

int cb_outbox_dead_letter(cb_outbox *ob, const cb_deadletter *dl)
{
    char err[256];

    if (cb_codec_encode(ob->codec, CB_KIND_DEADLETTER, dl, &ob->buf, err,
                        sizeof(err)) != 0 ||
        rd_kafka_producev(ob->producer,
                          RD_KAFKA_V_TOPIC(cb_topic_name(CB_KIND_DEADLETTER)),
                          RD_KAFKA_V_KEY(dl->feed, strlen(dl->feed)),
                          RD_KAFKA_V_VALUE(ob->buf.data, ob->buf.len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return 0;
}
