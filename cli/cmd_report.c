/* cmd_report.c -- `canbao report`: each township's progress against its
 * target for a year, as the figures stood on a day (--as-of), with the
 * leads still open that day, by reason, and the review items open that
 * day, by kind. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_output.h"
#include "cb_report.h"
#include "cb_store.h"

#define NREASONS CB_REPORT_REASONS
#define NKINDS CB_REPORT_REVIEW_KINDS

static const struct option report_opts[] = {
    {"year", required_argument, NULL, 'y'},
    {"as-of", required_argument, NULL, 'a'},
    {"format", required_argument, NULL, 'f'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_report = {
    .name = "report",
    .synopsis = "",
    .summary = "Per-township progress against the year's targets.",
    .description =
        "Target (from canbao targets), people newly enrolled in a basic\n"
        "pension that year up to the day (docs/RULES.md, progress), the\n"
        "percent, the leads open that day, by reason, and the review items\n"
        "open that day, by kind (canbao reviews).  --as-of gives the\n"
        "figures of a past day (an assessment date such as 2025-11-20).\n"
        "CSV has the columns township_code, township, year, target,\n"
        "enrolled, percent, open_leads, then one column a review kind,\n"
        "open_ and the kind's symbol (open_name_mismatch, ...), in the\n"
        "kinds' order.",
    .options_help =
        "  -y, --year Y                  default: the year of --as-of\n"
        "  -a, --as-of YYYY-MM-DD        default: today (CANBAO_NOW)\n"
        "  -f, --format table|csv|json   default table\n",
    .shortopts = "y:a:f:",
    .longopts = report_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct report_args {
    long year;
    int32_t as_of;
    int have_as_of;
    cb_out_format format;
} report_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    report_args *a = opaque;

    switch (opt) {
    case 'y':
        return cb_cli_parse_int(arg, "--year", 1970, 9999, &a->year, errstr,
                                errstr_size);
    case 'a':
        if (cb_date_parse(arg, strlen(arg), &a->as_of) != 0) {
            snprintf(errstr, errstr_size, "--as-of is a date YYYY-MM-DD, "
                     "not '%s'", arg);
            return -1;
        }
        a->have_as_of = 1;
        return 0;
    case 'f':
        return cb_out_format_parse(arg, &a->format, errstr, errstr_size);
    }
    return -1;
}

/* The columns: the township, its figures, the open leads; in a table or
 * JSON the open leads by reason, named by the reasons' symbols; then, in
 * every format, the open review items by kind, named "open_" + the
 * kind's symbol, last (after the columns that were there before them). */
#define FIXED 7
#define MAXCOLS (FIXED + NREASONS + NKINDS)

static void print_report(const cb_report *rp, cb_out_format format)
{
    static const char *const fixed[FIXED] = {
        "township_code", "township", "year", "target", "enrolled",
        "percent", "open_leads"};
    char kind_cols[NKINDS][CB_REPORT_REVIEW_COLUMN_SIZE];
    const char *cols[MAXCOLS];
    int numeric[MAXCOLS];
    int by_reason = format != CB_OUT_CSV;
    int first_kind = FIXED + (by_reason ? NREASONS : 0);
    int ncols = first_kind + NKINDS;

    for (int i = 0; i < FIXED; i++) {
        cols[i] = fixed[i];
        numeric[i] = i >= 2 && i != 5;
    }
    for (int k = 0; by_reason && k < NREASONS; k++) {
        cols[FIXED + k] = cb_symbol(CB_KIND_LEAD, "reason", k);
        numeric[FIXED + k] = 1;
    }
    for (int k = 0; k < NKINDS; k++) {
        cols[first_kind + k] = cb_report_review_column(
            k, kind_cols[k], sizeof(kind_cols[k]));
        numeric[first_kind + k] = 1;
    }
    cb_out *out = cb_out_new(stdout, format, ncols, cols, numeric);
    int64_t tt = 0, te = 0, to = 0, tr[NREASONS] = {0}, tv[NKINDS] = {0};
    char cells[MAXCOLS][32];
    const char *c[MAXCOLS];

    for (size_t i = 0; i <= rp->n; i++) {
        const cb_report_row *w = i < rp->n ? &rp->rows[i] : NULL;
        int64_t open = 0, target, enrolled;
        const int64_t *reasons, *reviews;
        if (w != NULL) {
            for (int k = 0; k < NREASONS; k++)
                open += w->open[k];
            target = w->target;
            enrolled = w->enrolled;
            reasons = w->open;
            reviews = w->open_reviews;
            if (target > 0)
                tt += target;
            te += enrolled;
            to += open;
            for (int k = 0; k < NREASONS; k++)
                tr[k] += w->open[k];
            for (int k = 0; k < NKINDS; k++)
                tv[k] += w->open_reviews[k];
        } else {
            if (format != CB_OUT_TABLE)
                break; /* the total is for people */
            target = tt, enrolled = te, open = to, reasons = tr;
            reviews = tv;
        }
        snprintf(cells[0], 32, "%s", w ? w->code : "total");
        snprintf(cells[2], 32, "%d", rp->year);
        if (target >= 0)
            snprintf(cells[3], 32, "%" PRId64, target);
        else
            cells[3][0] = '\0';
        snprintf(cells[4], 32, "%" PRId64, enrolled);
        if (target > 0)
            snprintf(cells[5], 32, "%.1f", 100.0 * (double)enrolled /
                                               (double)target);
        else
            cells[5][0] = '\0';
        snprintf(cells[6], 32, "%" PRId64, open);
        for (int k = 0; by_reason && k < NREASONS; k++)
            snprintf(cells[FIXED + k], 32, "%" PRId64, reasons[k]);
        for (int k = 0; k < NKINDS; k++)
            snprintf(cells[first_kind + k], 32, "%" PRId64, reviews[k]);
        for (int k = 0; k < ncols; k++)
            c[k] = cells[k];
        c[1] = w ? w->name : "";
        cb_out_row(out, c);
    }
    cb_out_finish(out);
}

int cb_cmd_report(int argc, char **argv)
{
    report_args a = {0, 0, 0, CB_OUT_TABLE};
    cb_report rp = {0};
    cb_store *store = NULL;
    cb_cli cli;
    char err[512];
    int rc, y, m, d;

    rc = cb_cli_parse(&cli, &cb_spec_report, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    if (!a.have_as_of) {
        int64_t now;
        if (cb_config_now(&cli.cfg, &now, err, sizeof(err)) != 0) {
            rc = cb_cli_usage_error(&cb_spec_report, "%s", err);
            goto out;
        }
        a.as_of = cb_date_of_time(now);
    }
    cb_date_to_ymd(a.as_of, &y, &m, &d);
    if (a.year == 0)
        a.year = y;
    store = cb_store_from_config(&cli.cfg, NULL, err, sizeof(err));
    if (store == NULL ||
        cb_report_load(store, (int)a.year, a.as_of, &rp, err,
                       sizeof(err)) != 0 ||
        cb_store_each_lead(store, NULL, cb_report_count, &rp, err,
                           sizeof(err)) != 0 ||
        cb_store_each_review(store, cb_report_count_review, &rp, err,
                             sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_report, "%s", err);
        goto out;
    }
    if (a.format == CB_OUT_TABLE) {
        char day[11];
        cb_date_format(a.as_of, day);
        printf("Progress in %ld as of %s\n", a.year, day);
    }
    print_report(&rp, a.format);
    rc = CB_EXIT_OK;
out:
    cb_report_free(&rp);
    cb_store_free(store);
    cb_cli_term(&cli);
    return rc;
}
