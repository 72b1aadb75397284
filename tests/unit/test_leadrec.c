/* test_leadrec.c -- the packed lead of consumers/cb_leadrec.c, pinned: an
 * open and a closed lead encode to the bytes written here (worked out by
 * hand from the layouts in cb_leadrec.h: those the outbox carries and
 * those a lead bucket keeps and kept before), decode back equal, make the records the
 * lead commands list, and every truncation is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_eidforms.h"
#include "cb_leadrec.h"
#include "cb_time.h"
#include "golden.h"

static void assert_same(const cb_leadrec *a, const cb_leadrec *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->reason, b->reason);
    assert_int_equal(a->priority, b->priority);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->closed, b->closed);
    assert_int_equal(a->township, b->township);
    assert_int_equal(a->opened, b->opened);
    assert_int_equal(a->closed_at, b->closed_at);
    assert_int_equal(cb_str_cmp(&a->subject_id, &b->subject_id), 0);
    assert_int_equal(cb_str_cmp(&a->source, &b->source), 0);
    assert_int_equal(cb_str_cmp(&a->name, &b->name), 0);
}

/* Every proper prefix of b is refused, each in a buffer of its size
 * (read as kept under subject, or whole when subject is NULL). */
static void assert_refuses_truncations_of(const cb_buf *b,
                                          const char *subject)
{
    cb_leadrec l;

    for (size_t n = 0; n < b->len; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b->data, n);
        assert_int_equal(cb_leadrec_decode(NULL, copy, n, subject,
                                           subject ? strlen(subject) : 0, &l),
                         -1);
        free(copy);
    }
}

static void assert_refuses_truncations(const cb_buf *b)
{
    assert_refuses_truncations_of(b, NULL);
}

/* Hex text into b. */
static void from_hex(const char *hex, cb_buf *b)
{
    b->len = 0;
    for (const char *p = hex; p[0] != '\0';) {
        unsigned v;
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_int_equal(sscanf(p, "%2x", &v), 1);
        char c = (char)v;
        assert_int_equal(cb_buf_append(b, &c, 1), 0);
        p += 2;
    }
}

/* Kept bytes b read as l under l's subject, and are refused without it
 * and when cut short. */
static void assert_reads_back(const cb_leadrec *l, const cb_buf *b)
{
    cb_leadrec back;
    char subject[32];

    snprintf(subject, sizeof(subject), "%.*s", (int)l->subject_id.len,
             l->subject_id.s);
    assert_int_equal(cb_leadrec_decode(NULL, b->data, b->len, subject,
                                       strlen(subject), &back),
                     0);
    assert_same(l, &back);
    assert_int_equal(cb_leadrec_decode(NULL, b->data, b->len, NULL, 0,
                                       &back),
                     -1);
    assert_refuses_truncations_of(b, subject);
}

/* Bytes a lead bucket kept before (layout 2, as hex) read as l. */
static void assert_reads_kept(const cb_leadrec *l, const char *hex)
{
    cb_buf b = {0};

    from_hex(hex, &b);
    assert_reads_back(l, &b);
    cb_buf_free(&b);
}

/* l as a lead bucket keeps it (layout 3): the bytes want, read back. */
static void assert_kept(const cb_leadrec *l, const char *want)
{
    cb_buf b = {0};

    assert_int_equal(cb_leadrec_encode(NULL, l, 0, &b), 0);
    assert_hex(&b, want);
    assert_reads_back(l, &b);
    cb_buf_free(&b);
}

