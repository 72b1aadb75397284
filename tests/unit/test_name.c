/* test_name.c -- the normal form of names (core/cb_name.h), case by case
 * from docs/RULES.md 9.2. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_name.h"

static void check(const char *name, const char *want)
{
    char out[256];
    int n = cb_name_normalize(name, strlen(name), out, sizeof(out));

    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_forms(void **state)
{
    (void)state;
    check("王小明", "王小明");
    check("王 小明", "王小明");               /* ASCII space */
    check("王\u3000小明 ", "王小明");         /* ideographic space */
    check("\t王小明\r\n", "王小明");
    check("ＷＡＮＧ　Ｌｉ", "WANGLi");        /* full-width ASCII */
    check("买买提·吐尔逊", "买买提·吐尔逊");
    check("买买提・吐尔逊", "买买提·吐尔逊"); /* katakana middle dot */
    check("买买提•吐尔逊", "买买提·吐尔逊");  /* bullet */
    check("买买提.吐尔逊", "买买提·吐尔逊");  /* full stop */
    check("买买提．吐尔逊", "买买提·吐尔逊"); /* full-width full stop */
    check("", "");
}

static void test_not_the_same(void **state)
{
    (void)state;
    /* other characters, other letters' case, other dots stay apart */
    assert_false(cb_name_same("王小明", 9, "王晓明", 9));
    assert_false(cb_name_same("Li", 2, "LI", 2));
    assert_false(cb_name_same("a-b", 3, "a·b", 4));
    assert_true(cb_name_same("王 小明", 10, "王小明", 9));
    assert_true(cb_name_same("A.B", 3, "Ａ・Ｂ", 9));
}

static void test_bytes_and_room(void **state)
{
    char out[8];

    (void)state;
    /* bytes that are not UTF-8 are kept */
    assert_int_equal(cb_name_normalize("\xff\xfe x", 4, out, sizeof(out)), 3);
    assert_memory_equal(out, "\xff\xfex", 4);
    /* a truncated sequence is kept byte by byte */
    assert_int_equal(cb_name_normalize("\xe7\x8e", 2, out, sizeof(out)), 2);
    /* no room: -1 and "" */
    assert_int_equal(cb_name_normalize("王小明", 9, out, sizeof(out)), -1);
    assert_string_equal(out, "");
    /* '.' grows to two bytes */
    assert_int_equal(cb_name_normalize("...", 3, out, sizeof(out)), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_not_the_same),
        cmocka_unit_test(test_bytes_and_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
