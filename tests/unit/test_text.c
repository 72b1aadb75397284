/* test_text.c -- feed encodings: GB18030 (two- and four-byte sequences)
 * becomes UTF-8, bad bytes are found and placed, UTF-8 is checked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_text.h"

typedef struct text_case {
    cb_encoding enc;
    const char *in;
    size_t len;
    const char *out; /* NULL: refused */
    size_t bad_at;
} text_case;

#define S(lit) lit, sizeof(lit) - 1

static const text_case cases[] = {
    {CB_ENC_GB18030, S("\xd5\xc5\xc8\xfd"), "\xe5\xbc\xa0\xe4\xb8\x89", 0},
    {CB_ENC_GB18030, S("\xb8\xb7\xc4\xfe\xcf\xd8"),
     "\xe9\x98\x9c\xe5\xae\x81\xe5\x8e\xbf", 0},            /* 阜宁县 */
    {CB_ENC_GB18030, S("\xa2\xe3"), "\xe2\x82\xac", 0},     /* € */
    {CB_ENC_GB18030, S("\x95\x32\x82\x36"), "\xf0\xa0\x80\x80", 0}, /* U+20000 */
    {CB_ENC_GB18030, S("abc,123"), "abc,123", 0},
    {CB_ENC_GB18030, S(""), "", 0},
    {CB_ENC_GB18030, S("ab\xff"), NULL, 2},                /* no such byte */
    {CB_ENC_GB18030, S("\xd5\xc5\xd5"), NULL, 2},          /* truncated */
    {CB_ENC_GB18030, S("a\0b"), NULL, 1},                  /* NUL */
    {CB_ENC_UTF8, S("\xe5\xbc\xa0"), "\xe5\xbc\xa0", 0},
    {CB_ENC_UTF8, S("ok\xd5\xc5"), NULL, 2},               /* GB bytes */
    {CB_ENC_UTF8, S("a\0b"), NULL, 1},
};

static void test_cases(void **state)
{
    char err[128];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const text_case *c = &cases[i];
        cb_text *t = cb_text_new(c->enc, err, sizeof(err));
        const char *out = NULL;
        size_t outlen = 0, bad = 999;
        int rc;

        assert_non_null(t);
        rc = cb_text_to_utf8(t, c->in, c->len, &out, &outlen, &bad);
        if (c->out != NULL) {
            if (rc != 0)
                fail_msg("row %zu refused at %zu", i, bad);
            assert_int_equal(outlen, strlen(c->out));
            assert_memory_equal(out, c->out, outlen);
            assert_int_equal(out[outlen], '\0');
        } else {
            if (rc != -1)
                fail_msg("row %zu accepted", i);
            assert_int_equal(bad, c->bad_at);
        }
        /* The converter works again after a refusal. */
        assert_int_equal(cb_text_to_utf8(t, "x", 1, &out, &outlen, &bad), 0);
        cb_text_free(t);
    }
}

static void test_encoding_names(void **state)
{
    cb_encoding e;
    (void)state;
    assert_int_equal(cb_encoding_parse("UTF-8", &e), 0);
    assert_int_equal(e, CB_ENC_UTF8);
    assert_int_equal(cb_encoding_parse("gbk", &e), 0);
    assert_int_equal(e, CB_ENC_GB18030);
    assert_int_equal(cb_encoding_parse("latin1", &e), -1);
    assert_string_equal(cb_encoding_name(CB_ENC_GB18030), "gb18030");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_encoding_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
