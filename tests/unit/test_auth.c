/* test_auth.c -- workbench/cb_auth.c without Redis: names, password hashes
 * (salted: two hashes of one password differ, both verify; a wrong
 * password or a changed hash does not), length limits, and token
 * comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_auth.h"

static void test_names(void **unused)
{
    (void)unused;
    assert_true(cb_auth_name_ok("fc-team_1.a"));
    assert_false(cb_auth_name_ok(""));
    assert_false(cb_auth_name_ok("a b"));
    assert_false(cb_auth_name_ok("a:b"));
    assert_false(cb_auth_name_ok("名字"));
    char longname[80];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(cb_auth_name_ok(longname));
    longname[64] = '\0'; /* 64 characters: one too many */
    assert_false(cb_auth_name_ok(longname));
    longname[63] = '\0';
    assert_true(cb_auth_name_ok(longname));
}

static void test_hashes(void **unused)
{
    char h1[512], h2[512], err[128];

    (void)unused;
    assert_int_equal(cb_auth_hash("correct horse", h1, sizeof(h1), err,
                                  sizeof(err)), 0);
    assert_int_equal(cb_auth_hash("correct horse", h2, sizeof(h2), err,
                                  sizeof(err)), 0);
    assert_memory_equal(h1, "$y$", 3); /* yescrypt */
    assert_string_not_equal(h1, h2);   /* salted */
    assert_null(strstr(h1, "correct"));
    assert_true(cb_auth_verify("correct horse", h1));
    assert_true(cb_auth_verify("correct horse", h2));
    assert_false(cb_auth_verify("correct horsE", h1));
    assert_false(cb_auth_verify("", h1));
    h1[strlen(h1) - 1] ^= 1;
    assert_false(cb_auth_verify("correct horse", h1));
    assert_false(cb_auth_verify("correct horse", "not a hash"));
    assert_int_equal(cb_auth_hash("short", h1, sizeof(h1), err, sizeof(err)),
                     -1);
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(cb_auth_hash(big, h1, sizeof(h1), err, sizeof(err)), -1);
}

static void test_token_eq(void **unused)
{
    (void)unused;
    assert_true(cb_auth_token_eq("abcd", "abcd"));
    assert_false(cb_auth_token_eq("abcd", "abce"));
    assert_false(cb_auth_token_eq("abcd", "abc"));
    assert_false(cb_auth_token_eq("", "a"));
    assert_true(cb_auth_token_eq("", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_token_eq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
