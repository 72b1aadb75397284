/* test_reviewrec.c -- the packed review item of consumers/cb_reviewrec.c,
 * pinned: two items encode to the bytes written here (worked out by hand
 * from the layout in cb_reviewrec.h: the bytes the review hash holds),
 * decode back equal, make the cells `canbao reviews` prints, masked and
 * whole, and every truncation, and a byte more, is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_reviewrec.h"
#include "cb_time.h"
#include "golden.h"

static void assert_same(const cb_reviewrec *a, const cb_reviewrec *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->status, b->status);
    assert_int_equal(cb_str_cmp(&a->subject_id, &b->subject_id), 0);
    assert_int_equal(cb_str_cmp(&a->other_id, &b->other_id), 0);
    assert_int_equal(a->township, b->township);
    assert_int_equal(cb_str_cmp(&a->register_name, &b->register_name), 0);
    assert_int_equal(cb_str_cmp(&a->other_name, &b->other_name), 0);
    assert_int_equal(a->evidence_len, b->evidence_len);
    assert_memory_equal(a->evidence, b->evidence, a->evidence_len);
    assert_true(a->raised == b->raised);
    assert_true(a->resolved == b->resolved);
}

static void assert_refuses_truncations(const cb_buf *b)
{
    cb_reviewrec r;

    for (size_t n = 0; n < b->len; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b->data, n);
        assert_int_equal(cb_reviewrec_decode(copy, n, &r), -1);
        free(copy);
    }
    char *longer = malloc(b->len + 1);
    assert_non_null(longer);
    memcpy(longer, b->data, b->len);
    longer[b->len] = 0;
    assert_int_equal(cb_reviewrec_decode(longer, b->len + 1, &r), -1);
    free(longer);
}

/* The cells of an item under cb_review_columns, by column name. */
static const char *cell(const char *const *cells, const char *column)
{
    for (int i = 0; i < CB_REVIEW_COLUMNS; i++)
        if (strcmp(cb_review_columns[i], column) == 0)
            return cells[i];
    fail_msg("no column %s", column);
    return NULL;
}

/* The columns of `canbao reviews`, in the order of docs/COMMANDS.md. */
/* The list filter: township as text, kind and status, each -1 or NULL
 * for any. */
static void test_filter(void **state)
{
    cb_reviewrec r;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.kind = CB_REVIEW_NAME_MISMATCH;
    r.status = CB_REVIEW_OPEN;
    r.township = 320923001;
    cb_review_filter any = {NULL, -1, -1};
    cb_review_filter tw = {"320923001", -1, -1};
    cb_review_filter other_tw = {"320923002", -1, -1};
    cb_review_filter kind = {NULL, CB_REVIEW_NAME_MISMATCH, CB_REVIEW_OPEN};
    cb_review_filter other_kind = {NULL, CB_REVIEW_PROBABLE_TYPO, -1};
    cb_review_filter decided = {"320923001", -1, CB_REVIEW_CONFIRMED};
    assert_true(cb_review_filter_keeps(&any, &r));
    assert_true(cb_review_filter_keeps(&tw, &r));
    assert_false(cb_review_filter_keeps(&other_tw, &r));
    assert_true(cb_review_filter_keeps(&kind, &r));
    assert_false(cb_review_filter_keeps(&other_kind, &r));
    assert_false(cb_review_filter_keeps(&decided, &r));
}

static void test_columns(void **state)
{
    static const char *const want[] = {
        "review_id", "kind",     "township_code", "subject_id", "other_id",
        "names",     "evidence", "status",        "raised_at",  "resolved_at",
        "amount_at_risk_fen"};

    (void)state;
    assert_int_equal(CB_REVIEW_COLUMNS, 11);
    assert_int_equal(CB_REVIEW_CSV_COLUMNS, 10);
    for (int i = 0; i < CB_REVIEW_COLUMNS; i++)
        assert_string_equal(cb_review_columns[i], want[i]);
}

/* An open death_unconfirmed item in a known township. */
static void test_open_item(void **state)
{
    static char buf[CB_REVIEW_CELLS_SIZE];
    const char *cells[CB_REVIEW_COLUMNS];
    cb_reviewrec r, back;
    cb_buf b = {0};

    (void)state;
    memset(&r, 0, sizeof(r));
    r.kind = CB_REVIEW_DEATH_UNCONFIRMED;
    r.status = CB_REVIEW_OPEN;
    r.subject_id = S("320923198001011234");
    r.township = 320923008;
    r.register_name = S("王建国");
    r.evidence = "d-1 d-2";
    r.evidence_len = 7;
    r.raised = INT64_C(1709136000000);
    r.resolved = CB_TIME_NONE;
    r.other_name = S("王 建国");
    assert_int_equal(cb_reviewrec_encode(&r, &b), 0);
    assert_hex(&b, "01 00 12333230393233313938303031303131323334 00"
                   "80e520130000 09e78e8be5bbbae59bbd 0ae78e8b20e5bbbae59bbd"
                   "0700642d3120642d32 00b471f08d010000 0000000000000080");
    assert_int_equal(cb_reviewrec_decode(b.data, b.len, &back), 0);
    assert_same(&r, &back);
    assert_true(back.evidence >= b.data && back.evidence < b.data + b.len);
    assert_refuses_truncations(&b);

    /* whole */
    cb_reviewrec_cells(&back, "0123456789abcdef", 0, buf, cells);
    assert_string_equal(cell(cells, "review_id"), "R0123456789abcdef");
    assert_string_equal(cell(cells, "kind"), "death_unconfirmed");
    assert_string_equal(cell(cells, "township_code"), "320923008");
    assert_string_equal(cell(cells, "subject_id"), "320923198001011234");
    assert_string_equal(cell(cells, "other_id"), "");
    assert_string_equal(cell(cells, "names"), "王建国|王 建国");
    assert_string_equal(cell(cells, "evidence"), "d-1 d-2");
    assert_string_equal(cell(cells, "status"), "open");
    assert_string_equal(cell(cells, "raised_at"),
                        "2024-02-29T00:00:00+08:00");
    assert_string_equal(cell(cells, "resolved_at"), "");
    /* masked: the number's first 6 characters, each name's first */
    cb_reviewrec_cells(&back, "0123456789abcdef", 1, buf, cells);
    assert_string_equal(cell(cells, "subject_id"), "320923************");
    assert_string_equal(cell(cells, "names"), "王**|王***");
    assert_string_equal(cell(cells, "evidence"), "d-1 d-2");
    assert_string_equal(cell(cells, "other_id"), "");
    cb_buf_free(&b);
}

