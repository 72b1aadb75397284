/* cmd_alerts.c -- `canbao alerts`: lists the duplicate-claim alerts the
 * matcher raised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_output.h"
#include "cb_store.h"

/* The alert columns (docs/COMMANDS.md, "canbao alerts"). */
static const char *const alert_cols[] = {
    "alert_id", "kind",     "subject_id", "township_code",
    "period",   "amount_at_risk_fen", "evidence", "raised_at"};
static const int alert_numeric[] = {0, 0, 0, 0, 0, 1, 0, 0};
#define NALERT_COLS 8

static const struct option alerts_opts[] = {
    {"kind", required_argument, NULL, 'k'},
    {"township", required_argument, NULL, 't'},
    {"format", required_argument, NULL, 'f'},
    {"unmasked", no_argument, NULL, 'U'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_alerts = {
    .name = "alerts",
    .synopsis = "",
    .summary = "Lists duplicate-claim alerts.",
    .description =
        "Benefits paid after a death, enrollments still active after it, two\n"
        "pensions or two pension contributions for one month, government\n"
        "contributions paid twice in a year; each with the amount at risk\n"
        "and the events that show it.  ID numbers are masked unless\n"
        "--unmasked.",
    .options_help =
        "  -k, --kind K                  one alert kind only\n"
        "  -t, --township CODE           one township only\n"
        "  -f, --format table|csv|json   default table\n"
        "      --unmasked                whole ID numbers\n",
    .shortopts = "k:t:f:",
    .longopts = alerts_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct alerts_args {
    int kind;
    const char *township;
    cb_out_format format;
    int unmasked;
    cb_out *out;
    size_t n;
} alerts_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    alerts_args *a = opaque;

    switch (opt) {
    case 'k':
        a->kind = cb_enum_value(
            cb_field_find(cb_kind_info_get(CB_KIND_ALERT), "kind", 4), arg,
            strlen(arg));
        if (a->kind < 0) {
            snprintf(errstr, errstr_size, "--kind '%s' is not an alert kind",
                     arg);
            return -1;
        }
        return 0;
    case 't':
        a->township = arg;
        return 0;
    case 'f':
        return cb_out_format_parse(arg, &a->format, errstr, errstr_size);
    case 'U':
        a->unmasked = 1;
        return 0;
    }
    return -1;
}

static int print_alert(const cb_alert *al, void *opaque)
{
    alerts_args *a = opaque;
    static char buf[NALERT_COLS * 512];
    const char *cells[NALERT_COLS];

    if (a->kind >= 0 && al->kind != a->kind)
        return 0;
    if (a->township && strcmp(al->township_code, a->township) != 0)
        return 0;
    cb_out_record_cells(CB_KIND_ALERT, al, alert_cols, NALERT_COLS,
                        !a->unmasked, buf, cells);
    cb_out_row(a->out, cells);
    a->n++;
    return 0;
}

int cb_cmd_alerts(int argc, char **argv)
{
    alerts_args a = {-1, NULL, CB_OUT_TABLE, 0, NULL, 0};
    cb_store *store = NULL;
    cb_cli cli;
    char err[512];
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_alerts, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    store = cb_store_from_config(&cli.cfg, NULL, err, sizeof(err));
    if (store == NULL) {
        rc = cb_cli_fail(&cb_spec_alerts, "%s", err);
        goto out;
    }
    a.out = cb_out_new(stdout, a.format, NALERT_COLS, alert_cols,
                       alert_numeric);
    if (cb_store_each_alert(store, print_alert, &a, err, sizeof(err)) != 0) {
        cb_out_finish(a.out);
        rc = cb_cli_fail(&cb_spec_alerts, "%s", err);
        goto out;
    }
    cb_out_finish(a.out);
    if (a.format == CB_OUT_TABLE)
        fprintf(stderr, "%zu alert(s)\n", a.n);
    rc = CB_EXIT_OK;
out:
    cb_store_free(store);
    cb_cli_term(&cli);
    return rc;
}
