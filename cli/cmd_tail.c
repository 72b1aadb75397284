/* cmd_tail.c -- `canbao tail`: reads canbao topics and prints each record
 * decoded, one JSON line per message, for operators and the demo.
 *
 * It reads every partition directly (assign, no consumer group), so it
 * never moves a group's offsets and can run beside the matcher. */
#include <librdkafka/rdkafka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_codec.h"
#include "cb_commands.h"
#include "cb_ident.h"
#include "cb_mask.h"
#include "cb_kafka.h"
#include "cb_log.h"
#include "cb_record_json.h"

static const struct option tail_opts[] = {
    {"offset", required_argument, NULL, 'o'},
    {"count", required_argument, NULL, 'n'},
    {"until-idle", required_argument, NULL, 'i'},
    {"exit-at-end", no_argument, NULL, 'e'},
    {"unmasked", no_argument, NULL, 'U'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_tail = {
    .name = "tail",
    .synopsis = "[TOPIC...]",
    .summary = "Prints the records of canbao topics, decoded.",
    .description =
        "One JSON line per message.  It reads every partition "
        "directly, outside any\nconsumer group.  TOPIC is a topic "
        "name or a kind (business, household, death,\n"
        "enrollment, assistance, lead, alert, deadletter); default: all.",
    .options_help =
        "  -o, --offset beginning|end    where to start (default beginning)\n"
        "  -n, --count N                 stop after N messages\n"
        "  -i, --until-idle SECONDS      stop once nothing arrived for that "
        "long\n"
        "  -e, --exit-at-end             stop at the end of every partition\n"
        "      --unmasked                whole ID numbers (for those "
        "entitled)\n",
    .shortopts = "o:n:i:e",
    .longopts = tail_opts,
    .min_args = 0,
    .max_args = -1,
};

typedef struct tail_args {
    int64_t start; /* RD_KAFKA_OFFSET_BEGINNING or _END */
    long count;    /* 0: no limit */
    long idle_s;   /* 0: no limit */
    int exit_at_end;
    int unmasked;
} tail_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    tail_args *a = opaque;

    switch (opt) {
    case 'o':
        if (strcmp(arg, "beginning") == 0)
            a->start = RD_KAFKA_OFFSET_BEGINNING;
        else if (strcmp(arg, "end") == 0)
            a->start = RD_KAFKA_OFFSET_END;
        else {
            snprintf(errstr, errstr_size,
                     "--offset is beginning or end, not '%s'", arg);
            return -1;
        }
        return 0;
    case 'n':
        return cb_cli_parse_int(arg, "--count", 1, 1L << 40, &a->count, errstr,
                                errstr_size);
    case 'i':
        return cb_cli_parse_int(arg, "--until-idle", 1, 86400, &a->idle_s,
                                errstr, errstr_size);
    case 'e':
        a->exit_at_end = 1;
        return 0;
    case 'U':
        a->unmasked = 1;
        return 0;
    }
    return -1;
}

/* Prints one message as a JSON line. */
static void print_message(cb_codec *codec, const rd_kafka_message_t *m,
                          int unmasked)
{
    json_t *out = json_object();
    char key[CB_MASK_BUFSZ], err[512];
    cb_record rec;

    json_object_set_new(out, "topic", json_string(rd_kafka_topic_name(m->rkt)));
    json_object_set_new(out, "partition", json_integer(m->partition));
    json_object_set_new(out, "offset", json_integer(m->offset));
    if (m->key != NULL) {
        char raw[CB_MASK_BUFSZ];
        size_t n = m->key_len < sizeof(raw) - 1 ? m->key_len : sizeof(raw) - 1;
        memcpy(raw, m->key, n);
        raw[n] = '\0';
        /* Keys are ID numbers (or lead and alert ids, shorter, which
         * need no mask). */
        if (unmasked || n < CB_IDENT_LEN)
            snprintf(key, sizeof(key), "%s", raw);
        else
            cb_mask_id(raw, key);
        json_object_set_new(out, "key", json_stringn(key, strlen(key)));
    }
    /* The matcher marks an alert it takes back with a header. */
    rd_kafka_headers_t *hdrs = NULL;
    const void *hv;
    size_t hlen;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(hdrs, "canbao-withdrawn", &hv, &hlen) ==
            RD_KAFKA_RESP_ERR_NO_ERROR)
        json_object_set_new(out, "withdrawn", json_true());
    if (cb_codec_decode_record(codec, m->payload, m->len, &rec, err,
                               sizeof(err)) == 0) {
        json_object_set_new(out, "kind",
                            json_string(cb_kind_info_get(rec.kind)->name));
        json_object_set_new(
            out, "record",
            cb_record_to_json(rec.kind, &rec.u, unmasked ? 0 : CB_JSON_MASK));
    } else {
        json_object_set_new(out, "error", json_string(err));
    }
    char *text = json_dumps(out, JSON_COMPACT);
    if (text != NULL) {
        puts(text);
        free(text);
    }
    json_decref(out);
}

