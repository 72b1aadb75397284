/* cmd_produce.c -- `canbao produce`: one feed validated and delivered.
 * (Being written; until then it says so.) */
#include "cb_commands.h"

static const struct option produce_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"encoding", required_argument, NULL, 'e'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_produce = {
    .name = "produce",
    .synopsis = "FEED FILE...",
    .summary = "Validates one feed and produces it to Kafka.",
    .description = "Feeds: business, household, death, enrollment, "
                   "assistance.  Bad records\ngo to the dead-letter topic "
                   "with their line and reason.",
    .options_help =
        "  -f, --format csv|jsonl        default: by file extension\n"
        "  -e, --encoding utf-8|gb18030  of CSV files (default utf-8)\n"
        "  FILE may be - for standard input.\n",
    .shortopts = "f:e:",
    .longopts = produce_opts,
    .min_args = 2,
    .max_args = -1,
};

static int accept_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size)
{
    (void)opaque, (void)opt, (void)arg, (void)errstr, (void)errstr_size;
    return 0;
}

int cb_cmd_produce(int argc, char **argv)
{
    cb_cli cli;
    int rc = cb_cli_parse(&cli, &cb_spec_produce, argc, argv, accept_opt, NULL);

    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    cb_cli_term(&cli);
    return cb_cli_fail(&cb_spec_produce, "not built yet; nothing was done");
}