/* An open person lead: closed 255 and closed_at -1 in the bytes. */
static void test_open_person_lead(void **state)
{
    cb_leadrec l, back;
    cb_lead rec;
    cb_buf b = {0};

    (void)state;
    memset(&l, 0, sizeof(l));
    memcpy(l.id, "0123456789abcdef", 17);
    l.kind = CB_SUBJECT_PERSON;
    l.reason = CB_REASON_WORKING_AGE_UNINSURED;
    l.priority = CB_PRIORITY_HIGH;
    l.status = CB_STATUS_OPEN;
    l.closed = -1;
    l.township = 320923008;
    l.opened = 19000;
    l.closed_at = -1;
    l.subject_id = S("320923198001011234");
    l.source = S("hh-1");
    l.name = S("\xe5\xbc\xa0\xe4\xb8\x89"); /* 张三 */
    assert_int_equal(cb_leadrec_encode(NULL, &l, 1, &b), 0);
    assert_hex(&b, "30313233343536373839616263646566 00 03 00 00 ff"
                   "80e520130000 384a00 ffffff"
                   "12333230393233313938303031303131323334"
                   "0468682d31 06e5bca0e4b889");
    assert_int_equal(cb_leadrec_decode(NULL, b.data, b.len, NULL, 0, &back), 0);
    assert_same(&l, &back);

    assert_int_equal(cb_leadrec_to_lead(&back, &rec), 0);
    assert_string_equal(rec.lead_id, "L0123456789abcdef");
    assert_string_equal(rec.township_code, "320923008");
    assert_int_equal(rec.subject_kind, CB_SUBJECT_PERSON);
    assert_string_equal(rec.subject_id, "320923198001011234");
    assert_string_equal(rec.name, "\xe5\xbc\xa0\xe4\xb8\x89");
    assert_int_equal(rec.reason, CB_REASON_WORKING_AGE_UNINSURED);
    assert_int_equal(rec.priority, CB_PRIORITY_HIGH);
    assert_int_equal(rec.opened_at, cb_time_of_date(19000));
    assert_int_equal(rec.status, CB_STATUS_OPEN);
    assert_int_equal(rec.closed_reason, -1);
    assert_true(rec.closed_at == CB_TIME_NONE);
    assert_string_equal(rec.source_event_id, "hh-1");
    assert_refuses_truncations(&b);
    /* a bucket written before layout 2 holds whole leads: read under
     * their subject as they are */
    assert_int_equal(cb_leadrec_decode(NULL, b.data, b.len, "320923198001011234",
                                       18, &back),
                     0);
    assert_same(&l, &back);
    /* kept before (layout 2): 2, the id in 8 bytes, the township 8 from
     * the county's codes (320923000: the number's first six digits), no
     * subject id */
    assert_reads_kept(&l, "02 0123456789abcdef 00 03 00 00 ff 10 384a00"
                          "ffffff 0468682d31 06e5bca0e4b889");
    /* kept (layout 3): 3, the id, the five fields as one varint (reason 3
     * times 2 * 2 * 6 * 4: 288, a002), the township, opened, no
     * closed_at, the source as an event id (number 1 << 2 | 1, one digit,
     * the prefix "hh-"), the name as text (head 4 << 1; U+5F20 as 91 20,
     * U+4E09 as 80 09) */
    assert_kept(&l, "03 0123456789abcdef a002 10 384a00 05 01 0368682d"
                    "08 9120 8009");
    /* with the store's forms, the source's prefix and count as index 0 */
    {
        cb_eidforms *forms = cb_eidforms_new();
        cb_leadrec back2;
        assert_int_equal(cb_eidforms_add(forms, "hh-", 3, 1), 0);
        assert_int_equal(cb_leadrec_encode(forms, &l, 0, &b), 0);
        assert_hex(&b, "03 0123456789abcdef a002 10 384a00 06 00"
                       "08 9120 8009");
        assert_int_equal(cb_leadrec_decode(forms, b.data, b.len,
                                           "320923198001011234", 18,
                                           &back2),
                         0);
        assert_same(&l, &back2);
        assert_int_equal(cb_leadrec_decode(NULL, b.data, b.len,
                                           "320923198001011234", 18,
                                           &back2),
                         -1);
        cb_eidforms_free(forms);
    }
    /* a lead layout 3 cannot hold (a closing day while open) keeps
     * layout 2 */
    l.closed_at = 19001;
    assert_kept(&l, "02 0123456789abcdef 00 03 00 00 ff 10 384a00 394a00"
                    "0468682d31 06e5bca0e4b889");
    l.closed_at = -1;
    /* an id that is not lower-case hex cannot be kept */
    l.id[3] = 'X';
    assert_int_equal(cb_leadrec_encode(NULL, &l, 0, &b), -1);
    cb_buf_free(&b);
}

