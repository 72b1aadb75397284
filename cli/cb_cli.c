/* cb_cli.c -- the common options of every subcommand, parsed in one place:
 * -b/--brokers, -r/--redis, -c/--config, -X key=value, -v/--verbose,
 * -q/--quiet, -h/--help. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_cli.h"
#include "cb_log.h"

#define COMMON_SHORTOPTS "b:r:c:X:vqh"
#define MAX_LONGOPTS     64

static const struct option common_longopts[] = {
    {"brokers", required_argument, NULL, 'b'},
    {"redis", required_argument, NULL, 'r'},
    {"config", required_argument, NULL, 'c'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
};

static const char common_help[] =
    "Common options:\n"
    "  -b, --brokers HOST:PORT[,..]  Kafka bootstrap servers "
    "(env CANBAO_BROKERS;\n"
    "                                default " CB_DEFAULT_BROKERS ")\n"
    "  -r, --redis URL               redis://[user:pass@]host:port[/db] "
    "(env\n"
    "                                CANBAO_REDIS; default " CB_DEFAULT_REDIS
    ")\n"
    "  -c, --config FILE             key=value settings (env CANBAO_CONFIG)\n"
    "  -X KEY=VALUE                  a librdkafka property, as kcat takes "
    "it\n"
    "  -v, --verbose / -q, --quiet   more / less on stderr\n"
    "  -h, --help                    this help\n";

void cb_cli_print_help(const cb_cli_spec *spec)
{
    printf("Usage: canbao %s [OPTIONS]%s%s\n\n%s\n", spec->name,
           spec->synopsis && *spec->synopsis ? " " : "",
           spec->synopsis ? spec->synopsis : "", spec->summary);
    if (spec->description != NULL)
        printf("%s\n", spec->description);
    if (spec->options_help != NULL && *spec->options_help != '\0')
        printf("\nOptions:\n%s", spec->options_help);
    printf("\n%s", common_help);
    printf("\nExit status: 0 success, 1 runtime failure, 2 bad usage.\n");
}

int cb_cli_usage_error(const cb_cli_spec *spec, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "canbao %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'canbao %s --help'.\n", spec->name);
    return CB_EXIT_USAGE;
}

int cb_cli_reason_opt(void *opaque, int opt, const char *arg, char *errstr,
                      size_t errstr_size)
{
    (void)errstr, (void)errstr_size;
    if (opt != 'R')
        return -1;
    *(const char **)opaque = arg;
    return 0;
}

int cb_cli_check_reason(const cb_cli_spec *spec, const char *why,
                        const char *needed_by, size_t max)
{
    if (needed_by != NULL && (why == NULL || *why == '\0'))
        return cb_cli_usage_error(spec, "%s needs --reason", needed_by);
    if (why != NULL && strlen(why) > max)
        return cb_cli_usage_error(spec, "--reason is at most %zu bytes", max);
    return 0;
}

int cb_cli_fail(const cb_cli_spec *spec, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "canbao %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CB_EXIT_FAILURE;
}

int cb_cli_parse_int(const char *arg, const char *what, long min, long max,
                     long *out, char *errstr, size_t errstr_size)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
        snprintf(errstr, errstr_size,
                 "%s must be a whole number from %ld "
                 "to %ld, not '%s'",
                 what, min, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

/* Joins the subcommand's long options with the common ones. */
static int merge_longopts(const cb_cli_spec *spec, struct option *out)
{
    size_t n = 0;
    size_t ncommon = sizeof(common_longopts) / sizeof(common_longopts[0]);

    if (spec->longopts != NULL)
        for (; spec->longopts[n].name != NULL; n++) {
            if (n + ncommon + 1 >= MAX_LONGOPTS)
                return -1;
            out[n] = spec->longopts[n];
        }
    for (size_t i = 0; i < ncommon; i++)
        out[n++] = common_longopts[i];
    memset(&out[n], 0, sizeof(out[n]));
    return 0;
}

