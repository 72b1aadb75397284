/* test_idkey.c -- keyed ids: parsing the key, HMAC-SHA-256 digests against
 * Python's hmac module (an independent implementation), the texts of lead
 * and alert ids, fresh keys, and the key as a secret setting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_config.h"
#include "cb_idkey.h"

#define KEY_0_1F "000102030405060708090a0b0c0d0e0f" \
                 "101112131415161718191a1b1c1d1e1f"
#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

static void test_parse(void **state)
{
    static const char *const bad[] = {
        "", "00", KEY_0_1F "00", /* too short, too long */
        "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1 ",
    };
    char err[128];
    cb_idkey *k;

    (void)state;
    for (size_t i = 0; i < N_ROWS(bad); i++) {
        err[0] = '\0';
        assert_null(cb_idkey_from_hex(bad[i], err, sizeof(err)));
        assert_string_equal(err, "the id key is 64 hex digits");
    }
    assert_null(cb_idkey_from_hex(NULL, err, sizeof(err)));
    k = cb_idkey_from_hex(KEY_0_1F, err, sizeof(err));
    assert_non_null(k);
    cb_idkey_free(k);
    /* upper case digits are the same key */
    k = cb_idkey_from_hex("000102030405060708090A0B0C0D0E0F"
                          "101112131415161718191A1B1C1D1E1F", err,
                          sizeof(err));
    assert_non_null(k);
    char out[CB_ID_DIGITS + 1];
    cb_idkey_lead(k, "person", "320923199503041234", 18, "320923008",
                  "2025-01-02", out);
    assert_string_equal(out, "f4aa2738e56baf46");
    cb_idkey_free(k);
    cb_idkey_free(NULL);
}

/* hmac.new(key, text, hashlib.sha256).hexdigest()[:16] */
typedef struct digest_case {
    const char *key, *text, *digits;
} digest_case;

static const digest_case digest_cases[] = {
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "",
     "b20ae80e1d70f49e"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "person|320923199503041234|320923008|2025-01-02", "504fcb1beed50ead"},
    {KEY_0_1F, "person|320923199503041234|320923008|2025-01-02",
     "f4aa2738e56baf46"},
};

static void test_digest(void **state)
{
    char err[128], out[CB_ID_DIGITS + 1];

    (void)state;
    for (size_t i = 0; i < N_ROWS(digest_cases); i++) {
        const digest_case *c = &digest_cases[i];
        cb_idkey *k = cb_idkey_from_hex(c->key, err, sizeof(err));
        assert_non_null(k);
        cb_idkey_digest(k, c->text, strlen(c->text), out);
        assert_string_equal(out, c->digits);
        /* the keyed state is copied, not used up: the same again */
        cb_idkey_digest(k, c->text, strlen(c->text), out);
        assert_string_equal(out, c->digits);
        cb_idkey_free(k);
    }
}

/* The texts RULES.md gives for lead, alert and review ids. */
static void test_lead_and_alert(void **state)
{
    char err[128], out[CB_ID_DIGITS + 1];
    cb_idkey *k = cb_idkey_from_hex(KEY_0_1F, err, sizeof(err));

    (void)state;
    assert_non_null(k);
    /* only the subject's first subject_len bytes count */
    cb_idkey_lead(k, "employer", "91320923MA1M00001Xtrailing", 18,
                  "320923008", "2025-03-01", out);
    assert_string_equal(out, "10e22f5a892befb0");
    cb_idkey_alert(k, "active_after_death", "320923198003031238", 18, "",
                   out);
    assert_string_equal(out, "c3751d8d8f53ba3b");
    /* a review item's (RULES.md 9.3), against Python's hmac; only the
     * other's first other_len bytes count */
    cb_idkey_review(k, "death_unconfirmed", "320923198003031238", 18,
                    "王小明 and more", 9, out);
    assert_string_equal(out, "dcb008940147b16b");
    cb_idkey_free(k);
}

static void test_generate(void **state)
{
    char a[CB_IDKEY_HEX_SIZE], b[CB_IDKEY_HEX_SIZE], err[128];

    (void)state;
    assert_int_equal(cb_idkey_generate(a), 0);
    assert_int_equal(cb_idkey_generate(b), 0);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
    cb_idkey *k = cb_idkey_from_hex(a, err, sizeof(err));
    assert_non_null(k);
    cb_idkey_free(k);
}

static void test_config(void **state)
{
    cb_config cfg;
    char err[256];

    (void)state;
    cb_config_init(&cfg);
    assert_null(cb_idkey_from_config(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "canbao idkey"));
    assert_int_equal(cb_config_set(&cfg, "id_key", "0011", CB_CONF_FILE, err,
                                   sizeof(err)),
                     0);
    assert_null(cb_idkey_from_config(&cfg, err, sizeof(err)));
    assert_string_equal(err, "id_key (CANBAO_ID_KEY): the id key is 64 hex "
                             "digits");
    cb_config_term(&cfg);
    cb_config_init(&cfg);
    assert_int_equal(cb_config_set(&cfg, "id_key", KEY_0_1F, CB_CONF_ENV, err,
                                   sizeof(err)),
                     0);
    cb_idkey *k = cb_idkey_from_config(&cfg, err, sizeof(err));
    assert_non_null(k);
    cb_idkey_free(k);
    cb_config_term(&cfg);
    assert_true(cb_config_is_secret("id_key", KEY_0_1F));
}

/* An id's digits as bytes and back; upper case and non-hex refused. */
static void test_id_bytes(void **state)
{
    unsigned char b[CB_ID_DIGITS / 2];
    char back[CB_ID_DIGITS + 1];
    static const unsigned char want[] = {0x01, 0x23, 0x45, 0x67,
                                         0x89, 0xab, 0xcd, 0xef};

    (void)state;
    assert_int_equal(cb_id_to_bytes("0123456789abcdef", b), 0);
    assert_memory_equal(b, want, sizeof(want));
    cb_id_from_bytes(b, back);
    assert_string_equal(back, "0123456789abcdef");
    assert_int_equal(cb_id_to_bytes("0123456789ABCDEF", b), -1);
    assert_int_equal(cb_id_to_bytes("0123456789abcdeg", b), -1);
    assert_int_equal(cb_id_to_bytes("X123456789abcdef", b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_lead_and_alert),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_id_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
