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