/* A rejected name_mismatch item with no township, and an other id. */
static void test_decided_item(void **state)
{
    static char buf[CB_REVIEW_CELLS_SIZE];
    const char *cells[CB_REVIEW_COLUMNS];
    cb_reviewrec r, back;
    cb_buf b = {0};

    (void)state;
    memset(&r, 0, sizeof(r));
    r.kind = CB_REVIEW_NAME_MISMATCH;
    r.status = CB_REVIEW_REJECTED;
    r.subject_id = S("320923198001011234");
    r.other_id = S("320923800101123");
    r.register_name = S("Li");
    r.other_name = S("Lee");
    r.evidence = "a-1";
    r.evidence_len = 3;
    r.raised = INT64_C(1709136000000);
    r.resolved = INT64_C(1709222400123);
    assert_int_equal(cb_reviewrec_encode(&r, &b), 0);
    assert_hex(&b, "00 02 12333230393233313938303031303131323334"
                   "0f333230393233383030313031313233 000000000000"
                   "024c69 034c6565 0300612d31"
                   "00b471f08d010000 7b1098f58d010000");
    assert_int_equal(cb_reviewrec_decode(b.data, b.len, &back), 0);
    assert_same(&r, &back);
    assert_refuses_truncations(&b);
    cb_reviewrec_cells(&back, "fedcba9876543210", 1, buf, cells);
    assert_string_equal(cell(cells, "kind"), "name_mismatch");
    assert_string_equal(cell(cells, "status"), "rejected");
    assert_string_equal(cell(cells, "township_code"), "");
    assert_string_equal(cell(cells, "other_id"), "320923*********");
    assert_string_equal(cell(cells, "names"), "L*|L**");
    assert_string_equal(cell(cells, "resolved_at"),
                        "2024-03-01T00:00:00.123+08:00");

    /* evidence longer than its u16 holds does not encode */
    char *big = malloc(CB_REVIEWREC_EVIDENCE_MAX + 1);
    assert_non_null(big);
    memset(big, 'e', CB_REVIEWREC_EVIDENCE_MAX + 1);
    r.evidence = big;
    r.evidence_len = CB_REVIEWREC_EVIDENCE_MAX + 1;
    assert_int_equal(cb_reviewrec_encode(&r, &b), -1);
    /* the longest does, and its cell holds it */
    r.evidence_len = CB_REVIEWREC_EVIDENCE_MAX;
    assert_int_equal(cb_reviewrec_encode(&r, &b), 0);
    assert_int_equal(cb_reviewrec_decode(b.data, b.len, &back), 0);
    cb_reviewrec_cells(&back, "fedcba9876543210", 0, buf, cells);
    assert_int_equal(strlen(cell(cells, "evidence")),
                     CB_REVIEWREC_EVIDENCE_MAX);
    assert_string_equal(cell(cells, "status"), "rejected");
    free(big);
    cb_buf_free(&b);
}

/* A duplicate_identity's amount at risk: packed after the times only
 * when not 0 (an item without one packs as before), shown in its cell. */
static void test_amount(void **state)
{
    static char buf[CB_REVIEW_CELLS_SIZE];
    const char *cells[CB_REVIEW_COLUMNS];
    cb_reviewrec r, back;
    cb_buf b = {0};
    size_t without;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.kind = CB_REVIEW_DUPLICATE_IDENTITY;
    r.subject_id = S("320923198008081234");
    r.other_id = S("320923198008081250");
    r.register_name = S("Wang");
    r.other_name = S("Wang");
    r.raised = 1;
    r.resolved = CB_TIME_NONE;
    assert_int_equal(cb_reviewrec_encode(&r, &b), 0);
    without = b.len;
    r.amount = 15000;
    assert_int_equal(cb_reviewrec_encode(&r, &b), 0);
    assert_int_equal(b.len, without + 8);
    assert_int_equal(cb_reviewrec_decode(b.data, b.len, &back), 0);
    assert_int_equal(back.amount, 15000);
    for (size_t n = without + 1; n < b.len; n++)
        assert_int_equal(cb_reviewrec_decode(b.data, n, &back), -1);
    assert_int_equal(cb_reviewrec_decode(b.data, without, &back), 0);
    assert_int_equal(back.amount, 0);
    cb_reviewrec_decode(b.data, b.len, &back);
    cb_reviewrec_cells(&back, "0123456789abcdef", 0, buf, cells);
    assert_string_equal(cell(cells, "amount_at_risk_fen"), "15000");
    assert_string_equal(cell(cells, "kind"), "duplicate_identity");
    cb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_open_item),
        cmocka_unit_test(test_decided_item),
        cmocka_unit_test(test_amount),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
