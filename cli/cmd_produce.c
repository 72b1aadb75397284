/* cmd_produce.c -- `canbao produce FEED FILE...`: reads a government feed,
 * validates every record, and delivers the good ones to the feed's topic
 * and the bad ones, with their line and reason, to the dead-letter topic.
 *
 * Nothing is lost and nothing is counted that was not confirmed: the
 * summary's "produced" is the number of delivery reports without error,
 * and the exit status is 0 only when every record of every file was
 * delivered to its topic or dead-lettered. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_codec.h"
#include "cb_commands.h"
#include "cb_delivery.h"
#include "cb_feed.h"
#include "cb_log.h"
#include "cb_mask.h"
#include "cb_townships.h"

#define SHOWN_PER_FILE 20 /* rejections printed per file; all are counted */
#define RAW_MAX (64 * 1024) /* bytes of a bad record kept in its dead letter */
#define MAX_REASONS    64

static const struct option produce_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"encoding", required_argument, NULL, 'e'},
    {"townships", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_produce = {
    .name = "produce",
    .synopsis = "FEED FILE...",
    .summary = "Validates one feed and produces it to Kafka.",
    .description =
        "FEED is business, household, death, enrollment or assistance; FILE\n"
        "is CSV or JSON Lines (the fields of schemas/), - for standard\n"
        "input.  Good records go to canbao.FEED.v1 keyed by person ID (or\n"
        "USCC); bad ones to canbao.deadletter.v1 with file, line, field and\n"
        "reason.  Prints what was read, produced and rejected; exit 0 only\n"
        "when every record was delivered or dead-lettered.",
    .options_help =
        "  -f, --format csv|jsonl        default: by file extension\n"
        "  -e, --encoding utf-8|gb18030  of CSV files (default utf-8)\n"
        "  -t, --townships FILE          refuse township codes not in this\n"
        "                                table (config: townships=FILE)\n",
    .shortopts = "f:e:t:",
    .longopts = produce_opts,
    .min_args = 2,
    .max_args = -1,
};

typedef struct produce_args {
    int have_format;
    cb_format format;
    cb_encoding encoding;
    const char *townships;
} produce_args;

/* Counts per rejection reason (the reasons are static strings). */
typedef struct reason_count {
    const char *reason;
    uint64_t count;
} reason_count;

typedef struct produce_run {
    const cb_cli_spec *spec;
    cb_kind kind;
    cb_codec *codec;
    cb_delivery *delivery;
    cb_buf buf;
    cb_buf suspect; /* a suspect's record, inside its dead letter */
    uint64_t read, rejected, file_errors;
    reason_count reasons[MAX_REASONS];
    int nreasons;
    int progress; /* stderr is a terminal */
    int64_t started_ms, shown_ms;
} produce_run;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    produce_args *a = opaque;

    switch (opt) {
    case 'f':
        if (cb_format_parse(arg, &a->format) != 0) {
            snprintf(errstr, errstr_size,
                     "--format is csv or jsonl, not '%s'", arg);
            return -1;
        }
        a->have_format = 1;
        return 0;
    case 'e':
        if (cb_encoding_parse(arg, &a->encoding) != 0) {
            snprintf(errstr, errstr_size,
                     "--encoding is utf-8 or gb18030, not '%s'", arg);
            return -1;
        }
        return 0;
    case 't':
        a->townships = arg;
        return 0;
    }
    return -1;
}

static void count_reason(produce_run *run, const char *reason)
{
    for (int i = 0; i < run->nreasons; i++) {
        if (strcmp(run->reasons[i].reason, reason) == 0) {
            run->reasons[i].count++;
            return;
        }
    }
    if (run->nreasons < MAX_REASONS) {
        run->reasons[run->nreasons].reason = reason;
        run->reasons[run->nreasons++].count = 1;
    }
}

