/* test_alertrec.c -- the packed alert of consumers/cb_alertrec.c, pinned:
 * two alerts encode to the bytes written here (worked out by hand from the
 * layout in cb_alertrec.h: the bytes the alert hash holds; `raised` is a
 * little-endian double), decode back equal, make the records the alert
 * commands list, and every truncation is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_alertrec.h"
#include "golden.h"

static void assert_same(const cb_alertrec *a, const cb_alertrec *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(cb_str_cmp(&a->subject_id, &b->subject_id), 0);
    assert_int_equal(cb_str_cmp(&a->period, &b->period), 0);
    assert_int_equal(a->township, b->township);
    assert_int_equal(a->amount, b->amount);
    assert_int_equal(a->evidence_len, b->evidence_len);
    assert_memory_equal(a->evidence, b->evidence, a->evidence_len);
    assert_true(a->raised == b->raised);
}

static void assert_refuses_truncations(const cb_buf *b)
{
    cb_alertrec a;

    for (size_t n = 0; n < b->len; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b->data, n);
        assert_int_equal(cb_alertrec_decode(copy, n, &a), -1);
        free(copy);
    }
}

/* A dual pension benefit in a known township. */
static void test_dual_benefit(void **state)
{
    cb_alertrec a, back;
    cb_alert rec;
    cb_buf b = {0};

    (void)state;
    memset(&a, 0, sizeof(a));
    a.kind = CB_ALERT_DUAL_PENSION_BENEFIT;
    a.subject_id = S("320923198001011234");
    a.township = 320923008;
    a.period = S("2024-01");
    a.amount = 150000;
    a.evidence = "e-1 e-2";
    a.evidence_len = 7;
    a.raised = 1709136000000.0;
    assert_int_equal(cb_alertrec_encode(&a, &b), 0);
    assert_hex(&b, "02 12333230393233313938303031303131323334"
                   "80e520130000 07323032342d3031 f04902000000"
                   "0700652d3120652d32 0000401b07df7842");
    assert_int_equal(cb_alertrec_decode(b.data, b.len, &back), 0);
    assert_same(&a, &back);
    assert_true(back.evidence >= b.data && back.evidence < b.data + b.len);

    assert_int_equal(cb_alertrec_to_alert(&back, "0123456789abcdef", &rec),
                     0);
    assert_string_equal(rec.alert_id, "A0123456789abcdef");
    assert_int_equal(rec.kind, CB_ALERT_DUAL_PENSION_BENEFIT);
    assert_string_equal(rec.subject_id, "320923198001011234");
    assert_string_equal(rec.township_code, "320923008");
    assert_string_equal(rec.period, "2024-01");
    assert_int_equal(rec.amount_at_risk_fen, 150000);
    assert_int_equal(rec.evidence.len, 7);
    assert_memory_equal(rec.evidence.ptr, "e-1 e-2", 7);
    assert_int_equal(rec.raised_at, INT64_C(1709136000000));
    assert_refuses_truncations(&b);

    /* bytes after `raised` are not read */
    assert_int_equal(cb_buf_append(&b, "\x01", 1), 0);
    assert_int_equal(cb_alertrec_decode(b.data, b.len, &back), 0);
    assert_same(&a, &back);
    cb_buf_free(&b);
}

/* An active_after_death waiting for a township: no period, no amount. */
static void test_active_after_death(void **state)
{
    cb_alertrec a, back;
    cb_alert rec;
    cb_buf b = {0};

    (void)state;
    memset(&a, 0, sizeof(a));
    a.kind = CB_ALERT_ACTIVE_AFTER_DEATH;
    a.subject_id = S("320923198001011234");
    a.evidence = "d-1";
    a.evidence_len = 3;
    a.raised = 1700000000123.0;
    assert_int_equal(cb_alertrec_encode(&a, &b), 0);
    assert_hex(&b, "04 12333230393233313938303031303131323334"
                   "000000000000 00 000000000000 0300642d31"
                   "00b08756febc7842");
    assert_int_equal(cb_alertrec_decode(b.data, b.len, &back), 0);
    assert_same(&a, &back);
    assert_int_equal(cb_alertrec_to_alert(&back, "fedcba9876543210", &rec),
                     0);
    assert_string_equal(rec.township_code, "");
    assert_string_equal(rec.period, "");
    assert_int_equal(rec.raised_at, INT64_C(1700000000123));
    assert_refuses_truncations(&b);
    cb_buf_free(&b);
}

/* What the encoder and the record refuse. */
static void test_limits(void **state)
{
    static char ev[CB_ALERTREC_EVIDENCE_MAX + 1];
    cb_alertrec a;
    cb_alert rec;
    cb_buf b = {0};

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(ev, 'e', sizeof(ev));
    a.evidence = ev;
    a.evidence_len = CB_ALERTREC_EVIDENCE_MAX;
    assert_int_equal(cb_alertrec_encode(&a, &b), 0);
    a.evidence_len++;
    assert_int_equal(cb_alertrec_encode(&a, &b), -1);
    a.evidence_len = 0;
    a.evidence = NULL;
    assert_int_equal(cb_alertrec_encode(&a, &b), 0);
    a.period = S("2024-011"); /* longer than a period */
    assert_int_equal(cb_alertrec_to_alert(&a, "0123456789abcdef", &rec), -1);
    cb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dual_benefit),
        cmocka_unit_test(test_active_after_death),
        cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
