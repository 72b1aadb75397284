/* cmd_targets.c -- `canbao targets FILE`: loads the townships and their
 * annual expansion targets into Redis, after checking the table's sums
 * (seed 003's prose and table disagree; a loader must say so). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_redis.h"
#include "cb_store.h"
#include "cb_townships.h"

static const struct option targets_opts[] = {
    {"strict", no_argument, NULL, 'S'}, {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_targets = {
    .name = "targets",
    .synopsis = "FILE",
    .summary = "Loads township targets and checks their sums.",
    .description =
        "FILE: township_code,township,target_total,target_YYYY... (as\n"
        "data/townships-funing.csv).  Each row's years must add up to its\n"
        "total; rows that do not are named.  The column totals are printed,\n"
        "to be compared with the figures of the document the table came\n"
        "from.  The table replaces the one in Redis (cb:{plan}:townships,\n"
        "cb:{plan}:targets).",
    .options_help = "  -S, --strict                  refuse a table whose "
                    "rows do not add up\n",
    .shortopts = "S",
    .longopts = targets_opts,
    .min_args = 1,
    .max_args = 1,
};

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    (void)arg, (void)errstr, (void)errstr_size;
    if (opt != 'S')
        return -1;
    *(int *)opaque = 1;
    return 0;
}

/* Runs one command and checks it answered without error. */
static int run(cb_redis *r, int argc, const char **argv, char *errstr,
               size_t errstr_size)
{
    redisReply *rep = cb_redis_command(r, argc, argv, NULL);

    if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "%s",
                 rep ? rep->str : cb_redis_errstr(r));
        if (rep != NULL)
            freeReplyObject(rep);
        return -1;
    }
    freeReplyObject(rep);
    return 0;
}

int cb_cmd_targets(int argc, char **argv)
{
    cb_townships t;
    cb_redis *r = NULL;
    cb_cli cli;
    char err[512];
    int strict = 0, rc, loaded = 0;

    rc = cb_cli_parse(&cli, &cb_spec_targets, argc, argv, on_opt, &strict);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    if (cb_townships_load(&t, argv[cli.optind], err, sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_targets, "%s", err);
        goto out;
    }
    loaded = 1;
    if (t.warnings != NULL)
        fprintf(stderr, "%s", t.warnings);
    printf("%zu townships; target_total %" PRId64, t.count, t.grand_total);
    for (int y = 0; y < t.nyears; y++)
        printf("; %d: %" PRId64, t.years[y], t.year_total[y]);
    printf("\n");
    if (t.bad_sums > 0) {
        fprintf(stderr, "canbao targets: %zu row(s) do not add up to their "
                "total\n", t.bad_sums);
        if (strict) {
            rc = cb_cli_fail(&cb_spec_targets, "refused (--strict)");
            goto out;
        }
    }

    r = cb_redis_connect(cb_config_redis(&cli.cfg), 5000, err, sizeof(err));
    if (r == NULL) {
        rc = cb_cli_fail(&cb_spec_targets, "%s", err);
        goto out;
    }
    /* Replace the table as one transaction, on the node of its keys (they
     * share a hash tag: one slot of a cluster). */
    cb_redis *node = cb_redis_node(r, CB_KEY_TOWNSHIPS,
                                   strlen(CB_KEY_TOWNSHIPS));
    const char *multi[] = {"MULTI"}, *del[] = {"DEL", CB_KEY_TOWNSHIPS,
                                               CB_KEY_TARGETS};
    if (run(node, 1, multi, err, sizeof(err)) != 0 ||
        run(node, 3, del, err, sizeof(err)) != 0)
        goto redis_failed;
    for (size_t i = 0; i < t.count; i++) {
        const cb_township *tw = &t.rows[i];
        const char *h[] = {"HSET", CB_KEY_TOWNSHIPS, tw->code, tw->name};
        if (run(node, 4, h, err, sizeof(err)) != 0)
            goto redis_failed;
        for (int y = 0; y < t.nyears; y++) {
            char field[32], val[32];
            snprintf(field, sizeof(field), "%s:%d", tw->code, t.years[y]);
            snprintf(val, sizeof(val), "%" PRId64, tw->target[y]);
            const char *ht[] = {"HSET", CB_KEY_TARGETS, field, val};
            if (run(node, 4, ht, err, sizeof(err)) != 0)
                goto redis_failed;
        }
    }
    const char *exec[] = {"EXEC"};
    if (run(node, 1, exec, err, sizeof(err)) != 0)
        goto redis_failed;
    printf("loaded into Redis at %s\n", cb_redis_where(r));
    rc = CB_EXIT_OK;
    goto out;
redis_failed:
    rc = cb_cli_fail(&cb_spec_targets, "Redis: %s", err);
out:
    cb_redis_free(r);
    if (loaded)
        cb_townships_term(&t);
    cb_cli_term(&cli);
    return rc;
}