int cb_cli_parse(cb_cli *cli, const cb_cli_spec *spec, int argc, char **argv,
                 cb_cli_opt_fn *on_opt, void *opaque)
{
    struct option longopts[MAX_LONGOPTS];
    char shortopts[128];
    char err[512];
    int have_file = 0, verbosity = 0, nargs, c;

    cb_config_init(&cli->cfg);
    if (merge_longopts(spec, longopts) != 0 ||
        (size_t)snprintf(shortopts, sizeof(shortopts), ":%s%s",
                         spec->shortopts ? spec->shortopts : "",
                         COMMON_SHORTOPTS) >= sizeof(shortopts)) {
        cb_cli_fail(spec, "internal error: too many options");
        return CB_EXIT_USAGE;
    }

    optind = 0; /* GNU getopt: 0 re-initialises, so tests may parse twice */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        err[0] = '\0';
        switch (c) {
        case 'b':
            if (cb_config_set(&cli->cfg, "brokers", optarg, CB_CONF_ARGS, err,
                              sizeof(err)) != 0)
                goto usage;
            break;
        case 'r':
            if (cb_config_set(&cli->cfg, "redis", optarg, CB_CONF_ARGS, err,
                              sizeof(err)) != 0)
                goto usage;
            break;
        case 'c':
            if (cb_config_load_file(&cli->cfg, optarg, err, sizeof(err)) != 0)
                goto usage;
            have_file = 1;
            break;
        case 'X': {
            char key[256];
            const char *eq = strchr(optarg, '=');
            if (eq == NULL || eq == optarg ||
                (size_t)(eq - optarg) + 7 > sizeof(key)) {
                snprintf(err, sizeof(err), "-X takes KEY=VALUE, not '%s'",
                         optarg);
                goto usage;
            }
            snprintf(key, sizeof(key), "kafka.%.*s", (int)(eq - optarg),
                     optarg);
            if (cb_config_set(&cli->cfg, key, eq + 1, CB_CONF_ARGS, err,
                              sizeof(err)) != 0)
                goto usage;
            break;
        }
        case 'v':
            verbosity++;
            break;
        case 'q':
            verbosity--;
            break;
        case 'h':
            cb_config_term(&cli->cfg);
            cb_cli_print_help(spec);
            return CB_CLI_HELP;
        case ':':
            snprintf(err, sizeof(err), "option '%s' needs a value",
                     argv[optind - 1]);
            goto usage;
        case '?':
            if (optopt != 0)
                snprintf(err, sizeof(err), "unknown option '-%c'", optopt);
            else
                snprintf(err, sizeof(err), "unknown option '%s'",
                         argv[optind - 1]);
            goto usage;
        default:
            if (on_opt == NULL ||
                on_opt(opaque, c, optarg, err, sizeof(err)) != 0) {
                if (err[0] == '\0')
                    snprintf(err, sizeof(err), "bad option");
                goto usage;
            }
        }
    }
    if (cb_config_load_env(&cli->cfg, have_file, err, sizeof(err)) != 0)
        goto usage;
    {
        const char *lvl = cb_config_get(&cli->cfg, "log.level");
        cb_log_level level = CB_LOG_INFO;
        if (lvl != NULL && cb_log_level_parse(lvl, &level) != 0) {
            snprintf(err, sizeof(err),
                     "log.level must be error, warn, info "
                     "or debug");
            goto usage;
        }
        level = (cb_log_level)((int)level + verbosity);
        if ((int)level < CB_LOG_ERROR)
            level = CB_LOG_ERROR;
        if (level > CB_LOG_DEBUG)
            level = CB_LOG_DEBUG;
        cb_log_setup(NULL, level);
    }
    if (cli->cfg.exposed[0] != '\0')
        cb_warn("%s holds a secret and others than its owner may read it "
                "(chmod 600 %s)", cli->cfg.exposed, cli->cfg.exposed);

    nargs = argc - optind;
    if (nargs < spec->min_args) {
        snprintf(err, sizeof(err), "missing argument%s: %s",
                 spec->min_args - nargs > 1 ? "s" : "",
                 spec->synopsis ? spec->synopsis : "");
        goto usage;
    }
    if (spec->max_args >= 0 && nargs > spec->max_args) {
        snprintf(err, sizeof(err), "unexpected argument '%s'",
                 argv[optind + spec->max_args]);
        goto usage;
    }
    cli->optind = optind;
    return 0;

usage:
    cb_config_term(&cli->cfg);
    return cb_cli_usage_error(spec, "%s", err);
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void cb_cli_catch_stop_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cb_cli_stop_requested(void)
{
    return stop_requested != 0;
}

void cb_cli_term(cb_cli *cli)
{
    cb_config_term(&cli->cfg);
}
