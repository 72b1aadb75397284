/* cmd_gen.c -- `canbao gen`: a synthetic county for demos and tests, with
 * the ground truth a correct matcher must end with (cb_gen.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_commands.h"
#include "cb_gen.h"
#include "cb_idkey.h"

#define DEFAULT_AS_OF "2025-11-20" /* an assessment date (seed 002) */

/* A macro's value as a string literal, for the help text. */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static const struct option gen_opts[] = {
    {"people", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"out", required_argument, NULL, 'o'},
    {"as-of", required_argument, NULL, 'a'},
    {"encoding", required_argument, NULL, 'e'},
    {"legacy-ids", required_argument, NULL, 'l'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_gen = {
    .name = "gen",
    .synopsis = "--people N --seed S --out DIR",
    .summary = "Writes a synthetic county for demos and tests.",
    .description =
        "Writes DIR/townships.csv, an enrollment snapshot (snapshot/), about\n"
        "11 months of the five feeds up to the --as-of day (feeds/), records\n"
        "of every rejection reason with where they are (bad/), the ground\n"
        "truth a correct matcher must hold on that day (truth/: leads,\n"
        "alerts, progress, computed from the records by the rules of\n"
        "docs/RULES.md) and manifest.json.  The same options write the same\n"
        "bytes.",
    .options_help =
        "  -n, --people N                the initial household register "
        "(100 to 10000000)\n"
        "  -s, --seed S                  same seed, same county "
        "(a whole number)\n"
        "  -o, --out DIR                 where to write (created if "
        "missing)\n"
        "      --as-of YYYY-MM-DD        the evaluation day "
        "(default " DEFAULT_AS_OF ")\n"
        "      --encoding utf-8|gb18030  of the feed files (default "
        "utf-8)\n"
        "      --legacy-ids PERCENT      rows of persons born 1900-1999 "
        "that write\n"
        "                                the legacy 15-digit number (0 to "
        "100, default\n"
        "                                " STRINGIFY(CB_GEN_LEGACY_PCT)
        "; 0: none; the truth is the same)\n",
    .shortopts = "n:s:o:",
    .longopts = gen_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct gen_args {
    cb_gen_opts opts;
    int have_people, have_seed;
} gen_args;

static int accept_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size)
{
    gen_args *a = opaque;
    long n;
    char *end;

    switch (opt) {
    case 'n':
        if (cb_cli_parse_int(arg, "--people", CB_GEN_MIN_PEOPLE,
                             CB_GEN_MAX_PEOPLE, &n, errstr, errstr_size) != 0)
            return -1;
        a->opts.people = n;
        a->have_people = 1;
        return 0;
    case 's':
        errno = 0;
        a->opts.seed = strtoull(arg, &end, 10);
        if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
            snprintf(errstr, errstr_size,
                     "--seed must be a whole number, not '%s'", arg);
            return -1;
        }
        a->have_seed = 1;
        return 0;
    case 'o':
        a->opts.out_dir = arg;
        return 0;
    case 'a':
        if (cb_date_parse(arg, strlen(arg), &a->opts.as_of) != 0) {
            snprintf(errstr, errstr_size,
                     "--as-of must be a date YYYY-MM-DD, not '%s'", arg);
            return -1;
        }
        return 0;
    case 'l':
        if (cb_cli_parse_int(arg, "--legacy-ids", 0, 100, &n, errstr,
                             errstr_size) != 0)
            return -1;
        a->opts.legacy_pct = (int)n;
        return 0;
    case 'e':
        if (cb_encoding_parse(arg, &a->opts.encoding) != 0) {
            snprintf(errstr, errstr_size,
                     "--encoding must be utf-8 or gb18030, not '%s'", arg);
            return -1;
        }
        return 0;
    }
    return 0;
}

/* The progress line: on a terminal, at most twice a second. */
typedef struct progress_state {
    int64_t shown_ms;
} progress_state;

static void show_progress(void *opaque, const char *stage, double fraction)
{
    progress_state *p = opaque;
    int64_t now = cb_clock_ms();

    if (now - p->shown_ms < 500)
        return;
    p->shown_ms = now;
    fprintf(stderr, "\rgen: %s %3.0f%%   ", stage, fraction * 100);
}

int cb_cmd_gen(int argc, char **argv)
{
    gen_args a;
    cb_gen_summary s;
    progress_state ps = {0};
    cb_cli cli;
    char err[600];
    int64_t t0 = cb_clock_ms(), rows = 0;
    int rc, tty = isatty(STDERR_FILENO);

    memset(&a, 0, sizeof(a));
    cb_date_parse(DEFAULT_AS_OF, strlen(DEFAULT_AS_OF), &a.opts.as_of);
    a.opts.encoding = CB_ENC_UTF8;
    a.opts.legacy_pct = CB_GEN_LEGACY_PCT;
    rc = cb_cli_parse(&cli, &cb_spec_gen, argc, argv, accept_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    if (!a.have_people || !a.have_seed || a.opts.out_dir == NULL) {
        cb_cli_term(&cli);
        return cb_cli_usage_error(&cb_spec_gen,
                                  "--people, --seed and --out are required");
    }
    /* the ground truth's ids are the deployment's */
    cb_idkey *ids = cb_idkey_from_config(&cli.cfg, err, sizeof(err));
    cb_cli_term(&cli);
    if (ids == NULL)
        return cb_cli_fail(&cb_spec_gen, "%s", err);
    a.opts.ids = ids;
    if (tty) {
        a.opts.progress = show_progress;
        a.opts.progress_opaque = &ps;
    }
    rc = cb_gen_run(&a.opts, &s, err, sizeof(err));
    cb_idkey_free(ids);
    if (tty)
        fputs("\r                              \r", stderr);
    if (rc != 0)
        return cb_cli_fail(&cb_spec_gen, "%s", err);
    for (int i = 0; i < CB_GEN_NFILES; i++)
        rows += s.rows[i];
    printf("gen: %" PRId64 " people, seed %" PRIu64 ": %" PRId64
           " rows in %d files, %" PRId64 " bad records; truth: %" PRId64
           " leads (%" PRId64 " open, %" PRId64 " closed), %" PRId64
           " alerts, %" PRId64 " enrolled toward targets; %.1f s\n",
           a.opts.people, a.opts.seed, rows, CB_GEN_NFILES, s.bad_records,
           s.truth.leads, s.truth.open, s.truth.closed, s.truth.alerts,
           s.truth.progress_enrolled, (double)(cb_clock_ms() - t0) / 1000);
    return CB_EXIT_OK;
}
