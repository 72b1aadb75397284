/* test_resp.c -- core/cb_resp.c: the commands it writes are byte for byte
 * what hiredis itself formats from the same arguments (redisFormatCommandArgv,
 * the reference), for empty, binary and long arguments and integers at the
 * edges; and numbers print as Redis reads them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "cb_resp.h"

/* What hiredis makes of argv, compared with what w holds from pos on. */
static size_t expect_same(const cb_resp *w, size_t pos, int argc,
                          const char **argv, const size_t *argvlen)
{
    char *ref = NULL;
    long long n = redisFormatCommandArgv(&ref, argc, argv, argvlen);

    assert_true(n > 0);
    assert_true(pos + (size_t)n <= w->buf.len);
    assert_memory_equal(w->buf.data + pos, ref, (size_t)n);
    redisFreeCommand(ref);
    return pos + (size_t)n;
}

static void test_like_hiredis(void **unused)
{
    cb_resp w;
    char big[70000];
    const char bin[] = {'a', '\0', '\r', '\n', 'b'};
    size_t pos = 0;

    (void)unused;
    memset(&w, 0, sizeof(w));
    memset(big, 'x', sizeof(big));
    cb_resp_begin(&w, 4);
    cb_resp_str(&w, "HSET");
    cb_resp_cat(&w, "cb:s:", "{p3}", ":17");
    cb_resp_arg(&w, bin, sizeof(bin));
    cb_resp_arg(&w, "", 0);
    cb_resp_begin(&w, 3);
    cb_resp_str(&w, "SET");
    cb_resp_cat(&w, "k", NULL, NULL);
    cb_resp_arg(&w, big, sizeof(big));
    cb_resp_begin(&w, 4);
    cb_resp_str(&w, "ZADD");
    cb_resp_int(&w, INT64_MIN);
    cb_resp_int(&w, 0);
    cb_resp_int(&w, INT64_MAX);
    assert_false(w.failed);
    {
        const char *av[] = {"HSET", "cb:s:{p3}:17", bin, ""};
        size_t al[] = {4, 12, sizeof(bin), 0};
        pos = expect_same(&w, pos, 4, av, al);
    }
    {
        const char *av[] = {"SET", "k", big};
        size_t al[] = {3, 1, sizeof(big)};
        pos = expect_same(&w, pos, 3, av, al);
    }
    {
        const char *av[] = {"ZADD", "-9223372036854775808", "0",
                            "9223372036854775807"};
        size_t al[] = {4, 20, 1, 19};
        pos = expect_same(&w, pos, 4, av, al);
    }
    assert_int_equal(pos, w.buf.len);
    cb_resp_reset(&w);
    assert_int_equal(w.buf.len, 0);
    cb_resp_free(&w);
}

static void test_itoa(void **unused)
{
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {{0, "0"},       {7, "7"},         {-1, "-1"},
                 {10, "10"},     {1023, "1023"},   {-4096, "-4096"},
                 {INT64_MAX, "9223372036854775807"},
                 {INT64_MIN, "-9223372036854775808"}};
    char out[24];

    (void)unused;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cb_resp_itoa(cases[i].v, out);
        assert_int_equal(n, strlen(cases[i].text));
        assert_memory_equal(out, cases[i].text, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like_hiredis),
        cmocka_unit_test(test_itoa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
