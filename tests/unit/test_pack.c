/* test_pack.c -- consumers/cb_pack.c: integers of every width round-trip
 * with their sign, in the bytes struct.pack writes; a string too long for
 * its length fails the writer; a reader that runs past the end fails and
 * reads zeros, and says whether bytes are left over; varints and event
 * ids packed against their neighbours round-trip, and every truncation of
 * them is refused. */
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

static void test_varints(void **unused)
{
    static const int64_t values[] = {0, 1, -1, 63, -64, 64, 127, 128,
                                     300, -70000, INT64_MAX, INT64_MIN};
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;

    (void)unused;
    cb_pack_init(&w, &b);
    cb_pack_uvar(&w, 300); /* 0xac 0x02 */
    cb_pack_svar(&w, -2);  /* 3 */
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\xac\x02\x03", 3);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        b.len = 0;
        cb_pack_uvar(&w, (uint64_t)values[i]);
        cb_pack_svar(&w, values[i]);
        cb_unpack_init(&r, b.data, b.len);
        assert_int_equal(cb_unpack_uvar(&r), (uint64_t)values[i]);
        assert_int_equal(cb_unpack_svar(&r), values[i]);
        assert_int_equal(cb_unpack_done(&r), 0);
        /* every truncation fails */
        for (size_t n = 0; n < b.len; n++) {
            cb_unpack_init(&r, b.data, n);
            (void)cb_unpack_uvar(&r);
            (void)cb_unpack_svar(&r);
            assert_int_equal(cb_unpack_done(&r), -1);
        }
    }
    /* eleven bytes of continuation are none */
    cb_unpack_init(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    (void)cb_unpack_uvar(&r);
    assert_true(r.failed);
    cb_buf_free(&b);
}

/* Packs ids[] as a list (each against the one before) and reads it back;
 * returns the bytes it took. */
static size_t eid_list(const char *const *ids, size_t n)
{
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;
    cb_str prev = {0}, s;
    size_t len;

    cb_pack_init(&w, &b);
    for (size_t i = 0; i < n; i++)
        cb_pack_eid(&w, ids[i], strlen(ids[i]), i ? ids[i - 1] : NULL,
                    i ? strlen(ids[i - 1]) : 0);
    assert_false(w.failed);
    cb_unpack_init(&r, b.data, b.len);
    for (size_t i = 0; i < n; i++) {
        cb_unpack_eid(&r, prev.s, prev.len, &s);
        assert_false(r.failed);
        assert_int_equal(s.len, strlen(ids[i]));
        assert_memory_equal(s.s, ids[i], s.len);
        prev = s;
    }
    assert_int_equal(cb_unpack_done(&r), 0);
    /* every truncation fails */
    for (size_t k = 0; k < b.len; k++) {
        cb_unpack_init(&r, b.data, k);
        prev.len = 0;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_unpack_eid(&r, prev.s, prev.len, &s);
            prev = s;
        }
        assert_int_equal(cb_unpack_done(&r), -1);
    }
    len = b.len;
    cb_buf_free(&b);
    return len;
}

static void test_eids(void **unused)
{
    static const char *const gen[] = {"en-000786313", "en-000795791",
                                      "en-000700001", "en-000700001"};
    static const char *const odd[] = {
        "", "x", "1", "007", "abc-", "en-000786313", "dn-000786313",
        "en-00786313", "en-000786313x", "en-9999999999999999999",
        "en-999999999999999999", "en-000000000000000000", "\xff\x01-5"};
    char big[300];
    cb_buf b = {0};
    cb_pack w;

    (void)unused;
    /* 9 bytes for the first id, then about 3 for each near it */
    assert_int_equal(eid_list(gen, 1), 9);
    assert_int_equal(eid_list(gen, 4), 9 + 3 + 3 + 1);
    /* ids of every form, each against the one before */
    eid_list(odd, sizeof(odd) / sizeof(odd[0]));
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        eid_list(&odd[i], 1);
    /* longer than 255 bytes fails the writer */
    memset(big, '7', sizeof(big));
    cb_pack_init(&w, &b);
    cb_pack_eid(&w, big, sizeof(big), NULL, 0);
    assert_true(w.failed);
    cb_buf_free(&b);
}

/* A county's first township code from its six digits, wherever they
 * stand in an id; none when one of them is not a digit. */
static void test_county_base(void **unused)
{
    (void)unused;
    assert_int_equal(cb_code_county_base("320923198001011234"), 320923000);
    assert_int_equal(cb_code_county_base("91320923MA1XXXXXXB" + 2),
                     320923000);
    assert_int_equal(cb_code_county_base("000000"), 0);
    assert_int_equal(cb_code_county_base("32092X"), 0);
    assert_int_equal(cb_code_county_base("ABCDEF"), 0);
    assert_int_equal(CB_CODE_COUNTY_SPAN, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_short_and_long),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_eids),
        cmocka_unit_test(test_county_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