/* A closed employer lead. */
static void test_closed_employer_lead(void **state)
{
    cb_leadrec l, back;
    cb_lead rec;
    cb_buf b = {0};

    (void)state;
    memset(&l, 0, sizeof(l));
    memcpy(l.id, "fedcba9876543210", 17);
    l.kind = CB_SUBJECT_EMPLOYER;
    l.reason = CB_REASON_EMPLOYER_UNREGISTERED;
    l.priority = CB_PRIORITY_NORMAL;
    l.status = CB_STATUS_CLOSED;
    l.closed = CB_CLOSED_DEREGISTERED;
    l.township = 320923100;
    l.opened = 19031;
    l.closed_at = 19100;
    l.subject_id = S("91320923MA1XXXXXXB");
    l.source = S("timer:2022-04-18");
    l.name = S("Shop");
    assert_int_equal(cb_leadrec_encode(NULL, &l, 1, &b), 0);
    assert_hex(&b, "66656463626139383736353433323130 01 04 01 03 03"
                   "dce520130000 574a00 9c4a00"
                   "1239313332303932334d4131585858585858 42"
                   "1074696d65723a323032322d30342d3138 0453686f70");
    assert_int_equal(cb_leadrec_decode(NULL, b.data, b.len, NULL, 0, &back), 0);
    assert_same(&l, &back);

    assert_int_equal(cb_leadrec_to_lead(&back, &rec), 0);
    assert_string_equal(rec.lead_id, "Lfedcba9876543210");
    assert_string_equal(rec.township_code, "320923100");
    assert_int_equal(rec.subject_kind, CB_SUBJECT_EMPLOYER);
    assert_int_equal(rec.status, CB_STATUS_CLOSED);
    assert_int_equal(rec.closed_reason, CB_CLOSED_DEREGISTERED);
    assert_int_equal(rec.closed_at, cb_time_of_date(19100));
    assert_int_equal(rec.opened_at, cb_time_of_date(19031));
    assert_refuses_truncations(&b);

    /* kept before (layout 2): the township 100 from the codes of the
     * USCC's county (its third to eighth characters) */
    assert_reads_kept(&l, "02 fedcba9876543210 01 04 01 03 03 c801 574a00"
                          "9c4a00 1074696d65723a323032322d30342d3138"
                          "0453686f70");
    /* kept (layout 3): 475 = 1 + 2 * (1 + 2 * (4 + 6 * (3 + 4 * 4))),
     * closed 69 days after opened, the source's 18 as its number, 2
     * digits, its prefix (a digit in it: no form would take it), "Shop"
     * as text */
    assert_kept(&l, "03 fedcba9876543210 db03 c801 574a00 45"
                    "49 02 0e74696d65723a323032322d30342d 08 53686f70");
    /* a USCC whose county is not digits: the township whole */
    l.subject_id = S("91ABCDEFMA1XXXXXXB");
    assert_kept(&l, "03 fedcba9876543210 db03 b89787b202 574a00 45"
                    "49 02 0e74696d65723a323032322d30342d 08 53686f70");
    l.subject_id = S("91320923MA1XXXXXXB");

    /* bytes after the name are not read */
    assert_int_equal(cb_buf_append(&b, "\x00", 1), 0);
    assert_int_equal(cb_leadrec_decode(NULL, b.data, b.len, NULL, 0, &back), 0);
    assert_same(&l, &back);
    cb_buf_free(&b);
}

/* A lead whose strings do not fit a cb_lead, or whose township is none,
 * as the lead commands see it. */
static void test_to_lead_limits(void **state)
{
    cb_leadrec l;
    cb_lead rec;

    (void)state;
    memset(&l, 0, sizeof(l));
    memcpy(l.id, "0123456789abcdef", 17);
    l.closed = -1;
    l.township = 0;
    assert_int_equal(cb_leadrec_to_lead(&l, &rec), 0);
    assert_string_equal(rec.township_code, "");
    l.township = INT64_C(1000000000000); /* 13 digits: no code */
    assert_int_equal(cb_leadrec_to_lead(&l, &rec), 0);
    assert_string_equal(rec.township_code, "");
    l.subject_id = S("3209231980010112345"); /* 19 characters */
    assert_int_equal(cb_leadrec_to_lead(&l, &rec), -1);
    l.subject_id = S("");
    memset(l.source.s, 'e', 64);
    l.source.len = 64; /* an event id holds 64 bytes */
    assert_int_equal(cb_leadrec_to_lead(&l, &rec), 0);
    l.source.len = 65;
    assert_int_equal(cb_leadrec_to_lead(&l, &rec), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_person_lead),
        cmocka_unit_test(test_closed_employer_lead),
        cmocka_unit_test(test_to_lead_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
