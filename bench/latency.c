/* latency.c -- benchmark: event-to-lead latency through a running matcher.
 *
 *   latency BROKERS RATE SECONDS [LINGER_MS]
 *
 * Produces household `resident` rows at a steady RATE per second for
 * SECONDS, each a new 30-year-old with no pension (so each opens a
 * working_age_uninsured lead), and reads canbao.lead.v1: the latency of an
 * event is from its produce call to the arrival of the lead whose
 * source_event_id names it.  Prints count, p50, p90, p99, p99.9 and max,
 * then the same split in two stages at the lead message's Kafka timestamp
 * (set when the matcher's publisher hands it to its producer): the event
 * to the lead's produce call (broker, fetch, batching, the step, the
 * outbox read), and that call to the lead's arrival here (the publisher's
 * linger, the broker, this reader's fetch).  A figure, not a test. */
#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "cb_codec.h"
#include "cb_ident.h"
#include "cb_kafka.h"

static void die(const char *what, const char *err)
{
    fprintf(stderr, "latency: %s: %s\n", what, err);
    exit(1);
}

int main(int argc, char **argv)
{
    char err[512];
    rd_kafka_conf_t *pc, *cc;
    rd_kafka_t *prod, *cons;
    cb_codec *codec;
    cb_buf buf = {0};
    long rate, seconds, total;
    int64_t *sent, *sent_wall, *lat, *to_pub, *to_read, start, next;
    long nlat = 0;

    const char *linger = argc == 5 ? argv[4] : "5";

    if (argc != 4 && argc != 5)
        die("usage", "latency BROKERS RATE SECONDS [LINGER_MS]");
    rate = atol(argv[2]);
    seconds = atol(argv[3]);
    total = rate * seconds;
    if (rate < 1 || seconds < 1 || total > 100000)
        die("usage", "RATE x SECONDS must be 1..100000");
    sent = calloc((size_t)total, sizeof(*sent));
    sent_wall = calloc((size_t)total, sizeof(*sent_wall));
    lat = calloc((size_t)total, sizeof(*lat));
    to_pub = calloc((size_t)total, sizeof(*to_pub));
    to_read = calloc((size_t)total, sizeof(*to_read));
    codec = cb_codec_new(err, sizeof(err));
    if (codec == NULL || sent == NULL || sent_wall == NULL || lat == NULL ||
        to_pub == NULL || to_read == NULL)
        die("setup", "out of memory or codec");

    pc = rd_kafka_conf_new();
    cc = rd_kafka_conf_new();
    if (rd_kafka_conf_set(pc, "bootstrap.servers", argv[1], err,
                          sizeof(err)) ||
        rd_kafka_conf_set(pc, "partitioner", "murmur2_random", err,
                          sizeof(err)) ||
        /* the feed's producer batches up to LINGER_MS (default 5): a
         * stage of the latency, and fewer, fuller message sets for the
         * broker */
        rd_kafka_conf_set(pc, "linger.ms", linger, err, sizeof(err)) ||
        rd_kafka_conf_set(pc, "compression.codec", "lz4", err, sizeof(err)) ||
        rd_kafka_conf_set(cc, "bootstrap.servers", argv[1], err,
                          sizeof(err)) ||
        rd_kafka_conf_set(cc, "group.id", "canbao-latency", err,
                          sizeof(err)) ||
        rd_kafka_conf_set(cc, "fetch.wait.max.ms", "5", err, sizeof(err)))
        die("config", err);
    prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
    cons = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof(err));
    if (prod == NULL || cons == NULL)
        die("kafka", err);
    rd_kafka_poll_set_consumer(cons);

    /* Read the lead topic from its end, every partition. */
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *lt = rd_kafka_topic_new(cons,
                                              cb_topic_name(CB_KIND_LEAD),
                                              NULL);
    if (rd_kafka_metadata(cons, 0, lt, &md, 10000) != 0 ||
        md->topic_cnt != 1)
        die("metadata", "no lead topic");
    rd_kafka_topic_partition_list_t *parts =
        rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, cb_topic_name(CB_KIND_LEAD),
                                          i)
            ->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(cons, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(lt);
    /* The producer learns the feed topic's partitions and connects to
     * their leader before the clock starts: librdkafka before 2.10.1
     * holds the first message of a topic it has not seen until its
     * 1-second timer asks for the metadata (its issue #5032), and a live
     * feed's producer has long been past that. */
    rd_kafka_topic_t *ht = rd_kafka_topic_new(
        prod, cb_topic_name(CB_KIND_HOUSEHOLD), NULL);
    if (ht == NULL || rd_kafka_metadata(prod, 0, ht, &md, 10000) != 0)
        die("metadata", "no household topic");
    rd_kafka_metadata_destroy(md);
    /* let the assignment settle before timing anything */
    for (int i = 0; i < 20; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 100);
        if (m)
            rd_kafka_message_destroy(m);
    }

    srand((unsigned)time(NULL));
    int run = rand() % 900 + 100; /* distinct people per run */
    start = next = bench_mono_us();
    long produced = 0;
    while (produced < total || nlat < produced) {
        int64_t now = bench_mono_us();
        while (produced < total && now >= next) {
            cb_household h;
            char body[32];
            cb_record_clear(CB_KIND_HOUSEHOLD, &h);
            /* a region from the run and the count, born 1995-01-01: new
             * people every run (up to 100,000 a run) */
            snprintf(body, sizeof(body), "3%03d%02d19950101%03d", run,
                     (int)((produced / 1000) % 100), (int)(produced % 1000));
            memcpy(h.person_id, body, 17);
            h.person_id[17] = cb_ident_person_check_char(body);
            snprintf(h.event_id, sizeof(h.event_id), "lat-%d-%ld", run,
                     produced);
            /* a name of their own: people who share a register name share
             * its name group (docs/MATCHER.md), and a county's largest
             * group is a few hundred people, not the whole run */
            snprintf(h.name, sizeof(h.name), "L%d-%ld", run, produced);
            h.sex = cb_ident_person_is_male(h.person_id) ? CB_SEX_M : CB_SEX_F;
            h.birth_date = cb_date_from_ymd(1995, 1, 1);
            h.action = CB_HH_RESIDENT;
            snprintf(h.township_code, sizeof(h.township_code), "320923001");
            h.occurred_at = cb_time_now() - 86400000;
            if (cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err,
                                sizeof(err)) != 0)
                die("encode", err);
            sent[produced] = bench_mono_us();
            sent_wall[produced] = bench_wall_us();
            if (rd_kafka_producev(
                    prod,
                    RD_KAFKA_V_TOPIC(cb_topic_name(CB_KIND_HOUSEHOLD)),
                    RD_KAFKA_V_KEY(h.person_id, 18),
                    RD_KAFKA_V_VALUE(buf.data, buf.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_END) != 0)
                die("produce", rd_kafka_err2str(rd_kafka_last_error()));
            produced++;
            next = start + produced * 1000000 / rate;
        }
        rd_kafka_poll(prod, 0);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 1);
        if (m != NULL) {
            cb_record rec;
            if (m->err == 0 &&
                cb_codec_decode_record(codec, m->payload, m->len, &rec, err,
                                       sizeof(err)) == 0 &&
                rec.kind == CB_KIND_LEAD) {
                int r2;
                long idx;
                if (sscanf(rec.u.lead.source_event_id, "lat-%d-%ld", &r2,
                           &idx) == 2 &&
                    r2 == run && idx >= 0 && idx < total && sent[idx] > 0) {
                    rd_kafka_timestamp_type_t tt;
                    int64_t pub_us = rd_kafka_message_timestamp(m, &tt) * 1000;
                    int64_t now_wall = bench_wall_us();
                    to_pub[nlat] = pub_us - sent_wall[idx];
                    to_read[nlat] = now_wall - pub_us;
                    lat[nlat++] = bench_mono_us() - sent[idx];
                    sent[idx] = 0;
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (bench_mono_us() - start > (seconds + 60) * 1000000LL)
            break; /* leads that never came are counted as missing */
    }
    qsort(lat, (size_t)nlat, sizeof(*lat), bench_cmp64);
    if (nlat == 0)
        die("result", "no lead arrived: is the matcher running?");
    printf("latency: %ld events at %ld/s for %ld s; %ld leads arrived; "
           "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, "
           "max %.1f ms\n",
           produced, rate, seconds, nlat, lat[nlat / 2] / 1000.0,
           lat[nlat * 9 / 10] / 1000.0, lat[nlat * 99 / 100] / 1000.0,
           lat[nlat * 999 / 1000] / 1000.0, lat[nlat - 1] / 1000.0);
    qsort(to_pub, (size_t)nlat, sizeof(*to_pub), bench_cmp64);
    qsort(to_read, (size_t)nlat, sizeof(*to_read), bench_cmp64);
    printf("latency: event to the lead's produce call p50 %.1f ms, p99 %.1f "
           "ms, max %.1f ms; that call to the lead read here p50 %.1f ms, "
           "p99 %.1f ms, max %.1f ms (1 ms clock)\n",
           to_pub[nlat / 2] / 1000.0, to_pub[nlat * 99 / 100] / 1000.0,
           to_pub[nlat - 1] / 1000.0, to_read[nlat / 2] / 1000.0,
           to_read[nlat * 99 / 100] / 1000.0, to_read[nlat - 1] / 1000.0);
    rd_kafka_flush(prod, 5000);
    rd_kafka_topic_destroy(ht);
    rd_kafka_consumer_close(cons);
    rd_kafka_destroy(cons);
    rd_kafka_destroy(prod);
    cb_codec_free(codec);
    cb_buf_free(&buf);
    free(sent);
    free(sent_wall);
    free(lat);
    free(to_pub);
    free(to_read);
    return nlat == produced ? 0 : 1;
}
