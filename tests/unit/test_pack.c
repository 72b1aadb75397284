/* test_pack.c -- consumers/cb_pack.c: integers of every width round-trip
 * with their sign, in the bytes struct.pack writes; a string too long for
 * its length fails the writer; a reader that runs past the end fails and
 * reads zeros, and says whether bytes are left over. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_pack.h"

static void test_ints(void **unused)
{
    static const int64_t values[] = {0, 1, -1, 127, -128, 4095, -70000,
                                     INT64_MAX, INT64_MIN};
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;

    (void)unused;
    cb_pack_init(&w, &b);
    cb_pack_int(&w, -2, 3); /* struct.pack("<i", -2)[:3] */
    assert_false(w.failed);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\xfe\xff\xff", 3);
    for (int n = 1; n <= 8; n++)
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            int64_t v = values[i];
            int64_t lo = n == 8 ? INT64_MIN : -((int64_t)1 << (8 * n - 1));
            int64_t hi = n == 8 ? INT64_MAX : ((int64_t)1 << (8 * n - 1)) - 1;
            if (v < lo || v > hi)
                continue;
            b.len = 0;
            cb_pack_int(&w, v, n);
            cb_unpack_init(&r, b.data, b.len);
            assert_int_equal(cb_unpack_int(&r, n), v);
            assert_int_equal(cb_unpack_done(&r), 0);
            cb_unpack_init(&r, b.data, b.len);
            assert_int_equal(cb_unpack_uint(&r, n),
                             n == 8 ? (uint64_t)v
                                    : (uint64_t)v & ((1ULL << (8 * n)) - 1));
        }
    cb_buf_free(&b);
}

static void test_strings(void **unused)
{
    char big[300];
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;
    cb_str s;

    (void)unused;
    memset(big, 'z', sizeof(big));
    cb_pack_init(&w, &b);
    cb_pack_str(&w, "abc", 3, 1);
    cb_pack_str(&w, big, sizeof(big), 2);
    assert_false(w.failed);
    assert_int_equal(b.len, 1 + 3 + 2 + sizeof(big));
    cb_unpack_init(&r, b.data, b.len);
    cb_unpack_str(&r, 1, &s);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.s, "abc", 3);
    /* 300 bytes do not fit a cb_str */
    cb_unpack_str(&r, 2, &s);
    assert_true(r.failed);
    assert_int_equal(s.len, 0);
    /* 256 bytes do not fit a one-byte length */
    cb_pack_str(&w, big, 256, 1);
    assert_true(w.failed);
    cb_buf_free(&b);
}

static void test_short_and_long(void **unused)
{
    const char bytes[] = {5, 0, 'h', 'i'};
    cb_unpack r;

    (void)unused;
    cb_unpack_init(&r, bytes, sizeof(bytes));
    assert_int_equal(cb_unpack_uint(&r, 2), 5);
    assert_null(cb_unpack_bytes(&r, 5)); /* only 2 left */
    assert_true(r.failed);
    assert_int_equal(cb_unpack_uint(&r, 1), 0);
    assert_int_equal(cb_unpack_done(&r), -1);
    /* bytes left over are refused too */
    cb_unpack_init(&r, bytes, sizeof(bytes));
    assert_int_equal(cb_unpack_uint(&r, 2), 5);
    assert_int_equal(cb_unpack_done(&r), -1);
    assert_true(cb_unpack_room(&r, 2, 1));
    assert_false(cb_unpack_room(&r, 2, 2));
    assert_true(r.failed);
    /* nothing at all */
    cb_unpack_init(&r, NULL, 0);
    assert_int_equal(cb_unpack_done(&r), 0);
    assert_int_equal(cb_unpack_int(&r, 3), 0);
    assert_int_equal(cb_unpack_done(&r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_short_and_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