/* Sends one rejected record to the dead-letter topic. */
static int dead_letter(produce_run *run, const char *file,
                       const cb_feed_item *item, char *errstr,
                       size_t errstr_size)
{
    char detail[sizeof(item->err.detail) + 64];
    cb_deadletter dl;

    cb_record_clear(CB_KIND_DEADLETTER, &dl);
    snprintf(dl.feed, sizeof(dl.feed), "%s", cb_kind_info_get(run->kind)->name);
    snprintf(dl.file, sizeof(dl.file), "%s", file);
    dl.line = item->line;
    if (item->err.field != NULL)
        snprintf(dl.field, sizeof(dl.field), "%s", item->err.field);
    snprintf(dl.reason, sizeof(dl.reason), "%s", item->err.reason);
    dl.detail.ptr = item->err.detail;
    dl.detail.len = strlen(item->err.detail);
    dl.raw.ptr = item->raw;
    dl.raw.len = item->raw_len;
    if (dl.raw.len > RAW_MAX) {
        /* A dead letter must fit a Kafka message: keep the start. */
        snprintf(detail, sizeof(detail), "%s (raw: the first %d of %zu "
                 "bytes)", item->err.detail, RAW_MAX, item->raw_len);
        dl.detail.ptr = detail;
        dl.detail.len = strlen(detail);
        dl.raw.len = RAW_MAX;
    }
    dl.rejected_at = cb_time_now();
    /* a suspect (docs/RULES.md 9.3) carries its record, as its feed topic
     * would, for the matcher to find its candidate */
    if (item->suspect) {
        if (cb_codec_encode(run->codec, run->kind, &item->rec.u,
                            &run->suspect, errstr, errstr_size) != 0)
            return -1;
        dl.record.ptr = (const char *)run->suspect.data;
        dl.record.len = run->suspect.len;
    }
    if (cb_codec_encode(run->codec, CB_KIND_DEADLETTER, &dl, &run->buf,
                        errstr, errstr_size) != 0)
        return -1;
    return cb_delivery_send(run->delivery, CB_KIND_DEADLETTER, dl.feed,
                            strlen(dl.feed), run->buf.data, run->buf.len,
                            CB_DELIVERY_DEAD_LETTER, errstr, errstr_size);
}

/* The progress line, at most twice a second, on a terminal only. */
static void show_progress(produce_run *run, const cb_feed *feed,
                          const char *file, int final)
{
    int64_t now = cb_clock_ms();
    double secs;
    int64_t size;

    if (!run->progress || (!final && now - run->shown_ms < 500))
        return;
    run->shown_ms = now;
    secs = (double)(now - run->started_ms) / 1000.0;
    size = cb_feed_size(feed);
    if (size > 0)
        fprintf(stderr, "\r%s: %" PRIu64 " records, %.0f%% of %.1f MB, "
                "%.0f records/s   ", file, run->read,
                100.0 * (double)cb_feed_offset(feed) / (double)size,
                (double)size / 1e6, secs > 0 ? (double)run->read / secs : 0);
    else
        fprintf(stderr, "\r%s: %" PRIu64 " records, %.0f records/s   ",
                file, run->read, secs > 0 ? (double)run->read / secs : 0);
    if (final)
        fputc('\n', stderr);
}

/* Reads one file to its end.  Returns 0, or -1 when the file could not be
 * read (counted in file_errors) or the producer failed for good. */
static int produce_file(produce_run *run, const char *file,
                        const cb_feed_opts *opts)
{
    char err[512];
    cb_feed_item item;
    cb_feed *feed;
    uint64_t shown = 0;
    int r;

    feed = cb_feed_open(file, opts, err, sizeof(err));
    if (feed == NULL) {
        cb_error("%s: %s; nothing was produced from it", file, err);
        run->file_errors++;
        return 0; /* the other files go on */
    }
    while ((r = cb_feed_next(feed, &item, err, sizeof(err))) == 1) {
        run->read++;
        if (item.ok) {
            char keybuf[CB_ID_SIZE];
            const char *key = cb_record_key(run->kind, &item.rec.u, keybuf);
            if (cb_codec_encode(run->codec, run->kind, &item.rec.u,
                                &run->buf, err, sizeof(err)) != 0 ||
                cb_delivery_send(run->delivery, run->kind, key, strlen(key),
                                 run->buf.data, run->buf.len,
                                 CB_DELIVERY_RECORD, err,
                                 sizeof(err)) != 0)
                goto fatal;
        } else {
            run->rejected++;
            count_reason(run, item.err.reason);
            if (shown++ < SHOWN_PER_FILE) {
                char detail[sizeof(item.err.detail)];
                memcpy(detail, item.err.detail, sizeof(detail));
                cb_mask_ids_in_text(detail, strlen(detail));
                if (run->progress)
                    fputc('\n', stderr);
                cb_warn("%s:%" PRId64 ": %s%s%s: %s", file, item.line,
                        item.err.field ? item.err.field : "",
                        item.err.field ? ": " : "", item.err.reason, detail);
            }
            if (dead_letter(run, file, &item, err, sizeof(err)) != 0)
                goto fatal;
        }
        if ((run->read & 1023) == 0) {
            cb_delivery_poll(run->delivery);
            show_progress(run, feed, file, 0);
            if (cb_cli_stop_requested()) {
                cb_warn("%s: interrupted at line %" PRId64, file, item.line);
                break;
            }
        }
    }
    show_progress(run, feed, file, 1);
    if (shown > SHOWN_PER_FILE)
        cb_warn("%s: %" PRIu64 " more rejected records are in the "
                "dead-letter topic", file, shown - SHOWN_PER_FILE);
    if (r < 0) {
        cb_error("%s: %s; the rest of the file was not read", file, err);
        run->file_errors++;
    }
    cb_feed_free(feed);
    return 0;
fatal:
    cb_error("%s:%" PRId64 ": %s; stopping", file, item.line, err);
    cb_feed_free(feed);
    return -1;
}

