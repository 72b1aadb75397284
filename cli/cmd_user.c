/* cmd_user.c -- `canbao user`: workbench accounts (cb_auth.h).  The
 * password comes on standard input, never on the command line (where ps
 * and shell history would show it). */
#include <stdio.h>
#include <string.h>

#include "cb_auth.h"
#include "cb_commands.h"
#include "cb_config.h"
#include "cb_ident.h"
#include "cb_store.h"

static const struct option user_opts[] = {
    {"township", required_argument, NULL, 't'},
    {"county", no_argument, NULL, 'C'},
    {"replace", no_argument, NULL, 'R'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_user = {
    .name = "user",
    .synopsis = "add NAME",
    .summary = "Creates a workbench account.",
    .description =
        "The password (8 to 256 bytes) is read from the first line of\n"
        "standard input and stored as a salted yescrypt hash.  A township\n"
        "account sees and changes only its township's leads; a county\n"
        "account sees every township.  --replace sets the password and\n"
        "role of an account that exists.",
    .options_help =
        "  -t, --township CODE           a township team's account\n"
        "      --county                  a county account (sees every "
        "township)\n"
        "      --replace                 replace an existing account\n",
    .shortopts = "t:",
    .longopts = user_opts,
    .min_args = 2,
    .max_args = 2,
};

typedef struct user_args {
    const char *township;
    int county, replace;
} user_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    user_args *a = opaque;

    (void)errstr, (void)errstr_size;
    switch (opt) {
    case 't':
        a->township = arg;
        return 0;
    case 'C':
        a->county = 1;
        return 0;
    case 'R':
        a->replace = 1;
        return 0;
    }
    return -1;
}

int cb_cmd_user(int argc, char **argv)
{
    user_args a = {NULL, 0, 0};
    cb_redis *r = NULL;
    cb_user u;
    cb_cli cli;
    char err[512], password[512];
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_user, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    memset(&u, 0, sizeof(u));
    memset(password, 0, sizeof(password));
    const char *verb = argv[cli.optind], *name = argv[cli.optind + 1];
    if (strcmp(verb, "add") != 0) {
        rc = cb_cli_usage_error(&cb_spec_user, "the only verb is add, not "
                                "'%s'", verb);
        goto out;
    }
    if ((a.township != NULL) == a.county) {
        rc = cb_cli_usage_error(&cb_spec_user, "give --township CODE or "
                                "--county");
        goto out;
    }
    if (!cb_auth_name_ok(name)) {
        rc = cb_cli_usage_error(&cb_spec_user, "NAME is 1-63 letters, "
                                "digits, '.', '_' or '-'");
        goto out;
    }
    if (a.township != NULL) {
        size_t n = strlen(a.township);
        int digits = n > 0 && n <= 12 &&
                     strspn(a.township, "0123456789") == n;
        if (!digits) {
            rc = cb_cli_usage_error(&cb_spec_user, "--township is a code of "
                                    "1-12 digits, not '%s'", a.township);
            goto out;
        }
        snprintf(u.township, sizeof(u.township), "%s", a.township);
    }
    snprintf(u.name, sizeof(u.name), "%s", name);
    u.role = a.county ? CB_ROLE_COUNTY : CB_ROLE_TOWNSHIP;
    if (fgets(password, sizeof(password), stdin) == NULL) {
        rc = cb_cli_fail(&cb_spec_user, "no password on standard input");
        goto out;
    }
    password[strcspn(password, "\r\n")] = '\0';
    r = cb_redis_connect(cb_config_redis(&cli.cfg), 5000, err, sizeof(err));
    if (r == NULL) {
        rc = cb_cli_fail(&cb_spec_user, "%s", err);
        goto out;
    }
    if (a.township != NULL) {
        /* a township Redis knows, when it knows any */
        redisReply *t = cb_redis_commandf(r, "HEXISTS " CB_KEY_TOWNSHIPS " %s",
                                          a.township);
        redisReply *n = cb_redis_commandf(r, "HLEN " CB_KEY_TOWNSHIPS);
        int unknown = t && n && t->type == REDIS_REPLY_INTEGER &&
                      n->type == REDIS_REPLY_INTEGER && n->integer > 0 &&
                      t->integer == 0;
        if (t)
            freeReplyObject(t);
        if (n)
            freeReplyObject(n);
        if (unknown) {
            rc = cb_cli_fail(&cb_spec_user, "no township %s in Redis's "
                             "township table", a.township);
            goto out;
        }
    }
    rc = cb_auth_add_user(r, &u, password, a.replace, err, sizeof(err));
    if (rc != 0) {
        rc = rc == 1 ? cb_cli_fail(&cb_spec_user, "account %s exists "
                                   "(--replace to change it)", name)
                     : cb_cli_fail(&cb_spec_user, "%s", err);
        goto out;
    }
    printf("user: %s, %s%s%s\n", name, cb_role_name(u.role),
           u.township[0] ? " of " : "", u.township);
    rc = CB_EXIT_OK;
out:
    memset(password, 0, sizeof(password));
    cb_redis_free(r);
    cb_cli_term(&cli);
    return rc;
}
