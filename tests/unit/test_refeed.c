/* test_refeed.c -- outbox "F" values: packed and read back, and refused
 * when cut short, followed by more, or naming no feed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_record.h"
#include "cb_refeed.h"

static void set(cb_str *s, const char *text)
{
    s->len = (uint8_t)strlen(text);
    memcpy(s->s, text, s->len);
}

static void fill(cb_refeed *r, const char *record, size_t record_len)
{
    memset(r, 0, sizeof(*r));
    r->kind = CB_KIND_ASSISTANCE;
    set(&r->number, "320923198001011233");
    set(&r->written, "320923198001011234");
    set(&r->review_id, "R0123456789abcdef");
    set(&r->file, "/data/assistance-2025.csv");
    r->line = 4242;
    r->record = record;
    r->record_len = record_len;
}

static void test_round_trip(void **state)
{
    static char big[600]; /* longer than a short string */
    cb_refeed r, back;
    cb_buf buf = {0};

    (void)state;
    memset(big, 0xC3, sizeof(big));
    fill(&r, big, sizeof(big));
    assert_int_equal(cb_refeed_pack(&r, &buf), 0);
    assert_int_equal(cb_refeed_unpack(buf.data, buf.len, &back), 0);
    assert_int_equal(back.kind, CB_KIND_ASSISTANCE);
    assert_int_equal(cb_str_cmp(&back.number, &r.number), 0);
    assert_int_equal(cb_str_cmp(&back.written, &r.written), 0);
    assert_int_equal(cb_str_cmp(&back.review_id, &r.review_id), 0);
    assert_int_equal(cb_str_cmp(&back.file, &r.file), 0);
    assert_int_equal(back.line, 4242);
    assert_int_equal(back.record_len, sizeof(big));
    assert_memory_equal(back.record, big, sizeof(big));
    assert_true(back.record >= buf.data &&
                back.record + back.record_len <= buf.data + buf.len);

    /* every shorter prefix is refused, and so is a byte more */
    for (size_t n = 0; n < buf.len; n++)
        assert_int_equal(cb_refeed_unpack(buf.data, n, &back), -1);
    assert_int_equal(cb_buf_append(&buf, "", 1), 0);
    assert_int_equal(cb_refeed_unpack(buf.data, buf.len, &back), -1);
    cb_buf_free(&buf);
}

static void test_refusals(void **state)
{
    static char huge[70000];
    cb_refeed r, back;
    cb_buf buf = {0};

    (void)state;
    fill(&r, huge, sizeof(huge)); /* past a u16 length */
    assert_int_equal(cb_refeed_pack(&r, &buf), -1);
    fill(&r, "x", 1);
    r.kind = CB_KIND_LEAD;
    assert_int_equal(cb_refeed_pack(&r, &buf), -1);
    r.kind = CB_KIND_HOUSEHOLD;
    assert_int_equal(cb_refeed_pack(&r, &buf), 0);
    buf.data[0] = (char)CB_KIND_LEAD; /* a kind that is no feed */
    assert_int_equal(cb_refeed_unpack(buf.data, buf.len, &back), -1);
    assert_null(back.record);
    cb_buf_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