int cb_cmd_tail(int argc, char **argv)
{
    tail_args a = {RD_KAFKA_OFFSET_BEGINNING, 0, 0, 0, 0};
    cb_cli cli;
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    cb_codec *codec = NULL;
    char err[512];
    cb_kind kinds[CB_KIND_COUNT];
    int rc, nparts = 0, eofs = 0, nkinds = 0;
    long seen = 0;
    int64_t last = cb_clock_ms();

    rc = cb_cli_parse(&cli, &cb_spec_tail, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;

    /* Check the topics before connecting anywhere. */
    for (int i = cli.optind; i < argc; i++) {
        cb_kind kind;
        if (nkinds == CB_KIND_COUNT || cb_topic_kind(argv[i], &kind) != 0) {
            cb_cli_term(&cli);
            return cb_cli_usage_error(&cb_spec_tail,
                                      "'%s' is not a canbao topic (or "
                                      "named twice)",
                                      argv[i]);
        }
        kinds[nkinds++] = kind;
    }

    cb_cli_catch_stop_signals();

    codec = cb_codec_new(err, sizeof(err));
    if (codec == NULL) {
        rc = cb_cli_fail(&cb_spec_tail, "%s", err);
        goto out;
    }
    conf = cb_kafka_conf_new(&cli.cfg, CB_KAFKA_CONSUMER, err, sizeof(err));
    if (conf == NULL ||
        rd_kafka_conf_set(conf, "enable.partition.eof",
                          a.exit_at_end ? "true" : "false", err,
                          sizeof(err)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
                          sizeof(err)) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", "canbao-tail", err, sizeof(err)) !=
            RD_KAFKA_CONF_OK) {
        rc = cb_cli_fail(&cb_spec_tail, "%s", err);
        goto out;
    }
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (rk == NULL) {
        rc = cb_cli_fail(&cb_spec_tail, "cannot start a consumer: %s", err);
        goto out;
    }
    conf = NULL;
    rd_kafka_poll_set_consumer(rk);

    if (cli.optind == argc) /* no topic named: all of them */
        for (int k = 0; k < CB_KIND_COUNT; k++)
            kinds[nkinds++] = (cb_kind)k;
    parts = rd_kafka_topic_partition_list_new(CB_KIND_COUNT * 16);
    for (int i = 0; i < nkinds; i++) {
        int n = cb_kafka_add_partitions(rk, cb_topic_name(kinds[i]), a.start, parts, err,
                               sizeof(err));
        if (n < 0) {
            rc = cb_cli_fail(&cb_spec_tail, "%s", err);
            goto out;
        }
        nparts += n;
    }
    if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rc = cb_cli_fail(&cb_spec_tail, "cannot assign partitions");
        goto out;
    }

    rc = CB_EXIT_OK;
    while (!cb_cli_stop_requested()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m == NULL) {
            if (a.idle_s > 0 && cb_clock_ms() - last >= a.idle_s * 1000)
                break;
            continue;
        }
        last = cb_clock_ms();
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            if (++eofs >= nparts)
                break;
            continue;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            int fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
            cb_error("%s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (fatal) {
                rc = CB_EXIT_FAILURE;
                break;
            }
            continue;
        }
        print_message(codec, m, a.unmasked);
        rd_kafka_message_destroy(m);
        fflush(stdout);
        if (a.count > 0 && ++seen >= a.count)
            break;
    }
out:
    if (rk != NULL) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (conf != NULL)
        rd_kafka_conf_destroy(conf);
    if (parts != NULL)
        rd_kafka_topic_partition_list_destroy(parts);
    cb_codec_free(codec);
    cb_cli_term(&cli);
    return rc;
}