/* One line for people: what was read, delivered, refused, lost. */
static void print_summary(const produce_run *run)
{
    const cb_delivery_stats *st = cb_delivery_stats_get(run->delivery);
    uint64_t lost = st->failed[0] + st->failed[1] +
                    (st->queued[0] + st->queued[1] -
                     (st->delivered[0] + st->delivered[1] + st->failed[0] +
                      st->failed[1]));

    printf("%s: read %" PRIu64 ", produced %" PRIu64 ", rejected %" PRIu64,
           cb_kind_info_get(run->kind)->name, run->read, st->delivered[0],
           run->rejected);
    if (run->nreasons > 0) {
        printf(" (");
        for (int i = 0; i < run->nreasons; i++)
            printf("%s%s %" PRIu64, i ? ", " : "", run->reasons[i].reason,
                   run->reasons[i].count);
        printf(")");
    }
    printf(", dead-lettered %" PRIu64 ", not delivered %" PRIu64 "\n",
           st->delivered[1], lost);
    fflush(stdout);
}

int cb_cmd_produce(int argc, char **argv)
{
    produce_args a = {0, CB_FORMAT_CSV, CB_ENC_UTF8, NULL};
    produce_run run;
    cb_townships townships;
    int have_townships = 0, rc, failed_hard = 0;
    cb_feed_opts opts;
    cb_cli cli;
    char err[512];
    uint64_t lost;

    memset(&run, 0, sizeof(run));
    memset(&townships, 0, sizeof(townships));
    run.spec = &cb_spec_produce;
    rc = cb_cli_parse(&cli, &cb_spec_produce, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;

    if (cb_kind_from_name(argv[cli.optind], &run.kind) != 0 ||
        run.kind >= CB_FEED_COUNT) {
        rc = cb_cli_usage_error(&cb_spec_produce, "'%s' is not a feed "
                                "(business, household, death, enrollment, "
                                "assistance)", argv[cli.optind]);
        goto out;
    }
    for (int i = cli.optind + 1; i < argc; i++) {
        cb_format f;
        if (!a.have_format && cb_format_guess(argv[i], &f) != 0) {
            rc = cb_cli_usage_error(&cb_spec_produce, "cannot tell the "
                                    "format of '%s' by its name: give "
                                    "--format", argv[i]);
            goto out;
        }
    }

    memset(&opts, 0, sizeof(opts));
    opts.kind = run.kind;
    opts.encoding = a.encoding;
    opts.validate.skew_ms = CB_VALIDATE_SKEW_MS;
    if (cb_config_now(&cli.cfg, &opts.validate.now_ms, err, sizeof(err)) !=
        0) {
        rc = cb_cli_usage_error(&cb_spec_produce, "%s", err);
        goto out;
    }
    if (a.townships == NULL)
        a.townships = cb_config_get(&cli.cfg, "townships");
    if (a.townships != NULL) {
        if (cb_townships_load(&townships, a.townships, err, sizeof(err)) !=
            0) {
            rc = cb_cli_fail(&cb_spec_produce, "%s", err);
            goto out;
        }
        have_townships = 1;
        opts.validate.townships = &townships;
    }

    run.codec = cb_codec_new(err, sizeof(err));
    if (run.codec == NULL) {
        rc = cb_cli_fail(&cb_spec_produce, "%s", err);
        goto out;
    }
    run.delivery = cb_delivery_new(&cli.cfg, err, sizeof(err));
    if (run.delivery == NULL) {
        rc = cb_cli_fail(&cb_spec_produce, "%s", err);
        goto out;
    }
    cb_cli_catch_stop_signals();
    run.progress = isatty(STDERR_FILENO);
    run.started_ms = cb_clock_ms();

    for (int i = cli.optind + 1; i < argc && !failed_hard; i++) {
        opts.format = a.format;
        if (!a.have_format)
            cb_format_guess(argv[i], &opts.format);
        if (produce_file(&run, argv[i], &opts) != 0)
            failed_hard = 1;
        if (cb_cli_stop_requested())
            break;
    }

    /* Wait for every delivery report; the bound is the messages' own
     * timeout, plus a margin for the reports to arrive. */
    lost = cb_delivery_flush(run.delivery,
                             cb_delivery_timeout_ms(run.delivery) + 10000);
    print_summary(&run);
    rc = CB_EXIT_OK;
    if (lost > 0) {
        cb_error("%" PRIu64 " record(s) were not delivered (first error: "
                 "%s)", lost, cb_delivery_stats_get(run.delivery)->first_error);
        rc = CB_EXIT_FAILURE;
    }
    if (run.file_errors > 0 || failed_hard || cb_cli_stop_requested())
        rc = CB_EXIT_FAILURE;
out:
    cb_delivery_free(run.delivery);
    cb_codec_free(run.codec);
    cb_buf_free(&run.buf);
    cb_buf_free(&run.suspect);
    if (have_townships)
        cb_townships_term(&townships);
    cb_cli_term(&cli);
    return rc;
}
