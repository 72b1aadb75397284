/* cmd_load.c -- `canbao load FILE...`: seeds Redis from the insurance
 * agency's snapshot (enrollment-feed rows), through the matcher's own step
 * so that the state is encoded in one place, in large pipelined batches. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_commands.h"
#include "cb_csv.h"
#include "cb_feed.h"
#include "cb_log.h"
#include "cb_mask.h"
#include "cb_idkey.h"
#include "cb_store.h"

#define STEP_OPS    1000  /* ops of one partition in one step */
#define FLUSH_OPS   32000 /* ops pending over all partitions */
#define SHOWN_PER_FILE 20

static const struct option load_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"encoding", required_argument, NULL, 'e'},
    {"rejects", required_argument, NULL, 'j'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_load = {
    .name = "load",
    .synopsis = "FILE...",
    .summary = "Bulk-loads an enrollment snapshot into Redis.",
    .description =
        "FILE holds enrollment-feed rows (schemas/), CSV or JSON Lines,\n"
        "as the insurance agency extracts them: enrollments, stops, and the\n"
        "recent benefits and contributions.  Each row is validated as the\n"
        "producer validates it and applied with the matcher's own step;\n"
        "enrollments from a snapshot do not count as progress.  Refused\n"
        "rows are named on stderr (the first 20 of a file) and, with\n"
        "--rejects, all written to a CSV file with their reasons.",
    .options_help =
        "  -f, --format csv|jsonl        default: by file extension\n"
        "  -e, --encoding utf-8|gb18030  of CSV files (default utf-8)\n"
        "  -j, --rejects FILE            write every refused row there\n",
    .shortopts = "f:e:j:",
    .longopts = load_opts,
    .min_args = 1,
    .max_args = -1,
};

typedef struct load_args {
    int have_format;
    cb_format format;
    cb_encoding encoding;
    const char *rejects;
} load_args;

typedef struct loader {
    cb_store *store;
    cb_buf **ops; /* per partition */
    size_t *nops, *cap;
    size_t pending;
    uint64_t read, loaded, rejected, steps;
    uint64_t applied; /* confirmed by Redis */
    int32_t today;
    int64_t now;
    FILE *rejects;
} loader;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    load_args *a = opaque;

    switch (opt) {
    case 'f':
        if (cb_format_parse(arg, &a->format) != 0) {
            snprintf(errstr, errstr_size, "--format is csv or jsonl");
            return -1;
        }
        a->have_format = 1;
        return 0;
    case 'e':
        if (cb_encoding_parse(arg, &a->encoding) != 0) {
            snprintf(errstr, errstr_size, "--encoding is utf-8 or gb18030");
            return -1;
        }
        return 0;
    case 'j':
        a->rejects = arg;
        return 0;
    }
    return -1;
}

/* Applies every pending op: rounds of one step per partition with ops,
 * pipelined. */
