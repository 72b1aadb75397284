/* test_townships.c -- the township table: seed 003's real file loads with
 * its column sums, bad sums are found and named, bad files refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_townships.h"

static void test_seed_003_table(void **state)
{
    char path[512], err[256];
    cb_townships t;
    const cb_township *tw;
    const char *src = getenv("CANBAO_SOURCE_DIR");
    (void)state;

    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/data/townships-funing.csv", src);
    assert_int_equal(cb_townships_load(&t, path, err, sizeof(err)), 0);
    assert_int_equal(t.count, 19);
    assert_int_equal(t.nyears, 3);
    assert_int_equal(t.years[2], 2021);
    assert_int_equal(t.bad_sums, 0);
    assert_null(t.warnings);
    /* The table's own sums; seed 003's prose says 21,760 for 2021. */
    assert_int_equal(t.year_total[0], 50490);
    assert_int_equal(t.year_total[1], 81730);
    assert_int_equal(t.year_total[2], 27060);
    assert_int_equal(t.grand_total, 159280);
    tw = cb_townships_find(&t, "320923008", 9);
    assert_non_null(tw);
    assert_string_equal(tw->name, "\xe7\x9b\x8a\xe6\x9e\x97\xe9\x95\x87");
    assert_int_equal(tw->target[cb_townships_year_index(&t, 2020)], 7326);
    assert_null(cb_townships_find(&t, "320923099", 9));
    assert_int_equal(cb_townships_year_index(&t, 2022), -1);
    cb_townships_term(&t);
}

static void test_bad_sum_is_named(void **state)
{
    static const char data[] =
        "township_code,township,target_total,target_2019,target_2020\n"
        "320923001,A,30,10,20\n"
        "320923002,B,31,10,20\n";
    char err[256];
    cb_townships t;
    (void)state;

    assert_int_equal(cb_townships_parse(&t, data, sizeof(data) - 1, "x.csv",
                                        err, sizeof(err)),
                     0);
    assert_int_equal(t.bad_sums, 1);
    assert_non_null(strstr(t.warnings, "x.csv:3"));
    assert_non_null(strstr(t.warnings, "add up to 30"));
    assert_non_null(strstr(t.warnings, "says 31"));
    cb_townships_term(&t);
}

static void test_refusals(void **state)
{
    static const struct {
        const char *data, *want;
    } rows[] = {
        {"", "no header"},
        {"code,name\n1,2\n", "needs township_code"},
        {"township_code,township,target_total\n12,A,1\n", ":2: township_code"},
        {"township_code,township,target_total\n320923001,A,x\n",
         "not a whole number"},
        {"township_code,township,target_total\n320923001,A,1\n"
         "320923001,B,2\n",
         "appears twice"},
        {"township_code,township,target_total\n320923001,A\n", "fields"},
        {"township_code,township,target_total,target_2019\n"
         "320923001,A,1,-1\n",
         "target_2019"},
        {"township_code,township,target_total\n", "no townships"},
    };
    char err[256];
    cb_townships t;
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (cb_townships_parse(&t, rows[i].data, strlen(rows[i].data), "f",
                               err, sizeof(err)) == 0)
            fail_msg("row %zu accepted", i);
        if (strstr(err, rows[i].want) == NULL)
            fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].want);
    }
    assert_int_equal(cb_townships_load(&t, "/nonexistent", err, sizeof(err)),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_003_table),
        cmocka_unit_test(test_bad_sum_is_named),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
