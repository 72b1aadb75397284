/* cb_cli.h -- what every canbao subcommand shares: the common options
 * (-b, -r, -c, -X, --help), parsed in one place, and the exit codes of the
 * contract.
 *
 * A subcommand is a function `int cb_cmd_NAME(int argc, char **argv)` with
 * argv[0] its own name.  It describes its own options with a cb_cli_spec and
 * calls cb_cli_parse(), which also takes the common options, answers --help
 * with the usage text, and reports bad usage; the subcommand then reads its
 * positional arguments from argv[cli.optind..argc).
 *
 * Only cli code (and main) exits; everything below returns errors. */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <getopt.h>

#include "cb_config.h"

/* Exit statuses of the contract. */
#define CB_EXIT_OK      0
#define CB_EXIT_FAILURE 1
#define CB_EXIT_USAGE   2

/* Returned by cb_cli_parse when --help was answered: exit 0. */
#define CB_CLI_HELP (-100)

typedef struct cb_cli_spec {
    const char *name;              /* "produce" */
    const char *synopsis;          /* "FEED FILE..." after the name */
    const char *summary;           /* one line, for `canbao --help` */
    const char *description;       /* more, for `canbao NAME --help`; or
                                      NULL */
    const char *options_help;      /* its own options, one per line, or NULL */
    const char *shortopts;         /* getopt short options of its own, or "" */
    const struct option *longopts; /* its own, ending with a zero entry, or
                                      NULL */
    int min_args, max_args;        /* positional arguments; max -1: any */
} cb_cli_spec;

/* Called for each option of the subcommand's own.  Returns 0, or -1 after
 * writing the reason into errstr (then the usage error is reported). */
typedef int(cb_cli_opt_fn)(void *opaque, int opt, const char *arg, char *errstr,
                           size_t errstr_size);

typedef struct cb_cli {
    cb_config cfg; /* common settings, with file and environment applied */
    int optind;    /* first positional argument */
} cb_cli;

/* Parses a subcommand's argv.  Returns 0 (cli->cfg filled, to be released
 * with cb_cli_term), CB_CLI_HELP after printing the help to stdout, or
 * CB_EXIT_USAGE after printing the problem and a hint to stderr (nothing to
 * release in those two cases). */
int cb_cli_parse(cb_cli *cli, const cb_cli_spec *spec, int argc, char **argv,
                 cb_cli_opt_fn *on_opt, void *opaque);

/* Releases the parsed settings. */
void cb_cli_term(cb_cli *cli);

/* Prints the full --help text of a subcommand to stdout. */
void cb_cli_print_help(const cb_cli_spec *spec);

/* Reports a usage problem ("canbao NAME: ...", then a hint to use --help)
 * and returns CB_EXIT_USAGE, for subcommands that find one after parsing. */
int cb_cli_usage_error(const cb_cli_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The --reason (-R) of a team's decision or a reviewer's verdict: the
 * option callback that keeps it (opaque: a const char **), and the check
 * after parsing: at most max bytes, and given when needed_by is not NULL
 * (the error names it: "a refusal").  Returns 0, or the usage error's
 * exit status, reported. */
int cb_cli_reason_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size);
int cb_cli_check_reason(const cb_cli_spec *spec, const char *why,
                        const char *needed_by, size_t max);

/* Reports a runtime failure ("canbao NAME: ...") and returns
 * CB_EXIT_FAILURE. */
int cb_cli_fail(const cb_cli_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For long-running subcommands: SIGINT and SIGTERM only set a flag that
 * cb_cli_stop_requested() reads (the handler does nothing else), and
 * SIGPIPE is ignored so that a closed pipe is an error return, not a
 * death.  Called once, from the subcommand, before it starts work. */
void cb_cli_catch_stop_signals(void);

/* Has SIGINT or SIGTERM arrived since cb_cli_catch_stop_signals? */
int cb_cli_stop_requested(void);

/* Parses a decimal integer option within [min, max].  Returns 0 or -1 with
 * errstr. */
int cb_cli_parse_int(const char *arg, const char *what, long min, long max,
                     long *out, char *errstr, size_t errstr_size);

#endif
