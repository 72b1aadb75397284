/* cmd_idkey.c -- `canbao idkey`: makes the deployment's id key, the secret
 * that keys lead and alert ids (cb_idkey.h), once, at set-up. */
#include <stdio.h>

#include "cb_commands.h"
#include "cb_idkey.h"

const cb_cli_spec cb_spec_idkey = {
    .name = "idkey",
    .synopsis = "",
    .summary = "Prints a new random id key (64 hex digits) for id_key.",
    .description =
        "Lead and alert ids are keyed with a secret of the deployment, so\n"
        "that an id shown beside a masked ID number cannot be used to find\n"
        "or confirm the whole number.  Make the key once, when a deployment\n"
        "is set up, and give the same key to every canbao match, load, gen,\n"
        "lead and web of it, as a line of the config file (mode 600):\n"
        "    echo \"id_key = $(canbao idkey)\" >> canbao.conf\n"
        "or in the environment (CANBAO_ID_KEY).  A new key gives every lead\n"
        "and alert a new id: see docs/SECURITY.md before changing it.",
    .options_help = NULL,
    .shortopts = "",
    .longopts = NULL,
    .min_args = 0,
    .max_args = 0,
};

int cb_cmd_idkey(int argc, char **argv)
{
    char hex[CB_IDKEY_HEX_SIZE];
    cb_cli cli;
    int rc = cb_cli_parse(&cli, &cb_spec_idkey, argc, argv, NULL, NULL);

    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    cb_cli_term(&cli);
    if (cb_idkey_generate(hex) != 0)
        return cb_cli_fail(&cb_spec_idkey, "the system gave no random bytes");
    printf("%s\n", hex);
    return fflush(stdout) == 0 ? CB_EXIT_OK
                               : cb_cli_fail(&cb_spec_idkey, "cannot write");
}
