/* test_cli.c -- the common command-line options every command shares
 * (cli/cb_cli.c): the command line beats the environment, -X reaches the
 * kafka.* settings, and bad usage is reported with nothing to release. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "cb_cli.h"
#include "cb_config.h"

static const struct option spec_opts[] = {
    {"xopt", required_argument, NULL, 'x'}, {NULL, 0, NULL, 0}};

static const cb_cli_spec spec = {.name = "t",
                                 .synopsis = "ARG",
                                 .summary = "test",
                                 .shortopts = "x:",
                                 .longopts = spec_opts,
                                 .min_args = 1,
                                 .max_args = 1};

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    (void)errstr, (void)errstr_size;
    if (opt != 'x')
        return -1;
    *(const char **)opaque = arg;
    return 0;
}

/* The command line beats the environment; -X goes to kafka.*. */
static void test_cli_parse(void **state)
{
    char *argv[] = {"t", "-b", "cli:1", "-X", "linger.ms=7", "--xopt", "v",
                    "pos", NULL};
    const char *x = NULL;
    cb_cli cli;
    (void)state;

    setenv("CANBAO_BROKERS", "env:1", 1);
    setenv("CANBAO_REDIS", "redis://env:2", 1);
    unsetenv("CANBAO_CONFIG");
    assert_int_equal(cb_cli_parse(&cli, &spec, 8, argv, on_opt, &x), 0);
    assert_string_equal(cb_config_brokers(&cli.cfg), "cli:1");
    assert_string_equal(cb_config_redis(&cli.cfg), "redis://env:2");
    assert_string_equal(cb_config_get(&cli.cfg, "kafka.linger.ms"), "7");
    assert_string_equal(x, "v");
    assert_int_equal(cli.optind, 7);
    cb_cli_term(&cli);

    /* Bad usage is reported, with nothing to release. */
    char *bad1[] = {"t", "--nosuch", "pos", NULL};
    assert_int_equal(cb_cli_parse(&cli, &spec, 3, bad1, on_opt, &x),
                     CB_EXIT_USAGE);
    char *bad2[] = {"t", NULL};
    assert_int_equal(cb_cli_parse(&cli, &spec, 1, bad2, on_opt, &x),
                     CB_EXIT_USAGE);
    char *bad3[] = {"t", "-X", "noequals", "pos", NULL};
    assert_int_equal(cb_cli_parse(&cli, &spec, 4, bad3, on_opt, &x),
                     CB_EXIT_USAGE);
    char *bad4[] = {"t", "a", "b", NULL};
    assert_int_equal(cb_cli_parse(&cli, &spec, 3, bad4, on_opt, &x),
                     CB_EXIT_USAGE);
    unsetenv("CANBAO_BROKERS");
    unsetenv("CANBAO_REDIS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
