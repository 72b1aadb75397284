/* cmd_gen.c -- `canbao gen`: a synthetic county for demos and tests.
 * (Being written; until then it says so.) */
#include "cb_commands.h"

static const struct option gen_opts[] = {
    {"people", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"out", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_gen = {
    .name = "gen",
    .synopsis = "",
    .summary = "Writes a synthetic county for demos and tests.",
    .description = "Feeds, an enrollment snapshot, targets and the ground "
                   "truth a correct\nmatcher must end with.",
    .options_help = "  -n, --people N                residents to generate\n"
                    "  -s, --seed S                  same seed, same county\n"
                    "  -o, --out DIR                 where to write\n",
    .shortopts = "n:s:o:",
    .longopts = gen_opts,
    .min_args = 0,
    .max_args = 0,
};

static int accept_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size)
{
    (void)opaque, (void)opt, (void)arg, (void)errstr, (void)errstr_size;
    return 0;
}

int cb_cmd_gen(int argc, char **argv)
{
    cb_cli cli;
    int rc = cb_cli_parse(&cli, &cb_spec_gen, argc, argv, accept_opt, NULL);

    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    cb_cli_term(&cli);
    return cb_cli_fail(&cb_spec_gen, "not built yet; nothing was done");
}