static int flush(loader *ld, char *errstr, size_t errstr_size)
{
    int np = cb_store_partitions(ld->store);
    cb_store_batch *batches = malloc((size_t)np * sizeof(*batches));
    cb_store_result *res = calloc((size_t)np, sizeof(*res));
    int rc = -1;

    if (batches == NULL || res == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    for (size_t off = 0; ld->pending > 0; off += STEP_OPS) {
        size_t n = 0;
        for (int p = 0; p < np; p++) {
            if (off >= ld->nops[p])
                continue;
            size_t k = ld->nops[p] - off < STEP_OPS ? ld->nops[p] - off
                                                    : STEP_OPS;
            batches[n++] = (cb_store_batch){p, ld->ops[p] + off, k, NULL,
                                            NULL, 0};
            ld->pending -= k;
        }
        if (cb_store_apply(ld->store, ld->today, ld->now, batches, n, res,
                           errstr, errstr_size) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            ld->steps++;
            ld->applied += (uint64_t)res[i].applied;
        }
    }
    for (int p = 0; p < np; p++)
        ld->nops[p] = 0;
    rc = 0;
out:
    free(batches);
    free(res);
    return rc;
}

static int add_op(loader *ld, int p, const cb_buf *op)
{
    if (ld->nops[p] == ld->cap[p]) {
        size_t cap = ld->cap[p] ? ld->cap[p] * 2 : 256;
        cb_buf *n = realloc(ld->ops[p], cap * sizeof(*n));
        if (n == NULL)
            return -1;
        memset(n + ld->cap[p], 0, (cap - ld->cap[p]) * sizeof(*n));
        ld->ops[p] = n;
        ld->cap[p] = cap;
    }
    cb_buf *dst = &ld->ops[p][ld->nops[p]];
    if (dst->cap < op->len) {
        char *d = realloc(dst->data, op->len);
        if (d == NULL)
            return -1;
        dst->data = d;
        dst->cap = op->len;
    }
    memcpy(dst->data, op->data, op->len);
    dst->len = op->len;
    ld->nops[p]++;
    ld->pending++;
    return 0;
}

/* A refused row into the rejects file: file, line, field, reason, raw. */
static void write_reject(FILE *fp, const char *file, const cb_feed_item *it)
{
    const char *field = it->err.field ? it->err.field : "";

    cb_csv_put_field(fp, file, strlen(file));
    fprintf(fp, ",%" PRId64 ",", it->line);
    cb_csv_put_field(fp, field, strlen(field));
    fputc(',', fp);
    cb_csv_put_field(fp, it->err.reason, strlen(it->err.reason));
    fputc(',', fp);
    cb_csv_put_field(fp, it->raw, it->raw_len);
    fputc('\n', fp);
}

static int load_file(loader *ld, const char *file, const cb_feed_opts *o,
                     int progress, int64_t started)
{
    char err[512];
    cb_feed *feed = cb_feed_open(file, o, err, sizeof(err));
    cb_feed_item item;
    cb_buf op = {0};
    uint64_t shown = 0;
    int64_t last_shown = 0;
    int r;

    if (feed == NULL) {
        cb_error("%s: %s; nothing was loaded from it", file, err);
        return -1;
    }
    while ((r = cb_feed_next(feed, &item, err, sizeof(err))) == 1) {
        cb_subject s;
        ld->read++;
        if (item.ok) {
            int rc = cb_ops_from_record(CB_KIND_ENROLLMENT, &item.rec.u,
                                        CB_KIND_ENROLLMENT, -1, 1,
                                        cb_store_buckets(ld->store), &op, &s,
                                        err, sizeof(err));
            if (rc < 0) {
                item.ok = 0;
                item.err.reason = "unappliable";
                item.err.field = NULL;
                snprintf(item.err.detail, sizeof(item.err.detail), "%.150s",
                         err);
            } else if (rc == 0) {
                if (add_op(ld, cb_store_partition_of(ld->store, &s), &op) !=
                    0) {
                    cb_error("out of memory");
                    goto fail;
                }
                ld->loaded++;
            }
        }
        if (!item.ok) {
            ld->rejected++;
            if (shown++ < SHOWN_PER_FILE) {
                char d[sizeof(item.err.detail)];
                memcpy(d, item.err.detail, sizeof(d));
                cb_mask_ids_in_text(d, strlen(d));
                cb_warn("%s:%" PRId64 ": %s%s%s: %s", file, item.line,
                        item.err.field ? item.err.field : "",
                        item.err.field ? ": " : "", item.err.reason, d);
            }
            if (ld->rejects != NULL)
                write_reject(ld->rejects, file, &item);
        }
        if (ld->pending >= FLUSH_OPS) {
            if (flush(ld, err, sizeof(err)) != 0) {
                cb_error("Redis: %s", err);
                goto fail;
            }
            if (progress && cb_clock_ms() - last_shown >= 500) {
                double secs = (double)(cb_clock_ms() - started) / 1000.0;
                last_shown = cb_clock_ms();
                fprintf(stderr, "\rload: %" PRIu64 " rows, %.0f%% of %s, "
                        "%.0f rows/s   ", ld->read,
                        cb_feed_size(feed) > 0
                            ? 100.0 * (double)cb_feed_offset(feed) /
                                  (double)cb_feed_size(feed)
                            : 0.0,
                        file, secs > 0 ? (double)ld->read / secs : 0);
            }
        }
    }
    if (r < 0) {
        cb_error("%s: %s; the rest of the file was not read", file, err);
        goto fail;
    }
    if (shown > SHOWN_PER_FILE)
        cb_warn("%s: %" PRIu64 " more refused rows%s", file,
                shown - SHOWN_PER_FILE,
                ld->rejects ? " are in the rejects file" : "");
    cb_buf_free(&op);
    cb_feed_free(feed);
    return 0;
fail:
    cb_buf_free(&op);
    cb_feed_free(feed);
    return -1;
}

int cb_cmd_load(int argc, char **argv)
{
    load_args a = {0, CB_FORMAT_CSV, CB_ENC_UTF8, NULL};
    loader ld;
    cb_feed_opts o;
    cb_cli cli;
    cb_idkey *ids = NULL;
    char err[512];
    int rc, np, failed = 0, progress = isatty(STDERR_FILENO);
    int64_t started = cb_clock_ms();

    memset(&ld, 0, sizeof(ld));
    rc = cb_cli_parse(&cli, &cb_spec_load, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    for (int i = cli.optind; i < argc; i++) {
        cb_format f;
        if (!a.have_format && cb_format_guess(argv[i], &f) != 0) {
            rc = cb_cli_usage_error(&cb_spec_load, "cannot tell the format "
                                    "of '%s' by its name: give --format",
                                    argv[i]);
            goto out;
        }
    }
    memset(&o, 0, sizeof(o));
    o.kind = CB_KIND_ENROLLMENT;
    o.encoding = a.encoding;
    o.validate.skew_ms = CB_VALIDATE_SKEW_MS;
    if (cb_config_now(&cli.cfg, &ld.now, err, sizeof(err)) != 0) {
        rc = cb_cli_usage_error(&cb_spec_load, "%s", err);
        goto out;
    }
    o.validate.now_ms = ld.now;
    ld.today = cb_date_of_time(ld.now);
    if ((ids = cb_idkey_from_config(&cli.cfg, err, sizeof(err))) == NULL) {
        rc = cb_cli_fail(&cb_spec_load, "%s", err);
        goto out;
    }
    ld.store = cb_store_from_config(&cli.cfg, ids, err, sizeof(err));
    if (ld.store == NULL) {
        rc = cb_cli_fail(&cb_spec_load, "%s", err);
        goto out;
    }
    np = cb_store_partitions(ld.store);
    ld.ops = calloc((size_t)np, sizeof(*ld.ops));
    ld.nops = calloc((size_t)np, sizeof(*ld.nops));
    ld.cap = calloc((size_t)np, sizeof(*ld.cap));
    if (a.rejects != NULL) {
        ld.rejects = fopen(a.rejects, "w");
        if (ld.rejects == NULL) {
            rc = cb_cli_fail(&cb_spec_load, "cannot write %s", a.rejects);
            goto out;
        }
        fprintf(ld.rejects, "file,line,field,reason,raw\n");
    }
    for (int i = cli.optind; i < argc && !failed; i++) {
        o.format = a.format;
        if (!a.have_format)
            cb_format_guess(argv[i], &o.format);
        if (load_file(&ld, argv[i], &o, progress, started) != 0)
            failed = 1;
    }
    if (!failed && flush(&ld, err, sizeof(err)) != 0) {
        cb_error("Redis: %s", err);
        failed = 1;
    }
    if (progress)
        fputc('\n', stderr);
    /* "loaded" counts what Redis confirmed, not what was read */
    printf("load: read %" PRIu64 ", loaded %" PRIu64 ", rejected %" PRIu64
           " in %.1f s\n", ld.read, ld.applied, ld.rejected,
           (double)(cb_clock_ms() - started) / 1000.0);
    rc = failed ? CB_EXIT_FAILURE : CB_EXIT_OK;
out:
    if (ld.rejects != NULL)
        fclose(ld.rejects);
    for (int p = 0; ld.ops && p < cb_store_partitions(ld.store); p++) {
        for (size_t i = 0; i < ld.cap[p]; i++)
            cb_buf_free(&ld.ops[p][i]);
        free(ld.ops[p]);
    }
    free(ld.ops);
    free(ld.nops);
    free(ld.cap);
    cb_store_free(ld.store);
    cb_idkey_free(ids);
    cb_cli_term(&cli);
    return rc;
}
