/* cmd_reviews.c -- `canbao reviews` lists the review items the matcher
 * raised (docs/RULES.md 9.3); `canbao review` records a reviewer's
 * verdict on one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_idkey.h"
#include "cb_output.h"
#include "cb_reviewrec.h"
#include "cb_store.h"

/* -------------------------------------------------------------- reviews */

static const struct option reviews_opts[] = {
    {"township", required_argument, NULL, 't'},
    {"kind", required_argument, NULL, 'k'},
    {"status", required_argument, NULL, 's'},
    {"format", required_argument, NULL, 'f'},
    {"unmasked", no_argument, NULL, 'U'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_reviews = {
    .name = "reviews",
    .synopsis = "",
    .summary = "Lists review items, by default the open ones.",
    .description =
        "Where a record and the household register disagree about a\n"
        "person, the matcher asks a person to look instead of deciding\n"
        "(docs/RULES.md 9.3): name_mismatch (an assistance or business row\n"
        "names the person otherwise), death_unconfirmed (a death notice\n"
        "with another name, not applied until confirmed), probable_typo (a\n"
        "record refused for its number, one typing slip from exactly one\n"
        "person of its name) and duplicate_identity (two numbers of one\n"
        "name, sex and birth date, both drawing or paying a pension).\n"
        "Decide one with canbao review.  ID numbers and names are masked\n"
        "unless --unmasked.  CSV has the columns docs/COMMANDS.md lists;\n"
        "the table and JSON add amount_at_risk_fen.",
    .options_help =
        "  -t, --township CODE           one township only\n"
        "  -k, --kind K                  name_mismatch, death_unconfirmed,\n"
        "                                probable_typo or duplicate_identity\n"
        "  -s, --status S|all            open, confirmed, rejected, "
        "corrected,\n"
        "                                or all (default: open)\n"
        "  -f, --format table|csv|json   default table\n"
        "      --unmasked                whole ID numbers and names\n",
    .shortopts = "t:k:s:f:",
    .longopts = reviews_opts,
    .min_args = 0,
    .max_args = 0,
};

/* One item as listed: its id and record, the record's bytes copied
 * (evidence points into them). */
typedef struct listed {
    char id[CB_ID_DIGITS + 1];
    cb_reviewrec r;
    char *evidence;
} listed;

typedef struct reviews_args {
    cb_review_filter filter;
    cb_out_format format;
    int unmasked;
    listed *v;
    size_t n, cap;
    int nomem;
} reviews_args;

static int reviews_opt(void *opaque, int opt, const char *arg, char *errstr,
                       size_t errstr_size)
{
    reviews_args *a = opaque;

    switch (opt) {
    case 't':
        a->filter.township = arg;
        return 0;
    case 'k':
        a->filter.kind = cb_review_kind_value(arg);
        if (a->filter.kind < 0) {
            snprintf(errstr, errstr_size, "--kind '%s' is not a review kind",
                     arg);
            return -1;
        }
        return 0;
    case 's':
        a->filter.status = strcmp(arg, "all") == 0 ? -1
                                            : cb_review_status_value(arg);
        if (a->filter.status < 0 && strcmp(arg, "all") != 0) {
            snprintf(errstr, errstr_size, "--status is open, confirmed, "
                     "rejected, corrected or all, not '%s'", arg);
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

static int collect(const char *id, const cb_reviewrec *r, void *opaque)
{
    reviews_args *a = opaque;
    listed *l;

    if (!cb_review_filter_keeps(&a->filter, r))
        return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        listed *v = realloc(a->v, cap * sizeof(*v));
        if (v == NULL) {
            a->nomem = 1;
            return 1;
        }
        a->v = v;
        a->cap = cap;
    }
    l = &a->v[a->n];
    memcpy(l->id, id, sizeof(l->id));
    l->r = *r;
    l->evidence = malloc(r->evidence_len + 1);
    if (l->evidence == NULL) {
        a->nomem = 1;
        return 1;
    }
    memcpy(l->evidence, r->evidence, r->evidence_len);
    l->r.evidence = l->evidence;
    a->n++;
    return 0;
}

/* Township, then the oldest first, then by id. */
static int review_order(const void *x, const void *y)
{
    const listed *a = x, *b = y;

    if (a->r.township != b->r.township)
        return a->r.township < b->r.township ? -1 : 1;
    if (a->r.raised != b->r.raised)
        return a->r.raised < b->r.raised ? -1 : 1;
    return strcmp(a->id, b->id);
}

int cb_cmd_reviews(int argc, char **argv)
{
    reviews_args a = {{NULL, -1, CB_REVIEW_OPEN}, CB_OUT_TABLE, 0, NULL, 0, 0,
                      0};
    cb_store *store = NULL;
    cb_out *out;
    cb_cli cli;
    char err[512], *buf = NULL;
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_reviews, argc, argv, reviews_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    store = cb_store_from_config(&cli.cfg, NULL, err, sizeof(err));
    if (store == NULL ||
        cb_store_each_review(store, collect, &a, err, sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_reviews, "%s", err);
        goto out;
    }
    if (a.nomem || (buf = malloc(CB_REVIEW_CELLS_SIZE)) == NULL) {
        rc = cb_cli_fail(&cb_spec_reviews, "out of memory");
        goto out;
    }
    if (a.n > 1)
        qsort(a.v, a.n, sizeof(*a.v), review_order);
    out = cb_out_new(stdout, a.format,
                     a.format == CB_OUT_CSV ? CB_REVIEW_CSV_COLUMNS
                                            : CB_REVIEW_COLUMNS,
                     cb_review_columns,
                     NULL);
    for (size_t i = 0; out && i < a.n; i++) {
        const char *cells[CB_REVIEW_COLUMNS];
        cb_reviewrec_cells(&a.v[i].r, a.v[i].id, !a.unmasked, buf, cells);
        cb_out_row(out, cells);
    }
    cb_out_finish(out);
    if (a.format == CB_OUT_TABLE)
        fprintf(stderr, "%zu review item(s)\n", a.n);
    rc = CB_EXIT_OK;
out:
    for (size_t i = 0; i < a.n; i++)
        free(a.v[i].evidence);
    free(a.v);
    free(buf);
    cb_store_free(store);
    cb_cli_term(&cli);
    return rc;
}

/* --------------------------------------------------------------- review */

static const struct option review_opts[] = {
    {"reason", required_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_review = {
    .name = "review",
    .synopsis = "REVIEW_ID confirm|reject|correct --reason TEXT",
    .summary = "Records a reviewer's verdict on a review item.",
    .description =
        "confirm: the other name is the person's.  A confirmed\n"
        "death_unconfirmed item applies its death notices with their own\n"
        "dates at once: the lead closes as deceased, the alerts of the death\n"
        "appear.  reject: it is not; a rejected death notice never applies.\n"
        "confirm on duplicate_identity: the two numbers are one person;\n"
        "on name_mismatch: the other name is the person's (both are only\n"
        "recorded, for the offices that fix the registers).\n"
        "correct (probable_typo only, which is corrected or rejected): the\n"
        "refused record is produced again into its feed with the\n"
        "candidate's number, its own event id and its provenance in\n"
        "headers, and then applies as any event.\n"
        "The verdict belongs to the item and stays with its state; a later\n"
        "verdict replaces it (a record is re-produced once per correct).",
    .options_help = "  -R, --reason TEXT             why (required; at most "
                    "1000 bytes)\n",
    .shortopts = "R:",
    .longopts = review_opts,
    .min_args = 2,
    .max_args = 2,
};

int cb_cmd_review(int argc, char **argv)
{
    const char *why = NULL, *review_id, *verdict;
    cb_store *store = NULL;
    cb_idkey *ids = NULL;
    cb_cli cli;
    char err[512];
    int rc, v, status;
    int64_t now;

    rc = cb_cli_parse(&cli, &cb_spec_review, argc, argv, cb_cli_reason_opt,
                      &why);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    review_id = argv[cli.optind];
    verdict = argv[cli.optind + 1];
    v = cb_review_verdict_value(verdict);
    if (v < 0) {
        rc = cb_cli_usage_error(&cb_spec_review, "the verdict is confirm, "
                                "reject or correct, not '%s'", verdict);
        goto out;
    }
    rc = cb_cli_check_reason(&cb_spec_review, why, "a verdict",
                             CB_DECISION_WHY_MAX);
    if (rc != 0)
        goto out;
    /* a verdict is a step on the item's person: its ids are remade */
    if ((ids = cb_idkey_from_config(&cli.cfg, err, sizeof(err))) == NULL ||
        (store = cb_store_from_config(&cli.cfg, ids, err, sizeof(err))) ==
            NULL ||
        cb_config_now(&cli.cfg, &now, err, sizeof(err)) != 0) {
        rc = cb_cli_fail(&cb_spec_review, "%s", err);
        goto out;
    }
    rc = cb_store_review(store, review_id, v, why, now, &status, err,
                         sizeof(err));
    if (rc <= 0) {
        rc = rc < 0 ? cb_cli_fail(&cb_spec_review, "%s", err)
                    : cb_cli_fail(&cb_spec_review, "no review item %s",
                                  review_id);
        goto out;
    }
    printf("%s: %s\n", review_id, cb_review_status_symbol(status));
    rc = CB_EXIT_OK;
out:
    cb_store_free(store);
    cb_idkey_free(ids);
    cb_cli_term(&cli);
    return rc;
}
