/* cmd_leads.c -- `canbao leads` lists the lead store; `canbao lead` records
 * a township team's decision on one lead. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_output.h"
#include "cb_idkey.h"
#include "cb_store.h"


/* ---------------------------------------------------------------- leads */

static const struct option leads_opts[] = {
    {"township", required_argument, NULL, 't'},
    {"status", required_argument, NULL, 's'},
    {"reason", required_argument, NULL, 'R'},
    {"format", required_argument, NULL, 'f'},
    {"unmasked", no_argument, NULL, 'U'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_leads = {
    .name = "leads",
    .synopsis = "",
    .summary = "Lists leads, by default those not closed.",
    .description =
        "Reads the lead store the matcher keeps in Redis.  ID numbers and\n"
        "persons' names are masked unless --unmasked (for those entitled to\n"
        "see them).  CSV has the columns docs/COMMANDS.md lists.",
    .options_help =
        "  -t, --township CODE           one township only\n"
        "  -s, --status S|all            open, contacted, refused, closed, or "
        "all\n"
        "                                (default: all but closed)\n"
        "  -R, --reason R                one lead reason only\n"
        "  -f, --format table|csv|json   default table\n"
        "      --unmasked                whole ID numbers and names\n",
    .shortopts = "t:s:R:f:",
    .longopts = leads_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct leads_args {
    const char *township;
    int status; /* cb_lead_status, -1 all, -2 not closed */
    int reason; /* -1 all */
    cb_out_format format;
    int unmasked;
} leads_args;

static int leads_opt(void *opaque, int opt, const char *arg, char *errstr,
                     size_t errstr_size)
{
    leads_args *a = opaque;
    const cb_kind_info *info = cb_kind_info_get(CB_KIND_LEAD);

    switch (opt) {
    case 't':
        a->township = arg;
        return 0;
    case 's':
        if (strcmp(arg, "all") == 0) {
            a->status = -1;
            return 0;
        }
        a->status = cb_enum_value(cb_field_find(info, "status", 6), arg,
                                  strlen(arg));
        if (a->status < 0) {
            snprintf(errstr, errstr_size, "--status is open, contacted, "
                     "refused, closed or all, not '%s'", arg);
            return -1;
        }
        return 0;
    case 'R':
        a->reason = cb_enum_value(cb_field_find(info, "reason", 6), arg,
                                  strlen(arg));
        if (a->reason < 0) {
            snprintf(errstr, errstr_size, "--reason '%s' is not a lead reason",
                     arg);
            return -1;
        }
        return 0;
    case 'f':
        return cb_out_format_parse(arg, &a->format, errstr, errstr_size);
    case 'U':
        a->unmasked = 1;
        return 0;
    }
    return -1;
}

typedef struct lead_list {
    const leads_args *a;
    cb_lead *leads;
    size_t n, cap;
} lead_list;

static int collect(const cb_lead *l, void *opaque)
{
    lead_list *ll = opaque;

    if (ll->a->status == -2 ? l->status == CB_STATUS_CLOSED
                            : (ll->a->status >= 0 && l->status != ll->a->status))
        return 0;
    if (ll->a->reason >= 0 && l->reason != ll->a->reason)
        return 0;
    if (ll->n == ll->cap) {
        size_t cap = ll->cap ? ll->cap * 2 : 256;
        cb_lead *n = realloc(ll->leads, cap * sizeof(*n));
        if (n == NULL)
            return 1;
        ll->leads = n;
        ll->cap = cap;
    }
    ll->leads[ll->n++] = *l;
    return 0;
}

/* Township, then high priority first, then the oldest first. */
static int lead_order(const void *x, const void *y)
{
    const cb_lead *a = x, *b = y;
    int c = strcmp(a->township_code, b->township_code);

    if (c != 0)
        return c;
    if (a->priority != b->priority)
        return a->priority - b->priority;
    if (a->opened_at != b->opened_at)
        return a->opened_at < b->opened_at ? -1 : 1;
    return strcmp(a->lead_id, b->lead_id);
}

static void print_leads(const lead_list *ll, cb_out_format format, int mask)
{
    cb_out *out = cb_out_new(stdout, format, CB_LEAD_COLUMNS,
                             cb_lead_columns, NULL);
    static char buf[CB_LEAD_COLUMNS * 512];
    const char *cells[CB_LEAD_COLUMNS];

    for (size_t i = 0; out && i < ll->n; i++) {
        cb_out_record_cells(CB_KIND_LEAD, &ll->leads[i], cb_lead_columns,
                            CB_LEAD_COLUMNS, mask, buf, cells);
        cb_out_row(out, cells);
    }
    cb_out_finish(out);
}

int cb_cmd_leads(int argc, char **argv)
{
    leads_args a = {NULL, -2, -1, CB_OUT_TABLE, 0};
    lead_list ll = {&a, NULL, 0, 0};
    cb_store *store;
    cb_cli cli;
    char err[512];
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_leads, argc, argv, leads_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    store = cb_store_from_config(&cli.cfg, NULL, err, sizeof(err));
    if (store == NULL ||
        cb_store_each_lead(store, a.township, collect, &ll, err,
                           sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_leads, "%s", err);
        goto out;
    }
    if (ll.n > 1)
        qsort(ll.leads, ll.n, sizeof(*ll.leads), lead_order);
    print_leads(&ll, a.format, !a.unmasked);
    if (a.format == CB_OUT_TABLE)
        fprintf(stderr, "%zu lead(s)\n", ll.n);
    rc = CB_EXIT_OK;
out:
    free(ll.leads);
    cb_store_free(store);
    cb_cli_term(&cli);
    return rc;
}

/* ----------------------------------------------------------------- lead */

static const struct option lead_opts[] = {
    {"reason", required_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_lead = {
    .name = "lead",
    .synopsis = "LEAD_ID DECISION",
    .summary = "Records a team's decision on a lead.",
    .description =
        "DECISION: contacted or refused (the lead stays listed with that\n"
        "status), enrolled or invalid (the lead closes with that reason).\n"
        "A refusal needs --reason.  The decision belongs to the lead: it\n"
        "stays as long as the facts behind the lead do.",
    .options_help = "  -R, --reason TEXT             why (required for "
                    "refused)\n",
    .shortopts = "R:",
    .longopts = lead_opts,
    .min_args = 2,
    .max_args = 2,
};

int cb_cmd_lead(int argc, char **argv)
{
    const char *why = NULL, *lead_id, *decision;
    cb_store *store = NULL;
    cb_idkey *ids = NULL;
    cb_cli cli;
    char err[512];
    int rc, d;

    rc = cb_cli_parse(&cli, &cb_spec_lead, argc, argv, cb_cli_reason_opt,
                      &why);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    lead_id = argv[cli.optind];
    decision = argv[cli.optind + 1];
    d = cb_decision_value(decision);
    if (d < 0) {
        rc = cb_cli_usage_error(&cb_spec_lead, "DECISION is contacted, "
                                "refused, enrolled or invalid, not '%s'",
                                decision);
        goto out;
    }
    rc = cb_cli_check_reason(&cb_spec_lead, why,
                             d == CB_DECISION_REFUSED ? "a refusal" : NULL,
                             CB_DECISION_WHY_MAX);
    if (rc != 0)
        goto out;
    /* a decision is a step on the lead's subject: its ids are remade */
    if ((ids = cb_idkey_from_config(&cli.cfg, err, sizeof(err))) == NULL) {
        rc = cb_cli_fail(&cb_spec_lead, "%s", err);
        goto out;
    }
    store = cb_store_from_config(&cli.cfg, ids, err, sizeof(err));
    if (store == NULL) {
        rc = cb_cli_fail(&cb_spec_lead, "%s", err);
        goto out;
    }
    int64_t now;
    cb_lead l;
    if (cb_config_now(&cli.cfg, &now, err, sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_lead, "%s", err);
        goto out;
    }
    rc = cb_store_decide(store, lead_id, d, why, now, &l, err, sizeof(err));
    if (rc <= 0) {
        rc = rc < 0 ? cb_cli_fail(&cb_spec_lead, "%s", err)
                    : cb_cli_fail(&cb_spec_lead, "no lead %s", lead_id);
        goto out;
    }
    printf("%s: %s%s%s\n", lead_id,
           cb_symbol(CB_KIND_LEAD, "status", l.status),
           l.closed_reason >= 0 ? " " : "",
           l.closed_reason >= 0
               ? cb_symbol(CB_KIND_LEAD, "closed_reason", l.closed_reason)
               : "");
    rc = CB_EXIT_OK;
out:
    cb_store_free(store);
    cb_idkey_free(ids);
    cb_cli_term(&cli);
    return rc;
}
