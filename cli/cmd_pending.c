/* cmd_pending.c -- the subcommands of the contract that are not built yet.
 *
 * Each has its real usage already (so --help and bad usage behave as they
 * will), and says plainly that it is not built and exits 1 rather than
 * pretend.  A subcommand leaves this file when its issue builds it. */
#include <stdio.h>

#include "cb_commands.h"

/* Accepts any option of the subcommand's own: their values are checked
 * once the subcommand exists. */
static int accept_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size)
{
    (void)opaque, (void)opt, (void)arg, (void)errstr, (void)errstr_size;
    return 0;
}

static int pending(const cb_cli_spec *spec, int argc, char **argv,
                   const char *issue)
{
    cb_cli cli;
    int rc = cb_cli_parse(&cli, spec, argc, argv, accept_opt, NULL);

    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    cb_cli_term(&cli);
    return cb_cli_fail(spec, "not built yet (%s); nothing was done", issue);
}

#define PENDING(name, issue)                                                   \
    int cb_cmd_##name(int argc, char **argv)                                   \
    {                                                                          \
        return pending(&cb_spec_##name, argc, argv, issue);                    \
    }

/* ---------------------------------------------------------------- load */

const cb_cli_spec cb_spec_load = {
    .name = "load",
    .synopsis = "FILE...",
    .summary = "Bulk-loads an enrollment snapshot into Redis.",
    .description = "FILE holds enrollment-feed rows, as the insurance agency "
                   "extracts them.",
    .options_help = NULL,
    .shortopts = "",
    .longopts = NULL,
    .min_args = 1,
    .max_args = -1,
};
PENDING(load, "the matcher issue")

/* ------------------------------------------------------------- targets */

const cb_cli_spec cb_spec_targets = {
    .name = "targets",
    .synopsis = "FILE",
    .summary = "Loads township targets and checks their sums.",
    .description =
        "FILE: township_code,township,target_total,target_YYYY...; each row's\n"
        "years must add up to its total.",
    .options_help = NULL,
    .shortopts = "",
    .longopts = NULL,
    .min_args = 1,
    .max_args = 1,
};
PENDING(targets, "the matcher issue")

/* --------------------------------------------------------------- leads */

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
    .description = NULL,
    .options_help =
        "  -t, --township CODE           one township only\n"
        "  -s, --status S|all            open, contacted, refused, closed or "
        "all\n"
        "  -R, --reason R                one lead reason only\n"
        "  -f, --format table|csv|json   default table\n"
        "      --unmasked                whole ID numbers (for those "
        "entitled)\n",
    .shortopts = "t:s:R:f:",
    .longopts = leads_opts,
    .min_args = 0,
    .max_args = 0,
};
PENDING(leads, "the matcher issue")

/* ---------------------------------------------------------------- lead */

static const struct option lead_opts[] = {
    {"reason", required_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_lead = {
    .name = "lead",
    .synopsis = "LEAD_ID DECISION",
    .summary = "Records a team's decision on a lead.",
    .description =
        "DECISION: contacted, refused (the lead stays listed), enrolled or\n"
        "invalid (the lead closes).",
    .options_help =
        "  -R, --reason TEXT             why (required for refused)\n",
    .shortopts = "R:",
    .longopts = lead_opts,
    .min_args = 2,
    .max_args = 2,
};
PENDING(lead, "the matcher issue")

/* -------------------------------------------------------------- alerts */

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
    .description = NULL,
    .options_help = "  -k, --kind K                  one alert kind only\n"
                    "  -t, --township CODE           one township only\n"
                    "  -f, --format table|csv|json   default table\n"
                    "      --unmasked                whole ID numbers (for "
                    "those entitled)\n",
    .shortopts = "k:t:f:",
    .longopts = alerts_opts,
    .min_args = 0,
    .max_args = 0,
};
PENDING(alerts, "the matcher issue")

/* -------------------------------------------------------------- report */

static const struct option report_opts[] = {
    {"year", required_argument, NULL, 'y'},
    {"as-of", required_argument, NULL, 'a'},
    {"format", required_argument, NULL, 'f'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_report = {
    .name = "report",
    .synopsis = "",
    .summary = "Per-township progress against the year's targets.",
    .description = NULL,
    .options_help =
        "  -y, --year Y                  default: the year of --as-of\n"
        "  -a, --as-of YYYY-MM-DD        figures as they stood that day\n"
        "  -f, --format table|csv|json   default table\n",
    .shortopts = "y:a:f:",
    .longopts = report_opts,
    .min_args = 0,
    .max_args = 0,
};
PENDING(report, "the matcher issue")

/* ----------------------------------------------------------------- web */

static const struct option web_opts[] = {
    {"listen", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_web = {
    .name = "web",
    .synopsis = "",
    .summary = "Serves the township workbench over HTTP.",
    .description = "The page and its JSON API.",
    .options_help = "  -l, --listen HOST:PORT        default 127.0.0.1:8080\n",
    .shortopts = "l:",
    .longopts = web_opts,
    .min_args = 0,
    .max_args = 0,
};
PENDING(web, "the workbench issue")

/* ---------------------------------------------------------------- user */

static const struct option user_opts[] = {
    {"township", required_argument, NULL, 't'},
    {"county", no_argument, NULL, 'C'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_user = {
    .name = "user",
    .synopsis = "add NAME",
    .summary = "Creates a workbench account.",
    .description = "The password is read from standard input.",
    .options_help =
        "  -t, --township CODE           a township team's account\n"
        "      --county                  a county account (sees every "
        "township)\n",
    .shortopts = "t:",
    .longopts = user_opts,
    .min_args = 2,
    .max_args = 2,
};
PENDING(user, "the workbench issue")

