/* test_decisionrec.c -- the packed team decision of
 * consumers/cb_decisionrec.c, pinned: decisions encode to the bytes
 * written here (worked out by hand from the layout in cb_decisionrec.h:
 * the bytes the decision hash holds), decode back equal, and a value cut
 * short or with bytes after it is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_decisionrec.h"
#include "golden.h"

static void assert_refused(const cb_buf *b)
{
    cb_decisionrec d;

    for (size_t n = 0; n < b->len; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b->data, n);
        assert_int_equal(cb_decisionrec_decode(copy, n, &d), -1);
        free(copy);
    }
    char *longer = malloc(b->len + 1);
    assert_non_null(longer);
    memcpy(longer, b->data, b->len);
    longer[b->len] = 'x';
    assert_int_equal(cb_decisionrec_decode(longer, b->len + 1, &d), -1);
    free(longer);
}

typedef struct golden {
    cb_decisionrec d;
    const char *hex;
} golden;

static void test_golden(void **state)
{
    static const golden rows[] = {
        {{CB_DECISION_REFUSED, 19782, "no answer", 9},
         "01 464d00 0900 6e6f20616e73776572"},
        {{CB_DECISION_CONTACTED, 19782, NULL, 0}, "00 464d00 0000"},
        {{CB_DECISION_ENROLLED, 0, "", 0}, "02 000000 0000"},
        {{CB_DECISION_INVALID, -1, "x", 1}, "03 ffffff 0100 78"},
    };
    cb_buf b = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const cb_decisionrec *d = &rows[i].d;
        cb_decisionrec back;
        assert_int_equal(cb_decisionrec_encode(d, &b), 0);
        assert_hex(&b, rows[i].hex);
        assert_int_equal(cb_decisionrec_decode(b.data, b.len, &back), 0);
        assert_int_equal(back.decision, d->decision);
        assert_int_equal(back.day, d->day);
        assert_int_equal(back.why_len, d->why_len);
        assert_memory_equal(back.why, d->why ? d->why : "", d->why_len);
        assert_refused(&b);
    }
    cb_buf_free(&b);
}

/* The decision byte is unsigned: 255 reads as 255, not -1 (and is no
 * decision: cb_decision_symbol says so). */
static void test_unsigned(void **state)
{
    cb_decisionrec d;

    (void)state;
    assert_int_equal(cb_decisionrec_decode("\xff\x01\x00\x00\x00\x00", 6,
                                           &d),
                     0);
    assert_int_equal(d.decision, 255);
    assert_int_equal(d.day, 1);
    assert_null(cb_decision_symbol(d.decision));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_unsigned),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
