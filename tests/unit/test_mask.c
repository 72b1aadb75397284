/* test_mask.c -- personal data masking: ID numbers (good and malformed,
 * never a byte past the buffer), names, IDs inside free text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_mask.h"

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct mask_case {
    const char *in;
    const char *out;
} mask_case;

static const mask_case mask_cases[] = {
    {"320923198503071236", "320923************"},
    {"32092319110714071X", "320923************"},
    {"91320923MA1XYW123G", "913209********123G"},
    {"32092319850307123x", "320923************"},
    {"320923850307123", "320923*********"}, /* the legacy form */
    {"32092319850307123", "32***************"},
    {"3209231985030712366", "32*****************"},
    {"320923-19850307-1236", "32******************"},
    {"", ""},
    {"3", "3"},
    {"32", "32"},
    {"320", "32*"},
    {"\xe5\xbc\xa0\xe4\xb8\x89", "******"}, /* no half characters */
    {"\n2092319850307123\t", "*2****************"},
    {"\xef\xbc\x93\xef\xbc\x92\xef\xbc\x90\xef\xbc\x99\xef\xbc\x92\xef\xbc"
     "\x93",
     "******************"},
};

static void check_mask(const char *in, const char *want, const char *what)
{
    char out[CB_MASK_BUFSZ + 8];

    memset(out, '#', sizeof(out));
    cb_mask_id(in, out);
    if (strcmp(out, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, out, want);
    for (size_t k = CB_MASK_BUFSZ; k < sizeof(out); k++) {
        if (out[k] != '#')
            fail_msg("%s: wrote past the buffer", what);
    }
}

static void test_mask_id(void **state)
{
    char in[201], want[CB_MASK_BUFSZ], what[64];
    static const size_t long_lens[] = {62, 63, 64, 200};

    (void)state;
    for (size_t i = 0; i < N_ROWS(mask_cases); i++) {
        snprintf(what, sizeof(what), "row %zu", i);
        check_mask(mask_cases[i].in, mask_cases[i].out, what);
    }
    check_mask(NULL, "", "NULL");
    /* Long text: two characters, then stars up to the end of the buffer. */
    for (size_t i = 0; i < N_ROWS(long_lens); i++) {
        size_t n = long_lens[i], shown = n < 63 ? n : 63;

        memset(in, '7', n);
        in[n] = '\0';
        memset(want, '*', shown);
        want[0] = want[1] = '7';
        want[shown] = '\0';
        snprintf(what, sizeof(what), "length %zu", n);
        check_mask(in, want, what);
    }
}

static void test_mask_name(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd", "\xe7\x8e\x8b**"}, /* 王建国 */
        {"\xe6\x9d\x8e\xe5\x9b\x9b", "\xe6\x9d\x8e*"},                 /* 李四 */
        {"\xe6\xac\xa7\xe9\x98\xb3\xe4\xbf\xae\xe6\x96\x87",
         "\xe6\xac\xa7***"},                                          /* 欧阳修文 */
        {"\xe7\x8e\x8b", "\xe7\x8e\x8b"},                               /* 王 */
        {"Ann Lee", "A******"},
        {"", ""},
        {"\xe7\x8e", "**"},           /* broken UTF-8: hidden whole */
        {"\xff\xfe\xfd", "***"},
    };
    char out[CB_MASK_BUFSZ];
    (void)state;
    for (size_t i = 0; i < N_ROWS(rows); i++) {
        cb_mask_name(rows[i].in, out, sizeof(out));
        if (strcmp(out, rows[i].out) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, out, rows[i].out);
    }
    cb_mask_name(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    /* A small buffer is never overrun and stays terminated. */
    char small[5];
    memset(small, '#', sizeof(small));
    cb_mask_name("\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd", small, 4);
    assert_string_equal(small, "\xe7\x8e\x8b"); /* the stars do not fit */
    assert_int_equal(small[4], '#');
    cb_mask_name("\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd", small, 3);
    assert_string_equal(small, "");
    assert_int_equal(small[4], '#');
    cb_mask_name("Annabel", small, 4);
    assert_string_equal(small, "A**");
}

static void test_mask_ids_in_text(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"e1,320923198001011233,x", "e1,320923************,x"},
        {"uscc 91320923MA1M123453 ok", "uscc 913209********3453 ok"},
        /* 19 digits: no run of 18, but its first 18 pass the check */
        {"3209231980010112331", "320923************1"},
        /* 15 digits shaped like a legacy number inside a longer run:
         * masked, over-masking being the safe side */
        {"209231980010112331x", "2092319*********31x"},
        {"order 2025-0042 of 31 items", "order 2025-0042 of 31 items"},
        {"ABCDEFGHIJKLMNOPQR", "ABCDEFGHIJKLMNOPQR"},   /* no digit */
        /* a valid number inside a word is masked all the same */
        {"a320923198001011233", "a320923************"},
        /* fuzz_ident's find: glued to lower-case letters after */
        {"na\"\x9c\xff\xff" "11010519491231002Xm0",
         "na\"\x9c\xff\xff" "110105************m0"},
        /* and its second find: two valid numbers overlapping */
        {"320923192319900100001129800202246X",
         "32092319************1129800202246X"},
        {"\"320923198001011233\"", "\"320923************\""},
        /* every way a note may write a number (issue 21) */
        {"x 32092319110714071x.", "x 320923************."},
        {"3209 2319 8001 0112 33", "3209 23** **** **** **"},
        {"320923-19800101-1233", "320923-********-****"},
        {"320923\xe3\x80\x80" "19800101\xe3\x80\x80" "1233",
         "320923\xe3\x80\x80********\xe3\x80\x80****"},
        {"\xef\xbc\x93\xef\xbc\x92\xef\xbc\x90\xef\xbc\x99\xef\xbc\x92"
         "\xef\xbc\x93" "198001011233",
         "\xef\xbc\x93\xef\xbc\x92\xef\xbc\x90\xef\xbc\x99\xef\xbc\x92"
         "\xef\xbc\x93************"},
        {"\xef\xbc\x93\xef\xbc\x92\xef\xbc\x90\xef\xbc\x99\xef\xbc\x92"
         "\xef\xbc\x93\xef\xbc\x91\xef\xbc\x99",
         "\xef\xbc\x93\xef\xbc\x92\xef\xbc\x90\xef\xbc\x99\xef\xbc\x92"
         "\xef\xbc\x93\xef\xbc\x91\xef\xbc\x99"}, /* 8: not a number */
        {"old id 320923800101123 kept", "old id 320923********* kept"},
        {"id320923800101123old", "id320923*********old"},
        {"call 13912345678 on 2025-01-02", "call 13912345678 on 2025-01-02"},
    };
    char buf[128];
    (void)state;
    for (size_t i = 0; i < N_ROWS(rows); i++) {
        snprintf(buf, sizeof(buf), "%s", rows[i].in);
        cb_mask_ids_in_text(buf, strlen(buf));
        if (strcmp(buf, rows[i].out) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, buf, rows[i].out);
    }
}

/* A dead letter's raw row: every Han run keeps its first character. */
static void test_mask_han_in_text(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"hh-1,320923199001010011,徐晨志,M", "hh-1,320923199001010011,徐**,M"},
        {"王,李四", "王,李*"},
        {"阜宁某厂有限公司 ok", "阜******* ok"},
        {"no names", "no names"},
        {"", ""},
        /* not U+4E00..U+9FFF: kept; a truncated sequence: kept */
        {"\xe3\x80\x81\xe4\xb8", "\xe3\x80\x81\xe4\xb8"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[128];
        size_t n = strlen(cases[i].in);
        memcpy(buf, cases[i].in, n);
        n = cb_mask_han_in_text(buf, n);
        buf[n] = '\0';
        assert_string_equal(buf, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_id),
        cmocka_unit_test(test_mask_name),
        cmocka_unit_test(test_mask_ids_in_text),
        cmocka_unit_test(test_mask_han_in_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
